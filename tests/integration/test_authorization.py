"""Who may call what: the 401/403 matrix of callers x /api/v1 endpoints.

The endpoints come from the app's own routing table (app.url_map); ROLES_ALLOWED (in endpoint_table.py, beside a
valid request per endpoint) says, for every (method, rule), which roles are served. A new endpoint without a row there
fails test_every_api_endpoint_has_a_row_in_the_roles_table, so nobody can add one without deciding who may call it.
HEAD shares the row of GET (it is GET without the body); OPTIONS, the CORS pre-flight, needs no token.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from scheduler_service.adapters import orm
from scheduler_service.adapters.clock import FixedClock
from scheduler_service.adapters.secrets import hash_secret
from scheduler_service.services import accounts
from scheduler_service.services.unit_of_work import UnitOfWork

from .endpoint_table import ROLES, ROLES_ALLOWED, Scene, api_endpoints, build_scene, call, stored_rows

ANONYMOUS_CALLERS = ("no token", "bad token", "revoked token")

# HEAD is GET without the body, so it is allowed exactly where GET is; OPTIONS (CORS pre-flight) needs no token.
GET_RULES = sorted(rule for method, rule in ROLES_ALLOWED if method == "GET")


@pytest.fixture()
def scene(client: FlaskClient, auth: dict[str, dict[str, str]], clock: FixedClock) -> Scene:
    return build_scene(client, auth, clock)


def assert_error_body(response: Any, status: int) -> None:
    """flask-smorest's error body: {"code", "status", "message", "errors"?}, nothing else."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert isinstance(body, dict)
    assert set(body) <= {"code", "status", "message", "errors"}, body
    assert body["code"] == status
    assert body["status"] == HTTPStatus(status).phrase
    assert isinstance(body["message"], str) and body["message"].strip()
    assert isinstance(body.get("errors", {}), dict)


ROWS = sorted(ROLES_ALLOWED)


def _row_id(row: tuple[str, str]) -> str:
    return f"{row[0]} {row[1]}"


def test_every_api_endpoint_has_a_row_in_the_roles_table(app: Flask) -> None:
    registered = api_endpoints(app)
    without_row = sorted(
        (method, rule)
        for method, rule in registered
        if (method, rule) not in ROLES_ALLOWED and not (method == "HEAD" and ("GET", rule) in ROLES_ALLOWED)
    )
    assert not without_row, f"endpoints nobody decided the roles of; add them to ROLES_ALLOWED: {without_row}"


def test_every_row_of_the_roles_table_is_a_registered_endpoint(app: Flask) -> None:
    stale = sorted(set(ROLES_ALLOWED) - api_endpoints(app))
    assert not stale, f"ROLES_ALLOWED names endpoints the app does not have: {stale}"


@pytest.mark.parametrize("row", ROWS, ids=_row_id)
def test_callers_without_a_valid_token_are_refused_with_401_and_nothing_is_written(
    client: FlaskClient, scene: Scene, row: tuple[str, str]
) -> None:
    method, rule = row
    before = stored_rows()

    for caller in ANONYMOUS_CALLERS:
        response = call(client, scene, method, rule, caller)

        assert response.status_code == 401, f"{caller}: {response.status_code} {response.get_data(as_text=True)}"
        assert_error_body(response, 401)
        assert response.headers.get("WWW-Authenticate", "").lower().startswith("bearer"), (caller, response.headers)
    assert stored_rows() == before


@pytest.mark.parametrize("row", ROWS, ids=_row_id)
def test_each_role_is_served_where_the_table_allows_it_and_refused_with_403_elsewhere(
    client: FlaskClient, scene: Scene, row: tuple[str, str]
) -> None:
    method, rule = row
    for role in ROLES:  # admin last: its DELETE removes the object the others aim at
        scene.fresh_target(rule)
        before = stored_rows()

        response = call(client, scene, method, rule, role)

        if role in ROLES_ALLOWED[row]:
            assert response.status_code not in (401, 403), f"{role} refused: {response.get_json()}"
            assert 200 <= response.status_code < 300, f"{role}: {response.status_code} {response.get_json()}"
        else:
            assert response.status_code == 403, f"{role}: {response.status_code} {response.get_json()}"
            assert_error_body(response, 403)
            assert "WWW-Authenticate" not in response.headers
            assert stored_rows() == before, f"a refused {role} call wrote to the database"


@pytest.mark.parametrize("rule", GET_RULES)
def test_head_is_answered_like_get_for_every_caller(client: FlaskClient, scene: Scene, rule: str) -> None:
    answers = {}
    for caller in (*ANONYMOUS_CALLERS, *ROLES):
        get = client.get(scene.path(rule), headers=scene.headers[caller])
        head = client.head(scene.path(rule), headers=scene.headers[caller])
        answers[caller] = (get.status_code, head.status_code)
    assert all(get == head for get, head in answers.values()), f"(GET, HEAD) status per caller: {answers}"


def test_a_token_that_worked_stops_working_once_revoked(client: FlaskClient, auth: dict[str, dict[str, str]]) -> None:
    with UnitOfWork("test") as uow:
        secret = accounts.create_token(uow, "front_desk@clinic.test", label="laptop")
        token_id = uow.session.scalar(select(orm.ApiToken.id).where(orm.ApiToken.token_hash == hash_secret(secret)))
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/patients", headers=headers).status_code == 200

    with UnitOfWork("test") as uow:
        accounts.revoke_token(uow, token_id)

    assert_error_body(client.get("/api/v1/patients", headers=headers), 401)


def test_the_token_of_a_deactivated_user_is_refused(client: FlaskClient, auth: dict[str, dict[str, str]]) -> None:
    with UnitOfWork("test") as uow:
        user = uow.session.scalar(select(orm.User).where(orm.User.email == "admin@clinic.test"))
        user.active = False
        uow.commit()

    response = client.get("/api/v1/clinics", headers=auth["admin"])

    assert_error_body(response, 401)
    assert "WWW-Authenticate" in response.headers


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param("Bearer", id="the word Bearer alone"),
        pytest.param("Bearer    ", id="Bearer and blanks"),
        pytest.param("Basic YWRtaW46cGFzc3dvcmQ=", id="HTTP Basic"),
        pytest.param("{secret}", id="the secret without the Bearer scheme"),
        pytest.param("Token {secret}", id="the secret under another scheme"),
    ],
)
def test_a_malformed_authorization_header_is_refused_with_401(
    client: FlaskClient, auth: dict[str, dict[str, str]], authorization: str
) -> None:
    secret = auth["admin"]["Authorization"].removeprefix("Bearer ")

    response = client.get("/api/v1/clinics", headers={"Authorization": authorization.format(secret=secret)})

    assert_error_body(response, 401)
    assert response.headers.get("WWW-Authenticate", "").lower().startswith("bearer")


@pytest.mark.parametrize(
    "path", ["/healthz", "/api/v1/openapi.json", "/api/v1/docs", "/api/v1/docs-assets/swagger-ui.css"]
)
def test_the_health_check_and_the_api_docs_need_no_token(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("rule", sorted({rule for _, rule in ROWS}))
def test_a_cors_preflight_needs_no_token_and_returns_no_data(client: FlaskClient, scene: Scene, rule: str) -> None:
    response = client.options(scene.path(rule))

    assert response.status_code == 200
    assert response.get_data() == b""
    assert "Allow" in response.headers
