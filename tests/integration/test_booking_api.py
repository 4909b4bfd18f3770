"""The front desk books a whole course in one action, and nothing half-booked is ever left behind."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from scheduler_service.adapters import orm
from scheduler_service.extensions import db

from .scenes import another_patient, houston_clinic


def propose(client, auth, clinic_id, patient_id, **extra):
    body = {
        "patient_id": patient_id,
        "clinic_id": clinic_id,
        "protocol_key": "iv-ketamine-depression",
        "earliest_date": "2026-11-23",
        "alternatives": 0,
        **extra,
    }
    response = client.post("/api/v1/series/proposals", json=body, headers=auth["front_desk"])
    assert response.status_code == 200, response.get_json()
    return response.get_json()["proposals"][0]["sessions"]


def book(client, auth, clinic_id, patient_id, sessions, headers=None, **extra):
    body = {
        "patient_id": patient_id,
        "clinic_id": clinic_id,
        "protocol_key": "iv-ketamine-depression",
        "sessions": [{"start": s["start"], "chair_id": s.get("chair_id")} for s in sessions],
        **extra,
    }
    return client.post("/api/v1/series", json=body, headers={**auth["front_desk"], **(headers or {})})


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_proposal_is_booked_as_returned_in_one_action(client, auth, houston):
    clinic_id, patient_id = houston
    sessions = propose(client, auth, clinic_id, patient_id)

    response = book(client, auth, clinic_id, patient_id, sessions)

    assert response.status_code == 201, response.get_json()
    series = response.get_json()
    assert series["status"] == "active" and series["protocol_key"] == "iv-ketamine-depression"
    assert [(a["index"], a["start"], a["chair_id"]) for a in series["appointments"]] == [
        (s["index"], s["start"], s["chair_id"]) for s in sessions
    ]
    assert {(a["status"], a["version"]) for a in series["appointments"]} == {("booked", 1)}
    assert client.get(f"/api/v1/series/{series['id']}", headers=auth["clinician"]).get_json() == series


def test_the_day_board_shows_who_comes_for_which_session(client, auth, houston):
    clinic_id, patient_id = houston
    sessions = propose(client, auth, clinic_id, patient_id)
    book(client, auth, clinic_id, patient_id, sessions)

    response = client.get(
        "/api/v1/appointments",
        query_string={"clinic_id": clinic_id, "date": sessions[2]["start"][:10]},
        headers=auth["clinician"],
    )
    board = response.get_json()
    assert response.status_code == 200, board

    assert [(b["patient_name"], b["session_label"], b["protocol_key"]) for b in board] == [
        ("Ada Lovelace", "3/6", "iv-ketamine-depression")
    ]


def test_a_repeated_idempotency_key_returns_the_first_answer_and_books_once(client, auth, houston):
    clinic_id, patient_id = houston
    sessions = propose(client, auth, clinic_id, patient_id)

    first = book(client, auth, clinic_id, patient_id, sessions, headers={"Idempotency-Key": "desk-1-abc"})
    again = book(client, auth, clinic_id, patient_id, sessions, headers={"Idempotency-Key": "desk-1-abc"})
    other_body = book(client, auth, clinic_id, patient_id, sessions[:6], headers={"Idempotency-Key": "desk-1-abc"})

    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert count(orm.Series) == 1
    assert other_body.status_code == 412


def test_a_session_taken_meanwhile_is_named_with_a_new_proposal_and_nothing_is_booked(client, auth, clock):
    clinic = houston_clinic(client, auth, chairs=1)
    sessions = propose(client, auth, clinic.id, clinic.patient_id, maintenance_sessions=0)
    assert book(client, auth, clinic.id, clinic.patient_id, sessions).status_code == 201
    rival = another_patient(client, auth, "Grace")
    appointments_before = count(orm.Appointment)

    response = book(client, auth, clinic.id, rival, sessions)

    assert response.status_code == 409
    body = response.get_json()
    assert body["errors"]["session"] == 0 and body["errors"]["rule"]
    assert "sessions.0" in body["message"]
    offered = body["errors"]["next_proposal"]["sessions"]
    assert len(offered) == 6 and offered[0]["start"] != sessions[0]["start"]
    assert count(orm.Series) == 1 and count(orm.Appointment) == appointments_before


@pytest.mark.parametrize(
    ("edit", "field", "words"),
    [
        (lambda s: s.__setitem__(2, {"start": "2026-11-26T09:00:00-06:00"}), "sessions.2", "closed"),
        (lambda s: s.__setitem__(1, {"start": "2026-11-24T16:30:00-06:00"}), "sessions.1", "opening hours"),
        (lambda s: s.__setitem__(1, {"start": s[0]["start"]}), "sessions.1.start", "repeats"),
        (lambda s: s.reverse(), "sessions.1.start", "in order"),
        (lambda s: s.__setitem__(0, {"start": "2026-11-19T09:00:00-06:00"}), "sessions.0", "past"),
        (lambda s: s.__setitem__(0, {"start": s[0]["start"], "chair_id": 999_999}), "sessions.0", "chair"),
        (lambda s: s.__setitem__(0, {"start": "2026-11-23T09:00:00"}), "sessions.0.start", "aware"),
        (lambda s: s.__setitem__(1, {"start": "2026-11-24T09:07:00-06:00"}), "sessions.1", "grid"),
    ],
)
def test_a_series_that_breaks_a_rule_is_refused_naming_the_session_and_nothing_is_written(
    client, auth, houston, edit, field, words
):
    clinic_id, patient_id = houston
    sessions = propose(client, auth, clinic_id, patient_id, maintenance_sessions=0)
    edit(sessions)
    audit_before = count(orm.AuditRecord)

    response = book(client, auth, clinic_id, patient_id, sessions)

    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    named = list(body["errors"]["json"]) if "json" in body.get("errors", {}) else []
    assert any(n.startswith(field) for n in named) or field in body["message"], body
    assert words in body["message"].lower() or words in str(body["errors"]).lower(), body
    assert count(orm.Series) == 0 and count(orm.Appointment) == 0 and count(orm.AuditRecord) == audit_before


def test_a_chair_of_another_clinic_cannot_be_booked(client, auth, houston):
    clinic_id, patient_id = houston
    elsewhere = houston_clinic(client, auth, chairs=1)
    sessions = propose(client, auth, clinic_id, patient_id, maintenance_sessions=0)
    sessions[0]["chair_id"] = elsewhere.chair_ids[0]

    response = book(client, auth, clinic_id, patient_id, sessions)

    assert response.status_code == 422 and "sessions.0" in response.get_json()["message"]
    assert count(orm.Appointment) == 0


def test_every_booked_appointment_has_an_audit_record_naming_the_user(client, auth, houston):
    clinic_id, patient_id = houston
    series = book(client, auth, clinic_id, patient_id, propose(client, auth, clinic_id, patient_id)).get_json()
    first = series["appointments"][0]["id"]

    trail = client.get(
        "/api/v1/audit", query_string={"entity": "appointment", "entity_id": first}, headers=auth["admin"]
    ).get_json()

    assert [(r["action"], r["before"]) for r in trail] == [("book", None)]
    assert trail[0]["after"]["status"] == "booked" and "front_desk@clinic.test" in trail[0]["actor"]


def test_a_chair_without_the_protocols_tag_is_refused_naming_the_tag(client, auth, houston):
    clinic_id, patient_id = houston
    spravato_only = client.post(
        f"/api/v1/clinics/{clinic_id}/chairs", json={"name": "Nasal 1", "tags": ["spravato"]}, headers=auth["admin"]
    ).get_json()
    sessions = propose(client, auth, clinic_id, patient_id, maintenance_sessions=0)
    sessions[0]["chair_id"] = spravato_only["id"]

    response = book(client, auth, clinic_id, patient_id, sessions)

    assert response.status_code == 422
    assert "sessions.0" in response.get_json()["message"] and "not tagged iv" in response.get_json()["message"]
    assert count(orm.Appointment) == 0
