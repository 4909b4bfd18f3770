"""Clinic set-up: the clinic itself, its chairs, closures and staffing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..adapters import orm
from ..adapters.holiday_calendar import validate_region
from ..domain.clinic import DEFAULT_OPENING_HOURS, Closure, OpeningHours, Staffing, parse_tags, parse_zone
from ..domain.errors import InvalidValue
from ..domain.timewindows import WEEKDAYS
from . import snapshots
from .paging import Page, fetch_page
from .unit_of_work import UnitOfWork

CLINIC_DEFAULTS: dict[str, Any] = {
    "address": "",
    "opening_hours": DEFAULT_OPENING_HOURS,
    "slot_minutes": 15,
    "turnover_minutes": 15,
    "holiday_country": "US",
    "holiday_subdivision": None,
    "booking_horizon_days": 90,
    "feed_shows_protocol": False,
}


def create_clinic(uow: UnitOfWork, data: dict[str, Any]) -> dict[str, Any]:
    """Create a clinic with working defaults, and one nurse on each open weekday until staffing is set."""
    row = orm.Clinic()
    _apply(row, {**CLINIC_DEFAULTS, **data})
    uow.add(row)
    uow.flush()
    open_days = {
        WEEKDAYS[i]: 1 for i, windows in enumerate(OpeningHours.parse(row.opening_hours).by_weekday) if windows
    }
    uow.add(orm.Staffing(clinic_id=row.id, nurses=open_days, patients_per_nurse=3, starts_per_nurse_per_slot=1))
    after = snapshots.clinic(row)
    uow.audit("create", "clinic", row.id, after=after)
    uow.commit()
    return after


def update_clinic(uow: UnitOfWork, clinic_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    row = uow.get(orm.Clinic, clinic_id, "clinic")
    before = snapshots.clinic(row)
    _apply(row, {**before, **changes})
    after = snapshots.clinic(row)
    uow.audit("update", "clinic", row.id, before, after)
    uow.commit()
    return after


def _apply(row: orm.Clinic, data: dict[str, Any]) -> None:
    """Validate the whole clinic as it would be, then write it; a bad value leaves the row untouched."""
    if not data["name"].strip():
        raise InvalidValue("name", "must not be empty")
    parse_zone(data["timezone"])
    hours = OpeningHours.parse(data["opening_hours"])
    if 1440 % data["slot_minutes"]:
        raise InvalidValue("slot_minutes", "must divide a day evenly (5, 10, 15, 20, 30 or 60)")
    validate_region(data["holiday_country"], data["holiday_subdivision"])
    for name in CLINIC_DEFAULTS.keys() | {"name", "timezone"}:
        setattr(row, name, data[name])
    row.name = data["name"].strip()
    row.opening_hours = hours.to_dict()


def add_chair(uow: UnitOfWork, clinic_id: int, name: str, tags: list[str]) -> dict[str, Any]:
    uow.get(orm.Clinic, clinic_id, "clinic")
    name = name.strip()
    if not name:
        raise InvalidValue("name", "must not be empty")
    taken = uow.session.scalar(select(orm.Chair.id).where(orm.Chair.clinic_id == clinic_id, orm.Chair.name == name))
    if taken is not None:
        raise InvalidValue("name", f"this clinic already has a chair called {name!r}")
    row = orm.Chair(clinic_id=clinic_id, name=name, tags=sorted(parse_tags(tags)), active=True)
    uow.add(row)
    uow.flush()
    after = snapshots.chair(row)
    uow.audit("create", "chair", row.id, after=after)
    uow.commit()
    return after


def add_closure(uow: UnitOfWork, clinic_id: int, data: dict[str, Any]) -> dict[str, Any]:
    uow.get(orm.Clinic, clinic_id, "clinic")
    closure = Closure.build(
        data["date"], data.get("end_date"), data.get("start_time"), data.get("end_time"), data.get("reason", "")
    )
    row = orm.Closure(
        clinic_id=clinic_id,
        start_date=closure.start_date,
        end_date=closure.end_date,
        start_time=closure.window.start if closure.window else None,
        end_time=closure.window.end if closure.window else None,
        reason=closure.reason,
    )
    uow.add(row)
    uow.flush()
    after = snapshots.closure(row)
    uow.audit("create", "closure", row.id, after=after)
    uow.commit()
    return after


def delete_closure(uow: UnitOfWork, closure_id: int) -> None:
    row = uow.get(orm.Closure, closure_id, "closure")
    before = snapshots.closure(row)
    uow.session.delete(row)
    uow.audit("delete", "closure", closure_id, before=before)
    uow.commit()


def set_staffing(uow: UnitOfWork, clinic_id: int, data: dict[str, Any]) -> dict[str, Any]:
    clinic = uow.get(orm.Clinic, clinic_id, "clinic")
    Staffing.parse(
        data["nurses"],
        data.get("patients_per_nurse", 3),
        data.get("starts_per_nurse_per_slot", 1),
        OpeningHours.parse(clinic.opening_hours),
    )
    row = uow.session.get(orm.Staffing, clinic_id) or orm.Staffing(clinic_id=clinic_id)
    before = snapshots.staffing(row) if row.nurses is not None else None
    row.nurses = data["nurses"]
    row.patients_per_nurse = data.get("patients_per_nurse", 3)
    row.starts_per_nurse_per_slot = data.get("starts_per_nurse_per_slot", 1)
    uow.add(row)
    after = snapshots.staffing(row)
    uow.audit("update", "staffing", clinic_id, before, after)
    uow.commit()
    return after


def list_clinics(uow: UnitOfWork, page: Page) -> tuple[list[dict[str, Any]], int]:
    return fetch_page(uow.session, select(orm.Clinic).order_by(orm.Clinic.id), page, snapshots.clinic)


def list_chairs(uow: UnitOfWork, clinic_id: int, page: Page) -> tuple[list[dict[str, Any]], int]:
    uow.get(orm.Clinic, clinic_id, "clinic")
    stmt = select(orm.Chair).where(orm.Chair.clinic_id == clinic_id).order_by(orm.Chair.id)
    return fetch_page(uow.session, stmt, page, snapshots.chair)


def list_closures(uow: UnitOfWork, clinic_id: int, page: Page) -> tuple[list[dict[str, Any]], int]:
    uow.get(orm.Clinic, clinic_id, "clinic")
    stmt = (
        select(orm.Closure).where(orm.Closure.clinic_id == clinic_id).order_by(orm.Closure.start_date, orm.Closure.id)
    )
    return fetch_page(uow.session, stmt, page, snapshots.closure)


def get_clinic(uow: UnitOfWork, clinic_id: int) -> dict[str, Any]:
    return snapshots.clinic(uow.get(orm.Clinic, clinic_id, "clinic"))


def get_staffing(uow: UnitOfWork, clinic_id: int) -> dict[str, Any]:
    uow.get(orm.Clinic, clinic_id, "clinic")
    return snapshots.staffing(uow.get(orm.Staffing, clinic_id, "staffing of clinic"))
