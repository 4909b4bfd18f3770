"""Book a whole series in one transaction: every session re-checked on the server, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..adapters import orm
from ..adapters.locks import lock_clinic_days
from ..domain.clinic import parse_zone
from ..domain.errors import Conflict, InvalidValue, NoPlan
from ..domain.patients import Preferences
from ..domain.plan_check import RequestedSession, SessionTaken, check_sessions
from ..domain.planner import PlannedSession
from ..domain.protocols import Protocol
from . import snapshots
from .feeds import new_feed_token
from .idempotency import IdempotencyKey, claim, remember
from .outbox import queue_confirmation, sync_reminders, wants_confirmation
from .planning import ProposalRequest, planning_context, propose_series
from .protocols import find_protocol, to_domain
from .unit_of_work import UnitOfWork

MAX_SESSIONS = 60


@dataclass(frozen=True)
class BookingRequest:
    patient_id: int
    clinic_id: int
    sessions: list[RequestedSession]
    protocol_id: int | None = None
    protocol_key: str | None = None


def book_series(
    uow: UnitOfWork,
    request: BookingRequest,
    now: datetime,
    idem: IdempotencyKey | None = None,
    base_url: str | None = None,
) -> dict[str, Any]:
    """Create the series and its appointments, or raise: 422 for a broken rule, 409 for a place taken.

    The reminders and the confirmation e-mail (with a new feed link under `base_url`) are queued
    in the same transaction. With an Idempotency-Key, a repeat of the request returns the first
    answer and books nothing.
    """
    if idem is not None and (first_answer := claim(uow, idem)) is not None:
        return first_answer
    result = _book(uow, request, now, base_url)
    if idem is not None:
        remember(uow, idem, 201, result)
    uow.commit()
    return result


def _book(uow: UnitOfWork, request: BookingRequest, now: datetime, base_url: str | None) -> dict[str, Any]:
    patient = uow.get(orm.Patient, request.patient_id, "patient")
    clinic = uow.get(orm.Clinic, request.clinic_id, "clinic")
    protocol_row = find_protocol(uow, request.protocol_id, request.protocol_key)
    protocol = to_domain(protocol_row)
    zone = parse_zone(clinic.timezone)
    sessions = _in_order(request.sessions)
    days = [s.start.astimezone(zone).date() for s in sessions]
    lock_clinic_days(uow.session, clinic.id, days)  # from here on, nobody else changes these days
    ctx = planning_context(uow, clinic.id, protocol, days[0], days[-1], now, Preferences.parse(patient.preferences))
    try:
        planned = check_sessions(ctx, sessions)
    except SessionTaken as taken:
        raise Conflict(taken.message, _taken_details(uow, taken, request, protocol, patient, now)) from None
    series = orm.Series(clinic_id=clinic.id, patient_id=patient.id, protocol_id=protocol_row.id, status="active")
    uow.add(series)
    uow.flush()
    rows = [new_appointment(series, clinic, protocol, session, session.index + 1) for session in planned]
    for row in rows:
        uow.add(row)
    uow.flush()
    for row in rows:
        uow.audit("book", "appointment", row.id, after=snapshots.appointment(row, zone))
    sync_reminders(uow, rows, now)
    _confirm(uow, series, base_url, now)
    result = snapshots.series(series, rows, zone)
    uow.audit("book", "series", series.id, after={k: v for k, v in result.items() if k != "appointments"})
    return result


def _confirm(uow: UnitOfWork, series: orm.Series, base_url: str | None, now: datetime) -> None:
    """Queue the confirmation e-mail; it carries a feed link of its own, made now (secrets are kept only hashed)."""
    if not wants_confirmation(uow, series):
        return
    feed_url = None
    if base_url:
        _, feed_url = new_feed_token(uow, base_url, patient_id=series.patient_id, label=f"e-mail, series {series.id}")
    queue_confirmation(uow, series, feed_url, now)


def _in_order(sessions: list[RequestedSession]) -> list[RequestedSession]:
    if not sessions:
        raise InvalidValue("sessions", "at least one session is needed")
    if len(sessions) > MAX_SESSIONS:
        raise InvalidValue("sessions", f"at most {MAX_SESSIONS} sessions can be booked at once")
    for i, session in enumerate(sessions):
        if session.start.tzinfo is None:
            raise InvalidValue(f"sessions.{i}.start", "must carry a UTC offset, e.g. 2027-03-15T09:00:00-05:00")
        if i and session.start == sessions[i - 1].start:
            raise InvalidValue(f"sessions.{i}.start", f"repeats session {i}")
        if i and session.start < sessions[i - 1].start:
            raise InvalidValue(f"sessions.{i}.start", f"is before session {i}: list the sessions in order")
    return sessions


def new_appointment(
    series: orm.Series, clinic: orm.Clinic, protocol: Protocol, s: PlannedSession, index: int
) -> orm.Appointment:
    """A booked appointment for a checked session; `index` is its 1-based place in the series."""
    return orm.Appointment(
        series_id=series.id,
        clinic_id=clinic.id,
        chair_id=s.chair_id,
        index=index,
        phase=s.phase,
        start_at=s.start,
        end_at=s.end,
        blocked_until=s.end + timedelta(minutes=clinic.turnover_minutes),
        uses_nurse=protocol.uses_nurse,
        status="booked",
        version=1,
    )


def _taken_details(
    uow: UnitOfWork,
    taken: SessionTaken,
    request: BookingRequest,
    protocol: Protocol,
    patient: orm.Patient,
    now: datetime,
) -> dict[str, object]:
    """Name the session that no longer fits and offer the best plan from the same first day instead."""
    details: dict[str, object] = {"session": taken.index, "rule": taken.rule}
    first = request.sessions[0].start.astimezone(parse_zone(uow.session.get(orm.Clinic, request.clinic_id).timezone))
    try:
        plans = propose_series(
            uow,
            ProposalRequest(
                patient_id=patient.id,
                clinic_id=request.clinic_id,
                earliest_date=first.date(),
                protocol_id=protocol.id,
                maintenance_sessions=max(0, len(request.sessions) - protocol.finite_sessions),
                alternatives=0,
            ),
            now,
        )
        details["next_proposal"] = {
            "score": plans[0].score.to_dict(),
            "sessions": [_planned(s) for s in plans[0].sessions],
        }
    except NoPlan as no_plan:
        details["next_proposal"] = None
        details["no_plan"] = no_plan.message
    return details


def _planned(session: PlannedSession) -> dict[str, object]:
    return {
        "index": session.index + 1,
        "phase": session.phase,
        "start": session.start.isoformat(),
        "end": session.end.isoformat(),
        "chair_id": session.chair_id,
    }
