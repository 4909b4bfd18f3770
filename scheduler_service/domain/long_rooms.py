"""Room for the longest visit: free chair stretches long enough for it, kept while a day has few left.

A 5-hour pain infusion holds one chair for 20 slots, on five clinic days running. Short visits
spread through a day can leave plenty of free chair time and no stretch that long, and the pain
patients still to come are turned away. So a visit that breaks such a stretch costs, per room it
takes, as much as a stranded slot (stranded.py) — but only once the day would be left with fewer
than KEEP_LONG_ROOMS rooms on the chairs the visit could use; while rooms are plentiful, using one
costs nothing, and the patient's time and the load levelling decide.

A room is one place for the longest visit a chair takes (visit + turnover, rounded up to the grid):
a free stretch of n slots holds n // longest of them. A visit that is itself that long uses a room
rather than taking one away. Seconds throughout; `stretch` is the opening stretch of the visit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .occupancy import DayLoad
from .stranded import free_piece

# Rooms a day keeps for long visits before breaking one costs anything: a few courses' worth (a
# pain course takes one a day). Chosen on the quality benchmark's seeds 1-6 from 2, 4 and "always",
# then checked on seeds 7-12 (benchmarks/README.md).
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


def charged(taken: int, rooms_left_before: int) -> int:
    """What taking `taken` rooms costs on a day that had `rooms_left_before`: nothing while enough stay."""
    return taken if rooms_left_before - taken < KEEP_LONG_ROOMS else 0
