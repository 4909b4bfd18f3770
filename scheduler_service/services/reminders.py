"""Read the outbox, and read or set a clinic's reminder policy."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..adapters import orm
from ..domain.clinic import parse_zone
from ..domain.reminder_policy import ReminderPolicy
from ..reminders.messages import message_id
from .outbox import policy_of
from .paging import Page, fetch_page
from .unit_of_work import UnitOfWork

FILTERS = ("appointment_id", "series_id", "clinic_id", "status", "kind", "channel")


def list_reminders(
    uow: UnitOfWork, filters: dict[str, Any], page: Page, sender: str
) -> tuple[list[dict[str, Any]], int]:
    """Outbox rows, soonest due first; times in each clinic's zone; `sender` (MAIL_FROM) ends the Message-IDs."""
    stmt = select(orm.Reminder).order_by(orm.Reminder.due_at, orm.Reminder.id)
    for name in FILTERS:
        if filters.get(name) is not None:
            stmt = stmt.where(getattr(orm.Reminder, name) == filters[name])
    zones: dict[int, Any] = {}

    def snapshot(row: orm.Reminder) -> dict[str, Any]:
        if row.clinic_id not in zones:
            zones[row.clinic_id] = parse_zone(uow.session.get(orm.Clinic, row.clinic_id).timezone)
        return reminder(row, zones[row.clinic_id], sender)

    return fetch_page(uow.session, stmt, page, snapshot)


def reminder(row: orm.Reminder, zone: Any, sender: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "clinic_id": row.clinic_id,
        "series_id": row.series_id,
        "appointment_id": row.appointment_id,
        "appointment_version": row.appointment_version,
        "channel": row.channel,
        "offset_minutes": row.offset_minutes,
        "content": row.content,
        "due_at": row.due_at.astimezone(zone),
        "next_attempt_at": row.next_attempt_at.astimezone(zone),
        "status": row.status,
        "attempts": row.attempts,
        "sent_at": row.sent_at.astimezone(zone) if row.sent_at else None,
        "last_error": row.last_error,
        "message_id": message_id(row.dedupe_key, sender),
    }


def get_policy(uow: UnitOfWork, clinic_id: int) -> dict[str, Any]:
    return policy_of(uow.get(orm.Clinic, clinic_id, "clinic")).to_dict()


def set_policy(uow: UnitOfWork, clinic_id: int, raw: dict[str, Any]) -> dict[str, Any]:
    """Replace the clinic's policy; it applies to reminders queued from now on, not to those queued already."""
    clinic = uow.get(orm.Clinic, clinic_id, "clinic")
    keys = set(uow.session.scalars(select(orm.Protocol.key)))
    before = policy_of(clinic).to_dict()
    after = ReminderPolicy.parse(raw, keys).to_dict()
    clinic.reminder_policy = after
    uow.audit("update", "reminder_policy", clinic.id, before, after)
    uow.commit()
    return after
