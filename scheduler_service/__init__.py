"""The infusion scheduling service: create_app() builds a configured Flask app."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

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
    from .adapters.sqlite_pragmas import install_sqlite_pragmas
    from .api import meta
    from .api.auth import init_auth
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
    register_domain_error_handlers(app)
    web.register(app)
    cli.register(app)
    app.extensions["clock"] = SystemClock()

    return app


def _engine_options(url: str) -> dict[str, object]:
    if url.startswith("sqlite"):
        # Several threads of the dev server share the file; wait for a writer instead of failing.
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True}
