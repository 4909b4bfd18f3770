"""Who may open which front-desk page: every page route x (nobody, each role, a deactivated account).

The routes come from app.url_map; PAGE_ROLES says who is served. A new page without a row fails
test_every_page_has_a_row, so nobody adds a page without deciding who may open it. The API's own
matrix (bearer tokens, revoked tokens) is test_authorization.py.
"""

from __future__ import annotations

import re

import pytest

from scheduler_service.services import accounts
from scheduler_service.services.unit_of_work import UnitOfWork

from .test_web_session import csrf_of, log_in

ADMIN = frozenset({"admin"})
FRONT_DESK = frozenset({"admin", "front_desk"})
STAFF = frozenset({"admin", "front_desk", "clinician"})
PUBLIC = None  # the log-in page, log-out and the front door

PAGE_ROLES: dict[tuple[str, str], frozenset[str] | None] = {
    ("GET", "/"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): PUBLIC,
    ("GET", "/board"): STAFF,
    ("GET", "/patients"): STAFF,
    ("GET", "/patients/results"): STAFF,
    ("GET", "/patients/<int:patient_id>"): STAFF,
    ("POST", "/patients/<int:patient_id>"): FRONT_DESK,
    ("GET", "/patients/new"): FRONT_DESK,
    ("POST", "/patients/new"): FRONT_DESK,
    ("POST", "/patients/<int:patient_id>/feed-links"): FRONT_DESK,
    ("POST", "/patients/<int:patient_id>/feed-links/<int:token_id>/revoke"): FRONT_DESK,
    ("GET", "/appointments/<int:appointment_id>"): STAFF,
    ("POST", "/appointments/<int:appointment_id>/visit"): STAFF,
    ("POST", "/appointments/<int:appointment_id>/cancel"): FRONT_DESK,
    ("POST", "/appointments/<int:appointment_id>/reschedule"): FRONT_DESK,
    ("GET", "/series/<int:series_id>"): STAFF,
    ("POST", "/series/<int:series_id>/cancel"): FRONT_DESK,
    ("GET", "/book"): FRONT_DESK,
    ("GET", "/book/proposals"): FRONT_DESK,
    ("POST", "/book/confirm"): FRONT_DESK,
    ("GET", "/book/booked/<int:series_id>"): FRONT_DESK,
    ("GET", "/admin/"): ADMIN,
    ("GET", "/admin/protocols"): ADMIN,
    **{
        (method, f"/admin/{path}"): ADMIN
        for method in ("GET", "POST")
        for path in (
            "clinics/new",
            "clinics/<int:clinic_id>",
            "clinics/<int:clinic_id>/hours",
            "clinics/<int:clinic_id>/chairs",
            "clinics/<int:clinic_id>/closures",
            "clinics/<int:clinic_id>/closures/<int:closure_id>/delete",
            "clinics/<int:clinic_id>/staffing",
            "clinics/<int:clinic_id>/reminders",
            "protocols/<int:protocol_id>",
        )
    },
}
GUARDED = sorted((method, rule) for (method, rule), roles in PAGE_ROLES.items() if roles is not PUBLIC)
CALLERS = ("nobody", "clinician", "front_desk", "admin", "deactivated admin")


def page_routes(app) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("web.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_page_has_a_row(app):
    routes = page_routes(app)

    assert routes - PAGE_ROLES.keys() == set(), "a page nobody decided the roles of"
    assert PAGE_ROLES.keys() - routes == set(), "a row for a page that no longer exists"


def concrete(rule: str) -> str:
    """The rule with every <int:name> filled in: 1 names the first clinic, protocol, patient and so on."""
    return re.sub(r"<int:\w+>", "1", rule)


def caller_client(client, caller):
    if caller == "nobody":
        return client
    role = "admin" if caller == "deactivated admin" else caller
    assert log_in(client, role).status_code == 302
    if caller == "deactivated admin":
        with UnitOfWork("test") as uow:
            accounts.deactivate_user(uow, "admin@clinic.test")
    return client


@pytest.mark.parametrize("caller", CALLERS)
def test_each_caller_is_served_or_refused_as_the_table_says(client, auth, houston, caller):
    """One caller per test, every page in turn (a log-in per page would cost a scrypt each)."""
    caller_client(client, caller)
    wrong = []
    for method, rule in GUARDED:
        csrf = csrf_of(client, "/login")  # the role check, not CSRF, must decide
        response = client.open(concrete(rule), method=method, data={"csrf_token": csrf} if method == "POST" else None)
        if not served_as_the_table_says(response, PAGE_ROLES[(method, rule)], caller):
            wrong.append(f"{method} {rule}: {response.status_code} {response.headers.get('Location', '')}")

    assert wrong == [], f"{caller} was served or refused against the table"


def served_as_the_table_says(response, allowed, caller) -> bool:
    to_login = response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    if caller in ("nobody", "deactivated admin"):
        return to_login
    if caller in allowed:
        return response.status_code not in (401, 403) and not to_login
    return response.status_code == 403


def test_a_deactivated_account_loses_its_open_session_and_cannot_log_in_again(client, auth):
    assert log_in(client, "front_desk").status_code == 302
    assert client.get("/board").status_code == 200

    with UnitOfWork("test") as uow:
        accounts.deactivate_user(uow, "front_desk@clinic.test")

    assert client.get("/board").status_code == 302
    assert log_in(client, "front_desk").status_code == 401


def test_a_role_changed_in_the_database_counts_on_the_next_page(client, auth, app):
    from scheduler_service.adapters import orm
    from scheduler_service.extensions import db

    log_in(client, "admin")
    assert client.get("/admin/").status_code == 200

    db.session.execute(
        orm.User.__table__.update().where(orm.User.email == "admin@clinic.test").values(role="clinician")
    )
    db.session.commit()

    assert client.get("/admin/").status_code == 403
