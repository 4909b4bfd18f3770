"""Patients: create, edit and find them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select

from ..adapters import orm
from ..domain.clinic import parse_zone
from ..domain.errors import InvalidValue
from ..domain.patients import Preferences, validate_channels
from . import snapshots
from .paging import Page, fetch_page
from .unit_of_work import UnitOfWork

FIELDS = (
    "given_name",
    "family_name",
    "email",
    "phone",
    "date_of_birth",
    "preferences",
    "reminder_channels",
    "timezone",
)


def create_patient(uow: UnitOfWork, data: dict[str, Any]) -> dict[str, Any]:
    row = orm.Patient()
    _apply(
        row,
        {
            "email": None,
            "phone": None,
            "date_of_birth": None,
            "preferences": {},
            "reminder_channels": [],
            "timezone": None,
            **data,
        },
    )
    uow.add(row)
    uow.flush()
    after = snapshots.patient(row)
    uow.audit("create", "patient", row.id, after=after)
    uow.commit()
    return after


def update_patient(uow: UnitOfWork, patient_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    row = uow.get(orm.Patient, patient_id, "patient")
    before = snapshots.patient(row)
    _apply(row, {**before, **changes})
    after = snapshots.patient(row)
    uow.audit("update", "patient", row.id, before, after)
    uow.commit()
    return after


def _apply(row: orm.Patient, data: dict[str, Any]) -> None:
    for name in ("given_name", "family_name"):
        data[name] = data[name].strip()
        if not data[name]:
            raise InvalidValue(name, "must not be empty")
    data["email"] = (data["email"] or "").strip().lower() or None
    data["phone"] = (data["phone"] or "").strip() or None
    data["preferences"] = Preferences.parse(data["preferences"]).to_dict()
    data["reminder_channels"] = validate_channels(data["reminder_channels"], data["email"], data["phone"])
    if data["timezone"] is not None:
        parse_zone(data["timezone"])  # quiet hours are kept in this zone; an unknown one is refused now
    for name in FIELDS:
        setattr(row, name, data[name])


def get_patient(uow: UnitOfWork, patient_id: int) -> dict[str, Any]:
    return snapshots.patient(uow.get(orm.Patient, patient_id, "patient"))


def search_patients(uow: UnitOfWork, q: str | None, page: Page) -> tuple[list[dict[str, Any]], int]:
    """Every word of `q` must match the start of a name, or be part of the email or phone."""
    stmt = select(orm.Patient).order_by(orm.Patient.family_name, orm.Patient.given_name, orm.Patient.id)
    for word in (q or "").split():
        like = _escape(word.lower())
        digits = "".join(ch for ch in word if ch.isdigit())
        matches = [
            func.lower(orm.Patient.given_name).like(f"{like}%", escape="\\"),
            func.lower(orm.Patient.family_name).like(f"{like}%", escape="\\"),
            func.lower(orm.Patient.email).like(f"%{like}%", escape="\\"),
        ]
        if digits:
            matches.append(orm.Patient.phone.like(f"%{digits}%"))
        stmt = stmt.where(or_(*matches))
    return fetch_page(uow.session, stmt, page, snapshots.patient)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
