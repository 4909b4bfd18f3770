"""Private calendar feeds: tokens per patient or clinic, and the feed bodies they open."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from threading import Lock
from typing import Any

from sqlalchemy import Select, bindparam, or_, select, text

from ..adapters import orm
from ..adapters.clock import utcnow
from ..adapters.ical import FeedEvent, render_calendar
from ..adapters.qr import png_data_uri
from ..adapters.secrets import hash_secret, new_secret
from ..adapters.types import UTCDateTime
from ..domain.errors import NotFound
from ..domain.protocols import Protocol
from .protocols import to_domain
from .unit_of_work import UnitOfWork

HISTORY = timedelta(days=90)  # how far back a feed still shows visits that took place
CANCELLED_KEPT = timedelta(days=30)  # cancelled visits stay as STATUS:CANCELLED so clients strike them through
STAFF_HISTORY = timedelta(days=7)
UID_DOMAIN = "infusion-scheduler"


@dataclass(frozen=True)
class RenderedFeed:
    body: bytes
    etag: str  # strong: a hash of the exact bytes
    last_modified: datetime


def issue_feed_token(
    uow: UnitOfWork, base_url: str, *, patient_id: int | None = None, clinic_id: int | None = None, label: str = ""
) -> dict[str, Any]:
    """Create a feed URL; its secret appears in this answer only (with webcal and a QR code to scan)."""
    if patient_id is not None:
        uow.get(orm.Patient, patient_id, "patient")
    else:
        uow.get(orm.Clinic, clinic_id, "clinic")
    row, url = new_feed_token(uow, base_url, patient_id=patient_id, clinic_id=clinic_id, label=label)
    uow.commit()
    webcal = "webcal://" + url.split("://", 1)[1]
    return {**token_summary(row), "url": url, "webcal_url": webcal, "qr_png": png_data_uri(url)}


def new_feed_token(
    uow: UnitOfWork, base_url: str, *, patient_id: int | None = None, clinic_id: int | None = None, label: str = ""
) -> tuple[orm.FeedToken, str]:
    """Add a token in the current transaction; return it with its URL (the only time the secret is known)."""
    secret = new_secret()
    row = orm.FeedToken(patient_id=patient_id, clinic_id=clinic_id, token_hash=hash_secret(secret), label=label)
    uow.add(row)
    uow.flush()
    uow.audit("create", "feed_token", row.id, after={"patient_id": patient_id, "clinic_id": clinic_id, "label": label})
    return row, f"{base_url}/feeds/{secret}.ics"


def token_summary(row: orm.FeedToken) -> dict[str, Any]:
    return {
        "id": row.id,
        "patient_id": row.patient_id,
        "clinic_id": row.clinic_id,
        "label": row.label,
        "created_at": row.created_at,
        "revoked_at": row.revoked_at,
    }


def list_feed_tokens(uow: UnitOfWork, *, patient_id: int | None = None, clinic_id: int | None = None) -> list[dict]:
    if patient_id is not None:
        uow.get(orm.Patient, patient_id, "patient")
        where = orm.FeedToken.patient_id == patient_id
    else:
        uow.get(orm.Clinic, clinic_id, "clinic")
        where = orm.FeedToken.clinic_id == clinic_id
    return [
        token_summary(r) for r in uow.session.scalars(select(orm.FeedToken).where(where).order_by(orm.FeedToken.id))
    ]


def revoke_feed_token(uow: UnitOfWork, token_id: int, *, patient_id: int | None = None) -> dict[str, Any]:
    """Turn a feed off for good; with `patient_id`, only one of that patient's (another's is not found)."""
    row = uow.get(orm.FeedToken, token_id, "feed token")
    if patient_id is not None and row.patient_id != patient_id:
        raise NotFound(f"patient {patient_id} has no feed token {token_id}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        uow.audit("revoke", "feed_token", row.id)
    uow.commit()
    return token_summary(row)


class FeedCache:
    """Rendered bodies by (token, what the feed holds): a poll that finds nothing changed renders nothing."""

    def __init__(self, size: int = 2048) -> None:
        self._bodies: OrderedDict[tuple[object, ...], RenderedFeed] = OrderedDict()
        self._size, self._lock = size, Lock()

    def get(self, key: tuple[object, ...]) -> RenderedFeed | None:
        with self._lock:
            found = self._bodies.get(key)
            if found is not None:
                self._bodies.move_to_end(key)
            return found

    def put(self, key: tuple[object, ...], feed: RenderedFeed) -> None:
        with self._lock:
            self._bodies[key] = feed
            if len(self._bodies) > self._size:
                self._bodies.popitem(last=False)


CACHE = FeedCache()


# Every poll asks this, so it is one round trip built once: which feed the secret opens, and a
# fingerprint of everything its body is made of (visits shown, their last change, and the clinic,
# protocol and patient texts). Only when the fingerprint is new is the feed loaded and rendered.
_VISIBLE = "((a.status <> 'cancelled' AND a.end_at >= :{since}) OR (a.status = 'cancelled' AND a.updated_at >= :gone))"
FRESHNESS = text(
    f"""
    WITH token AS (
        SELECT id, patient_id, clinic_id FROM feed_tokens WHERE token_hash = :token_hash AND revoked_at IS NULL
    ), visible AS (
        SELECT a.updated_at FROM appointments a
        JOIN series s ON s.id = a.series_id JOIN token t ON s.patient_id = t.patient_id
        WHERE {_VISIBLE.format(since="patient_since")}
        UNION ALL
        SELECT a.updated_at FROM appointments a JOIN token t ON a.clinic_id = t.clinic_id
        WHERE {_VISIBLE.format(since="staff_since")}
    )
    SELECT t.id, t.patient_id,
        (SELECT count(*) FROM visible), (SELECT max(updated_at) FROM visible),
        (SELECT max(updated_at) FROM clinics), (SELECT max(updated_at) FROM protocols),
        (SELECT p.updated_at FROM patients p WHERE p.id = t.patient_id)
    FROM token t
    """
).bindparams(
    bindparam("patient_since", type_=UTCDateTime),
    bindparam("staff_since", type_=UTCDateTime),
    bindparam("gone", type_=UTCDateTime),
)


def feed_for_secret(uow: UnitOfWork, secret: str, now: datetime) -> RenderedFeed:
    """The feed a secret opens; unknown and revoked secrets are the same NotFound."""
    token_hash = hash_secret(secret)
    windows = {"patient_since": now - HISTORY, "staff_since": now - STAFF_HISTORY, "gone": now - CANCELLED_KEPT}
    # A bare pooled connection: a poll that hits the cache never starts an ORM transaction.
    with uow.session.get_bind().connect() as connection:
        found = connection.execute(FRESHNESS, {"token_hash": token_hash, **windows}).first()
    if found is None:
        raise NotFound("no such feed")
    token_id, patient_id, *fingerprint = found
    since = windows["patient_since" if patient_id is not None else "staff_since"]
    key = (token_hash, *fingerprint, since.date(), windows["gone"].date())
    cached = CACHE.get(key)
    if cached is not None:
        return cached
    token = uow.session.get(orm.FeedToken, token_id)
    rows = list(uow.session.scalars(_appointments(token, since, windows["gone"])))
    name, events = (_patient_feed if token.patient_id else _staff_feed)(uow, token, rows)
    body = render_calendar(name, events)
    last = max((e.last_modified for e in events), default=token.created_at)
    feed = RenderedFeed(body, '"' + hashlib.sha256(body).hexdigest()[:40] + '"', last.replace(microsecond=0))
    CACHE.put(key, feed)
    return feed


def _appointments(token: orm.FeedToken, since: datetime, cancelled_since: datetime) -> Select[Any]:
    stmt = select(orm.Appointment).join(orm.Series, orm.Series.id == orm.Appointment.series_id)
    stmt = stmt.where(
        orm.Series.patient_id == token.patient_id
        if token.patient_id is not None
        else orm.Appointment.clinic_id == token.clinic_id
    )
    visible = or_(
        (orm.Appointment.status != "cancelled") & (orm.Appointment.end_at >= since),
        (orm.Appointment.status == "cancelled") & (orm.Appointment.updated_at >= cancelled_since),
    )
    return stmt.where(visible).order_by(orm.Appointment.start_at, orm.Appointment.id)


def _patient_feed(uow: UnitOfWork, token: orm.FeedToken, rows: list[orm.Appointment]) -> tuple[str, list[FeedEvent]]:
    patient = uow.session.get(orm.Patient, token.patient_id)
    clinics: dict[int, orm.Clinic] = {}
    events = []
    for row in rows:
        clinic = clinics.setdefault(row.clinic_id, uow.session.get(orm.Clinic, row.clinic_id))
        events.append(event_for_patient(row, clinic))
    return f"Appointments of {patient.given_name}", events


def event_for_patient(row: orm.Appointment, clinic: orm.Clinic) -> FeedEvent:
    """The clinic's name, not the drug or the diagnosis, unless the clinic opted in to naming the protocol."""
    protocol = row.series.protocol
    summary = f"{protocol.name} — {clinic.name}" if clinic.feed_shows_protocol else f"Appointment — {clinic.name}"
    return _event(row, summary, clinic.address, protocol.instructions)


def _staff_feed(uow: UnitOfWork, token: orm.FeedToken, rows: list[orm.Appointment]) -> tuple[str, list[FeedEvent]]:
    clinic = uow.session.get(orm.Clinic, token.clinic_id)
    chairs = {c.id: c.name for c in uow.session.scalars(select(orm.Chair).where(orm.Chair.clinic_id == clinic.id))}
    protocols: dict[int, Protocol] = {}
    events = []
    for row in rows:
        patient, protocol_row = row.series.patient, row.series.protocol
        protocol = protocols.setdefault(protocol_row.id, to_domain(protocol_row))
        initials = f"{patient.given_name[:1]}.{patient.family_name[:1]}.".upper()
        label = (
            f"session {row.index}/{protocol.finite_sessions}"
            if row.index <= protocol.finite_sessions
            else (f"maintenance {row.index - protocol.finite_sessions}")
        )
        events.append(
            _event(
                row, f"{initials} — {chairs.get(row.chair_id, 'chair')}", clinic.address, f"{protocol.name}, {label}"
            )
        )
    return f"{clinic.name} — appointments", events


def _event(row: orm.Appointment, summary: str, location: str, description: str) -> FeedEvent:
    return FeedEvent(
        uid=f"appointment-{row.id}@{UID_DOMAIN}",
        sequence=row.version,
        start=row.start_at,
        end=row.end_at,
        summary=summary,
        location=location,
        description=description,
        cancelled=row.status == "cancelled",
        last_modified=row.updated_at,
    )


def appointment_ics(uow: UnitOfWork, appointment_id: int) -> bytes:
    """One event, as the e-mail attachment and the front desk's download."""
    row = uow.get(orm.Appointment, appointment_id, "appointment")
    clinic = uow.session.get(orm.Clinic, row.clinic_id)
    return render_calendar(clinic.name, [event_for_patient(row, clinic)], feed=False)
