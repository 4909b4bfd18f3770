"""Reminder bodies: the outbox rows, and a clinic's reminder policy."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from ...adapters.orm import REMINDER_KINDS, REMINDER_STATUSES
from ...domain.patients import REMINDER_CHANNELS
from ...domain.reminder_policy import CONTENTS, LATE_BOOKING, MAX_OFFSET_MINUTES
from ..fields import Clock, InputSchema, StrictInt

ID = validate.Range(1, 2**31 - 1)


class ReminderQuerySchema(InputSchema):
    appointment_id = ma.fields.Integer(validate=ID)
    series_id = ma.fields.Integer(validate=ID)
    clinic_id = ma.fields.Integer(validate=ID)
    status = ma.fields.String(validate=validate.OneOf(REMINDER_STATUSES))
    kind = ma.fields.String(validate=validate.OneOf(REMINDER_KINDS))
    channel = ma.fields.String(validate=validate.OneOf(REMINDER_CHANNELS))


class ReminderSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"description": "reminder (of a visit), confirmation (of a series), board"})
    clinic_id = ma.fields.Integer()
    series_id = ma.fields.Integer(allow_none=True)
    appointment_id = ma.fields.Integer(allow_none=True)
    appointment_version = ma.fields.Integer(allow_none=True, metadata={"description": "The visit's version it was for"})
    channel = ma.fields.String()
    offset_minutes = ma.fields.Integer(allow_none=True, metadata={"description": "Minutes before the visit"})
    content = ma.fields.String()
    due_at = ma.fields.AwareDateTime()
    next_attempt_at = ma.fields.AwareDateTime()
    status = ma.fields.String(metadata={"description": "pending, sent, failed, cancelled or skipped"})
    attempts = ma.fields.Integer()
    sent_at = ma.fields.AwareDateTime(allow_none=True)
    last_error = ma.fields.String(metadata={"description": "Why the last attempt failed, or why it was not sent"})
    message_id = ma.fields.String(
        metadata={"description": "The e-mail's Message-ID (the SMS Idempotency-Key): the same on every resend"}
    )


class OffsetSchema(InputSchema):
    minutes_before = StrictInt(required=True, validate=validate.Range(0, MAX_OFFSET_MINUTES))
    content = ma.fields.String(
        validate=validate.OneOf(CONTENTS),
        load_default="full",
        metadata={"description": "full: with the preparation instructions; short: when and where"},
    )


class QuietHoursSchema(InputSchema):
    start = Clock(required=True)
    end = Clock(required=True)


class PolicyOverrideSchema(InputSchema):
    offsets = ma.fields.List(ma.fields.Nested(OffsetSchema), validate=validate.Length(max=5))
    channels = ma.fields.List(ma.fields.String(validate=validate.OneOf(REMINDER_CHANNELS)))
    quiet_hours = ma.fields.Nested(QuietHoursSchema, allow_none=True, metadata={"description": "No SMS in these hours"})
    late_booking = ma.fields.String(
        validate=validate.OneOf(LATE_BOOKING),
        metadata={"description": "A visit booked after a reminder was due: send it now, or skip it"},
    )
    confirmation_line = ma.fields.String(validate=validate.Length(max=500))


class ReminderPolicySchema(PolicyOverrideSchema):
    confirmation_email = ma.fields.Boolean(metadata={"description": "E-mail the whole series when it is booked"})
    front_desk_email = ma.fields.Email(allow_none=True, metadata={"description": "Receives the next day's board"})
    board_send_at = Clock(metadata={"description": "When the board goes out, clinic's time"})
    protocol_overrides = ma.fields.Dict(
        keys=ma.fields.String(validate=validate.Length(1, 63)),
        values=ma.fields.Nested(PolicyOverrideSchema),
        metadata={"description": "Per protocol key, any of offsets, channels, quiet_hours, late_booking"},
    )
