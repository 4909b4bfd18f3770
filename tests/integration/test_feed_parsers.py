"""Every feed reads the same in the parsers real calendar clients use, across every DST change.

Four independent parsers read each feed: Mozilla's ical.js (Thunderbird) under node, libical
(Evolution) through Debian's PyGObject, vobject (Radicale) and icalendar. For clinics in
America/Chicago, America/Phoenix (no DST), Europe/London and Australia/Sydney, consults are booked
on the two days before each DST change of the coming year, on the day of the change (after it) and
on the day after (for Phoenix, around the changes of its neighbour America/Denver, to show nothing
moves there), at the first and the last hour of the day; one is cancelled and one is moved across
the change. Every parser must place every event at exactly the instant the API reports (UTC epoch
seconds), with the API's UID, SEQUENCE, STATUS and SUMMARY, and libical must attach no X-LIC-ERROR.
The patient feed, the clinic's staff feed and the single-event download are all read this way; the
body must have CRLF line ends, lines folded at 75 octets and no METHOD.

The parsers are installed by `make ical-clients` (a prerequisite of `make test`). In CI (CI=true)
a missing parser fails the test; elsewhere the parsers present are checked and the test then skips,
naming the missing ones.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from .builders import clinic_body, create, patient_body

CLIENTS = Path(__file__).resolve().parent.parent / "ical_clients"
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's: a virtual environment cannot import gi
IN_CI = os.environ.get("CI", "").lower() == "true"
INSTALL_HINT = "install the parsers with `make ical-clients`"

ALL_WEEK = {day: [["08:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
# Long, non-ASCII name and address: SUMMARY and LOCATION fold, and must unfold to the same text everywhere.
CLINIC_NAME = "Clínica São João — Zürich Ketamine & Wellness Centre — Ærø Øresund ñandú"
ADDRESS = "Suite 4, 1200 Main Street — Floor 2, Building “Østergård”, 77002 Springfield, Überland"
# Phoenix keeps MST all year; book it around the changes of the zone it does not follow.
DST_REFERENCE = {"America/Phoenix": "America/Denver"}
ZONES = ["America/Chicago", "America/Phoenix", "Europe/London", "Australia/Sydney"]
HOURS = (time(8, 0), time(16, 0))  # a 45-minute consult fits the day at both ends


# --- the parsers --------------------------------------------------------------------------------

Events = dict[str, dict]  # uid -> {sequence, status, summary, start, end, start_zone, end_zone}


@dataclass(frozen=True)
class Parsed:
    events: Events
    errors: list[str]  # the X-LIC-ERROR properties libical attached (the other parsers raise instead)


def _run(command: list[str], body: bytes) -> dict:
    done = subprocess.run(command, input=body, capture_output=True, timeout=120, env=_plain_env())
    assert done.returncode == 0, f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr.decode()}"
    return json.loads(done.stdout)


def _plain_env() -> dict[str, str]:
    """The environment less the virtualenv's Python settings, so Debian's Python finds its own gi."""
    return {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}}


def _by_uid(events: list[dict]) -> Events:
    found: Events = {}
    for event in events:
        assert event["uid"] not in found, f"UID {event['uid']} appears twice"
        found[event["uid"]] = event
    return found


def icaljs(body: bytes) -> Parsed:
    result = _run([shutil.which("node") or "node", str(CLIENTS / "icaljs_events.mjs")], body)
    return Parsed(_by_uid(result["events"]), [])


def libical(body: bytes) -> Parsed:
    result = _run([SYSTEM_PYTHON, "-I", str(CLIENTS / "libical_events.py")], body)
    return Parsed(_by_uid(result["events"]), result["x_lic_errors"])


def _epoch(moment: object) -> tuple[int | None, str]:
    """UTC epoch seconds of a parsed DTSTART/DTEND, and its zone; a floating time has no instant."""
    if not isinstance(moment, datetime):
        return None, f"not a date-time: {moment!r}"
    if moment.tzinfo is None or moment.utcoffset() is None:
        return None, "floating"
    return int(moment.timestamp()), str(moment.tzinfo)


def vobject_reader(body: bytes) -> Parsed:
    import vobject

    calendar = vobject.readOne(body.decode("utf-8"))
    events = []
    for vevent in calendar.contents.get("vevent", []):
        start = vevent.dtstart.value
        end = vevent.dtend.value if "dtend" in vevent.contents else start + vevent.duration.value
        (start_epoch, start_zone), (end_epoch, end_zone) = _epoch(start), _epoch(end)
        events.append(
            {
                "uid": vevent.uid.value,
                "sequence": int(vevent.sequence.value) if "sequence" in vevent.contents else 0,
                "status": vevent.status.value if "status" in vevent.contents else None,
                "summary": vevent.summary.value,
                "start": start_epoch,
                "end": end_epoch,
                "start_zone": start_zone,
                "end_zone": end_zone,
            }
        )
    return Parsed(_by_uid(events), [])


def icalendar_reader(body: bytes) -> Parsed:
    from icalendar import Calendar

    events = []
    for vevent in Calendar.from_ical(body).walk("VEVENT"):
        start = vevent.decoded("DTSTART")
        end = vevent.decoded("DTEND") if "DTEND" in vevent else start + vevent.decoded("DURATION")
        (start_epoch, start_zone), (end_epoch, end_zone) = _epoch(start), _epoch(end)
        events.append(
            {
                "uid": str(vevent["UID"]),
                "sequence": int(vevent.get("SEQUENCE", 0)),
                "status": str(vevent["STATUS"]) if "STATUS" in vevent else None,
                "summary": str(vevent["SUMMARY"]),
                "start": start_epoch,
                "end": end_epoch,
                "start_zone": start_zone,
                "end_zone": end_zone,
            }
        )
    return Parsed(_by_uid(events), [])


def _icaljs_missing() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed"
    if not (CLIENTS / "node_modules" / "ical.js" / "package.json").is_file():
        return f"ical.js is not installed in {CLIENTS / 'node_modules'}"
    return None


def _libical_missing() -> str | None:
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        return f"{SYSTEM_PYTHON} is missing"
    probe = 'import gi; gi.require_version("ICalGLib", "3.0"); from gi.repository import ICalGLib'
    done = subprocess.run([SYSTEM_PYTHON, "-I", "-c", probe], capture_output=True, timeout=60, env=_plain_env())
    if done.returncode != 0:
        last = (done.stderr.decode().strip().splitlines() or ["?"])[-1]
        return f"{SYSTEM_PYTHON} cannot load ICalGLib 3.0 (python3-gi, gir1.2-ical-3.0): {last}"
    return None


def _module_missing(name: str) -> Callable[[], str | None]:
    def missing() -> str | None:
        try:
            __import__(name)
        except ImportError as error:
            return f"{name} is not importable: {error}"
        return None

    return missing


PARSERS: dict[str, tuple[Callable[[bytes], Parsed], Callable[[], str | None]]] = {
    "ical.js": (icaljs, _icaljs_missing),
    "libical": (libical, _libical_missing),
    "vobject": (vobject_reader, _module_missing("vobject")),
    "icalendar": (icalendar_reader, _module_missing("icalendar")),
}


@pytest.fixture(scope="session")
def parsers() -> tuple[dict[str, Callable[[bytes], Parsed]], dict[str, str]]:
    """(the parsers present, why each missing one is missing); in CI a missing parser is a failure."""
    present, missing = {}, {}
    for name, (parse, why_missing) in PARSERS.items():
        reason = why_missing()
        if reason is None:
            present[name] = parse
        else:
            missing[name] = reason
    if missing and IN_CI:
        pytest.fail(
            "iCalendar parsers required in CI are missing: " + "; ".join(f"{k}: {v}" for k, v in missing.items())
        )
    return present, missing


def _skip_for_missing(missing: dict[str, str]) -> None:
    if missing:
        pytest.skip("not checked with " + "; ".join(f"{k} ({v})" for k, v in missing.items()) + f" — {INSTALL_HINT}")


# --- the scene: consults on both sides of every DST change ---------------------------------------


def dst_changes(zone: str, after: date, days: int = 366) -> list[date]:
    """Days on whose early morning the UTC offset of `zone` changes, within `days` after `after`."""
    tz = ZoneInfo(zone)
    changes, previous = [], datetime.combine(after, time(12), tz).utcoffset()
    for n in range(1, days + 1):
        day = after + timedelta(days=n)
        offset = datetime.combine(day, time(12), tz).utcoffset()
        if offset != previous:
            changes.append(day)
        previous = offset
    return changes


@dataclass
class Scene:
    clinic_id: int
    patient_id: int
    zone: str
    changes: list[date]
    intended: dict[int, datetime]  # appointment id -> the local start that was asked for


def book_consult(client, auth, scene_ids: tuple[int, int, int], start: datetime) -> int:
    clinic_id, patient_id, chair_id = scene_ids
    body = {
        "patient_id": patient_id,
        "clinic_id": clinic_id,
        "protocol_key": "consult",
        "sessions": [{"start": start.isoformat(), "chair_id": chair_id}],
    }
    response = client.post("/api/v1/series", json=body, headers=auth["front_desk"])
    assert response.status_code == 201, (start.isoformat(), response.get_json())
    return response.get_json()["appointments"][0]["id"]


def dst_scene(client, auth, clock, zone: str) -> Scene:
    """A clinic in `zone` open every day 8–17, with consults from two days before each change to the day after."""
    tz = ZoneInfo(zone)
    today = clock.now().astimezone(tz).date()
    changes = dst_changes(DST_REFERENCE.get(zone, zone), today)
    assert len(changes) == 2, (zone, changes)  # one spring, one autumn change in the coming year
    if zone in DST_REFERENCE:  # and none in the clinic's own zone
        assert dst_changes(zone, today) == [], zone
    clinic = create(
        client,
        "/api/v1/clinics",
        clinic_body(name=CLINIC_NAME, timezone=zone, address=ADDRESS, opening_hours=ALL_WEEK, holiday_country=None),
        auth["admin"],
    )
    chair = create(
        client, f"/api/v1/clinics/{clinic['id']}/chairs", {"name": "Consult room", "tags": ["consult"]}, auth["admin"]
    )
    patient = create(client, "/api/v1/patients", patient_body(), auth["front_desk"])
    ids = (clinic["id"], patient["id"], chair["id"])
    intended = {}
    for change in changes:
        for day in (change - timedelta(days=2), change - timedelta(days=1), change, change + timedelta(days=1)):
            for hour in HOURS:
                start = datetime.combine(day, hour, tz)
                intended[book_consult(client, auth, ids, start)] = start
    return Scene(clinic["id"], patient["id"], zone, changes, intended)


def cancel_one_and_move_one_across_the_change(client, auth, scene: Scene) -> None:
    """STATUS:CANCELLED with a bumped SEQUENCE, and a time moved from before the change to after it."""
    tz = ZoneInfo(scene.zone)
    by_start = {start: appointment_id for appointment_id, start in scene.intended.items()}
    change = scene.changes[0]
    cancelled = by_start[datetime.combine(change, HOURS[1], tz)]
    response = client.post(
        f"/api/v1/appointments/{cancelled}/cancel", json={"reason": "flu"}, headers=auth["front_desk"]
    )
    assert response.status_code == 200, response.get_json()
    moved = by_start[datetime.combine(change - timedelta(days=2), HOURS[0], tz)]
    new_start = datetime.combine(change + timedelta(days=1), time(12, 0), tz)
    response = client.post(
        f"/api/v1/appointments/{moved}/reschedule", json={"start": new_start.isoformat()}, headers=auth["front_desk"]
    )
    assert response.status_code == 200, response.get_json()
    scene.intended[moved] = new_start


def reported(client, auth, scene: Scene) -> Events:
    """What the API says about each appointment, keyed by the UID the feed gives it."""
    expected: Events = {}
    for appointment_id, intended_start in scene.intended.items():
        response = client.get(f"/api/v1/appointments/{appointment_id}", headers=auth["front_desk"])
        assert response.status_code == 200, response.get_json()
        appointment = response.get_json()
        start, end = datetime.fromisoformat(appointment["start"]), datetime.fromisoformat(appointment["end"])
        # The API keeps the local wall time that was asked for, on either side of the change.
        assert start == intended_start, (appointment_id, appointment["start"], intended_start.isoformat())
        expected[f"appointment-{appointment_id}@infusion-scheduler"] = {
            "sequence": appointment["version"],
            "status": "CANCELLED" if appointment["status"] == "cancelled" else "CONFIRMED",
            "start": int(start.timestamp()),
            "end": int(end.timestamp()),
            "local": start.astimezone(ZoneInfo(scene.zone)).isoformat(),
        }
    return expected


# --- the checks -----------------------------------------------------------------------------------


def assert_well_formed(body: bytes) -> None:
    """CRLF line ends only, physical lines of at most 75 octets, no METHOD (RFC 5545 §3.1; RFC 7986 feeds)."""
    assert body.endswith(b"\r\n"), body[-40:]
    assert body.count(b"\n") == body.count(b"\r\n"), "a line ends in a bare LF"
    assert b"\r" not in body.replace(b"\r\n", b""), "a bare CR"
    lines = body.removesuffix(b"\r\n").split(b"\r\n")
    too_long = [(len(line), line[:40]) for line in lines if len(line) > 75]
    assert not too_long, f"lines over 75 octets: {too_long}"
    unfolded = body.replace(b"\r\n ", b"").replace(b"\r\n\t", b"").split(b"\r\n")
    assert not [line for line in unfolded if line.upper().startswith((b"METHOD:", b"METHOD;"))], "a feed has no METHOD"


def disagreements(name: str, parsed: Parsed, expected: Events, summary: str) -> list[str]:
    """Every way in which one parser's reading differs from what the API reports."""
    problems = [f"{name}: X-LIC-ERROR {error}" for error in parsed.errors]
    if set(parsed.events) != set(expected):
        problems.append(
            f"{name}: UIDs differ: missing {sorted(set(expected) - set(parsed.events))}, "
            f"extra {sorted(set(parsed.events) - set(expected))}"
        )
    for uid in sorted(set(parsed.events) & set(expected)):
        got, want = parsed.events[uid], expected[uid]
        for field in ("start", "end"):
            if got[field] != want[field]:
                shift = "" if got[field] is None else f", off by {got[field] - want[field]:+d} s"
                problems.append(
                    f"{name}: {uid} (local {want['local']}) {field} {got[field]} != {want[field]}"
                    f" (zone {got[f'{field}_zone']}{shift})"
                )
        for field in ("sequence", "status"):
            if got[field] != want[field]:
                problems.append(f"{name}: {uid} {field.upper()} {got[field]!r} != {want[field]!r}")
        if got["summary"] != summary:
            problems.append(f"{name}: {uid} SUMMARY {got['summary']!r} != {summary!r}")
    return problems


def assert_every_parser_agrees(parsers, body: bytes, expected: Events, summary: str) -> None:
    present, _ = parsers
    problems = [p for name, parse in present.items() for p in disagreements(name, parse(body), expected, summary)]
    assert not problems, "parsers disagree with the API:\n" + "\n".join(problems)


def feed_path(url: str) -> str:
    return "/feeds/" + url.rsplit("/feeds/", 1)[1]


# --- the tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize("zone", ZONES)
def test_every_parser_reads_every_patient_feed_event_at_the_instant_the_api_reports(client, auth, clock, parsers, zone):
    scene = dst_scene(client, auth, clock, zone)
    cancel_one_and_move_one_across_the_change(client, auth, scene)
    issued = client.post(
        f"/api/v1/patients/{scene.patient_id}/feed-tokens", json={"label": "phone"}, headers=auth["front_desk"]
    )
    assert issued.status_code == 201, issued.get_json()

    response = client.get(feed_path(issued.get_json()["url"]))

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert_well_formed(response.data)
    expected = reported(client, auth, scene)
    assert len(expected) == 16 and {e["status"] for e in expected.values()} == {"CONFIRMED", "CANCELLED"}
    assert_every_parser_agrees(parsers, response.data, expected, f"Appointment — {CLINIC_NAME}")
    _skip_for_missing(parsers[1])


@pytest.mark.parametrize("zone", ZONES)
def test_every_parser_reads_the_staff_feed_and_the_single_event_download_alike(client, auth, clock, parsers, zone):
    scene = dst_scene(client, auth, clock, zone)
    issued = client.post(f"/api/v1/clinics/{scene.clinic_id}/feed-tokens", json={}, headers=auth["admin"])
    assert issued.status_code == 201, issued.get_json()
    expected = reported(client, auth, scene)

    staff = client.get(feed_path(issued.get_json()["url"]))
    # The last consult before the first change and the first one after it, as e-mail attachments.
    tz = ZoneInfo(zone)
    change = scene.changes[0]
    either_side = [
        appointment_id
        for appointment_id, start in scene.intended.items()
        if start in {datetime.combine(change - timedelta(days=1), HOURS[1], tz), datetime.combine(change, HOURS[0], tz)}
    ]
    downloads = {
        i: client.get(f"/api/v1/appointments/{i}.ics", headers=auth["front_desk"]) for i in sorted(either_side)
    }

    assert staff.status_code == 200
    assert_well_formed(staff.data)
    assert_every_parser_agrees(parsers, staff.data, expected, "A.L. — Consult room")
    assert len(downloads) == 2
    for appointment_id, download in downloads.items():
        assert download.status_code == 200
        assert_well_formed(download.data)
        uid = f"appointment-{appointment_id}@infusion-scheduler"
        assert_every_parser_agrees(parsers, download.data, {uid: expected[uid]}, f"Appointment — {CLINIC_NAME}")
    _skip_for_missing(parsers[1])


def test_the_checks_catch_a_vtimezone_that_clients_misread(parsers):
    """The harness is not vacuous: icalendar's RDATE-list VTIMEZONE puts summer times an hour late in
    ical.js and vobject (why the feeds are written in UTC), while libical and icalendar read it right."""
    present, missing = parsers
    from icalendar import Calendar, Event, Timezone

    zone = ZoneInfo("America/Chicago")
    calendar = Calendar()
    calendar.add("prodid", "-//test//EN")
    calendar.add("version", "2.0")
    calendar.add_component(Timezone.from_tzid("America/Chicago"))
    expected: Events = {}
    for n, day in enumerate((date(2027, 1, 15), date(2027, 7, 15))):
        start = datetime.combine(day, time(10), zone)
        event = Event()
        event.add("uid", f"e{n}")
        event.add("dtstamp", datetime(2026, 1, 1, tzinfo=UTC))
        event.add("dtstart", start)
        event.add("dtend", start + timedelta(hours=1))
        event.add("summary", "x")
        event.add("status", "CONFIRMED")
        calendar.add_component(event)
        end = int(start.timestamp()) + 3600
        expected[f"e{n}"] = {"sequence": 0, "status": "CONFIRMED", "start": end - 3600, "end": end, "local": str(start)}
    body = calendar.to_ical()

    problems = {name: disagreements(name, parse(body), expected, "x") for name, parse in present.items()}

    summer_late = "e1 (local 2027-07-15 10:00:00-05:00) start 1815667200 != 1815663600"
    for name in {"ical.js", "vobject"} & set(present):
        assert len(problems[name]) == 2 and summer_late in problems[name][0], problems[name]
    for name in {"libical", "icalendar"} & set(present):
        assert problems[name] == [], problems[name]
    _skip_for_missing(missing)
