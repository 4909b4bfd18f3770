"""What a session at each free start would cost in chair time kept usable, per free chair.

Two measures, weighed alike in the planner's third criterion (planner.py): the slots the visit
strands (stranded.py) and the scarce rooms for the longest visit it takes (long_rooms.py), which
looks at the open days around the visit's day too. Only plans weigh them: availability questions
list free starts and never pay for this.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from .long_rooms import charged, day_rooms, rooms_taken, usable_rooms
from .stranded import stranded_slots

if TYPE_CHECKING:
    from .planning_context import PlanningContext

ChairCosts = tuple[tuple[int, int], ...]  # per free chair of a start: (stranded slots, long-visit rooms charged)


WALK_DAYS = 31  # how far to look for the open days around a day (beyond, a long closure)


def day_costs(ctx: PlanningContext, day: date) -> tuple[ChairCosts, ...]:
    """Per free start of `day` (in the order of ctx.options), per free chair: (stranded, rooms charged)."""
    options = ctx.options(day)
    if not options:
        return ()
    load = ctx.occupancy.on(day)
    slot, turnover, visit = ctx.calendar.slot_minutes * 60, ctx.turnover_seconds, ctx.visit_seconds
    stretches = ctx.stretches(day)
    rooms, at = rooms_around(ctx, day)
    usable = usable_rooms(rooms, at, ctx.room_run)
    charges: dict[int, int] = {0: 0}

    def charge(taken: int) -> int:
        if taken not in charges:
            after = [*rooms[:at], rooms[at] - taken, *rooms[at + 1 :]]
            charges[taken] = charged(usable, usable_rooms(after, at, ctx.room_run))
        return charges[taken]

    costs = []
    for option in options:
        span = (option.start, option.start + visit)
        stretch = next(s for s in stretches if s[0] <= span[0] and span[1] <= s[1])
        costs.append(
            tuple(
                (
                    stranded_slots(load, c, span, stretch, turnover, slot, ctx.hold_slots[c]),
                    charge(rooms_taken(load, c, span, stretch, turnover, slot, ctx.longest[c])),
                )
                for c in option.chairs
            )
        )
    return tuple(costs)


def free_rooms(ctx: PlanningContext, day: date) -> int:
    """Rooms for each chair's longest visit left free on `day`, over its opening stretches and ctx.chairs."""
    load = ctx.occupancy.on(day)
    slot, turnover = ctx.calendar.slot_minutes * 60, ctx.turnover_seconds
    return sum(day_rooms(load, ctx.chairs, stretch, turnover, slot, ctx.longest) for stretch in ctx.stretches(day))


def rooms_around(ctx: PlanningContext, day: date) -> tuple[list[int], int]:
    """Free rooms on `day` and on up to room_run - 1 open days either side, in order, and the index of `day`.

    Only days a long course booked now could still use (from today) and whose bookings are loaded.
    """
    before = _open_days(ctx, day, -1)
    after = _open_days(ctx, day, +1)
    return [ctx.rooms(d) for d in (*reversed(before), day, *after)], len(before)


def _open_days(ctx: PlanningContext, day: date, step: int) -> list[date]:
    found: list[date] = []
    for n in range(1, WALK_DAYS + 1):
        if len(found) == ctx.room_run - 1:
            break
        other = day + timedelta(days=n * step)
        if other < ctx.today or not ctx.occupancy.knows(other):
            break
        if ctx.open_days.is_open(other):
            found.append(other)
    return found
