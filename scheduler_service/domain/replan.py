"""Re-planning a course in progress: what happened stays, the rest is planned from the last real session.

Maintenance (and every later gap) is measured from the day the previous session actually took
place, not from the plan. A missed session is simply not among those that happened, so it is
planned again. When the rules cannot be kept from the history (a missed induction dose whose
window has passed), DOMAIN.md says to continue the schedule: with `catch_up` the plan then keeps
the minimum gap from the last session but waives its maximum and the window of the phase in
progress, and says so in the plan's notes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from .course import course_steps, maintenance_count, phase_start_index
from .errors import InvalidValue, NoPlan
from .no_plan import explain_no_plan, short_date
from .planner import DEFAULT_SEARCH_DAYS, Plan, check_limits, search_plans
from .planning_context import PlanningContext
from .series_search import Anchor, Problem
from .spacing import unit_words


@dataclass(frozen=True)
class PastSession:
    """A session that took place: its actual start, and the chair when known."""

    start: datetime
    chair_id: int | None = None


def replan_series(
    ctx: PlanningContext,
    done: Sequence[PastSession],
    *,
    from_date: date | None = None,
    maintenance_sessions: int | None = None,
    maintenance_days: int | None = None,
    alternatives: int = 0,
    search_days: int = DEFAULT_SEARCH_DAYS,
    catch_up: bool = True,
) -> list[Plan]:
    """Plans for the sessions after `done` (sessions 0..len(done)-1, oldest first), best first.

    `maintenance_sessions` / `maintenance_days` count maintenance sessions still to come.
    """
    check_limits(alternatives, search_days)
    problem = history_problem(
        ctx, done, from_date, maintenance_count(ctx.protocol, maintenance_sessions, maintenance_days), search_days
    )
    plans = search_plans(ctx, problem, 1 + alternatives)
    if not plans and catch_up and problem.anchor is not None:
        catching_up = replace(problem, anchor=replace(problem.anchor, keep_limits=False))
        plans = [
            replace(p, notes=catch_up_notes(ctx, catching_up, p))
            for p in search_plans(ctx, catching_up, 1 + alternatives)
        ]
    if not plans:
        raise NoPlan(explain_no_plan(ctx, problem))
    return plans


def history_problem(
    ctx: PlanningContext, done: Sequence[PastSession], from_date: date | None, more_maintenance: int, search_days: int
) -> Problem:
    """The search problem for the sessions after `done`, anchored on the last of them."""
    protocol, zone = ctx.protocol, ctx.calendar.zone
    starts = [s.start for s in done]
    if any(s.tzinfo is None for s in starts):
        raise InvalidValue("done", "session starts must be timezone-aware")
    if any(b <= a for a, b in zip(starts, starts[1:], strict=False)):
        raise InvalidValue("done", "sessions must be given oldest first")
    finite = protocol.finite_sessions
    has_open_end = any(p.open_ended for p in protocol.phases)
    if len(done) > finite and not has_open_end:
        raise InvalidValue("done", f"{protocol.name} has only {finite} sessions")
    steps = course_steps(protocol, max(0, len(done) - finite) + more_maintenance)[len(done) :]
    first_day = max(from_date or ctx.today, ctx.today)
    last_first_day = first_day + timedelta(days=search_days - 1)
    if not done or not steps:
        return Problem(steps, first_day, last_first_day)
    last = done[-1].start.astimezone(zone)
    phase_first = phase_start_index(protocol, len(done))
    anchor = Anchor(
        day=last.date(),
        minute=last.hour * 60 + last.minute,
        chair_id=done[-1].chair_id,
        phase_first_day=done[phase_first].start.astimezone(zone).date() if phase_first < len(done) else None,
    )
    return Problem(steps, first_day, last_first_day, anchor)


def catch_up_notes(ctx: PlanningContext, problem: Problem, plan: Plan) -> tuple[str, ...]:
    """Say which limit a catching-up plan bends: the gap after the last session, the window of its phase."""
    anchor, notes = problem.anchor, []
    if anchor is None or not plan.sessions:
        return ()
    first, step = plan.sessions[0], problem.steps[0]
    spacing = step.spacing
    gap = ctx.open_days.gap(spacing, anchor.day, first.start.date())
    unit = unit_words(spacing)
    if gap > spacing.max_days:
        notes.append(
            f"session {first.index + 1} comes {gap} {unit} after the last session on {short_date(anchor.day)} "
            f"(the protocol allows {spacing.max_days}): the course catches up as soon as it can"
        )
    if step.window_days is not None and not step.first_of_phase and anchor.phase_first_day is not None:
        in_phase = [s for s in plan.sessions if s.phase == step.phase.name]
        span = (in_phase[-1].start.date() - anchor.phase_first_day).days
        if span > step.window_days:
            notes.append(f"{step.phase.name} now spans {span} days (the protocol allows {step.window_days})")
    return tuple(notes)
