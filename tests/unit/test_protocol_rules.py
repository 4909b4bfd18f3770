"""A protocol refuses shapes that could never be scheduled."""

from __future__ import annotations

import pytest

from scheduler_service.domain.builtin_protocols import BUILTIN_PROTOCOLS
from scheduler_service.domain.errors import InvalidValue
from scheduler_service.domain.protocols import Phase, Protocol, Spacing, Visit


def protocol(phases=None, **overrides) -> Protocol:
    return Protocol(
        key=overrides.pop("key", "pp"),
        name=overrides.pop("name", "P"),
        visit=overrides.pop("visit", Visit(10, 40, 30)),
        phases=(Phase("induction", 3, Spacing(2, 3, 4)),) if phases is None else phases,
        **overrides,
    )


def test_the_builtins_are_valid_and_keyed_as_documented():
    assert [p.key for p in BUILTIN_PROTOCOLS] == [
        "iv-ketamine-depression",
        "spravato-trd",
        "iv-ketamine-pain",
        "consult",
    ]
    assert [p.visit.total_minutes for p in BUILTIN_PROTOCOLS] == [100, 150, 285, 45]


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: Visit(10, 0, 30), "visit.treatment_minutes"),
        (lambda: Visit(-5, 40, 30), "visit.prep_minutes"),
        (lambda: Visit(10, 40, -1), "visit.monitoring_minutes"),
        (lambda: protocol(phases=(Phase("i", 3, Spacing(5, 5, 2)),)), "phases.0.spacing.min_days"),
        (lambda: protocol(phases=(Phase("i", 3, Spacing(2, 9, 5)),)), "phases.0.spacing.target_days"),
        (lambda: protocol(phases=(Phase("i", 3, Spacing(0, 1, 2)),)), "phases.0.spacing.min_days"),
        (lambda: protocol(phases=(Phase("i", 3, Spacing(1, 1, 2, unit="weeks")),)), "phases.0.spacing.unit"),
        (
            lambda: protocol(phases=(Phase("m", None, Spacing(7, 7, 7)), Phase("i", 2, Spacing(1, 1, 1)))),
            "phases.0.sessions",
        ),
        (lambda: protocol(phases=(Phase("i", 6, Spacing(2, 2, 5), window_days=9),)), "phases.0.window_days"),
        (lambda: protocol(phases=(Phase("i", 0, Spacing(2, 2, 5)),)), "phases.0.sessions"),
        (lambda: protocol(key="Has Spaces"), "key"),
        (lambda: protocol(phases=()), "phases"),
    ],
)
def test_an_impossible_protocol_names_the_broken_field(build, field):
    with pytest.raises(InvalidValue) as raised:
        build()

    assert raised.value.field == field


def test_six_sessions_two_days_apart_fit_a_ten_day_window_exactly():
    phase = Phase("induction", 6, Spacing(2, 2, 5), window_days=10)

    assert protocol(phases=(phase,)).finite_sessions == 6
