"""Protocols: their names, visit minutes, and the preparation instructions that reminders carry."""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for

from ..domain.errors import InvalidValue
from ..services import protocols
from ..services.unit_of_work import UnitOfWork
from .admin import bp
from .admin_forms import EVERYTHING, placed, text, whole
from .session_auth import ADMIN, page

MINUTES = ("prep_minutes", "treatment_minutes", "monitoring_minutes")
PROTOCOL_FIELDS = ("name", "instructions", "visit", *(f"visit.{m}" for m in MINUTES))
MINUTE_RANGES = {"prep_minutes": (0, 600), "treatment_minutes": (1, 720), "monitoring_minutes": (0, 600)}
MAX_INSTRUCTIONS = 4000


@bp.get("/protocols")
@page(ADMIN)
def protocol_list() -> Any:
    with UnitOfWork() as uow:
        rows, _ = protocols.list_protocols(uow, EVERYTHING)
    return render_template("web/admin/protocols.html", protocols=rows)


@bp.route("/protocols/<int:protocol_id>", methods=["GET", "POST"])
@page(ADMIN)
def protocol(protocol_id: int) -> Any:
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            with UnitOfWork(g.actor) as uow:
                saved = protocols.update_protocol(uow, protocol_id, _changes(request.form))
            flash(f"{saved['name']} saved. New reminders carry the new instructions.", "ok")
            return redirect(url_for(".protocol", protocol_id=protocol_id))
        except InvalidValue as error:
            errors = placed(error, PROTOCOL_FIELDS)
    with UnitOfWork() as uow:
        current = protocols.get_protocol(uow, protocol_id)
    form = request.form if errors else {"name": current["name"], "instructions": current["instructions"]}
    if not errors:
        form |= {f"visit.{m}": current["visit"][m] for m in MINUTES}
    context = {"protocol": current, "form": form, "errors": errors, "minutes": MINUTES}
    return render_template("web/admin/protocol.html", **context), 400 if errors else 200


def _changes(form: Any) -> dict[str, Any]:
    instructions = form.get("instructions", "").strip().replace("\r\n", "\n")
    if len(instructions) > MAX_INSTRUCTIONS:
        raise InvalidValue("instructions", f"is {len(instructions)} characters long; at most {MAX_INSTRUCTIONS} fit")
    return {
        "name": text(form, "name"),
        "instructions": instructions,
        "visit": {m: whole(form, f"visit.{m}", *MINUTE_RANGES[m]) for m in MINUTES},
    }
