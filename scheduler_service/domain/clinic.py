"""The clinic as the planner sees it: zone, opening hours, closures, chairs and staffing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from .errors import InvalidValue
from .timewindows import WEEKDAYS, TimeWindow, format_clock, parse_clock, parse_windows, weekday_index

MAX_NURSES = 100
DEFAULT_OPENING_HOURS: dict[str, list[list[str]]] = {
    **{day: [["08:00", "17:00"]] for day in WEEKDAYS[:5]},
    "sat": [],
    "sun": [],
}


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    """Region zones only: legacy names such as EST or Etc/GMT+6 ignore daylight saving time."""
    zones = {z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))}
    return frozenset(zones | {"UTC"})


def parse_zone(name: object, field: str = "timezone") -> ZoneInfo:
    """Return the IANA zone called `name`; abbreviations and offsets are refused."""
    if not isinstance(name, str) or name not in _known_zones():
        raise InvalidValue(field, f"{name!r} is not an IANA time zone such as 'America/Chicago'")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # pragma: no cover - listed zones load
        raise InvalidValue(field, f"{name!r} cannot be loaded") from None


@dataclass(frozen=True)
class OpeningHours:
    """Opening windows per weekday (index 0 = Monday); a day may have several, e.g. a lunch break."""

    by_weekday: tuple[tuple[TimeWindow, ...], ...]

    @classmethod
    def parse(cls, raw: object, field: str = "opening_hours") -> OpeningHours:
        if not isinstance(raw, Mapping):
            raise InvalidValue(field, 'must map weekdays to windows, e.g. {"mon": [["08:00", "17:00"]]}')
        days: list[tuple[TimeWindow, ...]] = [() for _ in WEEKDAYS]
        for name, pairs in raw.items():
            days[weekday_index(name, f"{field}.{name}")] = parse_windows(pairs, f"{field}.{name}")
        return cls(tuple(days))

    def windows_on(self, day: date) -> tuple[TimeWindow, ...]:
        return self.by_weekday[day.weekday()]

    def to_dict(self) -> dict[str, list[list[str]]]:
        return {name: [w.to_pair() for w in windows] for name, windows in zip(WEEKDAYS, self.by_weekday, strict=True)}


@dataclass(frozen=True)
class Closure:
    """The clinic is shut from start_date to end_date (inclusive), all day or for a part of each day."""

    start_date: date
    end_date: date
    window: TimeWindow | None = None
    reason: str = ""

    @classmethod
    def build(
        cls,
        start_date: date,
        end_date: date | None = None,
        start_time: str | time | None = None,
        end_time: str | time | None = None,
        reason: str = "",
    ) -> Closure:
        end_date = end_date or start_date
        if end_date < start_date:
            raise InvalidValue("end_date", f"{end_date.isoformat()} is before date {start_date.isoformat()}")
        if (start_time is None) != (end_time is None):
            missing = "end_time" if end_time is None else "start_time"
            raise InvalidValue(missing, "a part-day closure needs both start_time and end_time")
        window = None
        if start_time is not None and end_time is not None:
            start, end = parse_clock(start_time, "start_time"), parse_clock(end_time, "end_time")
            if end <= start:
                raise InvalidValue("end_time", f"{format_clock(end)} is not after start_time {format_clock(start)}")
            window = TimeWindow(start, end)
        return cls(start_date, end_date, window, reason)

    def covers(self, day: date) -> bool:
        return self.start_date <= day <= self.end_date


@dataclass(frozen=True)
class NurseBlock:
    """`nurses` are on duty from start to end on one weekday."""

    weekday: int
    window: TimeWindow
    nurses: int


@dataclass(frozen=True)
class Staffing:
    """Who can start and monitor patients: nurses on duty, patients per nurse, starts per nurse per slot."""

    blocks: tuple[NurseBlock, ...]
    patients_per_nurse: int = 3
    starts_per_nurse_per_slot: int = 1

    @classmethod
    def parse(
        cls,
        nurses: object,
        patients_per_nurse: int = 3,
        starts_per_nurse_per_slot: int = 1,
        hours: OpeningHours | None = None,
    ) -> Staffing:
        """Parse `{"mon": 2, ...}` (all opening hours) or `{"mon": [{"start", "end", "nurses"}], ...}`."""
        if patients_per_nurse < 1:
            raise InvalidValue("patients_per_nurse", "must be at least 1")
        if starts_per_nurse_per_slot < 1:
            raise InvalidValue("starts_per_nurse_per_slot", "must be at least 1")
        if not isinstance(nurses, Mapping):
            raise InvalidValue("nurses", 'must map weekdays to a number of nurses, e.g. {"mon": 2}')
        whole_day = (TimeWindow(time(0, 0), time(23, 59)),)
        blocks: list[NurseBlock] = []
        for name, value in nurses.items():
            where = f"nurses.{name}"
            day = weekday_index(name, where)
            if isinstance(value, bool) or not isinstance(value, (int, list)):
                raise InvalidValue(where, "must be a number of nurses or a list of time blocks")
            if isinstance(value, int):
                if not 0 <= value <= MAX_NURSES:
                    raise InvalidValue(where, f"must be a whole number from 0 to {MAX_NURSES}")
                windows = hours.by_weekday[day] if hours else whole_day
                blocks.extend(NurseBlock(day, w, value) for w in windows if value)
                continue
            blocks.extend(_parse_blocks(day, value, where))
        return cls(
            tuple(sorted(blocks, key=lambda b: (b.weekday, b.window))), patients_per_nurse, starts_per_nurse_per_slot
        )

    def nurses_at(self, weekday: int, moment: time) -> int:
        return sum(b.nurses for b in self.blocks if b.weekday == weekday and b.window.start <= moment < b.window.end)

    def to_dict(self) -> dict[str, list[dict[str, object]]]:
        out: dict[str, list[dict[str, object]]] = {name: [] for name in WEEKDAYS}
        for b in self.blocks:
            out[WEEKDAYS[b.weekday]].append(
                {"start": format_clock(b.window.start), "end": format_clock(b.window.end), "nurses": b.nurses}
            )
        return out


def _parse_blocks(day: int, raw_blocks: list[object], where: str) -> list[NurseBlock]:
    blocks: list[NurseBlock] = []
    for i, raw in enumerate(raw_blocks):
        at = f"{where}.{i}"
        if not isinstance(raw, Mapping) or {"start", "end", "nurses"} - set(raw):
            raise InvalidValue(at, 'must be {"start": "HH:MM", "end": "HH:MM", "nurses": n}')
        for extra in sorted(set(raw) - {"start", "end", "nurses"}):
            raise InvalidValue(f"{at}.{extra}", "is not part of a nurse block (start, end, nurses)")
        window = TimeWindow.parse([raw["start"], raw["end"]], at)
        count = raw["nurses"]
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_NURSES:
            raise InvalidValue(f"{at}.nurses", f"must be a whole number from 0 to {MAX_NURSES}")
        if any(b.window.overlaps(window) for b in blocks):
            raise InvalidValue(at, "overlaps another block of the same day")
        blocks.append(NurseBlock(day, window, count))
    return [b for b in blocks if b.nurses]


@dataclass(frozen=True)
class Chair:
    """A treatment place (an infusion chair, or a consult room tagged `consult`)."""

    id: int
    name: str
    tags: frozenset[str] = frozenset()

    def suits(self, required: frozenset[str]) -> bool:
        return required <= self.tags


@dataclass(frozen=True)
class ClinicCalendar:
    """Everything about a clinic that decides when a visit may take place."""

    zone: ZoneInfo
    hours: OpeningHours
    chairs: tuple[Chair, ...]
    staffing: Staffing
    slot_minutes: int = 15
    turnover_minutes: int = 15
    holidays: Mapping[date, str] = field(default_factory=dict)
    closures: tuple[Closure, ...] = ()

    def closed_reason(self, day: date) -> str | None:
        """Why the whole of `day` is closed, or None when some of it is open."""
        if day in self.holidays:
            return self.holidays[day]
        if not self.hours.windows_on(day):
            return f"closed on {WEEKDAYS[day.weekday()].capitalize()}"
        for closure in self.closures:
            if closure.covers(day) and closure.window is None:
                return closure.reason or "closed"
        return None

    def open_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The aware [start, end) stretches of `day` when the clinic is open, closures removed."""
        if self.closed_reason(day) is not None:
            return []
        cuts = [c.window for c in self.closures if c.covers(day) and c.window is not None]
        intervals: list[tuple[datetime, datetime]] = []
        for window in self.hours.windows_on(day):
            for start, end in _subtract(window, cuts):
                intervals.append((self.local(day, start), self.local(day, end)))
        return intervals

    def local(self, day: date, moment: time) -> datetime:
        """The aware instant of a wall-clock time on a clinic day (DST gaps resolve forward)."""
        return datetime.combine(day, moment, tzinfo=self.zone)

    def days(self, first: date, last: date) -> list[date]:
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _subtract(window: TimeWindow, cuts: list[TimeWindow | None]) -> list[tuple[time, time]]:
    pieces = [(window.start, window.end)]
    for cut in cuts:
        if cut is None:
            continue
        next_pieces = []
        for start, end in pieces:
            if cut.end <= start or cut.start >= end:
                next_pieces.append((start, end))
                continue
            if start < cut.start:
                next_pieces.append((start, cut.start))
            if cut.end < end:
                next_pieces.append((cut.end, end))
        pieces = next_pieces
    return pieces


def parse_tags(raw: object, field: str = "tags") -> frozenset[str]:
    """Tags are short lowercase words such as `iv`, `spravato`, `consult`."""
    if not isinstance(raw, (list, tuple, set, frozenset)):
        raise InvalidValue(field, "must be a list of words")
    tags = set()
    for i, tag in enumerate(raw):
        if not isinstance(tag, str) or not tag.strip() or len(tag) > 32:
            raise InvalidValue(f"{field}.{i}", "must be a word of 1 to 32 characters")
        tags.add(tag.strip().lower())
    return frozenset(tags)
