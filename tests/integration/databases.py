"""The two databases every integration test runs on: a fresh SQLite file and a fresh PostgreSQL database."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from sqlalchemy.engine import make_url

# The server the suite may create scratch databases on (trust auth on this machine and in CI).
ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def postgres_reachable() -> str | None:
    """None when reachable, else the reason."""
    try:
        with psycopg.connect(_libpq(ADMIN_URL), connect_timeout=3):
            return None
    except psycopg.Error as error:
        return str(error).strip()


def require_postgres() -> None:
    """Skip on a laptop without PostgreSQL; in CI a missing PostgreSQL is a failure, never a skip."""
    reason = postgres_reachable()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL is required in CI but unreachable at {ADMIN_URL}: {reason}")
    pytest.skip(f"PostgreSQL unreachable at {ADMIN_URL}: {reason}")


@contextmanager
def scratch_database(admin_url: str = ADMIN_URL, prefix: str = "scheduler_test") -> Iterator[str]:
    """Create an empty database on admin_url's server and drop it afterwards (also used by benchmarks/)."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_libpq(admin_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_libpq(admin_url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def scratch_postgres() -> Iterator[str]:
    """A scratch database for one test session; in CI an unreachable PostgreSQL fails the test."""
    require_postgres()
    with scratch_database() as url:
        yield url


@contextmanager
def scratch_sqlite(folder: str) -> Iterator[str]:
    yield f"sqlite:///{os.path.join(folder, 'scheduler-test.sqlite3')}"
