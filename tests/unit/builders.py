"""Tiny builders for clinics, protocols, bookings and planning questions, so tests read as sentences."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduler_service.domain.builtin_protocols import BUILTIN_PROTOCOLS
from scheduler_service.domain.clinic import (
    DEFAULT_OPENING_HOURS,
    Chair,
    ClinicCalendar,
    Closure,
    OpeningHours,
    Staffing,
)
from scheduler_service.domain.occupancy import Booking, Occupancy
from scheduler_service.domain.patients import Preferences
from scheduler_service.domain.planning_context import PlanningContext
from scheduler_service.domain.protocols import Phase, Protocol, Spacing, Visit

CHICAGO = ZoneInfo("America/Chicago")
WEEKDAYS_OPEN = ("mon", "tue", "wed", "thu", "fri")


def chair(chair_id: int, *tags: str) -> Chair:
    return Chair(chair_id, f"Chair {chair_id}", frozenset(tags))


def clinic(
    *,
    zone: ZoneInfo = CHICAGO,
    hours: dict | None = None,
    chairs: tuple[Chair, ...] | None = None,
    nurses: dict | int = 2,
    patients_per_nurse: int = 3,
    starts_per_nurse_per_slot: int = 1,
    slot_minutes: int = 15,
    turnover_minutes: int = 15,
    holidays: dict[date, str] | None = None,
    closures: tuple[Closure, ...] = (),
) -> ClinicCalendar:
    """The reference clinic (Mon–Fri 8–17 in Chicago, 4 chairs tagged iv and spravato) unless told otherwise."""
    opening = OpeningHours.parse(hours if hours is not None else DEFAULT_OPENING_HOURS)
    if isinstance(nurses, int):
        nurses = {day: nurses for day in WEEKDAYS_OPEN}
    return ClinicCalendar(
        zone=zone,
        hours=opening,
        chairs=chairs if chairs is not None else tuple(chair(i, "iv", "spravato") for i in range(1, 5)),
        staffing=Staffing.parse(nurses, patients_per_nurse, starts_per_nurse_per_slot, hours=opening),
        slot_minutes=slot_minutes,
        turnover_minutes=turnover_minutes,
        holidays=holidays or {},
        closures=closures,
    )


def closed(
    first: date, last: date | None = None, reason: str = "closed", hours: tuple[str, str] | None = None
) -> Closure:
    start, end = hours if hours else (None, None)
    return Closure.build(first, last, start, end, reason)


def builtin(key: str) -> Protocol:
    return next(p for p in BUILTIN_PROTOCOLS if p.key == key)


def gap(min_days: int, target: int, max_days: int, unit: str = "days") -> Spacing:
    return Spacing(min_days, target, max_days, unit)


def protocol(*phases: Phase, minutes: int = 60, tags: tuple[str, ...] = ("iv",), uses_nurse: bool = True) -> Protocol:
    return Protocol(
        key="test-protocol",
        name="Test protocol",
        visit=Visit(0, minutes, 0),
        phases=phases,
        required_tags=frozenset(tags),
        uses_nurse=uses_nurse,
    )


def phase(name: str, sessions: int | None, spacing: Spacing, window_days: int | None = None) -> Phase:
    return Phase(name, sessions, spacing, window_days)


def at(when: str, zone: ZoneInfo = CHICAGO) -> datetime:
    """'2026-11-23 09:00' as an aware datetime in `zone`."""
    return datetime.combine(date.fromisoformat(when[:10]), time.fromisoformat(when[11:]), tzinfo=zone)


def booking(chair_id: int, start: datetime, minutes: int, uses_nurse: bool = True) -> Booking:
    return Booking(chair_id, start, start + timedelta(minutes=minutes), uses_nurse)


def prefers(*weekdays: str, earliest: str | None = None, latest: str | None = None) -> Preferences:
    raw: dict[str, object] = {}
    if weekdays:
        raw["weekdays"] = list(weekdays)
    if earliest:
        raw["earliest_start"] = earliest
    if latest:
        raw["latest_start"] = latest
    return Preferences.parse(raw)


def context(
    calendar: ClinicCalendar,
    treatment: Protocol,
    *,
    bookings: list[Booking] | tuple[Booking, ...] = (),
    now: datetime | None = None,
    preferences: Preferences | None = None,
) -> PlanningContext:
    now = now or datetime(2026, 1, 5, 7, 0, tzinfo=calendar.zone)
    return PlanningContext(calendar, treatment, Occupancy(calendar, bookings), now, preferences)


def local_times(sessions) -> list[str]:  # type: ignore[no-untyped-def]
    """'Mon 11-23 09:00' per session: what a front desk reads."""
    return [s.start.strftime("%a %m-%d %H:%M") for s in sessions]


def beside_visit(ctx: PlanningContext, when: datetime, chair_id: int, measure, extra):  # type: ignore[no-untyped-def]
    """`measure(day load, chair, visit span, opening stretch, turnover, slot, extra)` for a visit at `when`."""
    day = when.date()
    (opens, closes) = ctx.calendar.open_intervals(day)[0]
    start = int(when.timestamp())
    span, stretch = (start, start + ctx.visit_seconds), (int(opens.timestamp()), int(closes.timestamp()))
    return measure(
        ctx.occupancy.on(day), chair_id, span, stretch, ctx.turnover_seconds, ctx.calendar.slot_minutes * 60, extra
    )
