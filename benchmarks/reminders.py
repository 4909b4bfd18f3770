"""Reminder dispatch: N due e-mail reminders sent by 1..k dispatcher threads to a local SMTP server.

    .venv/bin/python benchmarks/reminders.py --messages 1000 --dispatchers 1,4 --database postgresql
    .venv/bin/python benchmarks/reminders.py --messages 1000 --dispatchers 1 --database sqlite
    .venv/bin/python benchmarks/reminders.py --messages 1000 --dispatchers 1 --database sqlite --sqlite-writer-turn 0

A fresh database (a scratch PostgreSQL database on TEST_POSTGRES_URL's server, dropped afterwards, or
an SQLite file in a temporary folder) is migrated and seeded through the service layer: clinics
(America/Chicago, 12 IV chairs, 4 nurses) whose reminder policy sends one e-mail 60 days before each
visit and no confirmation e-mail, patients who take e-mail reminders, and iv-ketamine-depression
induction courses (6 visits each) booked within 60 days of a fixed clock, so every reminder is due at
once. Reminders beyond --messages are cancelled. For each dispatcher count the rows are put back to
pending, and that many threads, each in its own app context, run `dispatch_due` against an aiosmtpd
server in this process (tests/peers.py), with `Delivery.from_config(app.config)`.

Per message, "cycle" is the time between two messages of one dispatcher (claim, compose, SMTP send,
commit; a thread's first message counts from the thread's start) and "smtp" the SMTP hand-over alone
(on the dispatcher's kept connection; connect and EHLO when it opens one). On SQLite the cycle
includes the pause the dispatcher takes once per SQLITE_LOCK_SLICE of holding the write lock, to let
other writers in (outbox_claims.SQLITE_WRITER_TURN, 0.15 s; --sqlite-writer-turn changes it for the run).
Afterwards: Message-IDs received more than once (must be 0) and due rows still pending (must be 0);
the script exits non-zero otherwise.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import logging
import math
import pstats
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, select, update

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from report import markdown_table, percentiles  # noqa: E402 (beside this script)

from config import TestConfig  # noqa: E402
from scheduler_service import create_app  # noqa: E402
from scheduler_service.adapters import orm, outbox_claims  # noqa: E402
from scheduler_service.adapters.delivery import EmailSender  # noqa: E402
from scheduler_service.domain.errors import NoPlan  # noqa: E402
from scheduler_service.domain.plan_check import RequestedSession  # noqa: E402
from scheduler_service.extensions import db  # noqa: E402
from scheduler_service.reminders import dispatch  # noqa: E402
from scheduler_service.services import clinics, patients, protocols, reminders  # noqa: E402
from scheduler_service.services.booking import BookingRequest, book_series  # noqa: E402
from scheduler_service.services.planning import ProposalRequest, propose_series  # noqa: E402
from scheduler_service.services.unit_of_work import UnitOfWork  # noqa: E402
from tests.integration.databases import scratch_postgres, scratch_sqlite  # noqa: E402
from tests.peers import MailServer  # noqa: E402

# A fixed clock: a Monday morning in Chicago. Visits are booked within 60 days of it; the dispatchers
# run a minute later, when every reminder is due.
BOOKED_AT = datetime(2027, 1, 4, 12, 0, tzinfo=UTC)  # 6:00 in Chicago, before opening
DISPATCH_AT = BOOKED_AT + timedelta(minutes=1)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
POLICY = {"offsets": [{"minutes_before": 60 * 24 * 60}], "confirmation_email": False}
COURSE_DAYS = 30  # courses ask from BOOKED_AT + k mod 31 days: 30 + a 21-day induction stays inside 60 days
DUE = (orm.Reminder.status == "pending", orm.Reminder.next_attempt_at <= DISPATCH_AT)


@dataclass
class Timings:
    """Per-thread marks of the dispatcher's log lines (one per message) and SMTP hand-over times."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    marks: dict[int, list[float]] = field(default_factory=dict)
    smtp_ms: list[float] = field(default_factory=list)

    def mark(self) -> None:
        with self.lock:
            self.marks.setdefault(threading.get_ident(), []).append(time.perf_counter())

    def cycles_ms(self, starts: dict[int, float]) -> list[float]:
        cycles = []
        for thread, marks in self.marks.items():
            previous = starts[thread]
            for moment in marks:
                cycles.append((moment - previous) * 1000)
                previous = moment
        return cycles


class MarkEachMessage(logging.Handler):
    """dispatch_due logs one INFO line per message, after sending and just before the commit."""

    def __init__(self, timings: Timings) -> None:
        super().__init__(logging.INFO)
        self.timings = timings

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg.startswith("outbox "):
            self.timings.mark()


@dataclass(frozen=True)
class TimedSender:
    inner: EmailSender
    timings: Timings

    def send(self, message: EmailMessage) -> None:
        started = time.perf_counter()
        try:
            self.inner.send(message)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            with self.timings.lock:
                self.timings.smtp_ms.append(elapsed)

    def close(self) -> None:
        self.inner.close()


@contextmanager
def database(kind: str) -> Iterator[str]:
    if kind == "postgresql":
        with scratch_postgres() as url:
            yield url
    else:
        with tempfile.TemporaryDirectory(prefix="reminders-bench-") as folder, scratch_sqlite(folder) as url:
            yield url


def new_clinic(uow: UnitOfWork, number: int, chairs: int, nurses: int) -> int:
    clinic_id = clinics.create_clinic(
        uow, {"name": f"Bench Clinic {number}", "timezone": "America/Chicago", "address": "1 Main St, Houston, TX"}
    )["id"]
    for n in range(1, chairs + 1):
        clinics.add_chair(uow, clinic_id, f"Chair {n}", ["iv"])
    clinics.set_staffing(uow, clinic_id, {"nurses": {day: nurses for day in WEEKDAYS}})
    reminders.set_policy(uow, clinic_id, POLICY)
    return clinic_id


def due_pending(session: Any) -> int:
    return session.scalar(select(func.count()).select_from(orm.Reminder).where(*DUE))


def seed(messages: int, chairs: int, nurses: int) -> tuple[int, int]:
    """Book courses until `messages` reminders are due; return (clinics, series). Call in an app context."""
    with UnitOfWork("bench") as uow:
        protocols.ensure_builtin_protocols(uow)
        uow.commit()
        clinic_count, series = 1, 0
        clinic_id = new_clinic(uow, clinic_count, chairs, nurses)
        while due_pending(uow.session) < messages:
            patient_id = patients.create_patient(
                uow,
                {
                    "given_name": f"Patient{series}",
                    "family_name": "Bench",
                    "email": f"patient{series}@example.org",
                    "reminder_channels": ["email"],
                },
            )["id"]
            earliest = (BOOKED_AT + timedelta(days=series % (COURSE_DAYS + 1))).date()
            request = ProposalRequest(
                patient_id,
                clinic_id,
                earliest,
                protocol_key="iv-ketamine-depression",
                maintenance_sessions=0,
                alternatives=0,
            )
            try:
                plan = propose_series(uow, request, BOOKED_AT)[0]
            except NoPlan:
                uow.session.rollback()
                clinic_count += 1
                clinic_id = new_clinic(uow, clinic_count, chairs, nurses)
                continue
            sessions = [RequestedSession(s.start, s.chair_id) for s in plan.sessions]
            book_series(
                uow, BookingRequest(patient_id, clinic_id, sessions, protocol_key="iv-ketamine-depression"), BOOKED_AT
            )
            series += 1
        # The last course may overshoot, and a visit may fall beyond 60 days: keep exactly `messages` due rows.
        kept = list(uow.session.scalars(select(orm.Reminder.id).where(*DUE).order_by(orm.Reminder.id).limit(messages)))
        uow.session.execute(
            update(orm.Reminder).where(orm.Reminder.id.not_in(kept)).values(status="cancelled"),
            execution_options={"synchronize_session": False},
        )
        uow.commit()
        return clinic_count, series


def requeue() -> None:
    """Put every sent row back to pending, as it was when queued. Call in an app context."""
    with UnitOfWork("bench") as uow:
        uow.session.execute(
            update(orm.Reminder)
            .where(orm.Reminder.status != "cancelled")
            .values(status="pending", attempts=0, sent_at=None, last_error="", next_attempt_at=orm.Reminder.due_at),
            execution_options={"synchronize_session": False},
        )
        uow.commit()


def run(app: Flask, dispatchers: int, messages: int, profile: bool) -> dict[str, Any]:
    timings = Timings()
    handler = MarkEachMessage(timings)
    logger = logging.getLogger(dispatch.__name__)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    starts: dict[int, float] = {}
    outcomes: Counter[str] = Counter()
    errors: list[BaseException] = []
    profiler = cProfile.Profile() if profile else None
    start_line = threading.Barrier(dispatchers + 1)
    try:
        with MailServer() as server:
            app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, MAIL_FROM="Bench <care@clinic.test>")
            delivery = dispatch.Delivery.from_config(app.config)
            delivery = replace(delivery, email=TimedSender(delivery.email, timings))

            def dispatcher() -> None:
                with app.app_context():
                    try:
                        start_line.wait(timeout=60)
                        starts[threading.get_ident()] = time.perf_counter()
                        if profiler is not None and dispatchers == 1:
                            profiler.enable()
                        got = dispatch.dispatch_due(delivery, lambda: DISPATCH_AT, limit=messages + 1)
                        if profiler is not None and dispatchers == 1:
                            profiler.disable()
                        with timings.lock:
                            outcomes.update(got)
                    except BaseException as error:  # noqa: BLE001 (reported below)
                        errors.append(error)
                    finally:
                        db.session.remove()

            threads = [threading.Thread(target=dispatcher, name=f"dispatcher-{n}") for n in range(dispatchers)]
            for thread in threads:
                thread.start()
            start_line.wait(timeout=60)
            began = time.perf_counter()
            for thread in threads:
                thread.join()
            wall = time.perf_counter() - began
            received = server.received()
    finally:
        logger.removeHandler(handler)
    if errors:
        raise errors[0]
    with UnitOfWork("bench") as uow:
        left = due_pending(uow.session)
        statuses = Counter(
            dict(uow.session.execute(select(orm.Reminder.status, func.count()).group_by(orm.Reminder.status)).all())
        )
    ids = Counter(message["Message-ID"] for message in received)
    cycles = timings.cycles_ms(starts)
    if profiler is not None and dispatchers == 1:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
        print(out.getvalue(), file=sys.stderr)
    return {
        "dispatchers": dispatchers,
        "sent": outcomes["sent"],
        "other": sum(n for outcome, n in outcomes.items() if outcome != "sent"),
        "received": len(received),
        "seconds": wall,
        "per_second": outcomes["sent"] / wall if wall else math.nan,
        "cycle": percentiles(cycles),
        "smtp": percentiles(timings.smtp_ms),
        "smtp_share": sum(timings.smtp_ms) / sum(cycles) if cycles else math.nan,
        "duplicates": sum(n - 1 for n in ids.values() if n > 1),
        "missing": messages - len(ids),
        "left": left,
        "statuses": dict(statuses),
    }


COLUMNS = [
    ("database", "{database}"),
    ("dispatchers", "{dispatchers}"),
    ("sent", "{sent}"),
    ("seconds", "{seconds:.1f}"),
    ("messages/s", "{per_second:.1f}"),
    ("cycle p50 ms", "{cycle[0]:.1f}"),
    ("cycle p99 ms", "{cycle[1]:.1f}"),
    ("smtp p50 ms", "{smtp[0]:.1f}"),
    ("smtp p99 ms", "{smtp[1]:.1f}"),
    ("smtp share", "{smtp_share:.0%}"),
    ("duplicates", "{duplicates}"),
    ("missing", "{missing}"),
    ("left pending", "{left}"),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1000, help="due e-mail reminders to send per run")
    parser.add_argument("--dispatchers", default="1,4", help="dispatcher threads; a comma list runs each count: 1,4")
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--chairs", type=int, default=12, help="IV chairs per seeded clinic")
    parser.add_argument("--nurses", type=int, default=4, help="nurses per seeded clinic")
    parser.add_argument("--profile", action="store_true", help="cProfile the 1-dispatcher run (printed to stderr)")
    parser.add_argument(
        "--sqlite-writer-turn",
        type=float,
        help="seconds the dispatcher pauses after each message on SQLite "
        f"(default: the service's own, {outbox_claims.SQLITE_WRITER_TURN}); 0 measures the work alone",
    )
    args = parser.parse_args()
    if args.sqlite_writer_turn is not None:
        outbox_claims.SQLITE_WRITER_TURN = args.sqlite_writer_turn

    label = args.database
    if args.database == "sqlite":
        label += f", pause {outbox_claims.SQLITE_WRITER_TURN:g} s"
    rows = []
    with database(args.database) as url:
        app = create_app(TestConfig(url))
        with app.app_context():
            upgrade()
            began = time.perf_counter()
            clinic_count, series = seed(args.messages, args.chairs, args.nurses)
            print(
                f"# seeded {args.messages} due reminders ({series} series in {clinic_count} clinic(s)) "
                f"in {time.perf_counter() - began:.1f} s",
                file=sys.stderr,
                flush=True,
            )
            for dispatchers in [int(n) for n in args.dispatchers.split(",")]:
                requeue()
                db.session.remove()
                row = {"database": label, **run(app, dispatchers, args.messages, args.profile)}
                rows.append(row)
                print(f"# {dispatchers} dispatcher(s): statuses {row['statuses']}", file=sys.stderr, flush=True)
            db.session.remove()
            db.engine.dispose()
    print(f"messages={args.messages} python={sys.version.split()[0]}")
    print(markdown_table(COLUMNS, rows))
    broken = any(r["duplicates"] or r["missing"] or r["left"] or r["other"] for r in rows)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
