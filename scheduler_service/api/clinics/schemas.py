"""Clinic, chair, closure and staffing bodies."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from ...domain.clinic import DEFAULT_OPENING_HOURS
from ..fields import Clock, Day, InputSchema, StrictInt, not_blank


class ClinicSchema(InputSchema):
    id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String(required=True, validate=[validate.Length(1, 200), not_blank])
    timezone = ma.fields.String(
        required=True,
        metadata={"description": "IANA zone that defines the clinic's hours", "example": "America/Chicago"},
    )
    address = ma.fields.String(validate=validate.Length(max=500))
    opening_hours = ma.fields.Dict(
        keys=ma.fields.String(),
        metadata={
            "description": "Windows per weekday (mon..sun); several windows allow a lunch break; [] is closed.",
            "example": DEFAULT_OPENING_HOURS,
        },
    )
    slot_minutes = StrictInt(validate=validate.Range(5, 60))
    turnover_minutes = StrictInt(validate=validate.Range(0, 120))
    holiday_country = ma.fields.String(
        allow_none=True,
        validate=validate.Length(2, 8),
        metadata={"description": "ISO country whose public holidays close the clinic; null for none"},
    )
    holiday_subdivision = ma.fields.String(allow_none=True, validate=validate.Length(1, 16), metadata={"example": "TX"})
    booking_horizon_days = StrictInt(
        validate=validate.Range(7, 730), metadata={"description": "How far ahead open-ended maintenance is kept booked"}
    )
    feed_shows_protocol = ma.fields.Boolean(
        metadata={"description": "Opt in to naming the protocol in patients' calendar feeds (off: clinic name only)"}
    )


class ChairSchema(InputSchema):
    id = ma.fields.Integer(dump_only=True)
    clinic_id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String(required=True, validate=[validate.Length(1, 100), not_blank])
    tags = ma.fields.List(
        ma.fields.String(validate=validate.Length(1, 32)), load_default=list, metadata={"example": ["iv", "spravato"]}
    )
    active = ma.fields.Boolean(dump_only=True)


class ClosureSchema(InputSchema):
    id = ma.fields.Integer(dump_only=True)
    clinic_id = ma.fields.Integer(dump_only=True)
    date = Day(required=True, metadata={"description": "First closed day"})
    end_date = Day(allow_none=True, metadata={"description": "Last closed day (inclusive); default: date"})
    start_time = Clock(allow_none=True, metadata={"description": "Part-day closure: from this local time"})
    end_time = Clock(allow_none=True)
    reason = ma.fields.String(required=True, validate=[validate.Length(1, 200), not_blank])


class StaffingSchema(InputSchema):
    clinic_id = ma.fields.Integer(dump_only=True)
    nurses = ma.fields.Dict(
        required=True,
        keys=ma.fields.String(),
        metadata={
            "description": 'Nurses per weekday ({"mon": 2}) or per time block '
            '({"mon": [{"start": "08:00", "end": "12:00", "nurses": 2}]})',
            "example": {"mon": 2, "tue": 2, "wed": 2, "thu": 2, "fri": 2},
        },
    )
    patients_per_nurse = StrictInt(load_default=3, validate=validate.Range(1, 20))
    starts_per_nurse_per_slot = StrictInt(load_default=1, validate=validate.Range(1, 10))
