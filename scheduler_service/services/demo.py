"""Demo data: a Houston clinic with six chairs, staffing and a few patients. Safe to run twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from ..adapters import orm
from ..domain.errors import NoPlan
from ..domain.plan_check import RequestedSession
from . import accounts, clinics, patients, protocols
from .booking import BookingRequest, book_series
from .planning import ProposalRequest, propose_series
from .unit_of_work import UnitOfWork

DEMO_CLINIC = {
    "name": "Bayou City Ketamine Clinic",
    "timezone": "America/Chicago",
    "address": "2400 Westheimer Rd, Houston, TX 77098",
    "holiday_country": "US",
    "holiday_subdivision": "TX",
}
DEMO_CHAIRS = [
    ("Chair 1", ["iv", "spravato"]),
    ("Chair 2", ["iv", "spravato"]),
    ("Chair 3", ["iv", "spravato"]),
    ("Chair 4", ["iv"]),
    ("Chair 5", ["spravato"]),
    ("Consult room", ["consult"]),
]
DEMO_STAFFING = {
    "nurses": {
        day: [{"start": "08:00", "end": "12:00", "nurses": 2}, {"start": "12:00", "end": "17:00", "nurses": 2}]
        for day in ("mon", "tue", "wed", "thu", "fri")
    },
    "patients_per_nurse": 3,
    "starts_per_nurse_per_slot": 1,
}
DEMO_PATIENTS = [
    {
        "given_name": "Maria",
        "family_name": "Gonzalez",
        "email": "maria.gonzalez@example.org",
        "phone": "+1 713 555 0101",
        "reminder_channels": ["email", "sms"],
    },
    {
        "given_name": "James",
        "family_name": "Walker",
        "email": "james.walker@example.org",
        "reminder_channels": ["email"],
        "preferences": {"weekdays": ["tue", "thu"], "earliest_start": "13:00"},
    },
    {"given_name": "Aisha", "family_name": "Johnson", "phone": "+1 832 555 0142", "reminder_channels": ["sms"]},
    {
        "given_name": "Tom",
        "family_name": "Nguyen",
        "email": "tom.nguyen@example.org",
        "reminder_channels": ["email"],
        "preferences": {"earliest_start": "09:00", "latest_start": "14:00"},
    },
]


DEMO_USERS = [
    ("admin@example.org", "admin"),
    ("frontdesk@example.org", "front_desk"),
    ("nurse@example.org", "clinician"),
]


def seed_users(uow: UnitOfWork) -> list[tuple[str, str, str]]:
    """Create the demo staff accounts that are missing; return (email, role, password) of the new ones."""
    created = []
    for email, role in DEMO_USERS:
        if uow.session.scalar(select(orm.User.id).where(orm.User.email == email)) is None:
            _, password = accounts.create_user(uow, email, role)
            created.append((email, role, password))
    return created


# Which demo patient starts which course (by position in DEMO_PATIENTS).
DEMO_COURSES = ["iv-ketamine-depression", "spravato-trd", "consult", "iv-ketamine-pain"]


def seed(uow: UnitOfWork, now: datetime) -> str:
    """Create what is missing of the demo data; return a one-line summary."""
    added_protocols = protocols.ensure_builtin_protocols(uow)
    clinic_id = uow.session.scalar(select(orm.Clinic.id).where(orm.Clinic.name == DEMO_CLINIC["name"]))
    if clinic_id is not None:
        return f"demo data already present (clinic {clinic_id}); {added_protocols} built-in protocols added"
    clinic_id = clinics.create_clinic(uow, DEMO_CLINIC)["id"]
    for name, tags in DEMO_CHAIRS:
        clinics.add_chair(uow, clinic_id, name, tags)
    clinics.set_staffing(uow, clinic_id, DEMO_STAFFING)
    patient_ids = [patients.create_patient(uow, data)["id"] for data in DEMO_PATIENTS]
    booked = sum(_book_course(uow, clinic_id, p, key, now) for p, key in zip(patient_ids, DEMO_COURSES, strict=True))
    return (
        f"demo clinic {clinic_id} created with {len(DEMO_CHAIRS)} chairs, {len(DEMO_PATIENTS)} patients "
        f"and {booked} booked series"
    )


def _book_course(uow: UnitOfWork, clinic_id: int, patient_id: int, protocol_key: str, now: datetime) -> int:
    """Book the best plan from next week on, as the front desk would; 0 when none fits."""
    start = now.date() + timedelta(days=7 - now.weekday())
    request = ProposalRequest(patient_id, clinic_id, start, protocol_key=protocol_key, alternatives=0)
    try:
        plan = propose_series(uow, request, now)[0]
    except NoPlan:
        return 0
    sessions = [RequestedSession(s.start, s.chair_id) for s in plan.sessions]
    book_series(uow, BookingRequest(patient_id, clinic_id, sessions, protocol_key=protocol_key), now)
    return 1
