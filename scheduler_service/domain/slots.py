"""Free start times for one visit: every rule that concerns a single session, checked per day.

A start is offered when the whole visit (prep + treatment + monitoring) fits one opening stretch
of the local day, it sits on the clinic's slot grid in local wall-clock time, it is not before
`now`, the patient's preferences allow it, the nurses on duty can take one more start in that
slot and one more monitored patient at every moment of the visit, and at least one chair with
the protocol's tags is free for the visit plus turnover. Visits that use no nurse (consults)
take neither a nurse's start nor monitoring capacity.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from .occupancy import DayLoad, epoch

if TYPE_CHECKING:
    from .planning_context import PlanningContext

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_MINUTES_A_DAY = 24 * 60


@dataclass(frozen=True)
class StartOption:
    """One free start on one day: epoch seconds, local minute of the day, clinic load, free chairs."""

    start: int
    minute: int
    load: int  # visits already in a chair during this visit: the levelling criterion
    chairs: tuple[int, ...]


@dataclass(frozen=True)
class FreeStart:
    start: datetime
    end: datetime
    chair_ids: tuple[int, ...]


@dataclass(frozen=True)
class DayStarts:
    """The free starts of one day; `closed` says why there are none when the clinic is shut."""

    day: date
    starts: tuple[FreeStart, ...]
    closed: str | None = None


def free_starts(ctx: PlanningContext, first: date, last: date) -> list[DayStarts]:
    """Free start times (with their free chairs) for one visit on each day from `first` to `last`."""
    zone, visit = ctx.calendar.zone, ctx.visit_seconds
    days = []
    for day in ctx.calendar.days(first, last):
        starts = tuple(
            FreeStart(datetime.fromtimestamp(o.start, zone), datetime.fromtimestamp(o.start + visit, zone), o.chairs)
            for o in ctx.options(day)
        )
        days.append(DayStarts(day, starts, ctx.calendar.closed_reason(day)))
    return days


def find_options(ctx: PlanningContext, day: date) -> tuple[StartOption, ...]:
    """Every free start of one visit on `day`, in time order."""
    calendar = ctx.calendar
    if day < ctx.today or day.weekday() not in ctx.preferences.weekdays or not ctx.chairs:
        return ()
    intervals = calendar.open_intervals(day)
    if not intervals:
        return ()
    load = ctx.occupancy.on(day)
    to_epoch = _wall_clock(calendar.zone, day)
    slot, visit, turnover = calendar.slot_minutes, ctx.visit_seconds, ctx.turnover_seconds
    found = []
    for opens, closes in intervals:
        open_ts, close_ts = epoch(opens), epoch(closes)
        first_minute = -(-(opens.hour * 60 + opens.minute) // slot) * slot  # round up onto the grid
        for minute in range(first_minute, _MINUTES_A_DAY, slot):
            start = to_epoch(minute)
            if start is None or start < open_ts:
                continue
            if start + visit > close_ts:
                break
            if not ctx.earliest_minute <= minute <= ctx.latest_minute or start < ctx.now_ts:
                continue
            if ctx.protocol.uses_nurse and not _nurses_can_take(ctx, load, day, minute, start):
                continue
            span = (start, start + visit)
            chairs = tuple(c for c in ctx.chairs if load.chair_free(c, *span, turnover))
            if chairs:
                found.append(StartOption(start, minute, load.overlapping(*span), chairs))
    return tuple(found)


def _nurses_can_take(ctx: PlanningContext, load: DayLoad, day: date, minute: int, start: int) -> bool:
    """One more start in this slot, and one more monitored patient throughout the visit."""
    slot = ctx.calendar.slot_minutes
    allowed = ctx.nurses_at(day.weekday(), minute) * ctx.calendar.staffing.starts_per_nurse_per_slot
    if load.starts_per_slot.get(minute // slot, 0) + 1 > allowed:
        return False
    return load.least_headroom(start, start + ctx.visit_seconds) >= 1


def _wall_clock(zone: object, day: date) -> Callable[[int], int | None]:
    """Map a local minute of `day` to epoch seconds; None for wall times a DST change skips."""
    midnight = datetime.combine(day, time(0, 0), tzinfo=zone)  # type: ignore[arg-type]
    late = datetime.combine(day, time(23, 59), tzinfo=zone)  # type: ignore[arg-type]
    offset = midnight.utcoffset()
    if offset == late.utcoffset() and offset is not None:
        # No change of offset today (every day but two a year): plain arithmetic.
        base = (day.toordinal() - _EPOCH_ORDINAL) * 86400 - int(offset.total_seconds())
        return lambda minute: base + minute * 60

    def exact(minute: int) -> int | None:
        wall = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)  # type: ignore[arg-type]
        instant = epoch(wall)
        back = datetime.fromtimestamp(instant, zone)  # type: ignore[arg-type]
        if (back.date(), back.hour, back.minute) != (day, minute // 60, minute % 60):
            return None  # 2:30 on the spring-forward night does not exist
        return instant

    return exact
