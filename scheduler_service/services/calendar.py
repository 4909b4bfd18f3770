"""Load a clinic's calendar (hours, chairs, staffing, holidays, closures) for a stretch of dates."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ..adapters import orm
from ..adapters.holiday_calendar import holidays_between
from ..domain.clinic import Chair, ClinicCalendar, Closure, OpeningHours, Staffing, parse_zone
from .unit_of_work import UnitOfWork


def load_calendar(uow: UnitOfWork, clinic_id: int, first: date, last: date) -> ClinicCalendar:
    """The clinic as the planner needs it between `first` and `last` (inclusive)."""
    clinic = uow.get(orm.Clinic, clinic_id, "clinic")
    hours = OpeningHours.parse(clinic.opening_hours)
    staffing_row = uow.session.get(orm.Staffing, clinic_id)
    staffing = (
        Staffing.parse(
            staffing_row.nurses, staffing_row.patients_per_nurse, staffing_row.starts_per_nurse_per_slot, hours
        )
        if staffing_row
        else Staffing.parse({})
    )
    chairs = uow.session.scalars(
        select(orm.Chair).where(orm.Chair.clinic_id == clinic_id, orm.Chair.active).order_by(orm.Chair.id)
    )
    closures = uow.session.scalars(
        select(orm.Closure).where(
            orm.Closure.clinic_id == clinic_id, orm.Closure.end_date >= first, orm.Closure.start_date <= last
        )
    )
    return ClinicCalendar(
        zone=parse_zone(clinic.timezone),
        hours=hours,
        chairs=tuple(Chair(c.id, c.name, frozenset(c.tags)) for c in chairs),
        staffing=staffing,
        slot_minutes=clinic.slot_minutes,
        turnover_minutes=clinic.turnover_minutes,
        holidays=holidays_between(clinic.holiday_country, clinic.holiday_subdivision, first, last),
        closures=tuple(Closure.build(c.start_date, c.end_date, c.start_time, c.end_time, c.reason) for c in closures),
    )
