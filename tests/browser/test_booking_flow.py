"""The front desk books a whole series in one flow and sees it on the board, with the patient's calendar feed."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from playwright.sync_api import expect

from .conftest import screenshot
from .test_patients import add_patient, unique_family_name
from .test_series_pages import quiet_monday

PROTOCOL = "IV ketamine for depression"


def next_monday() -> date:
    today = date.today()
    return today + timedelta(days=(7 - today.weekday()) % 7 or 7)


def show_proposals(page, earliest: date, protocol: str = PROTOCOL, latest: date | None = None) -> None:  # type: ignore[no-untyped-def]
    """From the patient's page: choose the protocol and the first day (and the last one), and ask for proposals."""
    page.get_by_role("link", name=re.compile("^Book a series for ")).click()
    page.get_by_label(protocol).check()
    page.get_by_label("Earliest day for the first session").fill(earliest.isoformat())
    if latest is not None:
        page.get_by_label(re.compile("^Latest day for the first session")).fill(latest.isoformat())
    page.get_by_role("button", name="Show proposals").click()


def planned_days(page, plan: int = 1) -> list[tuple[str, date]]:  # type: ignore[no-untyped-def]
    """(label, day) of each session in the table of a plan, e.g. ("3/6", 2026-11-27)."""
    rows = page.get_by_role("table", name=f"Sessions of plan {plan}").locator("tbody tr")
    found = []
    for i in range(rows.count()):
        label, day = rows.nth(i).locator("td").all_inner_texts()[:2]
        found.append((label, date.fromisoformat(_iso(day))))
    return found


def _iso(shown: str) -> str:
    return datetime.strptime(shown, "%a %b %d, %Y").date().isoformat()


def test_an_iv_series_is_booked_for_a_new_patient_and_appears_on_the_board(as_role):
    page = as_role("front_desk")
    family = unique_family_name("Haddad")
    add_patient(page, "Layla", family, email="layla@example.org")
    monday = next_monday()

    show_proposals(page, monday)

    page.wait_for_url(re.compile(r"/book/proposals\?"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{PROTOCOL} for Layla {family}")
    assert page.locator("details.plan").count() == 4  # the best plan and three alternatives
    sessions = planned_days(page)
    induction = [(label, day) for label, day in sessions if label.endswith("/6")]
    assert [label for label, _ in induction] == [f"{k}/6" for k in range(1, 7)]
    assert induction[0][1] >= monday
    calendar_marks = page.get_by_label("Plan 1 on a calendar").locator("td.marked")
    assert calendar_marks.count() == len({day for _, day in sessions})
    screenshot(page, "booking-proposals")

    page.get_by_role("button", name="Book plan 1").click()

    page.wait_for_url(re.compile(r"/book/booked/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Booked: {PROTOCOL} for Layla {family}")
    assert "A confirmation e-mail to layla@example.org was queued." in page.get_by_role("status").inner_text()
    feed_url = page.get_by_label("Feed link").input_value()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/feeds/[^/]+\.ics", feed_url)
    webcal = page.get_by_role("link", name=re.compile("Subscribe with webcal"))
    assert webcal.get_attribute("href") == "webcal://" + feed_url.split("://", 1)[1]
    qr = page.get_by_role("img", name=re.compile("QR code of the feed link"))
    assert qr.get_attribute("src").startswith("data:image/png;base64,")
    assert qr.evaluate("img => img.naturalWidth") > 0
    screenshot(page, "booking-booked")

    for label, day in induction:
        page.goto(f"/board?date={day.isoformat()}")
        block = page.locator("a.visit", has_text=f"Layla {family}")
        expect(block).to_have_count(1)
        assert f"· {label}" in block.inner_text()


def test_the_flow_starts_by_finding_the_patient(as_role):
    page = as_role("front_desk")
    family = unique_family_name("Petrova")
    add_patient(page, "Irina", family)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Book a series").click()
    page.get_by_label("Find the patient").fill(family)
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name=f"Book for Irina {family}").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Book a series for Irina {family}")
    assert page.get_by_text("Preferences of Irina: Any open day.").is_visible()
    if page.get_by_label("Clinic").count():  # other tests may add clinics: then the desk picks one
        assert page.get_by_label("Clinic").locator("option:checked").inner_text() == "Bayou City Ketamine Clinic"
    else:
        assert page.get_by_text("Clinic: Bayou City Ketamine Clinic").is_visible()


def test_an_earliest_day_in_the_past_is_refused_next_to_the_field(as_role):
    page = as_role("front_desk")
    add_patient(page, "Omar", unique_family_name("Farouk"))

    show_proposals(page, date.today() - timedelta(days=3))

    field = page.get_by_label("Earliest day for the first session")
    assert field.get_attribute("aria-invalid") == "true"
    message = page.locator(f"#{field.get_attribute('aria-describedby')}")
    assert message.inner_text() == "This day is in the past: pick today or a later day."
    assert page.get_by_label(PROTOCOL).is_checked()  # the choices made are kept


def test_a_first_session_wanted_by_a_latest_day_the_clinic_never_opens_gets_no_plan_and_says_why(as_role):
    page = as_role("front_desk")
    add_patient(page, "Omar", unique_family_name("Farah"))
    # The Monday after must be open: on MLK Day the plan would rightly start later.
    saturday = quiet_monday(next_monday() + timedelta(weeks=2)) - timedelta(days=2)

    show_proposals(page, saturday, latest=saturday + timedelta(days=1))

    error = page.locator("#earliest_date-error")
    expect(error).to_contain_text("No plan fits")
    assert page.locator("details.plan").count() == 0

    page.get_by_label(re.compile("^Latest day for the first session")).fill("")
    page.get_by_role("button", name="Show proposals").click()

    page.wait_for_url(re.compile(r"/book/proposals\?"))
    assert planned_days(page)[0][1] == saturday + timedelta(days=2)  # Monday, once the desk drops the latest day


def test_a_latest_day_before_the_earliest_is_refused_next_to_the_field(as_role):
    page = as_role("front_desk")
    add_patient(page, "Nadia", unique_family_name("Karimi"))
    monday = next_monday()

    show_proposals(page, monday, latest=monday - timedelta(days=3))

    error = page.locator("#latest_date-error")
    expect(error).to_have_text("The latest day for the first session cannot come before the earliest.")
    expect(page.get_by_label(re.compile("^Latest day for the first session"))).to_have_attribute("aria-invalid", "true")
    assert page.locator("details.plan").count() == 0


def test_a_protocol_must_be_chosen(as_role):
    page = as_role("front_desk")
    add_patient(page, "Nadia", unique_family_name("Kowalski"))

    page.get_by_role("link", name=re.compile("^Book a series for ")).click()
    page.get_by_role("button", name="Show proposals").click()

    assert page.get_by_role("alert").filter(has_text="Pick a protocol.").is_visible()


def test_a_plan_taken_meanwhile_is_explained_and_the_next_plan_offered(as_role):
    page = as_role("front_desk")
    add_patient(page, "Kenji", unique_family_name("Watanabe"), email="kenji@example.org")
    show_proposals(page, next_monday() + timedelta(days=14))
    page.wait_for_url(re.compile(r"/book/proposals\?"))
    other = page.context.new_page()
    other.goto(page.url)  # a second tab with the same proposals

    other.get_by_role("button", name="Book plan 1").click()
    other.wait_for_url(re.compile(r"/book/booked/\d+$"))
    page.get_by_role("button", name="Book plan 1").click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("That plan was just taken")
    assert re.search(r"Session \d+ is no longer free: .+\. Someone booked that place", alert.inner_text())
    screenshot(page, "booking-taken")
    page.get_by_role("button", name="Book this plan instead").click()
    page.wait_for_url(re.compile(r"/book/booked/\d+$"))


def test_the_proposals_are_readable_on_a_tablet(as_role):
    page = as_role("front_desk", width=820, height=1180)
    add_patient(page, "Grace", unique_family_name("Mensah"))

    show_proposals(
        page, next_monday() + timedelta(days=7), protocol="Spravato (esketamine) for treatment-resistant depression"
    )

    expect(page.get_by_role("button", name="Book plan 1")).to_be_visible()
    screenshot(page, "booking-proposals-tablet")
