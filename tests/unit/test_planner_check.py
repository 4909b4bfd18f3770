"""Hand-edited sessions are checked against every rule; the error names the session and the rule."""

from __future__ import annotations

from datetime import date

import pytest

from scheduler_service.domain.plan_check import BrokenRule, RequestedSession, SessionTaken, check_sessions
from scheduler_service.domain.replan import PastSession

from .builders import at, booking, builtin, chair, clinic, context, prefers

IV = builtin("iv-ketamine-depression")
THANKSGIVING = {date(2026, 11, 26): "Thanksgiving Day"}


def sessions(*starts: str, chair_id: int | None = None) -> list[RequestedSession]:
    return [RequestedSession(at(s), chair_id) for s in starts]


def refusal(ctx, requested, **options):  # type: ignore[no-untyped-def]
    with pytest.raises((BrokenRule, SessionTaken)) as refused:
        check_sessions(ctx, requested, **options)
    return refused.value.index, refused.value.rule, refused.value.message


def test_a_valid_series_comes_back_with_phases_ends_and_the_same_chair_throughout():
    ctx = context(clinic(), IV, now=at("2026-11-20 07:00"))

    checked = check_sessions(ctx, sessions("2026-11-23 09:00", "2026-11-25 09:00", "2026-11-30 09:00"))

    assert [(s.index, s.phase, s.end.strftime("%H:%M"), s.chair_id) for s in checked] == [
        (0, "induction", "10:40", 1),
        (1, "induction", "10:40", 1),
        (2, "induction", "10:40", 1),
    ]


def test_a_session_on_a_holiday_is_refused_naming_the_holiday():
    ctx = context(clinic(holidays=THANKSGIVING), IV, now=at("2026-11-20 07:00"))

    assert refusal(ctx, sessions("2026-11-24 09:00", "2026-11-26 09:00")) == (
        1,
        "closed",
        "sessions.1: the clinic is closed on Thu Nov 26 (Thanksgiving Day)",
    )


@pytest.mark.parametrize(
    ("starts", "rule"),
    [
        (("2026-11-23 16:00",), "opening_hours"),
        (("2026-11-23 09:10",), "slot_grid"),
        (("2026-11-19 09:00",), "before_now"),
        (("2026-11-23 09:00", "2026-11-24 09:00"), "spacing"),
        (("2026-11-23 09:00", "2026-11-30 09:00"), "spacing"),
    ],
)
def test_each_rule_is_named_when_broken(starts, rule):
    ctx = context(clinic(), IV, now=at("2026-11-20 07:00"))

    assert refusal(ctx, sessions(*starts))[1] == rule


def test_the_course_window_is_checked_across_the_phase():
    ctx = context(clinic(), IV, now=at("2026-11-20 07:00"))
    spread = sessions(
        "2026-11-23 09:00",
        "2026-11-27 09:00",
        "2026-12-02 09:00",
        "2026-12-07 09:00",
        "2026-12-11 09:00",
        "2026-12-16 09:00",
    )

    assert refusal(ctx, spread)[:2] == (5, "window")


def test_the_patients_preferences_and_the_chairs_tags_are_rules_too():
    ctx = context(
        clinic(chairs=(chair(1, "iv"), chair(2, "spravato"))),
        IV,
        now=at("2026-11-20 07:00"),
        preferences=prefers("mon", "wed"),
    )

    assert refusal(ctx, sessions("2026-11-24 09:00"))[1] == "preferences"
    assert refusal(ctx, sessions("2026-11-23 09:00", chair_id=2))[:2] == (0, "chair_tags")
    assert refusal(ctx, sessions("2026-11-23 09:00", chair_id=7))[:2] == (0, "chair_unknown")


def test_a_chair_taken_since_the_plan_was_made_is_a_conflict_not_bad_input():
    taken = [booking(1, at("2026-11-25 09:00"), 100)]
    ctx = context(clinic(), IV, now=at("2026-11-20 07:00"), bookings=taken)

    index, rule, message = refusal(ctx, sessions("2026-11-23 09:00", "2026-11-25 09:00", chair_id=1))

    assert (index, rule) == (1, "chair_taken")
    assert message == "sessions.1: chair 1 is taken at Wed Nov 25 09:00 (turnover included)"


def test_without_a_chair_the_check_picks_a_free_one_and_keeps_it_when_it_can():
    taken = [booking(1, at("2026-11-25 09:00"), 100)]
    ctx = context(clinic(), IV, now=at("2026-11-20 07:00"), bookings=taken)

    checked = check_sessions(ctx, sessions("2026-11-23 09:00", "2026-11-25 09:00", "2026-11-27 09:00"))

    assert [s.chair_id for s in checked] == [1, 2, 2]


def test_nurse_capacity_and_starts_per_slot_are_conflicts():
    busy = [booking(c, at("2026-11-23 09:00"), 100) for c in (1, 2, 3)]
    ctx = context(clinic(nurses=1), IV, now=at("2026-11-20 07:00"), bookings=busy)

    assert refusal(ctx, sessions("2026-11-23 09:00"))[1] == "starts_per_slot"
    assert refusal(ctx, sessions("2026-11-23 09:15"))[1] == "nurse_capacity"


def test_the_gap_from_the_last_session_that_happened_counts():
    ctx = context(clinic(), IV, now=at("2026-11-20 07:00"))
    done = [PastSession(at("2026-11-16 09:00"), 1), PastSession(at("2026-11-18 09:00"), 1)]

    assert refusal(ctx, sessions("2026-11-30 09:00"), done=done)[:2] == (0, "spacing")
    assert check_sessions(ctx, sessions("2026-11-30 09:00"), done=done, keep_history_limits=False)[0].index == 2


def test_a_single_session_protocol_refuses_a_second_session():
    ctx = context(clinic(chairs=(chair(9, "consult"),)), builtin("consult"), now=at("2026-11-20 07:00"))

    assert refusal(ctx, sessions("2026-11-23 09:00", "2026-11-25 09:00"))[:2] == (1, "too_many_sessions")
