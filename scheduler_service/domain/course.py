"""A protocol unrolled into the numbered sessions of one patient's course."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import InvalidValue
from .protocols import Phase, Protocol, Spacing

DEFAULT_MAINTENANCE_DAYS = 90


@dataclass(frozen=True)
class Step:
    """Session `index` of a course: its phase, and whether it opens that phase."""

    index: int
    phase: Phase
    first_of_phase: bool

    @property
    def spacing(self) -> Spacing:
        """The gap *into* this session from the previous one (a phase's first gap uses its own spacing)."""
        return self.phase.spacing

    @property
    def finite(self) -> bool:
        return not self.phase.open_ended

    @property
    def window_days(self) -> int | None:
        return self.phase.window_days


def maintenance_count(protocol: Protocol, sessions: int | None, horizon_days: int | None) -> int:
    """How many open-ended sessions to plan: the number asked for, or as many as fit the horizon at the target gap.

    A horizon of 90 days with a 28-day target gives 3 (days 28, 56, 84 after induction): fixing the
    count up front keeps the objective about *where* sessions go, never about how many.
    """
    open_ended = [p for p in protocol.phases if p.open_ended]
    if sessions is not None:
        if sessions < 0:
            raise InvalidValue("maintenance_sessions", "cannot be negative")
        if sessions and not open_ended:
            raise InvalidValue("maintenance_sessions", f"{protocol.name} has no open-ended phase")
        return sessions
    if not open_ended:
        return 0
    days = DEFAULT_MAINTENANCE_DAYS if horizon_days is None else horizon_days
    if days < 0:
        raise InvalidValue("maintenance_days", "cannot be negative")
    return days // open_ended[0].spacing.target_days


def course_steps(protocol: Protocol, maintenance_sessions: int) -> tuple[Step, ...]:
    """Every session of the course in order: the finite phases, then `maintenance_sessions` open-ended ones."""
    steps: list[Step] = []
    for phase in protocol.phases:
        count = maintenance_sessions if phase.open_ended else phase.sessions or 0
        base = len(steps)
        steps.extend(Step(base + k, phase, k == 0) for k in range(count))
    return tuple(steps)


def phase_start_index(protocol: Protocol, index: int) -> int:
    """Index of the first session of the phase that session `index` belongs to."""
    seen = 0
    for phase in protocol.phases:
        if phase.open_ended or index < seen + (phase.sessions or 0):
            return seen
        seen += phase.sessions or 0
    raise InvalidValue("sessions", f"{protocol.name} has only {seen} sessions")
