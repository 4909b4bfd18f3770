"""The outbox as the front desk sees it, and each clinic's reminder policy."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from ...services import reminders
from ...services.unit_of_work import UnitOfWork
from ..auth import ADMIN, STAFF, actor, allow
from ..pagination import items_of, page_of
from .schemas import ReminderPolicySchema, ReminderQuerySchema, ReminderSchema

blp = Blueprint("reminders", __name__, url_prefix="/api/v1", description="Reminders: the outbox and the policy")


@blp.route("/reminders")
class Reminders(MethodView):
    @allow(STAFF)
    @blp.arguments(ReminderQuerySchema, location="query")
    @blp.response(200, ReminderSchema(many=True))
    @blp.paginate()
    def get(self, query: dict[str, Any], pagination_parameters: Any) -> list[dict[str, Any]]:
        """Messages queued, sent, failed, cancelled or skipped, soonest due first"""
        with UnitOfWork() as uow:
            page = page_of(pagination_parameters)
            listed = reminders.list_reminders(uow, query, page, current_app.config["MAIL_FROM"])
            return items_of(pagination_parameters, listed)


@blp.route("/clinics/<int:clinic_id>/reminder-policy")
class ReminderPolicy(MethodView):
    @allow(STAFF)
    @blp.response(200, ReminderPolicySchema)
    def get(self, clinic_id: int) -> dict[str, Any]:
        """Show when reminders go out, on which channels, and the per-protocol overrides"""
        with UnitOfWork() as uow:
            return reminders.get_policy(uow, clinic_id)

    @allow(ADMIN)
    @blp.arguments(ReminderPolicySchema)
    @blp.response(200, ReminderPolicySchema)
    def put(self, data: dict[str, Any], clinic_id: int) -> dict[str, Any]:
        """Replace the policy (missing fields take the defaults); applies to reminders queued from now on"""
        with UnitOfWork(actor()) as uow:
            return reminders.set_policy(uow, clinic_id, data)
