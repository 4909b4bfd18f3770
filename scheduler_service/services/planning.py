"""Planning questions (free starts, whole-series proposals) answered from the database; nothing is written."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from ..adapters import orm
from ..domain.course import DEFAULT_MAINTENANCE_DAYS, course_steps, maintenance_count
from ..domain.errors import InvalidValue
from ..domain.occupancy import Booking, Occupancy
from ..domain.patients import Preferences
from ..domain.planner import DEFAULT_SEARCH_DAYS, MAX_SEARCH_DAYS, Plan, plan_series
from ..domain.planning_context import PlanningContext
from ..domain.protocols import Protocol
from ..domain.slots import DayStarts, free_starts
from .calendar import load_calendar
from .protocols import find_protocol, to_domain
from .unit_of_work import UnitOfWork

MAX_AVAILABILITY_DAYS = 62
LOOK_BACK = timedelta(days=7)


@dataclass(frozen=True)
class ProposalRequest:
    patient_id: int
    clinic_id: int
    earliest_date: date
    protocol_id: int | None = None
    protocol_key: str | None = None
    maintenance_sessions: int | None = None
    alternatives: int = 2
    latest_date: date | None = None  # the first session on or before this day (default: within 120 days)

    def search_days(self) -> int:
        """Days, from earliest_date on, that the first session may fall on."""
        if self.latest_date is None:
            return DEFAULT_SEARCH_DAYS
        days = (self.latest_date - self.earliest_date).days + 1
        if not 1 <= days <= MAX_SEARCH_DAYS:
            raise InvalidValue("latest_date", f"must be from earliest_date to {MAX_SEARCH_DAYS - 1} days after it")
        return days


def availability(
    uow: UnitOfWork, clinic_id: int, protocol_key: str, first: date, last: date, now: datetime
) -> list[DayStarts]:
    """Free start times, with their free chairs, for one visit of a protocol on each day from first to last."""
    if last < first:
        raise InvalidValue("to", "is before from")
    if (last - first).days >= MAX_AVAILABILITY_DAYS:
        raise InvalidValue("to", f"ask for at most {MAX_AVAILABILITY_DAYS} days at a time")
    protocol = to_domain(find_protocol(uow, key=protocol_key))
    ctx = planning_context(uow, clinic_id, protocol, first, last, now, Preferences())
    return free_starts(ctx, first, last)


def propose_series(uow: UnitOfWork, request: ProposalRequest, now: datetime) -> list[Plan]:
    """The best plan for the patient's whole course and up to `alternatives` more; raises NoPlan with why."""
    patient = uow.get(orm.Patient, request.patient_id, "patient")
    protocol = to_domain(find_protocol(uow, request.protocol_id, request.protocol_key))
    maintenance = maintenance_count(protocol, request.maintenance_sessions, None)
    search_days = request.search_days()
    last = request.earliest_date + timedelta(days=search_days + longest_course_days(protocol, maintenance))
    ctx = planning_context(
        uow, request.clinic_id, protocol, request.earliest_date, last, now, Preferences.parse(patient.preferences)
    )
    return plan_series(
        ctx,
        from_date=request.earliest_date,
        maintenance_sessions=maintenance,
        alternatives=request.alternatives,
        search_days=search_days,
    )


def longest_course_days(protocol: Protocol, maintenance_sessions: int) -> int:
    """An upper bound on first-to-last session, so the calendar and bookings loaded cover any plan."""
    total = DEFAULT_MAINTENANCE_DAYS
    for step in course_steps(protocol, maintenance_sessions):
        spacing = step.spacing
        # A clinic day can be several calendar days away (weekends, holidays, closures).
        total += spacing.max_days if spacing.unit == "days" else spacing.max_days * 3 + 4
    return total


def planning_context(
    uow: UnitOfWork,
    clinic_id: int,
    protocol: Protocol,
    first: date,
    last: date,
    now: datetime,
    preferences: Preferences,
    leave_out: Collection[int] = (),
) -> PlanningContext:
    """Calendar and bookings covering first..last, ready for the planner's questions.

    A week before `first` is loaded too: the planner weighs a day's rooms for long visits by the
    open days around it (long_rooms.py).
    """
    since = first - LOOK_BACK
    calendar = load_calendar(uow, clinic_id, since - timedelta(days=1), last + timedelta(days=1))
    bookings = load_bookings(uow, clinic_id, since - timedelta(days=1), last + timedelta(days=2), leave_out)
    treatments = [to_domain(row) for row in uow.session.scalars(select(orm.Protocol))]
    occupancy = Occupancy(calendar, bookings, known=(since, last))
    return PlanningContext(calendar, protocol, occupancy, now, preferences, treatments)


def load_bookings(
    uow: UnitOfWork, clinic_id: int, first: date, last: date, leave_out: Collection[int] = ()
) -> Iterable[Booking]:
    """Visits that hold a chair between the UTC midnights of first and last (a day's margin covers zones).

    `leave_out`: ids of the appointments being moved or re-planned; they do not compete with themselves.
    """
    since = datetime.combine(first, time(), tzinfo=UTC)
    until = datetime.combine(last, time(), tzinfo=UTC)
    rows = uow.session.execute(
        select(
            orm.Appointment.chair_id, orm.Appointment.start_at, orm.Appointment.end_at, orm.Appointment.uses_nurse
        ).where(
            orm.Appointment.clinic_id == clinic_id,
            orm.Appointment.status.in_(orm.HOLDING_STATUSES),
            orm.Appointment.start_at < until,
            orm.Appointment.end_at > since,
            orm.Appointment.id.not_in(list(leave_out)),
        )
    )
    return [Booking(chair_id, start, end, uses_nurse) for chair_id, start, end, uses_nurse in rows]
