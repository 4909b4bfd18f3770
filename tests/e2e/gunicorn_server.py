"""The service as production runs it: gunicorn with several sync worker processes; clients in processes of their own.

Used by the race and crash tests and by benchmarks/booking.py. The server runs in its own process
group, so that a test can SIGKILL the master and every worker at once, the way a power cut would.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from .server import ROOT, flask_command, wait_until_healthy

# fork: a client process starts in milliseconds, so a barrier really lines the racers up.
PROCESSES = multiprocessing.get_context("fork")


class GunicornService:
    """One gunicorn master and its workers on a loopback port, started (again) and stopped on demand."""

    def __init__(
        self,
        database_url: str,
        workers: int = 4,
        log_path: Path | None = None,
        settings: Mapping[str, str] | None = None,
    ) -> None:
        """`settings`: more environment variables (BASE_URL, MAIL_FROM, ...), or another SECRET_KEY."""
        self.env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "e2e-secret", **(settings or {})}
        self.workers = workers
        self.log_path = log_path or Path(tempfile.mkdtemp(prefix="gunicorn-")) / "gunicorn.log"
        self.base = ""  # known once started
        self.process: subprocess.Popen[bytes] | None = None

    def migrate(self) -> None:
        flask_command(["db", "upgrade"], self.env)

    def start(self) -> None:
        """Serve on a loopback port the kernel picks (a new one after a restart); return once /healthz answers.

        Port 0 leaves no moment in which another program on the machine could take a port chosen beforehand.
        """
        written = self.log_path.stat().st_size if self.log_path.exists() else 0
        command = [sys.executable, "-m", "gunicorn", "wsgi:app", "--bind", "127.0.0.1:0"]
        command += ["--workers", str(self.workers), "--worker-class", "sync", "--timeout", "60"]
        with open(self.log_path, "ab") as log:
            # A new session makes the master a process-group leader whose group holds every worker.
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True
            )
        self.base = f"http://127.0.0.1:{self._listening_port(written)}"
        wait_until_healthy(self.base, self.process, self.log)

    def _listening_port(self, written: int) -> int:
        """The port gunicorn reports in its log ("Listening at: http://127.0.0.1:PORT")."""
        assert self.process is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with open(self.log_path, "rb") as log:
                log.seek(written)
                found = re.search(rb"Listening at: http://127\.0\.0\.1:(\d+)", log.read())
            if found:
                return int(found.group(1))
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log()}")
            time.sleep(0.05)
        raise TimeoutError(f"gunicorn did not listen within 30 s: {self.log()}")

    def stop(self) -> None:
        """Shut down gracefully (SIGTERM lets workers finish their request); SIGKILL whatever lingers."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=20)
        self.kill()

    def kill(self) -> None:
        """SIGKILL the master and every worker at the same instant: no handler runs, no transaction ends cleanly."""
        if self.process is None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def log(self) -> str:
        """The tail of gunicorn's and the app's log, for assertion messages."""
        try:
            return Path(self.log_path).read_text(errors="replace")[-6000:]
        except OSError:
            return ""

    def admin_token(self, email: str = "e2e-admin@clinic.test") -> str:
        """Create an administrator with the CLI, as an operator would, and return a fresh API token."""
        flask_command(["users", "create", email, "--role", "admin"], self.env)
        return flask_command(["tokens", "create", email], self.env).strip()


@contextmanager
def gunicorn_service(database_url: str, workers: int = 4, log_path: Path | None = None) -> Iterator[GunicornService]:
    """Migrate with `flask db upgrade`, serve under gunicorn, and stop it whatever happens."""
    with _serving([GunicornService(database_url, workers, log_path)]) as (service,):
        yield service


@contextmanager
def gunicorn_instances(
    database_url: str, count: int, workers: int, folder: Path, settings: Mapping[str, str]
) -> Iterator[list[GunicornService]]:
    """`count` instances on one database with the same settings, as as many machines behind a load balancer would be.

    Migrated once, before any of them starts, as a rollout does; each logs to gunicorn-N.log in `folder`.
    """
    services = [GunicornService(database_url, workers, folder / f"gunicorn-{n}.log", settings) for n in range(count)]
    with _serving(services) as started:
        yield started


@contextmanager
def _serving(services: list[GunicornService]) -> Iterator[list[GunicornService]]:
    services[0].migrate()  # one database: one migration
    try:
        for service in services:
            service.start()
        yield services
    except BaseException:
        for service in services:  # pytest shows it with the failure
            print(f"--- the end of the log of gunicorn at {service.base or 'not started'} ---\n{service.log()}")
        raise
    finally:
        for service in services:
            service.stop()


class ClientProcesses:
    """One client process per argument list, each running target(*arguments); collect() gathers their results."""

    def __init__(self, target: Callable[..., Any], argument_lists: Sequence[tuple[Any, ...]]) -> None:
        self._results: multiprocessing.Queue[tuple[int, bool, Any]] = PROCESSES.Queue()
        self._clients = [
            PROCESSES.Process(target=_client, args=(self._results, n, target, arguments), daemon=True)
            for n, arguments in enumerate(argument_lists)
        ]
        for client in self._clients:
            client.start()

    def collect(self, timeout: float) -> list[Any]:
        """Every client's result, in order; a client that raised fails the caller with the client's traceback."""
        answers: dict[int, Any] = {}
        try:
            for _ in self._clients:
                n, ok, answer = self._results.get(timeout=timeout)
                if not ok:
                    raise AssertionError(f"client {n} failed:\n{answer}")
                answers[n] = answer
        except queue.Empty:
            missing = sorted(set(range(len(self._clients))) - set(answers))
            raise AssertionError(f"clients {missing} still running after {timeout} s") from None
        finally:
            for client in self._clients:
                client.join(timeout=5)
                if client.is_alive():
                    client.kill()
        return [answers[n] for n in range(len(self._clients))]


def in_processes(target: Callable[..., Any], argument_lists: Sequence[tuple[Any, ...]], timeout: float) -> list[Any]:
    """Run target(*arguments) in one client process per argument list; their results, in order."""
    return ClientProcesses(target, argument_lists).collect(timeout)


def _client(results: Any, n: int, target: Callable[..., Any], arguments: tuple[Any, ...]) -> None:
    try:
        results.put((n, True, target(*arguments)))
    except BaseException:  # the parent reports it, with the traceback
        results.put((n, False, traceback.format_exc()))


# What the database holds afterwards, read straight from the tables (independent of the service's code).

Session = tuple[datetime, int]  # (start as an aware UTC instant, chair id)


def booked_series(engine: Engine, clinic_id: int) -> dict[int, list[tuple[int, list[Session]]]]:
    """Patient id -> [(series id, its appointments in index order)] for one clinic; a series without any shows []."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                'SELECT s.id, s.patient_id, a."index", a.start_at, a.chair_id FROM series s '
                'LEFT JOIN appointments a ON a.series_id = s.id WHERE s.clinic_id = :c ORDER BY s.id, a."index"'
            ),
            {"c": clinic_id},
        ).all()
    by_series: dict[int, tuple[int, list[tuple[int, Session]]]] = {}
    for series_id, patient_id, index, start, chair_id in rows:
        _, sessions = by_series.setdefault(series_id, (patient_id, []))
        if index is not None:
            sessions.append((index, (utc(start), chair_id)))
    patients: dict[int, list[tuple[int, list[Session]]]] = {}
    for series_id, (patient_id, indexed) in by_series.items():
        if [i for i, _ in indexed] != list(range(1, len(indexed) + 1)):
            raise AssertionError(f"series {series_id} has appointment indexes {[i for i, _ in indexed]}")
        patients.setdefault(patient_id, []).append((series_id, [s for _, s in indexed]))
    return patients


def orphan_appointments(engine: Engine) -> int:
    """Appointments whose series row does not exist."""
    with engine.connect() as conn:
        return conn.execute(  # type: ignore[no-any-return]
            text(
                "SELECT count(*) FROM appointments a WHERE NOT EXISTS (SELECT 1 FROM series s WHERE s.id = a.series_id)"
            )
        ).scalar_one()


def requested(sessions: list[dict[str, Any]]) -> list[Session]:
    """The sessions of a booking request (or response) in the shape booked_series() returns."""
    return [(utc(s["start"]), s["chair_id"]) for s in sessions]


def utc(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
