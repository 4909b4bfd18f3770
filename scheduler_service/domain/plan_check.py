"""Checking sessions someone chose by hand against every rule the planner keeps.

Rules of the clinic and the protocol (hours, closed days, grid, preferences, chair tags,
spacing, windows) raise BrokenRule, an InvalidValue (422). What is already booked (chair,
nurse starts, monitoring capacity) raises SessionTaken, a Conflict (409): the request was
fine, the calendar moved. Every rule is checked for every session before any capacity.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from .course import course_steps, phase_start_index
from .errors import Conflict, InvalidValue
from .no_plan import describe_preferences
from .occupancy import epoch
from .planner import PlannedSession
from .planning_context import PlanningContext
from .replan import PastSession
from .spacing import unit_words
from .timewindows import format_clock


@dataclass(frozen=True)
class RequestedSession:
    """A session chosen by hand; without a chair, the check picks one."""

    start: datetime
    chair_id: int | None = None


class BrokenRule(InvalidValue):
    """sessions[index] breaks `rule` (e.g. "opening_hours", "spacing")."""

    def __init__(self, index: int, rule: str, message: str) -> None:
        super().__init__(f"sessions.{index}", message)
        self.index, self.rule = index, rule


class SessionTaken(Conflict):
    """sessions[index] no longer fits what is booked (`rule`: "chair_taken", "nurse_capacity", ...)."""

    def __init__(self, index: int, rule: str, message: str) -> None:
        super().__init__(f"sessions.{index}: {message}")
        self.index, self.rule = index, rule


def check_sessions(
    ctx: PlanningContext,
    sessions: Sequence[RequestedSession],
    *,
    done: Sequence[PastSession] = (),
    keep_history_limits: bool = True,
) -> tuple[PlannedSession, ...]:
    """Return the sessions with phase, end and chair filled in, or raise naming the first broken rule.

    `done` are the sessions that already took place (series indexes 0..len(done)-1); with
    keep_history_limits=False the gap from the last of them only has to respect the minimum.
    """
    if not sessions:
        raise InvalidValue("sessions", "at least one session is needed")
    protocol, finite, first = ctx.protocol, ctx.protocol.finite_sessions, len(done)
    steps = course_steps(protocol, max(0, first + len(sessions) - finite))
    if first + len(sessions) > len(steps):
        raise BrokenRule(len(steps) - first, "too_many_sessions", f"{protocol.name} has only {len(steps)} sessions")
    starts = [s.start for s in done] + [s.start for s in sessions]
    if any(s.tzinfo is None for s in starts):
        raise InvalidValue("sessions", "every start must carry a UTC offset")
    local = [s.astimezone(ctx.calendar.zone) for s in starts]
    for p in range(len(sessions)):
        _check_rules(ctx, p, local[first + p], sessions[p].chair_id)
        _check_spacing(ctx, p, first, local, steps, keep_history_limits)
    chosen: list[PlannedSession] = []
    previous_chair = done[-1].chair_id if done else None
    for p, session in enumerate(sessions):
        step = steps[first + p]
        chair = _check_capacity(ctx, p, local[first + p], session.chair_id, previous_chair)
        start = local[first + p]
        chosen.append(PlannedSession(step.index, step.phase.name, start, _end_of(ctx, start), chair))
        previous_chair = chair
    return tuple(chosen)


def _check_rules(ctx: PlanningContext, p: int, start: datetime, chair_id: int | None) -> None:
    calendar, day = ctx.calendar, start.date()
    if epoch(start) < ctx.now_ts:
        raise BrokenRule(p, "before_now", f"{_when(start)} is in the past")
    closed = calendar.closed_reason(day)
    if closed:
        raise BrokenRule(p, "closed", f"the clinic is closed on {day:%a %b} {day.day} ({closed})")
    end = _end_of(ctx, start)
    stretches = calendar.open_intervals(day)
    if not any(epoch(a) <= epoch(start) and epoch(end) <= epoch(b) for a, b in stretches):
        hours = ", ".join(f"{format_clock(a.time())}–{format_clock(b.time())}" for a, b in stretches) or "none"
        raise BrokenRule(
            p,
            "opening_hours",
            f"{_clock(start)}–{_clock(end)} on {day:%b} {day.day} is outside the opening hours ({hours})",
        )
    if (start.hour * 60 + start.minute) % calendar.slot_minutes or start.second or start.microsecond:
        raise BrokenRule(p, "slot_grid", f"{_clock(start)} is not on the clinic's {calendar.slot_minutes}-minute grid")
    if not ctx.preferences.allows(day.weekday(), start.time().replace(tzinfo=None)):
        raise BrokenRule(
            p, "preferences", f"{_when(start)} is outside the patient's preferences ({describe_preferences(ctx)})"
        )
    if chair_id is not None:
        chair = ctx.chair(chair_id)
        if chair is None:
            raise BrokenRule(p, "chair_unknown", f"the clinic has no chair {chair_id}")
        if not chair.suits(ctx.protocol.required_tags):
            tags = " and ".join(sorted(ctx.protocol.required_tags - chair.tags))
            raise BrokenRule(p, "chair_tags", f"chair {chair.name} is not tagged {tags}")


def _check_spacing(ctx: PlanningContext, p: int, first: int, local: list[datetime], steps, keep: bool) -> None:  # type: ignore[no-untyped-def]
    index = first + p
    step = steps[index]
    if index > 0:
        spacing = step.spacing
        gap = ctx.open_days.gap(spacing, local[index - 1].date(), local[index].date())
        unit = unit_words(spacing)
        too_far = gap > spacing.max_days and (keep or p > 0)
        if gap < spacing.min_days or too_far:
            raise BrokenRule(
                p,
                "spacing",
                f"session {index + 1} is {gap} {unit} after session {index}; {step.phase.name} needs "
                f"{spacing.min_days} to {spacing.max_days}",
            )
    opened = phase_start_index(ctx.protocol, index)
    if step.window_days is not None and (keep or opened >= first):
        span = (local[index].date() - local[opened].date()).days
        if span > step.window_days:
            raise BrokenRule(
                p,
                "window",
                f"{step.phase.name} must fit in {step.window_days} days; "
                f"session {index + 1} is {span} days after its first session",
            )


def _check_capacity(ctx: PlanningContext, p: int, start: datetime, chair_id: int | None, previous: int | None) -> int:
    calendar, day = ctx.calendar, start.date()
    load = ctx.occupancy.on(day)
    begin = epoch(start)
    end = begin + ctx.visit_seconds
    if ctx.protocol.uses_nurse:
        minute = start.hour * 60 + start.minute
        allowed = ctx.nurses_at(day.weekday(), minute) * calendar.staffing.starts_per_nurse_per_slot
        already = load.starts_per_slot.get(minute // calendar.slot_minutes, 0)
        if already + 1 > allowed:
            raise SessionTaken(
                p,
                "starts_per_slot",
                f"the nurses on duty can start {allowed} visits at {_clock(start)} and {already} are booked",
            )
        if load.least_headroom(begin, end) < 1:
            raise SessionTaken(
                p,
                "nurse_capacity",
                f"the nurses on duty cannot monitor one more patient during {_clock(start)}–{_clock_at(ctx, end)}",
            )
    free = [c for c in ctx.chairs if load.chair_free(c, begin, end, ctx.turnover_seconds)]
    if chair_id is not None:
        if chair_id not in free:
            raise SessionTaken(p, "chair_taken", f"chair {chair_id} is taken at {_when(start)} (turnover included)")
        return chair_id
    if not free:
        tags = " and ".join(sorted(ctx.protocol.required_tags)) or "free"
        raise SessionTaken(p, "no_free_chair", f"no chair tagged {tags} is free at {_when(start)}")
    return previous if previous in free else free[0]


def _end_of(ctx: PlanningContext, start: datetime) -> datetime:
    # Elapsed time, not wall-clock arithmetic: a visit across a DST change still lasts its minutes.
    return datetime.fromtimestamp(epoch(start) + ctx.visit_seconds, ctx.calendar.zone)


def _clock(moment: datetime) -> str:
    return format_clock(moment.time())


def _clock_at(ctx: PlanningContext, instant: int) -> str:
    return _clock(datetime.fromtimestamp(instant, ctx.calendar.zone))


def _when(moment: datetime) -> str:
    return f"{moment:%a %b} {moment.day} {_clock(moment)}"
