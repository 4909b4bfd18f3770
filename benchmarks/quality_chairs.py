"""Chairs for the offline optimum's visits: the model counts chairs per pool; the service books named ones."""

from __future__ import annotations

from datetime import datetime

from quality_arrivals import PROTOCOLS, Arrival

from scheduler_service.domain.clinic import ClinicCalendar


def assign_chairs(calendar: ClinicCalendar, arrivals: list[Arrival], schedule: dict[int, list[datetime]]) -> dict:
    """Chairs for the held sessions: per day, visits by start time take any chair free again (turnover included).

    Taking visits in start order, a visit finds no free chair only when all of them are busy at its
    start, which the cumulative forbids; so this never fails on a schedule the model accepts.
    Returns {(arrival, session): chair id}.
    """
    turnover = calendar.turnover_minutes * 60
    visits = []
    for arrival in arrivals:
        protocol = PROTOCOLS[arrival.protocol_key]
        pool = tuple(c.id for c in calendar.chairs if c.suits(protocol.required_tags))
        for k, start in enumerate(schedule.get(arrival.number, [])):
            if arrival.stops_after is None or k <= arrival.stops_after:
                begin = int(start.timestamp())
                visits.append((begin, begin + protocol.visit.total_minutes * 60 + turnover, pool, (arrival.number, k)))
    free_at: dict[int, int] = {}
    chosen = {}
    for begin, until, pool, key in sorted(visits):
        chair = next((c for c in pool if free_at.get(c, 0) <= begin), None)
        if chair is None:
            moment = datetime.fromtimestamp(begin, calendar.zone)
            raise ValueError(f"request {key[0]} session {key[1]}: every chair is taken at {moment}")
        free_at[chair] = until
        chosen[key] = chair
    return chosen
