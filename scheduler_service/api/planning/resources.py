"""Planning endpoints: they answer questions and write nothing."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from ...adapters.clock import app_clock
from ...services import planning
from ...services.unit_of_work import UnitOfWork
from ..auth import FRONT_DESK, STAFF, allow
from .schemas import (
    OBJECTIVE,
    AvailabilityDaySchema,
    AvailabilityQuerySchema,
    ProposalRequestSchema,
    ProposalsSchema,
)

blp = Blueprint(
    "planning", __name__, url_prefix="/api/v1", description=f"Free starts and series proposals. {OBJECTIVE}"
)


@blp.route("/clinics/<int:clinic_id>/availability")
class Availability(MethodView):
    @allow(STAFF)
    @blp.arguments(AvailabilityQuerySchema, location="query")
    @blp.response(200, AvailabilityDaySchema(many=True))
    def get(self, query: dict[str, Any], clinic_id: int) -> list[Any]:
        """Free start times per day for one visit of a protocol, with the chairs free at each"""
        with UnitOfWork() as uow:
            return planning.availability(
                uow, clinic_id, query["protocol_key"], query["from_"], query["to"], app_clock().now()
            )


@blp.route("/series/proposals")
class Proposals(MethodView):
    @allow(FRONT_DESK)
    @blp.arguments(ProposalRequestSchema)
    @blp.response(200, ProposalsSchema, description=OBJECTIVE)
    @blp.alt_response(404, response="NOT_FOUND", description="The patient, clinic or protocol named does not exist")
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Propose the best plan for a patient's whole series, and alternatives (writes nothing)"""
        with UnitOfWork() as uow:
            plans = planning.propose_series(uow, planning.ProposalRequest(**data), app_clock().now())
        return {"proposals": plans}
