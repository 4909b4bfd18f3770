"""The flask commands an administrator runs: users, tokens, demo data."""

from __future__ import annotations

from sqlalchemy import func, select

from scheduler_service.adapters import orm
from scheduler_service.extensions import db

from ..invariants import capacity_breaches, chair_overlaps


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_user_is_created_with_a_password_shown_once_and_stored_hashed(app):
    result = app.test_cli_runner().invoke(args=["users", "create", "Nurse@Clinic.test", "--role", "clinician"])

    assert result.exit_code == 0, result.output
    password = result.output.split("password: ")[1].strip()
    user = db.session.scalar(select(orm.User).where(orm.User.email == "nurse@clinic.test"))
    assert user.role == "clinician"
    assert password not in user.password_hash
    assert user.password_hash.startswith("scrypt:")


def test_a_token_from_the_cli_opens_the_api(app, client):
    runner = app.test_cli_runner()
    runner.invoke(args=["users", "create", "admin@clinic.test", "--role", "admin"])

    token = runner.invoke(args=["tokens", "create", "admin@clinic.test"]).output.strip()

    assert client.get("/api/v1/clinics", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert db.session.scalar(select(orm.ApiToken.token_hash)) != token


def test_a_token_for_an_unknown_user_is_refused(app):
    result = app.test_cli_runner().invoke(args=["tokens", "create", "nobody@clinic.test"])

    assert result.exit_code != 0
    assert "does not exist" in result.output


def test_tokens_are_listed_without_their_secret_and_one_can_be_revoked(app, client):
    runner = app.test_cli_runner()
    runner.invoke(args=["users", "create", "admin@clinic.test", "--role", "admin"])
    kept = runner.invoke(args=["tokens", "create", "admin@clinic.test", "--label", "laptop"]).output.strip()
    lost = runner.invoke(args=["tokens", "create", "admin@clinic.test", "--label", "stolen phone"]).output.strip()
    lost_id = db.session.scalar(select(orm.ApiToken.id).where(orm.ApiToken.label == "stolen phone"))

    revoked = runner.invoke(args=["tokens", "revoke", str(lost_id)])
    listing = runner.invoke(args=["tokens", "list", "admin@clinic.test"]).output

    assert revoked.exit_code == 0, revoked.output
    assert (
        "laptop" in listing and "live" in listing and f"{lost_id}\tstolen phone" in listing and "revoked 20" in listing
    )
    assert kept not in listing and lost not in listing
    assert client.get("/api/v1/clinics", headers={"Authorization": f"Bearer {lost}"}).status_code == 401
    assert client.get("/api/v1/clinics", headers={"Authorization": f"Bearer {kept}"}).status_code == 200


def test_a_deactivated_user_loses_every_token_and_the_change_is_audited(app, client):
    runner = app.test_cli_runner()
    runner.invoke(args=["users", "create", "leaver@clinic.test", "--role", "front_desk"])
    tokens = [runner.invoke(args=["tokens", "create", "leaver@clinic.test"]).output.strip() for _ in range(2)]

    result = runner.invoke(args=["users", "deactivate", "leaver@clinic.test"])

    assert result.exit_code == 0, result.output
    assert "2 API token(s) revoked" in result.output
    for token in tokens:
        assert client.get("/api/v1/clinics", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    record = db.session.scalar(select(orm.AuditRecord).where(orm.AuditRecord.action == "deactivate"))
    assert record.actor == "cli" and record.entity == "user"


def test_deactivating_or_revoking_what_does_not_exist_says_so(app):
    runner = app.test_cli_runner()

    for args in (["users", "deactivate", "nobody@clinic.test"], ["tokens", "revoke", "999"]):
        result = runner.invoke(args=args)
        assert result.exit_code != 0
        assert "does not exist" in result.output


def test_a_user_with_an_unknown_role_is_refused(app):
    result = app.test_cli_runner().invoke(args=["users", "create", "x@clinic.test", "--role", "janitor"])

    assert result.exit_code != 0
    assert _count(orm.User) == 0


def test_demo_seed_builds_a_houston_clinic_and_is_idempotent(app, client):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "seed"])
    counts = {model.__name__: _count(model) for model in (orm.Clinic, orm.Chair, orm.Patient, orm.User, orm.Series)}

    second = runner.invoke(args=["demo", "seed"])

    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert counts == {"Clinic": 1, "Chair": 6, "Patient": 4, "User": 3, "Series": 4}
    assert {
        model.__name__: _count(model) for model in (orm.Clinic, orm.Chair, orm.Patient, orm.User, orm.Series)
    } == counts
    assert capacity_breaches(db.engine) == [] and chair_overlaps(db.engine) == []
    assert "already present" in second.output
    clinic = db.session.scalar(select(orm.Clinic))
    assert (clinic.timezone, clinic.opening_hours["mon"], clinic.opening_hours["sat"]) == (
        "America/Chicago",
        [["08:00", "17:00"]],
        [],
    )


def test_after_demo_seed_a_cli_token_lists_the_demo_clinic_and_the_builtin_protocols(app, client):
    runner = app.test_cli_runner()
    runner.invoke(args=["demo", "seed"])
    token = runner.invoke(args=["tokens", "create", "frontdesk@example.org"]).output.strip()
    headers = {"Authorization": f"Bearer {token}"}

    clinics = client.get("/api/v1/clinics", headers=headers).get_json()
    protocols = client.get("/api/v1/protocols", headers=headers).get_json()

    assert [c["name"] for c in clinics] == ["Bayou City Ketamine Clinic"]
    assert {p["key"] for p in protocols} >= {"iv-ketamine-depression", "spravato-trd", "iv-ketamine-pain", "consult"}
