"""Read models: a clinic's day board and the audit trail."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from ..adapters import orm
from ..domain.clinic import parse_zone
from . import snapshots
from .paging import Page, fetch_page
from .protocols import to_domain
from .unit_of_work import UnitOfWork
from .visits import get_series


def day_board(uow: UnitOfWork, clinic_id: int, day: date) -> list[dict[str, Any]]:
    """Every appointment of the clinic's local day, with who, what and which session, in start order."""
    clinic = uow.get(orm.Clinic, clinic_id, "clinic")
    zone = parse_zone(clinic.timezone)
    since = datetime.combine(day, time(), tzinfo=zone)
    until = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
    rows = uow.session.scalars(
        select(orm.Appointment)
        .where(
            orm.Appointment.clinic_id == clinic_id, orm.Appointment.start_at >= since, orm.Appointment.start_at < until
        )
        .order_by(orm.Appointment.start_at, orm.Appointment.chair_id)
    )
    board = []
    for row in rows:
        series, protocol = row.series, row.series.protocol
        finite = to_domain(protocol).finite_sessions
        board.append(
            {
                **snapshots.appointment(row, zone),
                "clinic_id": clinic_id,
                "patient_id": series.patient_id,
                "patient_name": f"{series.patient.given_name} {series.patient.family_name}",
                "protocol_key": protocol.key,
                "protocol_name": protocol.name,
                "uses_nurse": row.uses_nurse,
                "session_label": f"{row.index}/{finite}"
                if row.index <= finite
                else f"maintenance {row.index - finite}",
            }
        )
    return board


def audit_trail(
    uow: UnitOfWork, entity: str | None, entity_id: str | None, page: Page
) -> tuple[list[dict[str, Any]], int]:
    stmt = select(orm.AuditRecord).order_by(orm.AuditRecord.id)
    if entity:
        stmt = stmt.where(orm.AuditRecord.entity == entity)
    if entity_id:
        stmt = stmt.where(orm.AuditRecord.entity_id == entity_id)
    return fetch_page(uow.session, stmt, page, _record)


def _record(row: orm.AuditRecord) -> dict[str, Any]:
    return {
        "id": row.id,
        "at": row.at,
        "actor": row.actor,
        "action": row.action,
        "entity": row.entity,
        "entity_id": row.entity_id,
        "before": row.before,
        "after": row.after,
    }


def patient_series(uow: UnitOfWork, patient_id: int) -> list[dict[str, Any]]:
    uow.get(orm.Patient, patient_id, "patient")
    ids = uow.session.scalars(select(orm.Series.id).where(orm.Series.patient_id == patient_id).order_by(orm.Series.id))
    return [get_series(uow, series_id) for series_id in ids]
