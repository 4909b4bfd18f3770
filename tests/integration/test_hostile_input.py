"""Hostile input: bodies too big, too deep or not JSON; text no database can store; days out of range;
times a DST change skips or repeats; injection strings that the pages must show as text, never as markup.

Every refusal is a 4xx with the API's error body (or, on the pages, a readable page) naming what was
wrong, and the database is exactly as it was. The endpoints, text fields, date fields, pages and forms
are read from the app (its URL map, its OpenAPI document, its rendered forms), so a new one is covered
— or fails the completeness checks — without editing this file.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from werkzeug.test import EnvironBuilder, run_wsgi_app

from scheduler_service.adapters.clock import FixedClock

from .scenes import another_patient
from .test_bad_input import CLINIC, PATIENT, PROTOCOL, STAFFING, assert_error_body, error_paths, stored_rows
from .test_booking_api import book, propose
from .test_web_session import csrf_of, log_in

API = "/api/v1"
WRITES = {"POST", "PUT", "PATCH"}
NUL, SURROGATE, LONG = "Ja\x00mes", "\ud800", "x" * 100_000


# --- the scene: a clinic with a booked series, a closure and a feed token ----------------------------------


@dataclass
class World:
    ids: dict[str, int]
    free_sessions: list[dict[str, Any]] = field(default_factory=list)  # a plan nobody has booked yet
    first_start: str = ""

    def fill(self, rule: str) -> str:
        """/api/v1/clinics/<int:clinic_id> -> /api/v1/clinics/3."""
        return re.sub(r"<(?:int:)?(\w+)>", lambda m: str(self.ids[m.group(1)]), rule)


@pytest.fixture()
def world(client: FlaskClient, auth: dict[str, dict[str, str]], houston: tuple[int, int]) -> World:
    clinic_id, patient_id = houston
    admin, desk = auth["admin"], auth["front_desk"]
    series = book(client, auth, clinic_id, patient_id, propose(client, auth, clinic_id, patient_id)).get_json()
    closure = client.post(
        f"{API}/clinics/{clinic_id}/closures", json={"date": "2027-07-05", "reason": "Staff"}, headers=admin
    )
    token = client.post(f"{API}/patients/{patient_id}/feed-tokens", json={"label": "phone"}, headers=desk)
    other = another_patient(client, auth, "Grace")
    protocols = client.get(f"{API}/protocols", headers=admin).get_json()
    ids = {
        "clinic_id": clinic_id,
        "patient_id": patient_id,
        "series_id": series["id"],
        "appointment_id": series["appointments"][0]["id"],
        "closure_id": closure.get_json()["id"],
        "token_id": token.get_json()["id"],
        "protocol_id": next(p["id"] for p in protocols if p["key"] == "iv-ketamine-depression"),
        "other_patient_id": other,
    }
    free = propose(client, auth, clinic_id, other, earliest_date="2027-02-01")
    return World(ids, free, series["appointments"][0]["start"])


def base_bodies(world: World, client: FlaskClient, admin: dict[str, str]) -> dict[tuple[str, str], Any]:
    """A body each write endpoint accepts (None: the endpoint takes no body). Keys: (method, URL rule)."""
    ids = world.ids
    policy = client.get(world.fill(f"{API}/clinics/<clinic_id>/reminder-policy"), headers=admin).get_json()
    policy |= {
        "confirmation_line": "See you soon.",
        "front_desk_email": "desk@example.org",
        "quiet_hours": {"start": "21:00", "end": "08:00"},
        "protocol_overrides": {"iv-ketamine-depression": {"late_booking": "skip", "channels": ["email"]}},
    }
    return {
        ("POST", f"{API}/clinics"): {
            **CLINIC,
            "address": "1 Main St",
            "holiday_country": "US",
            "holiday_subdivision": "TX",
        },
        ("PATCH", f"{API}/clinics/<int:clinic_id>"): {
            "name": "Renamed",
            "address": "2 Main St",
            "timezone": "America/Chicago",
            "holiday_country": "US",
            "holiday_subdivision": "TX",
        },
        ("POST", f"{API}/clinics/<int:clinic_id>/chairs"): {"name": "Chair 9", "tags": ["iv"]},
        ("POST", f"{API}/clinics/<int:clinic_id>/closures"): {
            "date": "2027-07-06",
            "end_date": "2027-07-07",
            "start_time": "12:00",
            "end_time": "14:00",
            "reason": "Training",
        },
        ("PUT", f"{API}/clinics/<int:clinic_id>/staffing"): STAFFING,
        ("PUT", f"{API}/clinics/<int:clinic_id>/reminder-policy"): policy,
        ("POST", f"{API}/clinics/<int:clinic_id>/feed-tokens"): {"label": "front desk"},
        ("POST", f"{API}/protocols"): {**PROTOCOL, "instructions": "Do not eat for 6 hours."},
        ("PATCH", f"{API}/protocols/<int:protocol_id>"): {
            "key": "iv-ketamine-depression",
            "name": "IV ketamine",
            "instructions": "Bring a driver.",
            "phases": PROTOCOL["phases"],
            "required_tags": ["iv"],
        },
        ("POST", f"{API}/patients"): {
            **PATIENT,
            "phone": "+1 713 555 0101",
            "date_of_birth": "1980-05-17",
            "timezone": "America/Denver",
            "preferences": {"weekdays": ["tue"], "earliest_start": "09:00", "latest_start": "14:00"},
            "reminder_channels": ["email"],
        },
        ("PATCH", f"{API}/patients/<int:patient_id>"): {
            "given_name": "Ada",
            "family_name": "King",
            "email": "ada@example.org",
            "phone": "+1 713 555 0102",
            "date_of_birth": "1985-12-10",
            "timezone": "America/Chicago",
            "preferences": {"weekdays": ["wed"], "earliest_start": "10:00", "latest_start": "15:00"},
            "reminder_channels": ["email", "sms"],
        },
        ("POST", f"{API}/patients/<int:patient_id>/feed-tokens"): {"label": "phone"},
        ("POST", f"{API}/series/proposals"): {
            "patient_id": ids["other_patient_id"],
            "clinic_id": ids["clinic_id"],
            "protocol_key": "iv-ketamine-depression",
            "earliest_date": "2027-02-01",
            "latest_date": "2027-02-28",
            "alternatives": 0,
        },
        ("POST", f"{API}/series"): {
            "patient_id": ids["other_patient_id"],
            "clinic_id": ids["clinic_id"],
            "protocol_key": "iv-ketamine-depression",
            "sessions": [{"start": s["start"], "chair_id": s["chair_id"]} for s in world.free_sessions],
        },
        ("POST", f"{API}/series/<int:series_id>/cancel"): {"reason": "Moved away"},
        ("POST", f"{API}/series/<int:series_id>/extend"): None,
        ("POST", f"{API}/series/<int:series_id>/replan-proposals"): {"alternatives": 1},
        ("POST", f"{API}/appointments/<int:appointment_id>/cancel"): {"reason": "Unwell"},
        ("POST", f"{API}/appointments/<int:appointment_id>/reschedule"): {
            "start": (datetime.fromisoformat(world.first_start) + timedelta(hours=1)).isoformat(),
            "cascade": "none",
        },
        ("POST", f"{API}/appointments/<int:appointment_id>/check-in"): None,
        ("POST", f"{API}/appointments/<int:appointment_id>/complete"): None,
        ("POST", f"{API}/appointments/<int:appointment_id>/no-show"): None,
    }


def write_rules(app: Flask) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API)
        for method in (rule.methods or set()) & WRITES
    }


def assert_nothing_written(before: dict[str, Any], what: str) -> None:
    after = stored_rows()
    changed = sorted(name for name in before if before[name] != after[name])
    assert not changed, f"{what} changed the tables {changed}"


def named_paths(body: dict[str, Any]) -> set[str]:
    """Field paths an error body names, without its location level ("json.name" -> "name")."""
    return {p.split(".", 1)[1] for p in error_paths(body.get("errors")) if "." in p}


# --- the tables are complete ---------------------------------------------------------------------------------


def test_every_write_endpoint_has_a_body_in_the_table(app: Flask, client: FlaskClient, auth: Any, world: World) -> None:
    assert set(base_bodies(world, client, auth["admin"])) == write_rules(app)


# --- bodies that are too big, too deep, or not JSON ----------------------------------------------------------


@dataclass(frozen=True)
class BadBody:
    status: int
    names: str  # the error names this: "json" (the body) or "Content-Type"
    data: bytes | None = None
    content_type: str = "application/json"
    base_as: str | None = None  # send the endpoint's own valid body, encoded this way


def _over_the_limit(app: Flask) -> bytes:
    limit = app.config["MAX_CONTENT_LENGTH"]
    return b'{"name": "' + b"a" * limit + b'"}'


BAD_BODIES = {
    "a body one byte over the limit": BadBody(413, "json", data=b"<limit>"),
    "100000 levels of [": BadBody(400, "json", data=b"[" * 100_000),
    "100000 levels inside a field": BadBody(400, "json", data=b'{"name": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
    "40 levels of objects, well formed": BadBody(400, "json", data=b'{"a":' * 40 + b"1" + b"}" * 40),
    "invalid UTF-8": BadBody(400, "json", data=b'{"name": "caf\xe9 \xff\xfe"}'),
    "UTF-16 with a byte order mark": BadBody(400, "json", data='{"name": "x"}'.encode("utf-16")),
    "the valid body as text/plain": BadBody(400, "Content-Type", content_type="text/plain", base_as="json"),
    "the valid body with no Content-Type": BadBody(400, "Content-Type", content_type="", base_as="json"),
    "the valid body form-encoded": BadBody(
        400, "Content-Type", content_type="application/x-www-form-urlencoded", base_as="form"
    ),
}


@pytest.mark.parametrize("case", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_a_body_too_big_too_deep_or_not_json_is_refused_by_every_write_endpoint_and_nothing_is_written(
    app: Flask, client: FlaskClient, auth: Any, world: World, case: BadBody
) -> None:
    failures = []
    for (method, rule), base in sorted(base_bodies(world, client, auth["admin"]).items()):
        if case.base_as == "json":
            data = json.dumps(base or {}).encode()
        elif case.base_as == "form":
            data = b"name=Chair+9&reason=x"
        else:
            data = _over_the_limit(app) if case.data == b"<limit>" else case.data
        before = stored_rows()
        headers = {**auth["admin"], **({"Content-Type": case.content_type} if case.content_type else {})}
        response = client.open(world.fill(rule), method=method, data=data, headers=headers)
        try:
            body = assert_error_body(response, case.status)
            assert case.names in named_paths(body) | {k for k in (body.get("errors") or {})}, body
            assert_nothing_written(before, f"{method} {rule}")
        except AssertionError as failure:
            failures.append(f"{method} {rule}: {failure}")
    assert not failures, "\n".join(failures)


def _raw_request(app: Flask, path: str, body: bytes, auth: dict[str, str], **environ: str) -> tuple[int, bytes, str]:
    """Send a request whose headers the test client would correct: a Content-Length that lies, or chunking."""
    env = EnvironBuilder(
        path=path, method="POST", input_stream=io.BytesIO(body), headers=auth, content_type="application/json"
    ).get_environ()
    env.pop("CONTENT_LENGTH", None)
    env.update(environ)
    app_iter, status, headers = run_wsgi_app(app.wsgi_app, env, buffered=True)
    return int(status.split()[0]), b"".join(app_iter), headers.get("Content-Type", "")


def test_a_body_longer_than_its_content_length_is_read_only_as_far_as_it_says(
    app: Flask, auth: Any, world: World
) -> None:
    before = stored_rows()
    body = json.dumps({**PATIENT, "given_name": "a" * 2_000_000}).encode()

    status, answer, kind = _raw_request(app, f"{API}/patients", body, auth["front_desk"], CONTENT_LENGTH="40")

    # The first 40 bytes are a cut-off JSON document: refused as such; the rest is never read.
    assert status == 400 and kind == "application/json", answer
    assert "json" in json.loads(answer)["errors"]
    assert_nothing_written(before, "a body longer than its Content-Length")


def test_a_content_length_over_the_limit_is_refused_before_the_body_is_read(
    app: Flask, auth: Any, world: World
) -> None:
    before = stored_rows()
    limit = app.config["MAX_CONTENT_LENGTH"]

    status, answer, _ = _raw_request(
        app, f"{API}/patients", json.dumps(PATIENT).encode(), auth["front_desk"], CONTENT_LENGTH=str(limit + 1)
    )

    assert status == 413, answer
    assert json.loads(answer)["code"] == 413 and str(limit) in json.loads(answer)["message"]
    assert_nothing_written(before, "a Content-Length over the limit")


def test_a_chunked_body_without_content_length_is_cut_off_at_the_limit(app: Flask, auth: Any, world: World) -> None:
    """What a WSGI server hands over for Transfer-Encoding: chunked: no length, a stream that ends."""
    before = stored_rows()
    body = json.dumps({**PATIENT, "given_name": "a" * (app.config["MAX_CONTENT_LENGTH"] + 1)}).encode()

    status, answer, _ = _raw_request(
        app,
        f"{API}/patients",
        body,
        auth["front_desk"],
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input_terminated": True},  # type: ignore[arg-type]
    )

    assert status == 413, answer
    assert_nothing_written(before, "a chunked body over the limit")


def test_a_form_over_the_limit_is_a_readable_page_and_nothing_is_written(
    app: Flask, client: FlaskClient, auth: Any, world: World
) -> None:
    log_in(client, "front_desk")
    before = stored_rows()

    response = client.post(
        "/patients/new",
        data={"csrf_token": csrf_of(client, "/patients/new"), "given_name": "a" * app.config["MAX_CONTENT_LENGTH"]},
    )

    assert response.status_code == 413
    assert response.mimetype == "text/html"
    assert "larger than this service accepts" in response.get_data(as_text=True)
    assert_nothing_written(before, "a form over the limit")


# --- text no database can store, and text too long: every string field of every request body -----------------


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while True:
        if "$ref" in schema:
            schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        elif "anyOf" in schema:
            schema = next(s for s in schema["anyOf"] if "$ref" in s)
        else:
            return schema


def string_paths(spec: dict[str, Any], schema: dict[str, Any], body: Any, prefix: str = "") -> list[str]:
    """Dotted paths of every string the schema allows, walked along `body`; "<missing>" marks a gap in the body."""
    schema = _resolve(spec, schema)
    if schema.get("type") == "string":
        return [prefix]
    if schema.get("type") == "array":
        if not isinstance(body, list) or not body:
            return [f"<missing> {prefix}"]
        return string_paths(spec, schema["items"], body[0], f"{prefix}.0" if prefix else "0")
    found = []
    for name, sub in schema.get("properties", {}).items():
        if sub.get("readOnly"):
            continue
        path = f"{prefix}.{name}" if prefix else name
        if not isinstance(body, dict) or name not in body or body[name] is None:
            found += [f"<missing> {path}"] if has_text(spec, sub) else []
        else:
            found += string_paths(spec, sub, body[name], path)
    return found


def has_text(spec: dict[str, Any], schema: dict[str, Any]) -> bool:
    schema = _resolve(spec, schema)
    if schema.get("type") == "array":
        return has_text(spec, schema["items"])
    return schema.get("type") == "string" or any(has_text(spec, s) for s in schema.get("properties", {}).values())


def body_schema(spec: dict[str, Any], method: str, rule: str) -> dict[str, Any] | None:
    path = re.sub(r"<(?:int:)?(\w+)>", r"{\1}", rule)
    content = spec["paths"][path][method.lower()].get("requestBody", {}).get("content", {})
    return content.get("application/json", {}).get("schema")


def set_path(body: Any, path: str, value: Any) -> Any:
    copy = json.loads(json.dumps(body))
    *parents, leaf = path.split(".")
    target = copy
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    if isinstance(target, list):
        target[int(leaf)] = value
    else:
        target[leaf] = value
    return copy


def text_cases(app: Flask, client: FlaskClient, admin: dict[str, str], world: World) -> list[tuple[str, str, Any, str]]:
    spec = client.get(f"{API}/openapi.json").get_json()
    cases = []
    for (method, rule), base in sorted(base_bodies(world, client, admin).items()):
        schema = body_schema(spec, method, rule)
        if schema is None:
            continue
        for path in string_paths(spec, schema, base):
            cases.append((method, rule, base, path))
    return cases


def test_the_text_tables_reach_every_string_field_of_every_body(
    app: Flask, client: FlaskClient, auth: Any, world: World
) -> None:
    missing = [
        f"{m} {r}: {p}" for m, r, _, p in text_cases(app, client, auth["admin"], world) if p.startswith("<missing>")
    ]
    assert not missing, "the base bodies leave out string fields:\n" + "\n".join(missing)


HOSTILE_TEXT = {
    "a NUL character": NUL,
    "a lone surrogate": SURROGATE,
    "100,000 characters": LONG,
}


@pytest.mark.parametrize("value", HOSTILE_TEXT.values(), ids=HOSTILE_TEXT.keys())
def test_unstorable_or_overlong_text_in_any_string_field_is_refused_naming_exactly_that_field(
    app: Flask, client: FlaskClient, auth: Any, world: World, value: str
) -> None:
    failures = []
    for method, rule, base, path in text_cases(app, client, auth["admin"], world):
        if path.startswith("<missing>"):
            continue
        before = stored_rows()
        response = client.open(world.fill(rule), method=method, json=set_path(base, path, value), headers=auth["admin"])
        try:
            assert response.status_code in (400, 422), (response.status_code, response.get_data(as_text=True)[:300])
            body = assert_error_body(response, response.status_code)
            assert named_paths(body) == {path}, body
            assert_nothing_written(before, "the refused request")
        except AssertionError as failure:
            failures.append(f"{method} {rule} {path}: {failure}")
    assert not failures, "\n".join(failures)


QUERIES = {
    f"{API}/patients": {"q": "Ada"},
    f"{API}/audit": {"entity": "patient", "entity_id": "1"},
    f"{API}/clinics/<int:clinic_id>/availability": {
        "protocol_key": "iv-ketamine-depression",
        "from": "2027-02-01",
        "to": "2027-02-05",
    },
    f"{API}/appointments": {"clinic_id": "<clinic_id>", "date": "2027-02-01"},
    f"{API}/reminders": {"status": "pending", "kind": "reminder", "channel": "email"},
}


def query_params(client: FlaskClient) -> list[tuple[str, str, str]]:
    """(rule, parameter, format) of every query parameter that takes text, from the OpenAPI document."""
    spec = client.get(f"{API}/openapi.json").get_json()
    found = []
    for path, operations in spec["paths"].items():
        for parameter in operations.get("get", {}).get("parameters", []):
            kind = parameter.get("schema", {})
            if parameter["in"] == "query" and kind.get("type") == "string":
                found.append((re.sub(r"\{(\w+)\}", r"<int:\1>", path), parameter["name"], kind.get("format", "")))
    return found


def test_every_text_query_parameter_has_a_valid_query_to_start_from(client: FlaskClient, world: World) -> None:
    assert {(r, p) for r, p, _ in query_params(client)} <= {(r, p) for r, q in QUERIES.items() for p in q}


QUERY_TEXT = {"a NUL character": NUL, "100,000 characters": LONG}  # a query cannot carry a lone surrogate


@pytest.mark.parametrize("value", QUERY_TEXT.values(), ids=QUERY_TEXT.keys())
def test_unstorable_or_overlong_text_in_any_query_parameter_is_refused_naming_it(
    client: FlaskClient, auth: Any, world: World, value: str
) -> None:
    failures = []
    for rule, name, _ in query_params(client):
        query = {k: world.fill(v) for k, v in QUERIES[rule].items()} | {name: value}
        response = client.get(world.fill(rule), query_string=query, headers=auth["admin"])
        try:
            body = assert_error_body(response, 422)
            assert named_paths(body) == {name}, body
        except AssertionError as failure:
            failures.append(f"{rule}?{name}: {failure}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("raw", ["%ED%A0%80", "%FF%FE", "caf%E9"])
def test_percent_encoded_bytes_that_are_not_utf8_in_a_query_are_read_as_replacement_characters(
    client: FlaskClient, auth: Any, world: World, raw: str
) -> None:
    response = client.get(f"{API}/patients?q={raw}", headers=auth["front_desk"])

    assert response.status_code == 200, response.get_json()
    assert response.get_json() == []


def test_emoji_and_other_astral_characters_are_stored_and_answered_verbatim(client: FlaskClient, auth: Any) -> None:
    name = "Zoë 😀 María-José 山田 \U0001f9ea"
    created = client.post(f"{API}/patients", json={**PATIENT, "given_name": name}, headers=auth["front_desk"])

    assert created.status_code == 201, created.get_json()
    shown = client.get(f"{API}/patients/{created.get_json()['id']}", headers=auth["front_desk"]).get_json()
    assert shown["given_name"] == name
    found = client.get(f"{API}/patients", query_string={"q": "Zoë"}, headers=auth["front_desk"]).get_json()
    assert [p["given_name"] for p in found] == [name]


# --- days out of range: every date and date-time field and query parameter -----------------------------------

BAD_DAYS = ["0001-01-01", "9999-12-31", "10000-01-01", "0000-01-01"]
BAD_INSTANTS = [
    "0001-01-01T00:00:00+14:00",  # UTC is in year 0
    "9999-12-31T23:59:00-12:00",  # UTC is in year 10000
    "0001-01-01T09:00:00-06:00",
    "9999-12-31T09:00:00-06:00",
    "10000-01-01T09:00:00-06:00",
]


def date_cases(client: FlaskClient, admin: dict[str, str], world: World) -> list[tuple[str, str, Any, str, str]]:
    """(method, rule, base body, path, format) of every date or date-time field of a body."""
    spec = client.get(f"{API}/openapi.json").get_json()
    cases = []
    for (method, rule), base in sorted(base_bodies(world, client, admin).items()):
        schema = body_schema(spec, method, rule)
        if schema is None:
            continue
        for path in string_paths(spec, schema, base):
            leaf = _resolve(spec, schema)
            for part in path.split("."):
                leaf = _resolve(spec, leaf)
                leaf = leaf["items"] if part.isdigit() else leaf["properties"][part]
            if _resolve(spec, leaf).get("format") in ("date", "date-time"):
                cases.append((method, rule, base, path, _resolve(spec, leaf)["format"]))
    return cases


def test_the_date_tables_find_the_date_fields(client: FlaskClient, auth: Any, world: World) -> None:
    found = {(r.rsplit("/", 1)[-1], p) for _, r, _, p, _ in date_cases(client, auth["admin"], world)}
    assert {("closures", "date"), ("patients", "date_of_birth"), ("series", "sessions.0.start")} <= found


@pytest.mark.parametrize("index", range(len(BAD_INSTANTS)), ids=BAD_INSTANTS)
def test_a_day_out_of_range_in_any_date_field_is_refused_naming_it_and_nothing_is_written(
    client: FlaskClient, auth: Any, world: World, index: int
) -> None:
    failures = []
    for method, rule, base, path, kind in date_cases(client, auth["admin"], world):
        value = BAD_INSTANTS[index] if kind == "date-time" else BAD_DAYS[index % len(BAD_DAYS)]
        before = stored_rows()
        response = client.open(world.fill(rule), method=method, json=set_path(base, path, value), headers=auth["admin"])
        try:
            body = assert_error_body(response, 422)
            assert named_paths(body) == {path}, body
            assert_nothing_written(before, "the refused request")
        except AssertionError as failure:
            failures.append(f"{method} {rule} {path}={value}: {failure}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("day", BAD_DAYS)
def test_a_day_out_of_range_in_any_date_query_parameter_is_refused_naming_it(
    client: FlaskClient, auth: Any, world: World, day: str
) -> None:
    failures = []
    for rule, name, kind in query_params(client):
        if kind != "date":
            continue
        query = {k: world.fill(v) for k, v in QUERIES[rule].items()} | {name: day}
        response = client.get(world.fill(rule), query_string=query, headers=auth["admin"])
        try:
            body = assert_error_body(response, 422)
            assert named_paths(body) == {name}, body
        except AssertionError as failure:
            failures.append(f"{rule}?{name}={day}: {failure}")
    assert not failures, "\n".join(failures)


# --- DST: the API takes instants with offsets; the pages take a wall-clock time and refuse ambiguity ----------

SPRING = "2026-03-08"  # America/Chicago: 02:00 -> 03:00
FALL = "2026-11-01"  # America/Chicago: 02:00 -> 01:00


@pytest.fixture()
def sunday_clinic(client: FlaskClient, auth: Any, clock: FixedClock) -> World:
    """A clinic open Sundays 00:00–06:00 (across both changes) with one IV chair; the clock in January 2026."""
    clock.at = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    admin = auth["admin"]
    hours = {day: [] for day in ("mon", "tue", "wed", "thu", "fri", "sat")} | {"sun": [["00:00", "06:00"]]}
    clinic = client.post(
        f"{API}/clinics", json={**CLINIC, "opening_hours": hours, "holiday_country": None}, headers=admin
    ).get_json()
    chair = client.post(
        f"{API}/clinics/{clinic['id']}/chairs", json={"name": "Chair 1", "tags": ["iv", "spravato"]}, headers=admin
    )
    client.put(f"{API}/clinics/{clinic['id']}/staffing", json={"nurses": {"sun": 2}}, headers=admin)
    patient = client.post(f"{API}/patients", json=PATIENT, headers=auth["front_desk"]).get_json()
    return World({"clinic_id": clinic["id"], "chair_id": chair.get_json()["id"], "patient_id": patient["id"]})


def _book_one_spravato(client: FlaskClient, auth: Any, ids: dict[str, int], start: str) -> Any:
    """POST a one-session Spravato series for the scene's patient starting at `start` (as sent, offset or not)."""
    series = {
        "patient_id": ids["patient_id"],
        "clinic_id": ids["clinic_id"],
        "protocol_key": "spravato-trd",
        "sessions": [{"start": start}],
    }
    return client.post(f"{API}/series", json=series, headers=auth["front_desk"])


def _availability(client: FlaskClient, auth: Any, clinic_id: int, day: str) -> list[dict[str, Any]]:
    response = client.get(
        f"{API}/clinics/{clinic_id}/availability",
        query_string={"protocol_key": "spravato-trd", "from": day, "to": day},
        headers=auth["front_desk"],
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()[0]["starts"]


@pytest.mark.parametrize("day", [SPRING, FALL])
def test_on_a_dst_day_every_free_start_is_one_real_instant_and_visits_last_their_minutes(
    client: FlaskClient, auth: Any, sunday_clinic: World, day: str
) -> None:
    starts = _availability(client, auth, sunday_clinic.ids["clinic_id"], day)

    assert starts, "the clinic is open that night"
    instants = [datetime.fromisoformat(s["start"]) for s in starts]
    assert instants == sorted(set(instants)), "free starts repeat or go backwards"
    lengths = {datetime.fromisoformat(s["end"]) - datetime.fromisoformat(s["start"]) for s in starts}
    assert len(lengths) == 1, f"a visit lasts different times on {day}: {lengths}"
    for moment in instants:  # each start is written with the offset the clinic's zone has at that instant
        assert moment.utcoffset() == moment.astimezone(moment.tzinfo).utcoffset()
        assert not (moment.hour == 2 and day == SPRING), f"{moment} does not exist in Chicago"


@pytest.mark.parametrize(
    ("closure", "day"),
    [
        ({"start_time": "02:00", "end_time": "03:00"}, SPRING),  # an hour that does not exist that day
        ({"start_time": "02:30", "end_time": "04:00"}, SPRING),  # starts inside the gap
        ({"start_time": "01:00", "end_time": "02:00"}, FALL),  # an hour that happens twice
    ],
)
def test_a_part_day_closure_over_a_dst_change_is_accepted_and_no_start_falls_inside_it(
    client: FlaskClient, auth: Any, sunday_clinic: World, closure: dict[str, str], day: str
) -> None:
    """Closures are wall-clock windows: on a DST day they cover the instants whose local time is inside them
    (a window starting in the skipped hour starts when the clocks do, at 03:00)."""
    clinic_id = sunday_clinic.ids["clinic_id"]
    response = client.post(
        f"{API}/clinics/{clinic_id}/closures", json={"date": day, "reason": "Clocks", **closure}, headers=auth["admin"]
    )
    assert response.status_code == 201, response.get_json()

    starts = _availability(client, auth, clinic_id, day)
    for s in starts:
        local = datetime.fromisoformat(s["start"])
        wall = local.strftime("%H:%M")
        assert not closure["start_time"] <= wall < closure["end_time"], f"{s['start']} is inside the closure"


@pytest.mark.parametrize("offset", ["-06:00", "-05:00"])
def test_a_booking_start_with_an_offset_is_one_instant_even_on_the_spring_forward_night(
    client: FlaskClient, auth: Any, sunday_clinic: World, offset: str
) -> None:
    """02:30-06:00 and 02:30-05:00 are real instants (03:30 CDT and 01:30 CST): the API takes them as such."""
    ids = sunday_clinic.ids
    response = _book_one_spravato(client, auth, ids, f"{SPRING}T02:30:00{offset}")

    assert response.status_code == 201, response.get_json()
    start = datetime.fromisoformat(response.get_json()["appointments"][0]["start"])
    assert start == datetime.fromisoformat(f"{SPRING}T02:30:00{offset}")
    assert start.strftime("%H:%M%z") == {"-06:00": "03:30-0500", "-05:00": "01:30-0600"}[offset]


def test_a_naive_booking_start_is_refused_naming_it(client: FlaskClient, auth: Any, sunday_clinic: World) -> None:
    ids, before = sunday_clinic.ids, stored_rows()
    response = _book_one_spravato(client, auth, ids, f"{FALL}T01:30:00")

    assert named_paths(assert_error_body(response, 422)) == {"sessions.0.start"}
    assert_nothing_written(before, "a naive start")


@pytest.mark.parametrize(
    ("day", "time", "why"),
    [(SPRING, "02:30", "does not exist"), (FALL, "01:30", "happens twice")],
)
def test_a_time_typed_on_the_move_form_that_a_dst_change_skips_or_repeats_is_refused_naming_the_time(
    client: FlaskClient, auth: Any, sunday_clinic: World, day: str, time: str, why: str
) -> None:
    ids = sunday_clinic.ids
    booked = _book_one_spravato(client, auth, ids, "2026-02-01T00:30:00-06:00")
    assert booked.status_code == 201, booked.get_json()
    appointment_id = booked.get_json()["appointments"][0]["id"]
    log_in(client, "front_desk")
    before = stored_rows()

    response = client.post(
        f"/appointments/{appointment_id}/reschedule",
        data={
            "csrf_token": csrf_of(client, f"/appointments/{appointment_id}"),
            "date": day,
            "time": time,
            "cascade": "none",
            "step": "confirm",
        },
    )

    assert response.status_code == 422, response.get_data(as_text=True)[:500]
    page = response.get_data(as_text=True)
    assert why in page and 'id="start-error"' in page, page[:3000]
    assert_nothing_written(before, "a move to a time that a DST change skips or repeats")


# --- SQL and HTML injection: stored verbatim, shown escaped on every page -------------------------------------

SCRIPT, IMG = "<script>alert('{}')</script>", "\"><img src=x onerror=alert('{}')>"
SQL_DROP, SQL_OR = "'; DROP TABLE patients; -- {}", "' OR '1'='1 {}"


@dataclass
class Shown:
    values: dict[str, str]  # field -> the hostile text stored in it
    pages: list[str]


@pytest.fixture()
def hostile_world(client: FlaskClient, auth: Any, clock: FixedClock) -> Shown:
    """A clinic, chair, closure, protocol, patient, feed token and policy whose every shown text is hostile;
    two series booked, one session and one series cancelled with hostile reasons."""
    admin, desk = auth["admin"], auth["front_desk"]
    v = {
        "clinic.name": SQL_DROP.format("clinic") + " <b>clinic</b>",
        "clinic.address": SCRIPT.format("address"),
        "chair.name": IMG.format("chair"),
        "closure.reason": SCRIPT.format("closure"),
        "protocol.name": SCRIPT.format("protocol"),
        "protocol.instructions": SQL_OR.format("instructions") + IMG.format("instructions"),
        "patient.given_name": SCRIPT.format("given"),
        "patient.family_name": IMG.format("family"),
        "patient.email": "x'or'1'='1@example.org",
        "appointment.reason": IMG.format("appt-cancel"),
        "series.reason": SCRIPT.format("series-cancel") + SQL_DROP.format("series"),
    }

    def ok(response: Any) -> dict[str, Any]:
        assert response.status_code in (200, 201), response.get_json()
        return response.get_json()  # type: ignore[no-any-return]

    clinic = ok(
        client.post(
            f"{API}/clinics", json={**CLINIC, "name": v["clinic.name"], "address": v["clinic.address"]}, headers=admin
        )
    )
    cid = clinic["id"]
    ok(client.post(f"{API}/clinics/{cid}/chairs", json={"name": v["chair.name"], "tags": ["iv"]}, headers=admin))
    ok(
        client.put(
            f"{API}/clinics/{cid}/staffing",
            json={"nurses": {d: 2 for d in ("mon", "tue", "wed", "thu", "fri")}},
            headers=admin,
        )
    )
    ok(
        client.post(
            f"{API}/clinics/{cid}/closures", json={"date": "2026-12-24", "reason": v["closure.reason"]}, headers=admin
        )
    )
    protocol = ok(
        client.post(
            f"{API}/protocols",
            json={**PROTOCOL, "name": v["protocol.name"], "instructions": v["protocol.instructions"]},
            headers=admin,
        )
    )
    patient = ok(
        client.post(
            f"{API}/patients",
            json={
                **PATIENT,
                "given_name": v["patient.given_name"],
                "family_name": v["patient.family_name"],
                "email": v["patient.email"],
            },
            headers=desk,
        )
    )
    pid = patient["id"]
    plan = ok(
        client.post(
            f"{API}/series/proposals",
            json={"patient_id": pid, "clinic_id": cid, "protocol_id": protocol["id"], "earliest_date": "2026-11-23"},
            headers=desk,
        )
    )["proposals"][0]["sessions"]
    first = ok(
        client.post(
            f"{API}/series",
            json={
                "patient_id": pid,
                "clinic_id": cid,
                "protocol_id": protocol["id"],
                "sessions": [{"start": s["start"], "chair_id": s["chair_id"]} for s in plan],
            },
            headers=desk,
        )
    )
    appointment = first["appointments"][1]
    ok(
        client.post(
            f"{API}/appointments/{appointment['id']}/cancel", json={"reason": v["appointment.reason"]}, headers=desk
        )
    )
    second = ok(book(client, auth, cid, pid, propose(client, auth, cid, pid, earliest_date="2027-03-01")))
    ok(client.post(f"{API}/series/{second['id']}/cancel", json={"reason": v["series.reason"]}, headers=desk))
    ids = {
        "clinic_id": cid,
        "patient_id": pid,
        "protocol_id": protocol["id"],
        "series_id": first["id"],
        "appointment_id": appointment["id"],
        "closure_id": ok(client.get(f"{API}/clinics/{cid}/closures", headers=admin))[0]["id"],
    }
    day = first["appointments"][0]["start"][:10]
    extra = [
        f"/board?clinic_id={cid}&date={day}",
        f"/board?clinic_id={cid}&date=2026-12-24",
        f"/patients?q={patient['given_name'][:8]}",
        "/patients?q=" + SCRIPT.format("q"),
        "/patients/results?q=" + IMG.format("q"),
        "/book?q=" + SCRIPT.format("book-q"),
        f"/book?patient_id={pid}",
        f"/book/proposals?patient_id={pid}&clinic_id={cid}&protocol_id={protocol['id']}&earliest_date=2027-05-03",
        f"/book/booked/{first['id']}",
        f"/series/{second['id']}",
        f"/appointments/{first['appointments'][0]['id']}",
    ]
    world = World(ids)
    pages = [world.fill(r) for r in page_rules(client.application)] + extra
    return Shown(v, pages)


def page_rules(app: Flask) -> list[str]:
    """Every page a GET can open: the web blueprint's rules (the API, feeds and static files are not pages)."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("web.") and "GET" in (rule.methods or set())
    )


def test_injection_strings_are_stored_verbatim(client: FlaskClient, auth: Any, hostile_world: Shown) -> None:
    patients = client.get(f"{API}/patients", headers=auth["admin"]).get_json()
    hostile = next(p for p in patients if p["given_name"] == hostile_world.values["patient.given_name"])
    assert hostile["family_name"] == hostile_world.values["patient.family_name"]
    assert hostile["email"] == hostile_world.values["patient.email"]
    clinics = client.get(f"{API}/clinics", headers=auth["admin"]).get_json()
    assert hostile_world.values["clinic.name"] in [c["name"] for c in clinics]
    assert len(patients) == 1, "the patients table is still there, with its patient"


@pytest.mark.parametrize("role", ["admin", "front_desk", "clinician"])
def test_every_page_shows_the_injection_strings_as_text_never_as_markup(
    client: FlaskClient, auth: Any, hostile_world: Shown, role: str
) -> None:
    log_in(client, role)
    shown_on: dict[str, list[str]] = {name: [] for name in hostile_world.values}
    failures = []
    for path in hostile_world.pages:
        response = client.get(path)
        page = response.get_data(as_text=True)
        if response.status_code in (302, 403) or (response.status_code == 404 and "<int:" not in path):
            continue  # not this role's page, or a redirect to one
        if response.status_code != 200:
            failures.append(f"{path}: {response.status_code}")
            continue
        for marker in ("<script>alert(", "<img src=x"):  # escaped, they read &lt;script&gt; and &lt;img
            if marker in page:
                failures.append(f"{path}: raw {marker!r}")
        for name, value in hostile_world.values.items():
            if str(escape(value)) in page:
                shown_on[name].append(path)
    assert not failures, "\n".join(failures)
    if role == "admin":  # the administrator opens every page: each hostile text is shown on at least one
        never = [name for name, where in shown_on.items() if not where]
        assert not never, f"never shown (so never checked): {never}"


def test_the_page_list_covers_every_page_route(client: FlaskClient, hostile_world: Shown) -> None:
    visited = {re.sub(r"\?.*", "", p) for p in hostile_world.pages}
    patterns = [re.compile("^" + re.sub(r"<(?:int:)?\w+>", r"[^/]+", r) + "$") for r in page_rules(client.application)]
    assert all(any(p.match(v) for v in visited) for p in patterns)


# --- the pages' forms: NUL and overlong text in every field of every form -------------------------------------


class _Forms(HTMLParser):
    """Every <form method=post> of a page: its action and the value each control would send."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(
                {"action": a.get("action", ""), "method": a.get("method", "get").lower(), "fields": {}, "text": []}
            )
        elif not self.forms:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button"):
                self.forms[-1]["fields"][a["name"]] = a.get("value", "")
                if kind in ("text", "email", "tel", "search", "date", "time", "number", "password"):
                    self.forms[-1]["text"].append(a["name"])
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self.forms[-1]["fields"][a["name"]] = ""
            self.forms[-1]["text"].append(a["name"])
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
        elif tag == "option" and self._select and (self._select not in self.forms[-1]["fields"] or "selected" in a):
            self.forms[-1]["fields"][self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea and self.forms:
            self.forms[-1]["fields"][self._textarea] += data


def post_forms(client: FlaskClient, pages: list[str]) -> list[tuple[str, str, dict[str, str], list[str]]]:
    """(page, action, the form's own values, its text fields) of every POST form on the pages."""
    found, seen = [], set()
    for path in pages:
        response = client.get(path)
        if response.status_code != 200:
            continue
        parser = _Forms()
        parser.feed(response.get_data(as_text=True))
        for form in parser.forms:
            key = (form["action"] or path, tuple(sorted(form["fields"])))
            # Logging in and out are the session's own tests; a failed log-in is recorded on purpose (throttle).
            if form["method"] != "post" or key in seen or key[0] in ("/logout", "/login"):
                continue
            seen.add(key)
            found.append((path, form["action"] or path, form["fields"], form["text"]))
    return found


@pytest.mark.parametrize("value", [NUL, LONG[: 200_000 // 2]], ids=["a NUL character", "100,000 characters"])
def test_unstorable_or_overlong_text_in_any_field_of_any_form_is_refused_and_nothing_is_written(
    client: FlaskClient, auth: Any, hostile_world: Shown, value: str
) -> None:
    log_in(client, "admin")
    forms = post_forms(client, hostile_world.pages)
    assert len(forms) >= 10, [f[1] for f in forms]
    failures = []
    for page, action, fields, text in forms:
        for name in text:
            before = stored_rows()
            response = client.post(action, data={**fields, name: f"{fields[name]}{value}"})
            answer = response.get_data(as_text=True)
            try:
                assert 400 <= response.status_code < 500, (response.status_code, answer[:300])
                if value == NUL:
                    assert f"“{name}”" in answer, answer[:500]
                assert_nothing_written(before, "the refused form")
            except AssertionError as failure:
                failures.append(f"{action} {name} (from {page}): {failure}")
    assert not failures, "\n".join(failures)


def test_a_nul_in_a_page_query_is_refused_naming_the_parameter(client: FlaskClient, auth: Any, world: World) -> None:
    log_in(client, "front_desk")

    for path in ("/patients?q=Ma%00ria", "/patients/results?q=%00", "/book?q=a%00", "/board?date=2026-11-23%00"):
        response = client.get(path)
        assert response.status_code == 400, path
        assert "control character" in response.get_data(as_text=True)


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_day_out_of_range_on_the_pages_is_a_4xx_naming_it(
    client: FlaskClient, auth: Any, world: World, day: str
) -> None:
    log_in(client, "admin")
    ids = world.ids
    before = stored_rows()

    board = client.get(f"/board?clinic_id={ids['clinic_id']}&date={day}")
    choose = client.get(
        f"/book/proposals?patient_id={ids['patient_id']}&clinic_id={ids['clinic_id']}"
        f"&protocol_id={ids['protocol_id']}&earliest_date={day}"
    )
    move = client.post(
        f"/appointments/{ids['appointment_id']}/reschedule",
        data={
            "csrf_token": csrf_of(client, "/board"),
            "date": day,
            "time": "09:00",
            "cascade": "none",
            "step": "confirm",
        },
    )
    closure = client.post(
        f"/admin/clinics/{ids['clinic_id']}/closures",
        data={"csrf_token": csrf_of(client, "/board"), "date": day, "reason": "Far away"},
    )
    birth = client.post(
        "/patients/new",
        data={"csrf_token": csrf_of(client, "/board"), "given_name": "A", "family_name": "B", "date_of_birth": day},
    )
    confirm = client.post(
        "/book/confirm",
        data={
            "csrf_token": csrf_of(client, "/board"),
            **{k: ids[k] for k in ("patient_id", "clinic_id", "protocol_id")},
            "start": f"{day}T09:00:00",
            "chair_id": "1",
        },
    )

    assert board.status_code == 400 and day in board.get_data(as_text=True) or "between" in board.get_data(as_text=True)
    assert choose.status_code == 422 and "earliest" in choose.get_data(as_text=True).lower()
    assert move.status_code == 422 and "outside" in move.get_data(as_text=True)
    assert closure.status_code == 400 and "outside" in closure.get_data(as_text=True)
    if day < "2026":  # a birth day in 9999 is "in the future", refused by that rule first
        assert birth.status_code == 422 and "1900-01-01" in birth.get_data(as_text=True)
    assert confirm.status_code == 400
    assert_nothing_written(before, "days out of range on the pages")
