"""What the series and appointment pages show: a course with names instead of ids, its reminders, its history."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from ..domain.clinic import parse_zone
from ..domain.days import wall_time
from ..domain.errors import Conflict, InvalidValue
from ..domain.series import next_status
from ..services import board, clinics, patients, protocols, reminders, visits
from ..services.paging import Page
from ..services.unit_of_work import UnitOfWork

EVERYTHING = Page(1, 1000)  # a course has tens of rows, not thousands: one page holds them all
ACTIONS = ("check_in", "complete", "no_show", "cancel", "reschedule")
STATUS_WORDS = {
    "booked": "booked",
    "checked_in": "checked in",
    "completed": "completed",
    "cancelled": "cancelled",
    "no_show": "no-show",
    "active": "active",
}
ACTION_WORDS = {
    "book": "booked",
    "reschedule": "moved",
    "check_in": "checked in",
    "complete": "completed",
    "no_show": "marked a no-show",
    "cancel": "cancelled",
    "extend": "added",
}


def course(uow: UnitOfWork, series_id: int) -> dict[str, Any]:
    """The series with its patient, protocol, clinic and chairs by name; each session labelled "3/6"."""
    series = visits.get_series(uow, series_id)
    clinic = clinics.get_clinic(uow, series["clinic_id"])
    chairs = clinics.list_chairs(uow, clinic["id"], EVERYTHING)[0]
    names = {c["id"]: c["name"] for c in chairs}
    protocol = protocols.find_protocol(uow, protocol_id=series["protocol_id"])
    finite = protocols.to_domain(protocol).finite_sessions
    for session in series["appointments"]:
        session["label"] = session_label(session["index"], finite)
        session["chair_name"] = names.get(session["chair_id"], f"chair {session['chair_id']}")
    return {
        "series": series,
        "sessions": series["appointments"],
        "clinic": clinic,
        "zone": parse_zone(clinic["timezone"]),
        "chairs": [c for c in chairs if c["active"]],
        "chair_names": names,
        "patient": patients.get_patient(uow, series["patient_id"]),
        "protocol_name": protocol.name,
    }


def session_label(index: int, finite: int) -> str:
    return f"{index}/{finite}" if index <= finite else f"maintenance {index - finite}"


def allowed_actions(appointment: dict[str, Any], now: datetime) -> set[str]:
    """The transitions the appointment's state machine allows at this moment."""
    allowed = set()
    for action in ACTIONS:
        try:
            next_status(appointment["status"], action, appointment["start"], now)
        except Conflict:
            continue
        allowed.add(action)
    return allowed


def reminders_by_session(uow: UnitOfWork, series_id: int, sender: str) -> dict[int | None, list[dict[str, Any]]]:
    """Each session's reminders (key None: the messages about the whole series, e.g. the confirmation)."""
    grouped: dict[int | None, list[dict[str, Any]]] = {}
    for reminder in reminders.list_reminders(uow, {"series_id": series_id}, EVERYTHING, sender)[0]:
        grouped.setdefault(reminder["appointment_id"], []).append(reminder)
    return grouped


def history(uow: UnitOfWork, view: dict[str, Any]) -> list[dict[str, Any]]:
    """The audit trail of the series and of each of its sessions, oldest first, with what changed."""
    labels = {str(s["id"]): f"Session {s['label']}" for s in view["sessions"]}
    records = board.audit_trail(uow, "series", str(view["series"]["id"]), EVERYTHING)[0]
    for appointment_id in labels:
        records += board.audit_trail(uow, "appointment", appointment_id, EVERYTHING)[0]
    return [
        {
            **record,
            "at": record["at"].astimezone(view["zone"]),
            "who": who(record["actor"]),
            "what": labels.get(record["entity_id"], "Series") if record["entity"] == "appointment" else "Series",
            "action_words": ACTION_WORDS.get(record["action"], record["action"].replace("_", " ")),
            "changes": changes(record["before"], record["after"], view),
        }
        for record in sorted(records, key=lambda r: r["id"])
    ]


def who(actor: str) -> str:
    """ "user:3 <front_desk@clinic.test> web" reads as the e-mail and where it came from."""
    if "<" in actor and ">" in actor:
        email, _, rest = actor.partition("<")[2].partition(">")
        return f"{email} ({'pages' if rest.strip() == 'web' else 'API'})"
    return actor


def changes(before: dict[str, Any] | None, after: dict[str, Any] | None, view: dict[str, Any]) -> list[str]:
    """Before → after in words for the fields people care about: time, chair, status, reason."""
    before, after = before or {}, after or {}
    said = []
    for key, word in (("start", "time"), ("chair_id", "chair"), ("status", "status"), ("version", "version")):
        old, new = before.get(key), after.get(key)
        if new is None or old == new:
            continue
        now_shown = _shown(key, new, view)
        said.append(f"{word}: {_shown(key, old, view)} → {now_shown}" if old is not None else f"{word}: {now_shown}")
    reason = after.get("reason") or after.get("status_reason")
    if reason and reason != before.get("status_reason"):
        said.append(f"reason: {reason}")
    return said


def _shown(key: str, value: Any, view: dict[str, Any]) -> str:
    if key == "start":
        return when(datetime.fromisoformat(value).astimezone(view["zone"]))
    if key == "chair_id":
        return str(view["chair_names"].get(value, value))
    if key == "status":
        return STATUS_WORDS.get(value, str(value))
    return str(value)


def when(moment: datetime) -> str:
    """ "Mon Dec 7, 2026 10:00" — the way a front desk reads a time, in the zone it was given in."""
    return f"{moment.strftime('%a %b')} {moment.day}, {moment.year} {moment.strftime('%H:%M')}"


def short(moment: datetime) -> str:
    """ "Mon Dec 7 10:00": for the many small times of a reminder list."""
    return f"{moment.strftime('%a %b')} {moment.day} {moment.strftime('%H:%M')}"


def local_start(day: str, at: str, zone: ZoneInfo) -> datetime:
    """The date and time typed at the desk, in the clinic's zone; InvalidValue("start") when unreadable, out of
    range, or a time the clocks skip or show twice on a DST day (the page shows "start" below both fields)."""
    try:
        typed_day, typed_time = date.fromisoformat(day), time.fromisoformat(at)
    except ValueError:
        raise InvalidValue("start", "give the new date (YYYY-MM-DD) and time (HH:MM)") from None
    return wall_time(typed_day, typed_time, zone, "start")
