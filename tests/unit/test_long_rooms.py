"""Room for the longest visit: a short visit that breaks the last free stretches a pain infusion needs pays for it."""

from __future__ import annotations

from datetime import timedelta

from scheduler_service.domain.long_rooms import KEEP_LONG_ROOMS, charged, day_rooms, rooms_taken
from scheduler_service.domain.occupancy import epoch
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


def test_breaking_a_room_costs_nothing_while_the_day_keeps_enough():
    assert charged(1, KEEP_LONG_ROOMS + 1) == 0
    assert charged(1, KEEP_LONG_ROOMS) == 1
    assert charged(2, KEEP_LONG_ROOMS + 1) == 2
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
