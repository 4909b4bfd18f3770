"""Re-planning without foresight: at each request and cancellation, CP-SAT re-plans every course not yet started.

The yardstick of quality_rolling.py (its docstring says what it measures). A course whose first
session is after tomorrow may move anywhere within its patient's patience and preferences, earlier or
later, but stays booked; a course starting today or tomorrow, or under way, is pinned as it stands.
The new request is booked if it fits at all, then the sum of days from request to first session over
the courses not yet started is the least CP-SAT finds (within its time limit; the count of re-plans
solved to optimality is kept). Nothing about requests to come or patients who will stop is known:
a session holds its chair until its patient cancels.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta

from quality_arrivals import PROTOCOLS, Arrival
from quality_model import OfflineModel
from quality_simulation import STOP_AFTER
from quality_tasks import OpenDays, Session, sessions_of

from scheduler_service.domain.clinic import ClinicCalendar


class Replanner:
    """The plans of every booked course, re-planned at each request and cancellation."""

    # Booking the new course outweighs any sum of waits (a few hundred courses, each waiting 14 days at most).
    BOOK_FIRST = 100_000

    def __init__(
        self,
        calendar: ClinicCalendar,
        arrivals: list[Arrival],
        patience_days: int,
        first: date,
        last: date,
        seconds: float,
        workers: int,
    ) -> None:
        self.calendar, self.first, self.last = calendar, first, last
        self.seconds, self.workers = seconds, workers
        self.arrivals = {a.number: a for a in arrivals}
        open_days = OpenDays(calendar, first, last)
        self.candidates = {a.number: sessions_of(calendar, open_days, a, patience_days) for a in arrivals}
        self.plan: dict[int, list[datetime]] = {}  # each booked course's sessions as now planned
        self.promised: dict[int, date] = {}  # the first day the patient was told when booking
        self.stopped: set[int] = set()
        self.moved: set[int] = set()  # courses re-planned at least once
        self.solves = self.optimal = 0

    def request(self, number: int) -> None:
        self._replan(self.arrivals[number].at, number)

    def stop(self, number: int, at: datetime) -> None:
        self.stopped.add(number)
        self._replan(at, None)

    def stop_time(self, number: int) -> datetime | None:
        """When the patient cancels the rest of the course, given its plan: half an hour after the last visit."""
        arrival, starts = self.arrivals[number], self.plan[number]
        if arrival.stops_after is None or arrival.stops_after >= len(starts) - 1:
            return None
        visit = timedelta(minutes=PROTOCOLS[arrival.protocol_key].visit.total_minutes)
        return starts[arrival.stops_after] + visit + STOP_AFTER

    def _replan(self, now: datetime, new: int | None) -> None:
        tomorrow = now.date() + timedelta(days=1)
        sessions: dict[int, list[Session]] = {}
        free: list[int] = []
        for number, starts in self.plan.items():
            if starts[0].date() > tomorrow:
                sessions[number] = self._open(number, tomorrow)
                free.append(number)
            elif any(held := self._held(number, starts, now.date())):
                sessions[number] = self._pinned(number, starts, held)
        if new is not None and self.candidates[new]:
            sessions[new] = [dataclasses.replace(s, held=True) for s in self.candidates[new]]
            free.append(new)
        if not free:  # nothing to plan: a new request that cannot fit at all, or no course left to move
            return
        known = [self.arrivals[n] for n in sessions]
        model = OfflineModel(self.calendar, known, 0, self.first, self.last, sessions)
        for number in self.plan.keys() & sessions.keys():
            model.model.add(model.booked[number] == 1)
        waiting = sum(
            (day - self.arrivals[n].at.date()).days * x for n in free for day, x in model.on_day[(n, 0)].items()
        )
        booked_new = model.booked[new] if new in sessions else 0
        model.model.minimize(waiting - self.BOOK_FIRST * booked_new)
        model.hint(self.plan)  # the plans as they stand are feasible: a start no worse than today's schedule
        phase, solver = model.run(self.seconds, self.workers)
        assert solver is not None, phase.status
        self.solves += 1
        self.optimal += phase.status == "OPTIMAL"
        for number, starts in model.schedule(solver).items():
            if number not in self.plan:
                self.promised[number] = starts[0].date()
            elif starts != self.plan[number]:
                self.moved.add(number)
            self.plan[number] = starts

    def _open(self, number: int, tomorrow: date) -> list[Session]:
        """A course not started: its sessions free to move, the first no sooner than tomorrow."""
        first, *rest = self.candidates[number]
        days = {day: minutes for day, minutes in first.starts.items() if day >= tomorrow}
        return [dataclasses.replace(first, starts=days, held=True)] + [dataclasses.replace(s, held=True) for s in rest]

    def _held(self, number: int, starts: list[datetime], today: date) -> list[bool]:
        """Which sessions of a committed course still hold a chair: from today on, and not cancelled."""
        stops = self.arrivals[number].stops_after
        return [start.date() >= today and not (number in self.stopped and k > stops) for k, start in enumerate(starts)]

    def _pinned(self, number: int, starts: list[datetime], held: list[bool]) -> list[Session]:
        """A committed course: each session on its planned day and minute only."""
        return [
            dataclasses.replace(s, starts={start.date(): [start.hour * 60 + start.minute]}, held=h)
            for s, start, h in zip(self.candidates[number], starts, held, strict=True)
        ]


def play(replanner: Replanner, arrivals: list[Arrival]) -> None:
    """Requests in time order, each after the cancellations that came first; then the cancellations left."""
    for arrival in arrivals:
        _stops(replanner, arrival.at)
        replanner.request(arrival.number)
    _stops(replanner, None)


def _stops(replanner: Replanner, until: datetime | None) -> None:
    """Each cancellation due by `until` (all, for None), in time order, each followed by a re-plan."""
    while due := [
        (at, n)
        for n in replanner.plan
        if n not in replanner.stopped and (at := replanner.stop_time(n)) is not None and (until is None or at <= until)
    ]:
        at, number = min(due)
        replanner.stop(number, at)
