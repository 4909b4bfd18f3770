"""The life of an appointment: which changes each status allows, and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .errors import Conflict

BOOKED, CHECKED_IN, COMPLETED, CANCELLED, NO_SHOW = "booked", "checked_in", "completed", "cancelled", "no_show"
HOLDS_CHAIR = frozenset({BOOKED, CHECKED_IN, COMPLETED})


@dataclass(frozen=True)
class Transition:
    allowed_from: frozenset[str]
    to: str
    needs_started: bool = False  # only once the visit's start time has come
    opens_before: timedelta | None = None  # allowed from this long before the start (None: any time)


TRANSITIONS: dict[str, Transition] = {
    # Patients arrive early, but a check-in days ahead would be a mistake at the desk.
    "check_in": Transition(frozenset({BOOKED}), CHECKED_IN, opens_before=timedelta(hours=12)),
    # A nurse may record a visit that nobody checked in; it must have begun, though.
    "complete": Transition(frozenset({BOOKED, CHECKED_IN}), COMPLETED, needs_started=True),
    "no_show": Transition(frozenset({BOOKED}), NO_SHOW, needs_started=True),
    "cancel": Transition(frozenset({BOOKED}), CANCELLED),
    "reschedule": Transition(frozenset({BOOKED}), BOOKED),
}

_PLAIN = {
    BOOKED: "booked",
    CHECKED_IN: "checked in",
    COMPLETED: "completed",
    CANCELLED: "cancelled",
    NO_SHOW: "marked as a no-show",
}
_ACTION = {
    "check_in": "checked in",
    "complete": "completed",
    "no_show": "marked as a no-show",
    "cancel": "cancelled",
    "reschedule": "moved",
}


def next_status(status: str, action: str, start: datetime, now: datetime) -> str:
    """The status after `action`, or Conflict in words a front desk understands."""
    transition = TRANSITIONS[action]
    if status not in transition.allowed_from:
        raise Conflict(f"an appointment that is {_PLAIN[status]} cannot be {_ACTION[action]}")
    if transition.needs_started and now < start:
        raise Conflict(f"an appointment that has not started yet cannot be {_ACTION[action]}")
    if transition.opens_before is not None and now < start - transition.opens_before:
        hours = int(transition.opens_before.total_seconds() // 3600)
        raise Conflict(f"an appointment can be {_ACTION[action]} from {hours} hours before its start")
    return transition.to
