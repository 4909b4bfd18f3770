"""The rules of one session taken alone, written out as data for the offline model: which days, which start minutes.

Written from the clinic's calendar and the protocol, not by asking the planner, so the model and the
planner share rules but no code that applies them. A start is allowed when it is on the clinic's grid,
not before the request, the whole visit fits one stretch of opening hours (holidays and closures
removed), and the patient's weekdays and earliest/latest start allow it. Which days a session may take
also follows from the course's spacing and phase windows, walked forward from the first session's
days (the request's day up to `patience_days` later).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from quality_arrivals import PROTOCOLS, Arrival

from scheduler_service.domain.clinic import ClinicCalendar
from scheduler_service.domain.course import Step, course_steps
from scheduler_service.domain.occupancy import epoch
from scheduler_service.domain.patients import Preferences


@dataclass(frozen=True)
class Session:
    """Session `index` of one arrival's course, with the start minutes allowed on each day it may take."""

    arrival: int
    index: int
    step: Step
    starts: dict[date, list[int]]  # local minute of the day, on the grid, per candidate day
    held: bool  # False: the patient stops before it, so in the end it holds no chair


class OpenDays:
    """The days the clinic opens at all (any stretch left after closures), numbered: clinic-day gaps count them."""

    def __init__(self, calendar: ClinicCalendar, first: date, last: date) -> None:
        self.days = [d for d in calendar.days(first, last) if calendar.open_intervals(d)]
        self.number = {d: n for n, d in enumerate(self.days)}

    def gap(self, step: Step, earlier: date, later: date) -> int:
        if step.spacing.unit == "clinic_days":
            return self.number[later] - self.number[earlier]
        return (later - earlier).days


def allowed_starts(calendar: ClinicCalendar, arrival: Arrival, day: date) -> list[int]:
    protocol = PROTOCOLS[arrival.protocol_key]
    preferences = Preferences.parse(arrival.preferences)
    visit, slot = protocol.visit.total_minutes * 60, calendar.slot_minutes
    stretches = [(epoch(a), epoch(b)) for a, b in calendar.open_intervals(day)]
    found = []
    for minute in range(0, 24 * 60, slot):
        wall = time(minute // 60, minute % 60)
        start = epoch(calendar.local(day, wall))
        if start < epoch(arrival.at) or not preferences.allows(day.weekday(), wall):
            continue
        if any(a <= start and start + visit <= b for a, b in stretches):
            found.append(minute)
    return found


def sessions_of(calendar: ClinicCalendar, open_days: OpenDays, arrival: Arrival, patience_days: int) -> list[Session]:
    """Every session of the arrival's course with its candidate days; empty when the course cannot fit at all."""
    steps = course_steps(PROTOCOLS[arrival.protocol_key], 0)
    usable: dict[date, list[int]] = {}

    def starts_on(day: date) -> list[int]:
        if day not in usable:
            usable[day] = allowed_starts(calendar, arrival, day)
        return usable[day]

    request_day = arrival.at.date()
    last_first = request_day + timedelta(days=patience_days)
    days = [d for d in open_days.days if request_day <= d <= last_first and starts_on(d)]
    per_step = [days]
    for step in steps[1:]:
        previous, spacing = per_step[-1], step.spacing
        latest = None
        if step.window_days is not None and not step.first_of_phase:
            phase_first = next(s for s in range(step.index, -1, -1) if steps[s].first_of_phase)
            latest = per_step[phase_first][-1] + timedelta(days=step.window_days)
        if not previous:
            return []
        # A clinic day may lie several calendar days on (weekends, holidays): bound loosely, then test exactly.
        reach = spacing.max_days * (7 if spacing.unit == "clinic_days" else 1)
        last = previous[-1] + timedelta(days=reach)
        if latest is not None:
            last = min(last, latest)
        days = [
            d
            for d in open_days.days
            if previous[0] < d <= last
            and any(spacing.min_days <= open_days.gap(step, e, d) <= spacing.max_days for e in previous if e < d)
            and starts_on(d)
        ]
        per_step.append(days)
    if not all(per_step):
        return []
    stops = arrival.stops_after
    return [
        Session(arrival.number, step.index, step, {d: usable[d] for d in days}, stops is None or step.index <= stops)
        for step, days in zip(steps, per_step, strict=True)
    ]


def local_start(calendar: ClinicCalendar, day: date, minute: int) -> datetime:
    return calendar.local(day, time(minute // 60, minute % 60))
