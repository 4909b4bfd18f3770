"""Protocol endpoints (admin writes; every staff role reads)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from ...services import protocols
from ...services.unit_of_work import UnitOfWork
from ..auth import ADMIN, STAFF, actor, allow
from ..pagination import items_of, page_of
from .schemas import PROTOCOL_PATCH_FIELDS, ProtocolSchema

blp = Blueprint("protocols", __name__, url_prefix="/api/v1", description="Treatment protocols")


@blp.route("/protocols")
class Protocols(MethodView):
    @allow(STAFF)
    @blp.response(200, ProtocolSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters: Any) -> list[dict[str, Any]]:
        """List protocols (the built-ins have stable keys)"""
        with UnitOfWork() as uow:
            return items_of(pagination_parameters, protocols.list_protocols(uow, page_of(pagination_parameters)))

    @allow(ADMIN)
    @blp.arguments(ProtocolSchema)
    @blp.response(201, ProtocolSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Create a protocol"""
        with UnitOfWork(actor()) as uow:
            return protocols.create_protocol(uow, data)


@blp.route("/protocols/<int:protocol_id>")
class ProtocolById(MethodView):
    @allow(STAFF)
    @blp.response(200, ProtocolSchema)
    def get(self, protocol_id: int) -> dict[str, Any]:
        """Show a protocol"""
        with UnitOfWork() as uow:
            return protocols.get_protocol(uow, protocol_id)

    @allow(ADMIN)
    @blp.arguments(ProtocolSchema(partial=PROTOCOL_PATCH_FIELDS))
    @blp.response(200, ProtocolSchema)
    def patch(self, changes: dict[str, Any], protocol_id: int) -> dict[str, Any]:
        """Change a protocol (its key stays)"""
        with UnitOfWork(actor()) as uow:
            return protocols.update_protocol(uow, protocol_id, changes)
