"""What every group of pages shares: its blueprint, HTML error pages, and domain errors in plain words."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from werkzeug.exceptions import HTTPException

from ..domain.errors import Conflict, DomainError, InvalidValue, NotFound

TITLES = {
    400: "That did not work",
    403: "Not for your role",
    404: "Not found",
    409: "That cannot be done now",
    413: "Too much to send",
}


def blueprint(name: str, url_prefix: str | None = None) -> Blueprint:
    """A blueprint of pages whose errors are pages too (the API keeps its JSON errors)."""
    bp = Blueprint(name, __name__, url_prefix=url_prefix, template_folder="templates")
    bp.register_error_handler(HTTPException, _http_error)
    bp.register_error_handler(NotFound, lambda error: _page(404, error.message))
    bp.register_error_handler(Conflict, lambda error: _page(409, error.message))
    return bp


def _http_error(error: HTTPException) -> Any:
    code = error.code or 500
    message = {
        403: "Your role may not open this page. Ask an administrator if you need it.",
        404: "There is no such page.",
        413: "What was sent is larger than this service accepts. Shorten it and try again.",
    }.get(code, error.description or "")
    return _page(code, message)


def _page(code: int, message: str) -> tuple[str, int]:
    title = TITLES.get(code, "Something went wrong")
    return render_template("web/error.html", code=code, title=title, message=message), code


def field_errors(error: DomainError) -> dict[str, str]:
    """A domain refusal as {field: message} for the form that caused it; "" when no field is named."""
    if isinstance(error, InvalidValue):
        return {error.field.split(".")[0]: error.reason, "_full": error.message}
    return {"": error.message}
