"""How a message leaves the service: a sender per channel, and the two ways a delivery can fail."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol


class DeliveryFailed(Exception):
    """The peer did not take the message. `permanent`: trying again will not help (a refused address).

    The message says what went wrong in words safe for the outbox and the logs: no contact details.
    """

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class TextMessage:
    """An SMS: the gateway de-duplicates on `message_id` if it can."""

    to: str
    body: str
    message_id: str


class EmailSender(Protocol):
    def send(self, message: EmailMessage) -> None: ...

    def close(self) -> None:
        """Let go of what the sends of this pass kept open (a connection)."""


class SmsSender(Protocol):
    def send(self, message: TextMessage) -> None: ...


class NotConfigured:
    """The sender of a channel that has no peer configured: every message fails for good, saying so."""

    def __init__(self, what: str) -> None:
        self.what = what

    def send(self, message: object) -> None:
        raise DeliveryFailed(f"{self.what} is not configured", permanent=True)
