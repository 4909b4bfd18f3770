"""Everything one planning question is asked against: clinic, protocol, bookings, patient, and `now`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time

from .busy_days import busy_quarters
from .chair_time import ChairCosts, day_costs, free_rooms
from .clinic import Chair, ClinicCalendar
from .errors import InvalidValue
from .long_rooms import room_run
from .occupancy import Occupancy, epoch
from .patients import Preferences
from .protocols import Protocol
from .slots import StartOption, find_options
from .spacing import OpenDays
from .stranded import hold_slots
from .timewindows import minutes_of

ANYTIME = Preferences()


class PlanningContext:
    """The fixed facts of one request, plus per-day answers remembered for the length of the request."""

    def __init__(
        self,
        calendar: ClinicCalendar,
        protocol: Protocol,
        occupancy: Occupancy,
        now: datetime,
        preferences: Preferences | None = None,
        treatments: Sequence[Protocol] = (),
    ) -> None:
        """`treatments`: every protocol the clinic books (the planned one is always counted), so the
        planner can tell which free chair time a later visit could still use."""
        if now.tzinfo is None:
            raise InvalidValue("now", "must be timezone-aware")
        if occupancy.calendar is not calendar:
            raise InvalidValue("occupancy", "was built for another clinic calendar")
        self.calendar = calendar
        self.protocol = protocol
        self.occupancy = occupancy
        self.now = now
        self.now_ts = epoch(now)
        self.today = now.astimezone(calendar.zone).date()
        self.preferences = preferences or ANYTIME
        self.chairs: tuple[int, ...] = tuple(sorted(c.id for c in calendar.chairs if c.suits(protocol.required_tags)))
        # Per usable chair: the protocols whose visits could sit in it, and the slots each holds it for.
        sharing = {
            c.id: [p for p in (protocol, *treatments) if c.suits(p.required_tags)]
            for c in calendar.chairs
            if c.id in self.chairs
        }
        turnover, slot = calendar.turnover_minutes, calendar.slot_minutes
        self.hold_slots = {c: hold_slots(protocols, turnover, slot) for c, protocols in sharing.items()}
        self.longest = {c: max(sizes) for c, sizes in self.hold_slots.items()}  # slots of its longest visit
        # Clinic days in a row a course of the longest visit these chairs take needs a room there.
        self.room_run = room_run(p for protocols in sharing.values() for p in protocols)
        self.visit_seconds = protocol.visit.total_minutes * 60
        self.turnover_seconds = calendar.turnover_minutes * 60
        prefs = self.preferences
        self.earliest_minute = minutes_of(prefs.earliest_start) if prefs.earliest_start else 0
        self.latest_minute = minutes_of(prefs.latest_start) if prefs.latest_start else 24 * 60
        self.open_days = OpenDays(calendar)
        self._options: dict[date, tuple[StartOption, ...]] = {}
        self._costs: dict[date, tuple[ChairCosts, ...]] = {}
        self._rooms: dict[date, int] = {}
        self._busy: dict[date, int] = {}
        self._stretches: dict[date, list[tuple[int, int]]] = {}
        self._nurses: dict[tuple[int, int], int] = {}

    def chair(self, chair_id: int) -> Chair | None:
        return next((c for c in self.calendar.chairs if c.id == chair_id), None)

    def nurses_at(self, weekday: int, minute: int) -> int:
        key = (weekday, minute)
        found = self._nurses.get(key)
        if found is None:
            found = self._nurses[key] = self.calendar.staffing.nurses_at(weekday, time(minute // 60, minute % 60))
        return found

    def options(self, day: date) -> tuple[StartOption, ...]:
        """The free starts of `day` for one visit, each with its free chairs (computed once per request)."""
        found = self._options.get(day)
        if found is None:
            found = self._options[day] = find_options(self, day)
        return found

    def costs(self, day: date) -> tuple[ChairCosts, ...]:
        """Per free start of `day`, per free chair: the chair time it would not keep usable (chair_time.py)."""
        found = self._costs.get(day)
        if found is None:
            found = self._costs[day] = day_costs(self, day)
        return found

    def stretches(self, day: date) -> list[tuple[int, int]]:
        """The opening stretches of `day` (holidays and closures removed) in epoch seconds."""
        found = self._stretches.get(day)
        if found is None:
            found = self._stretches[day] = [(epoch(a), epoch(b)) for a, b in self.calendar.open_intervals(day)]
        return found

    def busy(self, day: date) -> int:
        """Quarters of the open time of this protocol's chairs already held on `day` (busy_days.py)."""
        found = self._busy.get(day)
        if found is None:
            found = self._busy[day] = busy_quarters(self.occupancy.on(day), self.chairs, self.stretches(day))
        return found

    def rooms(self, day: date) -> int:
        """Free rooms for the longest visit on `day`, over the chairs this protocol may use (long_rooms.py)."""
        found = self._rooms.get(day)
        if found is None:
            found = self._rooms[day] = free_rooms(self, day)
        return found
