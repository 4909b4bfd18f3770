"""A clinic's chairs, closures and nurse staffing."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for

from ..domain.days import check_day
from ..domain.errors import InvalidValue
from ..domain.timewindows import WEEKDAYS
from ..services import clinics, protocols
from ..services.unit_of_work import UnitOfWork
from .admin import bp
from .admin_forms import DAY_NAMES, EVERYTHING, clock_range, day_fields, placed, text, whole
from .session_auth import ADMIN, page

CHAIR_FIELDS = ("name", "tags")
CLOSURE_FIELDS = ("date", "end_date", "start_time", "end_time", "reason")
STAFFING_FIELDS = (*day_fields("nurses"), "patients_per_nurse", "starts_per_nurse_per_slot")


@bp.route("/clinics/<int:clinic_id>/chairs", methods=["GET", "POST"])
@page(ADMIN)
def chairs(clinic_id: int) -> Any:
    errors: dict[str, str] = {}
    if request.method == "POST":
        tags = request.form.getlist("tag") + [t for t in text(request.form, "other_tags").replace(",", " ").split()]
        try:
            with UnitOfWork(g.actor) as uow:
                chair = clinics.add_chair(uow, clinic_id, text(request.form, "name"), tags)
            flash(f"Chair {chair['name']} added.", "ok")
            return redirect(url_for(".chairs", clinic_id=clinic_id))
        except InvalidValue as error:
            errors = placed(error, CHAIR_FIELDS)
    with UnitOfWork() as uow:
        clinic = clinics.get_clinic(uow, clinic_id)
        rows, _ = clinics.list_chairs(uow, clinic_id, EVERYTHING)
        # Offer the tags the protocols ask for, so a new chair is not left unusable by a typo.
        known = {t for p in protocols.list_protocols(uow, EVERYTHING)[0] for t in p["required_tags"]}
    known |= {t for chair in rows for t in chair["tags"]}
    context = {"clinic": clinic, "chairs": rows, "known_tags": sorted(known), "form": request.form, "errors": errors}
    return render_template("web/admin/chairs.html", section="chairs", **context), 400 if errors else 200


@bp.route("/clinics/<int:clinic_id>/closures", methods=["GET", "POST"])
@page(ADMIN)
def closures(clinic_id: int) -> Any:
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            with UnitOfWork(g.actor) as uow:
                clinics.add_closure(uow, clinic_id, _closure(request.form))
            flash("Closure added.", "ok")
            return redirect(url_for(".closures", clinic_id=clinic_id))
        except InvalidValue as error:
            errors = placed(error, CLOSURE_FIELDS)
    with UnitOfWork() as uow:
        clinic = clinics.get_clinic(uow, clinic_id)
        rows, _ = clinics.list_closures(uow, clinic_id, EVERYTHING)
    context = {"clinic": clinic, "closures": rows, "form": request.form, "errors": errors}
    return render_template("web/admin/closures.html", section="closures", **context), 400 if errors else 200


def _closure(form: Any) -> dict[str, Any]:
    def day(name: str, required: bool) -> date | None:
        raw = text(form, name)
        if not raw and not required:
            return None
        try:
            return check_day(date.fromisoformat(raw), name)
        except ValueError:
            raise InvalidValue(name, "must be a date (YYYY-MM-DD)") from None

    if not text(form, "reason"):
        raise InvalidValue("reason", "say why the clinic is closed; staff see it on the board")
    window = clock_range(form, "start_time", "end_time", "start_time") or [None, None]
    return {"date": day("date", True), "end_date": day("end_date", False), "reason": text(form, "reason")} | dict(
        zip(("start_time", "end_time"), window, strict=True)
    )


@bp.route("/clinics/<int:clinic_id>/closures/<int:closure_id>/delete", methods=["GET", "POST"])
@page(ADMIN)
def delete_closure(clinic_id: int, closure_id: int) -> Any:
    """GET asks for confirmation on a page of its own (no script needed); POST removes the closure."""
    with UnitOfWork() as uow:
        clinic = clinics.get_clinic(uow, clinic_id)
        rows, _ = clinics.list_closures(uow, clinic_id, EVERYTHING)
    closure = next((c for c in rows if c["id"] == closure_id), None)
    if closure is None:
        abort(404)
    if request.method == "POST":
        with UnitOfWork(g.actor) as uow:
            clinics.delete_closure(uow, closure_id)
        flash(f"Closure “{closure['reason']}” removed.", "ok")
        return redirect(url_for(".closures", clinic_id=clinic_id))
    return render_template("web/admin/delete_closure.html", section="closures", clinic=clinic, closure=closure)


@bp.route("/clinics/<int:clinic_id>/staffing", methods=["GET", "POST"])
@page(ADMIN)
def staffing(clinic_id: int) -> Any:
    errors: dict[str, str] = {}
    with UnitOfWork() as uow:
        clinic = clinics.get_clinic(uow, clinic_id)
        stored = clinics.get_staffing(uow, clinic_id)
    if request.method == "POST":
        try:
            with UnitOfWork(g.actor) as uow:
                clinics.set_staffing(uow, clinic_id, _staffing(request.form, stored["nurses"]))
            flash("Staffing saved.", "ok")
            return redirect(url_for(".staffing", clinic_id=clinic_id))
        except InvalidValue as error:
            errors = placed(error, STAFFING_FIELDS)
    form = request.form if request.method == "POST" else _staffing_form(stored)
    context = {"clinic": clinic, "stored": stored, "form": form, "errors": errors, "days": DAY_NAMES}
    return render_template("web/admin/staffing.html", section="staffing", **context), 400 if errors else 200


def _staffing(form: Any, stored_nurses: dict[str, Any]) -> dict[str, Any]:
    """Nurses per weekday; a day kept in time blocks (set through the API) stays so while its field is empty."""
    nurses: dict[str, Any] = {}
    for day in WEEKDAYS:
        if not text(form, f"nurses.{day}") and isinstance(stored_nurses.get(day), list):
            nurses[day] = stored_nurses[day]
        else:
            nurses[day] = whole(form, f"nurses.{day}", 0, 100) if text(form, f"nurses.{day}") else 0
    return {
        "nurses": nurses,
        "patients_per_nurse": whole(form, "patients_per_nurse", 1, 20),
        "starts_per_nurse_per_slot": whole(form, "starts_per_nurse_per_slot", 1, 10),
    }


def _staffing_form(stored: dict[str, Any]) -> dict[str, Any]:
    nurses = stored["nurses"]
    form = {f"nurses.{day}": nurses.get(day, 0) for day in WEEKDAYS if not isinstance(nurses.get(day), list)}
    return form | {k: stored[k] for k in ("patients_per_nurse", "starts_per_nurse_per_slot")}
