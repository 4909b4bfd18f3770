"""One small clinic for the API fuzzer, built once per database so that fuzzed path ids can hit real rows.

The scene holds a user and an API token per role, the Houston clinic (two IV chairs, staffing, one patient), a
closure, a booked IV-ketamine series (so appointments exist), a second cancelled series, and a feed token for the
patient and for the clinic. `ids` maps each id-like parameter name the API uses to the ids that exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from scheduler_service.adapters import orm
from scheduler_service.extensions import db

from .builders import create
from .scenes import another_patient, houston_clinic

PROTOCOL = "iv-ketamine-depression"


@dataclass
class Scene:
    auth: dict[str, dict[str, str]]
    ids: dict[str, list[int]] = field(default_factory=dict)
    protocol_keys: list[str] = field(default_factory=list)


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.get_json())
    return response.get_json()


def _series(client: Any, auth: dict[str, dict[str, str]], clinic_id: int, patient_id: int, earliest: str) -> Any:
    body = {
        "patient_id": patient_id,
        "clinic_id": clinic_id,
        "protocol_key": PROTOCOL,
        "earliest_date": earliest,
        "alternatives": 0,
    }
    proposal = _ok(client.post("/api/v1/series/proposals", json=body, headers=auth["front_desk"]))
    sessions = [{"start": s["start"], "chair_id": s["chair_id"]} for s in proposal["proposals"][0]["sessions"]]
    booking = {"patient_id": patient_id, "clinic_id": clinic_id, "protocol_key": PROTOCOL, "sessions": sessions}
    return _ok(client.post("/api/v1/series", json=booking, headers=auth["front_desk"]), 201)


def build_scene(client: Any, auth: dict[str, dict[str, str]]) -> Scene:
    """Build the clinic through the API (the app's clock must already be fixed)."""
    clinic = houston_clinic(client, auth)
    closure = create(
        client,
        f"/api/v1/clinics/{clinic.id}/closures",
        {"date": "2026-12-24", "end_date": "2026-12-26", "reason": "Holidays"},
        auth["admin"],
    )
    booked = _series(client, auth, clinic.id, clinic.patient_id, "2026-11-23")
    other = another_patient(client, auth, "Grace")
    cancelled = _series(client, auth, clinic.id, other, "2026-11-24")
    _ok(client.post(f"/api/v1/series/{cancelled['id']}/cancel", json={"reason": "moved away"}, headers=auth["admin"]))
    patient_feed = create(
        client, f"/api/v1/patients/{clinic.patient_id}/feed-tokens", {"label": "phone"}, auth["admin"]
    )
    clinic_feed = create(client, f"/api/v1/clinics/{clinic.id}/feed-tokens", {}, auth["admin"])
    appointments = [a["id"] for a in booked["appointments"]] + [a["id"] for a in cancelled["appointments"]]
    protocols = db.session.execute(select(orm.Protocol.id, orm.Protocol.key)).all()
    db.session.remove()
    return Scene(
        auth=auth,
        ids={
            "clinic_id": [clinic.id],
            "chair_id": clinic.chair_ids,
            "patient_id": [clinic.patient_id, other],
            "series_id": [booked["id"], cancelled["id"]],
            "appointment_id": appointments,
            "closure_id": [closure["id"]],
            "token_id": [patient_feed["id"], clinic_feed["id"]],
            "protocol_id": [row.id for row in protocols],
        },
        protocol_keys=[row.key for row in protocols],
    )
