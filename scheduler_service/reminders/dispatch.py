"""Send what the outbox holds when it is due: one message per transaction, retried with backoff.

Each message is claimed (row locked), composed, handed to its sender and recorded in one
transaction. A crash between the peer accepting it and the commit leaves the row pending, so the
message is sent again: delivery is at least once, and the resend carries the same Message-ID.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..adapters import orm
from ..adapters.delivery import DeliveryFailed, EmailSender, NotConfigured, SmsSender
from ..adapters.outbox_claims import WriterTurns, claim_next, hold_appointment
from ..adapters.sms_webhook import WebhookSmsSender
from ..adapters.smtp_sender import SmtpSender
from ..domain.reminder_times import retry_delay
from ..services.unit_of_work import UnitOfWork
from .compose import NotNow, Outgoing, compose

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """Everything the dispatcher needs besides the database: senders, sender address, retry rules."""

    email: EmailSender
    sms: SmsSender
    sender_address: str
    max_attempts: int = 8
    retry_base: timedelta = timedelta(minutes=1)
    retry_cap: timedelta = timedelta(hours=1)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Delivery:
        timeout = config["DELIVERY_TIMEOUT_SECONDS"]
        email = SmtpSender(
            config["SMTP_HOST"],
            config["SMTP_PORT"],
            config["SMTP_SECURITY"],
            config["SMTP_USERNAME"],
            config["SMTP_PASSWORD"],
            timeout,
        )
        sms: SmsSender = (
            WebhookSmsSender(config["SMS_WEBHOOK_URL"], config["SMS_WEBHOOK_SECRET"], timeout)
            if config["SMS_WEBHOOK_URL"]
            else NotConfigured("the SMS gateway (SMS_WEBHOOK_URL)")
        )
        return cls(
            email=email,
            sms=sms,
            sender_address=config["MAIL_FROM"],
            max_attempts=config["REMINDER_MAX_ATTEMPTS"],
            retry_base=timedelta(seconds=config["REMINDER_RETRY_SECONDS"]),
            retry_cap=timedelta(seconds=config["REMINDER_RETRY_MAX_SECONDS"]),
        )


def dispatch_due(delivery: Delivery, now: Callable[[], datetime], limit: int = 1000) -> Counter[str]:
    """Send every message due now; return how many ended sent, retry, failed, cancelled or skipped."""
    try:
        return _dispatch(delivery, now, limit)
    finally:
        delivery.email.close()  # the pass's SMTP connection, kept from message to message


def _dispatch(delivery: Delivery, now: Callable[[], datetime], limit: int) -> Counter[str]:
    outcomes: Counter[str] = Counter()
    passed_over: set[int] = set()  # rows whose visit is being changed right now: next pass
    channels = {"email", "sms"}  # a channel whose peer is down is left alone for the rest of this pass
    turns: WriterTurns | None = None
    while sum(outcomes.values()) < limit and channels:
        began = time.monotonic()
        with UnitOfWork("scheduler") as uow:
            turns = turns or WriterTurns(uow.session)
            row = claim_next(uow.session, now(), passed_over, channels)
            if row is None:
                break
            if row.appointment_id is not None and not hold_appointment(uow.session, row.appointment_id):
                passed_over.add(row.id)
                continue
            outcome = _attempt(uow, row, delivery, now)
            log.info("outbox %s (%s, %s): %s after %s attempt(s)", row.id, row.kind, row.channel, outcome, row.attempts)
            uow.commit()
        turns.after(time.monotonic() - began)
        outcomes[outcome] += 1
        if outcome == "retry":
            channels.discard(row.channel)
    return outcomes


def _attempt(uow: UnitOfWork, row: orm.Reminder, delivery: Delivery, now: Callable[[], datetime]) -> str:
    try:
        outgoing = compose(uow, row, now(), delivery.sender_address)
    except Exception:  # a message that cannot be written must not block the ones behind it
        log.exception("outbox %s could not be composed", row.id)
        row.status, row.last_error = "failed", "the message could not be composed (see the scheduler's log)"
        return "failed"
    if isinstance(outgoing, NotNow):
        row.status, row.last_error = outgoing.status, outgoing.reason
        if outgoing.retry_at is not None:
            row.next_attempt_at = outgoing.retry_at
        return "postponed" if outgoing.status == "pending" else outgoing.status
    row.attempts += 1
    try:
        _send(outgoing, delivery)
    except DeliveryFailed as failure:
        row.last_error = str(failure)[:500]  # the column's width: a long SMTP reply must not stop the dispatch
        if failure.permanent or row.attempts >= delivery.max_attempts:
            row.status = "failed"
            return "failed"
        row.next_attempt_at = now() + retry_delay(row.attempts, delivery.retry_base, delivery.retry_cap)
        return "retry"
    row.status, row.sent_at, row.last_error = "sent", now(), ""
    if row.kind == "confirmation":
        row.payload = {}  # the feed link's secret is not kept once it has been sent
    return "sent"


def _send(outgoing: Outgoing, delivery: Delivery) -> None:
    if outgoing.email is not None:
        delivery.email.send(outgoing.email)
    elif outgoing.sms is not None:
        delivery.sms.send(outgoing.sms)
