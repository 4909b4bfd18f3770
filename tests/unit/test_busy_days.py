"""How full a day already is: counted in quarters of the chairs' open time, and the tie-break between days."""

from __future__ import annotations

from datetime import date

from scheduler_service.domain.busy_days import busy_quarters
from scheduler_service.domain.occupancy import Occupancy, epoch
from scheduler_service.domain.planner import plan_series

from .builders import at, booking, builtin, chair, clinic, closed, context, local_times

THURSDAY = date(2026, 12, 3)
TREATMENT_CHAIRS = (1, 2, 3, 4)


def quarters(calendar, bookings, day=THURSDAY, chairs=TREATMENT_CHAIRS) -> int:  # type: ignore[no-untyped-def]
    stretches = [(epoch(a), epoch(b)) for a, b in calendar.open_intervals(day)]
    return busy_quarters(Occupancy(calendar, bookings).on(day), chairs, stretches)


def whole_day(chair_id: int, day: str = "2026-12-03") -> list:  # type: ignore[type-arg]
    """Visits holding a chair from 8:00 to 17:00 (each 120 minutes plus 15 of turnover, the last one shorter)."""
    starts = ["08:00", "10:15", "12:30", "14:45"]
    return [booking(chair_id, at(f"{day} {s}"), 120 if s != "14:45" else 135) for s in starts]


def test_an_empty_day_has_no_busy_quarter():
    assert quarters(clinic(), []) == 0


def test_two_of_four_chairs_held_all_day_make_two_quarters():
    assert quarters(clinic(), whole_day(1) + whole_day(2)) == 2


def test_turnover_counts_as_held_and_a_full_day_stops_at_four():
    calendar = clinic()
    full = [b for c in TREATMENT_CHAIRS for b in whole_day(c)]
    # Without turnover the visits hold 8 h 15 min of each chair's 9 h: under 4 quarters only if turnover were left out.
    assert quarters(calendar, full) == 4


def test_visits_that_overlap_on_a_chair_hold_it_once():
    # The service never books two visits on one chair at once, but a day's load must not count a chair twice.
    calendar = clinic(chairs=(chair(1, "iv"),))
    twice = [booking(1, at("2026-12-03 08:00"), 120), booking(1, at("2026-12-03 08:00"), 120)]

    assert quarters(calendar, twice, chairs=(1,)) == 1  # 135 of 540 minutes, not 270


def test_only_the_chairs_the_protocol_may_use_are_counted():
    calendar = clinic(chairs=(chair(1, "iv"), chair(2, "iv"), chair(9, "consult")))
    consults = whole_day(9)

    assert quarters(calendar, consults, chairs=(1, 2)) == 0
    assert quarters(calendar, consults + whole_day(1), chairs=(1, 2)) == 2


def test_a_part_day_closure_makes_the_same_bookings_a_bigger_share():
    morning = [booking(c, at("2026-12-03 08:00"), 225) for c in (1, 2)]  # 8:00-11:45, turnover to 12:00
    afternoon_closed = clinic(closures=(closed(THURSDAY, hours=("13:00", "17:00")),))

    assert quarters(clinic(), morning) == 0  # 8 of 36 chair-hours
    assert quarters(afternoon_closed, morning) == 1  # 8 of 20
    assert quarters(afternoon_closed, morning + [booking(3, at("2026-12-03 08:00"), 225)]) == 2  # 12 of 20


def test_a_session_goes_to_the_quieter_of_two_days_that_serve_the_course_equally():
    # From Tuesday, Tue Thu Mon Wed Fri Mon and Tue Fri Mon Wed Fri Mon both end on the same Monday
    # with gaps 3 days off target in all; Thursday afternoon is already a third held, Friday is empty.
    afternoon = [booking(c, at("2026-12-03 13:00"), 225) for c in (2, 3, 4)]  # to 16:45, turnover to 17:00
    ctx = context(clinic(), builtin("iv-ketamine-depression"), now=at("2026-12-01 07:00"), bookings=afternoon)

    plan = plan_series(ctx)[0]

    assert local_times(plan.sessions[:6]) == [
        "Tue 12-01 08:00",
        "Fri 12-04 08:00",
        "Mon 12-07 08:00",
        "Wed 12-09 08:00",
        "Fri 12-11 08:00",
        "Mon 12-14 08:00",
    ]
    assert plan.score.busy_quarters == 0
    assert plan.score.gap_days_off_target == 3
