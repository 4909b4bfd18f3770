"""Protocols: the built-ins on a fresh install, and a clinic's own."""

from __future__ import annotations

from .builders import create, protocol_body


def _by_key(client, headers):
    return {p["key"]: p for p in client.get("/api/v1/protocols", headers=headers).get_json()}


def test_the_builtin_protocols_carry_the_chair_times_of_the_domain(client, auth):
    protocols = _by_key(client, auth["front_desk"])

    assert protocols["iv-ketamine-depression"]["visit"]["total_minutes"] == 100
    assert protocols["spravato-trd"]["visit"]["total_minutes"] == 150
    assert protocols["iv-ketamine-pain"]["visit"]["total_minutes"] == 285
    assert protocols["consult"]["visit"]["total_minutes"] == 45
    assert all(p["builtin"] for p in protocols.values())


def test_ketamine_induction_is_six_sessions_within_21_days_then_open_ended_maintenance(client, auth):
    phases = _by_key(client, auth["clinician"])["iv-ketamine-depression"]["phases"]

    assert phases[0]["sessions"] == 6 and phases[0]["window_days"] == 21
    assert phases[0]["spacing"] == {"min_days": 2, "target_days": 2, "max_days": 5, "unit": "days"}
    assert phases[1]["sessions"] is None
    assert phases[1]["spacing"]["target_days"] == 28


def test_spravato_has_twice_weekly_then_weekly_then_maintenance(client, auth):
    phases = _by_key(client, auth["admin"])["spravato-trd"]["phases"]

    assert [(p["sessions"], p["spacing"]["target_days"]) for p in phases] == [(8, 3), (4, 7), (None, 14)]


def test_an_admin_creates_a_protocol_and_reads_it_back(client, auth):
    created = create(client, "/api/v1/protocols", protocol_body(), auth["admin"])

    shown = client.get(f"/api/v1/protocols/{created['id']}", headers=auth["clinician"]).get_json()

    assert shown["key"] == "test-protocol"
    assert shown["visit"] == {
        "prep_minutes": 10,
        "treatment_minutes": 40,
        "monitoring_minutes": 30,
        "total_minutes": 80,
    }
    assert shown["phases"][0]["spacing"]["unit"] == "days"
    assert shown["builtin"] is False


def test_a_builtin_protocol_can_be_edited_but_keeps_its_key(client, auth):
    protocol = _by_key(client, auth["admin"])["iv-ketamine-depression"]

    patched = client.patch(
        f"/api/v1/protocols/{protocol['id']}",
        json={"visit": {"monitoring_minutes": 60}, "instructions": "Bring a driver."},
        headers=auth["admin"],
    )

    assert patched.status_code == 200, patched.get_json()
    body = patched.get_json()
    assert body["key"] == "iv-ketamine-depression"
    assert body["visit"]["total_minutes"] == 115
    assert body["instructions"] == "Bring a driver."


def test_a_duplicate_key_is_refused_naming_the_key(client, auth):
    response = client.post("/api/v1/protocols", json=protocol_body(key="consult"), headers=auth["admin"])

    assert response.status_code == 422
    assert "key" in response.get_json()["errors"]["json"]
