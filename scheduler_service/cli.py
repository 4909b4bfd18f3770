"""`flask` commands: staff users, API tokens, demo data, the reminder scheduler."""

from __future__ import annotations

import logging
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from .adapters.clock import SystemClock
from .domain.errors import DomainError
from .services import accounts, demo
from .services.unit_of_work import UnitOfWork

users = AppGroup("users", help="Staff accounts.")
tokens = AppGroup("tokens", help="API tokens.")
demo_group = AppGroup("demo", help="Demo data.")
scheduler = AppGroup("scheduler", help="The reminder scheduler: one process beside the web workers.")


def _fail(error: DomainError) -> None:
    raise click.ClickException(error.message)


@users.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(accounts.ROLES), required=True)
def create_user(email: str, role: str) -> None:
    """Create a staff account and print its password once."""
    try:
        with UnitOfWork("cli") as uow:
            _, password = accounts.create_user(uow, email, role)
    except DomainError as error:
        _fail(error)
    click.echo(f"created {role} {email.strip().lower()}")
    click.echo(f"password: {password}")


@tokens.command("create")
@click.argument("email")
@click.option("--label", default="cli", help="What the token is for.")
def create_token(email: str, label: str) -> None:
    """Create an API token for a user and print it once."""
    try:
        with UnitOfWork("cli") as uow:
            secret = accounts.create_token(uow, email, label)
    except DomainError as error:
        _fail(error)
    click.echo(secret)


@users.command("deactivate")
@click.argument("email")
def deactivate_user(email: str) -> None:
    """Shut a person out at once: password, page sessions and API tokens."""
    try:
        with UnitOfWork("cli") as uow:
            revoked = accounts.deactivate_user(uow, email)
    except DomainError as error:
        _fail(error)
    click.echo(f"deactivated {email.strip().lower()}; {revoked} API token(s) revoked")


@tokens.command("list")
@click.argument("email")
def list_tokens(email: str) -> None:
    """A user's API tokens: id, label, created, revoked (never the secret; it is not kept)."""
    try:
        with UnitOfWork("cli") as uow:
            for token in accounts.tokens_of(uow, email):
                revoked = f"revoked {token.revoked_at:%Y-%m-%d %H:%M}Z" if token.revoked_at else "live"
                click.echo(f"{token.id}\t{token.label}\tcreated {token.created_at:%Y-%m-%d %H:%M}Z\t{revoked}")
    except DomainError as error:
        _fail(error)


@tokens.command("revoke")
@click.argument("token_id", type=int)
def revoke_token(token_id: int) -> None:
    """Revoke one API token by its id (see `tokens list`)."""
    try:
        with UnitOfWork("cli") as uow:
            accounts.revoke_token(uow, token_id)
    except DomainError as error:
        _fail(error)
    click.echo(f"revoked token {token_id}")


@demo_group.command("seed")
def seed() -> None:
    """Load a demo clinic (America/Chicago, Mon-Fri 8-5, six chairs, staffing) and a few patients."""
    with UnitOfWork("demo-seed") as uow:
        summary = demo.seed(uow, SystemClock().now())
        new_users = demo.seed_users(uow)
    click.echo(summary)
    for email, role, password in new_users:
        click.echo(f"demo {role}: {email}  password: {password}  (shown once)")
    if not new_users:
        click.echo("demo users exist already (their passwords were shown when they were created)")
    click.echo("API token for a user:  .venv/bin/flask --app wsgi tokens create admin@example.org")
    click.echo("then:  curl -H 'Authorization: Bearer <token>' http://127.0.0.1:5000/api/v1/clinics")


@scheduler.command("run")
def run_scheduler() -> None:
    """Run the jobs (reminders, maintenance, boards, purge); a second process waits as a standby."""
    from .reminders.process import run_scheduler as run

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(process)d %(name)s %(levelname)s %(message)s")
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)  # not a line per run every 30 s
    sys.exit(run(current_app._get_current_object()))  # type: ignore[attr-defined]


@scheduler.command("dispatch")
def dispatch_once() -> None:
    """Send what is due now, once, and say what became of it (for a cron job or an operator)."""
    from .reminders.dispatch import Delivery, dispatch_due

    outcomes = dispatch_due(Delivery.from_config(current_app.config), SystemClock().now)
    click.echo(", ".join(f"{n} {outcome}" for outcome, n in sorted(outcomes.items())) or "nothing was due")


def register(app: Flask) -> None:
    for group in (users, tokens, demo_group, scheduler):
        app.cli.add_command(group)
