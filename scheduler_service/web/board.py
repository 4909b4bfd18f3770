"""The day board: one clinic day as chairs × quarter hours, with the nurses' load beside it."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, render_template, request

from ..adapters.clock import app_clock
from ..domain.days import FIRST_DAY, LAST_DAY, in_range
from ..services.day_view import day_view
from ..services.unit_of_work import UnitOfWork
from .pages import blueprint
from .session_auth import STAFF, page

bp = blueprint("board")


@bp.get("/board")
@page(STAFF)
def day() -> Any:
    clinic_id = request.args.get("clinic_id", type=int)
    try:
        chosen = date.fromisoformat(request.args["date"]) if request.args.get("date") else None
    except ValueError:
        abort(400, description="The date must be written YYYY-MM-DD.")
    if chosen is not None and not in_range(chosen):
        abort(400, description=f"The date must lie between {FIRST_DAY} and {LAST_DAY}.")
    with UnitOfWork() as uow:
        view = day_view(uow, clinic_id, chosen, app_clock().now())
    return render_template("web/board.html", view=view)
