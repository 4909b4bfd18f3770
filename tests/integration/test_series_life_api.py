"""Living with reality: sessions moved, visits recorded, no-shows, cancelled courses, maintenance that goes on."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from scheduler_service.adapters import orm
from scheduler_service.extensions import db

from .scenes import another_patient, houston_clinic
from .test_booking_api import book, propose


def booked_series(client, auth, clinic_id, patient_id, **extra):
    response = book(client, auth, clinic_id, patient_id, propose(client, auth, clinic_id, patient_id, **extra))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def post(client, auth, path, body=None, role="front_desk"):
    return client.post(path, json=body or {}, headers=auth[role])


def shifted(iso: str, **delta) -> str:
    return (datetime.fromisoformat(iso) + timedelta(**delta)).isoformat()


def test_moving_one_session_two_hours_later_bumps_its_version_and_nothing_else(client, auth, houston):
    series = booked_series(client, auth, *houston)
    third = series["appointments"][2]

    response = post(
        client,
        auth,
        f"/api/v1/appointments/{third['id']}/reschedule",
        {"start": shifted(third["start"], hours=2), "cascade": "none"},
    )

    assert response.status_code == 200, response.get_json()
    changed = response.get_json()["appointments"]
    assert [(a["id"], a["version"], a["start"]) for a in changed] == [
        (third["id"], 2, shifted(third["start"], hours=2))
    ]


def test_a_move_that_breaks_the_spacing_with_a_neighbour_is_refused_with_cascade_none(client, auth, houston):
    series = booked_series(client, auth, *houston)
    third, fourth = series["appointments"][2:4]

    response = post(
        client,
        auth,
        f"/api/v1/appointments/{third['id']}/reschedule",
        {"start": shifted(fourth["start"], hours=-2 if fourth["start"][11:13] >= "10" else 2), "cascade": "none"},
    )

    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert "cascade" in body["errors"]["json"] and "session 4" in body["message"]  # the neighbour now too close
    assert client.get(f"/api/v1/appointments/{third['id']}", headers=auth["clinician"]).get_json() == third


def test_cascade_following_moves_the_later_sessions_within_the_rules(client, auth, houston):
    series = booked_series(client, auth, *houston)
    third = series["appointments"][2]
    later_ids = {a["id"] for a in series["appointments"][3:]}

    response = post(
        client,
        auth,
        f"/api/v1/appointments/{third['id']}/reschedule",
        {"start": series["appointments"][3]["start"], "cascade": "following"},
    )

    assert response.status_code == 200, response.get_json()
    changed = {a["id"]: a for a in response.get_json()["appointments"]}
    assert third["id"] in changed and later_ids & set(changed)
    after = client.get(f"/api/v1/series/{series['id']}", headers=auth["admin"]).get_json()["appointments"]
    starts = [datetime.fromisoformat(a["start"]) for a in after]
    assert starts == sorted(starts)
    induction_gaps = [(b.date() - a.date()).days for a, b in zip(starts[:5], starts[1:6], strict=True)]
    assert all(2 <= gap <= 5 for gap in induction_gaps) and (starts[5].date() - starts[0].date()).days <= 21
    assert all(changed[i]["version"] == 2 for i in changed)


def test_a_move_into_an_occupied_place_is_a_conflict(client, auth, clock):
    clinic = houston_clinic(client, auth, chairs=1)
    mine = booked_series(client, auth, clinic.id, clinic.patient_id, maintenance_sessions=0)
    other = booked_series(
        client,
        auth,
        clinic.id,
        another_patient(client, auth, "Grace"),
        maintenance_sessions=0,
        earliest_date="2026-12-14",
    )
    versions = {a["id"]: a["version"] for a in mine["appointments"] + other["appointments"]}

    taken = post(
        client,
        auth,
        f"/api/v1/appointments/{other['appointments'][0]['id']}/reschedule",
        {"start": mine["appointments"][1]["start"], "cascade": "following"},
    )

    assert taken.status_code == 409, taken.get_json()
    assert taken.get_json()["errors"]["session"] == 1 and "session 1" in taken.get_json()["message"]
    still = [client.get(f"/api/v1/appointments/{i}", headers=auth["admin"]).get_json()["version"] for i in versions]
    assert still == list(versions.values())


def test_visits_move_through_check_in_and_complete_once_they_have_started(client, auth, houston, clock):
    series = booked_series(client, auth, *houston)
    first = series["appointments"][0]
    path = f"/api/v1/appointments/{first['id']}"

    too_early = post(client, auth, f"{path}/complete", role="clinician")
    clock.at = datetime.fromisoformat(first["start"]) + timedelta(minutes=5)
    checked_in = post(client, auth, f"{path}/check-in", role="clinician")
    completed = post(client, auth, f"{path}/complete", role="clinician")
    cancel_completed = post(client, auth, f"{path}/cancel", {"reason": "changed mind"})

    assert too_early.status_code == 409 and "not started" in too_early.get_json()["message"]
    assert (checked_in.status_code, checked_in.get_json()["status"], checked_in.get_json()["version"]) == (
        200,
        "checked_in",
        2,
    )
    assert (completed.get_json()["status"], completed.get_json()["version"]) == ("completed", 3)
    assert cancel_completed.status_code == 409
    assert "completed cannot be cancelled" in cancel_completed.get_json()["message"]


def test_a_no_show_frees_the_chair_and_is_recorded(client, auth, houston, clock):
    clinic_id, patient_id = houston
    series = booked_series(client, auth, clinic_id, patient_id)
    first = series["appointments"][0]
    clock.at = datetime.fromisoformat(first["end"])

    response = post(client, auth, f"/api/v1/appointments/{first['id']}/no-show", role="clinician")

    assert response.status_code == 200 and response.get_json()["status"] == "no_show"
    again = post(client, auth, f"/api/v1/appointments/{first['id']}/no-show", role="clinician")
    assert again.status_code == 409


def test_cancelling_a_series_cancels_the_future_and_keeps_the_history(client, auth, houston, clock):
    series = booked_series(client, auth, *houston)
    first = series["appointments"][0]
    clock.at = datetime.fromisoformat(first["start"]) + timedelta(minutes=1)
    post(client, auth, f"/api/v1/appointments/{first['id']}/complete", role="clinician")

    response = post(client, auth, f"/api/v1/series/{series['id']}/cancel", {"reason": "moved away"})

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "cancelled"
    assert [a["status"] for a in body["appointments"]] == ["completed"] + ["cancelled"] * 8
    assert all(a["status_reason"] == "moved away" for a in body["appointments"][1:])
    assert post(client, auth, f"/api/v1/series/{series['id']}/cancel", {"reason": "x"}).status_code == 409


def test_extending_books_maintenance_to_the_horizon_anchored_on_the_last_session(client, auth, houston):
    clinic_id, patient_id = houston
    series = booked_series(client, auth, clinic_id, patient_id, maintenance_sessions=0)
    last = datetime.fromisoformat(series["appointments"][-1]["start"])

    response = post(client, auth, f"/api/v1/series/{series['id']}/extend")

    assert response.status_code == 200, response.get_json()
    added = response.get_json()["appointments"]
    starts = [datetime.fromisoformat(a["start"]) for a in added]
    assert len(added) >= 2 and [a["index"] for a in added] == list(range(7, 7 + len(added)))
    assert 21 <= (starts[0].date() - last.date()).days <= 35
    assert all(a["phase"] == "maintenance" for a in added)
    assert post(client, auth, f"/api/v1/series/{series['id']}/extend").get_json()["appointments"] == []


def test_every_change_to_an_appointment_is_in_the_audit_with_before_and_after(client, auth, houston):
    series = booked_series(client, auth, *houston)
    third = series["appointments"][2]
    post(client, auth, f"/api/v1/appointments/{third['id']}/reschedule", {"start": shifted(third["start"], hours=1)})
    post(client, auth, f"/api/v1/appointments/{third['id']}/cancel", {"reason": "flu"})

    trail = client.get(
        "/api/v1/audit", query_string={"entity": "appointment", "entity_id": third["id"]}, headers=auth["admin"]
    ).get_json()

    assert [r["action"] for r in trail] == ["book", "reschedule", "cancel"]
    assert [r["after"]["version"] for r in trail] == [1, 2, 3]
    assert trail[2]["before"]["status"] == "booked" and trail[2]["after"]["status"] == "cancelled"
    assert db.session.scalar(select(func.count()).select_from(orm.AuditRecord)) > 3


def test_a_missed_induction_session_that_breaks_the_spacing_comes_with_a_replan(client, auth, houston, clock):
    series = booked_series(client, auth, *houston, maintenance_sessions=1)
    first, second = series["appointments"][:2]
    clock.at = datetime.fromisoformat(first["start"]) + timedelta(minutes=1)
    post(client, auth, f"/api/v1/appointments/{first['id']}/complete", role="clinician")
    clock.at = datetime.fromisoformat(second["end"])

    response = post(client, auth, f"/api/v1/appointments/{second['id']}/no-show", role="clinician")

    assert response.status_code == 200, response.get_json()
    advice = response.get_json()["replan"]
    assert advice["needed"] is True and "session" in advice["why"]
    proposed = advice["proposal"]["sessions"]
    assert [s["index"] for s in proposed] == list(range(2, 2 + len(proposed)))
    assert len([s for s in proposed if s["phase"] == "induction"]) == 5  # the missed dose is given again
    assert datetime.fromisoformat(proposed[0]["start"]) > clock.at


def test_a_missed_maintenance_session_needs_no_replan(client, auth, houston, clock):
    series = booked_series(client, auth, *houston, maintenance_sessions=2)
    last = series["appointments"][-1]
    clock.at = datetime.fromisoformat(last["end"])

    response = post(client, auth, f"/api/v1/appointments/{last['id']}/no-show", role="clinician")

    assert response.status_code == 200
    assert response.get_json()["replan"] == {"needed": False, "why": "", "proposal": None}


def test_replan_proposals_can_be_asked_for_any_time_and_write_nothing(client, auth, houston):
    series = booked_series(client, auth, *houston)

    response = post(client, auth, f"/api/v1/series/{series['id']}/replan-proposals", {"alternatives": 1})

    assert response.status_code == 200, response.get_json()
    assert len(response.get_json()["proposals"]) == 2
    assert client.get(f"/api/v1/series/{series['id']}", headers=auth["admin"]).get_json() == series


def test_the_daily_extension_tops_up_every_active_series_and_skips_cancelled_ones(client, auth, houston, clock):
    from scheduler_service.services.maintenance import extend_all
    from scheduler_service.services.unit_of_work import UnitOfWork

    clinic_id, patient_id = houston
    kept = booked_series(client, auth, clinic_id, patient_id, maintenance_sessions=0)
    dropped = booked_series(
        client,
        auth,
        clinic_id,
        another_patient(client, auth, "Grace"),
        maintenance_sessions=0,
        earliest_date="2026-11-30",
    )
    post(client, auth, f"/api/v1/series/{dropped['id']}/cancel", {"reason": "stopped treatment"})

    with UnitOfWork("scheduler") as uow:
        outcome = extend_all(uow, clock.now())

    assert outcome[kept["id"]] >= 2 and dropped["id"] not in outcome
    assert len(client.get(f"/api/v1/series/{kept['id']}", headers=auth["admin"]).get_json()["appointments"]) > 6
