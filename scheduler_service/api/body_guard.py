"""What an API request body must be before any endpoint reads it: JSON, valid UTF-8, and shallow.

The size limit itself is Flask's MAX_CONTENT_LENGTH (413 before the body is read); the error
body of every refusal here is the API's usual {code, status, message, errors}.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, current_app, request
from flask_smorest import abort
from werkzeug.exceptions import RequestEntityTooLarge

API_PREFIX = "/api/"
WITH_BODY = {"POST", "PUT", "PATCH"}
# The deepest body the API takes is 5 levels (reminder policy overrides); 32 leaves room and keeps
# every recursive walk of the parsed body (schemas, our own checks) far from Python's recursion limit.
MAX_JSON_DEPTH = 32


def _is_json(mimetype: str) -> bool:
    return mimetype == "application/json" or (mimetype.startswith("application/") and mimetype.endswith("+json"))


def too_deep(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when lists/objects nest more than `limit` levels; iterative, so any depth is safe to ask about."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def _refuse(message: str, errors: dict[str, Any]) -> None:
    abort(400, message=message, errors=errors)


def check_api_body() -> None:
    """Refuse a body that is not JSON, not UTF-8 or nested too deeply; an empty body is left to the schema."""
    if not request.path.startswith(API_PREFIX) or request.method not in WITH_BODY or request.endpoint is None:
        return
    raw = request.get_data(cache=True)  # over MAX_CONTENT_LENGTH: 413 here, before anything else
    if not raw:
        return
    if not _is_json(request.mimetype):
        sent = f"not {request.mimetype}" if request.mimetype else "none was sent"
        reason = f"Send the body as JSON with Content-Type: application/json ({sent})."
        _refuse(reason, {"headers": {"Content-Type": [reason]}})
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        _refuse("The body is not valid UTF-8.", {"json": [f"Invalid UTF-8 at byte {error.start}."]})
    try:
        body = json.loads(text)
    except json.JSONDecodeError:
        _refuse("The body is not valid JSON.", {"json": ["Invalid JSON body."]})
    except RecursionError:
        body = None
        _refuse(f"The body nests deeper than {MAX_JSON_DEPTH} levels.", {"json": ["Nested too deeply."]})
    if isinstance(body, (dict, list)) and too_deep(body):
        _refuse(f"The body nests deeper than {MAX_JSON_DEPTH} levels.", {"json": ["Nested too deeply."]})


def refuse_long_streams() -> None:
    """A chunked body (no Content-Length) over the limit is a 413 too, not a body cut off at the limit.

    Werkzeug stops reading such a stream at MAX_CONTENT_LENGTH without a word, so a form or JSON
    document could be read cut short. Read it here (cached for the form parser and the API) and look
    one byte past the limit; the server terminates the stream (wsgi.input_terminated), so this never hangs.
    """
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if request.content_length is not None or limit is None or "wsgi.input_terminated" not in request.environ:
        return
    if len(request.get_data(cache=True)) >= limit and request.environ["wsgi.input"].read(1):
        raise RequestEntityTooLarge()


def init_body_guard(app: Flask) -> None:
    app.before_request(refuse_long_streams)
    app.before_request(check_api_body)
