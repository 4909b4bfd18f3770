"""Staff log in and see the day board; roles keep people out of what is not theirs."""

from __future__ import annotations

import re
import shutil
from datetime import date, timedelta
from pathlib import Path

from .conftest import screenshot

README_SHOT = Path(__file__).resolve().parents[2] / "docs" / "day-board.png"


def next_weekday(start: date, weekday: int) -> date:
    return start + timedelta(days=(weekday - start.weekday()) % 7 or 7)


def test_a_wrong_password_is_refused_in_plain_words(new_page, service):
    page = new_page()
    page.goto("/login")
    page.get_by_label("E-mail").fill(service.email("front_desk"))
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()

    assert page.get_by_role("alert").inner_text().startswith("That e-mail and password do not match")
    assert "/login" in page.url


def test_a_page_asks_for_a_login_and_returns_there_afterwards(new_page, service):
    page = new_page()
    page.goto("/patients")
    assert "/login" in page.url

    page.get_by_label("E-mail").fill(service.email("front_desk"))
    page.get_by_label("Password").fill(service.passwords["front_desk"])
    page.get_by_role("button", name="Log in").click()

    page.wait_for_url(re.compile(r"/patients"))


def test_logging_out_ends_the_session(as_role):
    page = as_role("front_desk")

    page.get_by_role("button", name="Log out").click()
    page.goto("/board")

    assert "/login" in page.url


def test_a_clinician_cannot_reach_the_admin_pages(as_role):
    page = as_role("clinician")

    response = page.goto("/admin/")

    assert response.status == 403
    assert page.get_by_role("heading", name="Not for your role").is_visible()
    assert page.get_by_role("link", name="Clinic set-up").count() == 0


def test_the_board_shows_the_days_visits_on_their_chairs_with_the_nurse_load(as_role, service):
    page = as_role("front_desk")
    monday = next_weekday(date.today(), 0)  # the demo books courses from the next Monday

    page.goto(f"/board?date={monday.isoformat()}")

    visits = page.locator("a.visit")
    assert visits.count() >= 1
    first = visits.first.inner_text()
    assert re.search(r"\d+/\d+|maintenance", first)
    assert page.get_by_role("columnheader", name="Nurse load").is_visible()
    page.get_by_role("link", name="Next day →").click()
    page.wait_for_url(re.compile(rf"date={(monday + timedelta(days=1)).isoformat()}"))
    page.get_by_role("link", name="← Previous day").click()
    page.wait_for_url(re.compile(rf"date={monday.isoformat()}"))
    shot = screenshot(page, "day-board")
    if service.env.get("UPDATE_SCREENSHOTS") == "1":
        README_SHOT.parent.mkdir(exist_ok=True)
        shutil.copy(shot, README_SHOT)


def test_the_board_is_usable_on_a_tablet(as_role):
    page = as_role("clinician", width=820, height=1180)
    monday = next_weekday(date.today(), 0)

    page.goto(f"/board?date={monday.isoformat()}")

    assert page.locator("a.visit").first.is_visible()
    screenshot(page, "day-board-tablet")


def test_a_date_picked_shows_that_day(as_role):
    page = as_role("front_desk")
    monday = next_weekday(date.today(), 0)

    page.get_by_label("Date").fill((monday + timedelta(days=2)).isoformat())
    page.get_by_role("button", name="Show").click()

    page.wait_for_url(re.compile(rf"date={(monday + timedelta(days=2)).isoformat()}"))
    assert (
        page.get_by_role("heading", level=1).inner_text().endswith(f"{(monday + timedelta(days=2)).day}, {monday.year}")
    )
