"""Weekdays and local time-of-day windows, parsed and validated once at the edge of the domain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from itertools import pairwise

from .errors import InvalidValue

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def weekday_index(name: str, field: str) -> int:
    """Return 0 for "mon" .. 6 for "sun"; reject anything else naming `field`."""
    try:
        return WEEKDAYS.index(name)
    except ValueError:
        raise InvalidValue(field, f"unknown weekday {name!r}; use one of {', '.join(WEEKDAYS)}") from None


def parse_clock(value: str | time, field: str) -> time:
    """Parse "HH:MM" (24 h) into a time; "24:00" is refused: windows end at 23:59 at the latest."""
    if isinstance(value, time):
        return value
    if not isinstance(value, str):
        raise InvalidValue(field, "must be a time written HH:MM")
    parts = value.split(":")
    if len(parts) != 2 or not all(p.isdigit() and len(p) == 2 for p in parts):
        raise InvalidValue(field, f"{value!r} is not a time written HH:MM")
    hour, minute = int(parts[0]), int(parts[1])
    if hour > 23 or minute > 59:
        raise InvalidValue(field, f"{value!r} is not a time of day")
    return time(hour, minute)


def format_clock(value: time) -> str:
    return value.strftime("%H:%M")


def minutes_of(value: time) -> int:
    """Minutes since local midnight."""
    return value.hour * 60 + value.minute


@dataclass(frozen=True, order=True)
class TimeWindow:
    """A half-open stretch [start, end) of a local day."""

    start: time
    end: time

    @classmethod
    def parse(cls, pair: object, field: str) -> TimeWindow:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise InvalidValue(field, 'must be a pair ["HH:MM", "HH:MM"]')
        start = parse_clock(pair[0], f"{field}.0")
        end = parse_clock(pair[1], f"{field}.1")
        if end <= start:
            raise InvalidValue(field, f"ends at {format_clock(end)}, not after it starts at {format_clock(start)}")
        return cls(start, end)

    def to_pair(self) -> list[str]:
        return [format_clock(self.start), format_clock(self.end)]

    def overlaps(self, other: TimeWindow) -> bool:
        return self.start < other.end and other.start < self.end


def parse_windows(pairs: object, field: str) -> tuple[TimeWindow, ...]:
    """Parse a day's list of windows; they must not overlap (touching is fine)."""
    if not isinstance(pairs, (list, tuple)):
        raise InvalidValue(field, 'must be a list of ["HH:MM", "HH:MM"] pairs')
    windows = sorted(TimeWindow.parse(pair, f"{field}.{i}") for i, pair in enumerate(pairs))
    for earlier, later in pairwise(windows):
        if earlier.overlaps(later):
            raise InvalidValue(
                field,
                f"windows {'-'.join(earlier.to_pair())} and {'-'.join(later.to_pair())} overlap",
            )
    return tuple(windows)
