"""Room for the longest visit: free chair stretches long enough for it, kept while few long courses could still run.

A 5-hour pain infusion holds one chair for 20 slots, on five clinic days running. Short visits
spread through a day can leave plenty of free chair time and no stretch that long, and the pain
patients still to come are turned away. So a visit that breaks such a stretch can cost as much as
a stranded slot (stranded.py) — but only when it lowers how many long courses could still run
through its day, and only while that number is below KEEP_LONG_ROOMS. While rooms are
plentiful, using one costs nothing, and the patient's time and the load levelling decide.

A room is one place for the longest visit a chair takes (visit + turnover, rounded up to the grid):
a free stretch of n slots holds n // longest of them. A visit that is itself that long uses a room
rather than taking one away. A long course needs a room on each of `run` clinic days in a row
(room_run), so the long courses that could still run through a day are the most any `run` open
days in a row around it hold on their scarcest day (usable_rooms): a room on a day whose
neighbours have none serves no long course, and using it costs nothing. This is the planner's
look-ahead. Seconds throughout; `stretch` is the opening stretch of the visit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from .occupancy import DayLoad
from .protocols import Protocol
from .stranded import free_piece

# Long courses a day keeps room for before breaking a room costs anything: a few courses' worth (a
# pain course takes one room a day). Chosen on the quality benchmark's seeds 1-6 from 3, 4 and 5,
# then checked on seeds 7-18 (benchmarks/README.md).
KEEP_LONG_ROOMS = 4


def day_rooms(
    load: DayLoad, chairs: Iterable[int], stretch: tuple[int, int], turnover: int, slot: int, longest: Mapping[int, int]
) -> int:
    """Rooms for each chair's longest visit left free in an opening stretch, over the given chairs."""
    opens, closes = stretch
    return sum(
        (free_to - free_from) // slot // longest[c]
        for c in chairs
        for free_from, free_to in load.free_pieces(c, opens, closes + turnover)
    )


def rooms_taken(
    load: DayLoad,
    chair_id: int,
    visit: tuple[int, int],
    stretch: tuple[int, int],
    turnover: int,
    slot: int,
    longest: int,
) -> int:
    """Rooms for the chair's longest visit that a visit [start, end) on the free chair takes from its stretch."""
    start, end = visit
    free_from, free_to = free_piece(load, chair_id, start, stretch, turnover)
    own = -(-(end + turnover - start) // slot) >= longest

    def rooms(seconds: int) -> int:
        return seconds // slot // longest

    taken = rooms(free_to - free_from) - rooms(start - free_from) - rooms(free_to - end - turnover) - own
    return max(taken, 0)


def room_run(protocols: Iterable[Protocol]) -> int:
    """Clinic days in a row a course of the longest visit needs a room: its longest phase of daily sessions, or 1."""
    candidates = list(protocols)
    longest = max((p.visit.total_minutes for p in candidates), default=0)
    daily = [
        phase.sessions
        for p in candidates
        if p.visit.total_minutes == longest
        for phase in p.phases
        if phase.sessions and phase.spacing.max_days == 1
    ]
    return max(daily, default=1)


def usable_rooms(rooms: Sequence[int], at: int, run: int) -> int:
    """Long courses that could still run through day `at` of consecutive open days with these free rooms.

    The best window of `run` days in a row that holds day `at`, counted by its scarcest day; 0 when
    no such window fits in the days given (a long course could not run through day `at` at all).
    """
    windows = [rooms[first : first + run] for first in range(max(0, at - run + 1), at + 1) if first + run <= len(rooms)]
    return max((min(window) for window in windows), default=0)


def charged(usable_before: int, usable_after: int) -> int:
    """What a visit costs that leaves room for `usable_after` long courses instead of `usable_before`.

    Only the courses below KEEP_LONG_ROOMS count: while enough room stays, breaking one is free.
    """
    return min(usable_before, KEEP_LONG_ROOMS) - min(usable_after, KEEP_LONG_ROOMS)
