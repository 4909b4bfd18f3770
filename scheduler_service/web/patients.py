"""Patients: search as you type, create, edit contact details, preferences, reminder channels and calendar links."""

from __future__ import annotations

from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, flash, g, redirect, render_template, request, url_for

from ..adapters.clock import app_clock
from ..domain.errors import DomainError, InvalidValue
from ..services import board, feeds, patients
from ..services.paging import Page
from ..services.patient_form import TIME_ZONES, WEEKDAY_NAMES, form_values, parse_patient_form
from ..services.protocols import list_protocols
from ..services.unit_of_work import UnitOfWork
from .pages import blueprint, field_errors
from .session_auth import FRONT_DESK, STAFF, page

bp = blueprint("patients")
RESULTS = Page(1, 50)
UNNAMED = "Calendar link"  # what a link without a label is called on the page


@bp.get("/patients")
@page(STAFF)
def index() -> Any:
    q = request.args.get("q", "").strip()
    found, total = _search(q)
    return render_template("web/patients/index.html", q=q, found=found, total=total)


@bp.get("/patients/results")
@page(STAFF)
def results() -> Any:
    """The result table alone: htmx swaps it in while the front desk types."""
    q = request.args.get("q", "").strip()
    found, total = _search(q)
    return render_template("web/patients/_results.html", q=q, found=found, total=total)


@bp.route("/patients/new", methods=["GET", "POST"])
@page(FRONT_DESK)
def new() -> Any:
    values, errors = form_values({}), {}
    if request.method == "POST":
        data, errors = parse_patient_form(request.form, request.form.getlist, app_clock().now().date())
        values = form_values(data)
        if not errors:
            try:
                with UnitOfWork(g.actor) as uow:
                    created = patients.create_patient(uow, data)
            except DomainError as error:
                errors = field_errors(error)
            else:
                flash(f"{created['given_name']} {created['family_name']} was added.")
                return redirect(url_for("web.patients.show", patient_id=created["id"]))
    return _form_page("web/patients/new.html", values, errors, status=422 if errors else 200)


@bp.get("/patients/<int:patient_id>")
@page(STAFF)
def show(patient_id: int) -> Any:
    with UnitOfWork() as uow:
        patient = patients.get_patient(uow, patient_id)
    return _patient_page(patient, form_values(patient), {})


@bp.post("/patients/<int:patient_id>")
@page(FRONT_DESK)
def update(patient_id: int) -> Any:
    with UnitOfWork() as uow:
        patient = patients.get_patient(uow, patient_id)
    data, errors = parse_patient_form(request.form, request.form.getlist, app_clock().now().date())
    if not errors:
        try:
            with UnitOfWork(g.actor) as uow:
                patients.update_patient(uow, patient_id, data)
        except DomainError as error:
            errors = field_errors(error)
        else:
            flash("The changes were saved.")
            return redirect(url_for("web.patients.show", patient_id=patient_id))
    return _patient_page(patient, form_values(data), errors, status=422)


@bp.post("/patients/<int:patient_id>/feed-links")
@page(FRONT_DESK)
def new_feed_link(patient_id: int) -> Any:
    """A new private calendar link, shown this once: the patient subscribes to it on another phone or app."""
    label = request.form.get("label", "").strip()
    try:
        with UnitOfWork(g.actor) as uow:
            patient = patients.get_patient(uow, patient_id)
            feed = feeds.issue_feed_token(uow, current_app.config["BASE_URL"], patient_id=patient_id, label=label)
    except InvalidValue as error:
        with UnitOfWork() as uow:
            patient = patients.get_patient(uow, patient_id)
        link = {"label": label, "errors": field_errors(error)}
        return _patient_page(patient, form_values(patient), {}, status=422, link=link)
    return render_template("web/patients/feed_link.html", patient=patient, feed=feed)


@bp.post("/patients/<int:patient_id>/feed-links/<int:token_id>/revoke")
@page(FRONT_DESK)
def revoke_feed_link(patient_id: int, token_id: int) -> Any:
    with UnitOfWork(g.actor) as uow:
        token = feeds.revoke_feed_token(uow, token_id, patient_id=patient_id)
    flash(f"The calendar link “{token['label'] or UNNAMED}” was turned off: calendars subscribed to it stop updating.")
    return redirect(url_for("web.patients.show", patient_id=patient_id))


def _search(q: str) -> tuple[list[dict[str, Any]], int]:
    with UnitOfWork() as uow:
        return patients.search_patients(uow, q[:100], RESULTS)


def _patient_page(
    patient: dict[str, Any], values: dict[str, Any], errors: dict[str, str], status: int = 200, link: Any = None
) -> Any:
    """`link`: the calendar-link form as sent, with its errors, when it was refused."""
    with UnitOfWork() as uow:
        series = board.patient_series(uow, patient["id"])
        names = {p["key"]: p["name"] for p in list_protocols(uow, Page(1, 500))[0]}
        links = [t for t in feeds.list_feed_tokens(uow, patient_id=patient["id"]) if t["revoked_at"] is None]
    # Shown in the patient's own zone when the desk recorded one; otherwise say that it is UTC.
    zone = ZoneInfo(patient["timezone"]) if patient.get("timezone") else UTC
    for t in links:
        t["made"] = t["created_at"].astimezone(zone).strftime("%b %-d, %Y")
    rows = [_series_row(s, names) for s in series]
    link = link or {"label": "", "errors": {}}
    extra = {
        "patient": patient,
        "series": rows,
        "links": links,
        "link": link,
        "unnamed": UNNAMED,
        "made_in_utc": zone is UTC,
    }
    return _form_page("web/patients/show.html", values, errors, status, **extra)


def _series_row(series: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    held = [a for a in series["appointments"] if a["status"] != "cancelled"]
    return {
        "id": series["id"],
        "protocol": names.get(series["protocol_key"], series["protocol_key"]),
        "status": series["status"],
        "sessions": len(held),
        "first": held[0]["start"] if held else None,
        "last": held[-1]["start"] if held else None,
        "href": series_href(series["id"]),
    }


def series_href(series_id: int) -> str:
    """The series page belongs to another module; until its endpoint exists, its URL is known anyway."""
    if "web.series.show" in current_app.view_functions:
        return url_for("web.series.show", series_id=series_id)
    return f"/series/{series_id}"


def _form_page(template: str, values: dict[str, Any], errors: dict[str, str], status: int = 200, **extra: Any) -> Any:
    zones = TIME_ZONES if values["timezone"] in ("", *TIME_ZONES) else (*TIME_ZONES, values["timezone"])
    can_edit = g.role in FRONT_DESK
    context = {"values": values, "errors": errors, "weekday_names": WEEKDAY_NAMES, "zones": zones, "can_edit": can_edit}
    return render_template(template, **context, **extra), status
