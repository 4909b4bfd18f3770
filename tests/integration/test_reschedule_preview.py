"""A dry run of a move: the front desk's preview changes nothing, and shows exactly what the move will do."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from scheduler_service.adapters import orm
from scheduler_service.domain.errors import InvalidValue
from scheduler_service.extensions import db
from scheduler_service.services import rescheduling
from scheduler_service.services.unit_of_work import UnitOfWork

from .test_series_life_api import booked_series, post, shifted


def everything_a_move_touches() -> dict[str, object]:
    """The appointments, the reminders outbox and the audit log, as plain values to compare."""
    db.session.remove()
    session = db.session()
    appointments = session.execute(
        select(
            orm.Appointment.id,
            orm.Appointment.start_at,
            orm.Appointment.end_at,
            orm.Appointment.chair_id,
            orm.Appointment.status,
            orm.Appointment.version,
        ).order_by(orm.Appointment.id)
    ).all()
    reminders = session.execute(
        select(orm.Reminder.id, orm.Reminder.dedupe_key, orm.Reminder.status, orm.Reminder.due_at).order_by(
            orm.Reminder.id
        )
    ).all()
    audit = session.scalar(select(func.count()).select_from(orm.AuditRecord))
    db.session.remove()
    return {"appointments": appointments, "reminders": reminders, "audit": audit}


def as_api(changed: list[dict[str, object]]) -> list[tuple[object, ...]]:
    return [
        (
            a["id"],
            a["start"] if isinstance(a["start"], str) else a["start"].isoformat(),  # type: ignore[attr-defined]
            a["end"] if isinstance(a["end"], str) else a["end"].isoformat(),  # type: ignore[attr-defined]
            a["chair_id"],
            a["version"],
            a["status"],
        )
        for a in changed
    ]


def test_a_dry_run_changes_nothing_and_returns_what_the_move_then_does(client, auth, reachable, clock):
    series = booked_series(client, auth, *reachable)
    third, fourth = series["appointments"][2:4]
    before = everything_a_move_touches()
    assert before["reminders"], "the patient takes reminders, so a move has an outbox to change"

    with UnitOfWork("user:1 <front_desk@clinic.test> web") as uow:
        start = datetime.fromisoformat(fourth["start"])
        preview = rescheduling.reschedule(uow, third["id"], start, None, "following", clock.now(), dry_run=True)

    assert len(preview) > 1 and preview[0]["id"] == third["id"]
    assert everything_a_move_touches() == before
    moved = post(
        client,
        auth,
        f"/api/v1/appointments/{third['id']}/reschedule",
        {"start": fourth["start"], "cascade": "following"},
    )
    assert moved.status_code == 200, moved.get_json()
    assert as_api(moved.get_json()["appointments"]) == as_api(preview)
    assert everything_a_move_touches() != before


def test_a_dry_run_refuses_what_the_move_would_refuse_and_still_changes_nothing(client, auth, reachable, clock):
    series = booked_series(client, auth, *reachable)
    third, fourth = series["appointments"][2:4]
    too_close = shifted(fourth["start"], hours=-2 if fourth["start"][11:13] >= "10" else 2)
    before = everything_a_move_touches()

    with pytest.raises(InvalidValue) as refused, UnitOfWork("test") as uow:
        start = datetime.fromisoformat(too_close)
        rescheduling.reschedule(uow, third["id"], start, None, "none", clock.now(), dry_run=True)

    assert refused.value.field == "cascade" and "session 4" in refused.value.message
    assert everything_a_move_touches() == before
    real = post(client, auth, f"/api/v1/appointments/{third['id']}/reschedule", {"start": too_close, "cascade": "none"})
    assert real.status_code == 422 and real.get_json()["message"] == refused.value.message
