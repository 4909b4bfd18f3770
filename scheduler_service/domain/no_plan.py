"""Why no plan exists, in words a front desk can act on (the most basic cause first)."""

from __future__ import annotations

from datetime import date, timedelta

from .course import Step
from .planning_context import PlanningContext
from .series_search import DaySearch, Problem
from .spacing import ONE_DAY, unit_words
from .timewindows import WEEKDAYS, format_clock, minutes_of


def explain_no_plan(ctx: PlanningContext, problem: Problem) -> str:
    return (
        _no_chair(ctx)
        or _visit_too_long(ctx)
        or _no_nurse(ctx)
        or _preferences_exclude_all(ctx)
        or _where_the_course_breaks(ctx, problem)
    )


def short_date(day: date) -> str:
    return f"{day:%b} {day.day}"


def day_span(first: date, last: date) -> str:
    """'Dec 24', 'Nov 26–29' or 'Dec 24–Jan 1'."""
    if first == last:
        return short_date(first)
    if (first.year, first.month) == (last.year, last.month):
        return f"{short_date(first)}–{last.day}"
    return f"{short_date(first)}–{short_date(last)}"


def _no_chair(ctx: PlanningContext) -> str | None:
    if ctx.chairs:
        return None
    tags = sorted(ctx.protocol.required_tags)
    return f"no chair tagged {' and '.join(tags)}" if tags else "the clinic has no chairs"


def _visit_too_long(ctx: PlanningContext) -> str | None:
    windows = [w for day in ctx.calendar.hours.by_weekday for w in day]
    longest = max((minutes_of(w.end) - minutes_of(w.start) for w in windows), default=0)
    total = ctx.protocol.visit.total_minutes
    if total <= longest:
        return None
    if not windows:
        return "the clinic has no opening hours"
    return f"the visit takes {total} minutes but the longest opening is {longest} minutes"


def _no_nurse(ctx: PlanningContext) -> str | None:
    if ctx.protocol.uses_nurse and not ctx.calendar.staffing.blocks:
        return "no nurse is on duty at any time"
    return None


def _preferences_exclude_all(ctx: PlanningContext) -> str | None:
    total, slot = ctx.protocol.visit.total_minutes, ctx.calendar.slot_minutes
    for weekday in sorted(ctx.preferences.weekdays):
        for window in ctx.calendar.hours.by_weekday[weekday]:
            opens, closes = minutes_of(window.start), minutes_of(window.end)
            first = max(opens, ctx.earliest_minute)
            first = -(-first // slot) * slot
            if first <= min(closes - total, ctx.latest_minute):
                return None
    wanted = describe_preferences(ctx)
    return f"the patient's preferences ({wanted}) leave no start where a {total}-minute visit fits the opening hours"


def describe_preferences(ctx: PlanningContext) -> str:
    prefs = ctx.preferences
    parts = []
    if prefs.weekdays != frozenset(range(7)):
        parts.append(", ".join(WEEKDAYS[d].capitalize() for d in sorted(prefs.weekdays)))
    if prefs.earliest_start and prefs.latest_start:
        parts.append(f"starting {format_clock(prefs.earliest_start)}–{format_clock(prefs.latest_start)}")
    elif prefs.earliest_start:
        parts.append(f"starting at {format_clock(prefs.earliest_start)} or later")
    elif prefs.latest_start:
        parts.append(f"starting by {format_clock(prefs.latest_start)}")
    return ", ".join(parts) or "any time"


def _where_the_course_breaks(ctx: PlanningContext, problem: Problem) -> str:
    """Follow every reachable day forward and describe the first session no day can hold."""
    search = DaySearch(ctx, problem)
    anchor, steps = problem.anchor, problem.steps
    if anchor is not None:
        starts = search.entry_days()
        first_day = max(problem.first_day, anchor.day + ONE_DAY)
        last_day = search.last_day if anchor.keep_limits else problem.last_first_day
        if anchor.keep_limits:
            last_day = min(last_day, ctx.open_days.latest_next(steps[0].spacing, anchor.day, last_day))
            if last_day < first_day:
                return _too_late(steps[0], anchor.day, last_day)
    else:
        first_day, last_day = problem.first_day, problem.last_first_day
        starts = [d for d in ctx.calendar.days(first_day, last_day) if search.usable(d) and search.entry(d)]
    if not starts:
        visit = f"{ctx.protocol.visit.total_minutes}-minute visit"
        return f"no free time for a {visit} {_between(first_day, last_day)}{_why(ctx, first_day, last_day, full=False)}"
    layer = sorted({(day, entry[0]) for day in starts if (entry := search.entry(day))}, key=lambda s: s[0])
    for i in range(len(steps) - 1):
        following = {
            (later, later_first)
            for day, first in layer
            for later, later_first, _ in search.successors(i, day, first, search.last_day)
        }
        if not following:
            detail = _broken_step(ctx, problem, i + 1, layer[0])
            if anchor is None and len(starts) > 1:
                return f"no course starting {_between(first_day, last_day)} keeps every rule; for example, {detail}"
            return detail
        layer = sorted(following, key=lambda s: s[0])
    return "no plan fits every rule in the days searched"


def _too_late(step: Step, last_session: date, deadline: date) -> str:
    spacing = step.spacing
    unit = unit_words(spacing)
    return (
        f"session {step.index + 1} ({step.phase.name}) had to start by {short_date(deadline)}, "
        f"{spacing.max_days} {unit} after session {step.index} on {short_date(last_session)}"
    )


def _broken_step(ctx: PlanningContext, problem: Problem, i: int, earliest: tuple[date, date | None]) -> str:
    step = problem.steps[i]
    spacing, phase = step.spacing, step.phase
    day, phase_first = earliest
    if step.window_days is not None and phase_first is not None:
        end = phase_first + timedelta(days=step.window_days)
        return (
            f"{phase.sessions} sessions at least {spacing.min_days} and at most {spacing.max_days} days apart "
            f"do not fit in {step.window_days} days between {short_date(phase_first)} and {short_date(end)}"
            f"{_why(ctx, phase_first, end)}"
        )
    unit = unit_words(spacing)
    following = ctx.open_days.next_days(spacing, day, day + timedelta(days=spacing.max_days * 7 + 7))
    last = following[-1][0] if following else day + timedelta(days=spacing.max_days)
    return (
        f"session {step.index + 1} ({phase.name}) must come {spacing.min_days}–{spacing.max_days} {unit} "
        f"after session {step.index} on {short_date(day)}{_why(ctx, day + ONE_DAY, last)}"
    )


def _between(first: date, last: date) -> str:
    return f"on {short_date(first)}" if first == last else f"between {short_date(first)} and {short_date(last)}"


def _why(ctx: PlanningContext, first: date, last: date, full: bool = True) -> str:
    """', with the clinic closed Dec 24–Jan 1 and fully booked Dec 22–23' for the days in [first, last]."""
    closed, full_days, unwanted = [], [], []
    for day in ctx.calendar.days(first, last):
        if not ctx.open_days.is_open(day):
            closed.append(day)
        elif day.weekday() not in ctx.preferences.weekdays:
            unwanted.append(day)
        elif not ctx.options(day):
            full_days.append(day)
    irregular = [d for d in closed if d in ctx.calendar.holidays or ctx.calendar.hours.windows_on(d)]
    parts = []
    if irregular:
        runs = [_trim(a, b, irregular) for a, b in _runs(closed) if _touches(a, b, irregular)]
        parts.append("the clinic closed " + ", ".join(day_span(a, b) for a, b in runs))
    if full_days and full:
        parts.append("nothing free " + ", ".join(day_span(a, b) for a, b in _runs(full_days)))
    if unwanted:
        parts.append(f"the patient coming only {describe_preferences(ctx)}")
    if closed and not parts:  # nothing but the weekly closing days: name them
        weekly = sorted({d.weekday() for d in closed})
        parts.append("the clinic closed on " + ", ".join(WEEKDAYS[w].capitalize() for w in weekly))
    return ", with " + " and ".join(parts) if parts else ""


def _runs(days: list[date]) -> list[tuple[date, date]]:
    runs: list[tuple[date, date]] = []
    for day in days:
        if runs and runs[-1][1] + ONE_DAY == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _trim(first: date, last: date, irregular: list[date]) -> tuple[date, date]:
    """Drop the weekend at either end of a closed stretch: 'Dec 24–Jan 1', not 'Dec 24–Jan 3'."""
    inside = [d for d in irregular if first <= d <= last]
    return inside[0], inside[-1]


def _touches(first: date, last: date, irregular: list[date]) -> bool:
    return any(first <= d <= last for d in irregular)
