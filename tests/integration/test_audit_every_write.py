"""Every write leaves an audit record: who (the user), what (the action) and on which entity, and no secret in it.

The writes come from the app's own routing table: every POST, PUT, PATCH and DELETE route, of the API and of the
front-desk pages, has a row here saying which audit record it must leave, or is listed in EXEMPT with the reason it
writes nothing worth auditing. A new write route without a row fails test_every_write_route_has_a_row_here.
The API calls reuse the authorization matrix's table (endpoint_table.py): its valid bodies, queries and targets.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from scheduler_service.adapters import orm
from scheduler_service.adapters.clock import FixedClock
from scheduler_service.extensions import db
from scheduler_service.services import accounts, feeds
from scheduler_service.services.unit_of_work import UnitOfWork

from .conftest import STAFF_PASSWORD
from .endpoint_table import (
    ROLES,
    ROLES_ALLOWED,
    Scene,
    build_scene,
    call,
    consult_start,
    next_open_day,
    stored_rows,
)
from .test_web_session import csrf_of, log_in

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
ZONE = ZoneInfo("America/Chicago")


@dataclass(frozen=True)
class Audited:
    """The record a write must leave: its action and entity, and where the entity's id comes from.

    `entity_id` names a scene id ("clinic_id"), "response" (the id in the JSON answer), "location" (the last number
    of the redirect's target), or None when the id is not known beforehand (a new chair shown in a list).
    """

    action: str
    entity: str
    entity_id: str | None


API_WRITES: dict[tuple[str, str], Audited] = {
    ("POST", "/api/v1/clinics"): Audited("create", "clinic", "response"),
    ("PATCH", "/api/v1/clinics/<int:clinic_id>"): Audited("update", "clinic", "clinic_id"),
    ("POST", "/api/v1/clinics/<int:clinic_id>/chairs"): Audited("create", "chair", "response"),
    ("POST", "/api/v1/clinics/<int:clinic_id>/closures"): Audited("create", "closure", "response"),
    ("DELETE", "/api/v1/closures/<int:closure_id>"): Audited("delete", "closure", "closure_id"),
    ("PUT", "/api/v1/clinics/<int:clinic_id>/staffing"): Audited("update", "staffing", "clinic_id"),
    ("PUT", "/api/v1/clinics/<int:clinic_id>/reminder-policy"): Audited("update", "reminder_policy", "clinic_id"),
    ("POST", "/api/v1/protocols"): Audited("create", "protocol", "response"),
    ("PATCH", "/api/v1/protocols/<int:protocol_id>"): Audited("update", "protocol", "protocol_id"),
    ("POST", "/api/v1/patients"): Audited("create", "patient", "response"),
    ("PATCH", "/api/v1/patients/<int:patient_id>"): Audited("update", "patient", "patient_id"),
    ("POST", "/api/v1/patients/<int:patient_id>/feed-tokens"): Audited("create", "feed_token", "response"),
    ("POST", "/api/v1/clinics/<int:clinic_id>/feed-tokens"): Audited("create", "feed_token", "response"),
    ("DELETE", "/api/v1/feed-tokens/<int:token_id>"): Audited("revoke", "feed_token", "token_id"),
    ("POST", "/api/v1/series"): Audited("book", "series", "response"),
    ("POST", "/api/v1/series/<int:series_id>/cancel"): Audited("cancel", "series", "series_id"),
    ("POST", "/api/v1/series/<int:series_id>/extend"): Audited("extend", "appointment", None),
    ("POST", "/api/v1/appointments/<int:appointment_id>/reschedule"): Audited(
        "reschedule", "appointment", "appointment_id"
    ),
    ("POST", "/api/v1/appointments/<int:appointment_id>/cancel"): Audited("cancel", "appointment", "appointment_id"),
    ("POST", "/api/v1/appointments/<int:appointment_id>/check-in"): Audited(
        "check_in", "appointment", "appointment_id"
    ),
    ("POST", "/api/v1/appointments/<int:appointment_id>/complete"): Audited(
        "complete", "appointment", "appointment_id"
    ),
    ("POST", "/api/v1/appointments/<int:appointment_id>/no-show"): Audited("no_show", "appointment", "appointment_id"),
}


def _hours(ids: dict[str, Any]) -> dict[str, str]:
    weekdays = ("mon", "tue", "wed", "thu", "fri")
    return {f"{day}-0-{edge}": clock for day in weekdays for edge, clock in (("start", "08:00"), ("end", "16:30"))}


def _moved(ids: dict[str, Any]) -> dict[str, str]:
    start = next_open_day(datetime.fromisoformat(ids["appointment_start"])).astimezone(ZONE)
    when = {"date": start.date().isoformat(), "time": start.strftime("%H:%M")}
    return when | {"chair_id": "", "cascade": "none", "step": "confirm"}


def _booking(ids: dict[str, Any]) -> dict[str, Any]:
    return {
        "patient_id": ids["patient_id"],
        "clinic_id": ids["clinic_id"],
        "protocol_id": ids["consult_protocol_id"],
        "start": consult_start(0),
        "chair_id": ids["consult_chair_id"],
        "booking_key": "one-click",
    }


@dataclass(frozen=True)
class PageWrite:
    """A form post of the front-desk pages: who posts it, what it sends, and the record it must leave.

    `target` names the API call whose fresh target (a newly booked consult, the clock past its start) it needs.
    `shows_secret`: the answer is a page showing a new secret once (a feed link), not a redirect.
    """

    role: str
    form: Callable[[dict[str, Any]], dict[str, Any]]
    audited: Audited
    target: str | None = None
    shows_secret: bool = False


PAGE_WRITES: dict[tuple[str, str], PageWrite] = {
    ("POST", "/admin/clinics/new"): PageWrite(
        "admin",
        lambda ids: {"name": "Sugar Land", "timezone": "America/Chicago", "address": "1 Main St"},
        Audited("create", "clinic", "location"),
    ),
    ("POST", "/admin/clinics/<int:clinic_id>"): PageWrite(
        "admin",
        lambda ids: {
            "name": "Main",
            "address": "2 Main St",
            "timezone": "America/Chicago",
            "slot_minutes": "15",
            "turnover_minutes": "15",
            "holiday_country": "US",
            "booking_horizon_days": "90",
        },
        Audited("update", "clinic", "clinic_id"),
    ),
    ("POST", "/admin/clinics/<int:clinic_id>/hours"): PageWrite(
        "admin", _hours, Audited("update", "clinic", "clinic_id")
    ),
    ("POST", "/admin/clinics/<int:clinic_id>/chairs"): PageWrite(
        "admin", lambda ids: {"name": "Chair 9", "tag": ["iv"]}, Audited("create", "chair", None)
    ),
    ("POST", "/admin/clinics/<int:clinic_id>/closures"): PageWrite(
        "admin", lambda ids: {"date": "2027-12-24", "reason": "Christmas Eve"}, Audited("create", "closure", None)
    ),
    ("POST", "/admin/clinics/<int:clinic_id>/closures/<int:closure_id>/delete"): PageWrite(
        "admin", lambda ids: {}, Audited("delete", "closure", "closure_id")
    ),
    ("POST", "/admin/clinics/<int:clinic_id>/staffing"): PageWrite(
        "admin",
        lambda ids: {"nurses.mon": "3", "patients_per_nurse": "2", "starts_per_nurse_per_slot": "1"},
        Audited("update", "staffing", "clinic_id"),
    ),
    ("POST", "/admin/clinics/<int:clinic_id>/reminders"): PageWrite(
        "admin",
        lambda ids: {"offsets.0.hours": "24", "offsets.0.content": "full", "late_booking": "skip"},
        Audited("update", "reminder_policy", "clinic_id"),
    ),
    ("POST", "/admin/protocols/<int:protocol_id>"): PageWrite(
        "admin",
        lambda ids: {
            "name": "Custom protocol",
            "instructions": "Arrive 15 minutes early.",
            "visit.prep_minutes": "10",
            "visit.treatment_minutes": "40",
            "visit.monitoring_minutes": "30",
        },
        Audited("update", "protocol", "protocol_id"),
    ),
    ("POST", "/patients/new"): PageWrite(
        "front_desk",
        lambda ids: {"given_name": "Grace", "family_name": "Hopper", "email": "grace@example.org"},
        Audited("create", "patient", "location"),
    ),
    ("POST", "/patients/<int:patient_id>"): PageWrite(
        "front_desk",
        lambda ids: {"given_name": "Maria", "family_name": "Gonzalez", "phone": "+1 713 555 0101"},
        Audited("update", "patient", "patient_id"),
    ),
    ("POST", "/patients/<int:patient_id>/feed-links"): PageWrite(
        "front_desk", lambda ids: {"label": "Maria's phone"}, Audited("create", "feed_token", None), shows_secret=True
    ),
    ("POST", "/patients/<int:patient_id>/feed-links/<int:token_id>/revoke"): PageWrite(
        "front_desk", lambda ids: {}, Audited("revoke", "feed_token", "token_id")
    ),
    ("POST", "/book/confirm"): PageWrite("front_desk", _booking, Audited("book", "series", "location")),
    ("POST", "/series/<int:series_id>/cancel"): PageWrite(
        "front_desk",
        lambda ids: {"reason": "moved away"},
        Audited("cancel", "series", "series_id"),
        target="/api/v1/series/<int:series_id>/cancel",
    ),
    ("POST", "/appointments/<int:appointment_id>/cancel"): PageWrite(
        "front_desk",
        lambda ids: {"reason": "flu"},
        Audited("cancel", "appointment", "appointment_id"),
        target="/api/v1/appointments/<int:appointment_id>/cancel",
    ),
    ("POST", "/appointments/<int:appointment_id>/reschedule"): PageWrite(
        "front_desk",
        _moved,
        Audited("reschedule", "appointment", "appointment_id"),
        target="/api/v1/appointments/<int:appointment_id>/reschedule",
    ),
    ("POST", "/appointments/<int:appointment_id>/visit"): PageWrite(
        "clinician",
        lambda ids: {"action": "check_in"},
        Audited("check_in", "appointment", "appointment_id"),
        target="/api/v1/appointments/<int:appointment_id>/check-in",
    ),
}

EXEMPT: dict[tuple[str, str], str] = {
    ("POST", "/api/v1/series/proposals"): "computes plans for the front desk to choose from; writes nothing",
    ("POST", "/api/v1/series/<int:series_id>/replan-proposals"): "computes plans; writes nothing",
    ("POST", "/login"): "starts a login session (a signed cookie); writes only the throttle's hashed counters",
    ("POST", "/logout"): "ends the login session (a signed cookie); writes nothing",
}
# The planning calls are exempt because they write nothing at all: test_the_exempt_planning_calls_write_nothing.
READ_ONLY = [row for row in EXEMPT if row[1].startswith("/api/")]


def write_routes(app: Flask) -> set[tuple[str, str]]:
    """Every (method, rule) of the app that can change something: POST, PUT, PATCH, DELETE, wherever it lives."""
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods or ()
        if method in WRITE_METHODS
    }


def _row_id(row: tuple[str, str]) -> str:
    return f"{row[0]} {row[1]}"


@pytest.fixture()
def scene(client: FlaskClient, auth: dict[str, dict[str, str]], clock: FixedClock) -> Scene:
    built = build_scene(client, auth, clock)
    admin = auth["admin"]
    chairs = client.get(f"/api/v1/clinics/{built.ids['clinic_id']}/chairs", headers=admin).get_json()
    protocols = client.get("/api/v1/protocols?page_size=100", headers=admin).get_json()
    built.ids["consult_chair_id"] = chairs[0]["id"]
    built.ids["consult_protocol_id"] = next(p["id"] for p in protocols if p["key"] == "consult")
    return built


def audit_rows_after(last_id: int) -> list[orm.AuditRecord]:
    with UnitOfWork() as uow:
        rows = uow.session.scalars(select(orm.AuditRecord).where(orm.AuditRecord.id > last_id)).all()
        uow.session.expunge_all()
    return list(rows)


def last_audit_id() -> int:
    with UnitOfWork() as uow:
        return uow.session.scalar(select(func.coalesce(func.max(orm.AuditRecord.id), 0))) or 0


def user_named(role: str) -> str:
    """How the audit log names a user: `user:<id> <e-mail>` (then how they came: token or web session)."""
    with UnitOfWork() as uow:
        user = uow.session.scalar(select(orm.User).where(orm.User.email == f"{role}@clinic.test"))
        return f"user:{user.id} <{user.email}> "


def expected_id(audited: Audited, scene: Scene, response: Any) -> str | None:
    if audited.entity_id == "response":
        return str(response.get_json()["id"])
    if audited.entity_id == "location":
        return re.findall(r"\d+", urlsplit(response.headers["Location"]).path)[-1]
    if audited.entity_id is not None:
        return str(scene.ids[audited.entity_id])
    return None


def assert_audited(audited: Audited, actor: str, entity_id: str | None, since: int) -> None:
    rows = audit_rows_after(since)
    found = [
        r
        for r in rows
        if r.action == audited.action
        and r.entity == audited.entity
        and r.actor.startswith(actor)
        and r.entity_id
        and (entity_id is None or r.entity_id == entity_id)
        and r.at is not None
    ]
    written = [(r.actor, r.action, r.entity, r.entity_id) for r in rows]
    assert found, f"no audit record {audited} by {actor!r} for id {entity_id}; new records: {written}"


def secrets_known(scene: Scene, answers: list[Any]) -> set[str]:
    """Every secret of this test: API tokens, feed secrets handed out, the staff password, and their stored hashes."""
    known = {STAFF_PASSWORD}
    known |= {h["Authorization"].removeprefix("Bearer ") for h in scene.headers.values() if h}
    for answer in answers:
        if isinstance(answer, dict) and "/feeds/" in str(answer.get("url", "")):
            known.add(answer["url"].rsplit("/", 1)[-1].removesuffix(".ics"))
    with db.engine.connect() as conn:
        known |= set(conn.scalars(select(orm.User.password_hash)))
        known |= set(conn.scalars(select(orm.ApiToken.token_hash)))
        known |= set(conn.scalars(select(orm.FeedToken.token_hash)))
        for payload in conn.scalars(select(orm.Reminder.payload)):  # a confirmation's feed link, until it is sent
            if isinstance(payload, dict) and payload.get("feed_url"):
                known.add(payload["feed_url"].rsplit("/", 1)[-1].removesuffix(".ics"))
    return {k for k in known if k}


def assert_no_secret_in_the_audit_log(known: set[str]) -> None:
    records = [json.dumps([r.actor, r.entity_id, r.before, r.after]) for r in audit_rows_after(0)]
    assert records, "the audit log is empty: nothing to check"
    leaked = sorted(k[:12] + "…" for k in known if any(k in record for record in records))
    assert not leaked, f"secrets found in the audit log: {leaked}"


def test_every_write_route_has_a_row_here(app: Flask) -> None:
    decided = set(API_WRITES) | set(PAGE_WRITES) | set(EXEMPT)
    undecided = sorted(write_routes(app) - decided)
    assert not undecided, f"write routes with no expected audit record (or exemption): {undecided}"


def test_every_row_here_is_a_registered_write_route(app: Flask) -> None:
    tables = (API_WRITES, PAGE_WRITES, EXEMPT)
    overlapping = sorted(set(API_WRITES) & set(PAGE_WRITES) | (set(API_WRITES) | set(PAGE_WRITES)) & set(EXEMPT))
    assert not overlapping, f"rows listed twice: {overlapping}"
    stale = sorted(row for table in tables for row in table if row not in write_routes(app))
    assert not stale, f"rows for routes the app does not have: {stale}"


@pytest.mark.parametrize("row", sorted(API_WRITES), ids=_row_id)
def test_each_api_write_leaves_an_audit_record_naming_the_user(
    client: FlaskClient, scene: Scene, row: tuple[str, str]
) -> None:
    method, rule = row
    role = next(r for r in ROLES if r in ROLES_ALLOWED[row])  # the least privileged role served
    scene.fresh_target(rule)
    since = last_audit_id()

    response = call(client, scene, method, rule, role)

    assert 200 <= response.status_code < 300, (response.status_code, response.get_data(as_text=True))
    audited = API_WRITES[row]
    assert_audited(audited, user_named(role), expected_id(audited, scene, response), since)
    assert_no_secret_in_the_audit_log(secrets_known(scene, [response.get_json(silent=True)]))


@pytest.mark.parametrize("row", sorted(PAGE_WRITES), ids=_row_id)
def test_each_page_form_write_leaves_an_audit_record_naming_the_user(
    client: FlaskClient, scene: Scene, row: tuple[str, str]
) -> None:
    method, rule = row
    write = PAGE_WRITES[row]
    if write.target:
        scene.fresh_target(write.target)
    assert log_in(client, write.role).status_code == 302
    form = write.form(scene.ids) | {"csrf_token": csrf_of(client, "/board")}
    since = last_audit_id()

    response = client.open(scene.path(rule), method=method, data=form)

    shown = set()
    if write.shows_secret:
        assert response.status_code == 200, response.get_data(as_text=True)[:2000]
        shown = set(re.findall(r"/feeds/([A-Za-z0-9_\-]+)\.ics", response.get_data(as_text=True)))
        assert shown, "the page shows no secret"
    else:
        assert response.status_code == 302, (response.status_code, response.get_data(as_text=True)[:2000])
        assert not response.headers["Location"].startswith("/login"), response.headers["Location"]
    assert_audited(write.audited, user_named(write.role), expected_id(write.audited, scene, response), since)
    assert_no_secret_in_the_audit_log(secrets_known(scene, []) | shown)


@pytest.mark.parametrize("row", READ_ONLY, ids=_row_id)
def test_the_exempt_planning_calls_write_nothing(client: FlaskClient, scene: Scene, row: tuple[str, str]) -> None:
    method, rule = row
    scene.fresh_target(rule)
    before = stored_rows()

    response = call(client, scene, method, rule, "front_desk")

    assert response.status_code == 200, response.get_json()
    assert stored_rows() == before


def test_the_booked_page_audits_the_feed_link_it_hands_out(client: FlaskClient, scene: Scene) -> None:
    """A GET that writes: the page after a booking issues the patient a new feed link."""
    assert log_in(client, "front_desk").status_code == 302
    since = last_audit_id()

    response = client.get(f"/book/booked/{scene.ids['series_id']}")

    assert response.status_code == 200
    assert_audited(Audited("create", "feed_token", None), user_named("front_desk"), None, since)
    page = response.get_data(as_text=True)
    secret = re.search(r"/feeds/([A-Za-z0-9_\-]+)\.ics", page)
    assert secret, "the booked page shows no feed link"
    assert_no_secret_in_the_audit_log(secrets_known(scene, []) | {secret.group(1)})


def test_staff_accounts_and_tokens_made_outside_http_are_audited_without_their_secrets(
    app: Flask, scene: Scene
) -> None:
    """`flask users create` and `flask tokens create` call these services; their records hold no password or token."""
    since = last_audit_id()
    with UnitOfWork("cli") as uow:
        user_id, password = accounts.create_user(uow, "nurse@clinic.test", "clinician")
    with UnitOfWork("cli") as uow:
        token = accounts.create_token(uow, "nurse@clinic.test", label="tablet")
    with UnitOfWork("cli") as uow:
        token_id = uow.session.scalar(select(orm.ApiToken.id).where(orm.ApiToken.user_id == user_id))
        accounts.revoke_token(uow, token_id)
    with UnitOfWork("cli") as uow:
        feed = feeds.issue_feed_token(uow, "http://clinic.test", clinic_id=scene.ids["clinic_id"])

    assert_audited(Audited("create", "user", str(user_id)), "cli", str(user_id), since)
    assert_audited(Audited("create", "api_token", str(token_id)), "cli", str(token_id), since)
    assert_audited(Audited("revoke", "api_token", str(token_id)), "cli", str(token_id), since)
    assert_audited(Audited("create", "feed_token", str(feed["id"])), "cli", str(feed["id"]), since)
    assert_no_secret_in_the_audit_log(secrets_known(scene, [feed]) | {password, token})


def test_an_audit_check_fails_when_the_record_is_missing_or_names_someone_else(scene: Scene) -> None:
    """The check itself can fail: nothing written, or written under another actor, is not an audit record."""
    since = last_audit_id()
    with pytest.raises(AssertionError):
        assert_audited(
            Audited("update", "clinic", "clinic_id"), user_named("admin"), str(scene.ids["clinic_id"]), since
        )
    with UnitOfWork("someone else") as uow:
        uow.audit("update", "clinic", scene.ids["clinic_id"])
        uow.commit()
    with pytest.raises(AssertionError):
        assert_audited(
            Audited("update", "clinic", "clinic_id"), user_named("admin"), str(scene.ids["clinic_id"]), since
        )
    with UnitOfWork("test") as uow:
        uow.audit("create", "note", 1, after={"token": STAFF_PASSWORD})
        uow.commit()
    with pytest.raises(AssertionError, match="secrets found"):
        assert_no_secret_in_the_audit_log({STAFF_PASSWORD})
