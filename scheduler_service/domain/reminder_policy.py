"""A clinic's reminder policy: when reminders go out, on which channels, and what each one says.

Stored as the clinic's JSON and validated here. `protocol_overrides` replaces, for one protocol
(by its stable key), any of the fields that decide the messages of that protocol's visits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import time
from typing import Any

from .errors import InvalidValue
from .patients import REMINDER_CHANNELS
from .timewindows import format_clock, parse_clock

CONTENTS = ("full", "short")  # full: the preparation instructions and a confirmation line; short: when and where
LATE_BOOKING = ("send_now", "skip")
MAX_OFFSET_MINUTES = 60 * 24 * 60  # 60 days
DEFAULT_CONFIRMATION_LINE = "To cancel or change this visit, please call the clinic at least 24 hours ahead."
OVERRIDABLE = ("offsets", "channels", "quiet_hours", "late_booking", "confirmation_line")


@dataclass(frozen=True, order=True)
class Offset:
    """Send this long before the visit starts."""

    minutes_before: int
    content: str

    def to_dict(self) -> dict[str, object]:
        return {"minutes_before": self.minutes_before, "content": self.content}


@dataclass(frozen=True)
class QuietHours:
    """No SMS from `start` to `end` (patient's local time); the window may wrap past midnight."""

    start: time
    end: time

    def contains(self, moment: time) -> bool:
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    def to_dict(self) -> dict[str, str]:
        return {"start": format_clock(self.start), "end": format_clock(self.end)}


DEFAULT_OFFSETS = (Offset(48 * 60, "full"), Offset(2 * 60, "short"))
DEFAULT_QUIET = QuietHours(time(20, 0), time(8, 0))


@dataclass(frozen=True)
class ReminderPolicy:
    offsets: tuple[Offset, ...] = DEFAULT_OFFSETS
    channels: tuple[str, ...] = REMINDER_CHANNELS
    quiet_hours: QuietHours | None = DEFAULT_QUIET
    late_booking: str = "send_now"
    confirmation_line: str = DEFAULT_CONFIRMATION_LINE
    confirmation_email: bool = True
    front_desk_email: str | None = None
    board_send_at: time = time(16, 0)
    protocol_overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @classmethod
    def parse(cls, raw: Mapping[str, Any] | None, protocol_keys: set[str] | None = None) -> ReminderPolicy:
        """Validate a stored or submitted policy; missing fields take the defaults."""
        raw = raw or {}
        _only(raw, {*OVERRIDABLE, "confirmation_email", "front_desk_email", "board_send_at", "protocol_overrides"}, "")
        policy = _apply(cls(), raw, "")
        if "confirmation_email" in raw:
            policy = replace(policy, confirmation_email=_bool(raw["confirmation_email"], "confirmation_email"))
        if raw.get("front_desk_email") is not None:
            policy = replace(policy, front_desk_email=_email(raw["front_desk_email"], "front_desk_email"))
        if "board_send_at" in raw:
            policy = replace(policy, board_send_at=parse_clock(raw["board_send_at"], "board_send_at"))
        overrides = raw.get("protocol_overrides") or {}
        if not isinstance(overrides, Mapping):
            raise InvalidValue("protocol_overrides", 'must map protocol keys to overrides, e.g. {"spravato-trd": {}}')
        for key, override in overrides.items():
            where = f"protocol_overrides.{key}"
            if protocol_keys is not None and key not in protocol_keys:
                raise InvalidValue(where, "is not the key of a protocol")
            if not isinstance(override, Mapping):
                raise InvalidValue(where, "must be an object")
            _only(override, set(OVERRIDABLE), where + ".")
            _apply(policy, override, where + ".")  # validates it now, so a bad override is refused on entry
        return replace(policy, protocol_overrides={k: dict(v) for k, v in overrides.items()})

    def for_protocol(self, key: str) -> ReminderPolicy:
        """The policy with that protocol's overrides applied."""
        override = self.protocol_overrides.get(key)
        return _apply(self, override, f"protocol_overrides.{key}.") if override else self

    def to_dict(self) -> dict[str, Any]:
        return {
            "offsets": [o.to_dict() for o in self.offsets],
            "channels": list(self.channels),
            "quiet_hours": self.quiet_hours.to_dict() if self.quiet_hours else None,
            "late_booking": self.late_booking,
            "confirmation_line": self.confirmation_line,
            "confirmation_email": self.confirmation_email,
            "front_desk_email": self.front_desk_email,
            "board_send_at": format_clock(self.board_send_at),
            "protocol_overrides": {k: dict(v) for k, v in self.protocol_overrides.items()},
        }


def _apply(policy: ReminderPolicy, raw: Mapping[str, Any], prefix: str) -> ReminderPolicy:
    changes: dict[str, Any] = {}
    if "offsets" in raw:
        changes["offsets"] = _offsets(raw["offsets"], prefix + "offsets")
    if "channels" in raw:
        changes["channels"] = _channels(raw["channels"], prefix + "channels")
    if "quiet_hours" in raw:
        changes["quiet_hours"] = _quiet(raw["quiet_hours"], prefix + "quiet_hours")
    if "late_booking" in raw:
        if raw["late_booking"] not in LATE_BOOKING:
            raise InvalidValue(prefix + "late_booking", f"must be one of {', '.join(LATE_BOOKING)}")
        changes["late_booking"] = raw["late_booking"]
    if "confirmation_line" in raw:
        line = raw["confirmation_line"]
        if not isinstance(line, str) or len(line) > 500:
            raise InvalidValue(prefix + "confirmation_line", "must be a text of at most 500 characters")
        changes["confirmation_line"] = line.strip()
    return replace(policy, **changes)


def _offsets(raw: object, where: str) -> tuple[Offset, ...]:
    if not isinstance(raw, list) or len(raw) > 5:
        raise InvalidValue(where, 'must be a list of at most 5 {"minutes_before": 2880, "content": "full"}')
    offsets = []
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise InvalidValue(f"{where}.{i}", 'must be {"minutes_before": <minutes>, "content": "full" | "short"}')
        _only(item, {"minutes_before", "content"}, f"{where}.{i}.")
        minutes = item.get("minutes_before")
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 <= minutes <= MAX_OFFSET_MINUTES:
            raise InvalidValue(f"{where}.{i}.minutes_before", f"must be whole minutes from 0 to {MAX_OFFSET_MINUTES}")
        content = item.get("content", "full")
        if content not in CONTENTS:
            raise InvalidValue(f"{where}.{i}.content", f"must be one of {', '.join(CONTENTS)}")
        offsets.append(Offset(minutes, content))
    if len({o.minutes_before for o in offsets}) != len(offsets):
        raise InvalidValue(where, "two offsets have the same minutes_before")
    return tuple(sorted(offsets, reverse=True))


def _channels(raw: object, where: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or any(c not in REMINDER_CHANNELS for c in raw):
        raise InvalidValue(where, f"must be a list of {', '.join(REMINDER_CHANNELS)}")
    return tuple(sorted(set(raw)))


def _quiet(raw: object, where: str) -> QuietHours | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise InvalidValue(where, 'must be {"start": "20:00", "end": "08:00"} or null')
    _only(raw, {"start", "end"}, where + ".")
    quiet = QuietHours(parse_clock(raw.get("start"), where + ".start"), parse_clock(raw.get("end"), where + ".end"))
    if quiet.start == quiet.end:
        raise InvalidValue(where, "start and end are the same time")
    return quiet


def _only(raw: Mapping[str, Any], allowed: set[str], prefix: str) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise InvalidValue(prefix + unknown[0], "is not a setting of the reminder policy")


def _bool(raw: object, where: str) -> bool:
    if not isinstance(raw, bool):
        raise InvalidValue(where, "must be true or false")
    return raw


def _email(raw: object, where: str) -> str:
    if not isinstance(raw, str) or len(raw) > 254 or raw.count("@") != 1 or any(c.isspace() for c in raw):
        raise InvalidValue(where, "must be one e-mail address")
    return raw.strip().lower()
