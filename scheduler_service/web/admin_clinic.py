"""A clinic's own settings and its opening hours (both are fields of the clinic row)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for

from ..domain.errors import InvalidValue
from ..domain.timewindows import WEEKDAYS, TimeWindow
from ..services import clinics
from ..services.unit_of_work import UnitOfWork
from .admin import bp, zones
from .admin_forms import DAY_NAMES, clock_range, day_fields, optional, placed, text, whole
from .session_auth import ADMIN, page

SETTINGS_FIELDS = (
    "name",
    "address",
    "timezone",
    "slot_minutes",
    "turnover_minutes",
    "holiday_country",
    "holiday_subdivision",
    "booking_horizon_days",
)
SLOT_CHOICES = (5, 10, 15, 20, 30, 60)
WINDOWS_PER_DAY = 2  # a day's hours, and an optional second stretch after a lunch break


@bp.route("/clinics/<int:clinic_id>", methods=["GET", "POST"])
@page(ADMIN)
def settings(clinic_id: int) -> Any:
    def read(form: Mapping[str, str]) -> dict[str, Any]:
        country = optional(form, "holiday_country")
        return {
            "name": text(form, "name"),
            "address": text(form, "address"),
            "timezone": text(form, "timezone"),
            "slot_minutes": whole(form, "slot_minutes", 5, 60),
            "turnover_minutes": whole(form, "turnover_minutes", 0, 120),
            "holiday_country": country.upper() if country else None,
            "holiday_subdivision": optional(form, "holiday_subdivision"),
            "booking_horizon_days": whole(form, "booking_horizon_days", 7, 730),
            "feed_shows_protocol": form.get("feed_shows_protocol") == "on",
        }

    return _edit(clinic_id, "settings", read, SETTINGS_FIELDS, lambda clinic: clinic, "Settings saved.")


@bp.route("/clinics/<int:clinic_id>/hours", methods=["GET", "POST"])
@page(ADMIN)
def hours(clinic_id: int) -> Any:
    def read(form: Mapping[str, str]) -> dict[str, Any]:
        opening: dict[str, list[list[str]]] = {}
        for day in WEEKDAYS:
            windows = [
                clock_range(form, f"{day}-{i}-start", f"{day}-{i}-end", f"opening_hours.{day}.{i}")
                for i in range(WINDOWS_PER_DAY)
            ]
            for i, window in enumerate(windows):
                if window:  # checked here too, so an error names the window as the form shows it
                    TimeWindow.parse(window, f"opening_hours.{day}.{i}")
            opening[day] = [w for w in windows if w]
        return {"opening_hours": opening}

    fields = [f"{day}.{i}" for day in day_fields("opening_hours") for i in range(WINDOWS_PER_DAY)]
    fields += day_fields("opening_hours")
    return _edit(clinic_id, "hours", read, fields, _hours_form, "Opening hours saved.")


def _hours_form(clinic: dict[str, Any]) -> dict[str, str]:
    """The stored windows as the values of the form's time inputs."""
    form: dict[str, str] = {}
    for day, windows in clinic["opening_hours"].items():
        for i, (start, end) in enumerate(windows[:WINDOWS_PER_DAY]):
            form[f"{day}-{i}-start"], form[f"{day}-{i}-end"] = start, end
    return form


def _edit(clinic_id: int, view: str, read: Any, fields: Any, to_form: Any, saved: str) -> Any:
    """Show the form with the stored values, or save what was sent; a refusal shows the sent values again."""
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            changes = read(request.form)
            with UnitOfWork(g.actor) as uow:
                clinics.update_clinic(uow, clinic_id, changes)
            flash(saved, "ok")
            return redirect(url_for(f".{view}", clinic_id=clinic_id))
        except InvalidValue as error:
            errors = placed(error, fields)
    with UnitOfWork() as uow:
        clinic = clinics.get_clinic(uow, clinic_id)
    form = request.form if errors else to_form(clinic)
    context = {"clinic": clinic, "form": form, "errors": errors, "section": view, "days": DAY_NAMES}
    context.update(zones=zones(), slot_choices=SLOT_CHOICES, windows=range(WINDOWS_PER_DAY))
    return render_template(f"web/admin/{view}.html", **context), 400 if errors else 200
