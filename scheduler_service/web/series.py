"""A series and its appointments: sessions, status, reminders, audit trail; check in, move, cancel."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for

from ..adapters.clock import app_clock
from ..domain.errors import Conflict, DomainError, InvalidValue
from ..services import replanning, rescheduling, visits
from ..services.unit_of_work import UnitOfWork
from . import appointments as shown
from .pages import blueprint, field_errors
from .session_auth import FRONT_DESK, STAFF, page

bp = blueprint("series")
VISIT_ACTIONS = {"check_in": "checked in", "complete": "completed", "no_show": "marked as a no-show"}
MOVE_FIELDS = ("date", "time", "chair_id", "cascade")


@bp.get("/appointments/<int:appointment_id>")
@page(STAFF)
def appointment(appointment_id: int) -> Any:
    return _appointment_page(appointment_id)


@bp.post("/appointments/<int:appointment_id>/visit")
@page(STAFF)
def visit(appointment_id: int) -> Any:
    action = request.form.get("action", "")
    if action not in VISIT_ACTIONS:
        abort(400, description="Choose check in, complete or no-show.")
    try:
        with UnitOfWork(g.actor) as uow:
            visits.change_status(uow, appointment_id, action, app_clock().now())
    except Conflict as refused:
        return _appointment_page(appointment_id, errors={"visit": _sentence(refused.message)}, status=409)
    flash(f"The visit is {VISIT_ACTIONS[action]}.")
    return redirect(url_for(".appointment", appointment_id=appointment_id))


@bp.post("/appointments/<int:appointment_id>/cancel")
@page(FRONT_DESK)
def cancel(appointment_id: int) -> Any:
    reason = request.form.get("reason", "").strip()
    if not reason:
        return _appointment_page(appointment_id, errors={"reason": "Say why the session is cancelled."}, status=422)
    try:
        with UnitOfWork(g.actor) as uow:
            visits.change_status(uow, appointment_id, "cancel", app_clock().now(), reason)
    except Conflict as refused:
        return _appointment_page(appointment_id, errors={"reason": _sentence(refused.message)}, status=409)
    flash("The session is cancelled.")
    return redirect(url_for(".appointment", appointment_id=appointment_id))


@bp.post("/appointments/<int:appointment_id>/reschedule")
@page(FRONT_DESK)
def reschedule(appointment_id: int) -> Any:
    """Step "preview" runs the move as a dry run and shows it; step "confirm" makes it."""
    form = {name: request.form.get(name, "").strip() for name in MOVE_FIELDS}
    confirm = request.form.get("step") == "confirm"
    try:
        with UnitOfWork(g.actor) as uow:
            before = shown.course(uow, visits.get_appointment(uow, appointment_id)["series_id"])
            start = shown.local_start(form["date"], form["time"], before["zone"])
            chair_id = _chair(form["chair_id"])
            now = app_clock().now()
            changed = rescheduling.reschedule(
                uow, appointment_id, start, chair_id, form["cascade"], now, dry_run=not confirm
            )
    except InvalidValue as refused:
        return _appointment_page(appointment_id, form=form, errors=_in_words(field_errors(refused)), status=422)
    except Conflict as refused:
        return _appointment_page(appointment_id, form=form, errors={"move": _sentence(refused.message)}, status=409)
    except DomainError as refused:  # NoPlan: no later plan fits the rules from that day
        return _appointment_page(appointment_id, form=form, errors={"move": _sentence(refused.message)}, status=422)
    if confirm:
        flash(f"Moved {len(changed)} session{'s' if len(changed) != 1 else ''}." if changed else "Nothing moved.")
        return redirect(url_for(".appointment", appointment_id=appointment_id))
    old = {s["id"]: s for s in before["sessions"]}
    preview = [{"old": old[a["id"]], "new": a, "chair": before["chair_names"].get(a["chair_id"])} for a in changed]
    return _appointment_page(appointment_id, form=form, preview=preview)


@bp.get("/series/<int:series_id>")
@page(STAFF)
def show(series_id: int) -> Any:
    return _series_page(series_id)


@bp.post("/series/<int:series_id>/cancel")
@page(FRONT_DESK)
def cancel_series(series_id: int) -> Any:
    reason = request.form.get("reason", "").strip()
    if not reason:
        return _series_page(series_id, errors={"reason": "Say why the series is cancelled."}, status=422)
    try:
        with UnitOfWork(g.actor) as uow:
            visits.cancel_series(uow, series_id, app_clock().now(), reason)
    except Conflict as refused:
        return _series_page(series_id, errors={"reason": _sentence(refused.message)}, status=409)
    flash("The series is cancelled: every session still to come is cancelled, and its reminders with it.")
    return redirect(url_for(".show", series_id=series_id))


def _appointment_page(
    appointment_id: int,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    preview: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> Any:
    now = app_clock().now()
    with UnitOfWork() as uow:
        series_id = visits.get_appointment(uow, appointment_id)["series_id"]
        view = shown.course(uow, series_id)
        this = next(s for s in view["sessions"] if s["id"] == appointment_id)
        advice = None
        if this["status"] == "no_show" and view["series"]["status"] == "active":
            advice = replanning.advice_after_miss(uow, series_id, now)
    waiting = [s for s in view["sessions"] if s["status"] == "booked" and s["start"] >= now]
    form = form or {
        "date": this["start"].date().isoformat(),
        "time": this["start"].strftime("%H:%M"),
        "chair_id": "",
        "cascade": "following",
    }
    return render_template(
        "web/series/appointment.html",
        view=view,
        appt=this,
        allowed=shown.allowed_actions(this, now),
        form=form,
        errors=errors or {},
        preview=preview,
        advice=advice,
        advice_rows=list(zip(waiting, advice.plan.sessions, strict=False)) if advice and advice.plan else [],
        when=shown.when,
    ), status


def _series_page(series_id: int, errors: dict[str, str] | None = None, status: int = 200) -> Any:
    now = app_clock().now()
    with UnitOfWork() as uow:
        view = shown.course(uow, series_id)
        reminders = shown.reminders_by_session(uow, series_id, current_app.config["MAIL_FROM"])
        trail = shown.history(uow, view)
    upcoming = [s for s in view["sessions"] if s["status"] == "booked" and s["start"] >= now]
    return render_template(
        "web/series/show.html",
        view=view,
        reminders=reminders,
        trail=trail,
        upcoming=upcoming,
        errors=errors or {},
        when=shown.when,
        short=shown.short,
        words=shown.STATUS_WORDS,
    ), status


def _chair(raw: str) -> int | None:
    if not raw:
        return None
    if not raw.isdigit():
        raise InvalidValue("chair_id", "choose a chair from the list")
    return int(raw)


def _in_words(errors: dict[str, str]) -> dict[str, str]:
    """Known fields keep their message; anything else is said next to the whole move."""
    said = {key: _sentence(value) for key, value in errors.items() if key in MOVE_FIELDS or key == "start"}
    if not said:
        said["move"] = _sentence(errors.get("_full") or errors.get("", "The move is not allowed."))
    return said


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:] + ("" if message.endswith((".", "!", "?")) else ".")
