"""Clinic set-up for administrators: hours, closures, chairs, staffing, protocols.

One blueprint; its views live in the admin_*.py modules, which add routes to this `bp`.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from flask import flash, g, redirect, render_template, request, url_for

from ..domain.errors import InvalidValue
from ..services import clinics, protocols
from ..services.unit_of_work import UnitOfWork
from .admin_forms import EVERYTHING, optional, placed, text
from .pages import blueprint
from .session_auth import ADMIN, page

bp = blueprint("admin", url_prefix="/admin")
NEW_CLINIC_FIELDS = ("name", "timezone", "address")


@bp.get("/")
@page(ADMIN)
def index() -> Any:
    with UnitOfWork() as uow:
        all_clinics, _ = clinics.list_clinics(uow, EVERYTHING)
        all_protocols, _ = protocols.list_protocols(uow, EVERYTHING)
    return render_template("web/admin/index.html", clinics=all_clinics, protocols=all_protocols)


@bp.route("/clinics/new", methods=["GET", "POST"])
@page(ADMIN)
def new_clinic() -> Any:
    errors: dict[str, str] = {}
    if request.method == "POST":
        data = {"name": text(request.form, "name"), "timezone": text(request.form, "timezone")}
        data["address"] = optional(request.form, "address") or ""
        try:
            with UnitOfWork(g.actor) as uow:
                created = clinics.create_clinic(uow, data)
            flash(f"{created['name']} was created with Mon–Fri 08:00–17:00 hours; adjust them below.", "ok")
            return redirect(url_for(".settings", clinic_id=created["id"]))
        except InvalidValue as error:
            errors = placed(error, NEW_CLINIC_FIELDS)
    form = request.form if request.method == "POST" else {"timezone": "America/Chicago"}
    status = 400 if errors else 200
    return render_template("web/admin/new_clinic.html", form=form, errors=errors, zones=zones()), status


def zones() -> list[str]:
    """Suggestions for the time zone field (region zones); the clinic rules still decide what is accepted."""
    return sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))


# The views of each section register themselves on `bp` when imported; they need `bp` defined first.
from . import admin_clinic, admin_protocols, admin_reminders, admin_setup  # noqa: E402, F401
