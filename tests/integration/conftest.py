"""Fixtures: every integration test runs once on SQLite and once on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text
from werkzeug.security import generate_password_hash

from config import TestConfig
from scheduler_service import create_app
from scheduler_service.adapters.clock import FixedClock, SystemClock
from scheduler_service.extensions import db
from scheduler_service.services import accounts, protocols
from scheduler_service.services.unit_of_work import UnitOfWork

from .databases import scratch_postgres, scratch_sqlite
from .scenes import houston_clinic, staff_tokens


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        with scratch_sqlite(str(tmp_path_factory.mktemp("sqlite"))) as url:
            yield url
    else:
        with scratch_postgres() as url:
            yield url


@pytest.fixture(scope="session")
def migrated_app(database_url: str) -> Iterator[Flask]:
    """An app on a database brought up by the real migrations, as `flask db upgrade` does."""
    app = create_app(TestConfig(database_url))
    with app.app_context():
        upgrade()
        yield app
        db.session.remove()
        db.engine.dispose()


def _empty_tables(app: Flask) -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
            if _has_sequence(conn):
                conn.execute(text("DELETE FROM sqlite_sequence"))


def _has_sequence(conn: Any) -> bool:
    return conn.execute(text("SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'")).first() is not None


@pytest.fixture()
def app(migrated_app: Flask) -> Iterator[Flask]:
    """The app with an empty database holding only the built-in protocols, as on a fresh install."""
    db.session.remove()
    _empty_tables(migrated_app)
    with UnitOfWork("test") as uow:
        protocols.ensure_builtin_protocols(uow)
    yield migrated_app
    db.session.remove()


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


STAFF_PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def staff_password_hash() -> str:
    """scrypt is slow on purpose; hash the shared test password once per run, not per test."""
    return generate_password_hash(STAFF_PASSWORD, accounts.PASSWORD_METHOD)


@pytest.fixture()
def auth(app: Flask, staff_password_hash: str) -> dict[str, dict[str, str]]:
    """Authorization headers for one user of each role: auth["admin"], auth["front_desk"], auth["clinician"]."""
    return staff_tokens(staff_password_hash, "clinic.test")


@pytest.fixture()
def clock(app: Flask) -> Iterator[FixedClock]:
    """Stop the app's clock at Friday 2026-11-20 12:00 UTC; a test may move it."""
    fixed = FixedClock(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    app.extensions["clock"] = fixed
    yield fixed
    app.extensions["clock"] = SystemClock()


@pytest.fixture()
def houston(client: FlaskClient, auth: dict[str, dict[str, str]], clock: FixedClock) -> tuple[int, int]:
    """(clinic id, patient id) of a Houston clinic with two IV chairs and two nurses; the clock stopped."""
    clinic = houston_clinic(client, auth)
    return clinic.id, clinic.patient_id


@pytest.fixture()
def reachable(client: FlaskClient, auth: dict[str, dict[str, str]], houston: tuple[int, int]) -> tuple[int, int]:
    """The Houston clinic and its patient, who now takes e-mail and SMS reminders."""
    clinic_id, patient_id = houston
    response = client.patch(
        f"/api/v1/patients/{patient_id}",
        json={"phone": "+1 713 555 0100", "reminder_channels": ["email", "sms"]},
        headers=auth["front_desk"],
    )
    assert response.status_code == 200, response.get_json()
    return clinic_id, patient_id
