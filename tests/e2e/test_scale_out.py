"""Two machines' worth of the service on one PostgreSQL: two gunicorn instances and two `flask scheduler run`.

Every process stands apart, as on separate machines; they share the database and their settings
(SECRET_KEY, BASE_URL, MAIL_FROM), nothing else. Proven here:
- a login session begun on one instance is honoured by the other, and a feed link one instance issues
  (on the shared BASE_URL) is served by the other: any instance can answer any request;
- front desks in many processes book whole courses for the same first days and chairs, each proposing
  through one instance and booking through the other: no chair holds two overlapping visits, nurse
  capacity and starts per slot are never exceeded (counted from the tables), every 201 is in the
  database exactly as answered and nothing else is, every loser got a 409 naming the session, no 5xx;
- meanwhile the leading scheduler sends their reminders; it is SIGKILLed in the middle of a message the
  SMTP server has not accepted yet, the standby takes over, and every reminder arrives exactly once.
  (A kill after the server accepted a message and before the sender recorded it means that one
  message arrives twice with the same Message-ID: see test_scheduler_processes.py.)
"""

from __future__ import annotations

import random
import re
import signal
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text

from tests.integration.databases import scratch_postgres
from tests.invariants import capacity_breaches, chair_overlaps

from .gunicorn_server import (
    PROCESSES,
    ClientProcesses,
    GunicornService,
    booked_series,
    gunicorn_instances,
    orphan_appointments,
    requested,
)
from .scheduler_processes import (
    LEADING,
    MAIL_FROM,
    SESSIONS,
    STANDING_BY,
    TAKING_OVER,
    GatedMailServer,
    Processes,
    admin_token,
    clinic_with_due_reminders,
    outbox,
    reminded_patient,
    scheduler_env,
    statuses,
    tomorrow,
    wait_until,
)
from .server import FrontDesk

# What every machine is given alike; a load balancer's public address is the one BASE_URL.
SHARED = {"SECRET_KEY": "scale-out-secret", "BASE_URL": "https://scheduler.clinic.test", "MAIL_FROM": MAIL_FROM}
ADMIN, PASSWORD = "scale-admin@clinic.test", "a-long-enough-password"
WORKERS = 2  # per instance: two machines of two workers on this 2-core box
DESKS, PER_DESK = 8, 2  # client processes, and the patients each books a course for
CHAIRS, NURSES = 4, 1  # one nurse: 3 monitored patients and 1 start per slot bind before the 4 chairs do
RETRIES = 20  # fresh proposals per course before a desk gives up
KILL_AFTER = 12  # reminders the SMTP server accepts from the leader before it holds the next one


@dataclass
class Deployment:
    instances: list[GunicornService]
    desks: list[FrontDesk]  # one administrator's token, at each instance
    engine: Engine


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """One scratch PostgreSQL, migrated once; two gunicorn instances on it with the same settings."""
    folder = tmp_path_factory.mktemp("scale-out")
    with scratch_postgres() as url, gunicorn_instances(url, 2, WORKERS, folder, SHARED) as instances:
        token = admin_token(url, ADMIN, PASSWORD)
        engine = create_engine(url)
        try:
            yield Deployment(instances, [FrontDesk(i.base, token) for i in instances], engine)
        finally:
            engine.dispose()


def test_a_login_and_a_feed_link_from_one_instance_work_on_the_other(deployment: Deployment) -> None:
    first, second = (instance.base for instance in deployment.instances)

    status, form, anonymous = _page(first, "/login")
    assert status == 200, form
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert csrf, form
    login = {"csrf_token": csrf.group(1), "email": ADMIN, "password": PASSWORD}
    status, answer, logged_in = _page(second, "/login", anonymous, login)  # the form comes back to the other one
    assert (status, logged_in.startswith("scheduler_session=")) == (302, True), answer

    assert _page(first, "/board", logged_in)[0] == 200, "the session made by the second instance was refused"
    assert _page(first, "/board")[0] == 302, "the board opens without a session: the check above proves nothing"

    desk = deployment.desks[0]
    patient_id = desk.patient("Feed")
    link = desk.create(f"/api/v1/patients/{patient_id}/feed-tokens", {})
    assert link["url"].startswith(f"{SHARED['BASE_URL']}/feeds/"), link
    status, feed, _ = _page(second, link["url"].removeprefix(SHARED["BASE_URL"]))
    assert (status, feed.startswith("BEGIN:VCALENDAR")) == (200, True), feed


def test_desks_on_both_instances_never_double_book_and_each_reminder_arrives_once_despite_a_killed_leader(
    deployment: Deployment, tmp_path: Path
) -> None:
    desk, other = deployment.desks
    clinic_id = clinic_with_due_reminders(desk, CHAIRS, NURSES, "Scale-out Clinic")
    patients = [[reminded_patient(desk, d * PER_DESK + n) for n in range(PER_DESK)] for d in range(DESKS)]
    # Desk d proposes through one instance and books through the other; half of the desks the other way round.
    routes = [(desk, other) if d % 2 == 0 else (other, desk) for d in range(DESKS)]
    with (
        GatedMailServer(accept=KILL_AFTER) as mail,
        Processes(scheduler_env(deployment.instances[0].env, mail), tmp_path) as started,  # the first machine's
    ):
        leader = started.scheduler("leader")
        leader.wait_to_say(LEADING)
        standby = started.scheduler("standby")
        standby.wait_to_say(STANDING_BY)

        start_line = PROCESSES.Barrier(DESKS)
        first_day = tomorrow()
        arguments = [(*routes[d], clinic_id, mine, first_day, start_line) for d, mine in enumerate(patients)]
        clients = ClientProcesses(_book_courses, arguments)
        wait_until(lambda: mail.held > 0, 60, started.logs)  # the leader is in the middle of a message
        leader.kill()
        accepted_from_the_leader = len(mail.received())
        mail.release()
        answers = [answer for log in clients.collect(timeout=120) for answer in log]

        booked = {patient: body for _, patient, status, body in answers if status == 201}
        reminders = sum(len(body["appointments"]) for body in booked.values())
        standby.wait_to_say(TAKING_OVER)
        standby.wait_to_say(LEADING)
        wait_until(
            lambda: statuses(outbox(other, clinic_id)) == {"sent": reminders},
            60,
            lambda: f"outbox: {dict(statuses(outbox(other, clinic_id)))}\n{started.logs()}",
        )
        started.stop_all()

    # The bookings: every answer a 201 or a clear 409, and the database holds exactly the 201s.
    by_status = Counter(status for _, _, status, _ in answers)
    assert set(by_status) <= {201, 409}, [a for a in answers if a[2] not in (201, 409)]  # a proposal's 200 is not kept
    assert by_status[409] > 0, "the desks never collided: nothing was raced"
    assert {base for base, _, status, _ in answers if status == 201} == {desk.base, other.base}
    for _, _, status, body in answers:
        if status == 409:
            assert body["errors"]["session"] in range(SESSIONS) and body["errors"]["rule"], body
    assert len(booked) == by_status[201], "a patient was booked twice"
    series = booked_series(deployment.engine, clinic_id)
    assert series == {patient: [(body["id"], requested(body["appointments"]))] for patient, body in booked.items()}
    assert orphan_appointments(deployment.engine) == 0
    assert chair_overlaps(deployment.engine) == []
    assert capacity_breaches(deployment.engine) == []
    (monitored, room), (starts, allowed) = peak_load(deployment.engine, clinic_id)
    assert (monitored, starts) == (room, allowed), "capacity exceeded, or never reached (then nothing was raced)"

    # The reminders: one per booked visit, each delivered once; the leader's part ended at the kill.
    assert leader.process.returncode == -signal.SIGKILL, started.logs()
    assert accepted_from_the_leader == KILL_AFTER < reminders
    rows = outbox(other, clinic_id)
    appointment_ids = [a["id"] for body in booked.values() for a in body["appointments"]]
    assert sorted(row["appointment_id"] for row in rows) == sorted(appointment_ids)
    assert mail.message_ids() == Counter({row["message_id"]: 1 for row in rows})
    assert [row["attempts"] for row in rows] == [1] * reminders, "the killed leader's attempt was recorded"
    assert (_sent(leader.log()), _sent(standby.log())) == (KILL_AFTER, reminders - KILL_AFTER), started.logs()


def _book_courses(
    proposer: FrontDesk, booker: FrontDesk, clinic_id: int, patients: list[int], first_day: str, start_line: Any
) -> list[tuple[str, int, int, Any]]:
    """Book each patient's course: propose through one instance, book through the other; on 409 propose again.

    Every answer, as (instance, patient, status, body).
    """
    start_line.wait(timeout=30)
    log = []
    for patient in patients:
        for _ in range(RETRIES):
            status, answer = proposer.propose(clinic_id, patient, first_day, maintenance=0)
            if status == 200:
                status, answer = booker.book(clinic_id, patient, answer["proposals"][0]["sessions"])
                log.append((booker.base, patient, status, answer))
            else:
                log.append((proposer.base, patient, status, answer))
            if status != 409:
                break
            time.sleep(random.uniform(0, 0.05))  # as a person would, rather than all at once again
    return log


def peak_load(engine: Engine, clinic_id: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """(most patients monitored at one instant, room for), (most starts in one slot, allowed): from the rows alone.

    The clinic has the same nurses every weekday (NURSES), so room = NURSES x patients per nurse. The load
    peaks at some visit's start, so counting the visits under way at each start finds the peak.
    """
    with engine.connect() as conn:
        per_nurse, starts_per_nurse, slot = conn.execute(
            text(
                "SELECT s.patients_per_nurse, s.starts_per_nurse_per_slot, c.slot_minutes FROM staffing s "
                "JOIN clinics c ON c.id = s.clinic_id WHERE c.id = :c"
            ),
            {"c": clinic_id},
        ).one()
        monitored = conn.execute(
            text(
                "SELECT max(n) FROM (SELECT count(*) AS n FROM appointments a JOIN appointments b "
                "ON b.clinic_id = a.clinic_id AND b.start_at <= a.start_at AND a.start_at < b.end_at "
                f"WHERE a.clinic_id = :c AND {_monitored('a')} AND {_monitored('b')} GROUP BY a.id) AS at_each_start"
            ),
            {"c": clinic_id},
        ).scalar_one()
        starts = conn.execute(
            text(
                "SELECT max(n) FROM (SELECT count(*) AS n FROM appointments a "
                f"WHERE a.clinic_id = :c AND {_monitored('a')} "
                "GROUP BY floor(extract(epoch FROM a.start_at) / (60 * :slot))) AS per_slot"
            ),
            {"c": clinic_id, "slot": slot},
        ).scalar_one()
    return (monitored, NURSES * per_nurse), (starts, NURSES * starts_per_nurse)


def _monitored(visit: str) -> str:
    return f"{visit}.uses_nurse AND {visit}.status IN ('booked', 'checked_in', 'completed')"


def _sent(log: str) -> int:
    """How many outbox rows a scheduler's log says it sent ("outbox 7 (reminder, email): sent after 1 attempt(s)").

    Distinct rows, not lines: a second log handler would print each line twice.
    """
    return len(set(re.findall(r"outbox (\d+) \(\w+, email\): sent after", log)))


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 302 is an answer to look at, not to follow


_OPENER = urllib.request.build_opener(_NoRedirects)


def _page(base: str, path: str, cookie: str = "", form: dict[str, str] | None = None) -> tuple[int, str, str]:
    """GET a page, or POST a form, as a browser with this cookie; (status, body, the cookie it set or "")."""
    request = urllib.request.Request(
        base + path,
        data=None if form is None else urllib.parse.urlencode(form).encode(),
        headers={"Cookie": cookie} if cookie else {},
    )
    try:
        response = _OPENER.open(request, timeout=30)
    except urllib.error.HTTPError as error:
        response = error
    with response:
        cookie = response.headers.get("Set-Cookie", "").split(";")[0]  # name=value, without its attributes
        return response.getcode(), response.read().decode(errors="replace"), cookie
