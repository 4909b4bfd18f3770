"""A unit of work over the SQLAlchemy session: commit explicitly, roll back everything else."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from types import TracebackType
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from ..adapters import orm
from ..domain.errors import NotFound
from ..extensions import db

Row = TypeVar("Row")
MAX_ID = 2**31 - 1  # PostgreSQL INTEGER; a larger id cannot exist, and asking for it must not crash


class UnitOfWork:
    """`with UnitOfWork(actor) as uow: ...; uow.commit()` — leaving without commit rolls back."""

    def __init__(self, actor: str = "system", session: Session | None = None) -> None:
        self.actor = actor
        self._session = session

    def __enter__(self) -> UnitOfWork:
        self.session: Session = self._session or db.session()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.session.rollback()

    def commit(self) -> None:
        self.session.commit()

    def get(self, model: type[Row], ident: object, what: str) -> Row:
        """Load a row by id, or raise NotFound naming it the way a person would."""
        in_range = isinstance(ident, int) and not isinstance(ident, bool) and 1 <= ident <= MAX_ID
        row = self.session.get(model, ident) if in_range else None
        if row is None:
            raise NotFound(f"{what} {ident} does not exist")
        return row

    def add(self, row: object) -> None:
        self.session.add(row)

    def flush(self) -> None:
        self.session.flush()

    def audit(
        self,
        action: str,
        entity: str,
        entity_id: object,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        """Record who changed what, in the same transaction as the change itself."""
        self.session.add(
            orm.AuditRecord(
                actor=self.actor,
                action=action,
                entity=entity,
                entity_id=str(entity_id),
                before=json_safe(before),
                after=json_safe(after),
            )
        )


def json_safe(snapshot: dict[str, Any] | None) -> dict[str, Any] | None:
    if snapshot is None:
        return None
    return json.loads(json.dumps(snapshot, default=_iso))


def _iso(value: object) -> str:
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value)  # type: ignore[return-value]
    raise TypeError(f"cannot record {type(value).__name__} in the audit log")
