"""Liveness: /healthz answers ok only when the database answers too."""

from __future__ import annotations

from typing import Any

import swagger_ui_bundle
from flask import Blueprint, Response, send_from_directory
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db

blp = Blueprint("meta", __name__)
# Swagger UI's scripts, served from the installed package: the docs work without reaching a CDN.
docs_assets = Blueprint("api-docs-assets", __name__, url_prefix="/api/v1/docs-assets")


@docs_assets.get("/<path:filename>")
def swagger_asset(filename: str) -> Response:
    return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename)


@blp.get("/healthz")
def healthz() -> tuple[dict[str, Any], int]:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok"}, 200
