"""The clinic calendar: opening windows, closures, holidays and staffing, in the clinic's own zone."""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduler_service.domain.clinic import (
    DEFAULT_OPENING_HOURS,
    ClinicCalendar,
    Closure,
    OpeningHours,
    Staffing,
    parse_zone,
)
from scheduler_service.domain.errors import InvalidValue

CHICAGO = ZoneInfo("America/Chicago")


def calendar(**overrides) -> ClinicCalendar:
    hours = OpeningHours.parse(overrides.pop("hours", DEFAULT_OPENING_HOURS))
    return ClinicCalendar(zone=CHICAGO, hours=hours, chairs=(), staffing=Staffing.parse({}), **overrides)


def test_a_weekday_is_open_from_eight_to_five_local_time():
    ((start, end),) = calendar().open_intervals(date(2027, 3, 15))

    assert start.isoformat() == "2027-03-15T08:00:00-05:00"
    assert end.isoformat() == "2027-03-15T17:00:00-05:00"


def test_the_same_hours_shift_offset_but_not_wall_clock_across_the_dst_change():
    before = calendar().open_intervals(date(2027, 3, 12))[0][0]
    after = calendar().open_intervals(date(2027, 3, 15))[0][0]

    assert (before.hour, after.hour) == (8, 8)
    assert before.utcoffset() == timedelta(hours=-6) and after.utcoffset() == timedelta(hours=-5)


def test_weekends_holidays_and_whole_day_closures_are_closed_with_a_reason():
    cal = calendar(
        holidays={date(2026, 11, 26): "Thanksgiving Day"},
        closures=(Closure.build(date(2026, 12, 24), date(2027, 1, 1), reason="Winter break"),),
    )

    assert cal.closed_reason(date(2026, 11, 28)) == "closed on Sat"
    assert cal.closed_reason(date(2026, 11, 26)) == "Thanksgiving Day"
    assert cal.closed_reason(date(2026, 12, 30)) == "Winter break"
    assert cal.open_intervals(date(2026, 12, 30)) == []
    assert cal.closed_reason(date(2027, 1, 4)) is None


def test_a_part_day_closure_cuts_a_hole_in_the_opening_window():
    cal = calendar(
        closures=(Closure.build(date(2026, 12, 10), start_time="12:00", end_time="13:30", reason="Training"),)
    )

    pieces = [(s.time(), e.time()) for s, e in cal.open_intervals(date(2026, 12, 10))]

    assert pieces == [(time(8), time(12)), (time(13, 30), time(17))]


def test_a_lunch_break_gives_two_windows():
    cal = calendar(hours={"mon": [["08:00", "12:00"], ["13:00", "17:00"]]})

    assert len(cal.open_intervals(date(2027, 3, 15))) == 2
    assert cal.open_intervals(date(2027, 3, 16)) == []


@pytest.mark.parametrize(
    ("hours", "field"),
    [
        ({"mon": [["17:00", "08:00"]]}, "opening_hours.mon.0"),
        ({"mon": [["08:00", "12:00"], ["11:00", "17:00"]]}, "opening_hours.mon"),
        ({"funday": [["08:00", "12:00"]]}, "opening_hours.funday"),
        ({"mon": [["8am", "12:00"]]}, "opening_hours.mon.0.0"),
        ({"mon": [["08:00"]]}, "opening_hours.mon.0"),
        ({"mon": "08:00-17:00"}, "opening_hours.mon"),
    ],
)
def test_bad_opening_hours_name_the_offending_window(hours, field):
    with pytest.raises(InvalidValue) as raised:
        OpeningHours.parse(hours)

    assert raised.value.field == field


@pytest.mark.parametrize("name", ["Mars/Olympus", "CST", "EST", "Etc/GMT+6", "+05:00", "", "../../etc/passwd", 5])
def test_only_iana_zones_are_accepted(name):
    with pytest.raises(InvalidValue) as raised:
        parse_zone(name)

    assert raised.value.field == "timezone"


def test_staffing_by_weekday_follows_the_opening_hours_and_blocks_are_exact():
    hours = OpeningHours.parse(DEFAULT_OPENING_HOURS)
    staffing = Staffing.parse({"mon": 2, "tue": [{"start": "08:00", "end": "12:00", "nurses": 3}]}, hours=hours)

    assert staffing.nurses_at(0, time(8)) == 2
    assert staffing.nurses_at(0, time(17)) == 0
    assert staffing.nurses_at(1, time(11, 59)) == 3
    assert staffing.nurses_at(1, time(12)) == 0
    assert staffing.nurses_at(2, time(9)) == 0


@pytest.mark.parametrize(
    ("nurses", "field"),
    [
        ({"mon": -1}, "nurses.mon"),
        ({"xyz": 1}, "nurses.xyz"),
        (
            {"mon": [{"start": "08:00", "end": "12:00", "nurses": 1}, {"start": "11:00", "end": "13:00", "nurses": 1}]},
            "nurses.mon.1",
        ),
        ({"mon": [{"start": "08:00", "nurses": 1}]}, "nurses.mon.0"),
        ({"mon": True}, "nurses.mon"),
    ],
)
def test_bad_staffing_names_the_field(nurses, field):
    with pytest.raises(InvalidValue) as raised:
        Staffing.parse(nurses)

    assert raised.value.field == field


def test_a_closure_must_end_after_it_starts():
    with pytest.raises(InvalidValue) as raised:
        Closure.build(date(2026, 12, 24), date(2026, 12, 23))
    assert raised.value.field == "end_date"

    with pytest.raises(InvalidValue) as raised:
        Closure.build(date(2026, 12, 24), start_time="12:00")
    assert raised.value.field == "end_time"
