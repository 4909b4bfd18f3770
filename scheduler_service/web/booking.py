"""Book a series in one flow: patient, protocol, clinic and days, the proposed plans, confirm, booked.

Each step is a server-rendered page; what was chosen travels in query parameters (GET steps) and
hidden fields (the confirm form), so a step can be reloaded, bookmarked or opened without JavaScript.
"""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime
from typing import Any

from flask import abort, current_app, g, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from ..adapters.clock import app_clock
from ..domain.days import FIRST_DAY, LAST_DAY, check_day, in_range
from ..domain.errors import Conflict, DomainError, InvalidValue, NoPlan
from ..domain.plan_check import RequestedSession
from ..services import patients
from ..services.booking import BookingRequest, book_series
from ..services.booking_page import booked_view, booking_choices, clinic_today, next_proposal, propose
from ..services.idempotency import IdempotencyKey
from ..services.paging import Page
from ..services.patient_form import describe_preferences
from ..services.planning import ProposalRequest
from ..services.unit_of_work import UnitOfWork
from .pages import blueprint, field_errors
from .patients import series_href
from .session_auth import FRONT_DESK, page

bp = blueprint("booking")
ALTERNATIVES = 3
TAKEN = re.compile(r"^sessions\.(\d+): (.*)$")


@bp.get("/book")
@page(FRONT_DESK)
def start() -> Any:
    patient_id = request.args.get("patient_id", type=int)
    if patient_id is not None:
        return _choose_page(patient_id, request.args, {})
    q = request.args.get("q", "").strip()[:100]
    with UnitOfWork() as uow:
        found = patients.search_patients(uow, q, Page(1, 20))[0] if q else []
    return render_template("web/booking/patient.html", q=q, found=found)


@bp.get("/book/proposals")
@page(FRONT_DESK)
def proposals() -> Any:
    args = request.args
    patient_id = args.get("patient_id", type=int)
    if patient_id is None:
        return redirect(url_for("web.booking.start"))
    errors = _choice_errors(args)
    if errors:
        return _choose_page(patient_id, args, errors)
    chosen = ProposalRequest(
        patient_id=patient_id,
        clinic_id=int(args["clinic_id"]),
        protocol_id=int(args["protocol_id"]),
        earliest_date=date.fromisoformat(args["earliest_date"]),
        alternatives=ALTERNATIVES,
        latest_date=_latest_date(args),
    )
    now = app_clock().now()
    try:
        with UnitOfWork() as uow:
            if chosen.earliest_date < clinic_today(uow, chosen.clinic_id, now):
                past = "This day is in the past: pick today or a later day."
                return _choose_page(patient_id, args, {"earliest_date": past})
            plans = propose(uow, chosen, now)
    except NoPlan as no_plan:
        return _choose_page(patient_id, args, {"earliest_date": f"No plan fits: {no_plan.message}"})
    except DomainError as error:
        return _choose_page(patient_id, args, field_errors(error))
    return _proposals_page(args, plans)


@bp.post("/book/confirm")
@page(FRONT_DESK)
def confirm() -> Any:
    form = request.form
    try:
        ids = {name: int(form[name]) for name in ("patient_id", "clinic_id", "protocol_id")}
        starts = [datetime.fromisoformat(s) for s in form.getlist("start")]
        chairs = [int(c) for c in form.getlist("chair_id")]
    except (KeyError, ValueError):
        abort(400, description="The booking form was incomplete. Go back to the proposals and try again.")
    if any(start.tzinfo is None or not in_range(start.date()) for start in starts):
        abort(400, description="A start of the booking form was not a time with its UTC offset. Go back and retry.")
    sessions = [RequestedSession(start, chair) for start, chair in zip(starts, chairs, strict=False)]
    # The key is made when the proposals are shown: a double click or a re-sent form books once.
    key = form.get("booking_key", "")
    body = {**ids, "start": form.getlist("start"), "chair_id": form.getlist("chair_id")}
    try:
        with UnitOfWork(g.actor) as uow:
            idem = IdempotencyKey.of(g.user_id, key, body) if key else None
            booked = book_series(
                uow, BookingRequest(sessions=sessions, **ids), app_clock().now(), idem, current_app.config["BASE_URL"]
            )
    except Conflict as conflict:
        return _taken_page(form, ids, conflict)
    except DomainError as error:
        return _proposals_page(form, [], problem=error.message, status=422)
    return redirect(url_for("web.booking.booked", series_id=booked["id"]))


@bp.get("/book/booked/<int:series_id>")
@page(FRONT_DESK)
def booked(series_id: int) -> Any:
    with UnitOfWork(g.actor) as uow:
        view = booked_view(uow, series_id, current_app.config["BASE_URL"])
    return render_template("web/booking/booked.html", **view, series_href=series_href(series_id))


def _choice_errors(args: MultiDict[str, str]) -> dict[str, str]:
    errors = {}
    if args.get("protocol_id", type=int) is None:
        errors["protocol_id"] = "Pick a protocol."
    if args.get("clinic_id", type=int) is None:
        errors["clinic_id"] = "Pick a clinic."
    try:
        check_day(date.fromisoformat(args.get("earliest_date", "")), "earliest_date")
    except ValueError:
        errors["earliest_date"] = "Pick the earliest day for the first session (YYYY-MM-DD)."
    except InvalidValue as error:
        errors["earliest_date"] = f"Pick a day from {FIRST_DAY} to {LAST_DAY}: {error.reason}."
    try:
        latest = _latest_date(args)
    except ValueError:
        errors["latest_date"] = "Leave the latest day empty, or pick one (YYYY-MM-DD)."
    except InvalidValue as error:
        errors["latest_date"] = f"Pick a day from {FIRST_DAY} to {LAST_DAY}: {error.reason}."
    else:
        earliest = args.get("earliest_date", "")
        if latest and "earliest_date" not in errors and latest < date.fromisoformat(earliest):
            errors["latest_date"] = "The latest day for the first session cannot come before the earliest."
    return errors


def _latest_date(args: MultiDict[str, str]) -> date | None:
    """The optional last day the patient can take for a first session: a plan starting later is no use to them."""
    raw = args.get("latest_date", "").strip()
    return check_day(date.fromisoformat(raw), "latest_date") if raw else None


def _choose_page(patient_id: int, args: MultiDict[str, str], errors: dict[str, str]) -> Any:
    now = app_clock().now()
    with UnitOfWork() as uow:
        choices = booking_choices(uow, patient_id)
        clinics = choices["clinics"]
        default_day = clinic_today(uow, clinics[0]["id"], now).isoformat() if clinics else ""
    chosen = {
        "protocol_id": args.get("protocol_id", type=int),
        "clinic_id": args.get("clinic_id", type=int) or (clinics[0]["id"] if clinics else None),
        "earliest_date": args.get("earliest_date") or default_day,
        "latest_date": args.get("latest_date", ""),
    }
    preferences = describe_preferences(choices["patient"])
    context = {**choices, "chosen": chosen, "errors": errors, "preferences": preferences}
    return render_template("web/booking/choose.html", **context), 422 if errors else 200


def _proposals_page(args: MultiDict[str, str], plans: list[Any], status: int = 200, **extra: Any) -> Any:
    patient_id = int(args["patient_id"])
    with UnitOfWork() as uow:
        choices = booking_choices(uow, patient_id)
    protocol = next(p for p in choices["protocols"] if p["id"] == int(args["protocol_id"]))
    clinic = next(c for c in choices["clinics"] if c["id"] == int(args["clinic_id"]))
    context = {
        "patient": choices["patient"],
        "protocol": protocol,
        "clinic": clinic,
        "earliest_date": args.get("earliest_date", ""),
        "latest_date": args.get("latest_date", ""),
        "plans": plans,
        "booking_key": secrets.token_urlsafe(16),
        "preferences": describe_preferences(choices["patient"]),
        **extra,
    }
    return render_template("web/booking/proposals.html", **context), status


def _taken_page(form: MultiDict[str, str], ids: dict[str, int], conflict: Conflict) -> Any:
    """Someone booked a place of this plan meanwhile: say which, in words, and offer the next plan."""
    match = TAKEN.match(conflict.message)
    taken = f"Session {int(match[1]) + 1} is no longer free: {match[2]}." if match else conflict.message
    with UnitOfWork() as uow:
        offer = next_proposal(uow, ids["clinic_id"], ids["protocol_id"], conflict.details)
    later = conflict.details.get("no_plan")
    latest = form.get("latest_date", "")
    first = offer.sessions[0].start if offer else None
    if first and latest and first.date().isoformat() > latest:
        offer, later = (
            None,
            f"it would start on {first:%a %b %-d}, after the latest day the patient can take ({latest}).",
        )
    return _proposals_page(form, [offer] if offer else [], status=409, taken=taken, no_plan=later)
