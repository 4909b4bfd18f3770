"""When each reminder of a visit goes out, and when a failed delivery is tried again."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .reminder_policy import Offset, QuietHours, ReminderPolicy

# A reminder moved out of quiet hours goes this long before they begin, so that a dispatcher
# running a little late still sends it before the quiet hours rather than into them.
QUIET_MARGIN = timedelta(minutes=30)


@dataclass(frozen=True)
class PlannedReminder:
    channel: str
    offset_minutes: int
    content: str
    due_at: datetime


def plan_reminders(
    policy: ReminderPolicy, start: datetime, consented: Iterable[str], now: datetime, zone: ZoneInfo
) -> list[PlannedReminder]:
    """The reminders of a visit starting at `start`, for the channels the patient consented to.

    An SMS due in quiet hours (the patient's zone) goes earlier, before they begin. Offsets already
    past when the visit is booked or moved are skipped, or, with `late_booking` "send_now", become
    one message sent now: the fullest of them, so the preparation instructions are never lost.
    """
    if start <= now:
        return []
    planned = []
    for channel in (c for c in policy.channels if c in set(consented)):
        passed: list[Offset] = []
        for offset in policy.offsets:
            due = start - timedelta(minutes=offset.minutes_before)
            if channel == "sms" and policy.quiet_hours is not None:
                due = before_quiet_hours(due, policy.quiet_hours, zone)
            if due <= now:
                passed.append(offset)
            else:
                planned.append(PlannedReminder(channel, offset.minutes_before, offset.content, due))
        if passed and policy.late_booking == "send_now":
            chosen = min(passed, key=lambda o: (o.content != "full", o.minutes_before))
            planned.append(PlannedReminder(channel, chosen.minutes_before, chosen.content, now))
    return sorted(planned, key=lambda p: (p.due_at, p.channel, -p.offset_minutes))


def before_quiet_hours(due: datetime, quiet: QuietHours, zone: ZoneInfo) -> datetime:
    """`due` itself when it falls outside quiet hours; otherwise a moment shortly before they began."""
    local = due.astimezone(zone)
    if not quiet.contains(local.time()):
        return due
    began_on = local.date()
    if quiet.start > quiet.end and local.time() < quiet.end:  # after midnight: they began the evening before
        began_on -= timedelta(days=1)
    return _at(began_on, quiet.start, zone) - QUIET_MARGIN


def quiet_hours_end(moment: datetime, quiet: QuietHours, zone: ZoneInfo) -> datetime | None:
    """When the quiet hours around `moment` end, or None if `moment` is outside them."""
    local = moment.astimezone(zone)
    if not quiet.contains(local.time()):
        return None
    ends_on = local.date()
    if local.time() >= quiet.end:  # evening part of a window that wraps past midnight
        ends_on += timedelta(days=1)
    return _at(ends_on, quiet.end, zone)


def retry_delay(attempts: int, base: timedelta, cap: timedelta) -> timedelta:
    """Exponential backoff: base, 2×base, 4×base, ... never more than `cap`."""
    return min(cap, base * 2 ** max(0, attempts - 1))


def _at(day: date, clock: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=zone)
