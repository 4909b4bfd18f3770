"""Stranded chair time: the free slots beside a visit that no treatment of the clinic could ever fill.

A visit placed in a free stretch of a chair splits it into a piece before and a piece after. Slots
of those pieces that no mix of the clinic's visits (each held for visit + turnover, rounded up to
the slot grid) can fill are lost for good: the chair sits idle while patients wait. Booking one
request at a time, "put the visit where it strands the fewest slots" is what keeps room for the
visits still to come, the 5-hour pain infusions above all (see benchmarks/README.md).

Pieces are counted in whole slots of free time, rounded down: a piece that begins off the grid
(after a 100-minute visit and its turnover) can only be used from its next slot on. That is exact
when the piece ends on the grid, as it does at every booked start and at closing time.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from .occupancy import DayLoad
from .protocols import Protocol


def hold_slots(protocols: Iterable[Protocol], turnover_minutes: int, slot_minutes: int) -> tuple[int, ...]:
    """Slots each visit holds a chair for (visit + turnover, rounded up to the grid), distinct, ascending."""
    return tuple(sorted({-(-(p.visit.total_minutes + turnover_minutes) // slot_minutes) for p in protocols}))


@lru_cache(maxsize=4096)
def unfillable(slots: int, sizes: tuple[int, ...]) -> int:
    """Slots of a free piece `slots` long that no mix of holds of `sizes` slots can fill."""
    filled = [0] * (slots + 1)
    for n in range(1, slots + 1):
        filled[n] = max([filled[n - 1]] + [filled[n - k] + k for k in sizes if k <= n])
    return slots - filled[slots]


def stranded_slots(
    load: DayLoad,
    chair_id: int,
    visit: tuple[int, int],
    stretch: tuple[int, int],
    turnover: int,
    slot: int,
    sizes: tuple[int, ...],
) -> int:
    """Slots a visit [start, end) on a free chair strands before and after it, inside its opening stretch.

    Seconds throughout; `stretch` is the opening stretch holding the visit.
    """
    (start, end) = visit
    free_from, free_to = free_piece(load, chair_id, start, stretch, turnover)
    return unfillable((start - free_from) // slot, sizes) + unfillable((free_to - end - turnover) // slot, sizes)


def free_piece(load: DayLoad, chair_id: int, start: int, stretch: tuple[int, int], turnover: int) -> tuple[int, int]:
    """The free stretch of a chair free at `start`, inside its opening stretch: from the end of the hold before
    (or the opening) to the next visit (or closing time + turnover: the day's last visit still has its turnover)."""
    opens, closes = stretch
    before, after = load.neighbours(chair_id, start)
    free_from = opens if before is None else max(before, opens)
    free_to = closes + turnover if after is None else min(after, closes + turnover)
    return free_from, free_to
