"""What is already booked, indexed per local clinic day so a question about a day reads only that day.

Building the index is one pass over the bookings (a dict append each); the sorted arrays a day's
capacity questions need are built the first time that day is asked about, then kept. A plan
therefore costs in proportion to the bookings on the days it looks at, not the whole calendar.
All instants are integer epoch seconds inside: comparing aware datetimes that share a tzinfo
compares wall clocks, which is wrong across a DST change.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import accumulate

from .clinic import ClinicCalendar
from .errors import InvalidValue

_ONE_SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class Booking:
    """A visit already in the calendar: it holds `chair_id` from start to end, then its turnover."""

    chair_id: int
    start: datetime
    end: datetime
    uses_nurse: bool = True

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise InvalidValue("booking", "start and end must be timezone-aware")
        if self.end <= self.start:
            raise InvalidValue("booking", f"ends at {self.end.isoformat()}, not after its start")


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


class DayLoad:
    """One local day's bookings as sorted arrays, ready for chair, nurse and load questions."""

    def __init__(self, calendar: ClinicCalendar, day: date, bookings: list[Booking]) -> None:
        turnover = calendar.turnover_minutes * 60
        spans = sorted(((epoch(b.start), epoch(b.end), b) for b in bookings), key=lambda span: span[:2])
        per_chair: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for start, end, booking in spans:
            per_chair[booking.chair_id].append((start, end + turnover))
        # Per chair: starts ascending and the running maximum of (end + turnover), so "is anything
        # on this chair still busy at t among the visits that began before u" is one bisect.
        self._held = per_chair
        self._chair_starts = {c: [s for s, _ in held] for c, held in per_chair.items()}
        self._chair_reach = {c: list(accumulate((e for _, e in held), max)) for c, held in per_chair.items()}
        self.starts = [s for s, _, _ in spans]
        self.ends = sorted(e for _, e, _ in spans)
        self.starts_per_slot: dict[int, int] = defaultdict(int)
        nursing: list[tuple[int, int]] = []
        for start, end, booking in spans:
            if not booking.uses_nurse:
                continue
            nursing += [(start, -1), (end, +1)]
            local = booking.start.astimezone(calendar.zone)
            if local.date() == day:
                minute = local.hour * 60 + local.minute
                self.starts_per_slot[minute // calendar.slot_minutes] += 1
        for block in calendar.staffing.blocks:
            if block.weekday == day.weekday():
                room = block.nurses * calendar.staffing.patients_per_nurse
                nursing += [(epoch(calendar.local(day, block.window.start)), +room)]
                nursing += [(epoch(calendar.local(day, block.window.end)), -room)]
        self._edges, self._headroom = _step_function(nursing)

    def chair_free(self, chair_id: int, start: int, end: int, turnover: int) -> bool:
        """True when a visit [start, end) plus turnover overlaps no visit-plus-turnover on the chair."""
        starts = self._chair_starts.get(chair_id)
        if not starts:
            return True
        before = bisect_left(starts, end + turnover)
        return before == 0 or self._chair_reach[chair_id][before - 1] <= start

    def neighbours(self, chair_id: int, start: int) -> tuple[int | None, int | None]:
        """On a chair free at `start`: when the hold (visit + turnover) before it ends, and the next visit starts.

        None where there is no visit before or after on this local day's list.
        """
        starts = self._chair_starts.get(chair_id)
        if not starts:
            return None, None
        i = bisect_left(starts, start)
        return (self._chair_reach[chair_id][i - 1] if i else None), (starts[i] if i < len(starts) else None)

    def free_pieces(self, chair_id: int, opens: int, until: int) -> Iterator[tuple[int, int]]:
        """The free stretches of a chair between `opens` and `until`: the gaps between its holds."""
        free_from = opens
        for start, reach in zip(self._chair_starts.get(chair_id, ()), self._chair_reach.get(chair_id, ()), strict=True):
            if start >= until:
                break
            if start > free_from:
                yield free_from, start
            free_from = max(free_from, reach)
        if until > free_from:
            yield free_from, until

    def held_seconds(self, chair_ids: Iterable[int], stretches: list[tuple[int, int]]) -> int:
        """Seconds of the stretches that visits (with their turnover) hold on the chairs, overlaps counted once."""
        held = 0
        for c in chair_ids:
            counted_until = 0  # holds come in start order: count each only past what earlier ones covered
            for start, end in self._held.get(c, ()):
                begin = max(start, counted_until)
                held += sum(max(0, min(end, closes) - max(begin, opens)) for opens, closes in stretches)
                counted_until = max(counted_until, end)
        return held

    def least_headroom(self, start: int, end: int) -> int:
        """Fewest extra patients the nurses on duty could monitor at any moment of [start, end)."""
        edges, headroom = self._edges, self._headroom
        j = bisect_right(edges, start) - 1
        least = headroom[j] if j >= 0 else 0
        j += 1
        while j < len(edges) and edges[j] < end:
            least = min(least, headroom[j])
            j += 1
        return least

    def overlapping(self, start: int, end: int) -> int:
        """How many booked visits are in a chair at some moment of [start, end)."""
        return bisect_left(self.starts, end) - bisect_right(self.ends, start)


def _step_function(changes: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """Turn (instant, delta) pairs into breakpoints and the running total from each one on."""
    edges: list[int] = []
    values: list[int] = []
    total = 0
    for instant, delta in sorted(changes):
        total += delta
        if edges and edges[-1] == instant:
            values[-1] = total
        else:
            edges.append(instant)
            values.append(total)
    return edges, values


class Occupancy:
    """Every booking of a clinic, grouped by the local days each one touches."""

    def __init__(
        self, calendar: ClinicCalendar, bookings: Iterable[Booking], known: tuple[date, date] | None = None
    ) -> None:
        """`known`: the first and last local day whose bookings were all loaded (None: every day's were)."""
        self.calendar = calendar
        self.known = known
        self._by_day: dict[date, list[Booking]] = defaultdict(list)
        self._days: dict[date, DayLoad] = {}
        self.count = 0
        zone = calendar.zone
        for booking in bookings:
            first = booking.start.astimezone(zone).date()
            last = (booking.end - _ONE_SECOND).astimezone(zone).date()
            self._by_day[first].append(booking)
            while first < last:  # rare: a booking running past local midnight
                first += timedelta(days=1)
                self._by_day[first].append(booking)
            self.count += 1

    def knows(self, day: date) -> bool:
        return self.known is None or self.known[0] <= day <= self.known[1]

    def on(self, day: date) -> DayLoad:
        load = self._days.get(day)
        if load is None:
            load = self._days[day] = DayLoad(self.calendar, day, self._by_day.get(day, []))
        return load
