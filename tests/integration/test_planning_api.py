"""The front desk asks for free starts and whole-series proposals; nothing is written."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from scheduler_service.adapters import orm
from scheduler_service.extensions import db


def _propose(client, auth, clinic_id, patient_id, **extra):
    body = {
        "patient_id": patient_id,
        "clinic_id": clinic_id,
        "protocol_key": "iv-ketamine-depression",
        "earliest_date": "2026-11-23",
        **extra,
    }
    return client.post("/api/v1/series/proposals", json=body, headers=auth["front_desk"])


def _rows() -> int:
    return sum(
        db.session.scalar(select(func.count()).select_from(m)) for m in (orm.Appointment, orm.Series, orm.AuditRecord)
    )


def test_a_proposal_places_six_induction_sessions_around_thanksgiving_and_writes_nothing(client, auth, houston):
    clinic_id, patient_id = houston
    before = _rows()

    response = _propose(client, auth, clinic_id, patient_id, alternatives=2)

    assert response.status_code == 200, response.get_json()
    proposals = response.get_json()["proposals"]
    assert len(proposals) == 3
    best = proposals[0]["sessions"]
    induction = [s for s in best if s["phase"] == "induction"]
    days = [datetime.fromisoformat(s["start"]) for s in induction]
    assert len(induction) == 6 and len(best) == 9
    assert all(d.weekday() < 5 for d in days)
    assert not any(d.date().isoformat() in ("2026-11-26",) for d in days)
    assert all(s["start"].endswith("-06:00") for s in induction)
    assert (days[-1] - days[0]).days <= 21
    assert [s["index"] for s in best] == list(range(1, 10))
    assert _rows() == before


def test_every_proposed_session_lies_inside_opening_hours_on_the_slot_grid(client, auth, houston):
    clinic_id, patient_id = houston

    sessions = [s for p in _propose(client, auth, clinic_id, patient_id).get_json()["proposals"] for s in p["sessions"]]

    for session in sessions:
        start, end = datetime.fromisoformat(session["start"]), datetime.fromisoformat(session["end"])
        assert (end - start).total_seconds() == 100 * 60
        assert start.hour >= 8 and (end.hour, end.minute) <= (17, 0)
        assert start.minute % 15 == 0


def test_a_patient_who_comes_tuesdays_and_thursdays_after_one_gets_only_those(client, auth, houston):
    clinic_id, patient_id = houston
    client.patch(
        f"/api/v1/patients/{patient_id}",
        json={"preferences": {"weekdays": ["tue", "thu"], "earliest_start": "13:00"}},
        headers=auth["front_desk"],
    )

    response = _propose(client, auth, clinic_id, patient_id, protocol_key="consult", alternatives=0)

    assert response.status_code == 422  # no consult room in this clinic
    assert "consult" in response.get_json()["message"]

    best = _propose(client, auth, clinic_id, patient_id, maintenance_sessions=0).get_json()["proposals"][0]
    for session in best["sessions"]:
        start = datetime.fromisoformat(session["start"])
        assert start.weekday() in (1, 3) and start.hour >= 13


def test_availability_lists_free_starts_and_says_why_a_day_is_closed(client, auth, houston):
    clinic_id, _ = houston

    response = client.get(
        f"/api/v1/clinics/{clinic_id}/availability",
        query_string={"protocol_key": "iv-ketamine-depression", "from": "2026-11-25", "to": "2026-11-28"},
        headers=auth["clinician"],
    )

    assert response.status_code == 200, response.get_json()
    days = {d["date"]: d for d in response.get_json()}
    assert days["2026-11-26"]["closed"] == "Thanksgiving Day" and days["2026-11-26"]["starts"] == []
    assert days["2026-11-28"]["starts"] == []
    wednesday = days["2026-11-25"]["starts"]
    assert wednesday[0]["start"] == "2026-11-25T08:00:00-06:00"
    assert wednesday[-1]["start"] == "2026-11-25T15:15:00-06:00"  # 100 minutes end at 16:55
    assert wednesday[0]["chair_ids"] and len(wednesday[0]["chair_ids"]) == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"protocol_id": 1}, "protocol_id"),
        ({"protocol_key": None}, "protocol_key"),
        ({"alternatives": 11}, "alternatives"),
        ({"maintenance_sessions": -1}, "maintenance_sessions"),
        ({"earliest_date": "2026-13-01"}, "earliest_date"),
        ({"latest_date": "2026-11-22"}, "latest_date"),  # before earliest_date
        ({"latest_date": "2028-11-23"}, "latest_date"),  # 731 days on: past the longest search
        ({"latest_date": "23/11/2026"}, "latest_date"),
    ],
)
def test_a_bad_proposal_request_names_the_field(client, auth, houston, change, field):
    clinic_id, patient_id = houston

    response = _propose(client, auth, clinic_id, patient_id, **change)

    assert response.status_code == 422
    assert field in response.get_json()["errors"]["json"]


def test_latest_date_keeps_every_first_session_on_or_before_it(client, auth, houston):
    clinic_id, patient_id = houston
    # Both chairs are taken on Monday until 15:00: only 15:00 and 15:15 are left that day for 100 minutes.
    monday = datetime.fromisoformat("2026-11-23T08:00:00-06:00")
    _occupy(clinic_id, patient_id, [1, 2], monday, monday.replace(hour=14, minute=45))
    before = _rows()

    default = _propose(client, auth, clinic_id, patient_id, maintenance_sessions=0, alternatives=10)
    by_monday = _propose(
        client, auth, clinic_id, patient_id, maintenance_sessions=0, alternatives=10, latest_date="2026-11-23"
    )
    by_sunday = _propose(client, auth, clinic_id, patient_id, earliest_date="2026-11-21", latest_date="2026-11-22")

    assert default.status_code == 200 and by_monday.status_code == 200, by_monday.get_json()
    assert any(p["sessions"][0]["start"] > "2026-11-24" for p in default.get_json()["proposals"])
    firsts = [p["sessions"][0]["start"] for p in by_monday.get_json()["proposals"]]
    assert firsts == ["2026-11-23T15:00:00-06:00", "2026-11-23T15:15:00-06:00"]
    assert by_sunday.status_code == 422, by_sunday.get_json()
    assert _rows() == before


def test_unknown_patient_clinic_or_protocol_answer_404(client, auth, houston):
    clinic_id, patient_id = houston

    assert _propose(client, auth, clinic_id, 999_999).status_code == 404
    assert _propose(client, auth, 999_999, patient_id).status_code == 404
    assert _propose(client, auth, clinic_id, patient_id, protocol_key="no-such-protocol").status_code == 404


def test_availability_refuses_a_reversed_or_too_long_range(client, auth, houston):
    clinic_id, _ = houston
    path = f"/api/v1/clinics/{clinic_id}/availability"

    reversed_range = client.get(
        path, query_string={"protocol_key": "consult", "from": "2026-12-05", "to": "2026-12-01"}, headers=auth["admin"]
    )
    too_long = client.get(
        path, query_string={"protocol_key": "consult", "from": "2026-12-01", "to": "2027-06-01"}, headers=auth["admin"]
    )

    assert reversed_range.status_code == 422 and "to" in reversed_range.get_json()["errors"]["json"]
    assert too_long.status_code == 422 and "to" in too_long.get_json()["errors"]["json"]


def _occupy(clinic_id, patient_id, chair_ids, start, end, status="booked"):
    """Put visits straight into the calendar (booking through the API is another capability)."""
    from datetime import timedelta

    protocol_id = db.session.scalar(select(orm.Protocol.id).where(orm.Protocol.key == "iv-ketamine-depression"))
    series = orm.Series(clinic_id=clinic_id, patient_id=patient_id, protocol_id=protocol_id)
    db.session.add(series)
    db.session.flush()
    for n, chair_id in enumerate(chair_ids, start=1):
        db.session.add(
            orm.Appointment(
                series_id=series.id,
                clinic_id=clinic_id,
                chair_id=chair_id,
                index=n,
                phase="induction",
                start_at=start,
                end_at=end,
                blocked_until=end + timedelta(minutes=15),
                status=status,
            )
        )
    db.session.commit()


def test_visits_in_the_database_hold_their_chairs_plus_turnover_and_cancelled_ones_do_not(client, auth, houston):
    clinic_id, patient_id = houston
    chairs = [c["id"] for c in client.get(f"/api/v1/clinics/{clinic_id}/chairs", headers=auth["admin"]).get_json()]
    monday_8 = datetime.fromisoformat("2026-11-23T08:00:00-06:00")
    monday_10 = datetime.fromisoformat("2026-11-23T10:00:00-06:00")
    _occupy(clinic_id, patient_id, chairs, monday_8, monday_10)
    _occupy(
        clinic_id,
        patient_id,
        chairs,
        datetime.fromisoformat("2026-11-24T08:00:00-06:00"),
        datetime.fromisoformat("2026-11-24T10:00:00-06:00"),
        status="cancelled",
    )

    days = client.get(
        f"/api/v1/clinics/{clinic_id}/availability",
        query_string={"protocol_key": "iv-ketamine-depression", "from": "2026-11-23", "to": "2026-11-24"},
        headers=auth["front_desk"],
    ).get_json()

    assert days[0]["starts"][0]["start"] == "2026-11-23T10:15:00-06:00"
    assert days[1]["starts"][0]["start"] == "2026-11-24T08:00:00-06:00"
