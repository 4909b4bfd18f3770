"""The per-day index of what is booked: chairs with turnover, nurse headroom, load."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from scheduler_service.domain.errors import InvalidValue
from scheduler_service.domain.occupancy import Booking, Occupancy, epoch

from .builders import at, booking, clinic


def test_a_chair_is_free_again_exactly_when_visit_and_turnover_are_over():
    day = Occupancy(clinic(), [booking(1, at("2027-06-07 09:00"), 100)]).on(date(2027, 6, 7))

    assert day.chair_free(1, epoch(at("2027-06-07 10:55")), epoch(at("2027-06-07 12:35")), 15 * 60)
    assert not day.chair_free(1, epoch(at("2027-06-07 10:50")), epoch(at("2027-06-07 12:30")), 15 * 60)
    assert day.chair_free(2, epoch(at("2027-06-07 09:00")), epoch(at("2027-06-07 10:40")), 15 * 60)


def test_a_visit_before_a_booking_needs_its_own_turnover_too():
    day = Occupancy(clinic(), [booking(1, at("2027-06-07 12:00"), 60)]).on(date(2027, 6, 7))

    assert day.chair_free(1, epoch(at("2027-06-07 10:00")), epoch(at("2027-06-07 11:45")), 15 * 60)
    assert not day.chair_free(1, epoch(at("2027-06-07 10:00")), epoch(at("2027-06-07 11:50")), 15 * 60)


def test_nurse_headroom_is_patients_per_nurse_times_nurses_minus_patients_in_chairs():
    bookings = [booking(1, at("2027-06-07 09:00"), 60), booking(2, at("2027-06-07 09:30"), 60, uses_nurse=False)]
    day = Occupancy(clinic(nurses=1), bookings).on(date(2027, 6, 7))

    assert day.least_headroom(epoch(at("2027-06-07 08:00")), epoch(at("2027-06-07 09:00"))) == 3
    assert day.least_headroom(epoch(at("2027-06-07 08:00")), epoch(at("2027-06-07 09:01"))) == 2
    assert day.least_headroom(epoch(at("2027-06-07 07:00")), epoch(at("2027-06-07 08:30"))) == 0  # no nurse yet


def test_load_counts_the_visits_in_a_chair_during_a_visit():
    bookings = [booking(1, at("2027-06-07 09:00"), 60), booking(2, at("2027-06-07 10:00"), 60)]
    day = Occupancy(clinic(), bookings).on(date(2027, 6, 7))

    assert day.overlapping(epoch(at("2027-06-07 09:30")), epoch(at("2027-06-07 10:30"))) == 2
    assert day.overlapping(epoch(at("2027-06-07 11:00")), epoch(at("2027-06-07 12:00"))) == 0


def test_a_booking_past_midnight_counts_on_both_days():
    occupancy = Occupancy(clinic(), [booking(1, at("2027-06-07 23:00"), 120)])

    def holds_chair(start: str, end: str) -> bool:
        return not occupancy.on(date.fromisoformat(start[:10])).chair_free(1, epoch(at(start)), epoch(at(end)), 0)

    assert holds_chair("2027-06-07 23:30", "2027-06-07 23:45")
    assert holds_chair("2027-06-08 00:30", "2027-06-08 01:00")


def test_a_booking_without_a_utc_offset_is_refused():
    with pytest.raises(InvalidValue):
        Booking(1, datetime(2027, 6, 7, 9, 0), datetime(2027, 6, 7, 10, 0))
