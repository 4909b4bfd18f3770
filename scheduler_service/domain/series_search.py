"""The day-level half of the series search: which days each session can take, and the least gap cost.

A state is (session i, its day, the first day of its phase when that phase has a window). Days
decide everything the first two criteria look at (when induction ends, how far gaps are from
target) and every rule linking sessions (spacing, windows); whether a day can hold a session at
all is independent of the other sessions because they are on other days. So the search works on
days first, and only the states on least-cost day sequences are expanded into times and chairs
(series_paths.py).

Induction-end days are found by a forward scan, day by day from the first allowed day, so the
scan stops as soon as the earliest one appears. Each such day (`key_day`) heads a Group: all
plans whose induction ends that day. Groups come in order of their key day, the first criterion.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from .course import Step
from .planning_context import PlanningContext
from .spacing import ONE_DAY

INFEASIBLE = 1 << 62

State = tuple[int, date, "date | None"]  # (position in steps, day, first day of a windowed phase)
CostToGo = Callable[[int, date, "date | None"], int]


@dataclass(frozen=True)
class Anchor:
    """The last session that happened: the next one is measured from it."""

    day: date
    minute: int | None = None  # its local start time and chair, to keep the patient's habit
    chair_id: int | None = None
    phase_first_day: date | None = None  # first day of the phase steps[0] continues (for its window)
    keep_limits: bool = True  # False: a missed session catches up; max gap and that window are waived


@dataclass(frozen=True)
class Problem:
    steps: tuple[Step, ...]
    first_day: date  # nothing earlier (the request's from-date, and today)
    last_first_day: date  # the first session starts no later (unless the anchor bounds it sooner)
    anchor: Anchor | None = None

    @property
    def key(self) -> int | None:
        """The step whose day is the first criterion: the last induction session.

        With no induction left, a course starting afresh (or catching up) wants its first session
        soonest; a course continuing from history has no such step: the gaps decide.
        """
        finite = [i for i, step in enumerate(self.steps) if step.finite]
        if finite:
            return finite[-1]
        if self.steps and (self.anchor is None or not self.anchor.keep_limits):
            return 0
        return None


class DaySearch:
    def __init__(self, ctx: PlanningContext, problem: Problem) -> None:
        self.ctx = ctx
        self.problem = problem
        self.steps = problem.steps
        self.key = problem.key
        self.open_days = ctx.open_days
        longest = sum(s.spacing.max_days * (7 if s.spacing.unit == "clinic_days" else 1) for s in self.steps)
        self.last_day = problem.last_first_day + timedelta(days=longest + 366)
        self.reach: list[list[tuple[date, date | None, date]]] = []
        self._tail: dict[tuple[int, date], int] = {}
        self._next: dict[tuple[int, date, date | None, date], list[tuple[date, date | None, int]]] = {}

    def usable(self, day: date) -> bool:
        return day >= self.problem.first_day and bool(self.ctx.options(day))

    def _arrive(self, i: int, day: date, phase_first: date | None) -> tuple[bool, date | None]:
        """Whether step i may be on `day` under its phase window, and the window's first day onwards."""
        step = self.steps[i]
        if step.window_days is None:
            return True, None
        if step.first_of_phase:
            return True, day
        if phase_first is None:  # the window was waived for a catch-up
            return True, None
        return (day - phase_first).days <= step.window_days, phase_first

    def entry(self, day: date) -> tuple[date | None, int] | None:
        """(window first day, gap cost) when the first step may be on `day`, else None."""
        anchor, spacing = self.problem.anchor, self.steps[0].spacing
        if (anchor is None or not anchor.keep_limits) and day > self.problem.last_first_day:
            return None
        if anchor is None:
            ok, first = self._arrive(0, day, None)
            return (first, 0) if ok else None
        gap = self.open_days.gap(spacing, anchor.day, day)
        if gap < spacing.min_days or (anchor.keep_limits and gap > spacing.max_days):
            return None
        ok, first = self._arrive(0, day, anchor.phase_first_day if anchor.keep_limits else None)
        return (first, abs(gap - spacing.target_days)) if ok else None

    def entry_days(self) -> list[date]:
        """Days the first step may take when the course continues from an anchor."""
        anchor = self.problem.anchor
        assert anchor is not None
        last = self.last_day if anchor.keep_limits else self.problem.last_first_day
        candidates = self.open_days.next_days(self.steps[0].spacing, anchor.day, last, anchor.keep_limits)
        return [day for day, _ in candidates if self.usable(day) and self.entry(day) is not None]

    def candidates(self, i: int, day: date, first: date | None, last: date) -> list[tuple[date, date | None, int]]:
        """States step i+1 may take after step i on `day` by spacing and window alone, cheapest gap first.

        Whether a day has room is left to the caller: asking costs a day's worth of slot finding,
        and the least-cost searches below stop before most days need asking.
        """
        memo_key = (i, day, first, last)
        found = self._next.get(memo_key)
        if found is None:
            found = []
            for later, cost in self.open_days.next_days(self.steps[i + 1].spacing, day, last):
                ok, later_first = self._arrive(i + 1, later, first)
                if ok:
                    found.append((later, later_first, cost))
            found.sort(key=lambda c: (c[2], c[0]))
            self._next[memo_key] = found
        return found

    def successors(self, i: int, day: date, first: date | None, last: date) -> list[tuple[date, date | None, int]]:
        """The candidates that have room for a session."""
        return [c for c in self.candidates(i, day, first, last) if self.usable(c[0])]

    def least(self, i: int, day: date, first: date | None, last: date, cost_to_go: CostToGo) -> int:
        """Least gap cost + cost to go over the successors; stops once a gap alone costs the best found."""
        best = INFEASIBLE
        for later, later_first, gap in self.candidates(i, day, first, last):
            if gap >= best:
                break  # sorted by gap, and costs to go are never negative
            if self.usable(later):
                best = min(best, gap + cost_to_go(i + 1, later, later_first))
        return best

    def tail(self, i: int, day: date) -> int:
        """Least gap cost of the sessions after step i on `day` (past the key step: no windows)."""
        memo_key = (i, day)
        best = self._tail.get(memo_key)
        if best is None:
            if i == len(self.steps) - 1:
                best = 0
            else:
                best = self.least(i, day, None, self.last_day, lambda j, later, _: self.tail(j, later))
            self._tail[memo_key] = best
        return best

    def key_days(self) -> Iterator[date]:
        """Days the key step can be reached on, earliest first (fills `reach` for steps up to the key)."""
        key, problem, anchor = self.key, self.problem, self.problem.anchor
        assert key is not None
        self.reach = [[] for _ in range(key + 1)]
        horizon = problem.last_first_day
        if anchor is not None and anchor.keep_limits:
            horizon = self.open_days.latest_next(self.steps[0].spacing, anchor.day, self.last_day)
        skip = [0] * (key + 1)  # earlier states whose latest successor day has passed
        day = problem.first_day
        while day <= horizon:
            if self.usable(day):
                for i in range(key + 1):
                    firsts = self._arrivals(i, day, skip)
                    for first in firsts:
                        latest = day
                        if i < key:
                            latest = self.open_days.latest_next(self.steps[i + 1].spacing, day, self.last_day)
                            horizon = max(horizon, latest)
                        self.reach[i].append((day, first, latest))
                    if i == key and firsts:
                        yield day
            day += ONE_DAY

    def _arrivals(self, i: int, day: date, skip: list[int]) -> list[date | None]:
        if i == 0:
            entry = self.entry(day)
            return [] if entry is None else [entry[0]]
        spacing, found = self.steps[i].spacing, set()
        before = self.reach[i - 1]
        while skip[i - 1] < len(before) and before[skip[i - 1]][2] < day:
            skip[i - 1] += 1
        for earlier, first, _ in before[skip[i - 1] :]:
            if earlier >= day:
                break
            if spacing.min_days <= self.open_days.gap(spacing, earlier, day) <= spacing.max_days:
                ok, later_first = self._arrive(i, day, first)
                if ok:
                    found.add(later_first)
        return sorted(found, key=lambda d: d or date.min)
