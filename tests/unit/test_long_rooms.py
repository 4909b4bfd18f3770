"""Room for the longest visit: a short visit that breaks the last free stretches pain courses need pays for it."""

from __future__ import annotations

from datetime import timedelta

from scheduler_service.domain.builtin_protocols import BUILTIN_PROTOCOLS
from scheduler_service.domain.chair_time import rooms_around
from scheduler_service.domain.long_rooms import (
    KEEP_LONG_ROOMS,
    charged,
    day_rooms,
    room_run,
    rooms_taken,
    usable_rooms,
)
from scheduler_service.domain.occupancy import Occupancy, epoch
from scheduler_service.domain.planner import plan_series
from scheduler_service.domain.planning_context import PlanningContext

from .builders import at, beside_visit, booking, builtin, chair, clinic, context, prefers

MONDAY = at("2027-06-07 08:00")
PAIN = builtin("iv-ketamine-pain")  # holds a chair 285 + 15 minutes: 20 slots


def with_pain(calendar, bookings=(), preferences=None) -> PlanningContext:  # type: ignore[no-untyped-def]
    ctx = context(calendar, builtin("iv-ketamine-depression"), bookings=bookings, preferences=preferences)
    return PlanningContext(calendar, ctx.protocol, ctx.occupancy, ctx.now, ctx.preferences, treatments=[PAIN])


def taken_at(ctx: PlanningContext, when, chair_id: int) -> int:  # type: ignore[no-untyped-def]
    return beside_visit(ctx, when, chair_id, rooms_taken, ctx.longest[chair_id])


def test_an_empty_chair_day_holds_one_pain_infusion_and_a_visit_at_either_end_leaves_it():
    ctx = with_pain(clinic())

    assert ctx.longest == {1: 20, 2: 20, 3: 20, 4: 20}
    (opens, closes) = ctx.calendar.open_intervals(MONDAY.date())[0]
    load = ctx.occupancy.on(MONDAY.date())
    # 8:00 to 17:15 (closing + the last turnover) is 37 slots on each of the 4 chairs: one room each.
    assert day_rooms(load, ctx.chairs, (epoch(opens), epoch(closes)), 900, 900, ctx.longest) == 4
    assert taken_at(ctx, MONDAY, 1) == 0  # 9:55-17:15 still holds 5 hours
    assert taken_at(ctx, MONDAY.replace(hour=15, minute=15), 1) == 0  # 8:00-15:15 still does
    assert taken_at(ctx, MONDAY.replace(hour=12), 1) == 1  # 8:00-12:00 and 13:55-17:15 do not


def test_a_pain_infusion_uses_its_room_rather_than_taking_one():
    calendar = clinic()
    ctx = context(calendar, PAIN)

    assert taken_at(ctx, MONDAY, 1) == 0
    # Beside a visit held until 9:55, a 10:00 pain infusion leaves 15:15-17:15: it still uses only its own room.
    busy = context(calendar, PAIN, bookings=[booking(1, MONDAY, 100)])
    assert taken_at(busy, MONDAY.replace(hour=10), 1) == 0


def test_a_pain_course_needs_a_room_on_five_clinic_days_in_a_row():
    assert room_run(BUILTIN_PROTOCOLS) == 5  # the pain infusion is the longest visit: 5 sessions a clinic day apart
    assert room_run([p for p in BUILTIN_PROTOCOLS if p.key != "iv-ketamine-pain"]) == 1  # Spravato: 2+ days apart
    assert room_run([]) == 1


def test_long_courses_through_a_day_are_counted_by_the_scarcest_day_of_the_best_run_around_it():
    # Open days in a row and their free rooms; the day asked about is at index `at`.
    assert usable_rooms([3, 3, 3, 3, 3, 1, 3, 3, 3], at=4, run=5) == 3  # Mon-Fri before the scarce day holds 3
    assert usable_rooms([3, 3, 3, 3, 3, 1, 3, 3, 3], at=5, run=5) == 1
    assert usable_rooms([2, 0, 3, 3, 3, 3, 3], at=0, run=5) == 0  # its only run holds a day with no room
    assert usable_rooms([4, 4], at=0, run=5) == 0  # too few open days for a long course at all
    assert usable_rooms([2], at=0, run=1) == 2


def test_losing_a_long_course_costs_only_below_the_number_kept():
    assert charged(KEEP_LONG_ROOMS + 1, KEEP_LONG_ROOMS) == 0
    assert charged(KEEP_LONG_ROOMS, KEEP_LONG_ROOMS - 1) == 1
    assert charged(KEEP_LONG_ROOMS + 2, KEEP_LONG_ROOMS - 2) == 2
    assert charged(2, 0) == 2
    assert charged(0, 0) == 0


def test_the_planning_context_gives_the_cost_per_start_and_chair():
    # Chair 1 is held from 13:00: 8:00-13:00 is exactly one room, and chair 2 has one. Two rooms: each one counts.
    calendar = clinic(chairs=(chair(1, "iv", "spravato"), chair(2, "iv", "spravato")))
    ctx = with_pain(calendar, bookings=[booking(1, MONDAY.replace(hour=13), 240)])

    options = ctx.options(MONDAY.date())
    costs = dict(zip(options, ctx.costs(MONDAY.date()), strict=True))
    noon = next(o for o in options if o.start == epoch(MONDAY.replace(hour=12)))
    assert noon.chairs == (2,)  # chair 1 is busy from 13:00
    assert [rooms for _, rooms in costs[noon]] == [1]
    eight = next(o for o in options if o.start == epoch(MONDAY))
    # 9:55-13:00 is too short: on chair 1 an 8:00 visit breaks the room; chair 2 keeps 9:55-17:15.
    assert dict(zip(eight.chairs, [rooms for _, rooms in costs[eight]], strict=True)) == {1: 1, 2: 0}


def test_a_late_morning_patient_in_a_one_chair_clinic_takes_the_days_only_room_and_the_score_says_so():
    one_chair = clinic(chairs=(chair(1, "iv", "spravato"),))
    ctx = with_pain(one_chair, preferences=prefers(earliest="11:00", latest="12:00"))

    plan = plan_series(ctx, from_date=MONDAY.date(), maintenance_sessions=0)[0]

    # Every start from 11:00 to 12:00 leaves less than 5 hours on either side of the visit.
    assert len(plan.sessions) == 6
    assert plan.score.long_rooms_taken == 6
    assert plan.score.to_dict()["long_rooms_taken"] == 6


def test_with_rooms_to_spare_the_same_patient_costs_nothing():
    six_chairs = clinic(chairs=tuple(chair(i, "iv", "spravato") for i in range(1, 7)))
    ctx = with_pain(six_chairs, preferences=prefers(earliest="11:00", latest="12:00"))

    plan = plan_series(ctx, from_date=MONDAY.date(), maintenance_sessions=0)[0]

    assert plan.score.long_rooms_taken == 0


def test_an_afternoon_patient_is_booked_where_a_pain_infusion_still_fits_before_them():
    # One chair and a pain protocol: from 13:00 on, 8:00-13:00 still holds a 5-hour infusion.
    one_chair = clinic(chairs=(chair(1, "iv", "spravato"),))
    ctx = with_pain(one_chair, preferences=prefers(earliest="12:00"))

    plan = plan_series(ctx, from_date=MONDAY.date() + timedelta(days=1), maintenance_sessions=0)[0]

    assert plan.score.long_rooms_taken == 0
    assert all(s.start.hour >= 13 for s in plan.sessions)


def test_a_room_no_pain_course_could_use_costs_nothing():
    # One chair. A visit at 12:00 every Tuesday and Thursday leaves no 5-hour stretch on those days,
    # so no five clinic days in a row hold a pain infusion: the Monday-Wednesday-Friday rooms are free to take.
    one_chair = clinic(chairs=(chair(1, "iv", "spravato"),))
    noons = [MONDAY.replace(hour=12) + timedelta(days=7 * week + day) for week in range(-1, 6) for day in (1, 3)]
    ctx = with_pain(
        one_chair,
        bookings=[booking(1, noon, 100) for noon in noons],
        preferences=prefers(earliest="11:00", latest="12:00"),
    )

    plan = plan_series(ctx, from_date=MONDAY.date(), maintenance_sessions=0)[0]

    assert [s.start.strftime("%a") for s in plan.sessions] == ["Mon", "Wed", "Fri", "Mon", "Wed", "Fri"]
    assert plan.score.long_rooms_taken == 0  # the empty clinic charges 6 (the test above)


def test_the_days_around_stop_at_today_and_at_the_days_whose_bookings_are_loaded():
    calendar = clinic()
    wednesday = MONDAY.date() + timedelta(days=2)
    loaded = Occupancy(calendar, [], known=(MONDAY.date(), MONDAY.date() + timedelta(days=9)))
    ctx = PlanningContext(calendar, PAIN, loaded, MONDAY - timedelta(days=3))
    from_today = PlanningContext(calendar, PAIN, Occupancy(calendar, []), MONDAY.replace(hour=7) + timedelta(days=1))

    # Four chairs, one room each a day. Loaded: Mon 7 to Wed 16 June; the open days either side of Wednesday 9.
    assert rooms_around(ctx, wednesday) == ([4] * 7, 2)  # Mon, Tue | Wed | Thu, Fri, Mon 14, Tue 15
    assert rooms_around(ctx, wednesday + timedelta(days=5)) == ([4] * 7, 4)  # Mon 14 … Wed 16 is the last loaded
    assert rooms_around(from_today, wednesday) == ([4] * 6, 1)  # Tuesday is today
