"""A protocol unrolled into numbered sessions, and how many maintenance sessions a horizon means."""

from __future__ import annotations

import pytest

from scheduler_service.domain.course import course_steps, maintenance_count
from scheduler_service.domain.errors import InvalidValue

from .builders import builtin


def test_ninety_days_of_monthly_maintenance_is_three_sessions_at_the_target_gap():
    assert maintenance_count(builtin("iv-ketamine-depression"), None, None) == 3
    assert maintenance_count(builtin("spravato-trd"), None, None) == 6
    assert maintenance_count(builtin("spravato-trd"), None, 28) == 2


def test_an_explicit_count_wins_over_the_horizon():
    assert maintenance_count(builtin("iv-ketamine-depression"), 5, 10) == 5


def test_a_protocol_without_an_open_ended_phase_has_no_maintenance_to_plan():
    assert maintenance_count(builtin("consult"), None, None) == 0
    with pytest.raises(InvalidValue, match="no open-ended phase"):
        maintenance_count(builtin("consult"), 2, None)


def test_sessions_are_numbered_across_phases_and_each_phase_knows_its_first():
    steps = course_steps(builtin("spravato-trd"), 2)

    assert [s.index for s in steps] == list(range(14))
    assert [s.index for s in steps if s.first_of_phase] == [0, 8, 12]
    assert [s.phase.name for s in steps][7:9] == ["weeks 1-4", "weeks 5-8"]
