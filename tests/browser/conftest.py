"""A running service with demo data, and Debian's chromium driven by Playwright, logged in per role.

Never downloads a browser: Playwright launches /usr/bin/chromium (`make test` installs Debian's
package when it is missing). Screenshots go to tests/browser/artifacts/ for people to look at.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.server import flask_command, running_service
from tests.integration.databases import scratch_sqlite

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent / "artifacts"
ROLES = ("admin", "front_desk", "clinician")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-background-networking",  # the machine's network is closed: no update or sync lookups
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass(frozen=True)
class Service:
    base: str
    env: dict[str, str]
    passwords: dict[str, str]  # role -> password of "<role>@clinic.test"

    def email(self, role: str) -> str:
        return f"{role}@clinic.test"


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    with (
        scratch_sqlite(str(tmp_path_factory.mktemp("browser-db"))) as url,
        running_service(url, MAIL_FROM="care@clinic.test") as (base, env),
    ):
        flask_command(["demo", "seed"], env)
        passwords = {}
        for role in ROLES:
            printed = flask_command(["users", "create", f"{role}@clinic.test", "--role", role], env)
            passwords[role] = re.search(r"password: (\S+)", printed).group(1)  # type: ignore[union-attr]
        yield Service(base, env, passwords)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: make test installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing: run `make test`, which installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture()
def new_page(browser, service):  # type: ignore[no-untyped-def]
    """A factory: a fresh browser context at 1280 px (or a tablet's width), not logged in."""
    contexts = []

    refused: list[str] = []

    def open_page(width: int = 1280, height: int = 900):  # type: ignore[no-untyped-def]
        context = browser.new_context(viewport={"width": width, "height": height}, base_url=service.base)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert refused == [], f"the page broke its own Content-Security-Policy: {refused}"


def log_in(page, service: Service, role: str):  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.get_by_label("E-mail").fill(service.email(role))
    page.get_by_label("Password").fill(service.passwords[role])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/board"))
    return page


@pytest.fixture()
def as_role(new_page, service):  # type: ignore[no-untyped-def]
    """as_role("front_desk") -> a page logged in with that role, on the day board."""
    return lambda role, **size: log_in(new_page(**size), service, role)


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
