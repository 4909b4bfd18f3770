"""An administrator sets up a clinic entirely through the API."""

from __future__ import annotations

from .builders import clinic_body, create


def test_a_new_clinic_gets_the_documented_defaults(client, auth):
    clinic = create(client, "/api/v1/clinics", clinic_body(), auth["admin"])

    assert clinic["opening_hours"] == {
        "mon": [["08:00", "17:00"]],
        "tue": [["08:00", "17:00"]],
        "wed": [["08:00", "17:00"]],
        "thu": [["08:00", "17:00"]],
        "fri": [["08:00", "17:00"]],
        "sat": [],
        "sun": [],
    }
    assert (clinic["slot_minutes"], clinic["turnover_minutes"]) == (15, 15)
    assert clinic["holiday_country"] == "US"
    assert clinic["feed_shows_protocol"] is False


def test_opening_hours_may_have_a_lunch_break_and_are_stored_in_order(client, auth):
    hours = {"mon": [["13:00", "17:00"], ["08:00", "12:00"]], "sat": [["09:00", "12:00"]]}
    clinic = create(client, "/api/v1/clinics", clinic_body(opening_hours=hours), auth["admin"])

    assert clinic["opening_hours"]["mon"] == [["08:00", "12:00"], ["13:00", "17:00"]]
    assert clinic["opening_hours"]["sat"] == [["09:00", "12:00"]]
    assert clinic["opening_hours"]["tue"] == []


def test_a_clinic_can_be_changed_and_read_back(client, auth):
    clinic = create(client, "/api/v1/clinics", clinic_body(), auth["admin"])

    patched = client.patch(
        f"/api/v1/clinics/{clinic['id']}",
        json={"turnover_minutes": 20, "holiday_subdivision": "TX", "address": "1 Main St"},
        headers=auth["admin"],
    )

    assert patched.status_code == 200
    shown = client.get(f"/api/v1/clinics/{clinic['id']}", headers=auth["front_desk"]).get_json()
    assert (shown["turnover_minutes"], shown["holiday_subdivision"], shown["address"]) == (20, "TX", "1 Main St")
    assert shown["name"] == "Test Clinic"


def test_chairs_are_listed_with_their_tags(client, auth):
    clinic = create(client, "/api/v1/clinics", clinic_body(), auth["admin"])
    path = f"/api/v1/clinics/{clinic['id']}/chairs"
    create(client, path, {"name": "Chair 1", "tags": ["IV", "spravato"]}, auth["admin"])
    create(client, path, {"name": "Consult room", "tags": ["consult"]}, auth["admin"])

    chairs = client.get(path, headers=auth["clinician"]).get_json()

    assert [(c["name"], c["tags"]) for c in chairs] == [("Chair 1", ["iv", "spravato"]), ("Consult room", ["consult"])]


def test_closures_cover_whole_days_ranges_and_part_days(client, auth):
    clinic = create(client, "/api/v1/clinics", clinic_body(), auth["admin"])
    path = f"/api/v1/clinics/{clinic['id']}/closures"
    create(client, path, {"date": "2026-12-24", "end_date": "2027-01-01", "reason": "Holidays"}, auth["admin"])
    create(
        client,
        path,
        {"date": "2026-12-10", "start_time": "12:00", "end_time": "17:00", "reason": "Training"},
        auth["admin"],
    )

    closures = client.get(path, headers=auth["front_desk"]).get_json()

    assert [(c["date"], c["end_date"], c["start_time"], c["end_time"]) for c in closures] == [
        ("2026-12-10", "2026-12-10", "12:00", "17:00"),
        ("2026-12-24", "2027-01-01", None, None),
    ]


def test_a_closure_can_be_deleted(client, auth):
    clinic = create(client, "/api/v1/clinics", clinic_body(), auth["admin"])
    path = f"/api/v1/clinics/{clinic['id']}/closures"
    closure = create(client, path, {"date": "2026-12-24", "reason": "Christmas Eve"}, auth["admin"])

    assert client.delete(f"/api/v1/closures/{closure['id']}", headers=auth["admin"]).status_code == 204
    assert client.get(path, headers=auth["admin"]).get_json() == []
    assert client.delete(f"/api/v1/closures/{closure['id']}", headers=auth["admin"]).status_code == 404


def test_a_new_clinic_has_one_nurse_on_each_open_day_until_staffing_is_set(client, auth):
    clinic = create(client, "/api/v1/clinics", clinic_body(), auth["admin"])

    staffing = client.get(f"/api/v1/clinics/{clinic['id']}/staffing", headers=auth["admin"]).get_json()

    assert staffing["nurses"] == {"mon": 1, "tue": 1, "wed": 1, "thu": 1, "fri": 1}
    assert (staffing["patients_per_nurse"], staffing["starts_per_nurse_per_slot"]) == (3, 1)


def test_staffing_can_be_set_per_weekday_or_per_time_block(client, auth):
    clinic = create(client, "/api/v1/clinics", clinic_body(), auth["admin"])
    path = f"/api/v1/clinics/{clinic['id']}/staffing"
    blocks = {
        "mon": [{"start": "08:00", "end": "12:00", "nurses": 3}, {"start": "12:00", "end": "17:00", "nurses": 2}],
        "tue": 2,
    }

    put = client.put(path, json={"nurses": blocks, "patients_per_nurse": 4}, headers=auth["admin"])

    assert put.status_code == 200
    shown = client.get(path, headers=auth["clinician"]).get_json()
    assert shown["nurses"] == blocks
    assert (shown["patients_per_nurse"], shown["starts_per_nurse_per_slot"]) == (4, 1)


def test_lists_are_paginated_with_a_header(client, auth):
    for n in range(3):
        create(client, "/api/v1/clinics", clinic_body(name=f"Clinic {n}"), auth["admin"])

    response = client.get("/api/v1/clinics?page=2&page_size=2", headers=auth["admin"])

    assert [c["name"] for c in response.get_json()] == ["Clinic 2"]
    assert '"total": 3' in response.headers["X-Pagination"]


def test_every_set_up_change_leaves_an_audit_record(app, client, auth):
    from scheduler_service.adapters.orm import AuditRecord
    from scheduler_service.extensions import db

    clinic = create(client, "/api/v1/clinics", clinic_body(), auth["admin"])
    client.patch(f"/api/v1/clinics/{clinic['id']}", json={"slot_minutes": 10}, headers=auth["admin"])

    records = db.session.query(AuditRecord).filter_by(entity="clinic", entity_id=str(clinic["id"])).all()
    assert [r.action for r in records] == ["create", "update"]
    assert records[1].before["slot_minutes"] == 15 and records[1].after["slot_minutes"] == 10
    assert "admin@clinic.test" in records[1].actor
