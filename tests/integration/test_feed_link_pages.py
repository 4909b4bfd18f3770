"""The patient's page lists the calendar links that are on; the front desk makes one or turns one off there."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from scheduler_service.adapters import orm
from scheduler_service.extensions import db

from .test_feeds_api import booked, feed_path, issue
from .test_web_session import csrf_of, log_in


def feed_token_count() -> int:
    return db.session.scalar(select(func.count()).select_from(orm.FeedToken))


def active_tokens(client, auth, patient_id):
    listed = client.get(f"/api/v1/patients/{patient_id}/feed-tokens", headers=auth["front_desk"]).get_json()
    return [t for t in listed if t["revoked_at"] is None]


def make_link(client, patient_id, label):
    csrf = csrf_of(client, f"/patients/{patient_id}")
    return client.post(f"/patients/{patient_id}/feed-links", data={"label": label, "csrf_token": csrf})


def turn_off(client, patient_id, token_id):
    csrf = csrf_of(client, f"/patients/{patient_id}")
    return client.post(f"/patients/{patient_id}/feed-links/{token_id}/revoke", data={"csrf_token": csrf})


def test_a_link_made_on_the_page_opens_the_patients_feed_and_is_listed_by_its_name(client, auth, houston):
    _, patient_id = houston
    log_in(client, "front_desk")

    response = make_link(client, patient_id, "  Maria's phone ")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    url = re.search(r'id="feed-url" type="text" readonly value="([^"]+)"', page).group(1)
    assert 'src="data:image/png;base64,' in page  # the QR code to scan at the desk
    feed = client.get(feed_path(url))
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    [token] = active_tokens(client, auth, patient_id)
    assert token["label"] == "Maria's phone"
    listed = client.get(f"/patients/{patient_id}").get_data(as_text=True)
    assert "<td>Maria&#39;s phone</td>" in listed
    assert url.rsplit("/", 1)[1] not in listed  # the secret is shown once, never on the patient's page


def test_turning_a_link_off_stops_its_feed_and_takes_it_off_the_list(client, auth, houston):
    _, patient_id = houston
    old = issue(client, auth, patient_id)  # labelled "phone"
    kept = issue(client, auth, patient_id)
    log_in(client, "front_desk")

    response = turn_off(client, patient_id, old["id"])

    assert response.status_code == 302 and response.headers["Location"] == f"/patients/{patient_id}"
    page = client.get(f"/patients/{patient_id}").get_data(as_text=True)
    assert "The calendar link “phone” was turned off" in page
    assert client.get(feed_path(old["url"])).status_code == 404
    assert client.get(feed_path(kept["url"])).status_code == 200
    assert [t["id"] for t in active_tokens(client, auth, patient_id)] == [kept["id"]]
    assert f"/feed-links/{old['id']}/revoke" not in page and f"/feed-links/{kept['id']}/revoke" in page


def test_turning_off_a_link_twice_is_harmless(client, auth, houston):
    _, patient_id = houston
    token = issue(client, auth, patient_id)
    log_in(client, "front_desk")

    assert turn_off(client, patient_id, token["id"]).status_code == 302
    assert turn_off(client, patient_id, token["id"]).status_code == 302  # a double click, or two desks at once

    assert active_tokens(client, auth, patient_id) == []


def test_a_name_too_long_is_refused_beside_its_field_and_no_link_is_made(client, auth, houston):
    _, patient_id = houston
    log_in(client, "front_desk")

    response = make_link(client, patient_id, "x" * 101)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert '<p class="error" id="link-label-error">Must be at most 100 characters</p>' in page
    assert 'aria-invalid="true" aria-describedby="link-label-error"' in page
    assert 'value="' + "x" * 101 + '"' in page  # what was typed is kept
    assert "Please correct the fields marked below." not in page  # the patient's own form is untouched
    assert active_tokens(client, auth, patient_id) == []


def test_a_control_character_in_the_name_is_refused_naming_the_field_and_no_link_is_made(client, auth, houston):
    _, patient_id = houston
    log_in(client, "front_desk")

    response = make_link(client, patient_id, "bell\x07here")

    assert response.status_code == 400
    assert "The field “label” contains a control character" in response.get_data(as_text=True)
    assert active_tokens(client, auth, patient_id) == []


def test_another_patients_link_cannot_be_turned_off_from_this_page(client, auth, houston):
    _, patient_id = houston
    other = client.post(
        "/api/v1/patients", json={"given_name": "Ola", "family_name": "Nordmann"}, headers=auth["front_desk"]
    )
    other_id = other.get_json()["id"]
    theirs = issue(client, auth, other_id)
    log_in(client, "front_desk")

    response = turn_off(client, patient_id, theirs["id"])

    assert response.status_code == 404
    assert client.get(feed_path(theirs["url"])).status_code == 200


def test_no_link_is_made_for_a_patient_who_does_not_exist(client, auth, houston):
    _, patient_id = houston
    log_in(client, "front_desk")
    csrf = csrf_of(client, f"/patients/{patient_id}")
    before = feed_token_count()

    response = client.post("/patients/999999/feed-links", data={"label": "ghost", "csrf_token": csrf})

    assert response.status_code == 404
    assert feed_token_count() == before


def test_a_clinician_sees_the_links_but_cannot_make_or_turn_one_off(client, auth, houston):
    _, patient_id = houston
    token = issue(client, auth, patient_id)
    log_in(client, "clinician")

    page = client.get(f"/patients/{patient_id}").get_data(as_text=True)

    assert "<td>phone</td>" in page
    assert "Make a calendar link" not in page and "/revoke" not in page
    assert turn_off(client, patient_id, token["id"]).status_code == 403
    assert [t["id"] for t in active_tokens(client, auth, patient_id)] == [token["id"]]


def test_the_booked_page_hands_out_its_link_once_so_a_reload_makes_no_new_live_link(client, auth, houston):
    clinic_id, patient_id = houston
    series = booked(client, auth, clinic_id, patient_id)
    log_in(client, "front_desk")

    first = client.get(f"/book/booked/{series['id']}").get_data(as_text=True)
    again = client.get(f"/book/booked/{series['id']}").get_data(as_text=True)

    url = re.search(r'id="feed-url" type="text" readonly value="([^"]+)"', first).group(1)
    assert client.get(feed_path(url)).status_code == 200
    assert "/feeds/" not in again and "a link is shown only once" in again
    assert f'href="/patients/{patient_id}"' in again  # where the desk makes a new one
    label = f"booking, series {series['id']}"
    assert [t["label"] for t in active_tokens(client, auth, patient_id)].count(label) == 1
