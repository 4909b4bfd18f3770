"""What the planner must respect about a patient: preferred weekdays and start times."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time

from .errors import InvalidValue
from .timewindows import WEEKDAYS, format_clock, parse_clock, weekday_index

REMINDER_CHANNELS = ("email", "sms")


@dataclass(frozen=True)
class Preferences:
    """Empty preferences allow every open day and time."""

    weekdays: frozenset[int] = frozenset(range(7))
    earliest_start: time | None = None
    latest_start: time | None = None

    @classmethod
    def parse(cls, raw: Mapping[str, object] | None, field: str = "preferences") -> Preferences:
        raw = raw or {}
        unknown = set(raw) - {"weekdays", "earliest_start", "latest_start"}
        if unknown:
            raise InvalidValue(f"{field}.{sorted(unknown)[0]}", "is not a preference")
        days = raw.get("weekdays")
        weekdays = frozenset(range(7))
        if days is not None:
            if not isinstance(days, list) or not days:
                raise InvalidValue(f"{field}.weekdays", 'must be a non-empty list such as ["tue", "thu"]')
            weekdays = frozenset(weekday_index(d, f"{field}.weekdays.{i}") for i, d in enumerate(days))
        earliest = _optional_clock(raw.get("earliest_start"), f"{field}.earliest_start")
        latest = _optional_clock(raw.get("latest_start"), f"{field}.latest_start")
        if earliest and latest and latest < earliest:
            raise InvalidValue(f"{field}.latest_start", f"{format_clock(latest)} is before earliest_start")
        return cls(weekdays, earliest, latest)

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {}
        if self.weekdays != frozenset(range(7)):
            out["weekdays"] = [WEEKDAYS[d] for d in sorted(self.weekdays)]
        if self.earliest_start:
            out["earliest_start"] = format_clock(self.earliest_start)
        if self.latest_start:
            out["latest_start"] = format_clock(self.latest_start)
        return out

    def allows(self, weekday: int, start: time) -> bool:
        if weekday not in self.weekdays:
            return False
        if self.earliest_start and start < self.earliest_start:
            return False
        return not (self.latest_start and start > self.latest_start)


def _optional_clock(value: object, field: str) -> time | None:
    return None if value is None else parse_clock(value, field)  # type: ignore[arg-type]


def validate_channels(channels: list[str], email: str | None, phone: str | None) -> list[str]:
    """Channels the patient consented to; each needs its contact detail."""
    for i, channel in enumerate(channels):
        if channel not in REMINDER_CHANNELS:
            raise InvalidValue(f"reminder_channels.{i}", f"{channel!r} is not one of {', '.join(REMINDER_CHANNELS)}")
    if "email" in channels and not email:
        raise InvalidValue("reminder_channels", "e-mail reminders need the patient's email")
    if "sms" in channels and not phone:
        raise InvalidValue("reminder_channels", "SMS reminders need the patient's phone")
    return sorted(set(channels))
