"""Many front desks in many processes book at the same moment against gunicorn's workers: nobody is double-booked.

The same test code runs on SQLite (one writer serialises bookings) and on PostgreSQL (per clinic-day
advisory locks, and an exclusion constraint on chair x time range). Dates lie in 2027 and later, so
the server's real clock never matters.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine

from tests.integration.databases import scratch_postgres, scratch_sqlite
from tests.invariants import capacity_breaches, chair_overlaps

from .gunicorn_server import (
    PROCESSES,
    GunicornService,
    booked_series,
    gunicorn_service,
    in_processes,
    orphan_appointments,
    requested,
)
from .server import FrontDesk

RACERS = 10
FIRST_DAY = "2027-03-01"  # a Monday; the induction runs into the following weeks
MAINTENANCE = 3  # 6 induction sessions + 3 maintenance: a full iv-ketamine-depression course of 9 visits
RETRIES = 20  # fresh proposals per course before a desk gives up


@dataclass
class Served:
    service: GunicornService
    desk: FrontDesk
    engine: Engine


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The service under gunicorn (4 sync workers) on a fresh database, and an administrator's token."""
    folder = tmp_path_factory.mktemp(f"races-{request.param}")
    scratch = scratch_sqlite(str(folder)) if request.param == "sqlite" else scratch_postgres()
    with scratch as url, gunicorn_service(url, workers=4, log_path=folder / "gunicorn.log") as service:
        engine = create_engine(url)
        try:
            yield Served(service, FrontDesk(service.base, service.admin_token()), engine)
        finally:
            engine.dispose()


@pytest.mark.parametrize("round_", range(3))
def test_racers_for_the_same_last_places_one_wins_and_every_loser_gets_409(served: Served, round_: int) -> None:
    desk = served.desk
    clinic_id, _ = desk.clinic(chairs=1, nurses=1)  # a fresh clinic each round: its one chair is the last place
    patients = [desk.patient(f"Racer {n}") for n in range(RACERS)]
    status, answer = desk.propose(clinic_id, patients[0], FIRST_DAY, MAINTENANCE)
    assert status == 200, answer
    sessions = answer["proposals"][0]["sessions"]
    start_line = PROCESSES.Barrier(RACERS)

    answers = in_processes(_book_at_once, [(desk, clinic_id, p, sessions, start_line) for p in patients], timeout=60)

    statuses = Counter(status for status, _ in answers)
    assert statuses == {201: 1, 409: RACERS - 1}, (answers, served.service.log())
    winner = next(patient for patient, (status, _) in zip(patients, answers, strict=True) if status == 201)
    for status, body in answers:
        if status == 409:
            assert body["errors"]["session"] == 0 and body["errors"]["rule"], body
    series = booked_series(served.engine, clinic_id)
    assert list(series) == [winner]
    assert [booked for _, booked in series[winner]] == [requested(sessions)], "the series is not exactly as requested"
    assert_the_database_holds_no_double_booking(served.engine)


def _book_at_once(
    desk: FrontDesk, clinic_id: int, patient_id: int, sessions: list[dict[str, Any]], start_line: Any
) -> tuple[int, Any]:
    start_line.wait(timeout=30)
    return desk.book(clinic_id, patient_id, sessions)


def test_front_desks_booking_whole_courses_at_once_never_double_book(served: Served) -> None:
    desk = served.desk
    clinic_id, _ = desk.clinic(chairs=3, nurses=1)  # one nurse: 3 monitored patients, 1 start per slot
    per_desk = 3
    patients = [[desk.patient(f"Desk {d} patient {n}") for n in range(per_desk)] for d in range(RACERS)]
    start_line = PROCESSES.Barrier(RACERS)

    logs = in_processes(_book_courses, [(desk, clinic_id, mine, start_line) for mine in patients], timeout=120)

    attempts = [attempt for log in logs for attempt in log]
    statuses = Counter(status for _, status, _ in attempts)
    assert set(statuses) <= {201, 409}, (
        statuses,
        [a for a in attempts if a[1] not in (201, 409)],
        served.service.log(),
    )
    assert statuses[409] > 0, "the desks never collided: nothing was raced"
    booked = {patient: body for patient, status, body in attempts if status == 201}
    assert len(booked) == statuses[201], "a patient was booked twice"
    # Liveness, not the guarantee: with everyone after the same first places some may give up, but nobody starves.
    assert all(any(status == 201 for _, status, _ in log) for log in logs), f"a desk booked nothing: {statuses}"
    series = booked_series(served.engine, clinic_id)
    assert set(series) == set(booked)
    for patient, body in booked.items():
        assert series[patient] == [(body["id"], requested(body["appointments"]))], f"series of patient {patient}"
    assert_the_database_holds_no_double_booking(served.engine)


def _book_courses(desk: FrontDesk, clinic_id: int, patients: list[int], start_line: Any) -> list[tuple[int, int, Any]]:
    """Book each patient's course: propose, book; on 409 ask for a fresh proposal. Every answer, in order."""
    start_line.wait(timeout=30)
    log = []
    for patient in patients:
        for _ in range(RETRIES):
            status, answer = desk.propose(clinic_id, patient, FIRST_DAY, MAINTENANCE)
            if status != 200:
                log.append((patient, status, answer))
                break
            status, answer = desk.book(clinic_id, patient, answer["proposals"][0]["sessions"])
            log.append((patient, status, answer))
            if status != 409:
                break
            time.sleep(random.uniform(0, 0.05))  # as a person would, rather than all at once again
    return log


def assert_the_database_holds_no_double_booking(engine: Engine) -> None:
    assert orphan_appointments(engine) == 0
    assert chair_overlaps(engine) == []
    assert capacity_breaches(engine) == []
