"""Planning questions and their answers: free starts and whole-series proposals."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from ...domain.long_rooms import KEEP_LONG_ROOMS
from ..fields import Day, InputSchema, StrictInt

OBJECTIVE = (
    "Plans are optimal for this order of criteria: (1) earliest completion of the induction phase; "
    "(2) gaps closest to each phase's target gap; (3) consistency for the patient (same time of day "
    "and chair across sessions) and chair time kept usable, weighed alike: each change of time or "
    "chair counts as much as one slot of chair time a session strands (free slots beside it that no "
    "visit of the clinic could fill) and as one course of the clinic's longest visit (a pain infusion on "
    "consecutive clinic days) that could no longer run through the session's day, while fewer than "
    f"{KEEP_LONG_ROOMS} such courses could; (4) a level clinic load (quieter slots and "
    "days before the peak). "
    "Every session is checked against opening hours, holidays and closures, a free chair with the "
    "protocol's tags (visit plus turnover), nurse monitoring capacity, starts per slot, the phase's "
    "spacing and course window, and the patient's preferred weekdays and start times."
)


class AvailabilityQuerySchema(InputSchema):
    protocol_key = ma.fields.String(required=True, validate=validate.Length(1, 63))
    from_ = Day(required=True, data_key="from", metadata={"description": "First day (clinic's date)"})
    to = Day(required=True, metadata={"description": "Last day, inclusive (at most 62 days)"})


class FreeStartSchema(ma.Schema):
    start = ma.fields.DateTime()
    end = ma.fields.DateTime()
    chair_ids = ma.fields.List(ma.fields.Integer())


class AvailabilityDaySchema(ma.Schema):
    date = ma.fields.Date(attribute="day")
    closed = ma.fields.String(allow_none=True, metadata={"description": "Why the clinic is shut that day"})
    starts = ma.fields.List(ma.fields.Nested(FreeStartSchema))


class ProposalRequestSchema(InputSchema):
    patient_id = StrictInt(required=True)
    clinic_id = StrictInt(required=True)
    protocol_id = StrictInt(metadata={"description": "Give protocol_id or protocol_key"})
    protocol_key = ma.fields.String(validate=validate.Length(1, 63))
    earliest_date = Day(required=True)
    maintenance_sessions = StrictInt(
        validate=validate.Range(0, 52),
        metadata={"description": "Maintenance sessions to plan; default: as many as 90 days after induction hold"},
    )
    alternatives = StrictInt(load_default=2, validate=validate.Range(0, 10))
    latest_date = Day(
        metadata={
            "description": "The first session on or before this day, e.g. when the patient cannot wait longer; "
            "default: within 120 days of earliest_date"
        }
    )

    @ma.validates_schema
    def one_protocol(self, data: dict[str, object], **kwargs: object) -> None:
        if ("protocol_id" in data) == ("protocol_key" in data):
            raise ma.ValidationError("give exactly one of protocol_id and protocol_key", "protocol_id")


class PlannedSessionSchema(ma.Schema):
    index = ma.fields.Method("one_based")
    phase = ma.fields.String()
    start = ma.fields.DateTime()
    end = ma.fields.DateTime()
    chair_id = ma.fields.Integer()

    def one_based(self, session: object) -> int:
        return session.index + 1  # type: ignore[attr-defined]


class ProposalSchema(ma.Schema):
    score = ma.fields.Method("score_of")
    sessions = ma.fields.List(ma.fields.Nested(PlannedSessionSchema))
    notes = ma.fields.List(ma.fields.String())

    def score_of(self, plan: object) -> dict[str, object]:
        return plan.score.to_dict()  # type: ignore[attr-defined]


class ProposalsSchema(ma.Schema):
    proposals = ma.fields.List(ma.fields.Nested(ProposalSchema))
