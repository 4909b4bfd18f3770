"""The front desk finds, adds and edits patients; clinicians may look but not change."""

from __future__ import annotations

import re
import secrets
import string

from playwright.sync_api import expect

from .conftest import screenshot


def unique_family_name(stem: str) -> str:
    """The service runs once per session: every test makes patients nobody else has made."""
    return stem + "".join(secrets.choice(string.ascii_lowercase) for _ in range(6))


def add_patient(page, given: str, family: str, email: str = "", phone: str = "", channels=None):  # type: ignore[no-untyped-def]
    """Fill the new-patient form and save it (reminders by e-mail when there is one); return the patient's page."""
    channels = ("email",) if channels is None and email else channels or ()
    page.goto("/patients/new")
    page.get_by_label("Given name").fill(given)
    page.get_by_label("Family name").fill(family)
    page.get_by_role("textbox", name="E-mail").fill(email)
    page.get_by_label("Phone").fill(phone)
    for channel in channels:
        page.get_by_role("checkbox", name={"email": "E-mail", "sms": "SMS (text message)"}[channel]).check()
    page.get_by_role("button", name="Add patient").click()
    page.wait_for_url(re.compile(r"/patients/\d+$"))
    return page


def test_the_front_desk_adds_a_patient(as_role):
    page = as_role("front_desk")
    family = unique_family_name("Delacroix")

    page.goto("/patients")
    page.get_by_role("link", name="New patient").click()
    page.get_by_label("Given name").fill("Renée")
    page.get_by_label("Family name").fill(family)
    page.get_by_role("textbox", name="E-mail").fill("renee@example.org")
    page.get_by_label("Date of birth").fill("1984-03-09")
    page.get_by_label("Tuesday").check()
    page.get_by_label("Thursday").check()
    page.get_by_label("Earliest start").fill("13:00")
    page.get_by_role("group", name="Reminders by").get_by_label("E-mail").check()
    page.get_by_role("button", name="Add patient").click()

    page.wait_for_url(re.compile(r"/patients/\d+$"))
    assert page.get_by_role("heading", level=1).inner_text() == f"Renée {family}"
    assert page.get_by_role("status").inner_text() == f"Renée {family} was added."
    assert page.get_by_label("Tuesday").is_checked() and not page.get_by_label("Monday").is_checked()
    assert page.get_by_label("Earliest start").input_value() == "13:00"
    assert page.get_by_text("No series booked yet.").is_visible()


def test_search_finds_a_patient_as_the_front_desk_types(as_role):
    page = as_role("front_desk")
    family = unique_family_name("Okonkwo")
    add_patient(page, "Chidi", family, email="chidi@example.org")

    page.goto("/patients")
    page.get_by_label("Find a patient").press_sequentially(family[:9], delay=40)

    results = page.locator("#patient-results")
    expect(results.get_by_role("row")).to_have_count(2)  # the header and the one patient left
    assert results.get_by_role("link", name=f"{family}, Chidi").is_visible()
    assert page.url.endswith("/patients")  # swapped in by htmx, no page load
    page.get_by_label("Find a patient").fill("")
    page.get_by_label("Find a patient").press_sequentially("zzzz-nobody")
    page.get_by_text("No patient matches “zzzz-nobody”.").wait_for()


def test_search_works_without_javascript_too(as_role):
    page = as_role("front_desk")
    family = unique_family_name("Lindqvist")
    add_patient(page, "Sven", family)

    page.goto(f"/patients?q={family}")

    assert page.get_by_role("link", name=f"{family}, Sven").is_visible()


def test_the_front_desk_changes_a_patients_reminder_channels(as_role):
    page = as_role("front_desk")
    add_patient(page, "Ana", unique_family_name("Silva"), email="ana@example.org")
    channels = page.get_by_role("group", name="Reminders by")

    channels.get_by_label("SMS (text message)").check()
    page.get_by_role("button", name="Save changes").click()
    assert channels.get_by_text("SMS reminders need the patient's phone").is_visible()

    page.get_by_label("Phone").fill("+1 713 555 0199")
    channels.get_by_label("E-mail").uncheck()
    page.get_by_role("button", name="Save changes").click()

    assert page.get_by_role("status").inner_text() == "The changes were saved."
    page.reload()
    assert channels.get_by_label("SMS (text message)").is_checked()
    assert not channels.get_by_label("E-mail").is_checked()
    assert page.get_by_label("Phone").input_value() == "+1 713 555 0199"


def test_a_bad_email_is_shown_next_to_the_field(as_role):
    page = as_role("front_desk")

    page.goto("/patients/new")
    page.get_by_label("Given name").fill("Bad")
    page.get_by_label("Family name").fill("Address")
    page.get_by_role("textbox", name="E-mail").fill("bad.address@nowhere")
    page.get_by_role("button", name="Add patient").click()

    email = page.get_by_role("textbox", name="E-mail")
    assert email.get_attribute("aria-invalid") == "true"
    message = page.locator(f"#{email.get_attribute('aria-describedby')}")
    assert message.inner_text().startswith("This is not an e-mail address")
    assert page.get_by_label("Given name").input_value() == "Bad"  # nothing typed is lost
    screenshot(page, "patient-bad-email")


def test_a_clinician_sees_patients_but_cannot_add_or_change_them(as_role, new_page, service):
    desk = as_role("front_desk")
    family = unique_family_name("Moreau")
    add_patient(desk, "Luc", family)
    patient_url = desk.url

    page = as_role("clinician", width=820, height=1180)
    page.goto("/patients")
    assert page.get_by_role("link", name="New patient").count() == 0
    assert page.goto("/patients/new").status == 403

    page.goto(patient_url)
    assert page.get_by_label("Given name").is_disabled()
    assert page.get_by_role("button", name="Save changes").count() == 0
    assert page.get_by_role("link", name="Book a series").count() == 0
    screenshot(page, "patient-page-tablet")


def test_the_front_desk_makes_a_calendar_link_for_a_new_phone_and_turns_the_old_one_off(as_role):
    page = as_role("front_desk")
    add_patient(page, "Maria", unique_family_name("Gonzalez"), email="maria@example.org")
    patient_url = page.url
    links = page.get_by_role("region", name="Calendar links")
    assert links.get_by_text("No calendar link is on.").is_visible()

    links.get_by_label("Name of the new link (optional)").fill("Old phone")
    links.get_by_role("button", name="Make a calendar link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New calendar link: Old phone")
    old_feed = page.get_by_label("Feed link").input_value()
    qr = page.get_by_role("img", name=re.compile("QR code of the feed link"))
    assert qr.evaluate("img => img.naturalWidth") > 0
    assert page.request.get(old_feed).headers["content-type"].startswith("text/calendar")
    screenshot(page, "patient-new-calendar-link")

    page.goto(patient_url)
    links.get_by_label("Name of the new link (optional)").fill("New phone")
    links.get_by_role("button", name="Make a calendar link").click()
    new_feed = page.get_by_label("Feed link").input_value()
    page.get_by_role("link", name=re.compile("Maria Gonzalez")).click()

    expect(links.get_by_role("row")).to_have_count(3)  # the header, then both links
    links.get_by_role("button", name=re.compile(r"^Turn off Old phone")).click()

    assert "The calendar link “Old phone” was turned off" in page.get_by_role("status").inner_text()
    expect(links.get_by_role("row")).to_have_count(2)
    assert links.get_by_role("cell", name="New phone", exact=True).is_visible()
    assert page.request.get(old_feed).status == 404
    assert page.request.get(new_feed).status == 200
    screenshot(page, "patient-calendar-links")
