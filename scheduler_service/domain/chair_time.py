"""What a session at each free start would cost in chair time kept usable, per free chair.

Two measures, weighed alike in the planner's third criterion (planner.py): the slots the visit
strands (stranded.py) and the scarce rooms for the longest visit it takes (long_rooms.py). Only
plans weigh them: availability questions list free starts and never pay for this.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from .long_rooms import charged, day_rooms, rooms_taken
from .occupancy import epoch
from .stranded import stranded_slots

if TYPE_CHECKING:
    from .planning_context import PlanningContext

ChairCosts = tuple[tuple[int, int], ...]  # per free chair of a start: (stranded slots, long-visit rooms charged)


def day_costs(ctx: PlanningContext, day: date) -> tuple[ChairCosts, ...]:
    """Per free start of `day` (in the order of ctx.options), per free chair: (stranded, rooms charged)."""
    options = ctx.options(day)
    if not options:
        return ()
    load = ctx.occupancy.on(day)
    slot, turnover, visit = ctx.calendar.slot_minutes * 60, ctx.turnover_seconds, ctx.visit_seconds
    stretches = [(epoch(opens), epoch(closes)) for opens, closes in ctx.calendar.open_intervals(day)]
    rooms_left = {s: day_rooms(load, ctx.chairs, s, turnover, slot, ctx.longest) for s in stretches}
    costs = []
    for option in options:
        span = (option.start, option.start + visit)
        stretch = next(s for s in stretches if s[0] <= span[0] and span[1] <= s[1])
        costs.append(
            tuple(
                (
                    stranded_slots(load, c, span, stretch, turnover, slot, ctx.hold_slots[c]),
                    charged(rooms_taken(load, c, span, stretch, turnover, slot, ctx.longest[c]), rooms_left[stretch]),
                )
                for c in option.chairs
            )
        )
    return tuple(costs)
