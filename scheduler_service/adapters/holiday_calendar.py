"""Public holidays from the `holidays` package, handed to the domain as plain {date: name}."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays

from ..domain.errors import InvalidValue


def validate_region(country: str | None, subdivision: str | None) -> None:
    """Refuse a country or subdivision the holidays package does not know, naming the field."""
    if country is None:
        if subdivision is not None:
            raise InvalidValue("holiday_subdivision", "needs a holiday_country")
        return
    if country not in holidays.list_supported_countries():
        raise InvalidValue("holiday_country", f"{country!r} is not a supported ISO country code such as 'US'")
    if subdivision is not None and subdivision not in holidays.country_holidays(country).subdivisions:
        raise InvalidValue("holiday_subdivision", f"{subdivision!r} is not a subdivision of {country}")


@lru_cache(maxsize=256)
def _year(country: str, subdivision: str | None, year: int) -> tuple[tuple[date, str], ...]:
    return tuple(sorted(holidays.country_holidays(country, subdiv=subdivision, years=year).items()))


def holidays_between(country: str | None, subdivision: str | None, first: date, last: date) -> dict[date, str]:
    if country is None:
        return {}
    found: dict[date, str] = {}
    for year in range(first.year, last.year + 1):
        found.update((day, name) for day, name in _year(country, subdivision, year) if first <= day <= last)
    return found
