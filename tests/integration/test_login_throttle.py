"""The log-in page stops checking passwords after too many failures, per account and per client address."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from config import TestConfig
from scheduler_service import create_app
from scheduler_service.adapters import orm
from scheduler_service.extensions import db

from .conftest import STAFF_PASSWORD
from .test_web_session import csrf_of, log_in

WRONG = "not the password"


@pytest.fixture()
def limits(app, monkeypatch):
    """Small limits so a test reaches them quickly; the window is the default 15 minutes."""
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES", 3)
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES_PER_CLIENT", 5)
    monkeypatch.setitem(app.config, "LOGIN_WINDOW_SECONDS", 900)


def test_after_too_many_failures_even_the_right_password_waits_for_the_window_to_pass(client, auth, clock, limits):
    for _ in range(3):
        assert log_in(client, "front_desk", WRONG).status_code == 401
        clock.advance(minutes=1)

    refused = log_in(client, "front_desk")

    assert refused.status_code == 429
    assert "Too many failed log-ins. Try again in 12 minutes." in refused.get_data(as_text=True)
    assert refused.headers["Retry-After"] == str(12 * 60)  # the first failure, 3 minutes ago, expires in 12
    assert client.get("/board").status_code == 302  # not logged in

    clock.advance(minutes=11, seconds=59)
    assert log_in(client, "front_desk").status_code == 429
    clock.advance(seconds=1)
    assert log_in(client, "front_desk").status_code == 302
    assert client.get("/board").status_code == 200


def test_knocking_on_a_locked_account_does_not_keep_it_locked(client, auth, clock, limits):
    for _ in range(3):
        log_in(client, "front_desk", WRONG)
    for _ in range(10):
        clock.advance(minutes=1)
        assert log_in(client, "front_desk", WRONG).status_code == 429

    clock.advance(minutes=5)  # 15 minutes after the three failures

    assert log_in(client, "front_desk").status_code == 302


def test_a_successful_log_in_clears_the_accounts_failures(client, auth, clock, limits):
    for _ in range(2):
        log_in(client, "front_desk", WRONG)
    assert log_in(client, "front_desk").status_code == 302
    client.post("/logout", data={"csrf_token": csrf_of(client, "/board")})

    for _ in range(3):
        assert log_in(client, "front_desk", WRONG).status_code == 401
    assert log_in(client, "front_desk", WRONG).status_code == 429


def test_one_locked_account_leaves_the_others_alone(client, auth, clock, limits):
    for _ in range(3):
        log_in(client, "front_desk", WRONG)

    assert log_in(client, "front_desk").status_code == 429
    assert log_in(client, "admin").status_code == 302


def test_one_client_trying_many_accounts_is_stopped_whatever_account_it_names(client, auth, clock, limits):
    for n in range(5):
        assert post_login(client, f"guess{n}@clinic.test", WRONG).status_code == 401

    assert post_login(client, "guess5@clinic.test", WRONG).status_code == 429
    assert log_in(client, "admin").status_code == 429  # the client address is over its own limit


def test_behind_a_trusted_proxy_each_forwarded_client_is_counted_apart(auth, clock, monkeypatch, database_url):
    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    monkeypatch.setenv("LOGIN_MAX_FAILURES_PER_CLIENT", "5")
    behind_balancer = create_app(TestConfig(database_url))
    behind_balancer.extensions["clock"] = clock
    with behind_balancer.app_context():
        client = behind_balancer.test_client()
        for n in range(5):
            post_login(client, f"guess{n}@clinic.test", WRONG, forwarded_for="203.0.113.7")

        assert post_login(client, "guess5@clinic.test", WRONG, forwarded_for="203.0.113.7").status_code == 429
        assert (
            post_login(client, "front_desk@clinic.test", STAFF_PASSWORD, forwarded_for="198.51.100.2").status_code
            == 302
        )
        db.session.remove()


def test_without_a_trusted_proxy_a_forged_forwarded_for_does_not_escape_the_limit(client, auth, clock, limits):
    for n in range(5):
        post_login(client, f"guess{n}@clinic.test", WRONG, forwarded_for=f"203.0.113.{n}")

    assert post_login(client, "guess5@clinic.test", WRONG, forwarded_for="198.51.100.99").status_code == 429


def test_the_table_names_neither_the_addresses_tried_nor_the_clients(client, auth, clock, limits):
    post_login(client, "someone.secret@clinic.test", WRONG)

    rows = db.session.execute(select(orm.LoginFailure.account_key, orm.LoginFailure.client_key)).all()

    assert len(rows) == 1
    assert not any("secret" in key or "127.0.0.1" in key for key in rows[0])


def test_many_wrong_passwords_at_once_get_at_most_the_limit_of_password_checks(app, auth, limits):
    """Threads race through the page: the limit holds however they interleave.

    Perfectly aligned racers may all be refused (each sees the others' rows); never more than 3 admitted.
    """
    racers = 12
    barrier = threading.Barrier(racers)
    statuses: Counter[int] = Counter()
    lock = threading.Lock()

    def attempt() -> None:
        with app.app_context():
            client = app.test_client()
            token = csrf_of(client)
            barrier.wait()
            status = post_login(client, "front_desk@clinic.test", WRONG, csrf=token).status_code
            with lock:
                statuses[status] += 1
            db.session.remove()

    threads = [threading.Thread(target=attempt) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(statuses.values()) == racers
    assert set(statuses) <= {401, 429}
    assert statuses[401] <= 3
    assert db.session.scalar(select(func.count()).select_from(orm.LoginFailure)) == statuses[401]


def post_login(client, email, password, forwarded_for=None, csrf=None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    data = {"email": email, "password": password, "csrf_token": csrf or csrf_of(client)}
    return client.post("/login", data=data, headers=headers)
