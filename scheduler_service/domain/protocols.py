"""Treatment protocols: the chair time of one visit and the ordered phases of a course."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .errors import InvalidValue

GAP_UNITS = ("days", "clinic_days")
_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


@dataclass(frozen=True)
class Visit:
    """Chair time of one session: preparation, treatment, then monitoring, in minutes."""

    prep_minutes: int
    treatment_minutes: int
    monitoring_minutes: int

    def __post_init__(self) -> None:
        for name in ("prep_minutes", "monitoring_minutes"):
            if getattr(self, name) < 0:
                raise InvalidValue(f"visit.{name}", "cannot be negative")
        if self.treatment_minutes <= 0:
            raise InvalidValue("visit.treatment_minutes", "must be more than 0")
        if self.total_minutes > 12 * 60:
            raise InvalidValue("visit", "a visit longer than 12 hours does not fit a clinic day")

    @property
    def total_minutes(self) -> int:
        return self.prep_minutes + self.treatment_minutes + self.monitoring_minutes


@dataclass(frozen=True)
class Spacing:
    """Allowed gap between consecutive session starts: min <= target <= max, in days or clinic days."""

    min_days: int
    target_days: int
    max_days: int
    unit: str = "days"

    def validate(self, where: str) -> None:
        if self.unit not in GAP_UNITS:
            raise InvalidValue(f"{where}.unit", f"must be one of {', '.join(GAP_UNITS)}")
        if self.min_days < 1:
            raise InvalidValue(f"{where}.min_days", "must be at least 1")
        if self.min_days > self.max_days:
            raise InvalidValue(f"{where}.min_days", f"{self.min_days} is above max_days {self.max_days}")
        if not self.min_days <= self.target_days <= self.max_days:
            raise InvalidValue(f"{where}.target_days", "must lie between min_days and max_days")


@dataclass(frozen=True)
class Phase:
    """A run of sessions with one spacing; `sessions=None` means open-ended (maintenance)."""

    name: str
    sessions: int | None
    spacing: Spacing
    window_days: int | None = None  # the whole phase fits in this many days (first to last start)

    @property
    def open_ended(self) -> bool:
        return self.sessions is None


@dataclass(frozen=True)
class Protocol:
    """A course of treatment: one kind of visit repeated through ordered phases."""

    key: str
    name: str
    visit: Visit
    phases: tuple[Phase, ...]
    required_tags: frozenset[str] = frozenset()
    instructions: str = ""
    uses_nurse: bool = True  # consults take a room but no nurse's monitoring capacity
    id: int | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not _KEY.match(self.key):
            raise InvalidValue("key", "must be 2-63 lowercase letters, digits or dashes, e.g. 'iv-ketamine-depression'")
        if not self.name.strip():
            raise InvalidValue("name", "must not be empty")
        if not self.phases:
            raise InvalidValue("phases", "a protocol needs at least one phase")
        for i, phase in enumerate(self.phases):
            _validate_phase(phase, f"phases.{i}", is_last=i == len(self.phases) - 1)

    @property
    def finite_sessions(self) -> int:
        """Sessions in the phases that have a fixed count."""
        return sum(p.sessions or 0 for p in self.phases)


def _validate_phase(phase: Phase, where: str, is_last: bool) -> None:
    if not phase.name.strip():
        raise InvalidValue(f"{where}.name", "must not be empty")
    if phase.sessions is not None and phase.sessions < 1:
        raise InvalidValue(f"{where}.sessions", "must be at least 1 (or null for open-ended)")
    if phase.sessions is None and not is_last:
        raise InvalidValue(f"{where}.sessions", "only the last phase may be open-ended")
    phase.spacing.validate(f"{where}.spacing")
    if phase.window_days is not None:
        if phase.sessions is None:
            raise InvalidValue(f"{where}.window_days", "an open-ended phase has no course window")
        shortest = (phase.sessions - 1) * phase.spacing.min_days
        if phase.window_days < shortest:
            raise InvalidValue(
                f"{where}.window_days",
                f"{phase.sessions} sessions at least {phase.spacing.min_days} days apart need {shortest} days",
            )


def phase_from_dict(raw: Mapping[str, object], where: str) -> Phase:
    """Build a Phase from its JSON form (already type-checked by the API schema)."""
    missing = {"name", "sessions", "spacing"} - set(raw)
    if missing:
        raise InvalidValue(f"{where}.{sorted(missing)[0]}", "is required")
    spacing = raw["spacing"]
    if not isinstance(spacing, Mapping) or {"min_days", "target_days", "max_days"} - set(spacing):
        raise InvalidValue(f"{where}.spacing", "needs min_days, target_days and max_days")
    return Phase(
        name=str(raw["name"]),
        sessions=raw.get("sessions"),  # type: ignore[arg-type]
        spacing=Spacing(
            min_days=int(spacing["min_days"]),
            target_days=int(spacing["target_days"]),
            max_days=int(spacing["max_days"]),
            unit=str(spacing.get("unit", "days")),
        ),
        window_days=raw.get("window_days"),  # type: ignore[arg-type]
    )


def phase_to_dict(phase: Phase) -> dict[str, object]:
    return {
        "name": phase.name,
        "sessions": phase.sessions,
        "spacing": {
            "min_days": phase.spacing.min_days,
            "target_days": phase.spacing.target_days,
            "max_days": phase.spacing.max_days,
            "unit": phase.spacing.unit,
        },
        "window_days": phase.window_days,
    }


def phases_from_list(raw: Sequence[Mapping[str, object]]) -> tuple[Phase, ...]:
    return tuple(phase_from_dict(p, f"phases.{i}") for i, p in enumerate(raw))
