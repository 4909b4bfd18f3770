"""The reminder scheduler as production runs it: `flask scheduler run` / `dispatch` in processes of their own.

Also a clinic whose reminders are all due the moment its series are booked (a 60-day offset and
`late_booking: send_now`), and an SMTP server that can hold each message before it answers, so that
a sender can be killed after the server has a message and before the sender hears "250 OK".
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from config import TestConfig
from scheduler_service import create_app
from scheduler_service.extensions import db
from scheduler_service.services import accounts
from scheduler_service.services.unit_of_work import UnitOfWork
from tests.peers import MailServer

from .server import FLASK, ROOT, WEEKDAYS, FrontDesk, call

MAIL_FROM = "reminders@clinic.test"
SESSIONS = 6  # the induction of IV ketamine; maintenance is neither booked nor extended (a 7-day horizon)
ALL_DUE_NOW = {
    "offsets": [{"minutes_before": 60 * 24 * 60, "content": "full"}],
    "late_booking": "send_now",
    "confirmation_email": False,
}
LEADING = "leading: jobs"
STANDING_BY = "another scheduler leads; waiting as a standby"
TAKING_OVER = "the leader is gone; taking over"


class HoldingMailServer(MailServer):
    """Keeps every message it is sent, then waits `hold` seconds before it answers "250 OK".

    The wait is asynchronous: other connections go on meanwhile, as with a real server.
    """

    def __init__(self, hold: float = 0.0, on_message: Callable[[EmailMessage], None] | None = None) -> None:
        super().__init__(on_message=on_message)
        self.hold = hold

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        answer = await super().handle_DATA(server, session, envelope)
        if self.hold:
            await asyncio.sleep(self.hold)
        return answer

    def __enter__(self) -> HoldingMailServer:
        self.up()
        return self

    def message_ids(self) -> Counter[str]:
        return Counter(str(message["Message-ID"]) for message in self.received())


class GatedMailServer(HoldingMailServer):
    """Accepts the first `accept` messages; holds each later one unaccepted until release(), then refuses it (451).

    A sender killed while its message is held has handed nothing over: whoever sends that message
    next delivers it for the first time. After release() every message is accepted.
    """

    def __init__(self, accept: int) -> None:
        super().__init__()
        self.accept = accept
        self.held = 0  # messages that reached the gate
        self._released = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        # No await before the count is taken: on the server's one event loop, check and append are one step.
        if self._released.is_set() or len(self.received()) < self.accept:
            return await super().handle_DATA(server, session, envelope)
        self.held += 1
        while not self._released.is_set():
            await asyncio.sleep(0.02)
        return "451 4.3.0 held at the gate, not accepted; try again"

    def release(self) -> None:
        self._released.set()


def scheduler_env(env: dict[str, str], mail: MailServer) -> dict[str, str]:
    """The service's environment plus the SMTP server and short intervals (a test waits seconds, not minutes)."""
    return {
        **env,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(mail.port),
        "MAIL_FROM": MAIL_FROM,
        "DISPATCH_INTERVAL_SECONDS": "0.5",
        "SCHEDULER_STANDBY_POLL_SECONDS": "0.3",
        "REMINDER_RETRY_SECONDS": "1",
        "DELIVERY_TIMEOUT_SECONDS": "10",
    }


def admin_token(database_url: str, email: str = "e2e-admin@clinic.test", password: str | None = None) -> str:
    """An administrator (with this password, to log in) and an API token, by the calls `flask users create` and
    `flask tokens create` make.

    In this process rather than two CLI processes: it saves seconds per test, and the CLI has tests of its own.
    """
    app = create_app(TestConfig(database_url))
    with app.app_context():
        try:
            with UnitOfWork("e2e") as uow:
                accounts.create_user(uow, email, "admin", password)
                return accounts.create_token(uow, email, "e2e")
        finally:
            db.engine.dispose()


class FlaskProcess:
    """One `flask` command in a process of its own; its output and its log (stderr) go to files."""

    def __init__(self, args: list[str], env: dict[str, str], folder: Path, name: str) -> None:
        self.name = name
        self.out_path, self.log_path = folder / f"{name}.out", folder / f"{name}.log"
        with open(self.out_path, "wb") as out, open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(FLASK + args, cwd=ROOT, env=env, stdout=out, stderr=log)

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def output(self) -> str:
        return self.out_path.read_text(errors="replace")

    def says(self, line: str) -> bool:
        return line in self.log()

    def wait_to_say(self, line: str, seconds: float = 30) -> None:
        """Return once the log holds `line`; fail with the log if the process exits or takes too long."""
        wait_until(lambda: self.says(line) or self.process.poll() is not None, seconds, self.log)
        assert self.says(line), f"{self.name} exited ({self.process.returncode}) without saying {line!r}:\n{self.log()}"

    def kill(self) -> None:
        """SIGKILL: no handler, no cleanup, as a power cut or the OOM killer would."""
        os.kill(self.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM and wait; SIGKILL whatever does not stop in time."""
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


class Processes:
    """Start `flask` processes; on leaving, stop every one of them, whatever happened."""

    def __init__(self, env: dict[str, str], folder: Path) -> None:
        self.env, self.folder = env, folder
        self.started: list[FlaskProcess] = []

    def scheduler(self, name: str) -> FlaskProcess:
        return self.start(["scheduler", "run"], name)

    def start(self, args: list[str], name: str) -> FlaskProcess:
        process = FlaskProcess(args, self.env, self.folder, name)
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        """SIGTERM to all, the last started first (a standby must not take over from a leader told to stop)."""
        for process in reversed(self.started):
            if process.process.poll() is None:
                process.process.terminate()
        for process in reversed(self.started):
            process.stop()

    def logs(self) -> str:
        return "\n".join(f"--- {p.name} (exit {p.process.poll()})\n{p.log()}" for p in self.started)

    def __enter__(self) -> Processes:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_all()


def book_series_with_due_reminders(desk: FrontDesk, patients: int, name: str = "Reminder Clinic") -> int:
    """A clinic whose every booked session has one e-mail reminder due at once; book `patients` series; its id."""
    clinic_id = clinic_with_due_reminders(desk, chairs=4, nurses=4, name=name)
    for n in range(patients):
        patient_id = reminded_patient(desk, n)
        status, answer = desk.propose(clinic_id, patient_id, tomorrow(), maintenance=0)
        assert status == 200, answer
        sessions = answer["proposals"][0]["sessions"]
        assert len(sessions) == SESSIONS, sessions
        status, answer = desk.book(clinic_id, patient_id, sessions)
        assert status == 201, answer
    return clinic_id


def clinic_with_due_reminders(desk: FrontDesk, chairs: int, nurses: int, name: str = "Reminder Clinic") -> int:
    """A Houston clinic with IV chairs whose reminders (one e-mail per session) are due the moment it is booked."""
    clinic = desk.create("/api/v1/clinics", {"name": name, "timezone": "America/Chicago", "booking_horizon_days": 7})
    path = f"/api/v1/clinics/{clinic['id']}"
    for n in range(chairs):
        desk.create(f"{path}/chairs", {"name": f"Chair {n}", "tags": ["iv"]})
    _put(desk, f"{path}/staffing", {"nurses": dict.fromkeys(WEEKDAYS, nurses)})
    _put(desk, f"{path}/reminder-policy", ALL_DUE_NOW)
    return clinic["id"]  # type: ignore[no-any-return]


def reminded_patient(desk: FrontDesk, n: int) -> int:
    """Patient n, reminded by e-mail at patient{n}@example.test."""
    body = {
        "given_name": f"Patient {n}",
        "family_name": "Reminded",
        "email": f"patient{n}@example.test",
        "reminder_channels": ["email"],
    }
    return desk.create("/api/v1/patients", body)["id"]  # type: ignore[no-any-return]


def tomorrow() -> str:
    """The first day a series may start (UTC date): its sessions lie within the 60 days that make reminders due."""
    return (datetime.now(UTC) + timedelta(days=1)).date().isoformat()


def _put(desk: FrontDesk, path: str, body: dict[str, Any]) -> None:
    status, answer = call(desk.base, "PUT", path, desk.token, body)
    assert status == 200, f"PUT {path}: {status} {answer}"


def outbox(desk: FrontDesk, clinic_id: int) -> list[dict[str, Any]]:
    """Every outbox row of the clinic, as the API lists them (all pages)."""
    rows: list[dict[str, Any]] = []
    for page in range(1, 100):
        status, answer = call(
            desk.base, "GET", f"/api/v1/reminders?clinic_id={clinic_id}&page={page}&page_size=100", desk.token
        )
        assert status == 200, answer
        rows += answer
        if len(answer) < 100:
            break
    return rows


def statuses(rows: list[dict[str, Any]]) -> Counter[str]:
    return Counter(row["status"] for row in rows)


def wait_until(condition: Callable[[], bool], seconds: float, explain: Callable[[], str]) -> None:
    """Poll until `condition` holds; fail with `explain()` after `seconds` (a limit, never a measure)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still not the case after {seconds} s:\n{explain()}")
        time.sleep(0.05)
