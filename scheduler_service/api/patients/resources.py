"""Patient endpoints (front desk writes; every staff role reads)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from ...services import patients
from ...services.unit_of_work import UnitOfWork
from ..auth import FRONT_DESK, STAFF, actor, allow
from ..pagination import items_of, page_of
from .schemas import PatientQuerySchema, PatientSchema

blp = Blueprint("patients", __name__, url_prefix="/api/v1", description="Patients")


@blp.route("/patients")
class Patients(MethodView):
    @allow(STAFF)
    @blp.arguments(PatientQuerySchema, location="query")
    @blp.response(200, PatientSchema(many=True))
    @blp.paginate()
    def get(self, query: dict[str, Any], pagination_parameters: Any) -> list[dict[str, Any]]:
        """Find patients by name, email or phone"""
        with UnitOfWork() as uow:
            found = patients.search_patients(uow, query.get("q"), page_of(pagination_parameters))
            return items_of(pagination_parameters, found)

    @allow(FRONT_DESK)
    @blp.arguments(PatientSchema)
    @blp.response(201, PatientSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Register a patient"""
        with UnitOfWork(actor()) as uow:
            return patients.create_patient(uow, data)


@blp.route("/patients/<int:patient_id>")
class PatientById(MethodView):
    @allow(STAFF)
    @blp.response(200, PatientSchema)
    def get(self, patient_id: int) -> dict[str, Any]:
        """Show a patient"""
        with UnitOfWork() as uow:
            return patients.get_patient(uow, patient_id)

    @allow(FRONT_DESK)
    @blp.arguments(PatientSchema(partial=True))
    @blp.response(200, PatientSchema)
    def patch(self, changes: dict[str, Any], patient_id: int) -> dict[str, Any]:
        """Change a patient's contact details, preferences or reminder channels"""
        with UnitOfWork(actor()) as uow:
            return patients.update_patient(uow, patient_id, changes)
