"""Bad input is refused with 422 (404 for an unknown id), names the offending field, and writes nothing.

Every case starts from a body the service accepts (see test_the_valid_bodies_the_cases_start_from_are_accepted)
and breaks one thing in it. "Nothing written" is proven on the database itself: every row of every table,
the audit log included, is the same after the refused request as before it.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from scheduler_service.adapters.orm import AuditRecord
from scheduler_service.extensions import db

UNKNOWN_ID = 987654

CLINIC = {"name": "Northside Ketamine Clinic", "timezone": "America/Chicago"}
CHAIR = {"name": "Chair 2", "tags": ["iv"]}
CLOSURE = {"date": "2027-11-25", "reason": "Thanksgiving"}
STAFFING = {"nurses": {"mon": 2, "tue": 2}, "patients_per_nurse": 3, "starts_per_nurse_per_slot": 1}
PATIENT = {"given_name": "James", "family_name": "Walker", "email": "james.walker@example.org"}
PROTOCOL = {
    "key": "im-ketamine",
    "name": "IM ketamine",
    "visit": {"prep_minutes": 15, "treatment_minutes": 30, "monitoring_minutes": 60},
    "phases": [
        {
            "name": "induction",
            "sessions": 6,
            "spacing": {"min_days": 2, "target_days": 3, "max_days": 5},
            "window_days": 21,
        },
        {"name": "maintenance", "sessions": None, "spacing": {"min_days": 21, "target_days": 28, "max_days": 35}},
    ],
    "required_tags": ["iv"],
}

SENTINEL_DELETE = object()


def changed(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of `base` with fields replaced; `visit__prep_minutes` or `phases__0__sessions` reach inside,
    and the value SENTINEL_DELETE removes the field."""
    body = copy.deepcopy(base)
    for name, value in changes.items():
        *parents, leaf = name.split("__")
        target: Any = body
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if value is SENTINEL_DELETE:
            del target[leaf]
        else:
            target[leaf] = value
    return body


def without(base: dict[str, Any], name: str) -> dict[str, Any]:
    return changed(base, **{name: SENTINEL_DELETE})


@dataclass(frozen=True)
class Case:
    """`method path` with `body` as `role` is refused with `status`, naming `field`."""

    method: str
    path: str
    body: Any
    field: str
    status: int = 422
    role: str = "admin"
    raw: str | None = None  # sent as-is instead of `body`, for bodies that are not JSON


@dataclass
class Scene:
    ids: dict[str, int] = field(default_factory=dict)

    def path(self, template: str) -> str:
        return template.format(unknown=UNKNOWN_ID, **self.ids)


# --- helpers -------------------------------------------------------------------------------------------------


def stored_rows() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, on a connection of its own."""
    with db.engine.connect() as conn:
        return {
            table.name: sorted((tuple(row) for row in conn.execute(table.select())), key=repr)
            for table in db.metadata.sorted_tables
        }


def audit_records() -> int:
    try:
        return db.session.scalar(select(func.count()).select_from(AuditRecord)) or 0
    finally:
        db.session.rollback()


def error_paths(errors: Any, prefix: str = "") -> set[str]:
    """Dotted paths of nested errors: {"json": {"visit": {"prep_minutes": [..]}}} -> json.visit.prep_minutes."""
    if not isinstance(errors, dict):
        return {prefix} if prefix else set()
    paths: set[str] = set()
    for key, value in errors.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        paths |= error_paths(value, path)
    return paths


def assert_error_body(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    body = response.get_json()
    assert isinstance(body, dict), response.get_data(as_text=True)
    assert set(body) <= {"code", "status", "message", "errors"}, body
    assert body["code"] == status
    assert body["status"] == HTTPStatus(status).phrase
    assert isinstance(body["message"], str) and body["message"].strip()
    return body


def assert_names_field(body: dict[str, Any], name: str) -> None:
    """The field is named in `errors` (itself or something inside it) or in `message`."""
    # errors are keyed by location first ("json", "query"): drop that level.
    paths = {p.split(".", 1)[1] for p in error_paths(body.get("errors")) if "." in p}
    named_in_errors = any(p == name or p.startswith(name + ".") for p in paths)
    # In the message, as a whole name: "name" is not named by "given_name".
    named_in_message = re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", body["message"]) is not None
    assert named_in_errors or named_in_message, f"{name!r} is not named in {body}"


def send(client: FlaskClient, scene: Scene, headers: dict[str, str], case: Case) -> Any:
    path = scene.path(case.path)
    if case.raw is not None:
        return client.open(path, method=case.method, data=case.raw, content_type="application/json", headers=headers)
    return client.open(path, method=case.method, json=case.body, headers=headers)


def _created(response: Any) -> int:
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


@pytest.fixture()
def scene(client: FlaskClient, auth: dict[str, dict[str, str]]) -> Scene:
    """A clinic with a chair called "Chair 1" and a closure, a patient with e-mail reminders, and the built-ins."""
    admin = auth["admin"]
    clinic_id = _created(client.post("/api/v1/clinics", json={**CLINIC, "name": "Main Clinic"}, headers=admin))
    _created(
        client.post(f"/api/v1/clinics/{clinic_id}/chairs", json={"name": "Chair 1", "tags": ["iv"]}, headers=admin)
    )
    closure_id = _created(
        client.post(
            f"/api/v1/clinics/{clinic_id}/closures", json={"date": "2027-07-05", "reason": "Staff day"}, headers=admin
        )
    )
    patient_id = _created(
        client.post(
            "/api/v1/patients",
            json={
                "given_name": "Maria",
                "family_name": "Gonzalez",
                "email": "maria@example.org",
                "reminder_channels": ["email"],
            },
            headers=auth["front_desk"],
        )
    )
    protocols = client.get("/api/v1/protocols", headers=admin).get_json()
    protocol_id = next(p["id"] for p in protocols if p["key"] == "iv-ketamine-depression")
    return Scene(
        {"clinic_id": clinic_id, "closure_id": closure_id, "patient_id": patient_id, "protocol_id": protocol_id}
    )


# --- the cases -----------------------------------------------------------------------------------------------

CLINICS = "/api/v1/clinics"
A_CLINIC = "/api/v1/clinics/{clinic_id}"
CHAIRS = "/api/v1/clinics/{clinic_id}/chairs"
CLOSURES = "/api/v1/clinics/{clinic_id}/closures"
STAFFING_OF = "/api/v1/clinics/{clinic_id}/staffing"
PROTOCOLS = "/api/v1/protocols"
A_PROTOCOL = "/api/v1/protocols/{protocol_id}"
PATIENTS = "/api/v1/patients"
A_PATIENT = "/api/v1/patients/{patient_id}"


def hours(**days: Any) -> dict[str, Any]:
    return {"opening_hours": days}


CLINIC_CASES = {
    # time zones: IANA names only
    "an unknown time zone": Case("POST", CLINICS, changed(CLINIC, timezone="Mars/Olympus"), "timezone"),
    "a time zone abbreviation": Case("POST", CLINICS, changed(CLINIC, timezone="CST"), "timezone"),
    "a UTC offset for a time zone": Case("POST", CLINICS, changed(CLINIC, timezone="+05:00"), "timezone"),
    "an empty time zone": Case("POST", CLINICS, changed(CLINIC, timezone=""), "timezone"),
    "a number for the time zone": Case("POST", CLINICS, changed(CLINIC, timezone=5), "timezone"),
    "an unknown time zone in a change": Case("PATCH", A_CLINIC, {"timezone": "Mars/Olympus"}, "timezone"),
    # opening hours
    "a window that ends before it starts": Case(
        "POST", CLINICS, {**CLINIC, **hours(mon=[["17:00", "08:00"]])}, "opening_hours.mon.0"
    ),
    "a window that ends when it starts": Case(
        "POST", CLINICS, {**CLINIC, **hours(mon=[["09:00", "09:00"]])}, "opening_hours.mon.0"
    ),
    "overlapping windows": Case(
        "POST", CLINICS, {**CLINIC, **hours(mon=[["08:00", "12:00"], ["11:00", "17:00"]])}, "opening_hours.mon"
    ),
    "overlapping windows in a change": Case(
        "PATCH", A_CLINIC, hours(tue=[["13:00", "17:00"], ["08:00", "13:30"]]), "opening_hours.tue"
    ),
    "an unknown weekday": Case(
        "POST", CLINICS, {**CLINIC, **hours(funday=[["08:00", "17:00"]])}, "opening_hours.funday"
    ),
    "a weekday spelled out": Case(
        "POST", CLINICS, {**CLINIC, **hours(monday=[["08:00", "17:00"]])}, "opening_hours.monday"
    ),
    "a time that is not HH:MM": Case(
        "POST", CLINICS, {**CLINIC, **hours(mon=[["8am", "17:00"]])}, "opening_hours.mon.0.0"
    ),
    "a time past midnight": Case(
        "POST", CLINICS, {**CLINIC, **hours(mon=[["08:00", "24:00"]])}, "opening_hours.mon.0.1"
    ),
    "a window that is not a pair": Case("POST", CLINICS, {**CLINIC, **hours(mon=[["08:00"]])}, "opening_hours.mon.0"),
    "a day written as text": Case("POST", CLINICS, {**CLINIC, **hours(mon="08:00-17:00")}, "opening_hours.mon"),
    "a list for opening_hours": Case(
        "POST", CLINICS, {**CLINIC, "opening_hours": [["08:00", "17:00"]]}, "opening_hours"
    ),
    # numbers
    'the text "15" for slot_minutes': Case("POST", CLINICS, changed(CLINIC, slot_minutes="15"), "slot_minutes"),
    "a fraction for slot_minutes": Case("POST", CLINICS, changed(CLINIC, slot_minutes=15.5), "slot_minutes"),
    "a boolean for slot_minutes": Case("POST", CLINICS, changed(CLINIC, slot_minutes=True), "slot_minutes"),
    "a zero slot_minutes": Case("POST", CLINICS, changed(CLINIC, slot_minutes=0), "slot_minutes"),
    "a negative slot_minutes": Case("POST", CLINICS, changed(CLINIC, slot_minutes=-15), "slot_minutes"),
    "a slot size that does not divide a day": Case("POST", CLINICS, changed(CLINIC, slot_minutes=7), "slot_minutes"),
    "a negative turnover": Case("POST", CLINICS, changed(CLINIC, turnover_minutes=-5), "turnover_minutes"),
    'the text "15" for slot_minutes in a change': Case("PATCH", A_CLINIC, {"slot_minutes": "15"}, "slot_minutes"),
    # names, missing and unknown fields
    "a number for the name": Case("POST", CLINICS, changed(CLINIC, name=42), "name"),
    "a blank name": Case("POST", CLINICS, changed(CLINIC, name="   "), "name"),
    "a null name in a change": Case("PATCH", A_CLINIC, {"name": None}, "name"),
    "a missing name": Case("POST", CLINICS, without(CLINIC, "name"), "name"),
    "a NUL character in the name": Case("POST", CLINICS, changed(CLINIC, name="North\u0000side"), "name"),
    "a missing time zone": Case("POST", CLINICS, without(CLINIC, "timezone"), "timezone"),
    "an unknown field": Case("POST", CLINICS, changed(CLINIC, colour="teal"), "colour"),
    "an unknown field in a change": Case("PATCH", A_CLINIC, {"colour": "teal"}, "colour"),
    "a read-only id in a change": Case("PATCH", A_CLINIC, {"id": 5}, "id"),
    # holidays
    'the unknown holiday country "XX"': Case("POST", CLINICS, changed(CLINIC, holiday_country="XX"), "holiday_country"),
    "a subdivision the country does not have": Case(
        "POST", CLINICS, changed(CLINIC, holiday_country="US", holiday_subdivision="ZZ"), "holiday_subdivision"
    ),
    "a subdivision without a country": Case(
        "POST", CLINICS, changed(CLINIC, holiday_country=None, holiday_subdivision="TX"), "holiday_subdivision"
    ),
    "the unknown holiday country in a change": Case("PATCH", A_CLINIC, {"holiday_country": "XX"}, "holiday_country"),
}

CHAIR_CASES = {
    "a chair name the clinic already has": Case("POST", CHAIRS, changed(CHAIR, name="Chair 1"), "name"),
    "a chair name the clinic already has, padded": Case("POST", CHAIRS, changed(CHAIR, name="  Chair 1 "), "name"),
    "a chair without a name": Case("POST", CHAIRS, without(CHAIR, "name"), "name"),
    "a number for the chair name": Case("POST", CHAIRS, changed(CHAIR, name=7), "name"),
    "a single tag instead of a list": Case("POST", CHAIRS, changed(CHAIR, tags="iv"), "tags"),
    "an empty tag": Case("POST", CHAIRS, changed(CHAIR, tags=["iv", ""]), "tags.1"),
    "an unknown chair field": Case("POST", CHAIRS, changed(CHAIR, seats=2), "seats"),
    "a NUL character in a tag": Case("POST", CHAIRS, changed(CHAIR, tags=["i\u0000v"]), "tags.0"),
}

CLOSURE_CASES = {
    "a closure ending before it starts": Case("POST", CLOSURES, changed(CLOSURE, end_date="2027-11-20"), "end_date"),
    "a part-day closure with only start_time": Case("POST", CLOSURES, changed(CLOSURE, start_time="12:00"), "end_time"),
    "a part-day closure with only end_time": Case("POST", CLOSURES, changed(CLOSURE, end_time="12:00"), "start_time"),
    "a part-day closure ending before it starts": Case(
        "POST", CLOSURES, changed(CLOSURE, start_time="14:00", end_time="12:00"), "end_time"
    ),
    "a closure time that is not HH:MM": Case(
        "POST", CLOSURES, changed(CLOSURE, start_time="noon", end_time="14:00"), "start_time"
    ),
    "a day that does not exist": Case("POST", CLOSURES, changed(CLOSURE, date="2027-02-30"), "date"),
    "a closure without a date": Case("POST", CLOSURES, without(CLOSURE, "date"), "date"),
    "a closure without a reason": Case("POST", CLOSURES, without(CLOSURE, "reason"), "reason"),
    "an unknown closure field": Case("POST", CLOSURES, changed(CLOSURE, all_day=True), "all_day"),
}


def block(start: str, end: str, nurses: Any) -> dict[str, Any]:
    return {"start": start, "end": end, "nurses": nurses}


STAFFING_CASES = {
    "staffing on an unknown weekday": Case(
        "PUT", STAFFING_OF, changed(STAFFING, nurses={"funday": 2}), "nurses.funday"
    ),
    "a negative number of nurses": Case("PUT", STAFFING_OF, changed(STAFFING, nurses={"mon": -1}), "nurses.mon"),
    "a fraction of a nurse": Case("PUT", STAFFING_OF, changed(STAFFING, nurses={"mon": 1.5}), "nurses.mon"),
    'the text "2" for nurses': Case("PUT", STAFFING_OF, changed(STAFFING, nurses={"mon": "2"}), "nurses.mon"),
    "overlapping nurse blocks": Case(
        "PUT",
        STAFFING_OF,
        changed(STAFFING, nurses={"mon": [block("08:00", "12:00", 2), block("11:00", "17:00", 1)]}),
        "nurses.mon.1",
    ),
    "a nurse block ending before it starts": Case(
        "PUT", STAFFING_OF, changed(STAFFING, nurses={"mon": [block("12:00", "08:00", 2)]}), "nurses.mon.0"
    ),
    "a nurse block with negative nurses": Case(
        "PUT", STAFFING_OF, changed(STAFFING, nurses={"mon": [block("08:00", "12:00", -2)]}), "nurses.mon.0.nurses"
    ),
    "a nurse block without nurses": Case(
        "PUT", STAFFING_OF, changed(STAFFING, nurses={"mon": [{"start": "08:00", "end": "12:00"}]}), "nurses.mon.0"
    ),
    "an unknown field in a nurse block": Case(
        "PUT",
        STAFFING_OF,
        changed(STAFFING, nurses={"mon": [{**block("08:00", "12:00", 2), "colour": "teal"}]}),
        "nurses.mon.0.colour",
    ),
    "staffing without nurses": Case("PUT", STAFFING_OF, without(STAFFING, "nurses"), "nurses"),
    "a list for nurses": Case("PUT", STAFFING_OF, changed(STAFFING, nurses=[2, 2]), "nurses"),
    "zero patients per nurse": Case("PUT", STAFFING_OF, changed(STAFFING, patients_per_nurse=0), "patients_per_nurse"),
    'the text "3" for patients per nurse': Case(
        "PUT", STAFFING_OF, changed(STAFFING, patients_per_nurse="3"), "patients_per_nurse"
    ),
    "zero starts per nurse per slot": Case(
        "PUT", STAFFING_OF, changed(STAFFING, starts_per_nurse_per_slot=0), "starts_per_nurse_per_slot"
    ),
}

PROTOCOL_CASES = {
    "a zero treatment time": Case(
        "POST", PROTOCOLS, changed(PROTOCOL, visit__treatment_minutes=0), "visit.treatment_minutes"
    ),
    "a negative prep time": Case("POST", PROTOCOLS, changed(PROTOCOL, visit__prep_minutes=-5), "visit.prep_minutes"),
    "a negative monitoring time": Case(
        "POST", PROTOCOLS, changed(PROTOCOL, visit__monitoring_minutes=-1), "visit.monitoring_minutes"
    ),
    'the text "30" for treatment time': Case(
        "POST", PROTOCOLS, changed(PROTOCOL, visit__treatment_minutes="30"), "visit.treatment_minutes"
    ),
    "a visit longer than a clinic day": Case(
        "POST", PROTOCOLS, changed(PROTOCOL, visit__prep_minutes=300, visit__treatment_minutes=400), "visit"
    ),
    "an unknown visit field": Case(
        "POST", PROTOCOLS, changed(PROTOCOL, visit__recovery_minutes=30), "visit.recovery_minutes"
    ),
    "a min gap above the max gap": Case(
        "POST",
        PROTOCOLS,
        changed(PROTOCOL, phases__0__spacing={"min_days": 6, "target_days": 6, "max_days": 3}),
        "phases.0.spacing",
    ),
    "a target gap above the max gap": Case(
        "POST",
        PROTOCOLS,
        changed(PROTOCOL, phases__0__spacing={"min_days": 2, "target_days": 9, "max_days": 5}),
        "phases.0.spacing.target_days",
    ),
    "a target gap below the min gap": Case(
        "POST",
        PROTOCOLS,
        changed(PROTOCOL, phases__0__spacing={"min_days": 2, "target_days": 1, "max_days": 5}),
        "phases.0.spacing.target_days",
    ),
    "a zero min gap": Case(
        "POST", PROTOCOLS, changed(PROTOCOL, phases__0__spacing__min_days=0), "phases.0.spacing.min_days"
    ),
    "a gap in weeks": Case(
        "POST", PROTOCOLS, changed(PROTOCOL, phases__0__spacing__unit="weeks"), "phases.0.spacing.unit"
    ),
    "an open-ended phase that is not last": Case(
        "POST", PROTOCOLS, changed(PROTOCOL, phases__0__sessions=None, phases__0__window_days=None), "phases.0.sessions"
    ),
    "a phase of zero sessions": Case("POST", PROTOCOLS, changed(PROTOCOL, phases__0__sessions=0), "phases.0.sessions"),
    "a course window too short for its sessions": Case(
        "POST", PROTOCOLS, changed(PROTOCOL, phases__0__window_days=5), "phases.0.window_days"
    ),
    "a course window on an open-ended phase": Case(
        "POST", PROTOCOLS, changed(PROTOCOL, phases__1__window_days=60), "phases.1.window_days"
    ),
    "a phase without spacing": Case("POST", PROTOCOLS, without(PROTOCOL, "phases__0__spacing"), "phases.0.spacing"),
    "no phases": Case("POST", PROTOCOLS, changed(PROTOCOL, phases=[]), "phases"),
    "phases that are not a list": Case("POST", PROTOCOLS, changed(PROTOCOL, phases=PROTOCOL["phases"][0]), "phases"),
    "a protocol without a visit": Case("POST", PROTOCOLS, without(PROTOCOL, "visit"), "visit"),
    "a protocol without a key": Case("POST", PROTOCOLS, without(PROTOCOL, "key"), "key"),
    "a key with spaces and capitals": Case("POST", PROTOCOLS, changed(PROTOCOL, key="IM Ketamine"), "key"),
    "the key of a built-in protocol": Case("POST", PROTOCOLS, changed(PROTOCOL, key="spravato-trd"), "key"),
    "a number for the protocol name": Case("POST", PROTOCOLS, changed(PROTOCOL, name=42), "name"),
    "an unknown protocol field": Case("POST", PROTOCOLS, changed(PROTOCOL, colour="teal"), "colour"),
    "a change of a protocol's key": Case("PATCH", A_PROTOCOL, {"key": "iv-ketamine-renamed"}, "key"),
    "a zero treatment time in a change": Case(
        "PATCH", A_PROTOCOL, {"visit": {"treatment_minutes": 0}}, "visit.treatment_minutes"
    ),
    "a min gap above the max gap in a change": Case(
        "PATCH",
        A_PROTOCOL,
        {"phases": [{"name": "induction", "sessions": 6, "spacing": {"min_days": 9, "target_days": 9, "max_days": 5}}]},
        "phases.0.spacing",
    ),
    "a phase without spacing, in a change": Case(
        "PATCH", A_PROTOCOL, {"phases": [{"name": "induction", "sessions": 6}]}, "phases.0.spacing"
    ),
    "a spacing without target and max gaps, in a change": Case(
        "PATCH",
        A_PROTOCOL,
        {"phases": [{"name": "induction", "sessions": 6, "spacing": {"min_days": 2}}]},
        "phases.0.spacing.target_days",
    ),
    "a phase without a session count, in a change": Case(
        "PATCH",
        A_PROTOCOL,
        {"phases": [{"name": "course", "spacing": {"min_days": 2, "target_days": 3, "max_days": 5}}]},
        "phases.0.sessions",
    ),
    "an open-ended phase that is not last, in a change": Case(
        "PATCH",
        A_PROTOCOL,
        {"phases": [PROTOCOL["phases"][1], changed(PROTOCOL["phases"][0], window_days=None)]},
        "phases.0.sessions",
    ),
}

PATIENT_CASES = {
    "sms reminders without a phone": Case(
        "POST", PATIENTS, changed(PATIENT, reminder_channels=["sms"]), "reminder_channels", role="front_desk"
    ),
    "e-mail reminders without an e-mail": Case(
        "POST",
        PATIENTS,
        changed(without(PATIENT, "email"), reminder_channels=["email"]),
        "reminder_channels",
        role="front_desk",
    ),
    "an unknown reminder channel": Case(
        "POST", PATIENTS, changed(PATIENT, reminder_channels=["pigeon"]), "reminder_channels.0", role="front_desk"
    ),
    'the weekday "funday"': Case(
        "POST",
        PATIENTS,
        changed(PATIENT, preferences={"weekdays": ["tue", "funday"]}),
        "preferences.weekdays.1",
        role="front_desk",
    ),
    "an empty list of weekdays": Case(
        "POST", PATIENTS, changed(PATIENT, preferences={"weekdays": []}), "preferences.weekdays", role="front_desk"
    ),
    "a latest start before the earliest start": Case(
        "POST",
        PATIENTS,
        changed(PATIENT, preferences={"earliest_start": "13:00", "latest_start": "09:00"}),
        "preferences.latest_start",
        role="front_desk",
    ),
    "an earliest start that is not HH:MM": Case(
        "POST",
        PATIENTS,
        changed(PATIENT, preferences={"earliest_start": "1pm"}),
        "preferences.earliest_start",
        role="front_desk",
    ),
    "an unknown preference": Case(
        "POST", PATIENTS, changed(PATIENT, preferences={"colour": "teal"}), "preferences.colour", role="front_desk"
    ),
    "a patient without a given name": Case(
        "POST", PATIENTS, without(PATIENT, "given_name"), "given_name", role="front_desk"
    ),
    "a patient without a family name": Case(
        "POST", PATIENTS, without(PATIENT, "family_name"), "family_name", role="front_desk"
    ),
    "a NUL character in the given name": Case(
        "POST", PATIENTS, changed(PATIENT, given_name="Ja\u0000mes"), "given_name", role="front_desk"
    ),
    "a number for the given name": Case(
        "POST", PATIENTS, changed(PATIENT, given_name=42), "given_name", role="front_desk"
    ),
    "an e-mail address without an @": Case(
        "POST", PATIENTS, changed(PATIENT, email="james.example.org"), "email", role="front_desk"
    ),
    "a phone number in words": Case(
        "POST", PATIENTS, changed(PATIENT, phone="call me maybe"), "phone", role="front_desk"
    ),
    "a birth date that does not exist": Case(
        "POST", PATIENTS, changed(PATIENT, date_of_birth="1990-13-01"), "date_of_birth", role="front_desk"
    ),
    "an unknown patient field": Case("POST", PATIENTS, changed(PATIENT, ssn="123-45-6789"), "ssn", role="front_desk"),
    "sms reminders without a phone, in a change": Case(
        "PATCH", A_PATIENT, {"reminder_channels": ["email", "sms"]}, "reminder_channels", role="front_desk"
    ),
    "removing the e-mail that e-mail reminders need": Case(
        "PATCH", A_PATIENT, {"email": None}, "reminder_channels", role="front_desk"
    ),
    'the weekday "funday" in a change': Case(
        "PATCH", A_PATIENT, {"preferences": {"weekdays": ["funday"]}}, "preferences.weekdays.0", role="front_desk"
    ),
    "a blank given name in a change": Case("PATCH", A_PATIENT, {"given_name": " "}, "given_name", role="front_desk"),
}

QUERY_CASES = {
    "page 0 of a list": Case("GET", CLINICS + "?page=0", None, "page"),
    "a page size of zero": Case("GET", PATIENTS + "?page_size=0", None, "page_size"),
    "a page number in words": Case("GET", PROTOCOLS + "?page=two", None, "page"),
    "a NUL character in a patient search": Case("GET", PATIENTS + "?q=Mar%00ia", None, "q", role="front_desk"),
}

BAD_INPUT = {
    **CLINIC_CASES,
    **CHAIR_CASES,
    **CLOSURE_CASES,
    **STAFFING_CASES,
    **PROTOCOL_CASES,
    **PATIENT_CASES,
    **QUERY_CASES,
}

# Unknown ids: 404, the kind of thing named in the message. The bodies are valid, so only the id is wrong.
UNKNOWN_IDS = {
    "showing an unknown clinic": Case("GET", "/api/v1/clinics/{unknown}", None, "clinic", 404),
    "changing an unknown clinic": Case("PATCH", "/api/v1/clinics/{unknown}", {"address": "1 Main St"}, "clinic", 404),
    "listing the chairs of an unknown clinic": Case("GET", "/api/v1/clinics/{unknown}/chairs", None, "clinic", 404),
    "adding a chair to an unknown clinic": Case("POST", "/api/v1/clinics/{unknown}/chairs", CHAIR, "clinic", 404),
    "listing the closures of an unknown clinic": Case("GET", "/api/v1/clinics/{unknown}/closures", None, "clinic", 404),
    "closing an unknown clinic": Case("POST", "/api/v1/clinics/{unknown}/closures", CLOSURE, "clinic", 404),
    "showing the staffing of an unknown clinic": Case("GET", "/api/v1/clinics/{unknown}/staffing", None, "clinic", 404),
    "staffing an unknown clinic": Case("PUT", "/api/v1/clinics/{unknown}/staffing", STAFFING, "clinic", 404),
    "removing an unknown closure": Case("DELETE", "/api/v1/closures/{unknown}", None, "closure", 404),
    "showing an unknown protocol": Case("GET", "/api/v1/protocols/{unknown}", None, "protocol", 404),
    "changing an unknown protocol": Case(
        "PATCH", "/api/v1/protocols/{unknown}", {"instructions": "x"}, "protocol", 404
    ),
    "showing an unknown patient": Case("GET", "/api/v1/patients/{unknown}", None, "patient", 404, role="front_desk"),
    "changing an unknown patient": Case(
        "PATCH", "/api/v1/patients/{unknown}", {"phone": "+1 713 555 0100"}, "patient", 404, role="front_desk"
    ),
    "showing a clinic with an id beyond 32 bits": Case("GET", "/api/v1/clinics/4294967296", None, "clinic", 404),
    "showing a patient with an id beyond 64 bits": Case(
        "GET", "/api/v1/patients/18446744073709551616", None, "patient", 404, role="front_desk"
    ),
}

MALFORMED = '{"name": "Half a body", '
MALFORMED_JSON = {
    f"{method} {path}": Case(method, path, None, "json", raw=MALFORMED, role=role)
    for method, path, role in [
        ("POST", CLINICS, "admin"),
        ("PATCH", A_CLINIC, "admin"),
        ("POST", CHAIRS, "admin"),
        ("POST", CLOSURES, "admin"),
        ("PUT", STAFFING_OF, "admin"),
        ("POST", PROTOCOLS, "admin"),
        ("PATCH", A_PROTOCOL, "admin"),
        ("POST", PATIENTS, "front_desk"),
        ("PATCH", A_PATIENT, "front_desk"),
    ]
}

VALID_BODIES = {
    "a clinic": Case("POST", CLINICS, CLINIC, "", 201),
    "a chair": Case("POST", CHAIRS, CHAIR, "", 201),
    "a closure": Case("POST", CLOSURES, CLOSURE, "", 201),
    "a part-day closure": Case("POST", CLOSURES, changed(CLOSURE, start_time="12:00", end_time="14:00"), "", 201),
    "staffing per weekday": Case("PUT", STAFFING_OF, STAFFING, "", 200),
    "staffing per time block": Case(
        "PUT",
        STAFFING_OF,
        changed(STAFFING, nurses={"mon": [block("08:00", "12:00", 2), block("12:00", "17:00", 1)]}),
        "",
        200,
    ),
    "a protocol": Case("POST", PROTOCOLS, PROTOCOL, "", 201),
    "a patient": Case("POST", PATIENTS, PATIENT, "", 201, role="front_desk"),
    "a patient with preferences and sms reminders": Case(
        "POST",
        PATIENTS,
        changed(
            PATIENT,
            phone="+1 713 555 0101",
            reminder_channels=["email", "sms"],
            preferences={"weekdays": ["tue", "thu"], "earliest_start": "09:00", "latest_start": "14:00"},
        ),
        "",
        201,
        role="front_desk",
    ),
}


# --- the tests -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", VALID_BODIES.values(), ids=VALID_BODIES.keys())
def test_the_valid_bodies_the_cases_start_from_are_accepted(
    client: FlaskClient, auth: dict[str, dict[str, str]], scene: Scene, case: Case
) -> None:
    response = send(client, scene, auth[case.role], case)
    assert response.status_code == case.status, response.get_json()


@pytest.mark.parametrize("case", BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_is_refused_with_422_naming_the_field_and_nothing_is_written(
    client: FlaskClient, auth: dict[str, dict[str, str]], scene: Scene, case: Case
) -> None:
    before, audited = stored_rows(), audit_records()

    response = send(client, scene, auth[case.role], case)

    body = assert_error_body(response, 422)
    assert_names_field(body, case.field)
    assert audit_records() == audited, "an audit record was written for a refused request"
    assert stored_rows() == before, "a refused request changed the database"


@pytest.mark.parametrize("case", UNKNOWN_IDS.values(), ids=UNKNOWN_IDS.keys())
def test_an_unknown_id_is_refused_with_404_naming_what_is_missing_and_nothing_is_written(
    client: FlaskClient, auth: dict[str, dict[str, str]], scene: Scene, case: Case
) -> None:
    before, audited = stored_rows(), audit_records()

    response = send(client, scene, auth[case.role], case)

    body = assert_error_body(response, 404)
    requested_id = re.search(r"/(\d+)(?:/|$)", scene.path(case.path)).group(1)  # type: ignore[union-attr]
    assert case.field in body["message"] and requested_id in body["message"], body
    assert audit_records() == audited
    assert stored_rows() == before


@pytest.mark.parametrize("case", MALFORMED_JSON.values(), ids=MALFORMED_JSON.keys())
def test_a_body_that_is_not_json_is_refused_naming_the_body_and_nothing_is_written(
    client: FlaskClient, auth: dict[str, dict[str, str]], scene: Scene, case: Case
) -> None:
    before, audited = stored_rows(), audit_records()

    response = send(client, scene, auth[case.role], case)

    # API.md: 400/422 for bad input; a body that does not parse is the classic 400.
    assert response.status_code in (400, 422), response.get_data(as_text=True)
    body = assert_error_body(response, response.status_code)
    assert "json" in (body.get("errors") or {}) or "json" in body["message"].lower(), body
    assert audit_records() == audited
    assert stored_rows() == before


@pytest.mark.parametrize(
    "path", ["/api/v1/clinics/abc", "/api/v1/clinics/-1/chairs", "/api/v1/protocols/1.5", "/api/v1/patients/%20"]
)
def test_an_id_that_is_not_a_whole_number_is_a_404_with_the_error_body(
    client: FlaskClient, auth: dict[str, dict[str, str]], path: str
) -> None:
    assert_error_body(client.get(path, headers=auth["clinician"]), 404)


def test_a_refused_change_leaves_the_clinic_as_it_was(
    client: FlaskClient, auth: dict[str, dict[str, str]], scene: Scene
) -> None:
    path = scene.path(A_CLINIC)
    before = client.get(path, headers=auth["admin"]).get_json()

    response = client.patch(
        path,
        json={
            "name": "Renamed",
            "slot_minutes": 30,
            "opening_hours": {"mon": [["08:00", "12:00"], ["11:00", "17:00"]]},
        },
        headers=auth["admin"],
    )

    assert response.status_code == 422
    assert client.get(path, headers=auth["admin"]).get_json() == before
