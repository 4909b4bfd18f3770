"""The day board as the front desk sees it: chairs × 15-minute rows, the visits on them, nurse load per row."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from ..adapters import orm
from ..domain.clinic import parse_zone
from ..domain.timewindows import minutes_of
from .board import day_board
from .calendar import load_calendar
from .unit_of_work import UnitOfWork

ROW_MINUTES = 15
HOLDING = ("booked", "checked_in", "completed")


@dataclass
class Row:
    at: time
    label: str
    monitored: int = 0  # visits under a nurse's watch in this quarter hour
    capacity: int = 0  # nurses on duty × patients each may watch
    is_now: bool = False

    @property
    def over(self) -> bool:
        return self.monitored > self.capacity


@dataclass
class DayView:
    clinic: dict[str, Any]
    clinics: list[dict[str, Any]]
    day: date
    chairs: list[dict[str, Any]]
    rows: list[Row]
    visits: list[dict[str, Any]] = field(default_factory=list)  # each with its chair column and row span
    closed_reason: str | None = None

    @property
    def previous_day(self) -> date:
        return self.day - timedelta(days=1)

    @property
    def next_day(self) -> date:
        return self.day + timedelta(days=1)


def day_view(uow: UnitOfWork, clinic_id: int | None, day: date | None, now: datetime) -> DayView | None:
    """The board of one clinic day (the first clinic and today by default); None when no clinic exists yet."""
    clinics = [{"id": c.id, "name": c.name} for c in uow.session.scalars(select(orm.Clinic).order_by(orm.Clinic.id))]
    if not clinics:
        return None
    clinic = uow.get(orm.Clinic, clinic_id or clinics[0]["id"], "clinic")
    local_now = now.astimezone(parse_zone(clinic.timezone))
    day = day or local_now.date()
    calendar = load_calendar(uow, clinic.id, day, day)
    chairs = [{"id": c.id, "name": c.name, "tags": sorted(c.tags)} for c in calendar.chairs]
    visits = day_board(uow, clinic.id, day)
    first, last = _span(calendar.hours.windows_on(day), visits)
    rows = []
    for minute in range(first, last, ROW_MINUTES):
        at = time(minute // 60, minute % 60)
        rows.append(Row(at, at.strftime("%H:%M"), capacity=_capacity(calendar, day, at)))
    columns = {chair["id"]: n for n, chair in enumerate(chairs)}
    for visit in visits:
        start, end = visit["start"], visit["end"]
        begin = (minutes_of(start.time()) - first) // ROW_MINUTES
        span = max(1, -(-(minutes_of(end.time()) - minutes_of(start.time())) // ROW_MINUTES))
        visit.update(row=begin + 1, span=span, column=columns.get(visit["chair_id"], 0) + 1)
        if visit["status"] in HOLDING and visit.get("uses_nurse", True):
            for row in rows[max(0, begin) : begin + span]:
                row.monitored += 1
    if day == local_now.date():
        for row in rows:
            row.is_now = minutes_of(row.at) <= minutes_of(local_now.time()) < minutes_of(row.at) + ROW_MINUTES
    summary = {"id": clinic.id, "name": clinic.name, "timezone": clinic.timezone}
    return DayView(summary, clinics, day, chairs, rows, visits, calendar.closed_reason(day))


def _span(windows: tuple[Any, ...], visits: list[dict[str, Any]]) -> tuple[int, int]:
    """From the first opening (or visit) to the last closing (or visit end), on quarter hours; 8-17 when closed."""
    starts = [minutes_of(w.start) for w in windows] + [minutes_of(v["start"].time()) for v in visits]
    ends = [minutes_of(w.end) for w in windows] + [minutes_of(v["end"].time()) for v in visits]
    first = min(starts, default=8 * 60) // ROW_MINUTES * ROW_MINUTES
    last = -(-max(ends, default=17 * 60) // ROW_MINUTES) * ROW_MINUTES
    return first, last


def _capacity(calendar: Any, day: date, at: time) -> int:
    if not any(w.start <= at < w.end for w in calendar.hours.windows_on(day)):
        return 0
    return calendar.staffing.nurses_at(day.weekday(), at) * calendar.staffing.patients_per_nurse
