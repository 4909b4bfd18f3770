"""Whole-series plans for the cases a front desk meets: holidays, DST, each built-in protocol, picky patients."""

from __future__ import annotations

from datetime import UTC, date, timedelta

import pytest

from scheduler_service.domain.errors import NoPlan
from scheduler_service.domain.planner import plan_series

from .builders import at, booking, builtin, chair, clinic, closed, context, local_times, prefers

THANKSGIVING_2026 = {date(2026, 11, 26): "Thanksgiving Day", date(2026, 11, 27): "Friday After Thanksgiving"}
CHRISTMAS_2026 = {date(2026, 12, 25): "Christmas Day", date(2027, 1, 1): "New Year's Day"}
WINTER_BREAK = closed(date(2026, 12, 24), date(2026, 12, 31), "Winter break")


def best_plan(calendar, protocol_key, now, **options):  # type: ignore[no-untyped-def]
    preferences = options.pop("preferences", None)
    bookings = options.pop("bookings", ())
    ctx = context(calendar, builtin(protocol_key), now=at(now), preferences=preferences, bookings=bookings)
    return plan_series(ctx, **options)[0]


def test_thanksgiving_week_skips_the_holidays_and_still_ends_induction_as_early_as_possible():
    plan = best_plan(clinic(holidays=THANKSGIVING_2026), "iv-ketamine-depression", "2026-11-23 07:00")

    assert local_times(plan.sessions[:6]) == [
        "Mon 11-23 08:00",
        "Wed 11-25 08:00",
        "Mon 11-30 08:00",
        "Wed 12-02 08:00",
        "Fri 12-04 08:00",
        "Mon 12-07 08:00",
    ]
    assert plan.score.induction_ends == date(2026, 12, 7)
    assert [s.phase for s in plan.sessions] == ["induction"] * 6 + ["maintenance"] * 3
    assert plan.sessions[6].start.date() == date(2027, 1, 4)  # 28 days after the last induction session


def test_a_tuesday_request_starts_that_day_when_induction_still_ends_as_early_as_possible():
    # Starting Wednesday keeps every gap but one at the 2-day target and ends on the same Monday;
    # among plans that end induction the same day, the patient starts treatment soonest.
    plan = best_plan(clinic(), "iv-ketamine-depression", "2026-12-01 07:00")

    assert local_times(plan.sessions[:6]) == [
        "Tue 12-01 08:00",
        "Thu 12-03 08:00",
        "Mon 12-07 08:00",
        "Wed 12-09 08:00",
        "Fri 12-11 08:00",
        "Mon 12-14 08:00",
    ]
    assert plan.score.induction_ends == date(2026, 12, 14)
    assert plan.score.first_session == date(2026, 12, 1)
    assert plan.score.gap_days_off_target == 3  # Thu -> Mon is 4 days, Fri -> Mon 3


def test_an_induction_waits_for_the_clinic_to_reopen_after_christmas_rather_than_straddle_the_break():
    calendar = clinic(holidays=CHRISTMAS_2026, closures=(WINTER_BREAK,))

    plan = best_plan(calendar, "iv-ketamine-depression", "2026-12-21 07:00")

    assert local_times(plan.sessions[:6]) == [
        "Mon 01-04 08:00",
        "Wed 01-06 08:00",
        "Fri 01-08 08:00",
        "Mon 01-11 08:00",
        "Wed 01-13 08:00",
        "Fri 01-15 08:00",
    ]


def test_a_course_that_must_start_before_christmas_is_refused_in_words_a_front_desk_understands():
    calendar = clinic(holidays=CHRISTMAS_2026, closures=(WINTER_BREAK,))
    ctx = context(calendar, builtin("iv-ketamine-depression"), now=at("2026-12-21 07:00"))

    with pytest.raises(NoPlan) as refused:
        plan_series(ctx, from_date=date(2026, 12, 22), search_days=1)

    assert refused.value.message == (
        "6 sessions at least 2 and at most 5 days apart do not fit in 21 days between Dec 22 and Jan 12, "
        "with the clinic closed Dec 24–Jan 1"
    )


def test_a_nine_oclock_session_stays_at_nine_local_across_the_spring_dst_change():
    patient = prefers(earliest="09:00", latest="09:00")

    plan = best_plan(clinic(), "iv-ketamine-depression", "2026-03-02 07:00", preferences=patient)

    assert local_times(plan.sessions[:6]) == [
        "Mon 03-02 09:00",
        "Wed 03-04 09:00",
        "Fri 03-06 09:00",
        "Mon 03-09 09:00",
        "Wed 03-11 09:00",
        "Fri 03-13 09:00",
    ]
    assert plan.sessions[2].start.isoformat() == "2026-03-06T09:00:00-06:00"
    assert plan.sessions[3].start.isoformat() == "2026-03-09T09:00:00-05:00"
    assert plan.sessions[3].end.isoformat() == "2026-03-09T10:40:00-05:00"


def test_a_nine_oclock_session_stays_at_nine_local_across_the_autumn_dst_change():
    patient = prefers(earliest="09:00", latest="09:00")

    plan = best_plan(clinic(), "iv-ketamine-depression", "2026-10-26 07:00", preferences=patient)

    before, after = plan.sessions[2], plan.sessions[3]
    assert (before.start.isoformat(), after.start.isoformat()) == (
        "2026-10-30T09:00:00-05:00",
        "2026-11-02T09:00:00-06:00",
    )
    elapsed = after.start.astimezone(UTC) - before.start.astimezone(UTC)
    assert elapsed == timedelta(days=3, hours=1)  # wall clock kept, so the instant moved by an hour
    assert {s.start.strftime("%H:%M") for s in plan.sessions} == {"09:00"}


def test_spravato_plans_eight_twice_weekly_then_four_weekly_then_maintenance_every_two_weeks():
    plan = best_plan(clinic(), "spravato-trd", "2027-01-11 07:00")

    phases = [s.phase for s in plan.sessions]
    assert phases == ["weeks 1-4"] * 8 + ["weeks 5-8"] * 4 + ["maintenance"] * 6  # 90 days // 14
    assert local_times(plan.sessions[:12]) == [
        "Mon 01-11 08:00",
        "Wed 01-13 08:00",
        "Fri 01-15 08:00",
        "Mon 01-18 08:00",
        "Wed 01-20 08:00",
        "Fri 01-22 08:00",
        "Mon 01-25 08:00",
        "Wed 01-27 08:00",
        "Tue 02-02 08:00",
        "Mon 02-08 08:00",
        "Mon 02-15 08:00",
        "Mon 02-22 08:00",
    ]
    assert [s.start.date() for s in plan.sessions[12:14]] == [date(2027, 3, 8), date(2027, 3, 22)]
    assert all(s.end - s.start == timedelta(minutes=150) for s in plan.sessions)


def test_the_pain_protocol_takes_five_consecutive_clinic_days_across_a_weekend():
    plan = best_plan(clinic(), "iv-ketamine-pain", "2027-06-09 07:00")

    assert local_times(plan.sessions[:5]) == [
        "Wed 06-09 08:00",
        "Thu 06-10 08:00",
        "Fri 06-11 08:00",
        "Mon 06-14 08:00",
        "Tue 06-15 08:00",
    ]
    assert plan.sessions[0].end.strftime("%H:%M") == "12:45"


def test_a_patient_who_only_comes_tuesdays_and_thursdays_after_one_gets_exactly_that():
    patient = prefers("tue", "thu", earliest="13:00")

    plan = best_plan(clinic(), "iv-ketamine-depression", "2027-06-07 07:00", preferences=patient)

    assert local_times(plan.sessions) == [
        "Tue 06-08 13:00",
        "Thu 06-10 13:00",
        "Tue 06-15 13:00",
        "Thu 06-17 13:00",
        "Tue 06-22 13:00",
        "Thu 06-24 13:00",
        "Thu 07-22 13:00",
        "Thu 08-19 13:00",
        "Thu 09-16 13:00",
    ]


def test_the_plan_avoids_piling_onto_the_eight_oclock_peak():
    monday = at("2027-06-07 08:00")
    peak = [booking(c, monday + timedelta(days=d), 100) for d in range(0, 40) for c in (1, 2)]

    plan = best_plan(clinic(nurses=3), "iv-ketamine-depression", "2027-06-07 07:00", bookings=peak)

    # 9:45 on a third chair would also miss the peak, but strand 8:00-9:45 there (7 slots, too short
    # for a 2-hour visit); 10:00 on a chair freed at 9:55 strands nothing.
    assert {(s.start.strftime("%H:%M"), s.chair_id) for s in plan.sessions[:6]} == {("10:00", 1)}
    assert plan.score.load == 0


def test_the_patient_keeps_one_time_and_chair_rather_than_the_earliest_free_start_each_day():
    wednesday = at("2027-06-09 08:00")
    wednesday_morning = [booking(c, wednesday, 100) for c in (1, 2, 3, 4)]

    plan = best_plan(clinic(nurses=3), "iv-ketamine-depression", "2027-06-07 07:00", bookings=wednesday_morning)

    # Wednesday's chairs free up at 9:55 (9:40 + turnover): every session moves to 10:00, not just Wednesday's.
    assert {(s.start.strftime("%H:%M"), s.chair_id) for s in plan.sessions} == {("10:00", 1)}
    assert plan.score.changes == 0


def test_alternatives_start_at_different_times_and_are_never_better_than_the_best():
    ctx = context(clinic(), builtin("iv-ketamine-depression"), now=at("2027-06-07 07:00"))

    plans = plan_series(ctx, alternatives=3)

    assert [p.sessions[0].start.strftime("%H:%M") for p in plans] == ["08:00", "08:15", "08:30", "08:45"]
    assert [p.score.key for p in plans] == sorted(p.score.key for p in plans)


def test_a_given_number_of_maintenance_sessions_replaces_the_ninety_day_horizon():
    ctx = context(clinic(), builtin("iv-ketamine-depression"), now=at("2027-06-07 07:00"))

    (plan,) = plan_series(ctx, maintenance_sessions=5)

    assert [s.phase for s in plan.sessions].count("maintenance") == 5


@pytest.mark.parametrize(
    ("calendar", "protocol_key", "preferences", "message"),
    [
        (clinic(chairs=(chair(1, "iv"),)), "spravato-trd", None, "no chair tagged spravato"),
        (
            clinic(hours={"mon": [["08:00", "12:00"]]}),
            "iv-ketamine-pain",
            None,
            "the visit takes 285 minutes but the longest opening is 240 minutes",
        ),
        (
            clinic(),
            "iv-ketamine-depression",
            prefers("sat"),
            "the patient's preferences (Sat) leave no start where a 100-minute visit fits the opening hours",
        ),
        (clinic(nurses=0), "iv-ketamine-depression", None, "no nurse is on duty at any time"),
    ],
)
def test_when_no_plan_exists_the_reason_is_named(calendar, protocol_key, preferences, message):
    ctx = context(calendar, builtin(protocol_key), now=at("2027-06-07 07:00"), preferences=preferences)

    with pytest.raises(NoPlan) as refused:
        plan_series(ctx)

    assert refused.value.message == message


def test_a_fully_booked_fortnight_is_named_with_its_dates():
    calendar = clinic(chairs=(chair(1, "iv"),))
    monday = at("2027-06-07 08:00")
    full = [booking(1, monday + timedelta(days=d), 9 * 60) for d in range(14)]
    ctx = context(calendar, builtin("iv-ketamine-depression"), now=at("2027-06-07 07:00"), bookings=full)

    with pytest.raises(NoPlan) as refused:
        plan_series(ctx, search_days=5)

    assert refused.value.message == "no free time for a 100-minute visit between Jun 7 and Jun 11"
