"""An administrator sets up a clinic in the browser: chairs, closures, hours, staffing, protocols.

The browser server is shared by every browser test, and others book on the demo clinic; so each
test that changes a clinic creates its own, and the protocol test puts back what it changed.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest

from .conftest import screenshot


def next_weekday(start: date, weekday: int) -> date:
    return start + timedelta(days=(weekday - start.weekday()) % 7 or 7)


def a_new_clinic(page, name: str = "Test clinic") -> int:  # type: ignore[no-untyped-def]
    """Create a clinic through the pages; returns its id."""
    page.goto("/admin/")
    page.get_by_role("link", name="Add a clinic").click()
    page.get_by_label("Name").fill(f"{name} {uuid.uuid4().hex[:6]}")
    page.get_by_label("Time zone").fill("America/Chicago")
    page.get_by_role("button", name="Create clinic").click()
    page.wait_for_url(re.compile(r"/admin/clinics/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def test_an_added_chair_becomes_a_column_of_the_day_board(as_role):
    page = as_role("admin")
    clinic_id = a_new_clinic(page)
    page.get_by_role("link", name="Chairs", exact=True).click()

    page.get_by_label("Name").fill("Recliner 9")
    page.get_by_label("iv", exact=True).check()
    page.get_by_label("Other tags").fill("window, quiet")
    page.get_by_role("button", name="Add chair").click()

    assert page.get_by_role("status").inner_text() == "Chair Recliner 9 added."
    row = page.get_by_role("row", name=re.compile("Recliner 9"))
    assert row.inner_text().split() == ["Recliner", "9", "iv", "quiet", "window"]
    screenshot(page, "admin-chairs")
    page.goto(f"/board?clinic_id={clinic_id}&date={next_weekday(date.today(), 0).isoformat()}")
    assert page.get_by_role("columnheader", name="Recliner 9").is_visible()


def test_a_closure_shuts_the_board_that_day_until_it_is_removed(as_role):
    page = as_role("admin")
    clinic_id = a_new_clinic(page)
    wednesday = next_weekday(date.today(), 2) + timedelta(days=7)
    page.get_by_role("link", name="Closures").click()

    page.get_by_label("First day").fill(wednesday.isoformat())
    page.get_by_label("Reason").fill("Staff training")
    page.get_by_role("button", name="Add closure").click()

    assert page.get_by_role("status").inner_text() == "Closure added."
    screenshot(page, "admin-closures")
    board = f"/board?clinic_id={clinic_id}&date={wednesday.isoformat()}"
    page.goto(board)
    assert page.get_by_role("status").inner_text() == "Closed: Staff training"

    page.goto(f"/admin/clinics/{clinic_id}/closures")
    page.get_by_role("link", name=re.compile("Remove closure Staff training")).click()
    assert page.get_by_role("heading", name="Remove this closure?").is_visible()
    page.get_by_role("button", name="Yes, remove the closure").click()
    assert page.get_by_role("cell", name="No closures.").is_visible()
    page.goto(board)
    assert page.locator("p.closed").count() == 0


def test_opening_hours_change_and_a_backwards_window_is_refused_next_to_its_day(as_role):
    page = as_role("admin")
    clinic_id = a_new_clinic(page)
    page.get_by_role("link", name="Opening hours").click()

    page.get_by_label("Monday closes", exact=True).fill("12:00")
    page.get_by_label("Wednesday closes", exact=True).fill("12:00")
    page.get_by_label("Wednesday (second window) opens").fill("13:00")
    page.get_by_label("Wednesday (second window) closes").fill("17:00")
    page.get_by_label("Saturday opens", exact=True).fill("9:00")  # people type 9:00; it is stored as 09:00
    page.get_by_label("Saturday closes", exact=True).fill("13:00")
    page.get_by_role("button", name="Save opening hours").click()
    assert page.get_by_role("status").inner_text() == "Opening hours saved."
    assert page.get_by_label("Monday closes", exact=True).input_value() == "12:00"
    assert page.get_by_label("Wednesday (second window) opens").input_value() == "13:00"
    assert page.get_by_label("Saturday opens", exact=True).input_value() == "09:00"

    page.get_by_label("Monday opens", exact=True).fill("17:00")
    page.get_by_label("Monday closes", exact=True).fill("08:00")
    page.get_by_label("Tuesday closes", exact=True).fill("15:00")
    page.get_by_role("button", name="Save opening hours").click()

    monday = page.get_by_role("row", name=re.compile("^Monday"))
    assert "ends at 08:00, not after it starts at 17:00" in monday.inner_text()
    assert page.get_by_label("Monday opens", exact=True).get_attribute("aria-invalid") == "true"
    assert page.get_by_role("alert").inner_text().startswith("Nothing was saved")
    screenshot(page, "admin-hours-refused")
    page.goto(f"/admin/clinics/{clinic_id}/hours")
    assert page.get_by_label("Monday opens", exact=True).input_value() == "08:00"
    assert page.get_by_label("Monday closes", exact=True).input_value() == "12:00"
    assert page.get_by_label("Tuesday closes", exact=True).input_value() == "17:00"


def test_staffing_sets_the_nurse_capacity_the_board_counts_against(as_role):
    page = as_role("admin")
    clinic_id = a_new_clinic(page)
    page.get_by_role("link", name="Staffing").click()

    page.get_by_label("Monday").fill("3")
    page.get_by_label("Patients each nurse may watch at once").fill("2")
    page.get_by_label("Visits each nurse may start per slot").fill("2")
    page.get_by_role("button", name="Save staffing").click()

    assert page.get_by_role("status").inner_text() == "Staffing saved."
    assert page.get_by_label("Monday").input_value() == "3"
    assert page.get_by_label("Tuesday").input_value() == "1"  # a new clinic starts with one nurse a day
    page.goto(f"/board?clinic_id={clinic_id}&date={next_weekday(date.today(), 0).isoformat()}")
    assert page.locator(".load .figure").first.inner_text() == "0/6"


def test_an_impossible_staffing_is_refused_in_plain_words(as_role):
    page = as_role("admin", width=820, height=1100)
    a_new_clinic(page)
    page.get_by_role("link", name="Staffing").click()

    page.get_by_label("Patients each nurse may watch at once").fill("0")
    page.get_by_label("Monday").evaluate("input => input.removeAttribute('max')")
    page.get_by_label("Monday").fill("250")
    page.get_by_label("Patients each nurse may watch at once").evaluate("input => input.removeAttribute('min')")
    page.get_by_role("button", name="Save staffing").click()

    assert "must be a whole number from 0 to 100" in page.get_by_role("row", name=re.compile("^Monday")).inner_text()
    screenshot(page, "admin-staffing-tablet")


def test_settings_and_the_reminder_policy_are_saved_or_refused_in_plain_words(as_role):
    page = as_role("admin")
    a_new_clinic(page)
    page.get_by_label("Turnover between visits (minutes)").fill("20")
    page.get_by_label("State or region").fill("ZZ")
    page.get_by_role("button", name="Save settings").click()
    assert page.get_by_text("'ZZ' is not a subdivision of US").is_visible()
    page.get_by_label("State or region").fill("TX")
    page.get_by_role("button", name="Save settings").click()
    assert page.get_by_role("status").inner_text() == "Settings saved."
    assert page.get_by_label("Turnover between visits (minutes)").input_value() == "20"
    screenshot(page, "admin-settings")

    page.get_by_role("link", name="Reminders").click()
    page.get_by_label("Reminder 1: hours before").fill("24")
    page.get_by_label("Reminder 2: hours before").fill("24")
    page.get_by_role("button", name="Save reminder policy").click()
    assert page.get_by_text("two offsets have the same minutes before").is_visible()
    page.get_by_label("Reminder 2: hours before").fill("3")
    page.get_by_label("Reminder 2: message").select_option("short")
    page.get_by_label("From").fill("21:00")
    page.get_by_label("Until").fill("7:30")
    page.get_by_label("Front desk e-mail").fill("desk@clinic.test")
    page.get_by_role("button", name="Save reminder policy").click()
    assert page.get_by_role("status").inner_text().startswith("Reminder policy saved.")
    assert page.get_by_label("Until").input_value() == "07:30"
    assert page.get_by_label("Reminder 2: hours before").input_value() == "3"
    screenshot(page, "admin-reminders")


def test_a_protocols_instructions_are_edited_for_the_reminders(as_role):
    page = as_role("admin")
    page.goto("/admin/")
    page.get_by_role("link", name="IV ketamine for chronic pain").click()
    edit_page = page.url
    fields = ("Preparation instructions", "Monitoring")
    original = {label: page.get_by_label(label, exact=True).input_value() for label in fields}
    try:
        page.get_by_label("Preparation instructions").fill("Nothing to eat for 6 hours before. Bring a driver.")
        page.get_by_label("Monitoring", exact=True).fill("50")
        page.get_by_role("button", name="Save protocol").click()

        assert page.get_by_role("status").inner_text().startswith("IV ketamine for chronic pain saved.")
        assert page.get_by_label("Preparation instructions").input_value().startswith("Nothing to eat for 6 hours")
        screenshot(page, "admin-protocol")
        page.get_by_role("link", name="Protocols", exact=True).click()
        row = page.get_by_role("row", name=re.compile("IV ketamine for chronic pain"))
        assert "+ 50)" in row.inner_text()
    finally:  # the other browser tests book with the built-in protocols as they were
        page.goto(edit_page)
        for label, value in original.items():
            page.get_by_label(label, exact=True).fill(value)
        page.get_by_role("button", name="Save protocol").click()


def test_the_overview_lists_clinics_and_protocols(as_role):
    page = as_role("admin")
    page.get_by_role("link", name="Clinic set-up").click()

    assert page.get_by_role("heading", name="Clinic set-up").is_visible()
    assert page.get_by_role("link", name="Bayou City Ketamine Clinic").is_visible()
    assert page.get_by_role("link", name="Consultation").is_visible()
    screenshot(page, "admin-overview")
    page.get_by_role("link", name="Bayou City Ketamine Clinic").click()
    page.get_by_role("link", name="Staffing").click()
    assert "08:00–12:00 × 2" in page.get_by_role("row", name=re.compile("^Monday")).inner_text()
    screenshot(page, "admin-demo-staffing")


@pytest.mark.parametrize("role", ["front_desk", "clinician"])
def test_only_administrators_reach_clinic_set_up(as_role, role):
    page = as_role(role)

    assert page.get_by_role("link", name="Clinic set-up").count() == 0
    for path in ("/admin/", "/admin/clinics/1/hours", "/admin/protocols"):
        response = page.goto(path)
        assert response.status == 403
        assert page.get_by_role("heading", name="Not for your role").is_visible()
