"""Clinic set-up endpoints (admin writes; every staff role reads)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from ...services import clinics
from ...services.unit_of_work import UnitOfWork
from ..auth import ADMIN, STAFF, actor, allow
from ..pagination import items_of, page_of
from .schemas import ChairSchema, ClinicSchema, ClosureSchema, StaffingSchema

blp = Blueprint(
    "clinics", __name__, url_prefix="/api/v1", description="Clinic set-up: hours, chairs, closures, staffing"
)


@blp.route("/clinics")
class Clinics(MethodView):
    @allow(STAFF)
    @blp.response(200, ClinicSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters: Any) -> list[dict[str, Any]]:
        """List clinics"""
        with UnitOfWork() as uow:
            return items_of(pagination_parameters, clinics.list_clinics(uow, page_of(pagination_parameters)))

    @allow(ADMIN)
    @blp.arguments(ClinicSchema)
    @blp.response(201, ClinicSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Create a clinic (defaults: Mon-Fri 08:00-17:00, 15-minute slots, 15-minute turnover, US holidays)"""
        with UnitOfWork(actor()) as uow:
            return clinics.create_clinic(uow, data)


@blp.route("/clinics/<int:clinic_id>")
class ClinicById(MethodView):
    @allow(STAFF)
    @blp.response(200, ClinicSchema)
    def get(self, clinic_id: int) -> dict[str, Any]:
        """Show a clinic"""
        with UnitOfWork() as uow:
            return clinics.get_clinic(uow, clinic_id)

    @allow(ADMIN)
    @blp.arguments(ClinicSchema(partial=True))
    @blp.response(200, ClinicSchema)
    def patch(self, changes: dict[str, Any], clinic_id: int) -> dict[str, Any]:
        """Change a clinic's settings"""
        with UnitOfWork(actor()) as uow:
            return clinics.update_clinic(uow, clinic_id, changes)


@blp.route("/clinics/<int:clinic_id>/chairs")
class Chairs(MethodView):
    @allow(STAFF)
    @blp.response(200, ChairSchema(many=True))
    @blp.paginate()
    def get(self, clinic_id: int, pagination_parameters: Any) -> list[dict[str, Any]]:
        """List a clinic's chairs"""
        with UnitOfWork() as uow:
            return items_of(pagination_parameters, clinics.list_chairs(uow, clinic_id, page_of(pagination_parameters)))

    @allow(ADMIN)
    @blp.arguments(ChairSchema)
    @blp.response(201, ChairSchema)
    def post(self, data: dict[str, Any], clinic_id: int) -> dict[str, Any]:
        """Add a chair (tags say what it suits: iv, spravato, consult)"""
        with UnitOfWork(actor()) as uow:
            return clinics.add_chair(uow, clinic_id, data["name"], data["tags"])


@blp.route("/clinics/<int:clinic_id>/closures")
class Closures(MethodView):
    @allow(STAFF)
    @blp.response(200, ClosureSchema(many=True))
    @blp.paginate()
    def get(self, clinic_id: int, pagination_parameters: Any) -> list[dict[str, Any]]:
        """List a clinic's closures"""
        with UnitOfWork() as uow:
            return items_of(
                pagination_parameters, clinics.list_closures(uow, clinic_id, page_of(pagination_parameters))
            )

    @allow(ADMIN)
    @blp.arguments(ClosureSchema)
    @blp.response(201, ClosureSchema)
    def post(self, data: dict[str, Any], clinic_id: int) -> dict[str, Any]:
        """Close the clinic for a day, a range of days, or part of each day"""
        with UnitOfWork(actor()) as uow:
            return clinics.add_closure(uow, clinic_id, data)


@blp.route("/closures/<int:closure_id>")
class ClosureById(MethodView):
    @allow(ADMIN)
    @blp.response(204)
    def delete(self, closure_id: int) -> None:
        """Remove a closure"""
        with UnitOfWork(actor()) as uow:
            clinics.delete_closure(uow, closure_id)


@blp.route("/clinics/<int:clinic_id>/staffing")
class StaffingOfClinic(MethodView):
    @allow(STAFF)
    @blp.response(200, StaffingSchema)
    def get(self, clinic_id: int) -> dict[str, Any]:
        """Show who is on duty"""
        with UnitOfWork() as uow:
            return clinics.get_staffing(uow, clinic_id)

    @allow(ADMIN)
    @blp.arguments(StaffingSchema)
    @blp.response(200, StaffingSchema)
    def put(self, data: dict[str, Any], clinic_id: int) -> dict[str, Any]:
        """Set nurses on duty, patients per nurse and starts per nurse per slot"""
        with UnitOfWork(actor()) as uow:
            return clinics.set_staffing(uow, clinic_id, data)
