"""A visit's status through the day (check in, complete, no-show, cancel) and cancelling a course."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..adapters import orm
from ..adapters.locks import lock_clinic_days
from ..domain.clinic import parse_zone
from ..domain.errors import Conflict
from ..domain.series import next_status
from . import snapshots
from .outbox import cancel_series_messages, sync_reminders
from .unit_of_work import UnitOfWork


def change_status(uow: UnitOfWork, appointment_id: int, action: str, now: datetime, reason: str = "") -> dict[str, Any]:
    """Apply one transition of the appointment state machine; bump the version; audit it."""
    row = uow.get(orm.Appointment, appointment_id, "appointment")
    zone = _zone_of(uow, row)
    if action == "cancel":  # freeing a place changes the day's capacity: same lock as booking
        lock_clinic_days(uow.session, row.clinic_id, [row.start_at.astimezone(zone).date()])
        uow.session.refresh(row)
    before = snapshots.appointment(row, zone)
    row.status = next_status(row.status, action, row.start_at, now)
    row.status_reason = reason
    row.version += 1
    after = snapshots.appointment(row, zone)
    uow.audit(action, "appointment", row.id, before, after)
    sync_reminders(uow, [row], now)
    uow.commit()
    return after


def cancel_series(uow: UnitOfWork, series_id: int, now: datetime, reason: str) -> dict[str, Any]:
    """Cancel every appointment still to come; what happened stays as history."""
    series = uow.get(orm.Series, series_id, "series")
    if series.status == "cancelled":
        raise Conflict(f"series {series_id} is already cancelled")
    zone = parse_zone(uow.session.get(orm.Clinic, series.clinic_id).timezone)
    rows = list(uow.session.scalars(select(orm.Appointment).where(orm.Appointment.series_id == series_id)))
    future = [r for r in rows if r.status == "booked" and r.start_at >= now]
    lock_clinic_days(uow.session, series.clinic_id, [r.start_at.astimezone(zone).date() for r in future])
    for row in future:
        uow.session.refresh(row)
        if row.status != "booked":
            continue
        before = snapshots.appointment(row, zone)
        row.status, row.status_reason, row.version = "cancelled", reason, row.version + 1
        uow.audit("cancel", "appointment", row.id, before, snapshots.appointment(row, zone))
    sync_reminders(uow, future, now)
    cancel_series_messages(uow, series.id)
    series.status = "cancelled"
    uow.audit("cancel", "series", series.id, {"status": "active"}, {"status": "cancelled", "reason": reason})
    result = snapshots.series(series, rows, zone)
    uow.commit()
    return result


def get_series(uow: UnitOfWork, series_id: int) -> dict[str, Any]:
    series = uow.get(orm.Series, series_id, "series")
    zone = parse_zone(uow.session.get(orm.Clinic, series.clinic_id).timezone)
    rows = list(uow.session.scalars(select(orm.Appointment).where(orm.Appointment.series_id == series_id)))
    return snapshots.series(series, rows, zone)


def get_appointment(uow: UnitOfWork, appointment_id: int) -> dict[str, Any]:
    row = uow.get(orm.Appointment, appointment_id, "appointment")
    return snapshots.appointment(row, _zone_of(uow, row))


def _zone_of(uow: UnitOfWork, row: orm.Appointment):  # type: ignore[no-untyped-def]
    return parse_zone(uow.session.get(orm.Clinic, row.clinic_id).timezone)
