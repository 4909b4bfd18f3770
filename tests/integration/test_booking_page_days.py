"""The booking page's days: the first session from the earliest day, and by the latest one when the desk gives it."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from scheduler_service.adapters import orm
from scheduler_service.extensions import db

from .test_planning_api import _occupy
from .test_web_session import log_in

FIRST_START = re.compile(r'<form[^>]*action="/book/confirm".*?name="start" value="([^"]+)"', re.S)


def _proposals_page(client, clinic_id, patient_id, **days):
    protocol_id = db.session.scalar(select(orm.Protocol.id).where(orm.Protocol.key == "iv-ketamine-depression"))
    query = {"patient_id": patient_id, "clinic_id": clinic_id, "protocol_id": protocol_id, **days}
    return client.get("/book/proposals", query_string=query)


def test_a_latest_day_keeps_every_proposed_first_session_on_or_before_it(client, auth, houston):
    clinic_id, patient_id = houston
    # Both chairs are taken on Monday until 15:00: only 15:00 and 15:15 are left that day for 100 minutes.
    monday = datetime.fromisoformat("2026-11-23T08:00:00-06:00")
    _occupy(clinic_id, patient_id, [1, 2], monday, monday.replace(hour=14, minute=45))
    assert log_in(client, "front_desk").status_code == 302

    anyday = _proposals_page(client, clinic_id, patient_id, earliest_date="2026-11-23")
    by_monday = _proposals_page(client, clinic_id, patient_id, earliest_date="2026-11-23", latest_date="2026-11-23")

    assert anyday.status_code == 200 and by_monday.status_code == 200
    assert any(start > "2026-11-24" for start in FIRST_START.findall(anyday.text))
    assert FIRST_START.findall(by_monday.text) == ["2026-11-23T15:00:00-06:00", "2026-11-23T15:15:00-06:00"]
    assert "first session from 2026-11-23 to 2026-11-23" in by_monday.text
    assert 'name="latest_date" value="2026-11-23"' in by_monday.text  # carried to the confirm form


def test_a_latest_day_that_is_unreadable_or_before_the_earliest_is_named_next_to_its_field(client, auth, houston):
    clinic_id, patient_id = houston
    assert log_in(client, "front_desk").status_code == 302

    unreadable = _proposals_page(client, clinic_id, patient_id, earliest_date="2026-11-23", latest_date="23/11/2026")
    reversed_days = _proposals_page(client, clinic_id, patient_id, earliest_date="2026-11-23", latest_date="2026-11-20")
    empty = _proposals_page(client, clinic_id, patient_id, earliest_date="2026-11-23", latest_date="")

    assert unreadable.status_code == 422
    assert 'id="latest_date-error"' in unreadable.text and "pick one (YYYY-MM-DD)" in unreadable.text
    assert reversed_days.status_code == 422
    assert "cannot come before the earliest" in reversed_days.text
    assert empty.status_code == 200 and FIRST_START.findall(empty.text)


def _first_plan_form(page_text: str) -> list[tuple[str, str]]:
    """The hidden fields of plan 1's confirm form, in order (start and chair_id repeat per session)."""
    form = re.search(r'<form[^>]*action="/book/confirm".*?</form>', page_text, re.S)
    assert form is not None
    return re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form[0])


def test_when_the_plan_is_taken_the_next_plan_is_offered_only_if_it_starts_by_the_latest_day(client, auth, houston):
    clinic_id, patient_id = houston
    monday = datetime.fromisoformat("2026-11-23T08:00:00-06:00")
    _occupy(clinic_id, patient_id, [1, 2], monday, monday.replace(hour=14, minute=45))
    assert log_in(client, "front_desk").status_code == 302
    shown = _proposals_page(client, clinic_id, patient_id, earliest_date="2026-11-23", latest_date="2026-11-23")
    fields = _first_plan_form(shown.text)
    # Someone takes the rest of Monday on both chairs after the proposals were shown.
    _occupy(clinic_id, patient_id, [1, 2], monday.replace(hour=15), monday.replace(hour=16, minute=40))

    with_latest = client.post("/book/confirm", data=MultiDict(fields))
    without_latest = client.post(
        "/book/confirm",
        data=MultiDict(
            [(k, "" if k == "latest_date" else v + ("-again" if k == "booking_key" else "")) for k, v in fields]
        ),
    )

    assert with_latest.status_code == 409
    assert "it would start on Tue Nov 24, after the latest day the patient can take (2026-11-23)" in with_latest.text
    assert "Book this plan instead" not in with_latest.text
    assert without_latest.status_code == 409
    assert "Book this plan instead" in without_latest.text
