"""Move one session; with cascade "following", re-plan the later sessions of the series within the rules."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from ..adapters import orm
from ..adapters.locks import lock_clinic_days
from ..domain.clinic import parse_zone
from ..domain.errors import Conflict, InvalidValue
from ..domain.patients import Preferences
from ..domain.plan_check import BrokenRule, RequestedSession, SessionTaken, check_sessions
from ..domain.planner import DEFAULT_SEARCH_DAYS, PlannedSession
from ..domain.replan import PastSession, replan_series
from ..domain.series import HOLDS_CHAIR, next_status
from . import snapshots
from .outbox import sync_reminders
from .planning import longest_course_days, planning_context
from .protocols import to_domain
from .unit_of_work import UnitOfWork

CASCADES = ("none", "following")


def reschedule(
    uow: UnitOfWork,
    appointment_id: int,
    start: datetime,
    chair_id: int | None,
    cascade: str,
    now: datetime,
    dry_run: bool = False,
) -> list[dict[str, Any]]:
    """Move the appointment (and, with cascade "following", the later ones); return every changed one.

    With `dry_run` every check runs and the same list comes back, but the work is rolled back: the
    front desk's preview of a move is the move itself, so it cannot promise what the real call refuses.
    """
    if cascade not in CASCADES:
        raise InvalidValue("cascade", f"must be one of {', '.join(CASCADES)}")
    if start.tzinfo is None:
        raise InvalidValue("start", "must carry a UTC offset")
    moved = uow.get(orm.Appointment, appointment_id, "appointment")
    next_status(moved.status, "reschedule", moved.start_at, now)
    series, clinic = moved.series, uow.session.get(orm.Clinic, moved.clinic_id)
    if series.status != "active":
        raise Conflict(f"series {series.id} is {series.status}")
    zone, protocol = parse_zone(clinic.timezone), to_domain(series.protocol)
    preferences = Preferences.parse(series.patient.preferences)
    rows = list(
        uow.session.scalars(
            select(orm.Appointment).where(orm.Appointment.series_id == series.id).order_by(orm.Appointment.index)
        )
    )
    kept = [r for r in rows if r.status in HOLDS_CHAIR]
    earlier = [r for r in kept if r.index < moved.index]
    later = [r for r in kept if r.index > moved.index]
    held = next((r for r in later if r.status != "booked"), None)
    if held is not None:  # the course has moved on past this session: it cannot slide behind one that happened
        raise Conflict(
            f"session {held.index} is already {held.status.replace('_', ' ')}; "
            f"session {moved.index} before it cannot be moved"
        )
    moving = [moved.id, *(r.id for r in later)]
    done = [PastSession(r.start_at, r.chair_id) for r in earlier]
    wanted = [RequestedSession(start, chair_id)]
    if cascade == "none":
        wanted += [RequestedSession(r.start_at, r.chair_id) for r in later]
    else:
        wanted += _replanned(uow, clinic.id, zone, protocol, preferences, done, wanted[0], [moved, *later], now)
    days = {r.start_at.astimezone(zone).date() for r in [moved, *later]}
    days |= {s.start.astimezone(zone).date() for s in wanted}
    lock_clinic_days(uow.session, clinic.id, days)  # then check again against what is booked now
    ctx = planning_context(uow, clinic.id, protocol, min(days), max(days), now, preferences, moving)
    try:
        planned = check_sessions(ctx, wanted, done=done)
    except (BrokenRule, SessionTaken) as refused:
        raise _in_series_terms(refused, [moved, *later]) from None
    rows = [moved, *later]
    changed = [_move(uow, row, session, clinic, zone) for row, session in zip(rows, planned, strict=True)]
    sync_reminders(uow, [row for row, after in zip(rows, changed, strict=True) if after is not None], now)
    changed = [c for c in changed if c is not None]
    if dry_run:
        uow.session.rollback()  # now, not at the end of the `with`: the caller may read on in this unit of work
    else:
        uow.commit()
    return changed


def _in_series_terms(refused: BrokenRule | SessionTaken, rows: list[orm.Appointment]) -> Exception:
    """Say which session of the series is at fault: the moved one ("start") or a later one kept in place."""
    reason = refused.reason if isinstance(refused, BrokenRule) else refused.message.split(": ", 1)[-1]
    row = rows[min(refused.index, len(rows) - 1)]
    if isinstance(refused, SessionTaken):
        return Conflict(f"session {row.index}: {reason}", {"session": row.index, "rule": refused.rule})
    field = "start" if refused.index == 0 else "cascade"
    return InvalidValue(field, reason if refused.index == 0 else f"{reason} (move it too with cascade 'following')")


def _replanned(
    uow: UnitOfWork,
    clinic_id: int,
    zone: Any,
    protocol: Any,
    preferences: Preferences,
    done: list[PastSession],
    moved: RequestedSession,
    rows: list[orm.Appointment],
    now: datetime,
) -> list[RequestedSession]:
    """The best places for the `count` sessions after the moved one, measured from its new day."""
    count = len(rows) - 1
    if count == 0:
        return []
    first: date = moved.start.astimezone(zone).date()
    finite_left = max(0, protocol.finite_sessions - len(done) - 1)
    maintenance = max(0, count - finite_left)
    last = first + timedelta(days=DEFAULT_SEARCH_DAYS + longest_course_days(protocol, maintenance))
    ctx = planning_context(uow, clinic_id, protocol, first, last, now, preferences, [r.id for r in rows])
    try:
        anchor = check_sessions(ctx, [moved], done=done)[0]
    except (BrokenRule, SessionTaken) as refused:
        raise _in_series_terms(refused, rows) from None
    plan = replan_series(ctx, [*done, PastSession(anchor.start, anchor.chair_id)], maintenance_sessions=maintenance)[0]
    return [RequestedSession(s.start, s.chair_id) for s in plan.sessions[:count]]


def _move(
    uow: UnitOfWork, row: orm.Appointment, session: PlannedSession, clinic: orm.Clinic, zone: Any
) -> dict[str, Any] | None:
    if row.start_at == session.start and row.chair_id == session.chair_id:
        return None
    before = snapshots.appointment(row, zone)
    row.start_at, row.end_at, row.chair_id, row.phase = session.start, session.end, session.chair_id, session.phase
    row.blocked_until = session.end + timedelta(minutes=clinic.turnover_minutes)
    row.version += 1
    after = snapshots.appointment(row, zone)
    uow.audit("reschedule", "appointment", row.id, before, after)
    return after
