"""Claim the next due outbox row so that no two dispatchers ever send the same message.

PostgreSQL: `FOR UPDATE SKIP LOCKED` locks one due row and passes over rows another dispatcher
holds, so several dispatchers share the work without waiting on each other. SQLite: one writer at
a time; a first, harmless write takes that lock for the whole claim-send-record transaction.
Either way the row stays locked until the sender's outcome is committed, and the lock dies with
a crashed process, so a message is never lost: at worst it is sent again (same Message-ID).
"""

from __future__ import annotations

import time
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from . import orm

SQLITE_LOCK_SLICE = 0.3  # seconds of holding the write lock between two pauses
SQLITE_WRITER_TURN = 0.15  # seconds; longer than the busy handler's longest sleep


def claim_next(
    session: Session, now: datetime, passed_over: Collection[int] = (), channels: Collection[str] = ("email", "sms")
) -> orm.Reminder | None:
    """Lock and return the most overdue pending row on one of `channels`, or None when nothing is due."""
    due = (
        select(orm.Reminder)
        .where(orm.Reminder.status == "pending", orm.Reminder.next_attempt_at <= now)
        .where(orm.Reminder.channel.in_(list(channels)))
        .order_by(orm.Reminder.next_attempt_at, orm.Reminder.id)
        .limit(1)
    )
    if passed_over:
        due = due.where(orm.Reminder.id.not_in(list(passed_over)))
    if _is_postgres(session):
        return session.scalars(due.with_for_update(skip_locked=True)).first()
    candidate = session.scalars(due).first()
    if candidate is None:  # an idle poll takes no write lock
        return None
    session.execute(text("UPDATE reminders SET attempts = attempts WHERE id = :id"), {"id": candidate.id})
    return session.scalars(due.execution_options(populate_existing=True)).first()


def hold_appointment(session: Session, appointment_id: int) -> bool:
    """Keep the visit from changing while its reminder is sent; False if a change of it is under way.

    A change that commits first is seen by the sender (and the reminder is dropped as stale); a
    change that comes later waits for the send to be recorded. Never waiting here means a dispatcher
    holding a row lock cannot deadlock with a booking holding the visit's lock.
    """
    if not _is_postgres(session):
        return True  # the SQLite write lock taken by claim_next already keeps every change out
    held = session.execute(
        text("SELECT id FROM appointments WHERE id = :id FOR SHARE SKIP LOCKED"), {"id": appointment_id}
    ).first()
    return held is not None


class WriterTurns:
    """SQLite: after holding the write lock for a while, give it up long enough for waiting writers.

    SQLite's busy handler polls at up to 100 ms intervals and is not fair: a dispatch pass that took
    the lock back after every message would starve bookings and APScheduler's job store past their
    timeout. Pausing once per slice (not per message) keeps most of the throughput.
    """

    def __init__(self, session: Session) -> None:
        self.pausing = not _is_postgres(session)
        self.held = 0.0

    def after(self, seconds_held: float) -> None:
        if not self.pausing:
            return
        self.held += seconds_held
        if self.held >= SQLITE_LOCK_SLICE:
            time.sleep(SQLITE_WRITER_TURN)
            self.held = 0.0


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"
