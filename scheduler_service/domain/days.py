"""The span of calendar days the service accepts: wide enough for any birth date or booking, narrow
enough that a day ± a year, or a local time moved to UTC, never leaves Python's year 1..9999."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo

from .errors import InvalidValue

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)


def in_range(day: date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def check_day(day: date, field: str) -> date:
    """Return `day`, or refuse it naming `field` when it lies outside FIRST_DAY..LAST_DAY."""
    if not in_range(day):
        raise InvalidValue(field, out_of_range(day))
    return day


def out_of_range(day: date) -> str:
    return f"{day.isoformat()} is outside {FIRST_DAY.isoformat()}..{LAST_DAY.isoformat()}"


def wall_time(day: date, at: time, zone: tzinfo, field: str) -> datetime:
    """The instant a clock on the wall in `zone` shows `at` on `day`; refused, naming `field`, when the
    clocks skip that time (spring forward) or show it twice (fall back): a typed time must mean one instant."""
    check_day(day, field)
    naive = datetime.combine(day, at)
    earlier, later = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
    if earlier.utcoffset() == later.utcoffset():
        return earlier
    shown = f"{at.strftime('%H:%M')} on {day.isoformat()}"
    if earlier.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise InvalidValue(field, f"{shown} does not exist in {zone}: the clocks skip it (daylight saving time)")
    raise InvalidValue(field, f"{shown} happens twice in {zone} (daylight saving time ends); choose another time")
