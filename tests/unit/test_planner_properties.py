"""Over random clinics, closures, bookings, protocols and patients, nothing the planner returns breaks a rule."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from scheduler_service.domain.errors import Conflict, InvalidValue, NoPlan
from scheduler_service.domain.plan_check import RequestedSession, check_sessions
from scheduler_service.domain.planner import plan_series
from scheduler_service.domain.replan import PastSession, replan_series
from scheduler_service.domain.slots import free_starts

from .brute_force import valid_nodes
from .rule_book import session_breaks
from .strategies import broken_rules, has_sessions_left, histories, instances, planning_context

RANDOM = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@RANDOM
@given(instances(small=False))
def test_no_planned_session_ever_breaks_a_rule(instance):
    ctx = planning_context(instance)
    try:
        plans = plan_series(
            ctx,
            from_date=instance.from_date,
            maintenance_sessions=instance.maintenance,
            alternatives=3,
            search_days=instance.search_days,
        )
    except NoPlan as no_plan:
        assert no_plan.message
        event("no plan")
        return
    event(f"{len(plans[0].sessions)} sessions")

    for plan in plans:
        assert broken_rules(instance, plan.sessions) == []
    firsts = [(p.sessions[0].start.date(), p.sessions[0].start.time()) for p in plans]
    assert len(set(firsts)) == len(firsts)
    assert [p.score.key for p in plans] == sorted(p.score.key for p in plans)


@RANDOM
@given(instances(small=False))
def test_free_starts_are_exactly_the_starts_the_rule_book_accepts(instance):
    ctx = planning_context(instance)
    first = instance.from_date
    last = first + timedelta(days=6)

    offered = {(s.start, c) for day in free_starts(ctx, first, last) for s in day.starts for c in s.chair_ids}

    expected = set()
    for n in range(7):
        for node in valid_nodes(
            instance.calendar,
            instance.protocol,
            instance.bookings,
            instance.now,
            instance.preferences,
            first + timedelta(days=n),
        ):
            expected.add((node.day, node.minute, node.chair))
    assert {(s.date(), s.hour * 60 + s.minute, c) for s, c in offered} == expected


@RANDOM
@given(st.data())
def test_a_replan_that_catches_up_keeps_every_rule_but_the_waived_ones(data):
    instance = data.draw(instances(small=False))
    done = data.draw(histories(instance, most=3))
    assume(has_sessions_left(instance, done))
    ctx = planning_context(instance)
    try:
        plans = replan_series(
            ctx,
            [PastSession(s, c) for s, c in done],
            maintenance_sessions=instance.maintenance,
            alternatives=1,
            search_days=instance.search_days,
        )
    except NoPlan:
        return

    for plan in plans:
        keeps_limits = not plan.notes
        assert broken_rules(instance, plan.sessions, done, keep_history_limits=False) == []
        if keeps_limits:
            assert broken_rules(instance, plan.sessions, done) == []


@RANDOM
@given(st.data())
def test_the_check_refuses_a_single_session_exactly_when_the_rule_book_does(data):
    instance = data.draw(instances(small=False))
    day = instance.from_date + timedelta(days=data.draw(st.integers(0, 5)))
    minute = data.draw(st.integers(6 * 4, 20 * 4)) * 15 + data.draw(st.sampled_from([0, 0, 0, 5]))
    start = instance.calendar.local(day, time(minute // 60, minute % 60))
    chair = data.draw(st.sampled_from([c.id for c in instance.calendar.chairs]))
    ctx = planning_context(instance)

    broken = session_breaks(
        instance.calendar, instance.protocol, instance.bookings, start, chair, instance.now, instance.preferences
    )
    event("refused" if broken else "accepted")
    if broken:
        with pytest.raises((InvalidValue, Conflict)):
            check_sessions(ctx, [RequestedSession(start, chair)])
    else:
        (session,) = check_sessions(ctx, [RequestedSession(start, chair)])
        assert session.chair_id == chair


@RANDOM
@given(instances(small=False))
def test_the_check_accepts_every_plan_the_planner_proposes(instance):
    ctx = planning_context(instance)
    try:
        (plan,) = plan_series(
            ctx,
            from_date=instance.from_date,
            maintenance_sessions=instance.maintenance,
            search_days=instance.search_days,
        )
    except NoPlan:
        return

    checked = check_sessions(ctx, [RequestedSession(s.start, s.chair_id) for s in plan.sessions])

    assert checked == plan.sessions
