"""Free start times for one visit: hours, closures, chairs with turnover, nurses, preferences, DST."""

from __future__ import annotations

from datetime import date, time

from scheduler_service.domain.planning_context import PlanningContext
from scheduler_service.domain.slots import free_starts

from .builders import CHICAGO, at, booking, builtin, chair, clinic, closed, context, gap, phase, prefers, protocol


def starts_on(ctx, day: date) -> list[str]:  # type: ignore[no-untyped-def]
    (found,) = free_starts(ctx, day, day)
    return [s.start.strftime("%H:%M") for s in found.starts]


def chairs_at(ctx, day: date, clock: str) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    (found,) = free_starts(ctx, day, day)
    return next((s.chair_ids for s in found.starts if s.start.strftime("%H:%M") == clock), ())


def sunday_night(opens: str, closes: str, now: str) -> PlanningContext:
    """A half-hour visit at a clinic open only on Sunday from `opens` to `closes`, with one nurse."""
    night = clinic(hours={"sun": [[opens, closes]]}, nurses={"sun": 1}, slot_minutes=30)
    return context(night, protocol(phase("single", 1, gap(1, 1, 1)), minutes=30), now=at(now))


def with_offsets(starts) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.start.strftime("%H:%M%z") for s in starts]


MONDAY = date(2027, 6, 7)
IV = builtin("iv-ketamine-depression")


def test_an_empty_day_offers_every_quarter_hour_whose_whole_visit_ends_by_closing():
    ctx = context(clinic(), IV, now=at("2027-06-07 07:00"))

    starts = starts_on(ctx, MONDAY)

    assert (starts[0], starts[-1], len(starts)) == ("08:00", "15:15", 30)
    assert chairs_at(ctx, MONDAY, "08:00") == (1, 2, 3, 4)


def test_a_holiday_offers_nothing_and_says_why():
    ctx = context(clinic(holidays={date(2026, 11, 26): "Thanksgiving Day"}), IV, now=at("2026-11-23 07:00"))

    (thanksgiving,) = free_starts(ctx, date(2026, 11, 26), date(2026, 11, 26))

    assert (thanksgiving.starts, thanksgiving.closed) == ((), "Thanksgiving Day")


def test_a_booked_chair_comes_back_only_after_the_visit_and_its_turnover():
    ctx = context(clinic(), IV, now=at("2027-06-07 07:00"), bookings=[booking(1, at("2027-06-07 09:00"), 100)])

    offered = [clock for clock in starts_on(ctx, MONDAY) if 1 in chairs_at(ctx, MONDAY, clock)]

    assert offered[0] == "11:00"  # 10:40 + 15 minutes turnover = 10:55, next quarter hour
    assert "08:00" not in offered  # 8:00 + 100 min + turnover would run into the 9:00 visit


def test_nurses_monitor_at_most_their_patients_at_any_moment():
    busy = [booking(c, at("2027-06-07 09:00"), 100) for c in (1, 2, 3)]
    ctx = context(clinic(nurses=1), IV, now=at("2027-06-07 07:00"), bookings=busy)

    starts = starts_on(ctx, MONDAY)

    assert starts[0] == "10:45"  # the one nurse already monitors 3 patients from 9:00 to 10:40


def test_a_nurse_starts_one_visit_per_slot():
    ctx = context(clinic(nurses=1), IV, now=at("2027-06-07 07:00"), bookings=[booking(1, at("2027-06-07 11:00"), 100)])

    assert "11:00" not in starts_on(ctx, MONDAY)
    assert "11:15" in starts_on(ctx, MONDAY)


def test_a_consult_takes_a_room_but_no_nurse():
    calendar = clinic(chairs=(chair(9, "consult"),), nurses=0)

    ctx = context(calendar, builtin("consult"), now=at("2027-06-07 07:00"))

    assert starts_on(ctx, MONDAY)[:2] == ["08:00", "08:15"]


def test_a_part_day_closure_keeps_every_visit_out_of_it():
    meeting = closed(MONDAY, MONDAY, "Staff meeting", ("12:00", "13:00"))
    ctx = context(clinic(closures=(meeting,)), IV, now=at("2027-06-07 07:00"))

    starts = starts_on(ctx, MONDAY)

    assert "10:15" in starts and "10:30" not in starts  # 10:15 + 100 min ends at 11:55
    assert "13:00" in starts


def test_nothing_is_offered_before_now():
    ctx = context(clinic(), IV, now=at("2027-06-07 10:07"))

    assert starts_on(ctx, MONDAY)[0] == "10:15"
    assert starts_on(ctx, date(2027, 6, 4)) == []


def test_the_patients_preferred_start_times_bound_the_offer():
    ctx = context(clinic(), IV, now=at("2027-06-07 07:00"), preferences=prefers("mon", latest="09:00"))

    assert starts_on(ctx, MONDAY) == ["08:00", "08:15", "08:30", "08:45", "09:00"]
    assert starts_on(ctx, date(2027, 6, 8)) == []


def test_wall_times_the_spring_dst_change_skips_are_never_offered():
    ctx = sunday_night("01:00", "05:00", now="2026-03-07 07:00")

    (day,) = free_starts(ctx, date(2026, 3, 8), date(2026, 3, 8))

    assert with_offsets(day.starts) == [
        "01:00-0600",
        "01:30-0600",
        "03:00-0500",
        "03:30-0500",
        "04:00-0500",
        "04:30-0500",
    ]
    assert day.starts[1].end.strftime("%H:%M%z") == "03:00-0500"  # 30 minutes after 1:30 CST


def test_the_repeated_hour_of_the_autumn_dst_change_is_offered_once():
    ctx = sunday_night("00:00", "03:00", now="2026-10-31 07:00")

    (day,) = free_starts(ctx, date(2026, 11, 1), date(2026, 11, 1))

    assert with_offsets(day.starts) == [
        "00:00-0500",
        "00:30-0500",
        "01:00-0500",
        "01:30-0500",
        "02:00-0600",
        "02:30-0600",
    ]


def test_two_weeks_of_availability_come_day_by_day_in_the_clinic_zone():
    ctx = context(clinic(), IV, now=at("2027-06-07 07:00"))

    days = free_starts(ctx, MONDAY, date(2027, 6, 20))

    assert [d.day.day for d in days] == list(range(7, 21))
    assert [d.closed for d in days[5:7]] == ["closed on Sat", "closed on Sun"]
    assert days[0].starts[0].start.tzinfo is CHICAGO and days[0].starts[0].start.time() == time(8, 0)
