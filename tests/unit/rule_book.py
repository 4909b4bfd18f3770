"""An independent, deliberately naive statement of every scheduling rule, for checking the planner.

It shares nothing with the planner but the clinic and protocol value objects: no occupancy
index, no epoch arithmetic tricks; capacity is counted minute by minute.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from scheduler_service.domain.clinic import ClinicCalendar
from scheduler_service.domain.occupancy import Booking
from scheduler_service.domain.patients import Preferences
from scheduler_service.domain.protocols import Phase, Protocol

MINUTE = timedelta(minutes=1)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def phase_layout(protocol: Protocol, count: int) -> list[tuple[Phase, int]]:
    """(phase, index of that phase's first session) for sessions 0..count-1."""
    layout, first = [], 0
    for phase in protocol.phases:
        size = count - first if phase.sessions is None else phase.sessions
        layout += [(phase, first)] * max(0, min(size, count - first))
        first += size
        if first >= count:
            break
    return layout


def clinic_day_gap(calendar: ClinicCalendar, earlier: date, later: date) -> int:
    return sum(1 for n in range(1, (later - earlier).days + 1) if calendar.open_intervals(earlier + timedelta(days=n)))


def gap_between(calendar: ClinicCalendar, phase: Phase, earlier: date, later: date) -> int:
    if phase.spacing.unit == "clinic_days":
        return clinic_day_gap(calendar, earlier, later)
    return (later - earlier).days


def session_breaks(
    calendar: ClinicCalendar,
    protocol: Protocol,
    bookings: list[Booking],
    start: datetime,
    chair_id: int,
    now: datetime,
    preferences: Preferences,
) -> list[str]:
    """Rules one session breaks on its own, against the bookings already there."""
    # Everything compared in UTC: aware datetimes sharing a tzinfo compare by wall clock in Python.
    zone, broken = calendar.zone, []
    local = start.astimezone(zone)
    day = local.date()
    start = start.astimezone(UTC)
    end = start + timedelta(minutes=protocol.visit.total_minutes)
    if start < now.astimezone(UTC):
        broken.append("before now")
    if not any(_utc(a) <= start and end <= _utc(b) for a, b in calendar.open_intervals(day)):
        broken.append("outside an opening stretch")
    if (local.hour * 60 + local.minute) % calendar.slot_minutes or local.second:
        broken.append("off the slot grid")
    if not preferences.allows(day.weekday(), local.time()):
        broken.append("against preferences")
    chair = next((c for c in calendar.chairs if c.id == chair_id), None)
    if chair is None or not chair.suits(protocol.required_tags):
        broken.append("unsuitable chair")
    turnover = timedelta(minutes=calendar.turnover_minutes)
    for b in bookings:
        if b.chair_id == chair_id and start < _utc(b.end) + turnover and _utc(b.start) < end + turnover:
            broken.append("chair taken")
    if protocol.uses_nurse:
        broken += _nurse_breaks(calendar, bookings, local, end)
    return broken


def _nurse_breaks(calendar: ClinicCalendar, bookings: list[Booking], local: datetime, end: datetime) -> list[str]:
    staffing, zone, broken = calendar.staffing, calendar.zone, []
    moment = local.astimezone(UTC)
    while moment < end:
        wall = moment.astimezone(zone)
        monitored = 1 + sum(1 for b in bookings if b.uses_nurse and _utc(b.start) <= moment < _utc(b.end))
        if monitored > staffing.nurses_at(wall.weekday(), wall.time()) * staffing.patients_per_nurse:
            broken.append(f"nurses overloaded at {wall:%H:%M}")
            break
        moment += MINUTE
    slot = (local.hour * 60 + local.minute) // calendar.slot_minutes
    same_slot = 0
    for b in bookings:
        b_local = b.start.astimezone(zone)
        if (
            b.uses_nurse
            and b_local.date() == local.date()
            and (b_local.hour * 60 + b_local.minute) // calendar.slot_minutes == slot
        ):
            same_slot += 1
    if same_slot + 1 > staffing.nurses_at(local.weekday(), local.time()) * staffing.starts_per_nurse_per_slot:
        broken.append("too many starts in the slot")
    return broken


def plan_breaks(
    calendar: ClinicCalendar,
    protocol: Protocol,
    bookings: list[Booking],
    sessions,  # type: ignore[no-untyped-def]
    now: datetime,
    preferences: Preferences,
    done: list[datetime] | None = None,
    keep_history_limits: bool = True,
) -> list[str]:
    """Every rule a planned series breaks (empty when it keeps them all); `done` are past session starts."""
    zone, done = calendar.zone, done or []
    broken = []
    count = len(done) + len(sessions)
    layout = phase_layout(protocol, count)
    days = [d.astimezone(zone).date() for d in done] + [s.start.astimezone(zone).date() for s in sessions]
    for p, s in enumerate(sessions):
        index = len(done) + p
        phase, phase_first = layout[index]
        if s.index != index or s.phase != phase.name:
            broken.append(f"session {index} is labelled {s.index}/{s.phase}")
        if _utc(s.end) - _utc(s.start) != timedelta(minutes=protocol.visit.total_minutes):
            broken.append(f"session {index} lasts {s.end - s.start}")
        if s.start.tzinfo is not zone:
            broken.append(f"session {index} is not in the clinic's zone")
        broken += [
            f"session {index}: {b}"
            for b in session_breaks(calendar, protocol, bookings, s.start, s.chair_id, now, preferences)
        ]
        if index > 0:
            gap = gap_between(calendar, phase, days[index - 1], days[index])
            spacing = phase.spacing
            waived = p == 0 and not keep_history_limits
            if gap < spacing.min_days or (gap > spacing.max_days and not waived):
                broken.append(f"session {index}: gap {gap} outside {spacing.min_days}..{spacing.max_days}")
        windowed = phase.window_days is not None and (keep_history_limits or phase_first >= len(done))
        if windowed and (days[index] - days[phase_first]).days > phase.window_days:
            broken.append(f"session {index}: outside the {phase.window_days}-day window")
    return broken
