"""A clinic's reminder policy: when reminders go out, quiet hours for SMS, late bookings, the front desk's inbox.

Only these fields are on the form; the rest of the stored policy (channels, per-protocol overrides, ...) is kept.
"""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for

from ..domain.errors import InvalidValue
from ..domain.reminder_policy import CONTENTS, LATE_BOOKING
from ..services import clinics, reminders
from ..services.unit_of_work import UnitOfWork
from .admin import bp
from .admin_forms import clock_range, optional, placed, text
from .session_auth import ADMIN, page

OFFSET_ROWS = 5  # the most the policy allows, so saving the form never drops one
POLICY_FIELDS = ("offsets", *(f"offsets.{i}" for i in range(OFFSET_ROWS)), "quiet_hours", "late_booking")
POLICY_FIELDS += ("front_desk_email",)


@bp.route("/clinics/<int:clinic_id>/reminders", methods=["GET", "POST"])
@page(ADMIN)
def reminder_policy(clinic_id: int) -> Any:
    errors: dict[str, str] = {}
    with UnitOfWork() as uow:
        clinic = clinics.get_clinic(uow, clinic_id)
        stored = reminders.get_policy(uow, clinic_id)
    if request.method == "POST":
        try:
            with UnitOfWork(g.actor) as uow:
                reminders.set_policy(uow, clinic_id, stored | _changes(request.form))
            flash("Reminder policy saved. It applies to reminders queued from now on.", "ok")
            return redirect(url_for(".reminder_policy", clinic_id=clinic_id))
        except InvalidValue as error:
            errors = placed(error, POLICY_FIELDS)
    form = request.form if request.method == "POST" else _form(stored)
    context = {"clinic": clinic, "form": form, "errors": errors, "rows": range(OFFSET_ROWS)}
    context |= {"contents": CONTENTS, "late_choices": LATE_BOOKING}
    return render_template("web/admin/reminders.html", section="reminder_policy", **context), 400 if errors else 200


def _changes(form: Any) -> dict[str, Any]:
    offsets = []
    for i in range(OFFSET_ROWS):
        hours = text(form, f"offsets.{i}.hours")
        if not hours:
            continue
        try:
            minutes = round(float(hours) * 60)
        except (ValueError, OverflowError):  # "abc", "nan", "inf"
            raise InvalidValue(f"offsets.{i}", f"{hours!r} is not a number of hours") from None
        offsets.append({"minutes_before": minutes, "content": form.get(f"offsets.{i}.content", "full")})
    quiet = clock_range(form, "quiet_start", "quiet_end", "quiet_hours")
    return {
        "offsets": offsets,
        "quiet_hours": {"start": quiet[0], "end": quiet[1]} if quiet else None,
        "late_booking": form.get("late_booking", ""),
        "front_desk_email": optional(form, "front_desk_email"),
    }


def _form(policy: dict[str, Any]) -> dict[str, Any]:
    form: dict[str, Any] = {"late_booking": policy["late_booking"], "front_desk_email": policy["front_desk_email"]}
    for i, offset in enumerate(policy["offsets"][:OFFSET_ROWS]):
        form[f"offsets.{i}.hours"] = f"{offset['minutes_before'] / 60:g}"
        form[f"offsets.{i}.content"] = offset["content"]
    if policy["quiet_hours"]:
        form["quiet_start"], form["quiet_end"] = policy["quiet_hours"]["start"], policy["quiet_hours"]["end"]
    return form
