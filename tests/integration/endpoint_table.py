"""The /api/v1 endpoints as data: who may call each one, a valid request for it, and real objects to aim it at.

Shared by the authorization matrix (test_authorization.py) and the audit check (test_audit_every_write.py), so
that both are generated from the same table of the registered routes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from scheduler_service.adapters import orm
from scheduler_service.adapters.clock import FixedClock
from scheduler_service.adapters.secrets import hash_secret
from scheduler_service.extensions import db
from scheduler_service.services import accounts
from scheduler_service.services.unit_of_work import UnitOfWork

ADMIN = frozenset({"admin"})
FRONT_DESK = frozenset({"admin", "front_desk"})
STAFF = frozenset({"admin", "front_desk", "clinician"})

ROLES = ("clinician", "front_desk", "admin")

# Public by design: the OpenAPI document and the interactive docs with their assets.
PUBLIC_BLUEPRINTS = {"api-docs", "api-docs-assets"}

ROLES_ALLOWED: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/api/v1/clinics"): STAFF,
    ("POST", "/api/v1/clinics"): ADMIN,
    ("GET", "/api/v1/clinics/<int:clinic_id>"): STAFF,
    ("PATCH", "/api/v1/clinics/<int:clinic_id>"): ADMIN,
    ("GET", "/api/v1/clinics/<int:clinic_id>/chairs"): STAFF,
    ("POST", "/api/v1/clinics/<int:clinic_id>/chairs"): ADMIN,
    ("GET", "/api/v1/clinics/<int:clinic_id>/closures"): STAFF,
    ("POST", "/api/v1/clinics/<int:clinic_id>/closures"): ADMIN,
    ("DELETE", "/api/v1/closures/<int:closure_id>"): ADMIN,
    ("GET", "/api/v1/clinics/<int:clinic_id>/staffing"): STAFF,
    ("PUT", "/api/v1/clinics/<int:clinic_id>/staffing"): ADMIN,
    ("GET", "/api/v1/protocols"): STAFF,
    ("POST", "/api/v1/protocols"): ADMIN,
    ("GET", "/api/v1/protocols/<int:protocol_id>"): STAFF,
    ("PATCH", "/api/v1/protocols/<int:protocol_id>"): ADMIN,
    ("GET", "/api/v1/patients"): STAFF,
    ("POST", "/api/v1/patients"): FRONT_DESK,
    ("GET", "/api/v1/patients/<int:patient_id>"): STAFF,
    ("PATCH", "/api/v1/patients/<int:patient_id>"): FRONT_DESK,
    ("GET", "/api/v1/clinics/<int:clinic_id>/availability"): STAFF,
    ("POST", "/api/v1/series/proposals"): FRONT_DESK,
    ("POST", "/api/v1/series"): FRONT_DESK,
    ("GET", "/api/v1/series/<int:series_id>"): STAFF,
    ("GET", "/api/v1/patients/<int:patient_id>/series"): STAFF,
    ("POST", "/api/v1/series/<int:series_id>/cancel"): FRONT_DESK,
    ("POST", "/api/v1/series/<int:series_id>/extend"): FRONT_DESK,
    ("GET", "/api/v1/appointments"): STAFF,
    ("GET", "/api/v1/appointments/<int:appointment_id>"): STAFF,
    ("POST", "/api/v1/appointments/<int:appointment_id>/reschedule"): FRONT_DESK,
    ("POST", "/api/v1/appointments/<int:appointment_id>/cancel"): FRONT_DESK,
    ("POST", "/api/v1/appointments/<int:appointment_id>/check-in"): STAFF,
    ("POST", "/api/v1/appointments/<int:appointment_id>/complete"): STAFF,
    ("POST", "/api/v1/appointments/<int:appointment_id>/no-show"): STAFF,
    ("GET", "/api/v1/audit"): STAFF,
    ("POST", "/api/v1/series/<int:series_id>/replan-proposals"): FRONT_DESK,
    ("GET", "/api/v1/patients/<int:patient_id>/feed-tokens"): FRONT_DESK,
    ("POST", "/api/v1/patients/<int:patient_id>/feed-tokens"): FRONT_DESK,
    ("GET", "/api/v1/clinics/<int:clinic_id>/feed-tokens"): ADMIN,
    ("POST", "/api/v1/clinics/<int:clinic_id>/feed-tokens"): ADMIN,
    ("DELETE", "/api/v1/feed-tokens/<int:token_id>"): FRONT_DESK,
    ("GET", "/api/v1/appointments/<int:appointment_id>.ics"): STAFF,
    ("GET", "/api/v1/reminders"): STAFF,
    ("GET", "/api/v1/clinics/<int:clinic_id>/reminder-policy"): STAFF,
    ("PUT", "/api/v1/clinics/<int:clinic_id>/reminder-policy"): ADMIN,
}

# Calls that change a visit's state can be served once per target: each gets a fresh consult booked
# just before it (and, for check-in, complete and no-show, a clock moved past its start).
FRESH_TARGETS = {
    "/api/v1/series/<int:series_id>/cancel": False,
    "/api/v1/appointments/<int:appointment_id>/reschedule": False,
    "/api/v1/appointments/<int:appointment_id>/cancel": False,
    "/api/v1/appointments/<int:appointment_id>/check-in": True,
    "/api/v1/appointments/<int:appointment_id>/complete": True,
    "/api/v1/appointments/<int:appointment_id>/no-show": True,
}


_unique = count(1)


def _protocol_body(ids: dict[str, int] | None = None) -> dict[str, Any]:
    return {
        "key": f"custom-protocol-{next(_unique)}",
        "name": "Custom protocol",
        "visit": {"prep_minutes": 10, "treatment_minutes": 40, "monitoring_minutes": 30},
        "phases": [{"name": "course", "sessions": 3, "spacing": {"min_days": 2, "target_days": 3, "max_days": 5}}],
        "required_tags": ["iv"],
    }


# A valid body per write, so that an allowed caller is served (2xx) rather than refused for bad input.
BODIES: dict[tuple[str, str], Callable[[dict[str, int]], dict[str, Any]]] = {
    ("POST", "/api/v1/clinics"): lambda ids: {"name": f"Clinic {next(_unique)}", "timezone": "America/Chicago"},
    ("PATCH", "/api/v1/clinics/<int:clinic_id>"): lambda ids: {"address": f"{next(_unique)} Main St, Houston"},
    ("POST", "/api/v1/clinics/<int:clinic_id>/chairs"): lambda ids: {"name": f"Chair {next(_unique)}", "tags": ["iv"]},
    ("POST", "/api/v1/clinics/<int:clinic_id>/closures"): lambda ids: {"date": "2027-12-24", "reason": "Christmas Eve"},
    ("PUT", "/api/v1/clinics/<int:clinic_id>/staffing"): lambda ids: {"nurses": {"mon": 2, "tue": 2}},
    ("POST", "/api/v1/protocols"): _protocol_body,
    ("PATCH", "/api/v1/protocols/<int:protocol_id>"): lambda ids: {"instructions": "Arrive 15 minutes early."},
    ("POST", "/api/v1/patients"): lambda ids: {"given_name": "Ada", "family_name": f"Lovelace{next(_unique)}"},
    ("PATCH", "/api/v1/patients/<int:patient_id>"): lambda ids: {"phone": "+1 713 555 0100"},
    ("POST", "/api/v1/series"): lambda ids: {
        "patient_id": ids["patient_id"],
        "clinic_id": ids["clinic_id"],
        "protocol_key": "consult",
        "sessions": [{"start": consult_start(next(_unique))}],
    },
    ("POST", "/api/v1/series/<int:series_id>/cancel"): lambda ids: {"reason": "moved away"},
    ("POST", "/api/v1/series/<int:series_id>/replan-proposals"): lambda ids: {"alternatives": 0},
    ("POST", "/api/v1/appointments/<int:appointment_id>/cancel"): lambda ids: {"reason": "flu"},
    ("POST", "/api/v1/appointments/<int:appointment_id>/reschedule"): lambda ids: {
        "start": next_open_day(datetime.fromisoformat(ids["appointment_start"])).isoformat(),
    },
    ("PUT", "/api/v1/clinics/<int:clinic_id>/reminder-policy"): lambda ids: {"late_booking": "skip"},
    ("POST", "/api/v1/series/proposals"): lambda ids: {
        "patient_id": ids["patient_id"],
        "clinic_id": ids["clinic_id"],
        "protocol_key": "consult",
        "earliest_date": "2027-03-01",
    },
}
QUERIES: dict[tuple[str, str], dict[str, str]] = {
    ("GET", "/api/v1/appointments"): {"clinic_id": "{clinic_id}", "date": "2027-03-01"},
    ("GET", "/api/v1/audit"): {"entity": "clinic"},
    ("GET", "/api/v1/clinics/<int:clinic_id>/availability"): {
        "protocol_key": "consult",
        "from": "2027-03-01",
        "to": "2027-03-05",
    },
}


EXTEND = "/api/v1/series/<int:series_id>/extend"
_consults = count(0)
US_HOLIDAYS = holidays.country_holidays("US", years=range(2027, 2029))


def consult_start(_: int) -> str:
    """The next free hour for a 45-minute consult: 9 a day from Monday 2027-03-01, weekdays, no holidays."""
    n = next(_consults)
    day = date(2027, 3, 1)
    for _ in range(n // 9):
        day += timedelta(days=1)
        while day.weekday() > 4 or day in US_HOLIDAYS:
            day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 8 + n % 9, tzinfo=ZoneInfo("America/Chicago")).isoformat()


def next_open_day(moment: datetime) -> datetime:
    """The same wall-clock time on the next weekday that is not a holiday (no consult is booked there yet)."""
    moment += timedelta(days=1)
    while moment.weekday() > 4 or moment.date() in US_HOLIDAYS:
        moment += timedelta(days=1)
    return moment


@dataclass
class Scene:
    """Real objects to aim at, and a header for every kind of caller."""

    ids: dict[str, Any]
    headers: dict[str, dict[str, str]]
    client: FlaskClient | None = None
    clock: FixedClock | None = None

    def fresh_target(self, rule: str) -> None:
        """Book a new consult for a state-changing call, so that each allowed caller has one to change."""
        if rule == EXTEND and "ketamine_series_id" not in self.ids:
            self.ids["series_id"] = self.ids["ketamine_series_id"] = self._ketamine_induction()
        if rule not in FRESH_TARGETS:
            return
        assert self.client is not None and self.clock is not None
        self.clock.at = datetime(2026, 11, 20, 12, tzinfo=UTC)
        response = self.client.post(
            "/api/v1/series", json=BODIES[("POST", "/api/v1/series")](self.ids), headers=self.headers["front_desk"]
        )
        series = response.get_json()
        assert response.status_code == 201, series
        first = series["appointments"][0]
        self.ids.update(series_id=series["id"], appointment_id=first["id"], appointment_start=first["start"])
        if FRESH_TARGETS[rule]:
            self.clock.at = datetime.fromisoformat(first["start"]) + timedelta(minutes=1)

    def _ketamine_induction(self) -> int:
        """An IV ketamine induction with no maintenance booked yet: something for "extend" to extend."""
        assert self.client is not None
        admin, desk = self.headers["admin"], self.headers["front_desk"]
        clinic = self.ids["clinic_id"]
        self.client.post(f"/api/v1/clinics/{clinic}/chairs", json={"name": "IV 1", "tags": ["iv"]}, headers=admin)
        proposal = self.client.post(
            "/api/v1/series/proposals",
            json={
                "patient_id": self.ids["patient_id"],
                "clinic_id": clinic,
                "protocol_key": "iv-ketamine-depression",
                "earliest_date": "2026-11-30",
                "maintenance_sessions": 0,
                "alternatives": 0,
            },
            headers=desk,
        ).get_json()["proposals"][0]
        body = {
            "patient_id": self.ids["patient_id"],
            "clinic_id": clinic,
            "protocol_key": "iv-ketamine-depression",
            "sessions": [{"start": s["start"], "chair_id": s["chair_id"]} for s in proposal["sessions"]],
        }
        return _created(self.client.post("/api/v1/series", json=body, headers=desk))

    def path(self, rule: str) -> str:
        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            assert name in self.ids, f"the scene has no object for <{name}> in {rule}: add one to the `scene` fixture"
            return str(self.ids[name])

        return re.sub(r"<(?:int:)?(\w+)>", fill, rule)


def _created(response: Any) -> int:
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _revoked_token_of(email: str) -> str:
    """A token of a real user that has been revoked."""
    with UnitOfWork("test") as uow:
        secret = accounts.create_token(uow, email, label="to be revoked")
        token_id = uow.session.scalar(select(orm.ApiToken.id).where(orm.ApiToken.token_hash == hash_secret(secret)))
        accounts.revoke_token(uow, token_id)
    return secret


def build_scene(client: FlaskClient, auth: dict[str, dict[str, str]], clock: FixedClock) -> Scene:
    """A clinic, a closure, a chair, a patient, a protocol, a feed token, a booked consult; a header per caller."""
    admin = auth["admin"]
    clinic_id = _created(
        client.post("/api/v1/clinics", json={"name": "Main", "timezone": "America/Chicago"}, headers=admin)
    )
    closure_id = _created(
        client.post(
            f"/api/v1/clinics/{clinic_id}/closures", json={"date": "2027-07-05", "reason": "Staff day"}, headers=admin
        )
    )
    _created(
        client.post(f"/api/v1/clinics/{clinic_id}/chairs", json={"name": "Room 1", "tags": ["consult"]}, headers=admin)
    )
    patient_id = _created(
        client.post("/api/v1/patients", json={"given_name": "Maria", "family_name": "Gonzalez"}, headers=admin)
    )
    protocol_id = _created(client.post("/api/v1/protocols", json=_protocol_body(), headers=admin))
    headers = {
        "no token": {},
        "bad token": {"Authorization": "Bearer this-is-not-a-token-anyone-was-given"},
        # An admin's token, revoked: revocation must win over even the strongest role.
        "revoked token": {"Authorization": f"Bearer {_revoked_token_of('admin@clinic.test')}"},
        **auth,
    }
    token_id = _created(client.post(f"/api/v1/patients/{patient_id}/feed-tokens", json={}, headers=admin))
    ids = {
        "clinic_id": clinic_id,
        "closure_id": closure_id,
        "patient_id": patient_id,
        "protocol_id": protocol_id,
        "token_id": token_id,
    }
    scene = Scene(ids, headers, client, clock)
    scene.fresh_target("/api/v1/series/<int:series_id>/cancel")  # a series and an appointment to read
    return scene


def call(client: FlaskClient, scene: Scene, method: str, rule: str, caller: str) -> Any:
    body = BODIES[(method, rule)](scene.ids) if (method, rule) in BODIES else None
    query = {
        name: value.format(**scene.ids)
        for name, value in QUERIES.get(("GET" if method == "HEAD" else method, rule), {}).items()
    }
    return client.open(scene.path(rule), method=method, json=body, query_string=query, headers=scene.headers[caller])


def api_endpoints(app: Flask) -> set[tuple[str, str]]:
    """Every (method, rule) the app answers under /api/v1, except the public docs and OPTIONS."""
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1") or rule.endpoint.split(".")[0] in PUBLIC_BLUEPRINTS:
            continue
        found.update((method, rule.rule) for method in rule.methods or () if method != "OPTIONS")
    return found


def stored_rows() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, read on a connection of its own: proof of what was (not) written."""
    with db.engine.connect() as conn:
        return {
            table.name: sorted((tuple(row) for row in conn.execute(table.select())), key=repr)
            for table in db.metadata.sorted_tables
        }
