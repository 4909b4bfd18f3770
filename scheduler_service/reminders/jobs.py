"""The scheduler's jobs. The job store keeps them as "module:function" text with no arguments,
never pickled objects; each job finds the app the scheduler process bound here and reads the rest
(ids, rows) from the database when it runs.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from ..adapters.clock import app_clock
from ..services.front_desk_mail import queue_boards
from ..services.maintenance import extend_all
from ..services.outbox import purge_outbox
from ..services.unit_of_work import UnitOfWork
from .dispatch import Delivery, dispatch_due

_app: Flask | None = None


def bind(app: Flask) -> None:
    global _app
    _app = app


def _bound() -> Flask:
    if _app is None:
        raise RuntimeError("the scheduler's jobs run only inside `flask scheduler run`")
    return _app


def dispatch_reminders() -> None:
    app = _bound()
    with app.app_context():
        dispatch_due(Delivery.from_config(app.config), app_clock().now)


def extend_maintenance() -> None:
    with _bound().app_context(), UnitOfWork("scheduler") as uow:
        extend_all(uow, app_clock().now())


def queue_front_desk_boards() -> None:
    with _bound().app_context(), UnitOfWork("scheduler") as uow:
        queue_boards(uow, app_clock().now())


def purge_old_outbox_rows() -> None:
    app = _bound()
    with app.app_context(), UnitOfWork("scheduler") as uow:
        purge_outbox(uow, app_clock().now() - timedelta(days=app.config["OUTBOX_RETENTION_DAYS"]))
