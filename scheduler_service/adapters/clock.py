"""The one place that reads the wall clock; tests swap in a FixedClock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


def utcnow() -> datetime:
    """Now, for column defaults: the app's clock when there is an app, so every timestamp agrees with it."""
    from flask import current_app, has_app_context

    if has_app_context() and "clock" in current_app.extensions:
        return current_app.extensions["clock"].now()  # type: ignore[no-any-return]
    return datetime.now(UTC)


def app_clock() -> Clock:
    """The running app's clock (tests install a FixedClock in app.extensions["clock"])."""
    from flask import current_app

    return current_app.extensions["clock"]  # type: ignore[no-any-return]
