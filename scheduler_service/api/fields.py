"""Marshmallow fields shared by several schemas."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

import marshmallow as ma

from ..domain.days import FIRST_DAY, LAST_DAY, in_range
from ..domain.errors import InvalidValue
from ..domain.text import UNSTORABLE
from ..domain.timewindows import format_clock, parse_clock


class Clock(ma.fields.Field):
    """A local wall-clock time written "HH:MM"."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {}).update({"type": "string", "pattern": r"^\d{2}:\d{2}$", "example": "08:00"})
        super().__init__(**kwargs)

    def _serialize(self, value: time | str | None, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return format_clock(value) if isinstance(value, time) else value  # stored policies hold "HH:MM" already

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> time:
        try:
            return parse_clock(value, attr or "time")
        except InvalidValue as error:
            raise ma.ValidationError(error.reason) from None


class StrictInt(ma.fields.Integer):
    """An integer that refuses "15" and 15.0: wrongly typed input is an error, not a guess."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)


def not_blank(value: str) -> None:
    if not value.strip():
        raise ma.ValidationError("Must not be blank.")


_CONTROL = UNSTORABLE  # control characters and lone surrogates: see domain/text.py


def _control_character_paths(data: object, path: str) -> list[str]:
    if isinstance(data, str):
        return [path or "_schema"] if _CONTROL.search(data) else []
    if isinstance(data, Mapping):  # also webargs' MultiDictProxy of query arguments
        found = []
        for key, value in data.items():
            key_path = f"{path}.{key}" if path else str(key)
            found += [key_path] if isinstance(key, str) and _CONTROL.search(key) else []
            found += _control_character_paths(value, key_path)
        return found
    if isinstance(data, list):
        return [
            found
            for i, item in enumerate(data)
            for found in _control_character_paths(item, f"{path}.{i}" if path else str(i))
        ]
    return []


class InputSchema(ma.Schema):
    """Base of every request schema: refuses unstorable characters anywhere in the input, naming the field."""

    @ma.pre_load
    def refuse_control_characters(self, data: Any, **kwargs: Any) -> Any:
        paths = _control_character_paths(data, "")
        if paths:
            message = "Must not contain control characters or unpaired surrogates."
            raise ma.ValidationError({path: [message] for path in paths})
        return data


class Day(ma.fields.Date):
    """A calendar day YYYY-MM-DD between 1900-01-01 and 2199-12-31 (domain/days.py): 0001 or 9999 is a typo."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        day = super()._deserialize(value, attr, data, **kwargs)
        if not in_range(day):
            raise ma.ValidationError(f"Must be a day from {FIRST_DAY} to {LAST_DAY}.")
        return day


class Instant(ma.fields.AwareDateTime):
    """An instant with its UTC offset: naive times are refused on input; stored answers pass through."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if isinstance(value, str):  # an answer replayed for a repeated Idempotency-Key
            return value
        return super()._serialize(value, attr, obj, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        moment = super()._deserialize(value, attr, data, **kwargs)
        # Checked on the written day, before any move to UTC: 0001-01-01T00:00+14:00 would overflow.
        if not in_range(moment.date()):
            raise ma.ValidationError(f"Must be a time from {FIRST_DAY} to {LAST_DAY}.")
        return moment
