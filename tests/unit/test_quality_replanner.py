"""The re-planning yardstick of the schedule-quality benchmark (quality_replanner.py), on days that hold one visit.

Skipped when the benchmark extra (ortools) is not installed.
"""

from __future__ import annotations

import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

pytest.importorskip("ortools")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from quality_arrivals import PROTOCOLS, Arrival  # noqa: E402
from quality_replanner import Replanner, play  # noqa: E402

from scheduler_service.domain.clinic import Chair, ClinicCalendar, OpeningHours, Staffing  # noqa: E402
from tests.unit.test_quality_model import MONDAY, ZONE, accepted_by_plan_check  # noqa: E402

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def a_clinic(closes: str) -> ClinicCalendar:
    """One IV chair and one consult room, open 8:00 to `closes` on weekdays."""
    hours = OpeningHours.parse({d: [["08:00", closes]] for d in WEEKDAYS})
    staffing = Staffing.parse({d: 1 for d in WEEKDAYS}, 3, 1, hours=hours)
    rooms = (Chair(1, "Chair 1", frozenset({"iv", "spravato"})), Chair(99, "Consult room", frozenset({"consult"})))
    return ClinicCalendar(ZONE, hours, rooms, staffing)


def a_request(number: int, key: str, at: time, stops_after: int | None = None, **preferences: object) -> Arrival:
    moment = datetime.combine(MONDAY, at, tzinfo=ZONE)
    return Arrival(number, moment, key, dict(preferences), PROTOCOLS[key].finite_sessions, frozenset(), stops_after)


def played(calendar: ClinicCalendar, arrivals: list[Arrival], patience_days: int) -> Replanner:
    replanner = Replanner(calendar, arrivals, patience_days, MONDAY, MONDAY + timedelta(days=60), 20, 2)
    play(replanner, arrivals)
    assert replanner.optimal == replanner.solves > 0
    return replanner


def first_day(replanner: Replanner, number: int) -> date:
    return replanner.plan[number][0].date()


def test_a_course_not_started_moves_later_to_let_a_new_request_in_but_one_starting_tomorrow_stays() -> None:
    # 8:00-9:00 holds one 45-minute consult and its turnover; the requests come on Monday.
    calendar = a_clinic("09:00")
    wednesday, thursday = MONDAY + timedelta(days=2), MONDAY + timedelta(days=3)
    arrivals = [
        a_request(0, "consult", time(9, 30), weekdays=["wed", "thu"]),
        a_request(1, "consult", time(10, 0), weekdays=["wed"]),
        a_request(2, "consult", time(10, 30)),  # Tuesday: starts tomorrow, so it is pinned
        a_request(3, "consult", time(11, 0), weekdays=["tue"]),
    ]
    replanner = played(calendar, arrivals, patience_days=4)  # Friday stays free for any course that may move
    assert replanner.promised[0] == wednesday  # the soonest, when it was the only request
    assert first_day(replanner, 0) == thursday and 0 in replanner.moved  # moved later, as its preferences allow
    assert first_day(replanner, 1) == wednesday
    assert first_day(replanner, 2) == MONDAY + timedelta(days=1) and 2 not in replanner.moved
    assert 3 not in replanner.plan  # only Tuesday would do, and Tuesday's visit is tomorrow's
    accepted_by_plan_check(calendar, arrivals, replanner.plan)


def test_a_cancellation_lets_a_course_not_started_move_up() -> None:
    # 8:00-13:00 holds one 285-minute pain infusion and its turnover: 5 consecutive clinic days a course.
    calendar = a_clinic("13:00")
    arrivals = [
        a_request(0, "iv-ketamine-pain", time(7, 0), stops_after=0),  # Monday to Friday; stops after Monday's
        a_request(1, "iv-ketamine-pain", time(9, 0)),
    ]
    replanner = played(calendar, arrivals, patience_days=14)
    assert replanner.stopped == {0}
    assert replanner.promised[1] == MONDAY + timedelta(days=7)  # after the first course, when it was booked
    assert first_day(replanner, 1) == MONDAY + timedelta(days=1)  # tomorrow, once Monday's patient stopped
    assert [s.date() for s in replanner.plan[1]] == [MONDAY + timedelta(days=d) for d in (1, 2, 3, 4, 7)]
    # Both courses as planned in the end would collide: only the first one's Monday visit still holds a chair.
    held = {0: replanner.plan[0][:1], 1: replanner.plan[1]}
    accepted_by_plan_check(calendar, arrivals, held)
