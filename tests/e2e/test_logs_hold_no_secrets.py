"""The logs of the real processes hold no secret and no patient contact detail.

A day at the clinic is played against the service as it runs: the dev server of `make run` (on SQLite) and gunicorn
with its access log on, as operators run it (on PostgreSQL); then the reminder scheduler delivers over SMTP with a
password and over the signed SMS webhook. Staff log in with a password (and mistype one), a patient is created with
a distinctive name, e-mail and phone (through the API and through the page form), found by search, booked,
given calendar feeds that are fetched by their secret URL and revoked; API tokens are used and a revoked one refused.
Everything the server and the scheduler wrote (stdout and stderr) is then searched for each of those values.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select

from config import TestConfig
from scheduler_service import create_app
from scheduler_service.adapters import orm
from scheduler_service.adapters.log_redaction import redact
from scheduler_service.adapters.secrets import hash_secret
from scheduler_service.extensions import db
from scheduler_service.services import accounts
from scheduler_service.services.unit_of_work import UnitOfWork
from tests.integration.databases import scratch_postgres
from tests.peers import MailServer, SmsGateway

from .gunicorn_server import GunicornService
from .scheduler_processes import ALL_DUE_NOW, LEADING, Processes, outbox, scheduler_env, wait_until
from .server import FLASK, ROOT, WEEKDAYS, FrontDesk, call, flask_command, free_port, wait_until_healthy

PASSWORD = "Lobster-Quartz-7731-passphrase"
WRONG_PASSWORD = "Marmot-Wrong-4419-guess"
SECRET_KEY = "sk-Tangerine-Viaduct-9025-e2e"
SMTP_USER = "relay-user-kestrel"
SMTP_PASSWORD = "smtp-Pelican-Orbit-6610"
SMS_SECRET = "sms-Harbor-Lantern-3387"
PATIENT = {
    "given_name": "Zebulon",
    "family_name": "Quaxworthy",
    "email": "zebulon.quaxworthy@patient-mail.test",
    "phone": "+1 (713) 555-0199",
}
FORM_PATIENT = {
    "given_name": "Philippa",
    "family_name": "Vandersloot",
    "email": "p.vandersloot@patient-mail.test",
    "phone": "+1 281 555 0147",
}
SESSIONS = 6  # the IV ketamine induction, no maintenance: six visits, each with an e-mail and an SMS due at once


@dataclass
class Secrets:
    """What must never reach a log, by name (the names are what a failure prints, never the values)."""

    values: dict[str, str]

    def add(self, name: str, value: str) -> None:
        assert value, name
        self.values[name] = value

    def found_in(self, text: str) -> list[str]:
        lowered = text.lower()
        return sorted(name for name, value in self.values.items() if value.lower() in lowered)


def fixed_secrets() -> Secrets:
    secrets = Secrets({})
    for name, value in {
        "staff password": PASSWORD,
        "mistyped password": WRONG_PASSWORD,
        "SECRET_KEY": SECRET_KEY,
        "SMTP password": SMTP_PASSWORD,
        "SMS webhook secret": SMS_SECRET,
    }.items():
        secrets.add(name, value)
    for who, patient in (("API patient", PATIENT), ("page patient", FORM_PATIENT)):
        secrets.add(f"{who}'s surname", patient["family_name"])
        secrets.add(f"{who}'s given name", patient["given_name"])
        secrets.add(f"{who}'s e-mail", patient["email"])
        secrets.add(f"{who}'s phone", patient["phone"])
        secrets.add(f"{who}'s phone digits", re.sub(r"\D", "", patient["phone"])[1:])
    return secrets


class PasswordMailServer(MailServer):
    """An SMTP server that takes mail only after AUTH with the relay's user name and password."""

    def up(self) -> PasswordMailServer:
        self._controller = Controller(
            self,
            hostname="127.0.0.1",
            port=self.port,
            authenticator=_relay_login,
            auth_required=True,
            auth_require_tls=False,  # loopback only; the password must still stay out of every log
        )
        self._controller.start()
        return self


def _relay_login(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        SMTP_USER.encode(),
        SMTP_PASSWORD.encode(),
    )
    return AuthResult(success=ok)


def delivery_settings(mail: MailServer, sms: SmsGateway) -> dict[str, str]:
    return {
        "SECRET_KEY": SECRET_KEY,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(mail.port),
        "SMTP_USERNAME": SMTP_USER,
        "SMTP_PASSWORD": SMTP_PASSWORD,
        "SMS_WEBHOOK_URL": sms.url,
        "SMS_WEBHOOK_SECRET": SMS_SECRET,
    }


@contextmanager
def dev_server(database_url: str, log_path: Path, settings: dict[str, str]) -> Iterator[tuple[str, dict[str, str]]]:
    """`flask run` as `make run` starts it, its stdout and stderr in `log_path`; the base URL and its environment."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**server_environment(database_url), "BASE_URL": base, **settings}
    flask_command(["db", "upgrade"], env)
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            FLASK + ["run", "--host", "127.0.0.1", "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=log
        )
    try:
        wait_until_healthy(base, server, lambda: log_path.read_text(errors="replace"))
        yield base, env
    finally:
        server.terminate()
        server.wait(timeout=10)


@contextmanager
def gunicorn(database_url: str, log_path: Path, settings: dict[str, str]) -> Iterator[tuple[str, dict[str, str]]]:
    """gunicorn with two workers and its access log (to stdout, into `log_path`), as production runs it."""
    service = GunicornService(database_url, workers=2, log_path=log_path)
    service.env.update(settings, GUNICORN_CMD_ARGS="--access-logfile -")
    service.migrate()
    try:
        service.start()
        env = {k: v for k, v in service.env.items() if k != "GUNICORN_CMD_ARGS"}
        yield service.base, env
    finally:
        service.stop()


def server_environment(database_url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url}


def staff(database_url: str, secrets: Secrets) -> dict[str, str]:
    """An administrator and a front-desk user with the known password; an API token each, and one revoked."""
    app = create_app(TestConfig(database_url))
    tokens = {}
    with app.app_context():
        try:
            for role in ("admin", "front_desk"):
                with UnitOfWork("e2e") as uow:
                    accounts.create_user(uow, f"{role}@clinic.test", role, PASSWORD)
                with UnitOfWork("e2e") as uow:
                    tokens[role] = accounts.create_token(uow, f"{role}@clinic.test", "e2e")
            with UnitOfWork("e2e") as uow:
                tokens["revoked"] = accounts.create_token(uow, "front_desk@clinic.test", "lost laptop")
            with UnitOfWork("e2e") as uow:
                revoked = select(orm.ApiToken.id).where(orm.ApiToken.token_hash == hash_secret(tokens["revoked"]))
                accounts.revoke_token(uow, uow.session.scalar(revoked))
        finally:
            db.engine.dispose()
    for name, token in tokens.items():
        secrets.add(f"API token ({name})", token)
    return tokens


class Browser:
    """A person at a browser: cookies kept, redirects followed, the CSRF token read from each page."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, form: dict[str, Any], csrf_from: str) -> tuple[int, str]:
        _, page = self.get(csrf_from)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token, page[:500]
        data = urllib.parse.urlencode({**form, "csrf_token": token.group(1)}, doseq=True).encode()
        return self._open(urllib.request.Request(self.base + path, data=data, method="POST"))

    def _open(self, request: urllib.request.Request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str]]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=30) as response:
            response.read()
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


def ok(answer: tuple[int, Any], status: int = 200) -> Any:
    assert answer[0] == status, answer
    return answer[1]


def a_day_at_the_clinic(base: str, tokens: dict[str, str], secrets: Secrets) -> int:
    """Set up, log in, register, search, book, share feeds; return the clinic id."""
    admin, desk = FrontDesk(base, tokens["admin"]), FrontDesk(base, tokens["front_desk"])
    clinic = admin.create(
        "/api/v1/clinics", {"name": "Log Clinic", "timezone": "America/Chicago", "booking_horizon_days": 7}
    )
    path = f"/api/v1/clinics/{clinic['id']}"
    for n in range(2):
        admin.create(f"{path}/chairs", {"name": f"Chair {n}", "tags": ["iv"]})
    ok(call(base, "PUT", f"{path}/staffing", admin.token, {"nurses": dict.fromkeys(WEEKDAYS, 2)}))
    policy = {**ALL_DUE_NOW, "channels": ["email", "sms"], "quiet_hours": None}
    ok(call(base, "PUT", f"{path}/reminder-policy", admin.token, policy))

    browser = Browser(base)
    assert browser.post("/login", {"email": "front_desk@clinic.test", "password": WRONG_PASSWORD}, "/login")[0] == 401
    assert browser.post("/login", {"email": "front_desk@clinic.test", "password": PASSWORD}, "/login")[0] == 200
    form = {**FORM_PATIENT, "reminder_channels": ["email"]}
    status, page = browser.post("/patients/new", form, "/patients/new")
    assert status == 200 and FORM_PATIENT["family_name"] in page, page[:500]
    assert FORM_PATIENT["family_name"] in ok(browser.get(f"/patients/results?q={FORM_PATIENT['family_name']}"))

    patient = desk.create("/api/v1/patients", {**PATIENT, "reminder_channels": ["email", "sms"]})
    found = ok(call(base, "GET", f"/api/v1/patients?q={urllib.parse.quote(PATIENT['email'])}", desk.token))
    assert [p["id"] for p in found] == [patient["id"]]
    assert ok(call(base, "GET", "/api/v1/patients", tokens["revoked"]), 401) is not None

    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    proposal = ok(desk.propose(clinic["id"], patient["id"], tomorrow, maintenance=0))["proposals"][0]
    assert len(proposal["sessions"]) == SESSIONS, proposal
    series = ok(desk.book(clinic["id"], patient["id"], proposal["sessions"]), 201)
    assert series["status"] == "active"
    assert ok(browser.get(f"/series/{series['id']}")) and ok(browser.get("/board"))

    patient_feed = desk.create(f"/api/v1/patients/{patient['id']}/feed-tokens", {"label": "phone"})
    clinic_feed = admin.create(f"{path}/feed-tokens", {"label": "front desk"})
    for name, feed in (("patient feed", patient_feed), ("clinic feed", clinic_feed)):
        secrets.add(f"{name} secret", feed["url"].rsplit("/", 1)[-1].removesuffix(".ics"))
    patient_url = base + urllib.parse.urlsplit(patient_feed["url"]).path
    status, headers = fetch(patient_url)
    assert status == 200
    assert fetch(patient_url, {"If-None-Match": headers["ETag"]})[0] == 304
    assert fetch(base + urllib.parse.urlsplit(clinic_feed["url"]).path)[0] == 200
    ok(call(base, "DELETE", f"/api/v1/feed-tokens/{patient_feed['id']}", desk.token), 204)
    assert fetch(patient_url)[0] == 404
    return clinic["id"]  # type: ignore[no-any-return]


def deliver_reminders(env: dict[str, str], desk: FrontDesk, clinic_id: int, folder: Path) -> str:
    """Run `flask scheduler run` until every reminder of the clinic is sent; return its stdout and stderr."""
    with Processes(env, folder) as started:
        scheduler = started.scheduler("scheduler")
        scheduler.wait_to_say(LEADING)
        rows: list[dict[str, Any]] = []

        def all_sent() -> bool:
            rows[:] = outbox(desk, clinic_id)
            return len(rows) == 2 * SESSIONS and all(row["status"] == "sent" for row in rows)

        wait_until(all_sent, 60, lambda: f"{rows}\n{started.logs()}")
    return started.logs() + "\n" + scheduler.output()


SERVERS = {"flask run (sqlite)": dev_server, "gunicorn (postgresql)": gunicorn}


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")  # loopback test relay
@pytest.mark.parametrize("server", sorted(SERVERS))
def test_the_logs_of_a_day_at_the_clinic_hold_no_secret_and_no_patient_contact(server: str, tmp_path: Path) -> None:
    secrets = fixed_secrets()
    server_log = tmp_path / "server.log"
    scratch = scratch_sqlite_url(tmp_path) if server.startswith("flask") else scratch_postgres()
    with PasswordMailServer() as mail, SmsGateway(SMS_SECRET) as sms, scratch as url:
        settings = delivery_settings(mail, sms)
        with SERVERS[server](url, server_log, settings) as (base, env):
            tokens = staff(url, secrets)
            clinic_id = a_day_at_the_clinic(base, tokens, secrets)
            delivered = deliver_reminders(
                {**scheduler_env(env, mail), **settings}, FrontDesk(base, tokens["admin"]), clinic_id, tmp_path
            )
        served = server_log.read_text(errors="replace")

    assert len(mail.received()) == SESSIONS and len(sms.messages) == SESSIONS  # the passwords were used
    assert "POST /api/v1/series" in served and "GET /feeds/" in served, served[-3000:]  # requests were logged
    assert "/patients/results?q=" in served and "/api/v1/patients?q=" in served, served[-3000:]
    assert "after 1 attempt" in delivered, delivered[-3000:]
    in_server_log, in_scheduler_log = secrets.found_in(served), secrets.found_in(delivered)
    assert not in_server_log, f"the server's log holds: {in_server_log}"
    assert not in_scheduler_log, f"the scheduler's log holds: {in_scheduler_log}"


@contextmanager
def scratch_sqlite_url(folder: Path) -> Iterator[str]:
    yield f"sqlite:///{folder / 'logs.sqlite3'}"


@pytest.mark.parametrize(
    ("logged", "kept"),
    [
        ('"GET /feeds/AbC-12_x.ics HTTP/1.1" 200', '"GET /feeds/[redacted].ics HTTP/1.1" 200'),
        ('"GET /feeds/AbC-12_x HTTP/1.1" 404', '"GET /feeds/[redacted] HTTP/1.1" 404'),
        ("Exception on /feeds/AbC-12_x.ics [GET]", "Exception on /feeds/[redacted].ics [GET]"),
        (
            '"GET /api/v1/patients?q=ann@x.org&page=2 HTTP/1.1" 200',
            '"GET /api/v1/patients?q=[redacted]&page=[redacted] ',
        ),
        ('"-" "http://h/patients/results?q=Quax" "Mozilla"', '"-" "http://h/patients/results?q=[redacted]" "Mozilla"'),
        ("Authorization: Bearer abc.def", "Authorization: Bearer [redacted]"),
        ('"POST /api/v1/series HTTP/1.1" 201 -', '"POST /api/v1/series HTTP/1.1" 201 -'),
    ],
)
def test_a_request_line_keeps_its_shape_but_loses_its_secrets(logged: str, kept: str) -> None:
    assert redact(logged).startswith(kept)


def test_the_secret_search_finds_a_planted_value() -> None:
    """The check itself can fail: a value anywhere in the text, in any case, is found and named."""
    secrets = fixed_secrets()

    assert "API patient's e-mail" in secrets.found_in(f"sending to {PATIENT['email'].upper()} now")
    assert secrets.found_in("call +1 281 555 0147 or 7135550199") == [
        "API patient's phone digits",
        "page patient's phone",
    ]
    assert secrets.found_in("outbox 7 (reminder, sms): sent after 1 attempt(s)") == []
