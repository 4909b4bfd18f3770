"""Write the outbox in the transaction of the change that calls for a message.

Every use case that books, moves, cancels or marks an appointment calls `sync_reminders` before it
commits: pending reminders of an older version (or of a visit no longer booked) are cancelled and
the reminders of the current version are queued. Either both the change and its reminders are
committed, or neither is; a moved visit can never be reminded at its old time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select, update

from ..adapters import orm
from ..domain.clinic import parse_zone
from ..domain.reminder_policy import ReminderPolicy
from ..domain.reminder_times import plan_reminders
from .unit_of_work import UnitOfWork


def reminder_key(appointment_id: int, channel: str, offset_minutes: int, version: int) -> str:
    return f"reminder-{appointment_id}-{channel}-{offset_minutes}-v{version}"


def pending(
    key: str,
    kind: str,
    clinic_id: int,
    due_at: datetime,
    channel: str = "email",
    content: str | None = None,
    **more: Any,
) -> orm.Reminder:
    """A new outbox row, due at `due_at`; `content` defaults to the kind (a confirmation, a board)."""
    return orm.Reminder(
        dedupe_key=key,
        kind=kind,
        clinic_id=clinic_id,
        channel=channel,
        content=content or kind,
        due_at=due_at,
        next_attempt_at=due_at,
        status="pending",
        attempts=0,
        last_error="",
        payload=more.pop("payload", {}),
        **more,
    )


def policy_of(clinic: orm.Clinic) -> ReminderPolicy:
    return ReminderPolicy.parse(clinic.reminder_policy)


def sync_reminders(uow: UnitOfWork, appointments: Iterable[orm.Appointment], now: datetime) -> None:
    """Make the pending reminders of these appointments match what they are now."""
    policies: dict[int, ReminderPolicy] = {}
    for row in appointments:
        _cancel_pending(uow, row.id, keep_version=row.version if row.status == "booked" else None)
        if row.status != "booked":
            continue
        clinic = uow.session.get(orm.Clinic, row.clinic_id)
        if clinic.id not in policies:
            policies[clinic.id] = policy_of(clinic)
        series = row.series
        patient = series.patient
        policy = policies[clinic.id].for_protocol(series.protocol.key)
        zone = parse_zone(patient.timezone or clinic.timezone)
        queued = set(uow.session.scalars(select(orm.Reminder.dedupe_key).where(orm.Reminder.appointment_id == row.id)))
        for planned in plan_reminders(policy, row.start_at, patient.reminder_channels, now, zone):
            key = reminder_key(row.id, planned.channel, planned.offset_minutes, row.version)
            if key in queued:
                continue
            uow.add(
                pending(
                    key,
                    "reminder",
                    clinic.id,
                    planned.due_at,
                    channel=planned.channel,
                    content=planned.content,
                    series_id=series.id,
                    appointment_id=row.id,
                    appointment_version=row.version,
                    offset_minutes=planned.offset_minutes,
                )
            )


def _cancel_pending(uow: UnitOfWork, appointment_id: int, keep_version: int | None) -> None:
    stale = orm.Reminder.appointment_id == appointment_id
    if keep_version is not None:
        stale &= orm.Reminder.appointment_version != keep_version
    uow.session.execute(
        update(orm.Reminder).where(stale, orm.Reminder.status == "pending").values(status="cancelled"),
        execution_options={"synchronize_session": False},
    )


def wants_confirmation(uow: UnitOfWork, series: orm.Series) -> bool:
    """The clinic sends confirmations and the patient takes e-mail."""
    patient = series.patient
    clinic = uow.session.get(orm.Clinic, series.clinic_id)
    return policy_of(clinic).confirmation_email and "email" in patient.reminder_channels and bool(patient.email)


def queue_confirmation(uow: UnitOfWork, series: orm.Series, feed_url: str | None, now: datetime) -> None:
    """Queue the e-mail that confirms a booked series: every session, and the feed link."""
    payload = {"feed_url": feed_url} if feed_url else {}
    uow.add(
        pending(
            f"confirmation-{series.id}-email",
            "confirmation",
            series.clinic_id,
            now,
            series_id=series.id,
            payload=payload,
        )
    )


def cancel_series_messages(uow: UnitOfWork, series_id: int) -> None:
    """A cancelled series: its confirmation, if still waiting, is not sent either."""
    uow.session.execute(
        update(orm.Reminder)
        .where(orm.Reminder.series_id == series_id, orm.Reminder.status == "pending")
        .values(status="cancelled"),
        execution_options={"synchronize_session": False},
    )


def queue_board(uow: UnitOfWork, clinic_id: int, day: date, recipient: str, now: datetime) -> bool:
    """Queue the front desk's e-mail of one day's board, once per clinic and day; False if already queued."""
    key = f"board-{clinic_id}-{day.isoformat()}"
    if uow.session.scalar(select(orm.Reminder.id).where(orm.Reminder.dedupe_key == key)) is not None:
        return False
    uow.add(pending(key, "board", clinic_id, now, payload={"day": day.isoformat(), "to": recipient}))
    return True


def purge_outbox(uow: UnitOfWork, before: datetime) -> int:
    """Delete settled rows (sent, failed, cancelled, skipped) last changed before `before`; pending ones stay."""
    result = uow.session.execute(
        delete(orm.Reminder).where(orm.Reminder.status != "pending", orm.Reminder.updated_at < before),
        execution_options={"synchronize_session": False},
    )
    uow.commit()
    return result.rowcount or 0
