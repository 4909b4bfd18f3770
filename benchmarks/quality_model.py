"""The offline optimum: the whole quarter's requests known at once, scheduled by OR-Tools CP-SAT.

Time is the clinic's slot grid (15 minutes). Starts off the grid are not allowed by the service
either, and with every start on the grid a visit's span rounded up to whole slots overlaps another
exactly when the true spans do, so the grid loses nothing. Per session and candidate day: a boolean
(exactly one per session when the course is booked, none otherwise) and a start slot restricted to
that day's allowed starts (quality_tasks.py). Visits on different days never meet, so every capacity
constraint is per day, which keeps each one small (one big cumulative over the quarter made CP-SAT's
neighbourhood searches about a hundred times slower).

Capacity (only sessions that end up held: a patient who stops frees the rest of the course):
- chairs: per day, a cumulative per pool of interchangeable chairs (the treatment chairs; the consult room), each
  visit holding one for visit + turnover. On identical chairs "at most n overlap at any moment" is
  exactly "an assignment to n chairs exists" (interval graphs are perfect); quality_chairs.py builds it.
- nurses: monitored patients (visit length) <= nurses x patients per nurse, starts in one slot <=
  nurses x starts per nurse per slot, for visits that use a nurse.
- redundant, for a tighter bound: per day and pool, the chair-slots used fit the day.
Spacing (min/max gap, in days or clinic days) and phase windows link a course's days when booked.
Lexicographic objective, solved in two phases: most courses booked in full, then (keeping that many)
fewest days from request to first session.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time

from ortools.sat.python import cp_model
from quality_arrivals import PROTOCOLS, Arrival
from quality_tasks import OpenDays, Session, local_start, sessions_of

from scheduler_service.domain.clinic import ClinicCalendar


@dataclass(frozen=True)
class Phase:
    status: str
    value: float
    bound: float
    seconds: float
    found: tuple[tuple[float, float], ...] = ()  # (seconds, value) of each schedule better than the last

    def best_after(self, seconds: float) -> float:
        """The best value found within the first `seconds`: shows whether the search was still moving."""
        return next((value for at, value in reversed(self.found) if at <= seconds), math.nan)


class _Progress(cp_model.CpSolverSolutionCallback):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[float, float]] = []

    def on_solution_callback(self) -> None:
        self.found.append((self.wall_time, self.objective_value))


class OfflineModel:
    def __init__(
        self,
        calendar: ClinicCalendar,
        arrivals: list[Arrival],
        patience_days: int,
        first: date,
        last: date,
        sessions: dict[int, list[Session]] | None = None,
    ) -> None:
        """`sessions`: each arrival's sessions and candidate days, if narrowed by the caller (quality_replanner.py)."""
        self.calendar, self.arrivals = calendar, arrivals
        self.open = OpenDays(calendar, first, last)
        self.slot = calendar.slot_minutes
        self.model = cp_model.CpModel()
        if sessions is None:
            sessions = {a.number: sessions_of(calendar, self.open, a, patience_days) for a in arrivals}
        self.sessions = sessions
        self.booked = {a.number: self.model.new_bool_var(f"booked{a.number}") for a in arrivals}
        self.on_day: dict[tuple[int, int], dict[date, cp_model.IntVar]] = {}
        self.start: dict[tuple[int, int], dict[date, cp_model.IntVar]] = {}
        for arrival in arrivals:
            self._course(arrival)
        self._capacity()
        self.courses = sum(self.booked.values())
        self.waiting = sum(
            (day - a.at.date()).days * x
            for a in arrivals
            if self.sessions[a.number]
            for day, x in self.on_day[(a.number, 0)].items()
        )

    def _course(self, arrival: Arrival) -> None:
        m, booked, sessions = self.model, self.booked[arrival.number], self.sessions[arrival.number]
        if not sessions:
            m.add(booked == 0)
            return
        for s in sessions:
            key = (arrival.number, s.index)
            x = self.on_day[key] = {d: m.new_bool_var(f"x{key}{d}") for d in s.starts}
            m.add(sum(x.values()) == booked)
            # One start per candidate day, on that day's allowed slots; it counts only where x[day] holds, so
            # every capacity constraint below is per day and small.
            self.start[key] = {
                d: m.new_int_var_from_domain(
                    cp_model.Domain.from_values([t // self.slot for t in minutes]), f"s{key}{d}"
                )
                for d, minutes in s.starts.items()
            }
        for s in sessions[1:]:
            spacing = s.step.spacing
            gap = self._day_of(arrival.number, s) - self._day_of(arrival.number, sessions[s.index - 1])
            m.add(gap >= spacing.min_days).only_enforce_if(booked)
            m.add(gap <= spacing.max_days).only_enforce_if(booked)
            if s.step.window_days is not None and not s.step.first_of_phase:
                first = next(f for f in reversed(sessions[: s.index]) if f.step.first_of_phase)
                span = self._calendar_day(arrival.number, s) - self._calendar_day(arrival.number, first)
                m.add(span <= s.step.window_days).only_enforce_if(booked)

    def _calendar_day(self, number: int, s: Session) -> cp_model.LinearExprT:
        return sum(d.toordinal() * x for d, x in self.on_day[(number, s.index)].items())

    def _day_of(self, number: int, s: Session) -> cp_model.LinearExprT:
        if s.step.spacing.unit == "clinic_days":
            return sum(self.open.number[d] * x for d, x in self.on_day[(number, s.index)].items())
        return self._calendar_day(number, s)

    def _capacity(self) -> None:
        m, calendar, slot = self.model, self.calendar, self.slot
        chairs: dict[tuple[frozenset[int], date], list] = defaultdict(list)
        monitored: dict[date, list] = defaultdict(list)
        starts: dict[date, list] = defaultdict(list)
        for arrival in self.arrivals:
            protocol = PROTOCOLS[arrival.protocol_key]
            pool = frozenset(c.id for c in calendar.chairs if c.suits(protocol.required_tags))
            held_slots = math.ceil((protocol.visit.total_minutes + calendar.turnover_minutes) / slot)
            visit_slots = math.ceil(protocol.visit.total_minutes / slot)
            for s in self.sessions[arrival.number]:
                if not s.held:
                    continue
                key = (arrival.number, s.index)
                for d, x in self.on_day[key].items():
                    start = self.start[key][d]
                    chairs[(pool, d)].append(m.new_optional_fixed_size_interval_var(start, held_slots, x, ""))
                    if protocol.uses_nurse:
                        monitored[d].append(m.new_optional_fixed_size_interval_var(start, visit_slots, x, ""))
                        starts[d].append(m.new_optional_fixed_size_interval_var(start, 1, x, ""))
        pools = {pool for pool, _ in chairs}
        assert all(a == b or not a & b for a in pools for b in pools), "chair pools must be identical or disjoint"
        room, per_slot = self.nurse_capacity()
        for (pool, d), intervals in chairs.items():
            m.add_cumulative(intervals, [1] * len(intervals), len(pool))
            # Redundant, for the linear relaxation: the chair-slots a day's visits hold fit the day.
            opens = min(a.hour * 60 + a.minute for a, _ in calendar.open_intervals(d)) // slot
            closes = max(b.hour * 60 + b.minute for _, b in calendar.open_intervals(d)) + calendar.turnover_minutes
            m.add(
                sum(i.size_expr() * i.presence_literals()[0] for i in intervals)
                <= len(pool) * (math.ceil(closes / slot) - opens)
            )
        for intervals in monitored.values():
            m.add_cumulative(intervals, [1] * len(intervals), room)
        for intervals in starts.values():
            m.add_cumulative(intervals, [1] * len(intervals), per_slot)

    def nurse_capacity(self) -> tuple[int, int]:
        """(patients monitored, starts per slot) at once: one level for every open minute, as the benchmark staffs."""
        staffing, levels = self.calendar.staffing, set()
        for weekday, windows in enumerate(self.calendar.hours.by_weekday):
            for window in windows:
                minute = window.start.hour * 60 + window.start.minute
                while minute < window.end.hour * 60 + window.end.minute:
                    levels.add(staffing.nurses_at(weekday, time(minute // 60, minute % 60)))
                    minute += self.slot
        assert len(levels) == 1, f"the model assumes one staffing level through opening hours, found {levels}"
        (nurses,) = levels
        return nurses * staffing.patients_per_nurse, nurses * staffing.starts_per_nurse_per_slot

    def fix(self, schedule: dict[int, list[datetime]]) -> None:
        """Pin the model to a schedule (every session as booked): solving then says whether it keeps the rules."""
        for arrival in self.arrivals:
            starts = schedule.get(arrival.number)
            self.model.add(self.booked[arrival.number] == (1 if starts else 0))
            for k, start in enumerate(starts or []):
                day, minute = start.date(), start.hour * 60 + start.minute
                x = self.on_day.get((arrival.number, k), {})
                if day not in x:
                    self.model.add_bool_or([])  # a day the model never offers: infeasible, on purpose
                    continue
                self.model.add(x[day] == 1)
                self.model.add(self.start[(arrival.number, k)][day] == minute // self.slot)

    def hint(self, schedule: dict[int, list[datetime]]) -> None:
        self.model.clear_hints()
        for arrival in self.arrivals:
            starts = schedule.get(arrival.number) or []
            self.model.add_hint(self.booked[arrival.number], bool(starts))
            for k, start in enumerate(starts):
                for d, x in self.on_day.get((arrival.number, k), {}).items():
                    self.model.add_hint(x, d == start.date())
                    if d == start.date():
                        self.model.add_hint(
                            self.start[(arrival.number, k)][d], (start.hour * 60 + start.minute) // self.slot
                        )

    def solve(self, seconds: float, workers: int, goal: str) -> tuple[Phase, cp_model.CpSolver | None]:
        """goal "courses": most courses booked; "waiting": fewest waiting days (keep courses fixed by the caller)."""
        if goal == "courses":
            self.model.maximize(self.courses)
        else:
            self.model.minimize(self.waiting)
        return self.run(seconds, workers)

    def run(self, seconds: float, workers: int) -> tuple[Phase, cp_model.CpSolver | None]:
        """Solve for the objective already set (solve's, or a caller's own: quality_replanner.py)."""
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = seconds
        solver.parameters.num_workers = workers
        # Probing ~17,000 day choices costs more presolve time than it saves; the LNS workers find the schedules.
        solver.parameters.cp_model_probing_level = 0
        progress = _Progress()
        status = solver.solve(self.model, progress)
        name = solver.status_name(status)
        found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        value = solver.objective_value if found else math.nan
        phase = Phase(name, value, solver.best_objective_bound, solver.wall_time, tuple(progress.found))
        return phase, solver if found else None

    def schedule(self, solver: cp_model.CpSolver) -> dict[int, list[datetime]]:
        """Every session's start (those a patient later cancels too) of each booked course."""
        found = {}
        for arrival in self.arrivals:
            if not solver.value(self.booked[arrival.number]):
                continue
            starts = []
            for s in self.sessions[arrival.number]:
                key = (arrival.number, s.index)
                day = next(d for d, x in self.on_day[key].items() if solver.value(x))
                starts.append(local_start(self.calendar, day, solver.value(self.start[key][day]) * self.slot))
            found[arrival.number] = starts
        return found
