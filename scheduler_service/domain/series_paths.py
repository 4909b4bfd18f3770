"""The time-and-chair half of the series search: the best sessions along least-gap-cost day sequences.

Every plan of a Group (see series_search.py) with the least gap cost from its first day only
moves along "tight" day steps, where gap cost + cost to go equals the cost to go from before.
Along those, a node is (start, chair) on the day of a state; a node's cost to the end is
`(changes + kept) * CHANGE + load`, where changes counts consecutive sessions whose local
start time or chair differ and kept sums, per session, the chair slots it leaves unfillable
(stranded.py), the scarce rooms for the longest visit it takes (long_rooms.py, chair_time.py)
and how full its day already is (busy_days.py). A node's own
cost is `kept * CHANGE + load`, so costs still add up along a path. CHANGE exceeds any possible
load total, so the integer compares like the pair.

The cheapest successor of a node (time t, chair c) is found without trying every pair:
min(cost of (t, c) itself, best at time t + 1 change, best on chair c + 1 change, best overall
+ 2 changes). Each candidate is a real successor whose true cost is at most the bound used, and
every successor falls in one of the four cases, so the minimum is exact.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from itertools import groupby

from .planning_context import PlanningContext
from .series_search import INFEASIBLE, DaySearch, State

CHANGE = 1 << 40

Node = tuple[int, int, int, int]  # (start epoch seconds, chair id, local minute, kept * CHANGE + load)
Ranked = tuple[tuple[int, int, int, int, int, int, int], State, int]  # (score + tie-break, state, node)


class Group:
    """Plans whose key step (end of induction) falls on `key_day`; key_day None: the one group."""

    def __init__(self, search: DaySearch, key_day: date | None) -> None:
        self.search = search
        self.key_day = key_day
        self._lead: dict[State, int] = {}

    def cost(self, i: int, day: date, first: date | None) -> int:
        """Least gap cost from step i on `day` to the end of the course, within this group."""
        key = self.search.key
        if key is None or i > key:
            return self.search.tail(i, day)
        if i == key:
            return self.search.tail(i, day) if day == self.key_day else INFEASIBLE
        state = (i, day, first)
        best = self._lead.get(state)
        if best is None:
            assert self.key_day is not None
            best = self._lead[state] = self.search.least(i, day, first, self.key_day, self.cost)
        return best

    def tight(self, state: State) -> list[State]:
        """Successor states on some least-cost day sequence from `state`."""
        i, day, first = state
        search = self.search
        if i == len(search.steps) - 1:
            return []
        in_lead = search.key is not None and i < search.key
        last = self.key_day if in_lead and self.key_day else search.last_day
        here = self.cost(i, day, first)
        return [
            (i + 1, later, later_first)
            for later, later_first, gap in search.candidates(i, day, first if in_lead else None, last)
            if gap <= here and search.usable(later) and gap + self.cost(i + 1, later, later_first) == here
        ]

    def openings(self) -> list[tuple[int, State]]:
        """First-session states with the total gap cost of the best plans starting there, cheapest first."""
        search = self.search
        if search.key is None:
            days = [(day, search.entry(day)) for day in search.entry_days()]
        else:
            assert self.key_day is not None
            days = [(day, search.entry(day)) for day, _, _ in search.reach[0] if day <= self.key_day]
        found = []
        for day, entry in days:
            if entry is not None:
                first, gap = entry
                total = gap + self.cost(0, day, first)
                if total < INFEASIBLE:
                    found.append((total, (0, day, first)))
        return sorted(found, key=lambda pair: (pair[0], pair[1][1]))


class PathFinder:
    """Least (changes + kept, load) costs of nodes along tight day steps, and the paths that achieve them."""

    def __init__(self, ctx: PlanningContext, search: DaySearch) -> None:
        self.ctx = ctx
        self.search = search
        self.anchor = search.problem.anchor
        self._nodes: dict[date, list[Node]] = {}
        self._costs: dict[tuple[date | None, State], list[int]] = {}
        self._summaries: dict[tuple[date | None, State], tuple] = {}

    def nodes(self, day: date) -> list[Node]:
        found = self._nodes.get(day)
        if found is None:
            busy = self.ctx.busy(day)
            found = self._nodes[day] = [
                (o.start, c, o.minute, (stranded + rooms + busy) * CHANGE + o.load)
                for o, costs in zip(self.ctx.options(day), self.ctx.costs(day), strict=True)
                for c, (stranded, rooms) in zip(o.chairs, costs, strict=True)
            ]
        return found

    def _memo_key(self, group: Group, state: State) -> tuple[date | None, State]:
        key = self.search.key
        # Past the key step the costs do not depend on the group: share them between groups.
        return (group.key_day if key is not None and state[0] < key else None, state)

    def costs(self, group: Group, state: State) -> list[int]:
        """Per node of `state`: least (changes + kept) * CHANGE + load from it to the end."""
        memo_key = self._memo_key(group, state)
        found = self._costs.get(memo_key)
        if found is None:
            summaries = [self._summary(group, later) for later in group.tight(state)]
            found = []
            for _, chair, minute, own in self.nodes(state[1]):
                found.append(own + (min(_join(s, minute, chair) for s in summaries) if summaries else 0))
            self._costs[memo_key] = found
        return found

    def _summary(self, group: Group, state: State) -> tuple:
        memo_key = self._memo_key(group, state)
        found = self._summaries.get(memo_key)
        if found is None:
            exact: dict[tuple[int, int], int] = {}
            by_time: dict[int, int] = {}
            by_chair: dict[int, int] = {}
            overall = INFEASIBLE
            for (_, chair, minute, _), cost in zip(self.nodes(state[1]), self.costs(group, state), strict=True):
                exact[(minute, chair)] = cost
                by_time[minute] = min(cost, by_time.get(minute, INFEASIBLE))
                by_chair[chair] = min(cost, by_chair.get(chair, INFEASIBLE))
                overall = min(overall, cost)
            found = self._summaries[memo_key] = (exact, by_time, by_chair, overall)
        return found

    def ranked(self, group: Group) -> Iterator[Ranked]:
        """Every first (state, node) of the group with its plan's score, best first (ties: earlier, lower chair).

        A fresh course's plans are tiered by their first day, then by gap cost: among plans whose
        induction ends the same day, the patient starts soonest. A course continuing from past
        sessions has its first day set by their spacing, so only the gap cost tiers it.
        """
        key_ordinal = group.key_day.toordinal() if group.key_day else 0
        fresh = self.anchor is None

        def tier_of(opening: tuple[int, State]) -> tuple[int, int]:
            cost, (_, day, _) = opening
            return (day.toordinal() if fresh else 0, cost)

        openings = sorted(group.openings(), key=lambda opening: (tier_of(opening), opening[1][1]))
        for tier_key, tier in groupby(openings, key=tier_of):
            ranked: list[Ranked] = []
            for _, state in tier:
                for j, (node, cost) in enumerate(zip(self.nodes(state[1]), self.costs(group, state), strict=True)):
                    total = cost + self._from_anchor(node)
                    score = (key_ordinal, *tier_key, total // CHANGE, total % CHANGE, node[0], node[1])
                    ranked.append((score, state, j))
            yield from sorted(ranked, key=lambda r: r[0])

    def path(self, group: Group, state: State, j: int) -> list[tuple[State, Node]]:
        """The plan from node j of `state`: at each step the cheapest successor, earliest then lowest chair."""
        node = self.nodes(state[1])[j]
        found = [(state, node)]
        while True:
            later_states = group.tight(state)
            if not later_states:
                return found
            best: tuple[tuple[int, int, int], State, int] | None = None
            for later in later_states:
                for k, (candidate, cost) in enumerate(zip(self.nodes(later[1]), self.costs(group, later), strict=True)):
                    rank = (cost + _changes(node, candidate), candidate[0], candidate[1])
                    if best is None or rank < best[0]:
                        best = (rank, later, k)
            assert best is not None
            _, state, j = best
            node = self.nodes(state[1])[j]
            found.append((state, node))

    def _from_anchor(self, node: Node) -> int:
        anchor = self.anchor
        if anchor is None or anchor.minute is None:
            return 0
        return CHANGE * ((node[2] != anchor.minute) + (anchor.chair_id is not None and node[1] != anchor.chair_id))


def _changes(a: Node, b: Node) -> int:
    return CHANGE * ((a[2] != b[2]) + (a[1] != b[1]))


def _join(summary: tuple, minute: int, chair: int) -> int:
    exact, by_time, by_chair, overall = summary
    return min(
        exact.get((minute, chair), INFEASIBLE),
        by_time.get(minute, INFEASIBLE) + CHANGE,
        by_chair.get(chair, INFEASIBLE) + CHANGE,
        overall + 2 * CHANGE,
    )
