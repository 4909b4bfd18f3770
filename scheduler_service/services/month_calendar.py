"""Small month calendars with some days marked, as plain data a template renders as tables."""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Day:
    day: date | None  # None: a blank cell before the 1st or after the last day of the month
    mark: str = ""  # what happens that day, e.g. "1/6"; "" for an ordinary day


@dataclass(frozen=True)
class Month:
    title: str  # "November 2026"
    weeks: list[list[Day]]  # Monday first, as the clinic's week starts

    @property
    def marked(self) -> int:
        return sum(1 for week in self.weeks for cell in week if cell.mark)


def month_grids(marks: Mapping[date, str]) -> list[Month]:
    """Every month from the first marked day's to the last's (months between included, so gaps show)."""
    if not marks:
        return []
    first, last = min(marks), max(marks)
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
        grid = [[Day(d, marks.get(d, "")) if d.month == month else Day(None) for d in week] for week in weeks]
        months.append(Month(f"{calendar.month_name[month]} {year}", grid))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
