"""Re-planning a course in progress: what happened stays, the rest follows from the last real session."""

from __future__ import annotations

from datetime import date

import pytest

from scheduler_service.domain.errors import InvalidValue, NoPlan
from scheduler_service.domain.replan import PastSession, replan_series

from .builders import at, builtin, clinic, context, local_times

IV = builtin("iv-ketamine-depression")
MON_WED_FRI = [PastSession(at(f"2026-11-0{d} 13:00"), 2) for d in (2, 4, 6)]


def test_a_missed_monday_is_planned_again_and_the_course_continues_at_the_patients_usual_time_and_chair():
    ctx = context(clinic(), IV, now=at("2026-11-10 07:00"))

    (plan,) = replan_series(ctx, MON_WED_FRI)

    assert [s.index for s in plan.sessions] == [3, 4, 5, 6, 7, 8]
    assert local_times(plan.sessions[:3]) == ["Tue 11-10 13:00", "Thu 11-12 13:00", "Mon 11-16 13:00"]
    assert {s.chair_id for s in plan.sessions} == {2}
    assert plan.notes == ()


def test_maintenance_is_measured_from_the_day_the_last_session_actually_happened():
    induction = [PastSession(at(f"2027-06-{d:02d} 09:00"), 1) for d in (7, 9, 11, 14, 16, 25)]
    ctx = context(clinic(), IV, now=at("2027-06-28 07:00"))

    (plan,) = replan_series(ctx, induction)

    assert [s.start.date() for s in plan.sessions] == [date(2027, 7, 23), date(2027, 8, 20), date(2027, 9, 17)]
    assert plan.score.induction_ends is None and plan.score.gap_days_off_target == 0


def test_a_patient_back_after_the_allowed_gap_catches_up_as_soon_as_possible_and_the_plan_says_so():
    ctx = context(clinic(), IV, now=at("2026-11-16 07:00"))

    (plan,) = replan_series(ctx, MON_WED_FRI)

    assert local_times(plan.sessions[:3]) == ["Mon 11-16 13:00", "Wed 11-18 13:00", "Fri 11-20 13:00"]
    assert plan.notes == (
        "session 4 comes 10 days after the last session on Nov 6 (the protocol allows 5): "
        "the course catches up as soon as it can",
    )


def test_without_catching_up_a_late_return_is_refused_with_the_deadline_that_passed():
    ctx = context(clinic(), IV, now=at("2026-11-16 07:00"))

    with pytest.raises(NoPlan) as refused:
        replan_series(ctx, MON_WED_FRI, catch_up=False)

    assert refused.value.message == "session 4 (induction) had to start by Nov 11, 5 days after session 3 on Nov 6"


def test_a_finished_course_has_nothing_left_to_plan():
    ctx = context(clinic(), builtin("consult"), now=at("2026-11-16 07:00"))

    (plan,) = replan_series(ctx, [PastSession(at("2026-11-02 13:00"))])

    assert plan.sessions == ()


def test_history_must_come_oldest_first():
    ctx = context(clinic(), IV, now=at("2026-11-16 07:00"))

    with pytest.raises(InvalidValue, match="oldest first"):
        replan_series(ctx, list(reversed(MON_WED_FRI)))
