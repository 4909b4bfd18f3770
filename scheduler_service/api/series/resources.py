"""Series and appointment endpoints: book, read, move, cancel, record visits; the day board; the audit trail."""

from __future__ import annotations

from typing import Any

from flask import current_app, g, request
from flask.views import MethodView
from flask_smorest import Blueprint

from ...adapters.clock import app_clock
from ...domain.plan_check import RequestedSession
from ...services import board, booking, maintenance, replanning, rescheduling, visits
from ...services.idempotency import IdempotencyKey
from ...services.unit_of_work import UnitOfWork
from ..auth import FRONT_DESK, STAFF, actor, allow
from ..pagination import items_of, page_of
from ..planning.schemas import ProposalsSchema
from .schemas import (
    VISIT_ACTIONS,
    AppointmentSchema,
    AuditQuerySchema,
    AuditRecordSchema,
    BoardAppointmentSchema,
    BoardQuerySchema,
    ChangedAppointmentsSchema,
    NoShowSchema,
    ReasonSchema,
    ReplanRequestSchema,
    RescheduleSchema,
    SeriesRequestSchema,
    SeriesSchema,
)

blp = Blueprint("series", __name__, url_prefix="/api/v1", description="Book, move and cancel series; record visits")


@blp.route("/series")
class SeriesCollection(MethodView):
    @allow(FRONT_DESK)
    @blp.arguments(SeriesRequestSchema)
    @blp.response(201, SeriesSchema)
    @blp.alt_response(404, response="NOT_FOUND", description="The patient, clinic or protocol named does not exist")
    @blp.alt_response(409, response="CONFLICT", description="A session is no longer free; details.next_proposal")
    @blp.alt_response(412, response="PRECONDITION_FAILED", description="Idempotency-Key reused for another request")
    @blp.doc(
        parameters=[
            {
                "in": "header",
                "name": "Idempotency-Key",
                "schema": {"type": "string"},
                "required": False,
                "description": "A repeat of the request with the same key returns the first answer",
            }
        ]
    )
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Book every session of a series in one transaction (all or nothing); 409 names a session now taken"""
        key = request.headers.get("Idempotency-Key")
        idem = IdempotencyKey.of(g.user_id, key, request.get_json()) if key is not None else None
        sessions = [RequestedSession(s["start"], s.get("chair_id")) for s in data.pop("sessions")]
        with UnitOfWork(actor()) as uow:
            booking_request = booking.BookingRequest(sessions=sessions, **data)
            return booking.book_series(uow, booking_request, app_clock().now(), idem, current_app.config["BASE_URL"])


@blp.route("/series/<int:series_id>")
class SeriesById(MethodView):
    @allow(STAFF)
    @blp.response(200, SeriesSchema)
    def get(self, series_id: int) -> dict[str, Any]:
        """Show a series with every appointment"""
        with UnitOfWork() as uow:
            return visits.get_series(uow, series_id)


@blp.route("/patients/<int:patient_id>/series")
class SeriesOfPatient(MethodView):
    @allow(STAFF)
    @blp.response(200, SeriesSchema(many=True))
    def get(self, patient_id: int) -> list[dict[str, Any]]:
        """A patient's series, oldest first"""
        with UnitOfWork() as uow:
            return board.patient_series(uow, patient_id)


@blp.route("/series/<int:series_id>/cancel")
class CancelSeries(MethodView):
    @allow(FRONT_DESK)
    @blp.arguments(ReasonSchema)
    @blp.response(200, SeriesSchema)
    @blp.alt_response(409, response="CONFLICT", description="The state of the series or visit does not allow it")
    def post(self, data: dict[str, Any], series_id: int) -> dict[str, Any]:
        """Cancel every future appointment of the series; what happened stays"""
        with UnitOfWork(actor()) as uow:
            return visits.cancel_series(uow, series_id, app_clock().now(), data["reason"])


@blp.route("/series/<int:series_id>/extend")
class ExtendSeries(MethodView):
    @allow(FRONT_DESK)
    @blp.response(200, ChangedAppointmentsSchema)
    @blp.alt_response(409, response="CONFLICT", description="The state of the series or visit does not allow it")
    def post(self, series_id: int) -> dict[str, Any]:
        """Book the maintenance sessions that fit before the clinic's horizon"""
        with UnitOfWork(actor()) as uow:
            return {"appointments": maintenance.extend_series(uow, series_id, app_clock().now())}


@blp.route("/appointments")
class DayBoard(MethodView):
    @allow(STAFF)
    @blp.arguments(BoardQuerySchema, location="query")
    @blp.response(200, BoardAppointmentSchema(many=True))
    @blp.alt_response(404, response="NOT_FOUND", description="No such clinic")
    def get(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        """The day board: every appointment of one clinic day, in start order"""
        with UnitOfWork() as uow:
            return board.day_board(uow, query["clinic_id"], query["date"])


@blp.route("/appointments/<int:appointment_id>")
class AppointmentById(MethodView):
    @allow(STAFF)
    @blp.response(200, AppointmentSchema)
    def get(self, appointment_id: int) -> dict[str, Any]:
        """Show an appointment"""
        with UnitOfWork() as uow:
            return visits.get_appointment(uow, appointment_id)


@blp.route("/appointments/<int:appointment_id>/reschedule")
class Reschedule(MethodView):
    @allow(FRONT_DESK)
    @blp.arguments(RescheduleSchema)
    @blp.response(200, ChangedAppointmentsSchema)
    @blp.alt_response(409, response="CONFLICT", description="The state of the series or visit does not allow it")
    def post(self, data: dict[str, Any], appointment_id: int) -> dict[str, Any]:
        """Move a session; cascade "following" re-plans the later ones. Returns every appointment changed"""
        with UnitOfWork(actor()) as uow:
            changed = rescheduling.reschedule(
                uow, appointment_id, data["start"], data.get("chair_id"), data["cascade"], app_clock().now()
            )
        return {"appointments": changed}


@blp.route("/appointments/<int:appointment_id>/cancel")
class CancelAppointment(MethodView):
    @allow(FRONT_DESK)
    @blp.arguments(ReasonSchema)
    @blp.response(200, AppointmentSchema)
    @blp.alt_response(409, response="CONFLICT", description="The state of the series or visit does not allow it")
    def post(self, data: dict[str, Any], appointment_id: int) -> dict[str, Any]:
        """Cancel one session"""
        with UnitOfWork(actor()) as uow:
            return visits.change_status(uow, appointment_id, "cancel", app_clock().now(), data["reason"])


def _visit_view(action: str) -> type[MethodView]:
    class VisitStatus(MethodView):
        @allow(STAFF)
        @blp.response(200, AppointmentSchema)
        @blp.alt_response(409, response="CONFLICT", description="The state of the series or visit does not allow it")
        def post(self, appointment_id: int) -> dict[str, Any]:
            with UnitOfWork(actor()) as uow:
                return visits.change_status(uow, appointment_id, action, app_clock().now())

    VisitStatus.post.__doc__ = f"Record the visit as {action.replace('_', ' ')}"
    VisitStatus.__name__ = f"Visit{action.title().replace('_', '')}"
    return VisitStatus


for path, visit_action in VISIT_ACTIONS.items():
    blp.route(f"/appointments/<int:appointment_id>/{path}")(_visit_view(visit_action))


@blp.route("/appointments/<int:appointment_id>/no-show")
class VisitNoShow(MethodView):
    @allow(STAFF)
    @blp.response(200, NoShowSchema)
    @blp.alt_response(409, response="CONFLICT", description="The state of the series or visit does not allow it")
    def post(self, appointment_id: int) -> dict[str, Any]:
        """Record a missed visit; when the rest of the course no longer keeps its spacing, propose a re-plan"""
        now = app_clock().now()
        with UnitOfWork(actor()) as uow:
            missed = visits.change_status(uow, appointment_id, "no_show", now)
            return {**missed, "replan": replanning.advice_after_miss(uow, missed["series_id"], now)}


@blp.route("/series/<int:series_id>/replan-proposals")
class ReplanProposals(MethodView):
    @allow(FRONT_DESK)
    @blp.arguments(ReplanRequestSchema)
    @blp.response(200, ProposalsSchema)
    @blp.alt_response(409, response="CONFLICT", description="The state of the series or visit does not allow it")
    def post(self, data: dict[str, Any], series_id: int) -> dict[str, Any]:
        """Plans for every session not yet held, from the sessions that happened (writes nothing)"""
        with UnitOfWork() as uow:
            return {"proposals": replanning.replan_proposals(uow, series_id, app_clock().now(), data["alternatives"])}


@blp.route("/audit")
class AuditTrail(MethodView):
    @allow(STAFF)
    @blp.arguments(AuditQuerySchema, location="query")
    @blp.response(200, AuditRecordSchema(many=True))
    @blp.paginate()
    def get(self, query: dict[str, Any], pagination_parameters: Any) -> list[dict[str, Any]]:
        """Who changed what and when, oldest first"""
        with UnitOfWork() as uow:
            trail = board.audit_trail(uow, query.get("entity"), query.get("entity_id"), page_of(pagination_parameters))
            return items_of(pagination_parameters, trail)
