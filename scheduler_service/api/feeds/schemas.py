"""Feed token bodies."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from ..fields import InputSchema


class FeedTokenRequestSchema(InputSchema):
    label = ma.fields.String(load_default="", validate=validate.Length(max=100), metadata={"example": "Maria's phone"})


class FeedTokenSchema(ma.Schema):
    id = ma.fields.Integer()
    patient_id = ma.fields.Integer(allow_none=True)
    clinic_id = ma.fields.Integer(allow_none=True)
    label = ma.fields.String()
    created_at = ma.fields.AwareDateTime()
    revoked_at = ma.fields.AwareDateTime(allow_none=True)


class IssuedFeedTokenSchema(FeedTokenSchema):
    url = ma.fields.String(metadata={"description": "The private feed URL; shown only in this answer"})
    webcal_url = ma.fields.String(metadata={"description": "The same URL for calendar apps (webcal://)"})
    qr_png = ma.fields.String(metadata={"description": "A PNG data URI of a QR code of the URL, to scan at the desk"})
