"""The benchmark clinic on a real database: an SQLite file in a temporary folder, set up through the service layer."""

from __future__ import annotations

import math
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

from flask import Flask
from flask_migrate import upgrade

from config import TestConfig
from scheduler_service import create_app
from scheduler_service.domain.clinic import ClinicCalendar
from scheduler_service.extensions import db
from scheduler_service.services import clinics, protocols
from scheduler_service.services.calendar import load_calendar
from scheduler_service.services.unit_of_work import UnitOfWork
from tests.integration.databases import scratch_sqlite

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


@dataclass(frozen=True)
class ClinicSpec:
    chairs: int
    first_day: date  # a Monday: the quarter's first day

    @property
    def nurses(self) -> int:
        return math.ceil(self.chairs / 2.5)  # benchmarks/planner.py's staffing: one nurse per 2.5 chairs

    def closures(self) -> list[dict[str, object]]:
        """A whole-day closure (week 6, Friday) and a part-day one (week 9, Wednesday afternoon)."""
        return [
            {"date": self.first_day + timedelta(days=5 * 7 + 4), "reason": "staff training"},
            {
                "date": self.first_day + timedelta(days=8 * 7 + 2),
                "start_time": "13:00",
                "end_time": "17:00",
                "reason": "inspection",
            },
        ]


@contextmanager
def clinic_database(spec: ClinicSpec) -> Iterator[tuple[Flask, int]]:
    """A migrated database holding one clinic (America/Chicago, Mon-Fri 8-5, US holidays); yields (app, clinic id).

    The caller works inside the app context this opens.
    """
    with tempfile.TemporaryDirectory(prefix="quality-bench-") as folder, scratch_sqlite(folder) as url:
        app = create_app(TestConfig(url))
        with app.app_context():
            upgrade()
            clinic_id = _seed(spec)
            try:
                yield app, clinic_id
            finally:
                db.session.remove()
                db.engine.dispose()


def _seed(spec: ClinicSpec) -> int:
    with UnitOfWork("bench") as uow:
        protocols.ensure_builtin_protocols(uow)
        clinic_id = clinics.create_clinic(
            uow, {"name": "Quality Clinic", "timezone": "America/Chicago", "address": "1 Main St, Houston, TX"}
        )["id"]
        # Every treatment chair takes both IV and Spravato, so chairs are interchangeable (the model relies on it).
        for n in range(1, spec.chairs + 1):
            clinics.add_chair(uow, clinic_id, f"Chair {n}", ["iv", "spravato"])
        clinics.add_chair(uow, clinic_id, "Consult room", ["consult"])
        clinics.set_staffing(uow, clinic_id, {"nurses": {day: spec.nurses for day in WEEKDAYS}})
        for closure in spec.closures():
            clinics.add_closure(uow, clinic_id, closure)
        return clinic_id


def clinic_calendar(clinic_id: int, first: date, last: date) -> ClinicCalendar:
    """The clinic as the planner sees it from first to last. Call in the app context."""
    with UnitOfWork("bench") as uow:
        return load_calendar(uow, clinic_id, first, last)
