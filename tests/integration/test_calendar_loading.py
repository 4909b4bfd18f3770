"""What the planner will see of a clinic set up through the API."""

from __future__ import annotations

from datetime import date, time

from scheduler_service.services.calendar import load_calendar
from scheduler_service.services.unit_of_work import UnitOfWork

from .builders import clinic_body, create


def test_the_loaded_calendar_holds_hours_holidays_closures_chairs_and_staffing(client, auth):
    clinic = create(client, "/api/v1/clinics", clinic_body(holiday_subdivision="TX"), auth["admin"])
    base = f"/api/v1/clinics/{clinic['id']}"
    create(client, f"{base}/chairs", {"name": "Chair 1", "tags": ["iv"]}, auth["admin"])
    create(
        client, f"{base}/closures", {"date": "2026-12-28", "end_date": "2026-12-31", "reason": "Break"}, auth["admin"]
    )
    create(client, f"{base}/closures", {"date": "2027-02-01", "reason": "Outside the stretch"}, auth["admin"])
    client.put(f"{base}/staffing", json={"nurses": {"mon": 2}}, headers=auth["admin"])

    with UnitOfWork() as uow:
        calendar = load_calendar(uow, clinic["id"], date(2026, 11, 23), date(2027, 1, 8))

    assert calendar.closed_reason(date(2026, 11, 26)) == "Thanksgiving Day"
    assert calendar.closed_reason(date(2026, 11, 27)) == "Friday After Thanksgiving"
    assert calendar.closed_reason(date(2026, 12, 29)) == "Break"
    assert len(calendar.closures) == 1
    assert [c.tags for c in calendar.chairs] == [frozenset({"iv"})]
    assert calendar.staffing.nurses_at(0, time(9)) == 2 and calendar.staffing.nurses_at(1, time(9)) == 0
    assert str(calendar.zone) == "America/Chicago"
