"""Serialise the changes that decide a clinic day's capacity (chairs, nurses, starts per slot)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import text
from sqlalchemy.orm import Session


def lock_clinic_days(session: Session, clinic_id: int, days: Iterable[date]) -> None:
    """Hold, until the transaction ends, the right to change bookings on these days of this clinic.

    Call it before reading what is booked. PostgreSQL: one transaction-scoped advisory lock per
    (clinic, day), taken in date order so that two bookings never wait on each other in a cycle;
    bookings on other days go on in parallel. SQLite: it has a single writer, so taking the write
    lock with a first, harmless write serialises every booking; later reads see every commit.
    """
    if session.get_bind().dialect.name == "postgresql":
        for day in sorted(set(days)):
            session.execute(
                text("SELECT pg_advisory_xact_lock(:clinic_id, :day)"),
                {"clinic_id": clinic_id, "day": day.toordinal()},
            )
    else:
        session.execute(text("UPDATE clinics SET id = id WHERE id = :clinic_id"), {"clinic_id": clinic_id})
