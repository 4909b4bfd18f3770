"""The front desk's daily e-mail: the board of the clinic's next open day, queued once per clinic and day."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from ..adapters import orm
from ..domain.clinic import parse_zone
from .calendar import load_calendar
from .outbox import policy_of, queue_board
from .unit_of_work import UnitOfWork

LOOK_AHEAD = timedelta(days=14)  # the longest closure the "next open day" looks past (Christmas to New Year)


def queue_boards(uow: UnitOfWork, now: datetime) -> list[int]:
    """For each clinic whose `board_send_at` has passed today (its own time), queue the next open day's board.

    Run as often as you like: a clinic's board for a given day is queued once. Returns the clinics queued.
    """
    queued = []
    for clinic in uow.session.scalars(select(orm.Clinic).order_by(orm.Clinic.id)):
        policy = policy_of(clinic)
        local = now.astimezone(parse_zone(clinic.timezone))
        if policy.front_desk_email is None or local.time() < policy.board_send_at:
            continue
        day = next_open_day(uow, clinic.id, local.date())
        if day is not None and queue_board(uow, clinic.id, day, policy.front_desk_email, now):
            queued.append(clinic.id)
    uow.commit()
    return queued


def next_open_day(uow: UnitOfWork, clinic_id: int, today: date) -> date | None:
    """The first day after `today` the clinic opens (Friday's board is Monday's, after a holiday the next)."""
    first, last = today + timedelta(days=1), today + LOOK_AHEAD
    calendar = load_calendar(uow, clinic_id, first, last)
    return next((day for day in calendar.days(first, last) if calendar.closed_reason(day) is None), None)
