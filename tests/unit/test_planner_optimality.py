"""The planner is optimal: on small random instances it matches an exhaustive search, alternatives included."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from scheduler_service.domain.errors import NoPlan
from scheduler_service.domain.occupancy import Occupancy
from scheduler_service.domain.planner import plan_series
from scheduler_service.domain.planning_context import PlanningContext
from scheduler_service.domain.replan import PastSession, replan_series

from .brute_force import best_per_first_start
from .rule_book import plan_breaks
from .strategies import Instance, histories, instances

EXHAUSTIVE = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def planning_context(instance: Instance) -> PlanningContext:
    occupancy = Occupancy(instance.calendar, instance.bookings)
    return PlanningContext(instance.calendar, instance.protocol, occupancy, instance.now, instance.preferences)


def small_enough(instance: Instance, done: int = 0) -> bool:
    sessions = instance.protocol.finite_sessions + instance.maintenance
    return 1 <= sessions - done <= 4


@EXHAUSTIVE
@given(instances())
def test_the_plan_and_its_alternatives_score_as_well_as_exhaustive_search(instance):
    assume(small_enough(instance))
    expected = best_per_first_start(
        instance.calendar,
        instance.protocol,
        instance.bookings,
        instance.now,
        instance.preferences,
        instance.from_date,
        instance.search_days,
        instance.maintenance,
    )
    ctx = planning_context(instance)

    event(f"{len(expected)} first starts" if expected else "no plan")
    event(f"{instance.protocol.finite_sessions + instance.maintenance} sessions")
    if not expected:
        with pytest.raises(NoPlan):
            plan_series(
                ctx,
                from_date=instance.from_date,
                maintenance_sessions=instance.maintenance,
                alternatives=2,
                search_days=instance.search_days,
            )
        return
    plans = plan_series(
        ctx,
        from_date=instance.from_date,
        maintenance_sessions=instance.maintenance,
        alternatives=2,
        search_days=instance.search_days,
    )

    assert [p.score.key for p in plans] == expected[:3]
    for plan in plans:
        assert (
            plan_breaks(
                instance.calendar,
                instance.protocol,
                instance.bookings,
                plan.sessions,
                instance.now,
                instance.preferences,
            )
            == []
        )


@EXHAUSTIVE
@given(st.data())
def test_a_replan_from_history_scores_as_well_as_exhaustive_search(data):
    instance = data.draw(instances())
    done = data.draw(histories(instance))
    has_open_end = any(p.open_ended for p in instance.protocol.phases)
    assume(has_open_end or len(done) < instance.protocol.finite_sessions)
    assume(small_enough(instance, len(done)))
    expected = best_per_first_start(
        instance.calendar,
        instance.protocol,
        instance.bookings,
        instance.now,
        instance.preferences,
        instance.from_date,
        instance.search_days,
        instance.maintenance,
        done,
    )
    ctx = planning_context(instance)
    past = [PastSession(start, chair) for start, chair in done]

    def replan():
        return replan_series(
            ctx,
            past,
            from_date=instance.from_date,
            maintenance_sessions=instance.maintenance,
            alternatives=2,
            search_days=instance.search_days,
            catch_up=False,
        )

    event(f"{len(expected)} first starts" if expected else "no plan")
    event(f"{instance.protocol.finite_sessions + instance.maintenance} sessions")
    if not expected:
        with pytest.raises(NoPlan):
            replan()
        return
    plans = replan()

    assert [p.score.key for p in plans] == expected[:3]
    for plan in plans:
        assert (
            plan_breaks(
                instance.calendar,
                instance.protocol,
                instance.bookings,
                plan.sessions,
                instance.now,
                instance.preferences,
                done=[s for s, _ in done],
            )
            == []
        )


@EXHAUSTIVE
@given(st.data())
def test_a_replan_that_must_catch_up_scores_as_well_as_exhaustive_search_of_the_catch_up(data):
    instance = data.draw(instances())
    done = data.draw(histories(instance))
    has_open_end = any(p.open_ended for p in instance.protocol.phases)
    assume(has_open_end or len(done) < instance.protocol.finite_sessions)
    assume(small_enough(instance, len(done)))
    arguments = (
        instance.calendar,
        instance.protocol,
        instance.bookings,
        instance.now,
        instance.preferences,
        instance.from_date,
        instance.search_days,
        instance.maintenance,
        done,
    )
    strict = best_per_first_start(*arguments)
    expected = strict or best_per_first_start(*arguments, keep_history_limits=False)
    ctx = planning_context(instance)
    past = [PastSession(start, chair) for start, chair in done]

    def replan():
        return replan_series(
            ctx,
            past,
            from_date=instance.from_date,
            maintenance_sessions=instance.maintenance,
            alternatives=2,
            search_days=instance.search_days,
        )

    event("strict" if strict else f"catching up: {len(expected)} first starts" if expected else "no plan")
    if not expected:
        with pytest.raises(NoPlan):
            replan()
        return
    plans = replan()

    assert [p.score.key for p in plans] == expected[:3]
    for plan in plans:
        assert (
            plan_breaks(
                instance.calendar,
                instance.protocol,
                instance.bookings,
                plan.sessions,
                instance.now,
                instance.preferences,
                done=[s for s, _ in done],
                keep_history_limits=False,
            )
            == []
        )
