"""Read an iCalendar body with libical (Evolution's parser) and print each VEVENT as JSON.

Run with Debian's own interpreter, which has PyGObject and the ICalGLib 3.0 typelib
(`apt-get install python3-gi gir1.2-ical-3.0`; a virtual environment cannot import gi):

    /usr/bin/python3 tests/ical_clients/libical_events.py feed.ics   # or the body on stdin

Prints {"parser", "events": [{uid, sequence, status, summary, start, end, start_zone, end_zone}],
"x_lic_errors": [...]}: start and end are UTC epoch seconds, resolved by libical itself through the
VTIMEZONE the TZID names (a TZID libical cannot resolve leaves the time floating, reported as such).
x_lic_errors holds every X-LIC-ERROR property libical attached anywhere while parsing.
"""

from __future__ import annotations

import json
import sys

import gi

gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib  # noqa: E402

ANY = ICalGLib.ComponentKind.ANY_COMPONENT
VEVENT = ICalGLib.ComponentKind.VEVENT_COMPONENT


def children(component: ICalGLib.Component, kind: ICalGLib.ComponentKind = ANY) -> list[ICalGLib.Component]:
    found, child = [], component.get_first_component(kind)
    while child is not None:
        found.append(child)
        child = component.get_next_component(kind)
    return found


def properties(component: ICalGLib.Component, kind: ICalGLib.PropertyKind) -> list[ICalGLib.Property]:
    found, prop = [], component.get_first_property(kind)
    while prop is not None:
        found.append(prop)
        prop = component.get_next_property(kind)
    return found


def lic_errors(component: ICalGLib.Component) -> list[str]:
    """X-LIC-ERROR properties of this component and all below it, as libical wrote them."""
    own = [
        f"{ICalGLib.Component.kind_to_string(component.isa())}: {p.as_ical_string().strip()}"
        for p in properties(component, ICalGLib.PropertyKind.XLICERROR_PROPERTY)
    ]
    return own + [error for child in children(component) for error in lic_errors(child)]


def zone_name(time: ICalGLib.Time) -> str:
    if time.is_utc():
        return "UTC"
    zone = time.get_timezone()
    return "floating" if zone is None else zone.get_tzid()


def epoch(time: ICalGLib.Time) -> int | None:
    """UTC epoch seconds through libical's own conversion; None for a time libical cannot place."""
    if time.is_null_time() or not time.is_valid_time():
        return None
    zone = ICalGLib.Timezone.get_utc_timezone() if time.is_utc() else time.get_timezone()
    return time.as_timet_with_zone(zone) if zone is not None else None


def text(vevent: ICalGLib.Component, kind: ICalGLib.PropertyKind) -> str | None:
    prop = vevent.get_first_property(kind)
    return None if prop is None else prop.get_value_as_string()


def event(vevent: ICalGLib.Component) -> dict[str, object]:
    start, end = vevent.get_dtstart(), vevent.get_dtend()
    return {
        "uid": vevent.get_uid(),
        "sequence": vevent.get_sequence(),
        "status": text(vevent, ICalGLib.PropertyKind.STATUS_PROPERTY),
        "summary": vevent.get_summary(),
        "start": epoch(start),
        "end": epoch(end),
        "start_zone": zone_name(start),
        "end_zone": zone_name(end),
    }


def main() -> None:
    if len(sys.argv) > 1:
        with open(sys.argv[1], encoding="utf-8") as source:
            body = source.read()
    else:
        body = sys.stdin.read()
    calendar = ICalGLib.Component.new_from_string(body)
    if calendar is None:
        print(json.dumps({"parser": "libical", "events": [], "x_lic_errors": ["libical could not parse the body"]}))
        return
    top = [calendar] if calendar.isa() == VEVENT else children(calendar, VEVENT)
    result = {
        "parser": "libical 3 (ICalGLib)",
        "events": [event(vevent) for vevent in top],
        "x_lic_errors": lic_errors(calendar),
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
