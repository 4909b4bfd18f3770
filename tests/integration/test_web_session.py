"""The pages' login session: passwords checked, CSRF required on every form, roles enforced, cookies locked down."""

from __future__ import annotations

import re

import pytest

from config import TestConfig
from scheduler_service import create_app

from .conftest import STAFF_PASSWORD


def csrf_of(client, path="/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def log_in(client, role, password=STAFF_PASSWORD, follow=False):
    return client.post(
        "/login",
        data={"email": f"{role}@clinic.test", "password": password, "csrf_token": csrf_of(client)},
        follow_redirects=follow,
    )


def test_the_right_password_opens_the_board_and_a_wrong_one_is_refused(client, auth):
    assert log_in(client, "front_desk", "wrong").status_code == 401
    assert client.get("/board").status_code == 302

    response = log_in(client, "front_desk")

    assert response.status_code == 302 and response.headers["Location"] == "/board"
    assert client.get("/board").status_code == 200


def test_a_form_posted_without_its_csrf_token_is_refused_and_changes_nothing(client, auth):
    log_in(client, "front_desk")

    response = client.post("/logout")

    assert response.status_code == 400
    assert "did not come from this site" in response.get_data(as_text=True)
    assert client.get("/board").status_code == 200  # still logged in


def test_a_login_form_from_another_site_is_refused(client, auth):
    response = client.post("/login", data={"email": "front_desk@clinic.test", "password": STAFF_PASSWORD})

    assert response.status_code == 400


def test_logging_in_starts_a_new_session_so_an_old_csrf_token_is_void(client, auth):
    before = csrf_of(client)
    log_in(client, "front_desk")

    assert csrf_of(client, "/board") != before


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_after_login_only_a_path_on_this_site_is_followed(client, auth, target):
    token = csrf_of(client)
    response = client.post(
        f"/login?next={target}",
        data={"email": "front_desk@clinic.test", "password": STAFF_PASSWORD, "csrf_token": token},
    )

    assert response.headers["Location"] == "/board"


@pytest.mark.parametrize(("role", "status"), [("clinician", 403), ("front_desk", 403), ("admin", 200)])
def test_only_an_administrator_opens_the_set_up_pages(client, auth, role, status):
    log_in(client, role)

    assert client.get("/admin/").status_code == status


def test_the_session_cookie_is_http_only_and_same_site(client, auth):
    response = log_in(client, "front_desk")

    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_the_session_cookie_is_secure_when_the_service_is_served_over_https(monkeypatch, database_url):
    monkeypatch.setenv("BASE_URL", "https://scheduler.clinic.example")

    app = create_app(TestConfig(database_url))

    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_pages_forbid_framing_sniffing_and_scripts_from_elsewhere(client, auth):
    log_in(client, "front_desk")

    headers = client.get("/board").headers

    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "unsafe-eval" not in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"
    assert headers["Cache-Control"] == "no-store"
