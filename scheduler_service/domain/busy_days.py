"""How full a day already is: between days that serve a course equally well, the quieter one wins.

Booking one request at a time, plans that pile onto the busiest days fill them first, and a later
course, whose sessions must land every two or three days, then finds some day of its run full and
starts late or not at all. Spread over the quieter days, the same sessions leave room on every
day. Counted in quarters of the chairs' open time, so small differences do not outweigh the
patient's habit (one change of time or chair) or a stranded slot, which the planner weighs alike
(planner.py). Measured in benchmarks/README.md.
"""

from __future__ import annotations

from .occupancy import DayLoad

QUARTERS = 4


def busy_quarters(load: DayLoad, chair_ids: tuple[int, ...], stretches: list[tuple[int, int]]) -> int:
    """Whole quarters (0-4) of the chairs' open time that bookings already hold, turnover included."""
    open_seconds = len(chair_ids) * sum(closes - opens for opens, closes in stretches)
    if not open_seconds:
        return 0
    return min(QUARTERS, QUARTERS * load.held_seconds(chair_ids, stretches) // open_seconds)
