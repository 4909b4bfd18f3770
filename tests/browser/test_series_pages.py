"""The front desk manages a course: open a visit from the board, move it with a preview, cancel the series."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import holidays
import pytest
from sqlalchemy import create_engine, text

from tests.e2e.server import FrontDesk, call, flask_command

from .conftest import screenshot

CLINIC = "Bayou City Ketamine Clinic"
_names = itertools.count(1)


def quiet_monday(after: date) -> date:
    """A Monday at least three weeks ahead (past the demo's own courses) with no US holiday in its induction."""
    us = holidays.country_holidays("US", years=range(after.year, after.year + 2))
    monday = after + timedelta(days=21 + (0 - after.weekday()) % 7)
    while any(monday + timedelta(days=n) in us for n in range(21)):
        monday += timedelta(days=7)
    return monday


@pytest.fixture(scope="module")
def desk(service) -> FrontDesk:  # type: ignore[no-untyped-def]
    token = flask_command(["tokens", "create", "front_desk@clinic.test", "--label", "series pages"], service.env)
    return FrontDesk(service.base, token.strip())


@pytest.fixture(scope="module")
def clinic_id(desk: FrontDesk) -> int:
    status, clinics = call(desk.base, "GET", "/api/v1/clinics", desk.token)
    assert status == 200, clinics
    return next(c["id"] for c in clinics if c["name"] == CLINIC)


@pytest.fixture()
def course(desk: FrontDesk, clinic_id: int) -> dict[str, Any]:
    """A new patient's six-session IV ketamine induction, booked over the API from a quiet Monday."""
    number = next(_names)
    reachable = {
        "email": f"robin{number}@example.org",
        "phone": "+1 713 555 0100",
        "reminder_channels": ["email", "sms"],
    }
    patient = desk.create("/api/v1/patients", {"given_name": f"Robin{number}", "family_name": "Series", **reachable})[
        "id"
    ]
    status, proposed = desk.propose(clinic_id, patient, quiet_monday(date.today()).isoformat(), maintenance=0)
    assert status == 200, proposed
    status, booked = desk.book(clinic_id, patient, proposed["proposals"][0]["sessions"])
    assert status == 201, booked
    return booked  # type: ignore[no-any-return]


def series_now(desk: FrontDesk, series_id: int) -> list[dict[str, Any]]:
    status, series = call(desk.base, "GET", f"/api/v1/series/{series_id}", desk.token)
    assert status == 200, series
    return series["appointments"]  # type: ignore[no-any-return]


def day_of(appointment: dict[str, Any]) -> str:
    return appointment["start"][:10]


def block(page, appointment: dict[str, Any]):  # type: ignore[no-untyped-def]
    return page.locator(f'a.visit[data-appointment="{appointment["id"]}"]')


def test_session_3_moved_from_the_board_with_a_preview_takes_the_later_sessions_along(as_role, desk, course):
    page = as_role("front_desk")
    before = course["appointments"]
    third, fourth = before[2], before[3]
    page.goto(f"/board?date={day_of(third)}")

    block(page, third).click()
    page.wait_for_url(re.compile(rf"/appointments/{third['id']}$"))
    assert page.get_by_role("heading", level=1).inner_text().endswith("session 3/6")
    page.get_by_label("New date").fill(day_of(fourth))
    page.get_by_label(re.compile("New time")).fill(fourth["start"][11:16])
    page.get_by_label(re.compile("Re-plan the later sessions")).check()
    page.get_by_role("button", name="Preview the move").click()

    preview = page.locator(".preview")
    assert preview.get_by_role("heading").inner_text().startswith("The move would change")
    rows = preview.locator("tbody tr")
    assert rows.count() >= 2 and rows.first.locator("td").first.inner_text() == "3/6"
    assert [a["version"] for a in series_now(desk, course["id"])] == [1] * 6, "a preview changes nothing"
    screenshot(page, "appointment-move-preview")

    page.get_by_role("button", name="Confirm the move").click()
    page.wait_for_url(re.compile(rf"/appointments/{third['id']}$"))
    assert page.get_by_role("status").inner_text().startswith("Moved")
    after = series_now(desk, course["id"])
    assert after[2]["start"][:16] == fourth["start"][:16] and after[2]["version"] == 2
    assert any(a["start"] != b["start"] for a, b in zip(before[3:], after[3:], strict=True))
    for moved in after[2:]:
        page.goto(f"/board?date={day_of(moved)}")
        assert block(page, moved).is_visible(), f"session {moved['index']} on {day_of(moved)}"
        assert f"{moved['index']}/6" in block(page, moved).inner_text()


def test_a_move_that_breaks_a_rule_is_refused_next_to_the_date(as_role, course):
    page = as_role("front_desk")
    third = course["appointments"][2]
    day = date.fromisoformat(day_of(third))
    saturday = day + timedelta(days=(5 - day.weekday()) % 7)  # the clinic is closed on weekends

    page.goto(f"/appointments/{third['id']}")
    page.get_by_label("New date").fill(saturday.isoformat())
    page.get_by_label(re.compile("Keep the later sessions")).check()
    page.get_by_role("button", name="Preview the move").click()

    assert "closed" in page.locator("#start-error").inner_text()
    assert page.locator(".preview").count() == 0
    assert page.get_by_label("New date").input_value() == saturday.isoformat()
    screenshot(page, "appointment-move-refused")


def test_no_show_is_offered_only_once_a_visit_has_started(as_role, course):
    # The server's clock is real and a booking cannot lie in the past, so no visit here has started yet.
    page = as_role("clinician")
    first = course["appointments"][0]

    page.goto(f"/appointments/{first['id']}")

    assert page.get_by_role("button", name="No-show").count() == 0
    assert page.get_by_text("once the visit has started").is_visible()
    token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    forced = page.request.post(f"/appointments/{first['id']}/visit", form={"csrf_token": token, "action": "no_show"})
    assert forced.status == 409
    assert "has not started yet cannot be marked as a no-show" in forced.text()


def test_a_clinician_sees_no_move_or_cancel_and_may_not_post_them(as_role, course):
    page = as_role("clinician")
    third = course["appointments"][2]

    page.goto(f"/appointments/{third['id']}")
    assert page.get_by_role("heading", name="Move this session").count() == 0
    assert page.get_by_role("button", name=re.compile("Cancel")).count() == 0
    page.goto(f"/series/{course['id']}")
    assert page.get_by_role("button", name="Cancel the whole series").count() == 0

    token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    move = {"csrf_token": token, "date": day_of(third), "time": "10:00", "cascade": "none", "step": "confirm"}
    assert page.request.post(f"/appointments/{third['id']}/reschedule", form=move).status == 403
    reason = {"csrf_token": token, "reason": "trying"}
    assert page.request.post(f"/appointments/{third['id']}/cancel", form=reason).status == 403
    assert page.request.post(f"/series/{course['id']}/cancel", form=reason).status == 403


def test_cancelling_the_whole_series_cancels_every_future_session(as_role, desk, course):
    page = as_role("front_desk")
    page.goto(f"/series/{course['id']}")
    sessions = page.locator("table.sessions tbody tr")
    assert sessions.count() == 6
    assert page.locator("table.audit tbody tr").count() >= 7  # the series and its six sessions booked
    first_reminders = sessions.first.locator("ul.reminders li")
    assert first_reminders.count() >= 2 and re.search(
        r"^(email|sms) · due .* · pending · 0 attempts$", first_reminders.first.inner_text()
    )
    screenshot(page, "series-page")

    page.get_by_label("Reason").fill("Patient moved to Dallas")
    page.get_by_role("button", name="Cancel the whole series").click()

    page.wait_for_url(re.compile(rf"/series/{course['id']}$"))
    assert page.get_by_role("status").inner_text().startswith("The series is cancelled")
    assert [row.inner_text() for row in sessions.locator("td:nth-child(4)").all()] == [
        "cancelled\nPatient moved to Dallas"
    ] * 6
    assert page.get_by_role("button", name="Cancel the whole series").count() == 0
    assert "status: booked → cancelled" in page.locator("table.audit").inner_text()
    assert "pending" not in page.locator("table.sessions").inner_text(), "no reminder is left for a cancelled visit"
    screenshot(page, "series-page-cancelled")
    for session in series_now(desk, course["id"]):
        assert session["status"] == "cancelled" and session["version"] == 2
        page.goto(f"/board?date={day_of(session)}")
        struck = block(page, session)
        assert "status-cancelled" in struck.get_attribute("class")
        assert "line-through" in struck.evaluate("el => getComputedStyle(el).textDecorationLine")


def test_the_series_page_is_readable_on_a_tablet(as_role, course):
    page = as_role("front_desk", width=820, height=1180)

    page.goto(f"/series/{course['id']}")

    assert page.get_by_role("link", name="Open session 1/6").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 820
    screenshot(page, "series-page-tablet")
    page.goto(f"/appointments/{course['appointments'][2]['id']}")
    assert page.get_by_label("New date").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 820
    screenshot(page, "appointment-tablet")


# The server runs on the real clock and bookings cannot start in the past, so this moves one booked
# visit to "half an hour ago" directly in the database: the state of a visit whose patient did not come.
def started_half_an_hour_ago(service, appointment_id: int) -> None:  # type: ignore[no-untyped-def]
    start = datetime.now(UTC) - timedelta(minutes=30)
    engine = create_engine(service.env["DATABASE_URL"])
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE appointments SET start_at = :s, end_at = :e, blocked_until = :b WHERE id = :id"),
            {
                "s": start,
                "e": start + timedelta(minutes=100),
                "b": start + timedelta(minutes=115),
                "id": appointment_id,
            },
        )
    engine.dispose()


def test_a_clinician_marks_a_visit_that_has_begun_as_a_no_show_and_sees_the_advice(as_role, service, desk, course):
    second = course["appointments"][1]
    started_half_an_hour_ago(service, second["id"])
    page = as_role("clinician")

    page.goto(f"/appointments/{second['id']}")
    page.get_by_role("button", name="No-show").click()

    page.get_by_role("heading", name="After the missed session").wait_for()
    assert "no show" in page.get_by_role("main").inner_text().lower()
    assert [a["status"] for a in series_now(desk, course["id"])][:3] == ["booked", "no_show", "booked"]
    screenshot(page, "appointment-no-show")
