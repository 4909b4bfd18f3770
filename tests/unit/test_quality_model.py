"""The schedule-quality benchmark's CP-SAT model, on instances small enough to know the answer.

Its schedules must pass the domain's own rule and capacity check (plan_check), which shares no code
with the model. Skipped when the benchmark extra (ortools) is not installed.
"""

from __future__ import annotations

import math
import sys
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

pytest.importorskip("ortools")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from quality_arrivals import PROTOCOLS, Arrival  # noqa: E402
from quality_chairs import assign_chairs  # noqa: E402
from quality_model import OfflineModel, Phase  # noqa: E402

from scheduler_service.domain.clinic import DEFAULT_OPENING_HOURS, Chair, ClinicCalendar, OpeningHours, Staffing  # noqa: E402
from scheduler_service.domain.occupancy import Booking, Occupancy  # noqa: E402
from scheduler_service.domain.patients import Preferences  # noqa: E402
from scheduler_service.domain.plan_check import RequestedSession, check_sessions  # noqa: E402
from scheduler_service.domain.planning_context import PlanningContext  # noqa: E402

ZONE = ZoneInfo("America/Chicago")
MONDAY = date(2027, 3, 8)  # the week before the spring DST change: courses cross it


def a_clinic(chairs: int) -> ClinicCalendar:
    hours = OpeningHours.parse(DEFAULT_OPENING_HOURS)
    staffing = Staffing.parse({d: 1 for d in ("mon", "tue", "wed", "thu", "fri")}, 3, 1, hours=hours)
    seats = tuple(Chair(i, f"Chair {i}", frozenset({"iv", "spravato"})) for i in range(1, chairs + 1))
    return ClinicCalendar(ZONE, hours, (*seats, Chair(99, "Consult room", frozenset({"consult"}))), staffing)


def a_request(number: int, key: str, at: time = time(7, 0), **preferences: object) -> Arrival:
    moment = datetime.combine(MONDAY, at, tzinfo=ZONE)
    return Arrival(number, moment, key, dict(preferences), PROTOCOLS[key].finite_sessions, frozenset(), None)


def solved(calendar: ClinicCalendar, arrivals: list[Arrival], patience_days: int) -> tuple[OfflineModel, dict]:
    model = OfflineModel(calendar, arrivals, patience_days, MONDAY, date(2027, 5, 31))
    phase, solver = model.solve(20, 2, "courses")
    assert phase.status == "OPTIMAL" and solver is not None
    return model, model.schedule(solver)


def accepted_by_plan_check(calendar: ClinicCalendar, arrivals: list[Arrival], schedule: dict) -> None:
    """Book course after course in the domain's own check, each against the visits accepted before it."""
    chairs = assign_chairs(calendar, arrivals, schedule)
    held: list[Booking] = []
    for arrival in arrivals:
        if arrival.number not in schedule:
            continue
        protocol = PROTOCOLS[arrival.protocol_key]
        ctx = PlanningContext(
            calendar, protocol, Occupancy(calendar, held), arrival.at, Preferences.parse(arrival.preferences)
        )
        sessions = [RequestedSession(s, chairs[(arrival.number, k)]) for k, s in enumerate(schedule[arrival.number])]
        for planned in check_sessions(ctx, sessions):
            held.append(Booking(planned.chair_id, planned.start, planned.end, protocol.uses_nurse))


def test_a_small_mix_is_booked_in_full_within_the_rules() -> None:
    calendar = a_clinic(chairs=2)
    arrivals = [
        a_request(0, "iv-ketamine-depression"),
        a_request(1, "iv-ketamine-depression", weekdays=["mon", "wed", "fri"]),
        a_request(2, "spravato-trd", earliest_start="12:00"),
        a_request(3, "iv-ketamine-pain", time(10, 30)),
        a_request(4, "consult", latest_start="09:00"),
    ]
    model, schedule = solved(calendar, arrivals, patience_days=7)
    assert sorted(schedule) == [0, 1, 2, 3, 4]
    assert schedule[3][0] >= arrivals[3].at  # nothing before the request
    accepted_by_plan_check(calendar, arrivals, schedule)


def test_one_chair_takes_one_pain_course_of_three_asking_the_same_week() -> None:
    # A 285-minute visit and its turnover hold a chair for more than half a day, and each course wants
    # 5 consecutive clinic days: with 2 days of patience, the courses cannot interleave.
    calendar = a_clinic(chairs=1)
    arrivals = [a_request(n, "iv-ketamine-pain") for n in range(3)]
    model, schedule = solved(calendar, arrivals, patience_days=2)
    assert len(schedule) == 1
    accepted_by_plan_check(calendar, arrivals, schedule)


def test_the_waiting_phase_records_the_schedules_it_finds() -> None:
    calendar = a_clinic(chairs=2)
    arrivals = [a_request(n, key) for n, key in enumerate(["iv-ketamine-depression"] * 3 + ["spravato-trd"] * 2)]
    model, _ = solved(calendar, arrivals, patience_days=7)
    model.model.add(model.courses >= len(arrivals))
    phase, solver = model.solve(20, 2, "waiting")
    assert phase.status == "OPTIMAL" and solver is not None
    assert phase.found and phase.found[-1][1] == phase.value == solver.objective_value
    assert phase.best_after(phase.seconds) == phase.value


def test_best_after_is_the_last_schedule_found_by_then() -> None:
    phase = Phase("FEASIBLE", 40.0, 10.0, 60.0, found=((1.0, 90.0), (5.0, 70.0), (30.0, 40.0)))
    assert math.isnan(phase.best_after(0.5))  # nothing found yet
    assert phase.best_after(1.0) == 90.0
    assert phase.best_after(29.9) == 70.0
    assert phase.best_after(60.0) == 40.0
