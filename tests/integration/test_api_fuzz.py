"""Property-based fuzzing of every /api/v1 operation with schemathesis, against the service's own OpenAPI document.

For each documented operation and each role (admin, front_desk, clinician), schemathesis generates valid and invalid
requests from the OpenAPI document; path, query and body ids often point at real rows of a small clinic (see
fuzz_scene.py) so that handlers get past their 404. Every answer must: never be a 5xx; carry a status the operation
documents (401, 403 and, with an id in the path, 404 are answered by any operation and need no entry); match the
documented schema and content type; and, for every 4xx, carry API.md's error body {code, status, message, errors?}.

The scene is built once per database (the suite's `app` fixture empties the tables for every test, which would
throw away the rows between examples). Examples per operation and role: FUZZ_EXAMPLES (default 10); a longer run is
`FUZZ_EXAMPLES=500 pytest tests/integration/test_api_fuzz.py`.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import hypothesis_jsonschema._from_schema as jsonschema_strategies
import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.internal.conjecture import utils as conjecture_utils
from schemathesis import DataGenerationMethod
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance
from schemathesis.specs.openapi.checks import status_code_conformance
from schemathesis.types import NotSet

from config import TestConfig
from scheduler_service import create_app
from scheduler_service.adapters.clock import FixedClock, SystemClock
from scheduler_service.extensions import db
from scheduler_service.services import accounts, protocols
from scheduler_service.services.unit_of_work import UnitOfWork

from .conftest import _empty_tables
from .fuzz_scene import Scene, build_scene
from .scenes import staff_tokens

# schemathesis 3 still uses jsonschema's deprecated RefResolver; that is no finding of this service.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
ROLES = sorted(accounts.ROLES)
CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance)
ALWAYS_POSSIBLE = {401, 403}  # the authentication hook answers these for any operation
ERROR_KEYS = {"code", "status", "message", "errors"}
# Query and body fields that name a row; they often take one of the scene's ids.
ID_FIELDS = {"clinic_id", "patient_id", "series_id", "appointment_id", "chair_id", "protocol_id"}


class _OldStyleMany:
    """`many(...).more()`, as hypothesis-jsonschema 0.23 calls it, on top of newer hypothesis' context-manager `many`.

    Newer hypothesis (6.170 here) replaced `more()` with `with many(...) as elements: for _ in elements:`;
    hypothesis-jsonschema (which schemathesis 3 uses for every JSON object) still calls `more()`: AttributeError.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._many = conjecture_utils.many(*args, **kwargs)
        self._elements = iter(self._many.__enter__())

    def more(self) -> bool:
        if next(self._elements, False) is None:
            return True
        self._many.__exit__(None, None, None)
        return False

    def reject(self, why: str | None = None) -> None:
        self._many.reject(why)


if not hasattr(conjecture_utils.many, "more"):
    jsonschema_strategies.cu = SimpleNamespace(**{**vars(conjecture_utils), "many": _OldStyleMany})


def _openapi() -> dict[str, Any]:
    """The OpenAPI document, from an app that is never connected to a database (collection time)."""
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(TestConfig(f"sqlite:///{folder}/spec.sqlite3"))
        return app.test_client().get("/api/v1/openapi.json").get_json()


SPEC = _openapi()
OPERATIONS = [
    (method.upper(), path)
    for path, item in SPEC["paths"].items()
    for method in item
    if method in {"get", "put", "post", "patch", "delete"}
]


@pytest.fixture(scope="module")
def fuzz(migrated_app: Flask, staff_password_hash: str) -> Iterator[tuple[schemathesis.BaseSchema, Scene]]:
    """The OpenAPI schema bound to the app, and a scene built once for this database."""
    db.session.remove()
    _empty_tables(migrated_app)
    with UnitOfWork("test") as uow:
        protocols.ensure_builtin_protocols(uow)
    migrated_app.extensions["clock"] = FixedClock(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    try:
        scene = build_scene(migrated_app.test_client(), staff_tokens(staff_password_hash, "fuzz.test"))
        schema = schemathesis.from_dict(SPEC, app=migrated_app, data_generation_methods=[DataGenerationMethod.positive])
        yield schema, scene
    finally:
        migrated_app.extensions["clock"] = SystemClock()
        db.session.remove()


def _id_or(scene: Scene, name: str, generated: Any) -> st.SearchStrategy[Any]:
    """Mostly a real id, sometimes what schemathesis made up."""
    return st.one_of(st.sampled_from(scene.ids[name]), st.just(generated))


def _point_at_real_rows(case: Any, scene: Scene, data: st.DataObject) -> None:
    for name, value in (case.path_parameters or {}).items():
        if name in scene.ids:
            case.path_parameters[name] = data.draw(_id_or(scene, name, value), label=name)
    for where in (case.query, case.body):
        if not isinstance(where, dict):
            continue
        for name, value in list(where.items()):
            if name in ID_FIELDS:
                where[name] = data.draw(_id_or(scene, name, value), label=name)
            elif name == "entity_id":
                every = sorted({i for ids in scene.ids.values() for i in ids})
                where[name] = data.draw(st.one_of(st.sampled_from(every), st.just(value)), label=name)
            elif name == "protocol_key":
                where[name] = data.draw(st.one_of(st.sampled_from(scene.protocol_keys), st.just(value)), label=name)


def _reproduction(case: Any, role: str, response: Any = None) -> str:
    sent = "" if isinstance(case.body, NotSet) else json.dumps(case.body, default=str)[:2000]
    request = f"\n  as {role}: {case.method} {case.formatted_path} query={case.query} body={sent}"
    if response is None:
        return request
    try:
        body: Any = response.get_json()
    except Exception:  # noqa: BLE001 - any undecodable body is shown as text
        body = None
    shown = json.dumps(body)[:2000] if body is not None else response.get_data(as_text=True)[:2000]
    return f"{request}\n  -> {response.status_code} {response.content_type} {shown}"


def _documented(operation: Any) -> set[int]:
    return {int(code) for code in operation.definition.raw.get("responses", {}) if code.isdigit()}


def _check_status_is_documented(case: Any, response: Any) -> None:
    allowed = _documented(case.operation) | ALWAYS_POSSIBLE
    if case.operation.path_parameters:
        allowed.add(404)  # an unknown id in the path
    assert response.status_code in allowed, (
        f"status {response.status_code} is not documented for {case.method} {case.path} (documented: {sorted(allowed)})"
    )


def _check_error_body(response: Any) -> None:
    if not 400 <= response.status_code < 500:
        return
    assert response.is_json, f"a {response.status_code} without a JSON error body"
    body = response.get_json()
    assert isinstance(body, dict) and set(body) <= ERROR_KEYS, f"not API.md's error body: {body}"
    assert body.get("code") == response.status_code, f"code {body.get('code')} != status {response.status_code}"
    assert isinstance(body.get("status"), str) and body["status"], f"no status name: {body}"
    assert isinstance(body.get("message"), str) and body["message"], f"no message: {body}"
    assert isinstance(body.get("errors", {}), dict), f"errors is not an object: {body}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_fuzzed_requests_are_answered_as_documented(
    fuzz: tuple[schemathesis.BaseSchema, Scene], method: str, path: str, role: str
) -> None:
    schema, scene = fuzz
    operation = schema[path][method]
    strategy = st.one_of(
        operation.as_strategy(data_generation_method=DataGenerationMethod.positive),
        operation.as_strategy(data_generation_method=DataGenerationMethod.negative),
    )

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy, data=st.data())
    def answered_as_documented(case: Any, data: st.DataObject) -> None:
        _point_at_real_rows(case, scene, data)
        try:
            response = case.call_wsgi(headers=scene.auth[role])
        except Exception as error:  # TESTING propagates what would be a 500
            db.session.remove()
            raise AssertionError(f"500: {error!r}{_reproduction(case, role)}") from error
        try:
            case.validate_response(response, checks=CHECKS)
            _check_status_is_documented(case, response)
            _check_error_body(response)
        except AssertionError as failure:
            raise AssertionError(f"{failure}{_reproduction(case, role, response)}") from None
        finally:
            db.session.remove()

    answered_as_documented()
