"""Whole-series plans: every session of a course placed inside the clinic's rules, optimally.

Objective (lexicographic; lower wins at the first field that differs):
  1. Earliest end of induction: the day of the last session of the finite phases. (With no
     finite phase left, a course starting now wants its first session soonest; a course
     continuing from past sessions skips this criterion.)
  2. For a course starting afresh, the soonest first session: among plans whose induction ends
     the same day, the patient starts treatment soonest, even if a gap then strays further from
     target (within the protocol's limits). Booking one request at a time this also keeps the
     waits of the patients still to come shorter (benchmarks/README.md).
  3. Gaps closest to target: the sum over consecutive sessions (and from the last past session)
     of |gap - target gap of the later session's phase|, in that phase's unit.
  4. Consistency for the patient and chair time kept usable, weighed alike: how many times the
     local start time or the chair changes from one session to the next (and from the last past
     session), plus the slots of chair time the sessions strand: free slots left before and after
     a visit on its chair that no mix of the clinic's visits could fill (stranded.py), plus the
     courses of the clinic's longest visit (a pain infusion five clinic days in a row) that could
     no longer run through a session's day, while few could (long_rooms.py), plus how full each
     session's day already is, in quarters of its chairs' open time (busy_days.py). Booking one
     request at a time, this keeps room for the courses still to come (benchmarks/README.md).
  5. Levelling the clinic's load: the sum over sessions of the visits already in a chair during
     the session, so quieter slots and days win over piling onto the 8:00 peak.
Remaining ties go to the earlier session, then to the lower chair id, session by session.

The plan returned is optimal for that order, not a heuristic: see series_search.py (days) and
series_paths.py (times and chairs) for why the search is exact; the unit tests cross-check it
against exhaustive search. Alternatives are the best plans whose first session starts on a
different day or at a different time than every proposal before them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .course import course_steps, maintenance_count
from .errors import InvalidValue, NoPlan
from .no_plan import explain_no_plan
from .planning_context import PlanningContext
from .series_paths import Group, Node, PathFinder
from .series_search import INFEASIBLE, DaySearch, Problem, State

DEFAULT_SEARCH_DAYS = 120  # how far after the from-date the first session may start
MAX_SEARCH_DAYS = 730
MAX_ALTERNATIVES = 10


@dataclass(frozen=True)
class PlannedSession:
    index: int
    phase: str
    start: datetime
    end: datetime
    chair_id: int


@dataclass(frozen=True)
class Score:
    """The objective's criteria for one plan; `key` orders plans, best first."""

    induction_ends: date | None
    first_session: date | None  # counted for a course starting afresh; None when it continues past sessions
    gap_days_off_target: int
    changes: int
    stranded_slots: int
    long_rooms_taken: int
    busy_quarters: int
    load: int

    @property
    def key(self) -> tuple[int, int, int, int, int]:
        ends = self.induction_ends.toordinal() if self.induction_ends else 0
        starts = self.first_session.toordinal() if self.first_session else 0
        kept = self.changes + self.stranded_slots + self.long_rooms_taken + self.busy_quarters
        return (ends, starts, self.gap_days_off_target, kept, self.load)

    def to_dict(self) -> dict[str, object]:
        return {
            "induction_ends": self.induction_ends.isoformat() if self.induction_ends else None,
            "first_session": self.first_session.isoformat() if self.first_session else None,
            "gap_days_off_target": self.gap_days_off_target,
            "changes": self.changes,
            "stranded_slots": self.stranded_slots,
            "long_rooms_taken": self.long_rooms_taken,
            "busy_quarters": self.busy_quarters,
            "load": self.load,
        }


@dataclass(frozen=True)
class Plan:
    sessions: tuple[PlannedSession, ...]
    score: Score
    notes: tuple[str, ...] = ()  # why a plan bends a rule of the protocol (a missed session catching up)


def plan_series(
    ctx: PlanningContext,
    *,
    from_date: date | None = None,
    maintenance_sessions: int | None = None,
    maintenance_days: int | None = None,
    alternatives: int = 0,
    search_days: int = DEFAULT_SEARCH_DAYS,
) -> list[Plan]:
    """The best plan for a whole course, then up to `alternatives` more; NoPlan says why there is none.

    Maintenance: `maintenance_sessions` sessions, or as many as `maintenance_days` (default 90)
    after induction holds at the target gap.
    """
    check_limits(alternatives, search_days)
    steps = course_steps(ctx.protocol, maintenance_count(ctx.protocol, maintenance_sessions, maintenance_days))
    first_day = max(from_date or ctx.today, ctx.today)
    problem = Problem(steps, first_day, first_day + timedelta(days=search_days - 1))
    plans = search_plans(ctx, problem, 1 + alternatives)
    if not plans:
        raise NoPlan(explain_no_plan(ctx, problem))
    return plans


def search_plans(ctx: PlanningContext, problem: Problem, count: int) -> list[Plan]:
    """Up to `count` plans with distinct first starts, best first (empty when no plan exists)."""
    if not problem.steps:
        return [Plan((), Score(None, None, 0, 0, 0, 0, 0, 0))]
    search = DaySearch(ctx, problem)
    finder = PathFinder(ctx, search)
    chosen: list[Plan] = []
    taken: set[tuple[date, int]] = set()
    for group in _groups(search):
        for score, state, j in finder.ranked(group):
            node = finder.nodes(state[1])[j]
            if (state[1], node[2]) in taken:
                continue
            taken.add((state[1], node[2]))
            ends, starts, gaps, kept, load = score[:5]
            path = finder.path(group, state, j)
            stranded, rooms, busy = _chair_time_kept(ctx, path)
            score_parts = (gaps, kept - stranded - rooms - busy, stranded, rooms, busy, load)
            chosen.append(_plan(ctx, problem, path, Score(_day(ends), _day(starts), *score_parts)))
            if len(chosen) == count:
                return chosen
    return chosen


def _day(ordinal: int) -> date | None:
    return date.fromordinal(ordinal) if ordinal else None


def _groups(search: DaySearch) -> Iterator[Group]:
    """Groups in order of their induction-end day: the first criterion decides between groups."""
    if search.key is None:
        yield Group(search, None)
        return
    for day in search.key_days():
        if search.tail(search.key, day) < INFEASIBLE:
            yield Group(search, day)


def _chair_time_kept(ctx: PlanningContext, path: list[tuple[State, Node]]) -> tuple[int, int, int]:
    """The plan's stranded slots, long-visit rooms taken and busy quarters, read back session by session."""
    stranded = rooms = busy = 0
    for (_, day, _), (start, chair, _, _) in path:
        k, option = next((k, o) for k, o in enumerate(ctx.options(day)) if o.start == start)
        session_stranded, session_rooms = ctx.costs(day)[k][option.chairs.index(chair)]
        stranded += session_stranded
        rooms += session_rooms
        busy += ctx.busy(day)
    return stranded, rooms, busy


def _plan(ctx: PlanningContext, problem: Problem, path: list[tuple[State, Node]], score: Score) -> Plan:
    zone, visit = ctx.calendar.zone, ctx.visit_seconds
    sessions = []
    for (i, _, _), (start, chair, _, _) in path:
        step = problem.steps[i]
        sessions.append(
            PlannedSession(
                index=step.index,
                phase=step.phase.name,
                start=datetime.fromtimestamp(start, zone),
                end=datetime.fromtimestamp(start + visit, zone),
                chair_id=chair,
            )
        )
    return Plan(tuple(sessions), score)


def check_limits(alternatives: int, search_days: int) -> None:
    if not 0 <= alternatives <= MAX_ALTERNATIVES:
        raise InvalidValue("alternatives", f"must be between 0 and {MAX_ALTERNATIVES}")
    if not 1 <= search_days <= MAX_SEARCH_DAYS:
        raise InvalidValue("search_days", f"must be between 1 and {MAX_SEARCH_DAYS}")
