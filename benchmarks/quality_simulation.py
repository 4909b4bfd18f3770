"""The quarter played through the service layer, event by event, as the front desk and the nurses would.

Events in time order: a request arrives (the desk books a whole course, or the patient goes
elsewhere), a visit the patient missed is marked a no-show when it ends (so the chair sat idle
and no later booking could have used it), and a patient who stops cancels the rest of the course
half an hour after the last visit they attend. Who books what is the `Desk`'s choice: the online
planner (propose, take the best plan the patient accepts) or a replay of the offline optimum.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from quality_arrivals import Arrival

from scheduler_service.domain.errors import NoPlan
from scheduler_service.domain.plan_check import RequestedSession
from scheduler_service.services import patients, visits
from scheduler_service.services.booking import BookingRequest, book_series
from scheduler_service.services.planning import ProposalRequest, propose_series
from scheduler_service.services.unit_of_work import UnitOfWork

Desk = Callable[[UnitOfWork, Arrival, int, int], "list[RequestedSession] | None"]
STOP_AFTER = timedelta(minutes=30)


@dataclass
class Outcome:
    arrival: Arrival
    series_id: int | None = None
    starts: list[datetime] = field(default_factory=list)  # every session as booked (also those cancelled later)
    chairs: list[int] = field(default_factory=list)

    @property
    def first_day(self) -> date | None:
        return self.starts[0].date() if self.starts else None


def online_desk(patience_days: int) -> Desk:
    """Ask the planner for plans starting within the patient's patience (latest_date) and book the best one."""

    def choose(uow: UnitOfWork, arrival: Arrival, clinic_id: int, patient_id: int) -> list[RequestedSession] | None:
        today = arrival.at.date()
        request = ProposalRequest(
            patient_id,
            clinic_id,
            today,
            protocol_key=arrival.protocol_key,
            maintenance_sessions=0,
            alternatives=0,
            latest_date=today + timedelta(days=patience_days),
        )
        try:
            best = propose_series(uow, request, arrival.at)[0]
        except NoPlan:
            return None
        return [RequestedSession(s.start, s.chair_id) for s in best.sessions]

    return choose


def replay_desk(schedule: dict[int, list[tuple[datetime, int]]]) -> Desk:
    """Book what the offline optimum chose, with its chairs; the service re-checks every rule."""

    def choose(uow: UnitOfWork, arrival: Arrival, clinic_id: int, patient_id: int) -> list[RequestedSession] | None:
        sessions = schedule.get(arrival.number)
        return [RequestedSession(start, chair) for start, chair in sessions] if sessions else None

    return choose


def simulate(clinic_id: int, arrivals: list[Arrival], desk: Desk) -> list[Outcome]:
    """Play the quarter; call inside the app context of the clinic's database."""
    outcomes = [Outcome(a) for a in arrivals]
    events: list[tuple[datetime, int, str, int]] = [(a.at, 0, "arrive", a.number) for a in arrivals]
    heapq.heapify(events)
    while events:
        now, _, kind, key = heapq.heappop(events)
        with UnitOfWork("bench") as uow:
            if kind == "arrive":
                outcome = outcomes[key]
                for event in _book(uow, clinic_id, outcome, desk, now):
                    heapq.heappush(events, event)
            elif kind == "no_show":
                visits.change_status(uow, key, "no_show", now, "did not come")
            else:
                visits.cancel_series(uow, key, now, "patient stopped the course")
    return outcomes


def _book(
    uow: UnitOfWork, clinic_id: int, outcome: Outcome, desk: Desk, now: datetime
) -> list[tuple[datetime, int, str, int]]:
    arrival = outcome.arrival
    patient_id = patients.create_patient(
        uow, {"given_name": f"Patient{arrival.number}", "family_name": "Quality", "preferences": arrival.preferences}
    )["id"]
    sessions = desk(uow, arrival, clinic_id, patient_id)
    if not sessions:
        return []
    booked = book_series(uow, BookingRequest(patient_id, clinic_id, sessions, protocol_key=arrival.protocol_key), now)
    outcome.series_id = booked["id"]
    rows = booked["appointments"]
    outcome.starts = [row["start"] for row in rows]
    outcome.chairs = [row["chair_id"] for row in rows]
    later = []
    for k, row in enumerate(rows):
        if k in arrival.no_shows and (arrival.stops_after is None or k <= arrival.stops_after):
            later.append((row["end"], 1, "no_show", row["id"]))
    if arrival.stops_after is not None and arrival.stops_after < len(rows) - 1:
        later.append((rows[arrival.stops_after]["end"] + STOP_AFTER, 2, "cancel", booked["id"]))
    return later
