"""Protocol bodies: a visit and ordered phases with spacing windows."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from ...domain.protocols import GAP_UNITS
from ..fields import InputSchema, StrictInt, not_blank


class VisitSchema(InputSchema):
    prep_minutes = StrictInt(required=True, validate=validate.Range(0, 600))
    treatment_minutes = StrictInt(required=True, validate=validate.Range(1, 720))
    monitoring_minutes = StrictInt(required=True, validate=validate.Range(0, 600))
    total_minutes = ma.fields.Integer(dump_only=True)


class SpacingSchema(InputSchema):
    min_days = StrictInt(required=True, validate=validate.Range(1, 365))
    target_days = StrictInt(required=True, validate=validate.Range(1, 365))
    max_days = StrictInt(required=True, validate=validate.Range(1, 365))
    unit = ma.fields.String(
        load_default="days",
        validate=validate.OneOf(GAP_UNITS),
        metadata={"description": "days, or clinic_days (open days only)"},
    )


class PhaseSchema(InputSchema):
    name = ma.fields.String(required=True, validate=[validate.Length(1, 100), not_blank])
    sessions = StrictInt(
        required=True,
        allow_none=True,
        validate=validate.Range(1, 200),
        metadata={"description": "null: open-ended (maintenance), only for the last phase"},
    )
    spacing = ma.fields.Nested(
        SpacingSchema, required=True, metadata={"description": "Gap between consecutive session starts"}
    )
    window_days = StrictInt(
        load_default=None,
        allow_none=True,
        validate=validate.Range(1, 730),
        metadata={"description": "The phase's first to last session fit in this many days"},
    )


class ProtocolSchema(InputSchema):
    id = ma.fields.Integer(dump_only=True)
    key = ma.fields.String(
        required=True, validate=validate.Length(2, 63), metadata={"example": "iv-ketamine-depression"}
    )
    name = ma.fields.String(required=True, validate=[validate.Length(1, 200), not_blank])
    visit = ma.fields.Nested(VisitSchema, required=True)
    phases = ma.fields.List(ma.fields.Nested(PhaseSchema), required=True, validate=validate.Length(1, 10))
    required_tags = ma.fields.List(ma.fields.String(validate=validate.Length(1, 32)), load_default=list)
    instructions = ma.fields.String(
        load_default="",
        validate=validate.Length(max=4000),
        metadata={"description": "Preparation told to the patient in reminders"},
    )
    uses_nurse = ma.fields.Boolean(
        load_default=True, metadata={"description": "Counts against nurses' monitoring capacity"}
    )
    builtin = ma.fields.Boolean(dump_only=True)


# A PATCH may leave out any top-level field or visit minute, but a phase it sends is whole.
PROTOCOL_PATCH_FIELDS = (
    "key",
    "name",
    "visit",
    "phases",
    "required_tags",
    "instructions",
    "uses_nurse",
    "visit.prep_minutes",
    "visit.treatment_minutes",
    "visit.monitoring_minutes",
)
