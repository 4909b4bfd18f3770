"""The front desk registers, edits and finds patients."""

from __future__ import annotations

import pytest

from .builders import create, patient_body


def test_a_patient_is_registered_with_preferences_and_channels(client, auth):
    body = patient_body(
        phone="+1 713 555 0101",
        date_of_birth="1980-05-17",
        preferences={"weekdays": ["thu", "tue"], "earliest_start": "13:00"},
        reminder_channels=["sms", "email"],
    )

    patient = create(client, "/api/v1/patients", body, auth["front_desk"])

    assert patient["preferences"] == {"weekdays": ["tue", "thu"], "earliest_start": "13:00"}
    assert patient["reminder_channels"] == ["email", "sms"]
    assert patient["date_of_birth"] == "1980-05-17"


def test_a_patient_is_edited_without_losing_other_fields(client, auth):
    patient = create(client, "/api/v1/patients", patient_body(phone="+1 713 555 0101"), auth["front_desk"])

    response = client.patch(
        f"/api/v1/patients/{patient['id']}", json={"reminder_channels": ["sms"]}, headers=auth["front_desk"]
    )

    assert response.status_code == 200
    assert response.get_json()["reminder_channels"] == ["sms"]
    assert response.get_json()["email"] == "ada@example.org"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ada", ["Ada Lovelace"]),
        ("LOVE", ["Ada Lovelace"]),
        ("grace hop", ["Grace Hopper"]),
        ("navy.mil", ["Grace Hopper"]),
        ("555 0199", ["Grace Hopper"]),
        ("", ["Grace Hopper", "Ada Lovelace"]),
        ("100%", []),
    ],
)
def test_patients_are_found_by_name_email_or_phone(client, auth, query, expected):
    create(client, "/api/v1/patients", patient_body(phone="+1 713 555 0101"), auth["front_desk"])
    create(
        client,
        "/api/v1/patients",
        patient_body(given_name="Grace", family_name="Hopper", email="grace@navy.mil", phone="713-555-0199"),
        auth["front_desk"],
    )

    found = client.get("/api/v1/patients", query_string={"q": query}, headers=auth["clinician"]).get_json()

    assert [f"{p['given_name']} {p['family_name']}" for p in found] == expected
