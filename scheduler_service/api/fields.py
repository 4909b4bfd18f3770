"""Marshmallow fields shared by several schemas."""

from __future__ import annotations

from datetime import time
from typing import Any

import marshmallow as ma

from ..domain.errors import InvalidValue
from ..domain.timewindows import format_clock, parse_clock


class Clock(ma.fields.Field):
    """A local wall-clock time written "HH:MM"."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {}).update({"type": "string", "pattern": r"^\d{2}:\d{2}$", "example": "08:00"})
        super().__init__(**kwargs)

    def _serialize(self, value: time | None, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else format_clock(value)

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
