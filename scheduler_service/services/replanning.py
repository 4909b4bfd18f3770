"""After a missed session: does the rest of the course still keep its rules, and if not, what would?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from ..adapters import orm
from ..domain.clinic import parse_zone
from ..domain.errors import Conflict, NoPlan
from ..domain.patients import Preferences
from ..domain.plan_check import BrokenRule, RequestedSession, SessionTaken, check_sessions
from ..domain.planner import DEFAULT_SEARCH_DAYS, Plan
from ..domain.replan import PastSession, replan_series
from .planning import longest_course_days, planning_context
from .protocols import to_domain
from .unit_of_work import UnitOfWork

HAPPENED = ("checked_in", "completed")


def replan_proposals(uow: UnitOfWork, series_id: int, now: datetime, alternatives: int = 0) -> list[Plan]:
    """Plans for every session not yet held, measured from the sessions that really happened (writes nothing)."""
    series = uow.get(orm.Series, series_id, "series")
    if series.status != "active":
        raise Conflict(f"series {series_id} is {series.status}")
    protocol = to_domain(series.protocol)
    rows = _rows(uow, series_id)
    happened = [r for r in rows if r.status in HAPPENED]
    waiting = [r for r in rows if r.status == "booked"]
    finite_left = max(0, protocol.finite_sessions - len(happened))
    maintenance = max(0, len(waiting) - finite_left)
    zone = parse_zone(uow.session.get(orm.Clinic, series.clinic_id).timezone)
    first = now.astimezone(zone).date()
    last = first + timedelta(days=DEFAULT_SEARCH_DAYS + longest_course_days(protocol, maintenance))
    preferences = Preferences.parse(series.patient.preferences)
    ctx = planning_context(uow, series.clinic_id, protocol, first, last, now, preferences, [r.id for r in waiting])
    done = [PastSession(r.start_at, r.chair_id) for r in happened]
    return replan_series(ctx, done, maintenance_sessions=maintenance, alternatives=alternatives)


@dataclass(frozen=True)
class ReplanAdvice:
    """Whether the booked rest of a course still keeps the rules and, if not, the best plan (or why none)."""

    needed: bool
    plan: Plan | None = None
    why: str = ""


def advice_after_miss(uow: UnitOfWork, series_id: int, now: datetime) -> ReplanAdvice:
    """After a missed session: check the sessions still booked against what happened; propose a re-plan if broken."""
    series = uow.get(orm.Series, series_id, "series")
    rows = _rows(uow, series_id)
    waiting = [r for r in rows if r.status == "booked" and r.start_at >= now]
    if series.status != "active" or not waiting:
        return ReplanAdvice(needed=False)
    protocol = to_domain(series.protocol)
    zone = parse_zone(uow.session.get(orm.Clinic, series.clinic_id).timezone)
    days = [r.start_at.astimezone(zone).date() for r in waiting]
    ctx = planning_context(
        uow,
        series.clinic_id,
        protocol,
        days[0],
        days[-1],
        now,
        Preferences.parse(series.patient.preferences),
        [r.id for r in waiting],
    )
    done = [PastSession(r.start_at, r.chair_id) for r in rows if r.status in HAPPENED]
    try:
        check_sessions(ctx, [RequestedSession(r.start_at, r.chair_id) for r in waiting], done=done)
    except (BrokenRule, SessionTaken) as broken:
        why = broken.reason if isinstance(broken, BrokenRule) else broken.message
        try:
            return ReplanAdvice(needed=True, plan=replan_proposals(uow, series_id, now)[0], why=why)
        except NoPlan as no_plan:
            return ReplanAdvice(needed=True, why=f"{why}; no re-plan fits: {no_plan.message}")
    return ReplanAdvice(needed=False)


def _rows(uow: UnitOfWork, series_id: int) -> list[orm.Appointment]:
    return list(
        uow.session.scalars(
            select(orm.Appointment).where(orm.Appointment.series_id == series_id).order_by(orm.Appointment.index)
        )
    )
