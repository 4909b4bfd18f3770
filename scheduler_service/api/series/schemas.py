"""Series and appointment bodies."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from ...domain.series import TRANSITIONS
from ...services.rescheduling import CASCADES
from ..fields import Day, InputSchema, Instant, StrictInt
from ..planning.schemas import ProposalSchema

STATUSES = ("booked", "checked_in", "completed", "cancelled", "no_show")


class SessionRequestSchema(InputSchema):
    start = Instant(required=True, metadata={"example": "2027-03-15T09:00:00-05:00"})
    chair_id = StrictInt(allow_none=True, metadata={"description": "Leave out to let the service pick a free chair"})


class SeriesRequestSchema(InputSchema):
    patient_id = StrictInt(required=True)
    clinic_id = StrictInt(required=True)
    protocol_id = StrictInt(metadata={"description": "Give protocol_id or protocol_key"})
    protocol_key = ma.fields.String(validate=validate.Length(1, 63))
    sessions = ma.fields.List(ma.fields.Nested(SessionRequestSchema), required=True, validate=validate.Length(1, 60))

    @ma.validates_schema
    def one_protocol(self, data: dict[str, object], **kwargs: object) -> None:
        if ("protocol_id" in data) == ("protocol_key" in data):
            raise ma.ValidationError("give exactly one of protocol_id and protocol_key", "protocol_id")


class AppointmentSchema(ma.Schema):
    id = ma.fields.Integer()
    series_id = ma.fields.Integer()
    index = ma.fields.Integer(metadata={"description": "1-based position in the series"})
    phase = ma.fields.String()
    start = Instant()
    end = Instant()
    chair_id = ma.fields.Integer()
    status = ma.fields.String(metadata={"enum": list(STATUSES)})
    version = ma.fields.Integer(metadata={"description": "Bumped on every change; the iCal SEQUENCE"})
    status_reason = ma.fields.String()


class BoardAppointmentSchema(AppointmentSchema):
    clinic_id = ma.fields.Integer()
    patient_id = ma.fields.Integer()
    patient_name = ma.fields.String()
    protocol_key = ma.fields.String()
    protocol_name = ma.fields.String()
    session_label = ma.fields.String(metadata={"example": "3/6"})


class SeriesSchema(ma.Schema):
    id = ma.fields.Integer()
    status = ma.fields.String(metadata={"enum": ["active", "cancelled"]})
    patient_id = ma.fields.Integer()
    clinic_id = ma.fields.Integer()
    protocol_id = ma.fields.Integer()
    protocol_key = ma.fields.String()
    appointments = ma.fields.List(ma.fields.Nested(AppointmentSchema))


class ChangedAppointmentsSchema(ma.Schema):
    appointments = ma.fields.List(ma.fields.Nested(AppointmentSchema))


class ReasonSchema(InputSchema):
    reason = ma.fields.String(load_default="", validate=validate.Length(max=500))


class RescheduleSchema(InputSchema):
    start = Instant(required=True)
    chair_id = StrictInt(allow_none=True)
    cascade = ma.fields.String(
        load_default="none",
        validate=validate.OneOf(CASCADES),
        metadata={"description": "none: check the neighbours' spacing; following: re-plan the later sessions"},
    )


class BoardQuerySchema(InputSchema):
    clinic_id = ma.fields.Integer(required=True)  # a query string holds text: "3" is fine here
    date = Day(required=True, metadata={"description": "The clinic's local day"})


class AuditQuerySchema(InputSchema):
    entity = ma.fields.String(validate=validate.Length(max=50), metadata={"example": "appointment"})
    entity_id = ma.fields.String(validate=validate.Length(max=64))


class AuditRecordSchema(ma.Schema):
    id = ma.fields.Integer()
    at = ma.fields.AwareDateTime()
    actor = ma.fields.String()
    action = ma.fields.String()
    entity = ma.fields.String()
    entity_id = ma.fields.String()
    before = ma.fields.Dict(allow_none=True)
    after = ma.fields.Dict(allow_none=True)


VISIT_ACTIONS = {"check-in": "check_in", "complete": "complete"}
assert set(VISIT_ACTIONS.values()) <= set(TRANSITIONS)


class ReplanAdviceSchema(ma.Schema):
    needed = ma.fields.Boolean(metadata={"description": "The sessions still booked break the protocol's spacing"})
    why = ma.fields.String()
    proposal = ma.fields.Nested(ProposalSchema, attribute="plan", allow_none=True)


class NoShowSchema(AppointmentSchema):
    replan = ma.fields.Nested(ReplanAdviceSchema)


class ReplanRequestSchema(InputSchema):
    alternatives = StrictInt(load_default=2, validate=validate.Range(0, 10))
