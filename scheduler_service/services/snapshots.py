"""Plain-dict views of rows: what the API returns and what the audit log records as before/after."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from ..adapters import orm


def clinic(row: orm.Clinic) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "timezone": row.timezone,
        "address": row.address,
        "opening_hours": row.opening_hours,
        "slot_minutes": row.slot_minutes,
        "turnover_minutes": row.turnover_minutes,
        "holiday_country": row.holiday_country,
        "holiday_subdivision": row.holiday_subdivision,
        "booking_horizon_days": row.booking_horizon_days,
        "feed_shows_protocol": row.feed_shows_protocol,
    }


def chair(row: orm.Chair) -> dict[str, Any]:
    return {"id": row.id, "clinic_id": row.clinic_id, "name": row.name, "tags": sorted(row.tags), "active": row.active}


def closure(row: orm.Closure) -> dict[str, Any]:
    return {
        "id": row.id,
        "clinic_id": row.clinic_id,
        "date": row.start_date,
        "end_date": row.end_date,
        "start_time": row.start_time,
        "end_time": row.end_time,
        "reason": row.reason,
    }


def staffing(row: orm.Staffing) -> dict[str, Any]:
    return {
        "clinic_id": row.clinic_id,
        "nurses": row.nurses,
        "patients_per_nurse": row.patients_per_nurse,
        "starts_per_nurse_per_slot": row.starts_per_nurse_per_slot,
    }


def protocol(row: orm.Protocol) -> dict[str, Any]:
    return {
        "id": row.id,
        "key": row.key,
        "name": row.name,
        "visit": {
            "prep_minutes": row.prep_minutes,
            "treatment_minutes": row.treatment_minutes,
            "monitoring_minutes": row.monitoring_minutes,
            "total_minutes": row.prep_minutes + row.treatment_minutes + row.monitoring_minutes,
        },
        "phases": row.phases,
        "required_tags": sorted(row.required_tags),
        "instructions": row.instructions,
        "uses_nurse": row.uses_nurse,
        "builtin": row.builtin,
    }


def patient(row: orm.Patient) -> dict[str, Any]:
    return {
        "id": row.id,
        "given_name": row.given_name,
        "family_name": row.family_name,
        "email": row.email,
        "phone": row.phone,
        "date_of_birth": row.date_of_birth,
        "preferences": row.preferences,
        "reminder_channels": row.reminder_channels,
        "timezone": row.timezone,
    }


def user(row: orm.User) -> dict[str, Any]:
    return {"id": row.id, "email": row.email, "role": row.role, "active": row.active}


def appointment(row: orm.Appointment, zone: ZoneInfo) -> dict[str, Any]:
    """Times in the clinic's zone, as API.md asks."""
    return {
        "id": row.id,
        "series_id": row.series_id,
        "index": row.index,
        "phase": row.phase,
        "start": row.start_at.astimezone(zone),
        "end": row.end_at.astimezone(zone),
        "chair_id": row.chair_id,
        "status": row.status,
        "version": row.version,
        "status_reason": row.status_reason,
    }


def series(row: orm.Series, appointments: list[orm.Appointment], zone: ZoneInfo) -> dict[str, Any]:
    return {
        "id": row.id,
        "status": row.status,
        "patient_id": row.patient_id,
        "clinic_id": row.clinic_id,
        "protocol_id": row.protocol_id,
        "protocol_key": row.protocol.key,
        "appointments": [appointment(a, zone) for a in sorted(appointments, key=lambda a: a.index)],
    }
