"""Reminders delivered to a real SMTP server (aiosmtpd) and a real HTTP SMS gateway, as the clock moves on."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from scheduler_service.adapters import orm
from scheduler_service.extensions import db
from scheduler_service.reminders.dispatch import Delivery, dispatch_due
from scheduler_service.services.front_desk_mail import queue_boards
from scheduler_service.services.maintenance import extend_all
from scheduler_service.services.outbox import purge_outbox
from scheduler_service.services.unit_of_work import UnitOfWork
from tests.peers import MailServer, SmsGateway

from .test_reminder_outbox import outbox, put_policy, utc
from .test_series_life_api import booked_series, post, shifted

CHICAGO = ZoneInfo("America/Chicago")
SMS_SECRET = "gateway-shared-secret"


@pytest.fixture()
def mail(app):
    with MailServer() as server:
        saved = {k: app.config[k] for k in ("SMTP_HOST", "SMTP_PORT", "MAIL_FROM", "REMINDER_RETRY_SECONDS")}
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, MAIL_FROM="Houston Clinic <care@clinic.test>")
        yield server
        app.config.update(saved)


@pytest.fixture()
def gateway(app):
    with SmsGateway(SMS_SECRET) as server:
        app.config.update(SMS_WEBHOOK_URL=server.url, SMS_WEBHOOK_SECRET=SMS_SECRET)
        yield server
        app.config.update(SMS_WEBHOOK_URL="", SMS_WEBHOOK_SECRET="")


def dispatch(app, clock):
    db.session.remove()
    return dispatch_due(Delivery.from_config(app.config), clock.now)


def reminders_to(mail: MailServer, visit: dict) -> list:
    return [m for m in mail.received() if m["Message-ID"].startswith(f"<reminder-{visit['id']}-")]


def local_clock(iso: str) -> str:
    start = datetime.fromisoformat(iso).astimezone(CHICAGO)
    return f"{start.hour % 12 or 12}:{start:%M} {'AM' if start.hour < 12 else 'PM'} {start.tzname()}"


def test_each_reminder_arrives_once_when_due_with_the_instructions_the_time_and_the_visit_attached(
    app, client, auth, reachable, clock, mail, gateway
):
    series = booked_series(client, auth, *reachable)
    first = series["appointments"][0]
    clock.at = utc(first["start"]) - timedelta(hours=48)

    dispatch(app, clock)
    dispatch(app, clock)  # nothing is sent twice

    [full] = reminders_to(mail, first)
    assert full["Message-ID"] == f"<reminder-{first['id']}-email-2880-v1@clinic.test>"
    assert full["To"] == "ada@example.org"
    text = full.get_body(("plain",)).get_content()
    assert "No solid food for 6 hours" in text and "An adult must drive you home" in text
    assert f"Monday, November 23, 2026 at {local_clock(first['start'])}" in text
    assert "24 hours ahead" in text  # the confirmation line
    assert "ketamine" not in full["Subject"].lower()  # lock screens show the subject
    assert "No solid food" in full.get_body(("html",)).get_content()
    [attachment] = [p for p in full.iter_attachments() if p.get_content_type() == "text/calendar"]
    event = Calendar.from_ical(attachment.get_content()).walk("VEVENT")[0]
    assert event.decoded("dtstart") == utc(first["start"])
    assert [c.offset_minutes for c in outbox(appointment_id=first["id"], status="sent", channel="email")] == [2880]


def test_the_two_hour_reminder_is_short_and_the_night_sms_went_the_evening_before(
    app, client, auth, reachable, clock, mail, gateway
):
    series = booked_series(client, auth, *reachable)
    first = series["appointments"][0]  # Monday 8:00: 2 h before is 6:00, inside the SMS quiet hours

    clock.at = datetime(2026, 11, 22, 19, 30, tzinfo=CHICAGO).astimezone(UTC)  # Sunday evening
    dispatch(app, clock)
    texts = [m for m in gateway.messages if m["message_id"].startswith(f"<reminder-{first['id']}-sms-120-")]
    assert len(texts) == 1 and "tomorrow at 8:00 AM CST" in texts[0]["body"]
    clock.at = utc(first["start"]) - timedelta(hours=2)
    dispatch(app, clock)

    short = [m for m in reminders_to(mail, first) if "-120-" in m["Message-ID"]]
    assert len(short) == 1
    assert f"today at {local_clock(first['start'])}" in short[0].get_body(("plain",)).get_content()
    assert short[0]["Subject"].startswith("Today at 8:00 AM CST")
    assert gateway.refused_signatures == 0
    assert texts[0]["message_id"] in [h["Idempotency-Key"] for h in gateway.headers]
    assert all(m["to"] == "+1 713 555 0100" for m in gateway.messages)


def test_across_the_spring_dst_change_each_reminder_states_the_local_time_of_its_visit(
    app, client, auth, reachable, clock, mail
):
    clock.at = datetime(2027, 3, 5, 12, 0, tzinfo=UTC)
    series = booked_series(client, auth, *reachable, earliest_date="2027-03-08")
    visits = series["appointments"][:6]
    assert {v["start"][-6:] for v in visits} == {"-06:00", "-05:00"}  # both sides of March 14

    clock.at = utc(visits[-1]["start"]) - timedelta(hours=1)
    for day in range(12):  # the dispatcher runs through the fortnight
        clock.at = datetime(2027, 3, 7 + day, 12, tzinfo=UTC)
        dispatch(app, clock)

    for visit in visits:
        [full] = [m for m in reminders_to(mail, visit) if "-2880-" in m["Message-ID"]]
        assert local_clock(visit["start"]) in full.get_body(("plain",)).get_content()
        assert local_clock(visit["start"]).endswith("CDT" if visit["start"].endswith("-05:00") else "CST")


def test_a_rescheduled_visit_is_reminded_only_at_its_new_time(app, client, auth, reachable, clock, mail):
    series = booked_series(client, auth, *reachable)
    third = series["appointments"][2]
    new_start = shifted(third["start"], hours=3)
    moved = post(
        client, auth, f"/api/v1/appointments/{third['id']}/reschedule", {"start": new_start, "cascade": "none"}
    )
    assert moved.status_code == 200

    for hours in range(0, 24 * 9, 2):
        clock.at = datetime(2026, 11, 20, 12, tzinfo=UTC) + timedelta(hours=hours)
        dispatch(app, clock)

    got = reminders_to(mail, third)
    assert sorted(m["Message-ID"].split("-")[3] for m in got) == ["120", "2880"]
    assert all(m["Message-ID"].endswith("-v2@clinic.test>") for m in got)
    bodies = " ".join(m.get_body(("plain",)).get_content() for m in got)
    assert local_clock(new_start) in bodies and local_clock(third["start"]) not in bodies


def test_a_cancelled_visit_is_never_reminded(app, client, auth, reachable, clock, mail):
    series = booked_series(client, auth, *reachable)
    second = series["appointments"][1]
    assert post(client, auth, f"/api/v1/appointments/{second['id']}/cancel", {"reason": "ill"}).status_code == 200

    while clock.at < utc(second["start"]):
        dispatch(app, clock)
        clock.advance(hours=1)

    assert reminders_to(mail, second) == []
    assert reminders_to(mail, series["appointments"][0])  # the others still are


def test_a_reminder_queued_for_an_older_version_is_dropped_at_send_time(app, client, auth, reachable, clock, mail):
    series = booked_series(client, auth, *reachable)
    first = series["appointments"][0]
    with UnitOfWork("test") as uow:  # a change made behind the outbox's back: the dispatcher still checks
        row = uow.session.get(orm.Appointment, first["id"])
        row.version += 1
        uow.commit()

    clock.at = utc(first["start"]) - timedelta(hours=1)
    outcomes = dispatch(app, clock)

    assert reminders_to(mail, first) == []
    assert outcomes["cancelled"] >= 2
    assert {r.status for r in outbox(appointment_id=first["id"], channel="email")} == {"cancelled"}


def test_while_the_smtp_server_is_down_reminders_are_retried_with_backoff_and_delivered_once_it_is_back(
    app, client, auth, reachable, clock, mail
):
    put_policy(client, auth, reachable[0], {"confirmation_email": False})
    series = booked_series(client, auth, *reachable)
    first = series["appointments"][0]
    clock.at = utc(first["start"]) - timedelta(hours=48)
    mail.down()

    dispatch(app, clock)
    [row] = outbox(appointment_id=first["id"], offset_minutes=2880, channel="email")
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 1, clock.at + timedelta(minutes=1))
    assert "not reachable" in row.last_error
    clock.advance(minutes=1)
    dispatch(app, clock)
    [row] = outbox(appointment_id=first["id"], offset_minutes=2880, channel="email")
    assert (row.attempts, row.next_attempt_at) == (2, clock.at + timedelta(minutes=2))  # the wait doubles
    mail.up()
    clock.advance(minutes=2)
    dispatch(app, clock)
    dispatch(app, clock)

    assert len([m for m in reminders_to(mail, first) if "-2880-" in m["Message-ID"]]) == 1
    [row] = outbox(appointment_id=first["id"], offset_minutes=2880, channel="email")
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, "")


def test_after_the_last_attempt_a_reminder_is_failed_and_listed_as_such(app, client, auth, reachable, clock, mail):
    app.config["REMINDER_MAX_ATTEMPTS"] = 3
    put_policy(client, auth, reachable[0], {"confirmation_email": False})
    series = booked_series(client, auth, *reachable)
    first = series["appointments"][0]
    clock.at = utc(first["start"]) - timedelta(hours=48)
    mail.down()
    try:
        for _ in range(4):
            dispatch(app, clock)
            clock.advance(hours=1)
    finally:
        app.config["REMINDER_MAX_ATTEMPTS"] = 8

    failed = client.get(
        f"/api/v1/reminders?appointment_id={first['id']}&status=failed&channel=email", headers=auth["front_desk"]
    )
    assert [(r["channel"], r["attempts"]) for r in failed.get_json()] == [("email", 3)]
    assert "not reachable" in failed.get_json()[0]["last_error"]


def test_a_gateway_that_refuses_a_message_fails_it_at_once_and_one_that_is_down_is_retried(
    app, client, auth, reachable, clock, gateway
):
    put_policy(client, auth, reachable[0], {"offsets": [{"minutes_before": 120}], "channels": ["sms"]})
    series = booked_series(client, auth, *reachable)
    first, second = series["appointments"][:2]
    clock.at = datetime(2026, 11, 22, 19, 30, tzinfo=CHICAGO).astimezone(UTC)  # Monday's 6:00 SMS, sent Sunday

    gateway.answer = 503
    dispatch(app, clock)
    [sms] = outbox(appointment_id=first["id"], channel="sms", offset_minutes=120)
    assert (sms.status, sms.attempts) == ("pending", 1)
    gateway.answer = 400
    clock.advance(minutes=1)
    dispatch(app, clock)

    [sms] = outbox(appointment_id=first["id"], channel="sms", offset_minutes=120)
    assert (sms.status, sms.attempts, sms.last_error) == ("failed", 2, "SMS gateway answered 400")
    assert [r.attempts for r in outbox(appointment_id=second["id"])] == [0]  # not due yet
    assert gateway.messages == []


def test_an_sms_the_dispatcher_reaches_late_at_night_waits_for_the_morning(
    app, client, auth, reachable, clock, gateway
):
    put_policy(client, auth, reachable[0], {"offsets": [{"minutes_before": 2880, "content": "full"}]})
    series = booked_series(client, auth, *reachable)
    second = series["appointments"][1]  # Wednesday 8:00: its SMS was due Monday 8:00
    clock.at = datetime(2026, 11, 23, 22, 0, tzinfo=CHICAGO).astimezone(UTC)  # the scheduler was down all day

    dispatch(app, clock)

    [sms] = outbox(appointment_id=second["id"], channel="sms")
    assert (sms.status, sms.next_attempt_at) == ("pending", datetime(2026, 11, 24, 8, 0, tzinfo=CHICAGO))
    assert not [m for m in gateway.messages if m["message_id"].startswith(f"<reminder-{second['id']}-")]


def test_the_confirmation_lists_every_session_and_a_feed_link_that_opens_the_patients_calendar(
    app, client, auth, reachable, clock, mail
):
    series = booked_series(client, auth, *reachable)

    dispatch(app, clock)

    [confirmation] = [m for m in mail.received() if m["Message-ID"].startswith(f"<confirmation-{series['id']}-")]
    text = confirmation.get_body(("plain",)).get_content()
    for visit in series["appointments"]:
        assert local_clock(visit["start"]) in text
    link = next(word for word in text.split() if word.startswith("http://127.0.0.1:5000/feeds/"))
    feed = client.get(link.removeprefix("http://127.0.0.1:5000").rstrip(")"))
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    assert "webcal://" in text
    [row] = outbox(kind="confirmation")
    assert (row.status, row.payload) == ("sent", {})  # the secret is not kept once sent


def test_the_front_desk_gets_the_next_open_days_board_once_in_the_afternoon(app, client, auth, reachable, clock, mail):
    clinic_id, _ = reachable
    put_policy(client, auth, clinic_id, {"front_desk_email": "desk@clinic.test", "board_send_at": "16:00"})
    series = booked_series(client, auth, *reachable)
    clock.at = datetime(2026, 11, 20, 15, 59, tzinfo=CHICAGO).astimezone(UTC)  # Friday, before 16:00
    with UnitOfWork("test") as uow:
        assert queue_boards(uow, clock.now()) == []
    clock.advance(minutes=2)
    with UnitOfWork("test") as uow:
        assert queue_boards(uow, clock.now()) == [clinic_id]
    with UnitOfWork("test") as uow:
        assert queue_boards(uow, clock.now()) == []  # once per day

    dispatch(app, clock)

    [board] = [m for m in mail.received() if m["To"] == "desk@clinic.test"]
    assert "Monday, November 23, 2026" in board["Subject"]  # the weekend is closed
    text = board.get_body(("plain",)).get_content()
    assert "Ada Lovelace" in text and local_clock(series["appointments"][0]["start"]) in text


def test_maintenance_booked_by_the_daily_job_gets_its_reminders(app, client, auth, reachable, clock):
    booked_series(client, auth, *reachable, maintenance_sessions=0)
    before = len(outbox(kind="reminder"))
    clock.at = datetime(2026, 12, 20, 12, tzinfo=UTC)

    with UnitOfWork("scheduler") as uow:
        added = extend_all(uow, clock.now())

    assert sum(n for n in added.values() if isinstance(n, int)) > 0
    assert len(outbox(kind="reminder", status="pending")) > 0
    assert len(outbox(kind="reminder")) > before


def test_the_purge_removes_old_settled_rows_and_keeps_pending_ones(app, client, auth, reachable, clock, mail):
    booked_series(client, auth, *reachable)
    dispatch(app, clock)  # the confirmation goes out
    pending = len(outbox(status="pending"))

    with UnitOfWork("scheduler") as uow:
        removed = purge_outbox(uow, clock.now() + timedelta(seconds=1))

    assert removed == 1
    assert outbox(status="sent") == [] and len(outbox(status="pending")) == pending


def test_dispatchers_running_at_once_send_each_message_once(app, client, auth, houston, clock, mail):
    clinic_id, _ = houston
    put_policy(client, auth, clinic_id, {"offsets": [{"minutes_before": 86400}], "confirmation_email": False})
    for name in ("Ann", "Bob", "Cy", "Di"):
        patient = client.post(
            "/api/v1/patients",
            json={"given_name": name, "family_name": "Race", "email": f"{name}@x.test", "reminder_channels": ["email"]},
            headers=auth["front_desk"],
        ).get_json()
        booked_series(client, auth, clinic_id, patient["id"], maintenance_sessions=0)
    due = len(outbox(status="pending"))
    assert due == 24

    def one_dispatcher() -> None:
        with app.app_context():
            dispatch_due(Delivery.from_config(app.config), clock.now)
            db.session.remove()

    threads = [threading.Thread(target=one_dispatcher) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    ids = [m["Message-ID"] for m in mail.received()]
    assert len(ids) == len(set(ids)) == due
    assert {r.status for r in outbox()} == {"sent"}


def test_a_pass_sends_its_emails_over_one_connection_and_closes_it_at_the_end(
    app, client, auth, reachable, clock, mail
):
    series = booked_series(client, auth, *reachable)
    clock.at = utc(series["appointments"][0]["start"]) - timedelta(hours=48)

    sent = dispatch(app, clock)["sent"]

    assert sent >= 2  # the confirmation and the first visit's reminder, at least
    assert len(mail.received()) == sent
    assert len(set(mail.peers)) == 1
    assert mail.goodbyes == 1
