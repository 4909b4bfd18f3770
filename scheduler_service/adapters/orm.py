"""Tables and their mappings. Rows hold data; the rules live in the domain."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    Time,
    Unicode,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .clock import utcnow
from .types import JSONType, UTCDateTime


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class User(Timestamps, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('admin', 'front_desk', 'clinician')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ApiToken(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the secret
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")


class LoginFailure(db.Model):  # type: ignore[name-defined,misc]
    """A log-in attempt not known to have succeeded, counted by the throttle for a while.
    Account and client are kept only as keyed hashes: the table must not become a list of who tried."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_key: Mapped[str] = mapped_column(String(64), index=True)
    client_key: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Clinic(Timestamps, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "clinics"
    __table_args__ = (
        CheckConstraint("slot_minutes BETWEEN 5 AND 60", name="slot_minutes"),
        CheckConstraint("turnover_minutes BETWEEN 0 AND 120", name="turnover_minutes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(500), default="")
    opening_hours: Mapped[dict[str, Any]] = mapped_column(JSONType)
    slot_minutes: Mapped[int] = mapped_column(Integer, default=15)
    turnover_minutes: Mapped[int] = mapped_column(Integer, default=15)
    holiday_country: Mapped[str | None] = mapped_column(String(8))
    holiday_subdivision: Mapped[str | None] = mapped_column(String(16))
    booking_horizon_days: Mapped[int] = mapped_column(Integer, default=90)
    feed_shows_protocol: Mapped[bool] = mapped_column(Boolean, default=False)
    reminder_policy: Mapped[dict[str, Any] | None] = mapped_column(JSONType)  # None: the defaults


class Chair(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "chairs"
    __table_args__ = (UniqueConstraint("clinic_id", "name", name="uq_chairs_clinic_id_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Closure(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "closures"
    __table_args__ = (CheckConstraint("end_date >= start_date", name="date_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time | None] = mapped_column(Time)
    end_time: Mapped[time | None] = mapped_column(Time)
    reason: Mapped[str] = mapped_column(String(200), default="")


class Staffing(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "staffing"

    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"), primary_key=True)
    # Kept as entered (a count per weekday, or time blocks) and read against the current hours.
    nurses: Mapped[dict[str, Any]] = mapped_column(JSONType)
    patients_per_nurse: Mapped[int] = mapped_column(Integer, default=3)
    starts_per_nurse_per_slot: Mapped[int] = mapped_column(Integer, default=1)


class Protocol(Timestamps, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "protocols"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    prep_minutes: Mapped[int] = mapped_column(Integer)
    treatment_minutes: Mapped[int] = mapped_column(Integer)
    monitoring_minutes: Mapped[int] = mapped_column(Integer)
    phases: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    required_tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    instructions: Mapped[str] = mapped_column(Text, default="")
    uses_nurse: Mapped[bool] = mapped_column(Boolean, default=True)
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)


class Patient(Timestamps, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(primary_key=True)
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100), index=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    preferences: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    reminder_channels: Mapped[list[str]] = mapped_column(JSONType, default=list)
    timezone: Mapped[str | None] = mapped_column(String(64))  # for quiet hours; None: the clinic's zone


class AuditRecord(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(50))
    entity: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONType)


APPOINTMENT_STATUSES = ("booked", "checked_in", "completed", "cancelled", "no_show")
# Statuses that hold the chair: a cancelled or missed visit frees its place.
HOLDING_STATUSES = ("booked", "checked_in", "completed")


class Series(Timestamps, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "series"
    __table_args__ = (CheckConstraint("status IN ('active', 'cancelled', 'completed')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    protocol_id: Mapped[int] = mapped_column(ForeignKey("protocols.id"))
    status: Mapped[str] = mapped_column(String(20), default="active")

    protocol: Mapped[Protocol] = relationship(lazy="joined")
    patient: Mapped[Patient] = relationship(lazy="joined")


class Appointment(Timestamps, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "appointments"
    __table_args__ = (
        CheckConstraint(f"status IN {APPOINTMENT_STATUSES}", name="status"),
        CheckConstraint("end_at > start_at AND blocked_until >= end_at", name="time_order"),
        Index("ix_appointments_clinic_start", "clinic_id", "start_at"),
        Index("ix_appointments_chair_start", "chair_id", "start_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"), index=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    chair_id: Mapped[int] = mapped_column(ForeignKey("chairs.id"))
    index: Mapped[int] = mapped_column(Integer)  # 1-based position in the series
    phase: Mapped[str] = mapped_column(String(100))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    blocked_until: Mapped[datetime] = mapped_column(UTCDateTime)  # end plus the chair's turnover
    uses_nurse: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(20), default="booked")
    version: Mapped[int] = mapped_column(Integer, default=1)  # the iCal SEQUENCE; bumped on every change
    status_reason: Mapped[str] = mapped_column(String(500), default="", server_default="")

    series: Mapped[Series] = relationship(lazy="joined")

    # Every UPDATE says "WHERE version = <the version read>": a change someone else committed in
    # between makes it fail (StaleDataError → 409) instead of being silently overwritten.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


class IdempotentRequest(db.Model):  # type: ignore[name-defined,misc]
    """The first answer to a request sent with an Idempotency-Key, replayed for repeats of it."""

    __tablename__ = "idempotent_requests"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotent_requests_user_id_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FeedToken(db.Model):  # type: ignore[name-defined,misc]
    """A private calendar-feed URL: for one patient, or for a clinic's staff. Only the secret's hash is kept."""

    __tablename__ = "feed_tokens"
    __table_args__ = (CheckConstraint("(patient_id IS NULL) <> (clinic_id IS NULL)", name="one_owner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    clinic_id: Mapped[int | None] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


REMINDER_KINDS = ("reminder", "confirmation", "board")
REMINDER_STATUSES = ("pending", "sent", "failed", "cancelled", "skipped")


class Reminder(Timestamps, db.Model):  # type: ignore[name-defined,misc]
    """The outbox: a message to send, written in the same transaction as the change that calls for it.

    `dedupe_key` is unique: for a visit reminder it is (appointment, channel, offset, appointment
    version), so the same reminder is never queued twice, and a moved visit (a new version) gets
    new rows while the old ones are cancelled. It is also the message's Message-ID.
    """

    __tablename__ = "reminders"
    __table_args__ = (
        CheckConstraint(f"kind IN {REMINDER_KINDS}", name="kind"),
        CheckConstraint(f"status IN {REMINDER_STATUSES}", name="status"),
        CheckConstraint("channel IN ('email', 'sms')", name="channel"),
        Index("ix_reminders_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"), index=True)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"), index=True)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id", ondelete="CASCADE"), index=True)
    appointment_version: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(10))
    offset_minutes: Mapped[int | None] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(String(20))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    # What the message needs beyond the rows it names: the feed URL of a confirmation (cleared once
    # it is sent), the day and recipient of a front-desk board.
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


# APScheduler's own job store table, declared here so that Alembic creates it and leaves it alone.
apscheduler_jobs = Table(
    "apscheduler_jobs",
    db.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
