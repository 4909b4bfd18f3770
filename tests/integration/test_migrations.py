"""The migrations build exactly the schema the models describe, on SQLite and on PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from scheduler_service.extensions import db


def _differences():
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        return compare_metadata(context, db.metadata)


def test_autogenerate_finds_no_difference_between_models_and_migrations(app):
    assert _differences() == []


def test_the_schema_can_be_taken_down_and_built_again(app):
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}

    upgrade()

    assert _differences() == []
    assert {"clinics", "protocols", "patients", "users", "api_tokens"} <= set(inspect(db.engine).get_table_names())
