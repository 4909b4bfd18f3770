"""The patient form of the front-desk pages: form fields to the service's dict, and back.

The API checks e-mail, phone and dates with its marshmallow schema; a form has no schema, so the
same checks are made here, each naming its field, before the service applies the domain's rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from ..domain.days import FIRST_DAY, in_range
from ..domain.patients import REMINDER_CHANNELS
from ..domain.timewindows import WEEKDAYS

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
PHONE = re.compile(r"^\+?[0-9 ().\-]{5,32}$")  # as the API's PatientSchema
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKDAY_NAMES = dict(zip(WEEKDAYS, DAY_NAMES, strict=True))
TIME_ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
)


def parse_patient_form(
    form: Mapping[str, str], getlist: Callable[[str], list[str]], today: date
) -> tuple[dict[str, Any], dict[str, str]]:
    """The service's patient dict from a submitted form, and {field: message} for what cannot be read."""
    errors: dict[str, str] = {}
    text = {name: form.get(name, "").strip() for name in ("given_name", "family_name", "email", "phone")}
    if text["email"] and not EMAIL.match(text["email"]):
        errors["email"] = "This is not an e-mail address (it should look like name@example.org)."
    if text["phone"] and not PHONE.match(text["phone"]):
        errors["phone"] = "This is not a phone number: use digits, spaces, + ( ) - only."
    birth = None
    if raw_birth := form.get("date_of_birth", "").strip():
        try:
            birth = date.fromisoformat(raw_birth)
        except ValueError:
            errors["date_of_birth"] = "Write the date of birth as YYYY-MM-DD."
        else:
            if birth > today:
                errors["date_of_birth"] = "The date of birth is in the future."
            elif not in_range(birth):
                errors["date_of_birth"] = f"The date of birth must be {FIRST_DAY} or later."
    preferences: dict[str, Any] = {}
    if weekdays := [d for d in WEEKDAYS if d in getlist("weekdays")]:
        preferences["weekdays"] = weekdays
    for name in ("earliest_start", "latest_start"):
        if value := form.get(name, "").strip():
            preferences[name] = value
    latest, earliest = preferences.get("latest_start", ""), preferences.get("earliest_start", "")
    if latest and earliest and latest < earliest:  # "HH:MM" strings compare as times
        errors["preferences"] = f"The latest start ({latest}) is before the earliest start ({earliest})."
    data = {
        **{name: value or None for name, value in text.items()},
        "given_name": text["given_name"],
        "family_name": text["family_name"],
        "date_of_birth": birth,
        "preferences": preferences,
        "reminder_channels": [c for c in REMINDER_CHANNELS if c in getlist("reminder_channels")],
        "timezone": form.get("timezone", "").strip() or None,
    }
    return data, errors


def form_values(patient: Mapping[str, Any]) -> dict[str, Any]:
    """What the form's controls show for a patient (or for the values just submitted)."""
    preferences = patient.get("preferences") or {}
    birth = patient.get("date_of_birth")
    return {
        "given_name": patient.get("given_name") or "",
        "family_name": patient.get("family_name") or "",
        "email": patient.get("email") or "",
        "phone": patient.get("phone") or "",
        "date_of_birth": birth.isoformat() if isinstance(birth, date) else (birth or ""),
        "weekdays": preferences.get("weekdays", []),
        "earliest_start": preferences.get("earliest_start", ""),
        "latest_start": preferences.get("latest_start", ""),
        "reminder_channels": patient.get("reminder_channels") or [],
        "timezone": patient.get("timezone") or "",
    }


def describe_preferences(patient: Mapping[str, Any]) -> str:
    """The patient's preferences in a sentence for the booking flow."""
    preferences = patient.get("preferences") or {}
    days = preferences.get("weekdays")
    parts = ["on " + ", ".join(WEEKDAY_NAMES[d] for d in days)] if days else ["any open day"]
    if preferences.get("earliest_start"):
        parts.append(f"starting at {preferences['earliest_start']} or later")
    if preferences.get("latest_start"):
        parts.append(f"starting at {preferences['latest_start']} at the latest")
    sentence = ", ".join(parts)
    return sentence[0].upper() + sentence[1:] + "."
