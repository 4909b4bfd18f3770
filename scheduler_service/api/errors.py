"""One error body for every failure: flask-smorest's {code, status, message, errors}."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from flask_smorest import Api
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from ..domain.errors import Conflict, InvalidValue, NoPlan, NotFound, PreconditionFailed


class ApiWithNamedErrors(Api):
    """flask-smorest's Api, whose error bodies always carry a message naming the bad fields."""

    def handle_http_exception(self, error: HTTPException) -> tuple[dict[str, Any], int, dict[str, str]]:
        payload, code, headers = super().handle_http_exception(error)
        if code == 413:
            limit = current_app.config.get("MAX_CONTENT_LENGTH")
            payload["message"] = f"The request body is larger than the {limit} bytes this service accepts."
            payload["errors"] = {"json": [f"Longer than {limit} bytes (MAX_CONTENT_LENGTH)."]}
        if "message" not in payload:
            fields = _field_names(payload.get("errors"))
            if fields:
                payload["message"] = "Invalid input: " + ", ".join(fields)
            else:
                payload["message"] = error.description or error.name
        return payload, code, headers


def _field_names(errors: object) -> list[str]:
    """Field names of webargs' {"json": {"field": [...]}} errors, dotted for nested ones."""
    if not isinstance(errors, dict):
        return []
    names: list[str] = []
    for location in errors.values():
        names.extend(_flatten(location, ""))
    return names


def _flatten(node: object, prefix: str) -> list[str]:
    if isinstance(node, dict):
        names = []
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            names.extend(_flatten(value, path) if isinstance(value, dict) else [path])
        return names
    return [prefix] if prefix else []


def _body(code: int, status: str, message: str, errors: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "status": status, "message": message}
    if errors:
        body["errors"] = errors
    return body


def register_domain_error_handlers(app: Flask) -> None:
    """Translate the domain's exceptions into the API's status codes."""

    @app.errorhandler(InvalidValue)
    def invalid(error: InvalidValue) -> tuple[dict[str, Any], int]:
        return _body(422, "Unprocessable Entity", error.message, {"json": {error.field: [error.reason]}}), 422

    @app.errorhandler(NoPlan)
    def no_plan(error: NoPlan) -> tuple[dict[str, Any], int]:
        return _body(422, "Unprocessable Entity", error.message), 422

    @app.errorhandler(NotFound)
    def not_found(error: NotFound) -> tuple[dict[str, Any], int]:
        return _body(404, "Not Found", error.message), 404

    @app.errorhandler(PreconditionFailed)
    def precondition(error: PreconditionFailed) -> tuple[dict[str, Any], int]:
        return _body(412, "Precondition Failed", error.message), 412

    @app.errorhandler(IntegrityError)
    @app.errorhandler(StaleDataError)
    def constraint(error: Exception) -> tuple[dict[str, Any], int]:
        # A rule the database enforces (unique name, no overlap) caught a change made at the same time.
        from ..extensions import db

        db.session.rollback()
        return _body(409, "Conflict", "the change conflicts with data saved at the same moment; reload and retry"), 409

    @app.errorhandler(DataError)
    def unstorable(error: DataError) -> tuple[dict[str, Any], int]:
        # The net under the schemas (adapters/text_columns.py checks text): a value the database cannot hold.
        from ..extensions import db

        db.session.rollback()
        return _body(422, "Unprocessable Entity", "a value is out of the range the database can store"), 422

    @app.errorhandler(Conflict)
    def conflict(error: Conflict) -> tuple[dict[str, Any], int]:
        return _body(409, "Conflict", error.message, error.details), 409
