"""When reminders go out: offsets, SMS quiet hours in the patient's zone (across DST), late bookings, backoff."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduler_service.domain.errors import InvalidValue
from scheduler_service.domain.reminder_policy import QuietHours, ReminderPolicy
from scheduler_service.domain.reminder_times import (
    QUIET_MARGIN,
    before_quiet_hours,
    plan_reminders,
    quiet_hours_end,
    retry_delay,
)

CHICAGO = ZoneInfo("America/Chicago")
NIGHT = QuietHours(time(20), time(8))
DEFAULT = ReminderPolicy()


def chicago(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=CHICAGO)


def plan(start: datetime, now: datetime, channels=("email", "sms"), policy=DEFAULT, zone=CHICAGO):
    return {(p.channel, p.offset_minutes): p for p in plan_reminders(policy, start, channels, now, zone)}


def test_by_default_a_visit_is_reminded_48_hours_before_in_full_and_2_hours_before_in_short():
    start = chicago(2027, 3, 10, 13, 0)

    planned = plan(start, now=chicago(2027, 3, 1, 9, 0), channels=("email",))

    assert {k: (p.due_at, p.content) for k, p in planned.items()} == {
        ("email", 2880): (start - timedelta(hours=48), "full"),
        ("email", 120): (start - timedelta(hours=2), "short"),
    }


def test_an_sms_due_before_8_in_the_morning_goes_the_evening_before_ahead_of_the_quiet_hours():
    planned = plan(chicago(2027, 3, 10, 9, 0), now=chicago(2027, 3, 1, 9, 0))

    assert planned[("sms", 120)].due_at == chicago(2027, 3, 9, 20, 0) - QUIET_MARGIN
    assert planned[("email", 120)].due_at == chicago(2027, 3, 10, 7, 0)  # e-mail has no quiet hours


def test_quiet_hours_keep_to_the_wall_clock_on_the_night_the_clocks_spring_forward():
    # 2 h before Monday 15 March 2027 08:30 CDT is 06:30 CDT; quiet hours began Sunday 20:00 CDT
    planned = plan(chicago(2027, 3, 15, 8, 30), now=chicago(2027, 3, 1, 9, 0))

    due = planned[("sms", 120)].due_at.astimezone(CHICAGO)
    assert (due.date().isoformat(), due.hour, due.minute, due.tzname()) == ("2027-03-14", 19, 30, "CDT")


def test_quiet_hours_keep_to_the_wall_clock_on_the_night_the_clocks_fall_back():
    planned = plan(chicago(2027, 11, 8, 8, 0), now=chicago(2027, 11, 1, 9, 0))

    due = planned[("sms", 120)].due_at.astimezone(CHICAGO)
    assert (due.date().isoformat(), due.hour, due.minute, due.tzname()) == ("2027-11-07", 19, 30, "CST")


def test_quiet_hours_are_the_patients_night_not_the_clinics():
    tokyo = ZoneInfo("Asia/Tokyo")
    start = chicago(2027, 3, 10, 13, 0)  # 04:00 the next day in Tokyo; 2 h before is 02:00 there

    planned = plan(start, now=chicago(2027, 3, 1, 9, 0), zone=tokyo)

    due = planned[("sms", 120)].due_at.astimezone(tokyo)
    assert (due.hour, due.minute) == (19, 30) and due < start


def test_a_visit_booked_inside_both_offsets_gets_one_message_now_with_the_instructions():
    now = chicago(2027, 3, 10, 12, 0)

    planned = plan(chicago(2027, 3, 10, 13, 0), now=now, channels=("email",))

    assert [(k, p.content, p.due_at) for k, p in planned.items()] == [(("email", 2880), "full", now)]


def test_a_clinic_that_skips_late_reminders_sends_only_those_still_ahead():
    skip = ReminderPolicy.parse({"late_booking": "skip"})

    planned = plan(chicago(2027, 3, 10, 13, 0), now=chicago(2027, 3, 9, 12, 0), channels=("email",), policy=skip)

    assert list(planned) == [("email", 120)]


def test_a_visit_already_begun_gets_no_reminder_and_channels_follow_consent_and_policy():
    start = chicago(2027, 3, 10, 13, 0)
    email_only = ReminderPolicy.parse({"channels": ["email"]})

    assert plan(start, now=start) == {}
    assert plan(start, now=chicago(2027, 3, 1, 9), channels=()) == {}
    assert {k[0] for k in plan(start, now=chicago(2027, 3, 1, 9), policy=email_only)} == {"email"}


def test_the_end_of_quiet_hours_is_the_next_morning_in_the_evening_and_this_morning_after_midnight():
    assert quiet_hours_end(chicago(2027, 3, 9, 22, 0), NIGHT, CHICAGO) == chicago(2027, 3, 10, 8, 0)
    assert quiet_hours_end(chicago(2027, 3, 10, 3, 0), NIGHT, CHICAGO) == chicago(2027, 3, 10, 8, 0)
    assert quiet_hours_end(chicago(2027, 3, 10, 12, 0), NIGHT, CHICAGO) is None


def test_quiet_hours_within_one_day_work_as_well():
    lunch = QuietHours(time(12), time(13))

    assert before_quiet_hours(chicago(2027, 3, 10, 12, 30), lunch, CHICAGO) == chicago(2027, 3, 10, 11, 30)
    assert quiet_hours_end(chicago(2027, 3, 10, 12, 30), lunch, CHICAGO) == chicago(2027, 3, 10, 13, 0)


@given(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2029, 1, 1), timezones=st.just(UTC)))
def test_no_planned_sms_falls_in_quiet_hours_or_after_its_visit(start):
    now = start - timedelta(days=10)

    for p in plan_reminders(DEFAULT, start, ["sms"], now, CHICAGO):
        assert not NIGHT.contains(p.due_at.astimezone(CHICAGO).time())
        assert now <= p.due_at < start


def test_backoff_doubles_from_the_base_and_stops_at_the_cap():
    delays = [retry_delay(n, timedelta(minutes=1), timedelta(minutes=30)) for n in range(1, 8)]

    assert [d.total_seconds() / 60 for d in delays] == [1, 2, 4, 8, 16, 30, 30]


def test_a_protocol_override_replaces_only_what_it_names():
    policy = ReminderPolicy.parse(
        {"late_booking": "skip", "protocol_overrides": {"spravato-trd": {"offsets": [{"minutes_before": 1440}]}}}
    )

    spravato = policy.for_protocol("spravato-trd")

    assert [o.minutes_before for o in spravato.offsets] == [1440]
    assert spravato.late_booking == "skip" and spravato.quiet_hours == NIGHT
    assert policy.for_protocol("iv-ketamine-depression").offsets == DEFAULT.offsets


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"offsets": "48h"}, "offsets"),
        ({"offsets": [{"minutes_before": True}]}, "offsets.0.minutes_before"),
        ({"offsets": [{"minutes_before": 10, "when": 1}]}, "offsets.0.when"),
        ({"quiet_hours": {"start": "20:00"}}, "quiet_hours.end"),
        ({"colour": "red"}, "colour"),
        (
            {"protocol_overrides": {"x": {"offsets": [{"minutes_before": -1}]}}},
            "protocol_overrides.x.offsets.0.minutes_before",
        ),
        ({"confirmation_email": "yes"}, "confirmation_email"),
    ],
)
def test_a_bad_policy_names_the_field_at_fault(raw, field):
    with pytest.raises(InvalidValue) as refused:
        ReminderPolicy.parse(raw)

    assert refused.value.field == field


def test_a_policy_survives_a_round_trip_through_its_stored_form():
    policy = ReminderPolicy.parse(
        {"quiet_hours": None, "board_send_at": "15:30", "protocol_overrides": {"consult": {"channels": ["email"]}}}
    )

    assert ReminderPolicy.parse(policy.to_dict()) == policy
