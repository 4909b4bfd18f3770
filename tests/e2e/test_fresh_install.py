"""A newcomer's first minutes: migrate, seed, serve, make a token, see the demo clinic over real HTTP."""

from __future__ import annotations

import json
import urllib.request

from .server import flask_command, running_service


def _get(url: str, token: str | None = None) -> tuple[int, object]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_seeded_service_serves_the_demo_clinic_to_a_cli_token(tmp_path):
    with running_service(f"sqlite:///{tmp_path / 'fresh.sqlite3'}") as (base, env):
        seeded = flask_command(["demo", "seed"], env)
        token = flask_command(["tokens", "create", "admin@example.org"], env).strip()

        health = _get(f"{base}/healthz")
        unauthenticated = _get(f"{base}/api/v1/clinics")
        clinics = _get(f"{base}/api/v1/clinics", token)
        protocols = _get(f"{base}/api/v1/protocols", token)

    assert "demo admin: admin@example.org" in seeded
    assert health == (200, {"status": "ok"})
    assert unauthenticated[0] == 401
    assert clinics[0] == 200 and [c["timezone"] for c in clinics[1]] == ["America/Chicago"]
    assert {p["key"] for p in protocols[1]} == {"iv-ketamine-depression", "spravato-trd", "iv-ketamine-pain", "consult"}
