"""CSRF protection for the pages: a random token per login session, required on every unsafe request.

Forms carry it in a hidden field, htmx requests in the X-CSRF-Token header (set once on <body>).
The API is not covered: it takes bearer tokens, which a browser never sends on its own.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, abort, request, session

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
SAFE = {"GET", "HEAD", "OPTIONS"}


def csrf_token() -> str:
    if FIELD not in session:
        session[FIELD] = secrets.token_urlsafe(32)
    return session[FIELD]  # type: ignore[no-any-return]


def _check() -> None:
    if request.method in SAFE or request.path.startswith(("/api/", "/feeds/")) or request.blueprint is None:
        return
    sent = request.form.get(FIELD) or request.headers.get(HEADER) or ""
    expected = session.get(FIELD, "")
    if not expected or not hmac.compare_digest(sent, expected):
        abort(400, description="The form has expired or did not come from this site. Reload the page and try again.")


def init_csrf(app: Flask) -> None:
    app.before_request(_check)
    app.jinja_env.globals["csrf_token"] = csrf_token
