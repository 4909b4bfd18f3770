"""Exactly one scheduler leads: a PostgreSQL advisory lock, or on SQLite an exclusive lock on a file.

Both locks belong to the process (its database session, its open file), so the operating system
or PostgreSQL releases them the moment the leader dies, however it dies; a standby polling for
the lock then takes over. Nothing has to expire and no clock has to agree.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from pathlib import Path
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

# One bigint for the whole service; the per-day booking locks use the (int, int) form, another key space.
LEADER_KEY = int.from_bytes(hashlib.sha256(b"scheduler_service leader").digest()[:8], "big", signed=True)


class LeaderLock(Protocol):
    def try_acquire(self) -> bool: ...

    def still_held(self) -> bool: ...

    def release(self) -> None: ...


class PostgresLeaderLock:
    """A session-level advisory lock, on a connection of its own held for as long as we lead."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.connection: Connection | None = None

    def try_acquire(self) -> bool:
        connection = self.engine.connect()
        got = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LEADER_KEY}).scalar()
        connection.commit()
        if got:
            self.connection = connection
        else:
            connection.close()
        return bool(got)

    def still_held(self) -> bool:
        """False when the lock's session is gone (say, PostgreSQL restarted): another may lead by now."""
        if self.connection is None:
            return False
        try:
            held = self.connection.execute(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
            ).scalar()
            self.connection.commit()
            return bool(held)
        except Exception:
            return False

    def release(self) -> None:
        if self.connection is not None:
            try:
                self.connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LEADER_KEY})
                self.connection.commit()
            finally:
                self.connection.close()
                self.connection = None


class FileLeaderLock:
    """flock() on a file beside the SQLite database: one leader per machine, which is all SQLite allows."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.fd: int | None = None

    def try_acquire(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self.fd = fd
        return True

    def still_held(self) -> bool:
        return self.fd is not None

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def leader_lock(engine: Engine, lock_file: str | None) -> LeaderLock:
    if engine.dialect.name == "postgresql":
        return PostgresLeaderLock(engine)
    database = engine.url.database or ""
    if not lock_file:
        if database in ("", ":memory:"):
            raise ValueError("an in-memory SQLite database has no file to lock beside: set SCHEDULER_LOCK_FILE")
        lock_file = database + ".scheduler-lock"
    return FileLeaderLock(lock_file)
