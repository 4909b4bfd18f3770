"""How far apart two sessions are: in calendar days, or in days the clinic is open."""

from __future__ import annotations

from datetime import date, timedelta

from .clinic import ClinicCalendar
from .protocols import Spacing

ONE_DAY = timedelta(days=1)


def unit_words(spacing: Spacing) -> str:
    return "clinic days" if spacing.unit == "clinic_days" else "days"


class OpenDays:
    """Which days the clinic opens at all (any stretch left after closures), remembered per day."""

    def __init__(self, calendar: ClinicCalendar) -> None:
        self.calendar = calendar
        self._open: dict[date, bool] = {}

    def is_open(self, day: date) -> bool:
        known = self._open.get(day)
        if known is None:
            known = self._open[day] = bool(self.calendar.open_intervals(day))
        return known

    def gap(self, spacing: Spacing, earlier: date, later: date) -> int:
        """The gap between two session days in the spacing's unit; clinic days count open days in (earlier, later]."""
        if spacing.unit != "clinic_days":
            return (later - earlier).days
        count, day = 0, earlier
        while day < later:
            day += ONE_DAY
            count += self.is_open(day)
        return count

    def next_days(self, spacing: Spacing, after: date, last: date, keep_max: bool = True) -> list[tuple[date, int]]:
        """Days that may follow a session on `after` (up to `last`), each with its distance from the target gap.

        With keep_max=False the maximum gap is waived (a missed session catches up as soon as it can).
        """
        found: list[tuple[date, int]] = []
        if spacing.unit != "clinic_days":
            day = after + timedelta(days=spacing.min_days)
            end = min(last, after + timedelta(days=spacing.max_days)) if keep_max else last
            while day <= end:
                found.append((day, abs((day - after).days - spacing.target_days)))
                day += ONE_DAY
            return found
        count, day = 0, after
        while day < last and (count < spacing.max_days or not keep_max):
            day += ONE_DAY
            if self.is_open(day):
                count += 1
                if count >= spacing.min_days:
                    found.append((day, abs(count - spacing.target_days)))
        return found

    def latest_next(self, spacing: Spacing, after: date, last: date) -> date:
        """The last day a session following `after` may take (never beyond `last`)."""
        if spacing.unit != "clinic_days":
            return min(last, after + timedelta(days=spacing.max_days))
        following = self.next_days(spacing, after, last)
        return following[-1][0] if following else after
