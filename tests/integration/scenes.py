"""A ready clinic for the planning and booking tests, built through the API as an administrator would."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scheduler_service.adapters import orm
from scheduler_service.services import accounts
from scheduler_service.services.unit_of_work import UnitOfWork

from .builders import clinic_body, create, patient_body

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


@dataclass
class Clinic:
    id: int
    chair_ids: list[int]
    patient_id: int


def houston_clinic(client: Any, auth: dict[str, dict[str, str]], chairs: int = 2, nurses: int = 2) -> Clinic:
    """America/Chicago, Mon–Fri 8–5, US federal holidays, `chairs` IV chairs, `nurses` nurses, one patient."""
    clinic = create(client, "/api/v1/clinics", clinic_body(), auth["admin"])
    chair_ids = [
        create(client, f"/api/v1/clinics/{clinic['id']}/chairs", {"name": f"Chair {n}", "tags": ["iv"]}, auth["admin"])[
            "id"
        ]
        for n in range(1, chairs + 1)
    ]
    response = client.put(
        f"/api/v1/clinics/{clinic['id']}/staffing",
        json={"nurses": {day: nurses for day in WEEKDAYS}},
        headers=auth["admin"],
    )
    assert response.status_code == 200
    patient = create(client, "/api/v1/patients", patient_body(), auth["front_desk"])
    return Clinic(clinic["id"], chair_ids, patient["id"])


def another_patient(client: Any, auth: dict[str, dict[str, str]], name: str) -> int:
    return create(client, "/api/v1/patients", patient_body(given_name=name, email=None), auth["front_desk"])["id"]


def staff_tokens(password_hash: str, domain: str) -> dict[str, dict[str, str]]:
    """A user `<role>@<domain>` and an API token for each role: {"admin": {"Authorization": ...}, ...}."""
    headers = {}
    for role in accounts.ROLES:
        with UnitOfWork("test") as uow:
            uow.add(orm.User(email=f"{role}@{domain}", role=role, password_hash=password_hash))
            uow.commit()
            secret = accounts.create_token(uow, f"{role}@{domain}")
        headers[role] = {"Authorization": f"Bearer {secret}"}
    return headers
