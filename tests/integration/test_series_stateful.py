"""Random days at the front desk: book, move, cancel, record visits and extend, checking the invariants every step.

A hypothesis state machine drives the HTTP API of a small clinic (1-2 chairs, one nurse) so that conflicts really
happen. After every step, counted from the tables: no two visits share a chair, no nurse or slot is over capacity,
every answer is an expected one (never a 500), a refused request wrote nothing, a change bumped the version of each
appointment it touched by exactly 1 and audited each, a cancelled series keeps nothing booked ahead, and versions
only grow. It runs once on SQLite and once on PostgreSQL, like every integration test.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from scheduler_service.adapters import orm
from scheduler_service.adapters.clock import FixedClock
from scheduler_service.extensions import db

from ..invariants import capacity_breaches, chair_overlaps
from .scenes import WEEKDAYS, another_patient, houston_clinic
from .test_booking_api import book, propose

PROTOCOL = "iv-ketamine-depression"
ZONE = ZoneInfo("America/Chicago")  # houston_clinic's zone
START = datetime.fromisoformat("2026-11-20T12:00:00+00:00")  # the `clock` fixture's Friday
KEEP = {"users", "api_tokens", "protocols"}  # who may call, and the built-in protocols; the rest is per example
REFUSED = (409, 422)

SHIFTS = st.sampled_from([-2880, -1440, -120, -60, -15, 7, 15, 30, 60, 120, 1440, 2880, 4320, 10080])
VISIT_PATHS = {"check-in": "check_in", "complete": "complete", "no-show": "no_show"}


@dataclass(frozen=True)
class Row:
    series_id: int
    index: int
    phase: str
    status: str
    status_reason: str
    start: datetime
    end: datetime
    blocked_until: datetime
    chair_id: int
    version: int


@dataclass(frozen=True)
class Snapshot:
    appointments: dict[int, Row]
    series: dict[int, str]
    patients: frozenset[int]
    last_audit_id: int


@dataclass
class Step:
    what: str
    status: int
    body: Any
    success: int
    before: Snapshot
    after: Snapshot
    audit: list[Any]


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo("UTC"))


def snapshot() -> Snapshot:
    """Every appointment and series as the tables hold them now, and where the audit log ends."""
    db.session.remove()
    with db.engine.connect() as conn:
        rows = conn.execute(select(orm.Appointment.__table__)).mappings().all()
        series = conn.execute(select(orm.Series.id, orm.Series.status)).all()
        patients = conn.execute(select(orm.Patient.id)).scalars().all()
        last = conn.execute(select(orm.AuditRecord.id).order_by(orm.AuditRecord.id.desc()).limit(1)).scalar()
    return Snapshot(
        appointments={
            r["id"]: Row(
                r["series_id"],
                r["index"],
                r["phase"],
                r["status"],
                r["status_reason"],
                _aware(r["start_at"]),
                _aware(r["end_at"]),
                _aware(r["blocked_until"]),
                r["chair_id"],
                r["version"],
            )
            for r in rows
        },
        series=dict(series),
        patients=frozenset(patients),
        last_audit_id=last or 0,
    )


def audit_after(last_id: int) -> list[Any]:
    with db.engine.connect() as conn:
        table = orm.AuditRecord.__table__
        return list(conn.execute(select(table).where(table.c.id > last_id).order_by(table.c.id)).mappings().all())


def empty_the_clinic_tables() -> None:
    """Hypothesis runs many examples inside one test: start each from no clinic, patient, series or audit."""
    db.session.remove()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in KEEP:
                conn.execute(table.delete())


def iso(moment: datetime) -> str:
    return moment.astimezone(ZONE).isoformat()


class FrontDesk(RuleBasedStateMachine):
    """One front desk and one clinician working a small clinic through the API while the clock moves on."""

    def __init__(self, client: Any, auth: dict[str, dict[str, str]], clock: FixedClock) -> None:
        super().__init__()
        self.client, self.auth, self.clock = client, auth, clock
        empty_the_clinic_tables()
        clock.at = START
        self.clinic_id = 0
        self.chair_ids: list[int] = []
        self.patients: list[int] = []
        self.proposals: list[tuple[int, list[dict[str, Any]]]] = []  # (patient, sessions), kept until stale
        self.step: Step | None = None
        self.highest: dict[int, int] = {}  # the highest version ever seen of each appointment

    # --- the clinic -------------------------------------------------------------------------------------------

    @initialize(chairs=st.integers(1, 2), patients_per_nurse=st.integers(1, 3))
    def open_a_small_clinic(self, chairs: int, patients_per_nurse: int) -> None:
        clinic = houston_clinic(self.client, self.auth, chairs=chairs, nurses=1)
        staffing = self.client.put(
            f"/api/v1/clinics/{clinic.id}/staffing",
            json={"nurses": dict.fromkeys(WEEKDAYS, 1), "patients_per_nurse": patients_per_nurse},
            headers=self.auth["admin"],
        )
        assert staffing.status_code == 200, staffing.get_json()
        self.clinic_id, self.chair_ids, self.patients = clinic.id, clinic.chair_ids, [clinic.patient_id]

    # --- calling the API, remembering what each call did -----------------------------------------------------

    def call(
        self, what: str, path: str, body: dict[str, Any] | None = None, role: str = "front_desk", success: int = 200
    ) -> Any:
        before = snapshot()
        response = self.client.post(path, json=body or {}, headers=self.auth[role])
        after = snapshot()
        self.step = Step(
            what, response.status_code, response.get_json(), success, before, after, audit_after(before.last_audit_id)
        )
        return response

    def today(self) -> datetime:
        return self.clock.at.astimezone(ZONE)

    def propose_for(self, patient_id: int, days_ahead: int, maintenance: int) -> list[dict[str, Any]] | None:
        """A proposal from the planner (writes nothing); None when no plan fits."""
        before = snapshot()
        response = self.client.post(
            "/api/v1/series/proposals",
            json={
                "patient_id": patient_id,
                "clinic_id": self.clinic_id,
                "protocol_key": PROTOCOL,
                "earliest_date": (self.today().date() + timedelta(days=days_ahead)).isoformat(),
                "maintenance_sessions": maintenance,
                "alternatives": 0,
            },
            headers=self.auth["front_desk"],
        )
        assert response.status_code in (200, 422), (response.status_code, response.get_json())
        assert snapshot() == before, "a proposal wrote something"
        if response.status_code != 200:
            return None
        sessions = response.get_json()["proposals"][0]["sessions"]
        self.proposals.append((patient_id, sessions))
        return sessions

    def appointment_ids(self, *statuses: str) -> list[int]:
        rows = snapshot().appointments
        return sorted(i for i, r in rows.items() if not statuses or r.status in statuses)

    def has_appointments(self) -> bool:
        return bool(snapshot().appointments)

    def has_series(self) -> bool:
        return bool(snapshot().series)

    # --- rules ------------------------------------------------------------------------------------------------

    @rule(
        data=st.data(),
        new_patient=st.booleans(),
        stale=st.booleans(),
        days_ahead=st.integers(0, 21),
        maintenance=st.integers(0, 2),
        edit=st.sampled_from(["as proposed", "shift", "any chair", "other chair", "first sessions", "past"]),
    )
    def book_a_series(
        self, data: Any, new_patient: bool, stale: bool, days_ahead: int, maintenance: int, edit: str
    ) -> None:
        if stale and self.proposals:
            patient_id, sessions = data.draw(st.sampled_from(self.proposals), label="stale proposal")
        else:
            if new_patient:
                self.patients.append(another_patient(self.client, self.auth, f"Patient {len(self.patients) + 1}"))
            patient_id = data.draw(st.sampled_from(self.patients), label="patient")
            proposed = self.propose_for(patient_id, days_ahead, maintenance)
            if proposed is None:
                self.step = None
                return
            sessions = proposed
        requested = [{"start": s["start"], "chair_id": s["chair_id"]} for s in sessions]
        i = data.draw(st.integers(0, len(requested) - 1), label="session edited")
        if edit == "shift":
            moved = datetime.fromisoformat(requested[i]["start"]) + timedelta(minutes=data.draw(SHIFTS, label="by"))
            requested[i]["start"] = moved.isoformat()
        elif edit == "any chair":
            requested[i]["chair_id"] = None
        elif edit == "other chair":
            requested[i]["chair_id"] = data.draw(st.sampled_from(self.chair_ids), label="chair")
        elif edit == "first sessions":
            requested = requested[: i + 1]
        elif edit == "past":
            requested[0]["start"] = iso(self.clock.at - timedelta(days=1))
        response = self.call(
            "book",
            "/api/v1/series",
            {"patient_id": patient_id, "clinic_id": self.clinic_id, "protocol_key": PROTOCOL, "sessions": requested},
            success=201,
        )
        offered = (
            (response.get_json().get("errors") or {}).get("next_proposal") if response.status_code == 409 else None
        )
        if offered:
            self.proposals.append((patient_id, offered["sessions"]))

    @precondition(has_appointments)
    @rule(
        data=st.data(),
        cascade=st.sampled_from(["none", "following"]),
        place=st.sampled_from(["free start", "shifted", "another visit's place", "a neighbour's place"]),
        pick_chair=st.booleans(),
    )
    def reschedule(self, data: Any, cascade: str, place: str, pick_chair: bool) -> None:
        rows = snapshot().appointments
        booked = self.appointment_ids("booked")
        any_status = data.draw(st.integers(0, 9), label="any status (0) or booked") == 0
        appointment_id = data.draw(st.sampled_from(booked if booked and not any_status else sorted(rows)), label="id")
        current = rows[appointment_id]
        chair_id: int | None = None
        if place == "free start":
            day = current.start.astimezone(ZONE).date()
            free = self.client.get(
                f"/api/v1/clinics/{self.clinic_id}/availability",
                query_string={
                    "protocol_key": PROTOCOL,
                    "from": (day - timedelta(days=3)).isoformat(),
                    "to": (day + timedelta(days=7)).isoformat(),
                },
                headers=self.auth["front_desk"],
            )
            assert free.status_code == 200, free.get_json()
            starts = [s for d in free.get_json() for s in d["starts"]]
            if not starts:
                self.step = None
                return
            chosen = data.draw(st.sampled_from(starts), label="free start")
            start = chosen["start"]
            if pick_chair and chosen["chair_ids"]:
                chair_id = data.draw(st.sampled_from(chosen["chair_ids"]), label="chair")
        elif place == "shifted":
            start = iso(current.start + timedelta(minutes=data.draw(SHIFTS, label="by")))
            if pick_chair:
                chair_id = data.draw(st.sampled_from(self.chair_ids), label="chair")
        else:
            siblings = [i for i, r in rows.items() if r.series_id == current.series_id and i != appointment_id]
            next_door = sorted(siblings, key=lambda i: (abs(rows[i].index - current.index), -rows[i].index))[:2]
            pool = next_door if place == "a neighbour's place" and next_door else sorted(rows)
            other = data.draw(st.sampled_from(sorted(pool)), label="whose place")
            start, chair_id = iso(rows[other].start), rows[other].chair_id if pick_chair else None
        body = {"start": start, "cascade": cascade}
        if chair_id is not None:
            body["chair_id"] = chair_id
        self.call("reschedule", f"/api/v1/appointments/{appointment_id}/reschedule", body)

    @precondition(has_appointments)
    @rule(data=st.data())
    def cancel_one_session(self, data: Any) -> None:
        appointment_id = data.draw(st.sampled_from(self.appointment_ids()), label="appointment")
        self.call("cancel", f"/api/v1/appointments/{appointment_id}/cancel", {"reason": "flu"})

    @precondition(has_series)
    @rule(data=st.data())
    def cancel_the_series(self, data: Any) -> None:
        series_id = data.draw(st.sampled_from(sorted(snapshot().series)), label="series")
        self.call("cancel series", f"/api/v1/series/{series_id}/cancel", {"reason": "moved away"})

    @precondition(has_series)
    @rule(data=st.data())
    def extend_maintenance(self, data: Any) -> None:
        series_id = data.draw(st.sampled_from(sorted(snapshot().series)), label="series")
        self.call("extend", f"/api/v1/series/{series_id}/extend")

    @precondition(has_appointments)
    @rule(data=st.data(), action=st.sampled_from(sorted(VISIT_PATHS)))
    def record_the_visit(self, data: Any, action: str) -> None:
        rows = snapshot().appointments
        due = [i for i, r in rows.items() if r.start <= self.clock.at and r.status in ("booked", "checked_in")]
        still_open = [i for i, r in rows.items() if r.status in ("booked", "checked_in")]
        pool = data.draw(st.sampled_from([p for p in (due, still_open, list(rows)) if p]), label="which visits")
        appointment_id = data.draw(st.sampled_from(sorted(pool)), label="appointment")
        self.call(action, f"/api/v1/appointments/{appointment_id}/{action}", role="clinician")

    @rule(minutes=st.sampled_from([15, 60, 240, 1440, 4320, 10080]))
    def time_passes(self, minutes: int) -> None:
        self.clock.at += timedelta(minutes=minutes)
        self.step = None

    @precondition(has_appointments)
    @rule(data=st.data(), into=st.sampled_from([0, 5, 60, 115]))
    def time_passes_until_a_visit(self, data: Any, into: int) -> None:
        ahead = sorted(r.start for r in snapshot().appointments.values() if r.start > self.clock.at)
        if ahead:
            self.clock.at = data.draw(st.sampled_from(ahead[:5]), label="visit") + timedelta(minutes=into)
        self.step = None

    # --- invariants, counted from the tables after every step --------------------------------------------------

    @invariant()
    def no_chair_holds_two_visits(self) -> None:
        assert chair_overlaps(db.engine) == []

    @invariant()
    def no_nurse_or_slot_is_over_capacity(self) -> None:
        assert capacity_breaches(db.engine) == []

    @invariant()
    def every_answer_is_an_expected_one(self) -> None:
        step = self.step
        if step is not None:
            assert step.status in (step.success, *REFUSED), (step.what, step.status, step.body)

    @invariant()
    def only_a_race_is_refused_as_a_race(self) -> None:
        """One client, one request at a time: the database's backstop (PostgreSQL's exclusion constraint, the version
        check) must never be what refuses a change; the service's own checks must have caught it first. On SQLite,
        which has no such constraint, the same request writes a double booking."""
        step = self.step
        if step is not None and step.status == 409:
            assert "saved at the same moment" not in step.body.get("message", ""), (step.what, step.body)

    @invariant()
    def a_refused_request_wrote_nothing(self) -> None:
        step = self.step
        if step is not None and step.status >= 400:
            assert step.after == step.before, (step.what, step.status, step.body)
            assert step.audit == [], (step.what, step.status, step.audit)

    @invariant()
    def every_change_bumped_each_version_once_and_was_audited(self) -> None:
        step = self.step
        if step is None or step.status >= 400:
            return
        before, after = step.before.appointments, step.after.appointments
        assert set(before) <= set(after), f"{step.what} deleted appointments {set(before) - set(after)}"
        changed = {i for i in before if after[i] != before[i]}
        added = set(after) - set(before)
        for i in changed:
            assert after[i].version == before[i].version + 1, (step.what, i, before[i], after[i])
        for i in added:
            assert after[i].version == 1 and after[i].status == "booked", (step.what, i, after[i])
        audited = [r for r in step.audit if r["entity"] == "appointment"]
        assert Counter(int(r["entity_id"]) for r in audited) == Counter(changed | added), (step.what, audited)
        for record in audited:
            i = int(record["entity_id"])
            assert record["after"]["version"] == after[i].version, (step.what, record)
            assert (record["before"] or {}).get("version") == (before[i].version if i in before else None), record
        returned = step.body.get("appointments", [step.body]) if isinstance(step.body, dict) else []
        for shown in returned:
            assert (shown["version"], shown["status"]) == (after[shown["id"]].version, after[shown["id"]].status)
        if step.what in ("reschedule", "extend", "book"):  # these answer with exactly what they changed
            assert {a["id"] for a in returned} == changed | added, (step.what, step.body)

    @invariant()
    def a_cancelled_series_keeps_nothing_booked_ahead(self) -> None:
        now = snapshot()
        for i, row in now.appointments.items():
            if now.series[row.series_id] == "cancelled" and row.start >= self.clock.at:
                assert row.status != "booked", f"appointment {i} of cancelled series {row.series_id} is still booked"

    @invariant()
    def versions_only_grow(self) -> None:
        rows = snapshot().appointments
        for i, version in self.highest.items():
            assert i in rows, f"appointment {i} disappeared"
            assert rows[i].version >= version, f"appointment {i} went from version {version} to {rows[i].version}"
        self.highest = {i: r.version for i, r in rows.items()}


def test_random_days_at_the_front_desk_keep_every_invariant(client, auth, clock):
    run_state_machine_as_test(
        lambda: FrontDesk(client, auth, clock),
        settings=settings(
            max_examples=15,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
        ),
    )


@pytest.mark.parametrize("cascade", ["none", "following"])
def test_a_session_moved_onto_its_checked_in_neighbour_is_refused_by_the_service_and_writes_nothing(
    client, auth, clock, cascade
):
    """The machine's find, as a plain test: book, check session 4 in, then move session 3 onto it.

    The reschedule used to leave the patient's whole series out of what counts as booked and re-check only the earlier
    sessions and the later *booked* ones, so a later sibling that was checked in was invisible: SQLite stored a double
    booking; PostgreSQL's exclusion constraint refused it with a 409 that blamed a race nobody ran.
    """
    clinic = houston_clinic(client, auth, chairs=1, nurses=1)
    sessions = propose(client, auth, clinic.id, clinic.patient_id, maintenance_sessions=0)
    series = book(client, auth, clinic.id, clinic.patient_id, sessions)
    third, fourth = series.get_json()["appointments"][2:4]
    clock.at = datetime.fromisoformat(fourth["start"]) - timedelta(hours=1)  # check-in opens 12 hours ahead
    checked_in = client.post(f"/api/v1/appointments/{fourth['id']}/check-in", headers=auth["clinician"])
    assert checked_in.status_code == 200, checked_in.get_json()
    before = snapshot()

    response = client.post(
        f"/api/v1/appointments/{third['id']}/reschedule",
        json={"start": fourth["start"], "cascade": cascade},
        headers=auth["front_desk"],
    )

    assert chair_overlaps(db.engine) == [] and capacity_breaches(db.engine) == []
    assert response.status_code in REFUSED, response.get_json()
    assert "saved at the same moment" not in response.get_json()["message"]
    assert snapshot() == before
