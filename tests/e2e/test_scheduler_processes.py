"""The reminder scheduler in real processes, delivering to a real SMTP server: one leads, and no reminder is lost.

Proven here, on PostgreSQL (advisory lock, FOR UPDATE SKIP LOCKED) and on SQLite (a file lock, one writer):
- two `flask scheduler run` processes: one leads, the other stands by, and each reminder arrives exactly once;
- the leader SIGKILLed in the middle of its work: the standby takes over and delivers the rest; at most the
  message in flight at the kill arrives twice;
- a sender killed after the SMTP server took a message and before it could record it: the row stays pending,
  and the next scheduler sends that message again with the same Message-ID (at least once, never lost);
- several `flask scheduler dispatch` passes at once (no leader lock at all): still each reminder exactly once.
"""

from __future__ import annotations

import os
import re
import signal
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.integration.databases import scratch_postgres, scratch_sqlite

from .scheduler_processes import (
    LEADING,
    MAIL_FROM,
    SESSIONS,
    STANDING_BY,
    TAKING_OVER,
    FlaskProcess,
    HoldingMailServer,
    Processes,
    admin_token,
    book_series_with_due_reminders,
    outbox,
    scheduler_env,
    statuses,
    wait_until,
)
from .server import FrontDesk, running_service

DATABASES = ["postgresql", "sqlite"]
PATIENTS = 4
REMINDERS = PATIENTS * SESSIONS
KILL_AFTER = REMINDERS // 3  # messages received before the leader is killed: well inside its run


@contextmanager
def reminder_service(database: str, tmp_path: Path) -> Iterator[tuple[FrontDesk, dict[str, str]]]:
    """A fresh database, migrated and served; an administrator's front desk and the service's environment."""
    scratch = scratch_sqlite(str(tmp_path)) if database == "sqlite" else scratch_postgres()
    with scratch as url, running_service(url, MAIL_FROM=MAIL_FROM) as (base, env):
        yield FrontDesk(base, admin_token(url)), env


@pytest.mark.parametrize("database", DATABASES)
def test_two_schedulers_deliver_each_reminder_exactly_once(database: str, tmp_path: Path) -> None:
    with HoldingMailServer() as mail, reminder_service(database, tmp_path) as (desk, env):
        clinic_id = book_series_with_due_reminders(desk, PATIENTS)
        assert statuses(outbox(desk, clinic_id)) == {"pending": REMINDERS}

        with Processes(scheduler_env(env, mail), tmp_path) as started:
            schedulers = [started.scheduler("first"), started.scheduler("second")]
            for scheduler in schedulers:
                wait_until(lambda s=scheduler: s.says(LEADING) or s.says(STANDING_BY), 30, started.logs)
            _wait_until_all_sent(desk, clinic_id, REMINDERS, started)
            leading = [s.says(LEADING) for s in schedulers]
            standing_by = [s.says(STANDING_BY) for s in schedulers]
        rows = outbox(desk, clinic_id)

        assert mail.message_ids() == Counter({row["message_id"]: 1 for row in rows})
        assert [row["attempts"] for row in rows] == [1] * REMINDERS
        assert sorted(leading) == [False, True], started.logs()
        assert standing_by == [not led for led in leading], started.logs()


@pytest.mark.parametrize("database", DATABASES)
def test_a_standby_takes_over_from_a_killed_leader_and_delivers_the_rest(database: str, tmp_path: Path) -> None:
    with (
        HoldingMailServer(hold=0.05) as mail,  # the leader is still at work when it is killed
        reminder_service(database, tmp_path) as (desk, env),
        Processes(scheduler_env(env, mail), tmp_path) as started,
    ):
        schedulers = [started.scheduler("first"), started.scheduler("second")]
        wait_until(lambda: any(s.says(LEADING) for s in schedulers), 30, started.logs)
        leader, standby = sorted(schedulers, key=lambda s: not s.says(LEADING))
        standby.wait_to_say(STANDING_BY)
        clinic_id = book_series_with_due_reminders(desk, PATIENTS)

        wait_until(lambda: len(mail.received()) >= KILL_AFTER, 30, started.logs)
        leader.kill()
        received_by_the_kill = len(mail.received())
        assert received_by_the_kill < REMINDERS, "the leader had sent everything before it was killed"

        standby.wait_to_say(TAKING_OVER)
        standby.wait_to_say(LEADING)
        _wait_until_all_sent(desk, clinic_id, REMINDERS, started)
        started.stop_all()
        rows = outbox(desk, clinic_id)

        received = mail.message_ids()
        assert set(received) == {row["message_id"] for row in rows}, "a reminder was lost"
        assert max(received.values()) <= 2, received
        assert sum(received.values()) - len(received) <= 1, f"more than the message in flight came twice: {received}"
        assert [row["attempts"] for row in rows] == [1] * REMINDERS, "an attempt the killed leader made was recorded"


@pytest.mark.parametrize("database", DATABASES)
def test_a_message_accepted_before_its_sender_died_is_sent_again_with_the_same_message_id(
    database: str, tmp_path: Path
) -> None:
    sender: list[FlaskProcess] = []  # the scheduler to kill, once it is started
    killed = threading.Event()

    def kill_the_sender_at_the_first_message(message: EmailMessage) -> None:
        # The server has the message; the sender dies before it hears "250 OK", so before it commits.
        if not killed.is_set():
            killed.set()
            os.kill(sender[0].pid, signal.SIGKILL)

    with (
        HoldingMailServer(on_message=kill_the_sender_at_the_first_message) as mail,
        reminder_service(database, tmp_path) as (desk, env),
        Processes(scheduler_env(env, mail), tmp_path) as started,
    ):
        clinic_id = book_series_with_due_reminders(desk, PATIENTS)
        sender.append(started.scheduler("killed"))
        wait_until(lambda: sender[0].process.poll() is not None, 30, started.logs)
        assert sender[0].process.returncode == -signal.SIGKILL, started.logs()
        assert len(mail.received()) == 1
        in_flight = str(mail.received()[0]["Message-ID"])
        before = {row["message_id"]: row for row in outbox(desk, clinic_id)}
        assert before[in_flight]["status"] == "pending", "the killed sender recorded the message"
        assert before[in_flight]["attempts"] == 0, "the killed attempt was committed"

        restarted = started.scheduler("restarted")
        restarted.wait_to_say(LEADING)
        _wait_until_all_sent(desk, clinic_id, REMINDERS, started)
        started.stop_all()
        rows = outbox(desk, clinic_id)

        assert mail.message_ids() == Counter({row["message_id"]: 1 for row in rows}) + Counter({in_flight: 1})
        first, resent = (m for m in mail.received() if str(m["Message-ID"]) == in_flight)
        assert (resent["To"], resent["Subject"]) == (first["To"], first["Subject"]), "the resend is the same message"
        assert [row["attempts"] for row in rows] == [1] * REMINDERS


def test_concurrent_dispatch_passes_never_send_a_reminder_twice(tmp_path: Path) -> None:
    passes, patients = 3, 10
    with (
        HoldingMailServer(hold=0.05) as mail,  # each pass holds its row while the server takes its time
        reminder_service("postgresql", tmp_path) as (desk, env),
    ):
        clinic_id = book_series_with_due_reminders(desk, patients)
        with Processes(scheduler_env(env, mail), tmp_path) as started:
            dispatchers = [started.start(["scheduler", "dispatch"], f"dispatch-{n}") for n in range(passes)]
            for dispatcher in dispatchers:
                dispatcher.process.wait(timeout=60)
        assert [d.process.returncode for d in dispatchers] == [0] * passes, started.logs()
        rows = outbox(desk, clinic_id)

        assert statuses(rows) == {"sent": patients * SESSIONS}
        assert mail.message_ids() == Counter({row["message_id"]: 1 for row in rows})
        sent_by = [_sent(d.output()) for d in dispatchers]
        assert sum(sent_by) == patients * SESSIONS, sent_by
        assert sum(1 for n in sent_by if n) >= 2, f"the passes did not overlap, so this proves nothing: {sent_by}"


def _wait_until_all_sent(desk: FrontDesk, clinic_id: int, expected: int, started: Processes) -> None:
    def explain() -> str:
        return f"outbox: {dict(statuses(outbox(desk, clinic_id)))}\n{started.logs()}"

    wait_until(lambda: statuses(outbox(desk, clinic_id)) == {"sent": expected}, 45, explain)


def _sent(output: str) -> int:
    """How many messages a `flask scheduler dispatch` pass says it sent ("12 sent" or "nothing was due")."""
    found = re.search(r"(\d+) sent", output)
    return int(found.group(1)) if found else 0
