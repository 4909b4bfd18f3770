"""Patient bodies."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from ...domain.patients import REMINDER_CHANNELS
from ...domain.timewindows import WEEKDAYS
from ..fields import Day, InputSchema, not_blank

PHONE = validate.Regexp(r"^\+?[0-9 ().\-]{5,32}$", error="Not a phone number.")


class PreferencesSchema(InputSchema):
    weekdays = ma.fields.List(
        ma.fields.String(validate=validate.OneOf(WEEKDAYS)),
        validate=validate.Length(1, 7),
        metadata={"example": ["tue", "thu"]},
    )
    earliest_start = ma.fields.String(metadata={"example": "13:00", "description": "Local HH:MM"})
    latest_start = ma.fields.String(metadata={"example": "15:00", "description": "Local HH:MM"})


class PatientSchema(InputSchema):
    id = ma.fields.Integer(dump_only=True)
    given_name = ma.fields.String(required=True, validate=[validate.Length(1, 100), not_blank])
    family_name = ma.fields.String(required=True, validate=[validate.Length(1, 100), not_blank])
    email = ma.fields.Email(allow_none=True, validate=validate.Length(max=254))
    phone = ma.fields.String(allow_none=True, validate=PHONE)
    date_of_birth = Day(allow_none=True)
    preferences = ma.fields.Nested(PreferencesSchema, load_default=dict)
    reminder_channels = ma.fields.List(
        ma.fields.String(validate=validate.OneOf(REMINDER_CHANNELS)), load_default=list, metadata={"example": ["email"]}
    )
    timezone = ma.fields.String(
        allow_none=True,
        validate=validate.Length(max=64),
        metadata={
            "example": "America/Denver",
            "description": "The patient's IANA zone, for SMS quiet hours; null: the clinic's zone",
        },
    )


class PatientQuerySchema(InputSchema):
    q = ma.fields.String(
        validate=validate.Length(max=100),
        metadata={"description": "Words matching the start of a name, or part of email or phone"},
    )
