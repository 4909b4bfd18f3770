"""`flask scheduler run`: the one APScheduler process. Never started inside the WSGI workers.

APScheduler 3 cannot share a job store between processes (several would run every job), so a
process first becomes the leader (see leader.py) and only then starts its scheduler; a second one
waits as a hot standby. The dispatcher's row locks make a brief overlap harmless all the same.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import UTC, datetime

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask
from sqlalchemy.engine import Engine

from ..domain.timewindows import parse_clock
from ..extensions import db
from . import jobs
from .leader import LeaderLock, leader_lock

log = logging.getLogger(__name__)
JOBS = "scheduler_service.reminders.jobs:"
EXIT_LOST_LEAD = 3
EXIT_DEAD_THREAD = 4


def run_scheduler(app: Flask, stop: threading.Event | None = None) -> int:
    """Wait to lead, then run the jobs until stopped (0) or until the lead is lost (3: restart me)."""
    stop = stop or _stop_on_signals()
    poll = app.config["SCHEDULER_STANDBY_POLL_SECONDS"]
    with app.app_context():
        engine = db.engine
    lock = leader_lock(engine, app.config["SCHEDULER_LOCK_FILE"])
    if not _wait_to_lead(lock, stop, poll):
        return 0
    jobs.bind(app)
    scheduler = build_scheduler(engine, app.config)
    scheduler.start()
    log.info("leading: jobs %s", ", ".join(job.id for job in scheduler.get_jobs()))
    try:
        while not stop.wait(min(poll, 5.0)):
            if not lock.still_held():
                log.error("the leader lock is gone; stopping so that only one scheduler runs")
                return EXIT_LOST_LEAD
            if not _running(scheduler):
                log.error("the scheduler's thread has died; stopping so that a standby or a restart takes over")
                return EXIT_DEAD_THREAD
        return 0
    finally:
        scheduler.shutdown(wait=True)
        lock.release()


def _running(scheduler: BackgroundScheduler) -> bool:
    """APScheduler 3 lets an error of its own job store (say, a database timeout) end its thread silently;
    a leader that holds the lock but runs nothing would block every standby, so it must notice."""
    thread = getattr(scheduler, "_thread", None)
    return thread is None or thread.is_alive()


def _wait_to_lead(lock: LeaderLock, stop: threading.Event, poll: float) -> bool:
    if lock.try_acquire():
        return True
    log.info("another scheduler leads; waiting as a standby")
    while not stop.wait(poll):
        if lock.try_acquire():
            log.info("the leader is gone; taking over")
            return True
    return False


def build_scheduler(engine: Engine, config: dict) -> BackgroundScheduler:  # type: ignore[type-arg]
    """The jobs, by explicit id, replacing what an earlier leader stored.

    Every job is idempotent, so each runs once as soon as a process takes the lead: a daily run
    missed while no scheduler was up is made up at once. `coalesce` turns runs missed while this
    process was busy into one, and no grace limit lets a late run still happen.
    """
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename="apscheduler_jobs")},
        executors={"default": ThreadPoolExecutor(max_workers=2)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        timezone=UTC,
    )
    now = datetime.now(UTC)
    daily = parse_clock(config["SCHEDULER_DAILY_AT"], "SCHEDULER_DAILY_AT")
    every = {"trigger": "interval", "next_run_time": now, "replace_existing": True}
    each_day = {"trigger": "cron", "hour": daily.hour, "minute": daily.minute, "replace_existing": True}
    scheduler.add_job(
        JOBS + "dispatch_reminders", id="dispatch-reminders", seconds=config["DISPATCH_INTERVAL_SECONDS"], **every
    )
    scheduler.add_job(JOBS + "queue_front_desk_boards", id="front-desk-boards", minutes=15, **every)
    scheduler.add_job(JOBS + "extend_maintenance", id="extend-maintenance", next_run_time=now, **each_day)
    scheduler.add_job(JOBS + "purge_old_outbox_rows", id="purge-outbox", next_run_time=now, **each_day)
    return scheduler


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    return stop
