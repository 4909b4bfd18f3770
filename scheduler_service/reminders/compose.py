"""Turn a claimed outbox row into the message to send, from the rows as they are now.

A reminder is written when it is sent, not when it is queued, so edited instructions or a new
e-mail address are used; its time cannot have changed, because a moved visit has a new version
and the row of the old version is dropped here if it was not already cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage

from sqlalchemy import select

from ..adapters import orm
from ..adapters.delivery import TextMessage
from ..domain.clinic import parse_zone
from ..domain.reminder_policy import ReminderPolicy
from ..domain.reminder_times import quiet_hours_end
from ..services.board import day_board
from ..services.feeds import appointment_ics
from ..services.outbox import policy_of
from ..services.protocols import to_domain
from ..services.unit_of_work import UnitOfWork
from .messages import (
    Letter,
    Visit,
    board_email,
    confirmation_email,
    message_id,
    relative_day,
    reminder_email,
    reminder_sms,
)


@dataclass(frozen=True)
class Outgoing:
    email: EmailMessage | None = None
    sms: TextMessage | None = None


@dataclass(frozen=True)
class NotNow:
    """Do not send: `status` "cancelled" or "skipped" for good, or "pending" to look again at `retry_at`."""

    status: str
    reason: str
    retry_at: datetime | None = None


def compose(uow: UnitOfWork, row: orm.Reminder, now: datetime, sender: str) -> Outgoing | NotNow:
    if row.kind == "reminder":
        return _reminder(uow, row, now, sender)
    if row.kind == "confirmation":
        return _confirmation(uow, row, now, sender)
    return _board(uow, row, sender)


def _reminder(uow: UnitOfWork, row: orm.Reminder, now: datetime, sender: str) -> Outgoing | NotNow:
    visit_row = uow.session.get(orm.Appointment, row.appointment_id)
    if visit_row is None or visit_row.version != row.appointment_version or visit_row.status != "booked":
        return NotNow("cancelled", "the visit changed after this reminder was queued")
    if visit_row.start_at <= now:
        return NotNow("skipped", "the visit had begun before the reminder could be sent")
    clinic = uow.session.get(orm.Clinic, visit_row.clinic_id)
    series, patient = visit_row.series, visit_row.series.patient
    policy = policy_of(clinic).for_protocol(series.protocol.key)
    if row.channel == "sms" and policy.quiet_hours is not None:
        held = _quiet(policy, patient, clinic, visit_row, now)
        if held is not None:
            return held
    letter = _letter(patient, clinic, row, sender)
    visit = _visit(visit_row, clinic, now)
    if row.channel == "sms":
        body = reminder_sms(letter, visit, row.content, policy.confirmation_line)
        return Outgoing(sms=TextMessage(patient.phone or "", body, letter.message_id))
    ics = appointment_ics(uow, visit_row.id)
    instructions = series.protocol.instructions
    message = reminder_email(
        letter, patient.email or "", visit, row.content, instructions, policy.confirmation_line, ics
    )
    return Outgoing(email=message)


def _quiet(
    policy: ReminderPolicy, patient: orm.Patient, clinic: orm.Clinic, visit_row: orm.Appointment, now: datetime
) -> NotNow | None:
    """A dispatcher running late must not text in the night: wait for the morning if the visit is later."""
    assert policy.quiet_hours is not None
    ends = quiet_hours_end(now, policy.quiet_hours, parse_zone(patient.timezone or clinic.timezone))
    if ends is None:
        return None
    if ends < visit_row.start_at:
        return NotNow("pending", "quiet hours", retry_at=ends)
    return NotNow("skipped", "quiet hours last until the visit")


def _confirmation(uow: UnitOfWork, row: orm.Reminder, now: datetime, sender: str) -> Outgoing | NotNow:
    series = uow.session.get(orm.Series, row.series_id)
    if series is None or series.status == "cancelled":
        return NotNow("cancelled", "the series was cancelled")
    clinic = uow.session.get(orm.Clinic, series.clinic_id)
    visits = [
        _visit(a, clinic, now)
        for a in uow.session.scalars(
            select(orm.Appointment)
            .where(orm.Appointment.series_id == series.id, orm.Appointment.status == "booked")
            .where(orm.Appointment.start_at > now)
            .order_by(orm.Appointment.start_at)
        )
    ]
    if not visits:
        return NotNow("skipped", "no visit of the series is still to come")
    policy = policy_of(clinic).for_protocol(series.protocol.key)
    letter = _letter(series.patient, clinic, row, sender)
    message = confirmation_email(
        letter,
        series.patient.email or "",
        visits,
        series.protocol.instructions,
        policy.confirmation_line,
        row.payload.get("feed_url"),
    )
    return Outgoing(email=message)


def _board(uow: UnitOfWork, row: orm.Reminder, sender: str) -> Outgoing:
    clinic = uow.session.get(orm.Clinic, row.clinic_id)
    chairs = {c.id: c.name for c in uow.session.scalars(select(orm.Chair).where(orm.Chair.clinic_id == clinic.id))}
    day = date.fromisoformat(row.payload["day"])
    rows = [{**r, "chair_name": chairs.get(r["chair_id"], "")} for r in day_board(uow, clinic.id, day)]
    letter = Letter("front desk", clinic.name, clinic.address, sender, message_id(row.dedupe_key, sender))
    return Outgoing(email=board_email(letter, row.payload["to"], day, rows))


def _letter(patient: orm.Patient, clinic: orm.Clinic, row: orm.Reminder, sender: str) -> Letter:
    return Letter(patient.given_name, clinic.name, clinic.address, sender, message_id(row.dedupe_key, sender))


def _visit(row: orm.Appointment, clinic: orm.Clinic, now: datetime) -> Visit:
    zone = parse_zone(clinic.timezone)
    protocol = row.series.protocol
    finite = to_domain(protocol).finite_sessions
    number = f"session {row.index} of {finite}" if row.index <= finite else f"maintenance visit {row.index - finite}"
    what = protocol.name if clinic.feed_shows_protocol else "Appointment"
    start = row.start_at.astimezone(zone)
    return Visit(start, row.end_at.astimezone(zone), what, number, relative_day(start, now), row.status)
