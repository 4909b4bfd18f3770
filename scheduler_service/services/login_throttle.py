"""How many failed log-ins an account, and a client address, may have before the log-in page stops trying passwords.

Every attempt is written down as a failure *before* its password is checked, and committed, and only then
are the failures in the window counted. Two attempts racing each other therefore always see each other:
however many arrive at once, at most the limit of them get a password checked. (Under such a race a few
more may be refused than strictly needed; never more admitted.) A refused attempt takes its row back,
so hammering a locked account does not keep it locked; a successful log-in clears the account's failures.

The database holds the counts, so every app instance behind a load balancer shares them.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from ..adapters import orm
from .unit_of_work import UnitOfWork


@dataclass(frozen=True)
class LoginLimits:
    per_account: int
    per_client: int
    window: timedelta

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> LoginLimits:
        return cls(
            per_account=config["LOGIN_MAX_FAILURES"],
            per_client=config["LOGIN_MAX_FAILURES_PER_CLIENT"],
            window=timedelta(seconds=config["LOGIN_WINDOW_SECONDS"]),
        )


@dataclass(frozen=True)
class Attempt:
    """An attempt let through to the password check (retry_after 0), or refused for retry_after seconds."""

    row_id: int | None
    account_key: str
    retry_after: int

    @property
    def admitted(self) -> bool:
        return self.retry_after == 0


def begin(uow: UnitOfWork, email: str, client: str, limits: LoginLimits, key: str, now: datetime) -> Attempt:
    """Record the attempt as a failure, then decide whether its password may be checked at all."""
    account_key = _keyed(key, "account", email.strip().lower())
    client_key = _keyed(key, "client", client)
    since = now - limits.window
    uow.session.execute(delete(orm.LoginFailure).where(orm.LoginFailure.at <= since))  # forget what has expired
    row = orm.LoginFailure(account_key=account_key, client_key=client_key, at=now)
    uow.add(row)
    uow.commit()

    waits = [
        _wait(uow, orm.LoginFailure.account_key == account_key, limits.per_account, limits.window, since, now),
        _wait(uow, orm.LoginFailure.client_key == client_key, limits.per_client, limits.window, since, now),
    ]
    retry_after = max(waits)
    if retry_after:
        uow.session.execute(delete(orm.LoginFailure).where(orm.LoginFailure.id == row.id))
        uow.commit()
        return Attempt(None, account_key, retry_after)
    return Attempt(row.id, account_key, 0)


def succeeded(uow: UnitOfWork, attempt: Attempt) -> None:
    """The password was right: the account starts again with a clean slate."""
    uow.session.execute(delete(orm.LoginFailure).where(orm.LoginFailure.account_key == attempt.account_key))
    uow.commit()


def _wait(uow: UnitOfWork, whose: Any, limit: int, window: timedelta, since: datetime, now: datetime) -> int:
    """Seconds until enough of these failures expire for one more attempt; 0 if this one is within the limit."""
    times = uow.session.scalars(
        select(orm.LoginFailure.at).where(whose, orm.LoginFailure.at > since).order_by(orm.LoginFailure.at)
    ).all()
    if len(times) <= limit:
        return 0
    # Without this attempt's own row, len(times) - 1 remain; one more is allowed once only limit - 1 of them do.
    expiring = times[len(times) - 1 - limit]
    return max(1, math.ceil((expiring + window - now).total_seconds()))


def _keyed(key: str, kind: str, value: str) -> str:
    """A keyed hash, so the table names neither the e-mail addresses tried nor where the tries came from."""
    return hmac.new(key.encode(), f"{kind}:{value}".encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
