"""SIGKILL the whole server (gunicorn's master and every worker) while front desks book: no half-booked series remains.

After each kill the service is restarted on the same database. Every series found there must be
exactly one the clients asked for: a booking answered 201 is there in full, a booking cut off by the
kill is there in full or not at all, and nothing else is there.
"""

from __future__ import annotations

import http.client
import random
import time
import urllib.error
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine

from tests.integration.databases import scratch_postgres, scratch_sqlite
from tests.invariants import capacity_breaches, chair_overlaps

from .gunicorn_server import PROCESSES, ClientProcesses, booked_series, gunicorn_service, orphan_appointments, requested
from .server import FrontDesk

DESKS = 8
ROUNDS = 2
BOOKED_BEFORE_THE_KILL = 4  # per round: the kill falls while the desks are in full swing
FIRST_DAY = "2027-06-07"  # a Monday
MAINTENANCE = 2
CUT = "cut off"  # the request was sent, and the server died before it answered
REFUSED = "refused"  # the server was already gone: nothing was sent


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_server_killed_in_the_middle_of_bookings_leaves_no_partial_series(database: str, tmp_path: Path) -> None:
    scratch = scratch_sqlite(str(tmp_path)) if database == "sqlite" else scratch_postgres()
    with scratch as url, gunicorn_service(url, workers=4, log_path=tmp_path / "gunicorn.log") as service:
        token = service.admin_token()
        desk = FrontDesk(service.base, token)
        clinic_id, _ = desk.clinic(chairs=4, nurses=2)
        attempts: list[tuple[int, list[dict[str, Any]] | None, object]] = []
        for round_ in range(ROUNDS):
            booked = PROCESSES.Value("i", 0)
            desks = ClientProcesses(
                _book_until_cut_off, [(desk, clinic_id, f"{round_}.{d}", booked) for d in range(DESKS)]
            )
            _wait_for(lambda booked=booked: booked.value >= BOOKED_BEFORE_THE_KILL, service.log)
            time.sleep(random.uniform(0, 0.3))

            service.kill()
            attempts += [attempt for log in desks.collect(timeout=60) for attempt in log]
            service.start()
            desk = FrontDesk(service.base, token)  # the restarted service listens on a new port

            engine = create_engine(url)
            try:
                _assert_only_whole_requested_series(engine, clinic_id, attempts, service.log)
            finally:
                engine.dispose()

        outcomes = Counter(outcome for _, sessions, outcome in attempts if sessions is not None)
        assert set(outcomes) <= {201, 409, CUT, REFUSED}, (outcomes, service.log())
        assert outcomes[CUT] >= 1, f"no booking was in flight when the server died: {outcomes}"
        patient = desk.patient("After the crash")
        status, answer = desk.propose(clinic_id, patient, FIRST_DAY, MAINTENANCE)
        assert status == 200, answer
        assert desk.book(clinic_id, patient, answer["proposals"][0]["sessions"])[0] == 201, "it books again"


def _book_until_cut_off(desk: FrontDesk, clinic_id: int, name: str, booked: Any) -> list[tuple[int, Any, object]]:
    """Book courses one patient after another until the server dies; (patient, sessions, outcome) of each request.

    A 409 is retried with the next proposal it offers, so that most requests in flight are bookings.
    """
    log: list[tuple[int, Any, object]] = []
    deadline = time.monotonic() + 45  # in case the kill never comes
    try:
        while time.monotonic() < deadline:
            patient = desk.patient(f"Desk {name} #{len(log)}")
            log.append((patient, None, "created"))
            status, answer = desk.propose(clinic_id, patient, FIRST_DAY, MAINTENANCE)
            sessions = answer["proposals"][0]["sessions"] if status == 200 else None
            while sessions is not None:
                try:
                    status, answer = desk.book(clinic_id, patient, sessions)
                except (OSError, http.client.HTTPException) as error:
                    log.append((patient, sessions, REFUSED if _refused(error) else CUT))
                    return log
                log.append((patient, sessions, status))
                if status == 201:
                    with booked.get_lock():
                        booked.value += 1
                offered = answer["errors"].get("next_proposal") if status == 409 else None
                sessions = offered["sessions"] if offered else None
    except (OSError, http.client.HTTPException):
        pass  # the server died while a patient was created or a proposal computed: nothing to book
    return log


def _refused(error: BaseException) -> bool:
    return isinstance(error, urllib.error.URLError) and isinstance(error.reason, ConnectionRefusedError)


def _wait_for(condition: Callable[[], bool], log: Callable[[], str], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"the desks booked too little in {seconds} s:\n{log()}")
        time.sleep(0.02)


def _assert_only_whole_requested_series(
    engine: Engine, clinic_id: int, attempts: list[tuple[int, Any, object]], log: Callable[[], str]
) -> None:
    """Each patient holds at most one series, and it is exactly what a 201 or a cut-off request asked for."""
    by_patient: dict[int, list[tuple[Any, object]]] = {}
    for patient, sessions, outcome in attempts:
        by_patient.setdefault(patient, [])
        if sessions is not None:
            by_patient[patient].append((sessions, outcome))
    found = booked_series(engine, clinic_id)

    assert set(found) <= set(by_patient), "a series nobody asked for"
    for patient, tries in by_patient.items():
        series = found.get(patient, [])
        assert len(series) <= 1, f"patient {patient} holds {len(series)} series"
        booked = series[0][1] if series else None
        won = [requested(sessions) for sessions, outcome in tries if outcome == 201]
        cut = [requested(sessions) for sessions, outcome in tries if outcome == CUT]
        if won:
            assert booked == won[0], f"patient {patient}: booked (201) {won[0]}, the database holds {booked}"
        else:
            assert booked is None or booked in cut, f"patient {patient}: {booked} was never booked whole: {tries}"
    assert orphan_appointments(engine) == 0, "appointments without their series"
    assert chair_overlaps(engine) == []
    assert capacity_breaches(engine) == [], log()
