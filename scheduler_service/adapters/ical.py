"""iCalendar writer: one calendar of plain events, in the form every client reads the same way.

Times are written in UTC (`...Z`): Thunderbird's ical.js and vobject misread the VTIMEZONE that
icalendar generates (long RDATE lists shift summer times by an hour), and a one-off appointment
needs no recurrence rules, so no VTIMEZONE is needed at all. DTSTAMP and LAST-MODIFIED are the
event's last change, never "now", so the body stays byte-identical until something changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event, vDuration

PRODID = "-//Infusion scheduling service//EN"
REFRESH = timedelta(hours=1)


@dataclass(frozen=True)
class FeedEvent:
    uid: str
    sequence: int
    start: datetime
    end: datetime
    summary: str
    location: str
    description: str
    cancelled: bool
    last_modified: datetime


def render_calendar(name: str, events: Iterable[FeedEvent], *, feed: bool = True) -> bytes:
    """A VCALENDAR (CRLF, folded lines); `feed` adds the subscription hints, a single attachment has none."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if feed:
        calendar.add("name", name)
        calendar.add("x-wr-calname", name)
        calendar.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", vDuration(REFRESH))
    for event in events:
        calendar.add_component(_vevent(event))
    return calendar.to_ical()


def _vevent(event: FeedEvent) -> Event:
    vevent = Event()
    changed = _utc(event.last_modified)
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", changed)
    vevent.add("last-modified", changed)
    vevent.add("sequence", event.sequence)
    vevent.add("dtstart", _utc(event.start))
    vevent.add("dtend", _utc(event.end))
    vevent.add("summary", event.summary)
    if event.location:
        vevent.add("location", event.location)
    if event.description:
        vevent.add("description", event.description)
    vevent.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    vevent.add("transp", "OPAQUE")
    return vevent


def _utc(moment: datetime) -> datetime:
    # Whole seconds: a microsecond has no place in iCalendar and would differ between parsers.
    return moment.astimezone(UTC).replace(microsecond=0)
