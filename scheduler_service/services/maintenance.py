"""Keep open-ended maintenance booked ahead to the clinic's horizon, anchored on the last real session."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from ..adapters import orm
from ..adapters.locks import lock_clinic_days
from ..domain.clinic import parse_zone
from ..domain.errors import Conflict, NoPlan
from ..domain.patients import Preferences
from ..domain.plan_check import RequestedSession, check_sessions
from ..domain.replan import PastSession, replan_series
from ..domain.series import HOLDS_CHAIR
from . import snapshots
from .booking import new_appointment
from .outbox import sync_reminders
from .planning import planning_context
from .protocols import to_domain
from .unit_of_work import UnitOfWork


def extend_series(uow: UnitOfWork, series_id: int, now: datetime) -> list[dict[str, Any]]:
    """Book the maintenance sessions that fit before today + the clinic's horizon; return the new ones."""
    series = uow.get(orm.Series, series_id, "series")
    if series.status != "active":
        raise Conflict(f"series {series_id} is {series.status}; only an active series is extended")
    protocol = to_domain(series.protocol)
    open_ended = [p for p in protocol.phases if p.open_ended]
    if not open_ended:
        raise Conflict(f"{protocol.name} has no open-ended maintenance to extend")
    clinic = uow.session.get(orm.Clinic, series.clinic_id)
    zone = parse_zone(clinic.timezone)
    kept = list(
        uow.session.scalars(
            select(orm.Appointment)
            .where(orm.Appointment.series_id == series.id, orm.Appointment.status.in_(HOLDS_CHAIR))
            .order_by(orm.Appointment.start_at)
        )
    )
    if len(kept) < protocol.finite_sessions:
        raise Conflict("the induction is not fully booked yet; book or reschedule its sessions first")
    last_day = kept[-1].start_at.astimezone(zone).date()
    horizon = now.astimezone(zone).date() + timedelta(days=clinic.booking_horizon_days)
    count = (horizon - last_day).days // open_ended[0].spacing.target_days
    if count <= 0:
        return []
    done = [PastSession(r.start_at, r.chair_id) for r in kept]
    preferences = Preferences.parse(series.patient.preferences)
    ctx = planning_context(uow, clinic.id, protocol, last_day, horizon + timedelta(days=60), now, preferences)
    try:
        plan = replan_series(ctx, done, maintenance_sessions=count, catch_up=False)[0]
    except NoPlan as no_plan:
        raise Conflict(f"no maintenance session fits: {no_plan.message}") from None
    days = [s.start.astimezone(zone).date() for s in plan.sessions]
    lock_clinic_days(uow.session, clinic.id, days)
    ctx = planning_context(uow, clinic.id, protocol, min(days), max(days), now, preferences)
    planned = check_sessions(ctx, [RequestedSession(s.start, s.chair_id) for s in plan.sessions], done=done)
    next_index = 1 + (
        uow.session.scalar(
            select(orm.Appointment.index)
            .where(orm.Appointment.series_id == series.id)
            .order_by(orm.Appointment.index.desc())
            .limit(1)
        )
        or 0
    )
    added, rows = [], []
    for offset, session in enumerate(planned):
        row = new_appointment(series, clinic, protocol, session, next_index + offset)
        uow.add(row)
        uow.flush()
        after = snapshots.appointment(row, zone)
        uow.audit("extend", "appointment", row.id, after=after)
        added.append(after)
        rows.append(row)
    sync_reminders(uow, rows, now)
    uow.commit()
    return added


def extend_all(uow: UnitOfWork, now: datetime) -> dict[int, int | str]:
    """The scheduler's daily job: extend every active series with open-ended maintenance."""
    ids = list(uow.session.scalars(select(orm.Series.id).where(orm.Series.status == "active").order_by(orm.Series.id)))
    outcome: dict[int, int | str] = {}
    for series_id in ids:
        try:
            outcome[series_id] = len(extend_series(uow, series_id, now))
        except Conflict as refused:
            uow.session.rollback()
            outcome[series_id] = refused.message
    return outcome
