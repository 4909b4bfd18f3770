"""The outbox follows the appointments: queued on booking, moved with a visit, dropped with a cancellation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from scheduler_service.adapters import orm
from scheduler_service.extensions import db

from .test_series_life_api import booked_series, post, shifted

CHICAGO_OFFSET = timedelta(hours=-6)  # November: CST


def outbox(**where) -> list[orm.Reminder]:
    db.session.expire_all()
    stmt = select(orm.Reminder).order_by(orm.Reminder.due_at, orm.Reminder.id)
    for name, value in where.items():
        stmt = stmt.where(getattr(orm.Reminder, name) == value)
    return list(db.session.scalars(stmt))


def utc(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(UTC)


def test_a_booked_series_queues_each_visits_reminders_and_one_confirmation(client, auth, reachable):
    series = booked_series(client, auth, *reachable)

    reminders = outbox(kind="reminder", status="pending")
    assert len(reminders) == len(series["appointments"]) * 2 * 2  # two offsets, two channels each
    for visit in series["appointments"]:
        start = utc(visit["start"])
        mine = {(r.channel, r.offset_minutes): r for r in reminders if r.appointment_id == visit["id"]}
        assert mine[("email", 2880)].due_at == start - timedelta(hours=48)
        assert mine[("email", 120)].due_at == start - timedelta(hours=2)
        assert mine[("email", 2880)].content == "full" and mine[("email", 120)].content == "short"
        assert {r.appointment_version for r in mine.values()} == {1}
    confirmations = outbox(kind="confirmation")
    assert [(c.series_id, c.status, c.channel) for c in confirmations] == [(series["id"], "pending", "email")]
    assert confirmations[0].payload["feed_url"].startswith("http://127.0.0.1:5000/feeds/")


def test_an_sms_due_in_the_night_goes_out_the_evening_before_instead(client, auth, reachable):
    series = booked_series(client, auth, *reachable)
    first = series["appointments"][0]  # a morning visit: two hours before is inside 20:00-08:00
    assert first["start"][11:13] < "10"

    sms = {r.offset_minutes: r for r in outbox(appointment_id=first["id"], channel="sms")}

    local = sms[120].due_at.astimezone(datetime.fromisoformat(first["start"]).tzinfo)
    assert (local.date(), local.hour, local.minute) == (
        datetime.fromisoformat(first["start"]).date() - timedelta(1),
        19,
        30,
    )


def test_quiet_hours_follow_the_patients_own_zone(client, auth, reachable):
    clinic_id, patient_id = reachable
    client.patch(f"/api/v1/patients/{patient_id}", json={"timezone": "Asia/Tokyo"}, headers=auth["front_desk"])
    series = booked_series(client, auth, clinic_id, patient_id)
    first = series["appointments"][0]

    sms = {r.offset_minutes: r for r in outbox(appointment_id=first["id"], channel="sms")}

    # 2 h before a Houston morning is late at night in Tokyo; it moves back to 19:30 Tokyo time
    tokyo = sms[120].due_at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Tokyo"))
    assert (tokyo.hour, tokyo.minute) == (19, 30)
    assert sms[120].due_at < utc(first["start"]) - timedelta(hours=2)


def test_a_moved_visit_cancels_its_old_reminders_and_queues_new_ones_for_its_new_version(client, auth, reachable):
    series = booked_series(client, auth, *reachable)
    third = series["appointments"][2]

    moved = post(
        client,
        auth,
        f"/api/v1/appointments/{third['id']}/reschedule",
        {"start": shifted(third["start"], hours=2), "cascade": "none"},
    )

    assert moved.status_code == 200, moved.get_json()
    rows = outbox(appointment_id=third["id"])
    assert {(r.appointment_version, r.status) for r in rows} == {(1, "cancelled"), (2, "pending")}
    new_start = utc(third["start"]) + timedelta(hours=2)
    assert {r.due_at for r in rows if r.channel == "email" and r.status == "pending"} == {
        new_start - timedelta(hours=48),
        new_start - timedelta(hours=2),
    }
    others = [r for r in outbox(kind="reminder") if r.appointment_id != third["id"]]
    assert {r.status for r in others} == {"pending"}  # the other visits did not change


def test_a_cascade_moves_the_reminders_of_every_visit_it_moves(client, auth, reachable):
    series = booked_series(client, auth, *reachable)
    third = series["appointments"][2]

    moved = post(
        client,
        auth,
        f"/api/v1/appointments/{third['id']}/reschedule",
        {"start": shifted(third["start"], days=3), "cascade": "following"},
    )

    assert moved.status_code == 200, moved.get_json()
    assert len(moved.get_json()["appointments"]) > 1
    for visit in moved.get_json()["appointments"]:
        pending = outbox(appointment_id=visit["id"], status="pending")
        assert pending and {r.appointment_version for r in pending} == {visit["version"]}
        assert all(r.due_at < utc(visit["start"]) for r in pending)


@pytest.mark.parametrize("action", ["cancel", "no-show"])
def test_a_visit_cancelled_or_missed_has_no_reminder_left_to_send(client, auth, reachable, clock, action):
    series = booked_series(client, auth, *reachable)
    first = series["appointments"][0]
    if action == "no-show":
        clock.at = utc(first["start"]) + timedelta(minutes=30)

    response = post(client, auth, f"/api/v1/appointments/{first['id']}/{action}", {"reason": "patient called"})

    assert response.status_code == 200, response.get_json()
    assert {r.status for r in outbox(appointment_id=first["id"])} == {"cancelled"}


def test_a_cancelled_series_sends_nothing_more_not_even_its_confirmation(client, auth, reachable):
    series = booked_series(client, auth, *reachable)

    response = post(client, auth, f"/api/v1/series/{series['id']}/cancel", {"reason": "moved away"})

    assert response.status_code == 200, response.get_json()
    assert {r.status for r in outbox(series_id=series["id"])} == {"cancelled"}


def test_a_patient_without_consent_gets_no_reminders_queued(client, auth, houston):
    booked_series(client, auth, *houston)  # the patient has an e-mail address but chose no channel

    assert outbox() == []


def test_a_visit_booked_after_its_first_reminder_was_due_gets_it_at_once(client, auth, reachable, clock):
    clock.at = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)  # Sunday noon: Monday's visit is 26 h away

    series = booked_series(client, auth, *reachable)

    first = series["appointments"][0]
    email = {r.offset_minutes: r for r in outbox(appointment_id=first["id"], channel="email")}
    assert email[2880].due_at == clock.at and email[2880].content == "full"
    assert email[120].due_at == utc(first["start"]) - timedelta(hours=2)


def test_a_clinic_can_skip_the_reminders_a_late_booking_has_missed(client, auth, reachable, clock):
    clinic_id, _ = reachable
    put_policy(client, auth, clinic_id, {"late_booking": "skip"})
    clock.at = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

    series = booked_series(client, auth, *reachable)

    first = series["appointments"][0]
    assert {r.offset_minutes for r in outbox(appointment_id=first["id"], channel="email")} == {120}


def test_a_protocol_override_changes_the_offsets_of_that_protocols_visits_only(client, auth, reachable):
    clinic_id, _ = reachable
    put_policy(
        client,
        auth,
        clinic_id,
        {
            "protocol_overrides": {
                "iv-ketamine-depression": {"offsets": [{"minutes_before": 1440}], "channels": ["email"]}
            }
        },
    )

    series = booked_series(client, auth, *reachable)

    rows = outbox(kind="reminder")
    assert {(r.channel, r.offset_minutes) for r in rows} == {("email", 1440)}
    assert len(rows) == len(series["appointments"])


def test_reminders_are_listed_for_a_visit_with_local_times_and_can_be_filtered_by_status(client, auth, reachable):
    series = booked_series(client, auth, *reachable)
    first = series["appointments"][0]

    response = client.get(f"/api/v1/reminders?appointment_id={first['id']}&status=pending", headers=auth["clinician"])

    assert response.status_code == 200, response.get_json()
    listed = response.get_json()
    assert len(listed) == 4
    assert {r["status"] for r in listed} == {"pending"}
    assert all(r["due_at"].endswith("-06:00") for r in listed)
    assert {"due_at", "channel", "status", "attempts", "sent_at"} <= set(listed[0])
    assert client.get("/api/v1/reminders?status=sent", headers=auth["front_desk"]).get_json() == []


def put_policy(client, auth, clinic_id, body):
    response = client.put(f"/api/v1/clinics/{clinic_id}/reminder-policy", json=body, headers=auth["admin"])
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_the_default_policy_is_48_hours_with_instructions_and_2_hours_short_no_sms_at_night(client, auth, houston):
    response = client.get(f"/api/v1/clinics/{houston[0]}/reminder-policy", headers=auth["front_desk"])

    assert response.status_code == 200
    policy = response.get_json()
    assert policy["offsets"] == [
        {"minutes_before": 2880, "content": "full"},
        {"minutes_before": 120, "content": "short"},
    ]
    assert policy["quiet_hours"] == {"start": "20:00", "end": "08:00"}
    assert policy["late_booking"] == "send_now"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"offsets": [{"minutes_before": -5}]}, "offsets"),
        ({"offsets": [{"minutes_before": 60}, {"minutes_before": 60}]}, "offsets"),
        ({"offsets": [{"minutes_before": 60, "content": "long"}]}, "offsets"),
        ({"channels": ["pigeon"]}, "channels"),
        ({"quiet_hours": {"start": "25:00", "end": "08:00"}}, "quiet_hours"),
        ({"quiet_hours": {"start": "08:00", "end": "08:00"}}, "quiet_hours"),
        ({"late_booking": "maybe"}, "late_booking"),
        ({"protocol_overrides": {"no-such-protocol": {"channels": ["email"]}}}, "protocol_overrides"),
        ({"protocol_overrides": {"spravato-trd": {"front_desk_email": "x@y.z"}}}, "protocol_overrides"),
        ({"front_desk_email": "not an address"}, "front_desk_email"),
    ],
)
def test_a_bad_policy_is_refused_naming_the_field_and_nothing_changes(client, auth, houston, body, field):
    before = client.get(f"/api/v1/clinics/{houston[0]}/reminder-policy", headers=auth["admin"]).get_json()

    response = client.put(f"/api/v1/clinics/{houston[0]}/reminder-policy", json=body, headers=auth["admin"])

    assert response.status_code == 422, response.get_json()
    assert field in str(response.get_json()["errors"])
    assert client.get(f"/api/v1/clinics/{houston[0]}/reminder-policy", headers=auth["admin"]).get_json() == before


def test_a_policy_change_is_audited(client, auth, houston):
    put_policy(client, auth, houston[0], {"late_booking": "skip"})

    trail = client.get(f"/api/v1/audit?entity=reminder_policy&entity_id={houston[0]}", headers=auth["admin"]).get_json()

    assert [(r["action"], r["before"]["late_booking"], r["after"]["late_booking"]) for r in trail] == [
        ("update", "send_now", "skip")
    ]


def test_a_patient_zone_that_does_not_exist_is_refused(client, auth, houston):
    response = client.patch(
        f"/api/v1/patients/{houston[1]}", json={"timezone": "Mars/Olympus"}, headers=auth["front_desk"]
    )

    assert response.status_code == 422
    assert "timezone" in response.get_json()["errors"]["json"]
