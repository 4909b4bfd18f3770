"""What the messages say: local times with the zone's name, relative days, escaped HTML, stable Message-IDs."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from scheduler_service.reminders.messages import (
    Letter,
    Visit,
    message_id,
    relative_day,
    reminder_email,
    reminder_sms,
    when,
)

CHICAGO = ZoneInfo("America/Chicago")
START = datetime(2027, 3, 16, 9, 0, tzinfo=CHICAGO)


def letter(name: str = "Ada") -> Letter:
    return Letter(
        name, "Houston Clinic", "1 Main St", "Care <care@clinic.test>", "<reminder-1-email-2880-v1@clinic.test>"
    )


def visit(day: str = "on Tue Mar 16") -> Visit:
    return Visit(START, START.replace(hour=10, minute=40), "Appointment", "session 3 of 6", day)


def test_times_are_written_in_the_clinics_zone_with_its_abbreviation():
    assert when(START) == "Tuesday, March 16, 2027 at 9:00 AM CDT"
    assert when(datetime(2027, 3, 12, 13, 5, tzinfo=CHICAGO)) == "Friday, March 12, 2027 at 1:05 PM CST"


def test_the_day_is_named_as_the_reader_sees_it_when_the_message_is_written():
    assert relative_day(START, datetime(2027, 3, 16, 7, 0, tzinfo=CHICAGO)) == "today"
    assert relative_day(START, datetime(2027, 3, 15, 19, 30, tzinfo=CHICAGO)) == "tomorrow"
    assert relative_day(START, datetime(2027, 3, 14, 9, 0, tzinfo=CHICAGO)) == "on Tue Mar 16"


def test_the_message_id_comes_from_the_outbox_key_and_the_senders_domain():
    assert message_id("reminder-7-sms-120-v2", "Care <care@clinic.test>") == "<reminder-7-sms-120-v2@clinic.test>"


def test_a_name_with_markup_is_escaped_in_the_html_part_and_kept_as_text_in_the_plain_part():
    message = reminder_email(
        letter("<script>alert(1)</script>"), "ada@x.test", visit(), "full", "Fast 6 h & bring a driver", "Call us.", b""
    )

    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "Fast 6 h &amp; bring a driver" in html
    assert "<script>alert(1)</script>" in message.get_body(("plain",)).get_content()


def test_an_sms_names_the_clinic_and_time_but_never_the_treatment():
    text = reminder_sms(letter(), visit("tomorrow"), "full", "Call us.")

    assert text.startswith("Houston Clinic: reminder of your appointment Tue Mar 16 at 9:00 AM CDT")
    assert "ketamine" not in text.lower()
    assert reminder_sms(letter(), visit("tomorrow"), "short", "").startswith(
        "Houston Clinic: we expect you tomorrow at 9:00 AM CDT"
    )
