"""The domain's exceptions: one base, a few families the edges translate to status codes."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidValue(DomainError):
    """A value breaks a rule of the domain; `field` names the value (dotted path)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


class NotFound(DomainError):
    """Something referred to by id does not exist (or is not visible to the caller)."""


class Conflict(DomainError):
    """The request is valid but the current state does not allow it (slot taken, bad transition)."""

    def __init__(self, message: str, details: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.details = details or {}


class NoPlan(DomainError):
    """No series plan satisfies every rule; the message says why in front-desk words."""


class PreconditionFailed(DomainError):
    """A precondition the client set does not hold (an Idempotency-Key reused for another request)."""
