"""The front desk's pages: server-rendered Jinja templates, htmx for partial updates, a login session."""

from __future__ import annotations

from flask import Blueprint, Flask

from . import admin, board, booking, csrf, form_guard, patients, security_headers, series, session_auth


def register(app: Flask) -> None:
    secure = app.config["BASE_URL"].startswith("https://")
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_NAME="scheduler_session",
    )
    csrf.init_csrf(app)
    form_guard.init_form_guard(app)
    security_headers.init_security_headers(app)
    # One parent, so page endpoints read "web.patients.index" and never clash with the API's blueprints.
    web = Blueprint("web", __name__)
    for module in (session_auth, board, patients, booking, series, admin):
        web.register_blueprint(module.bp)
    app.register_blueprint(web)
