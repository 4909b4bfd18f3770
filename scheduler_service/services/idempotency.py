"""Idempotency-Key: the first answer to a request is kept and replayed for every repeat of it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..adapters import orm
from ..domain.errors import InvalidValue, PreconditionFailed
from .unit_of_work import UnitOfWork, json_safe


@dataclass(frozen=True)
class IdempotencyKey:
    user_id: int
    key: str
    fingerprint: str  # of the request body: the same key with another body is a client bug

    @classmethod
    def of(cls, user_id: int, key: str, body: object) -> IdempotencyKey:
        if not 1 <= len(key) <= 200 or not key.isprintable():
            raise InvalidValue("Idempotency-Key", "must be 1 to 200 printable characters")
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
        return cls(user_id, key, hashlib.sha256(canonical.encode()).hexdigest())


def claim(uow: UnitOfWork, idem: IdempotencyKey) -> dict[str, Any] | None:
    """Return the stored answer of an earlier request with this key, or reserve the key and return None.

    The reservation is a row written first in the transaction: a concurrent request with the same
    key waits on its unique index until this one ends, then replays its answer.
    """
    stored = _stored(uow, idem)
    if stored is not None:
        return stored
    uow.add(
        orm.IdempotentRequest(
            user_id=idem.user_id, key=idem.key, request_hash=idem.fingerprint, status_code=0, response={}
        )
    )
    try:
        uow.flush()
    except IntegrityError:
        uow.session.rollback()  # the other request committed first: nothing of ours was written yet
        return _stored(uow, idem)
    return None


def remember(uow: UnitOfWork, idem: IdempotencyKey, status_code: int, response: dict[str, Any]) -> None:
    """Fill the reserved row with the answer, in the same transaction as the change it describes."""
    row = uow.session.scalar(_query(idem))
    assert row is not None, "claim() reserves the key before remember() fills it"
    row.status_code = status_code
    row.response = json_safe(response) or {}


def _query(idem: IdempotencyKey):  # type: ignore[no-untyped-def]
    return select(orm.IdempotentRequest).where(
        orm.IdempotentRequest.user_id == idem.user_id, orm.IdempotentRequest.key == idem.key
    )


def _stored(uow: UnitOfWork, idem: IdempotencyKey) -> dict[str, Any] | None:
    row = uow.session.scalar(_query(idem))
    if row is None:
        return None
    if row.request_hash != idem.fingerprint:
        raise PreconditionFailed(f"Idempotency-Key {idem.key!r} was used for a different request")
    return row.response
