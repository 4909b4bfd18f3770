"""What the admin forms share: reading typed values from a form, and putting a refusal next to its field."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from ..domain.errors import InvalidValue
from ..domain.timewindows import WEEKDAYS
from ..services.paging import Page

DAY_NAMES = dict(
    zip(WEEKDAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"), strict=True)
)
EVERYTHING = Page(1, 500)  # set-up lists are short; one page holds a clinic's chairs or closures


def text(form: Mapping[str, str], name: str) -> str:
    return (form.get(name) or "").strip()


def optional(form: Mapping[str, str], name: str) -> str | None:
    return text(form, name) or None


def whole(form: Mapping[str, str], name: str, low: int, high: int) -> int:
    """A whole number in [low, high]; the same ranges the API's schemas enforce, refused in the same words."""
    raw = text(form, name)
    if not raw.lstrip("-").isdigit() or not low <= int(raw) <= high:
        raise InvalidValue(name, f"must be a whole number from {low} to {high}")
    return int(raw)


def plain(reason: str) -> str:
    """The rules name fields as in the API (start_time); people read "start time"."""
    return re.sub(r"\b([a-z]+(?:_[a-z]+)+)\b", lambda m: m.group(1).replace("_", " "), reason)


def placed(error: InvalidValue, fields: Iterable[str]) -> dict[str, str]:
    """{field shown on the form: reason} for the most specific field that the error's path falls under.

    "opening_hours.mon.0.1" lands on "opening_hours.mon"; a path the form does not show goes to "_form".
    """
    parts = error.field.split(".")
    for depth in range(len(parts), 0, -1):
        key = ".".join(parts[:depth])
        if key in set(fields):
            return {key: plain(error.reason)}
    return {"_form": plain(error.message)}


def day_fields(prefix: str) -> list[str]:
    return [f"{prefix}.{day}" for day in WEEKDAYS]


def clock_range(form: Mapping[str, str], start: str, end: str, where: str) -> list[str] | None:
    """A window from two time inputs: both empty is none; one of them alone is refused."""
    first, last = text(form, start), text(form, end)
    if not first and not last:
        return None
    if not first or not last:
        raise InvalidValue(where, "needs both a start and an end time (or neither)")
    return [_padded(first), _padded(last)]


def _padded(clock: str) -> str:
    """People type 8:30 for 08:30; the rules take HH:MM and explain anything else."""
    return f"0{clock}" if re.fullmatch(r"\d:\d\d", clock) else clock
