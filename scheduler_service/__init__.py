"""The infusion scheduling service: create_app() builds a configured Flask app."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config

from .adapters.clock import SystemClock


def create_app(config: object | None = None) -> Flask:
    """Build the app: config, extensions, blueprints and CLI; nothing runs before this is called."""
    app = Flask(__name__, instance_relative_config=True, static_folder="web/static")
    app.config.from_object(config or Config())
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep mon..sun and id-first order as written
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "scheduler.sqlite3")
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", _engine_options(app.config["SQLALCHEMY_DATABASE_URI"]))
    app.config.setdefault("OPENAPI_SWAGGER_UI_URL", None)
    if app.config["OPENAPI_SWAGGER_UI_URL"] is None:
        app.config["OPENAPI_SWAGGER_UI_URL"] = "/api/v1/docs-assets/"

    from . import cli, web
    from .adapters import orm  # noqa: F401  (registers the tables with the metadata)
    from .adapters.log_redaction import install_log_redaction
    from .adapters.sqlite_pragmas import install_sqlite_pragmas
    from .adapters.text_columns import install_text_checks
    from .api import meta
    from .api.auth import init_auth
    from .api.body_guard import init_body_guard
    from .api.clinics import resources as clinic_resources
    from .api.errors import register_domain_error_handlers
    from .api.feeds import resources as feed_resources
    from .api.patients import resources as patient_resources
    from .api.planning import resources as planning_resources
    from .api.protocols import resources as protocol_resources
    from .api.reminders import resources as reminder_resources
    from .api.series import resources as series_resources
    from .extensions import api, db, migrate

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(Path(__file__).resolve().parent.parent / "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    with app.app_context():
        install_sqlite_pragmas(db.engine)
    install_text_checks(db.session)  # type: ignore[arg-type]  # the scoped session stands for its class
    api.init_app(app)
    blueprints = (
        clinic_resources,
        protocol_resources,
        patient_resources,
        planning_resources,
        series_resources,
        feed_resources,
        reminder_resources,
    )
    for blueprint in (module.blp for module in blueprints):
        api.register_blueprint(blueprint)
    app.register_blueprint(meta.blp)
    app.register_blueprint(meta.docs_assets)
    app.register_blueprint(feed_resources.feed_bodies)
    init_auth(app)
    init_body_guard(app)  # after authentication: a stranger learns nothing about bodies
    register_domain_error_handlers(app)
    web.register(app)
    cli.register(app)
    install_log_redaction(app)  # request lines would carry feed secrets and patient searches
    app.extensions["clock"] = SystemClock()
    if proxies := app.config.get("TRUSTED_PROXIES", 0):
        # Behind a load balancer the client's address (for the log-in throttle) and scheme come from its headers;
        # trusted only for as many hops as there are proxies, so a client cannot forge its own address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]

    return app


def _engine_options(url: str) -> dict[str, object]:
    # A database error's message must not carry the statement's values (a patient's e-mail) into a logged traceback.
    private = {"hide_parameters": True}
    if url.startswith("sqlite"):
        # Several threads of the dev server share the file; wait for a writer instead of failing.
        return {**private, "connect_args": {"timeout": 30}}
    return {**private, "pool_pre_ping": True}
