"""Patients subscribe to a private, revocable feed; staff to the clinic's day; both cheap to poll."""

from __future__ import annotations

from datetime import datetime, timedelta

from icalendar import Calendar

from .test_booking_api import book, propose


def booked(client, auth, clinic_id, patient_id):
    response = book(client, auth, clinic_id, patient_id, propose(client, auth, clinic_id, patient_id))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def issue(client, auth, patient_id):
    response = client.post(
        f"/api/v1/patients/{patient_id}/feed-tokens", json={"label": "phone"}, headers=auth["front_desk"]
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def feed_path(url: str) -> str:
    return "/feeds/" + url.rsplit("/feeds/", 1)[1]


def events_of(body: bytes):
    return [c for c in Calendar.from_ical(body).walk("VEVENT")]


def test_a_new_feed_url_is_shown_once_with_webcal_and_a_qr_code(client, auth, houston):
    _, patient_id = houston

    issued = issue(client, auth, patient_id)
    listed = client.get(f"/api/v1/patients/{patient_id}/feed-tokens", headers=auth["front_desk"]).get_json()

    secret = issued["url"].rsplit("/", 1)[1].removesuffix(".ics")
    assert len(secret) >= 43  # 256 random bits in URL-safe base64
    assert issued["webcal_url"] == "webcal://" + issued["url"].split("://", 1)[1]
    assert issued["qr_png"].startswith("data:image/png;base64,")
    assert secret not in str(listed) and [t["id"] for t in listed] == [issued["id"]]


def test_the_feed_holds_every_appointment_with_uid_sequence_and_the_instructions(client, auth, houston):
    clinic_id, patient_id = houston
    series = booked(client, auth, clinic_id, patient_id)
    path = feed_path(issue(client, auth, patient_id)["url"])

    response = client.get(path)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.data
    assert b"\r\n" in body and b"METHOD" not in body
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H" in body and b"X-PUBLISHED-TTL:PT1H" in body
    events = events_of(body)
    assert len(events) == len(series["appointments"])
    first, appointment = events[0], series["appointments"][0]
    assert str(first["UID"]) == f"appointment-{appointment['id']}@infusion-scheduler"
    assert int(first["SEQUENCE"]) == 1
    assert first.decoded("DTSTART") == datetime.fromisoformat(appointment["start"])
    assert str(first["SUMMARY"]) == "Appointment — Test Clinic"
    assert "ketamine" not in body.decode().lower()
    assert "No solid food for 6 hours" in str(first["DESCRIPTION"])


def test_the_body_is_byte_stable_and_answers_304_until_something_changes(client, auth, houston, clock):
    clinic_id, patient_id = houston
    series = booked(client, auth, clinic_id, patient_id)
    path = feed_path(issue(client, auth, patient_id)["url"])
    first = client.get(path)
    clock.advance(minutes=10)

    again = client.get(path)
    by_etag = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    by_date = client.get(path, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    appointment = series["appointments"][2]
    client.post(f"/api/v1/appointments/{appointment['id']}/cancel", json={"reason": "flu"}, headers=auth["front_desk"])
    after_change = client.get(path, headers={"If-None-Match": first.headers["ETag"]})

    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
    assert by_etag.status_code == 304 and by_etag.data == b""
    assert by_date.status_code == 304
    assert after_change.status_code == 200
    cancelled = next(
        e for e in events_of(after_change.data) if str(e["UID"]).startswith(f"appointment-{appointment['id']}@")
    )
    assert str(cancelled["STATUS"]) == "CANCELLED" and int(cancelled["SEQUENCE"]) == 2


def test_a_revoked_feed_is_indistinguishable_from_an_unknown_one(client, auth, houston):
    _, patient_id = houston
    issued = issue(client, auth, patient_id)
    path = feed_path(issued["url"])
    assert client.get(path).status_code == 200

    assert client.delete(f"/api/v1/feed-tokens/{issued['id']}", headers=auth["front_desk"]).status_code == 204
    revoked, unknown = client.get(path), client.get("/feeds/" + "x" * 43 + ".ics")

    assert revoked.status_code == unknown.status_code == 404
    assert revoked.data == unknown.data and revoked.headers["Content-Type"] == unknown.headers["Content-Type"]


def test_a_clinic_may_opt_in_to_naming_the_protocol(client, auth, houston):
    clinic_id, patient_id = houston
    booked(client, auth, clinic_id, patient_id)
    client.patch(f"/api/v1/clinics/{clinic_id}", json={"feed_shows_protocol": True}, headers=auth["admin"])

    body = client.get(feed_path(issue(client, auth, patient_id)["url"])).data

    assert str(events_of(body)[0]["SUMMARY"]) == "IV ketamine for depression — Test Clinic"


def test_the_staff_feed_shows_initials_and_chair_not_names(client, auth, houston):
    clinic_id, patient_id = houston
    booked(client, auth, clinic_id, patient_id)
    issued = client.post(f"/api/v1/clinics/{clinic_id}/feed-tokens", json={}, headers=auth["admin"]).get_json()

    body = client.get(feed_path(issued["url"])).data.decode()

    summaries = [str(e["SUMMARY"]) for e in events_of(body.encode())]
    assert summaries[0].startswith("A.L. — Chair ")
    assert "Lovelace" not in body and "Ada" not in body


def test_one_appointment_downloads_as_a_single_event(client, auth, houston):
    clinic_id, patient_id = houston
    appointment = booked(client, auth, clinic_id, patient_id)["appointments"][0]

    response = client.get(f"/api/v1/appointments/{appointment['id']}.ics", headers=auth["front_desk"])

    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert len(events_of(response.data)) == 1 and b"REFRESH-INTERVAL" not in response.data
    assert client.get(f"/api/v1/appointments/{appointment['id']}.ics").status_code == 401


def test_cancelled_appointments_leave_the_feed_thirty_days_after_they_were_cancelled(client, auth, houston, clock):
    clinic_id, patient_id = houston
    series = booked(client, auth, clinic_id, patient_id)
    path = feed_path(issue(client, auth, patient_id)["url"])
    client.post(f"/api/v1/series/{series['id']}/cancel", json={"reason": "moved"}, headers=auth["front_desk"])
    assert len(events_of(client.get(path).data)) == len(series["appointments"])

    clock.advance(days=31)

    assert events_of(client.get(path).data) == []
    assert clock.now() > datetime.fromisoformat(series["appointments"][0]["start"]) - timedelta(days=365)
