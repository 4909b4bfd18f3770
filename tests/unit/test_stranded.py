"""Stranded chair time: free slots beside a visit that no visit of the clinic could fill."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scheduler_service.domain.builtin_protocols import BUILTIN_PROTOCOLS
from scheduler_service.domain.planning_context import PlanningContext
from scheduler_service.domain.stranded import hold_slots, stranded_slots, unfillable

from .builders import at, beside_visit, booking, builtin, chair, clinic, context

MONDAY = at("2027-06-07 08:00")
IV, SPRAVATO, PAIN = 8, 11, 20  # slots held: 100, 150 and 285 minutes of visit, 15 of turnover, on a 15-minute grid


def test_each_visit_holds_its_chair_for_visit_and_turnover_rounded_up_to_the_grid():
    assert hold_slots(BUILTIN_PROTOCOLS, 15, 15) == (4, IV, SPRAVATO, PAIN)
    assert hold_slots([builtin("iv-ketamine-depression")], 0, 30) == (4,)  # 100 minutes: 4 half-hours


@pytest.mark.parametrize(
    ("slots", "sizes", "left"),
    [
        (0, (IV,), 0),
        (7, (IV,), 7),  # 8:00-9:45 before a visit: too short for a 2-hour hold
        (16, (IV,), 0),
        (21, (IV,), 5),
        (21, (IV, PAIN), 1),
        (29, (IV, SPRAVATO, PAIN), 1),  # pain + IV: 28; no mix makes 29
        (30, (IV, SPRAVATO, PAIN), 0),  # Spravato twice + IV
        (15, (IV, SPRAVATO), 4),
    ],
)
def test_unfillable_slots_are_what_the_best_mix_of_visits_leaves(slots, sizes, left):
    assert unfillable(slots, sizes) == left


def stranded_at(ctx, when, chair_id):  # type: ignore[no-untyped-def]
    return beside_visit(ctx, when, chair_id, stranded_slots, ctx.hold_slots[chair_id])


def test_a_visit_beside_another_strands_nothing_and_one_just_after_the_opening_strands_the_slots_before_it():
    ctx = context(clinic(), builtin("iv-ketamine-depression"), bookings=[booking(1, MONDAY, 100)])

    # Chair 1 is held until 9:55 (9:40 + turnover): from 10:00 nothing is lost before the visit.
    assert stranded_at(ctx, MONDAY.replace(hour=10), 1) == unfillable(21, (IV,))  # after: 11:55 to 17:15
    # Chair 2 at 9:45 leaves 8:00-9:45 (7 slots) that no 2-hour visit fits.
    assert stranded_at(ctx, MONDAY.replace(hour=9, minute=45), 2) == 7 + unfillable(22, (IV,))


def test_the_last_visit_of_the_day_may_take_its_turnover_after_closing():
    ctx = context(clinic(), builtin("iv-ketamine-depression"))

    # 15:15-16:55 is held until 17:10; the 5 minutes to 17:15 are no slot. Before it: 8:00-15:15, 29 slots.
    assert stranded_at(ctx, MONDAY.replace(hour=15, minute=15), 1) == unfillable(29, (IV,)) == 5
    # From 8:00 the piece after runs from 9:55 to 17:15: 29 whole slots, counted from 10:00.
    assert stranded_at(ctx, MONDAY, 1) == unfillable(29, (IV,))


def test_a_chair_is_judged_by_the_visits_its_tags_take():
    pain_and_spravato = [builtin("iv-ketamine-pain"), builtin("spravato-trd")]
    calendar = clinic(chairs=(chair(1, "iv"), chair(2, "iv", "spravato")))

    ctx = context(calendar, builtin("iv-ketamine-depression"))
    wider = PlanningContext(calendar, ctx.protocol, ctx.occupancy, ctx.now, treatments=pain_and_spravato)

    assert ctx.hold_slots == {1: (IV,), 2: (IV,)}
    assert wider.hold_slots == {1: (IV, PAIN), 2: (IV, SPRAVATO, PAIN)}
    # A whole empty day after an 8:00 visit: 29 slots; pain + IV leave 1, and Spravato cannot do better.
    assert stranded_at(wider, MONDAY + timedelta(days=1), 1) == 1
