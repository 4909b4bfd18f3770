"""What the messages say: plain text and HTML e-mails, and SMS texts, from templates beside this file.

Times are written in the clinic's zone with its abbreviation (9:00 AM CST), because that is where
the patient has to be. Subjects and SMS texts name the clinic, never the drug or the diagnosis:
they show on lock screens. The e-mail body carries the preparation instructions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class Visit:
    start: datetime  # in the clinic's zone
    end: datetime
    what: str  # "Appointment", or the protocol's name where the clinic allows it
    number: str  # "session 3 of 6", "maintenance 2"
    day: str  # "today", "tomorrow" or "on Mon Nov 23", as seen when the message is written
    status: str = "booked"


@dataclass(frozen=True)
class Letter:
    """Who writes to whom."""

    patient_name: str
    clinic_name: str
    clinic_address: str
    sender: str  # MAIL_FROM
    message_id: str  # the outbox row's dedupe key: the same on every resend


def when(moment: datetime) -> str:
    """ "Tuesday, March 16, 2027 at 9:00 AM CDT" (no zero-padded hour, whatever the platform)."""
    return f"{moment:%A, %B} {moment.day}, {moment.year} at {clock(moment)}"


def clock(moment: datetime) -> str:
    return f"{moment.hour % 12 or 12}:{moment:%M} {'AM' if moment.hour < 12 else 'PM'} {moment.tzname()}"


def short_day(moment: datetime) -> str:
    return f"{moment:%a %b} {moment.day}"


def relative_day(moment: datetime, now: datetime) -> str:
    """How a patient reading the message now would name the visit's day: a short reminder sent the
    evening before (out of SMS quiet hours) must say "tomorrow", not "today"."""
    days = (moment.date() - now.astimezone(moment.tzinfo).date()).days
    return {0: "today", 1: "tomorrow"}.get(days, f"on {short_day(moment)}")


def long_day(day: date) -> str:
    return f"{day:%A, %B} {day.day}, {day.year}"


_templates.filters.update(when=when, clock=clock, short_day=short_day, long_day=long_day)


def message_id(key: str, sender: str) -> str:
    domain = parseaddr(sender)[1].rpartition("@")[2] or "infusion-scheduler"
    return f"<{key}@{domain}>"


def reminder_email(
    letter: Letter, to: str, visit: Visit, content: str, instructions: str, confirmation_line: str, ics: bytes
) -> EmailMessage:
    subject = (
        f"Reminder: your appointment at {letter.clinic_name} on {when(visit.start)}"
        if content == "full"
        else f"{visit.day.capitalize()} at {clock(visit.start)}: your appointment at {letter.clinic_name}"
    )
    context = {"letter": letter, "visit": visit, "instructions": instructions, "confirmation_line": confirmation_line}
    message = _email(letter, to, subject, f"reminder_{content}", context)
    message.add_attachment(ics, maintype="text", subtype="calendar", filename="appointment.ics")
    return message


def reminder_sms(letter: Letter, visit: Visit, content: str, confirmation_line: str) -> str:
    return _templates.get_template(f"reminder_{content}.sms").render(
        letter=letter, visit=visit, confirmation_line=confirmation_line
    )


def confirmation_email(
    letter: Letter, to: str, visits: list[Visit], instructions: str, confirmation_line: str, feed_url: str | None
) -> EmailMessage:
    first = visits[0].start if visits else None
    subject = f"Your appointments at {letter.clinic_name}" + (f", from {short_day(first)}" if first else "")
    webcal = "webcal://" + feed_url.split("://", 1)[1] if feed_url else None
    context = {
        "letter": letter,
        "visits": visits,
        "instructions": instructions,
        "confirmation_line": confirmation_line,
        "feed_url": feed_url,
        "webcal_url": webcal,
    }
    return _email(letter, to, subject, "confirmation", context)


def board_email(letter: Letter, to: str, day: date, rows: list[dict[str, Any]]) -> EmailMessage:
    """The front desk's list of one day: time, chair, patient, protocol and session, in start order."""
    subject = f"{letter.clinic_name}: the board for {long_day(day)} ({len(rows)} appointments)"
    return _email(letter, to, subject, "board", {"letter": letter, "day": day, "rows": rows})


def _email(letter: Letter, to: str, subject: str, template: str, context: dict[str, Any]) -> EmailMessage:
    message = EmailMessage()
    message["From"] = letter.sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = letter.message_id
    message["Date"] = format_datetime(datetime.now().astimezone())
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a reminder
    message.set_content(_templates.get_template(f"{template}.txt").render(**context))
    message.add_alternative(_templates.get_template(f"{template}.html").render(**context), subtype="html")
    return message
