"""The invariant checker itself must catch what it is for: an overlap and an over-capacity minute."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from scheduler_service.domain.clinic import DEFAULT_OPENING_HOURS, OpeningHours, Staffing

from .invariants import _check_clinic

CHICAGO = ZoneInfo("America/Chicago")


def test_three_patients_for_one_nurse_of_two_is_a_breach():
    staffing = Staffing.parse({"mon": 1}, patients_per_nurse=2, hours=OpeningHours.parse(DEFAULT_OPENING_HOURS))
    monday_9 = datetime(2027, 3, 15, 14, tzinfo=UTC)  # 09:00 in Chicago
    visits = [(monday_9 + timedelta(minutes=15 * n), monday_9 + timedelta(hours=2)) for n in range(3)]

    breaches = _check_clinic(1, CHICAGO, staffing, 15, visits)

    assert any("3 patients monitored" in b for b in breaches)


def test_two_starts_in_one_slot_for_one_nurse_is_a_breach():
    staffing = Staffing.parse({"mon": 1}, patients_per_nurse=3, hours=OpeningHours.parse(DEFAULT_OPENING_HOURS))
    monday_9 = datetime(2027, 3, 15, 14, tzinfo=UTC)

    breaches = _check_clinic(
        1,
        CHICAGO,
        staffing,
        15,
        [(monday_9, monday_9 + timedelta(hours=1))] * 2,
    )

    assert any("2 starts" in b for b in breaches)
