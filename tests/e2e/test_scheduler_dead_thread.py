"""A leader whose APScheduler thread has died exits with code 4, and a standby takes over.

APScheduler 3 lets an error of its job store end its thread without a word: `update_job()` after a run is
not guarded. A leader left like that would hold the lock and run nothing, blocking every standby, so
`flask scheduler run` watches the thread and exits (4, EXIT_DEAD_THREAD) for its supervisor to restart it.
This kills the thread for real: once the leader leads, a database trigger refuses every UPDATE of
`apscheduler_jobs`, so the next run's `update_job()` fails inside the thread.

The standby is frozen (SIGSTOP) while the trigger is in place: a standby taking over then would fail on its
own first update (`replace_existing`), and here the fault is the leader's alone, as a passing database
error would be. Once the trigger is dropped the standby is let go: it takes over and keeps running.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from scheduler_service.reminders.process import EXIT_DEAD_THREAD
from tests.integration.databases import scratch_postgres, scratch_sqlite
from tests.peers import MailServer

from .scheduler_processes import LEADING, STANDING_BY, TAKING_OVER, FlaskProcess, Processes, scheduler_env, wait_until
from .server import flask_command

REFUSAL = "refused by test"
REFUSE_UPDATES = {
    "sqlite": [
        "CREATE TRIGGER refuse_job_updates BEFORE UPDATE ON apscheduler_jobs "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse_job_updates() RETURNS trigger LANGUAGE plpgsql "
        f"AS $$ BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$",
        "CREATE TRIGGER refuse_job_updates BEFORE UPDATE ON apscheduler_jobs "
        "FOR EACH ROW EXECUTE FUNCTION refuse_job_updates()",
    ],
}
ACCEPT_UPDATES = {
    "sqlite": "DROP TRIGGER refuse_job_updates",
    "postgresql": "DROP TRIGGER refuse_job_updates ON apscheduler_jobs",
}


@pytest.mark.parametrize("database", ["postgresql", "sqlite"])
def test_a_leader_whose_scheduler_thread_died_exits_4_and_a_standby_takes_over(database: str, tmp_path: Path) -> None:
    scratch = scratch_sqlite(str(tmp_path)) if database == "sqlite" else scratch_postgres()
    with scratch as url, MailServer() as mail:
        env = scheduler_env({**os.environ, "DATABASE_URL": url, "SECRET_KEY": "e2e-secret"}, mail)
        flask_command(["db", "upgrade"], env)
        engine = create_engine(url)
        try:
            with Processes(env, tmp_path) as started:
                leader = started.scheduler("leader")
                leader.wait_to_say(LEADING)
                standby = started.scheduler("standby")
                standby.wait_to_say(STANDING_BY)

                with frozen(standby):
                    _execute(engine, *REFUSE_UPDATES[database])
                    wait_until(lambda: leader.process.poll() is not None, 60, started.logs)
                    _execute(engine, ACCEPT_UPDATES[database])

                assert leader.process.returncode == EXIT_DEAD_THREAD, started.logs()
                assert leader.says("the scheduler's thread has died"), leader.log()
                assert leader.says(REFUSAL), f"the thread died of something else:\n{leader.log()}"

                standby.wait_to_say(TAKING_OVER)
                standby.wait_to_say(LEADING)
                # Its thread stores the next run after each run: the very update that killed the leader's.
                stored = _next_dispatch(engine)
                wait_until(lambda: _next_dispatch(engine) != stored, 30, started.logs)
                time.sleep(3 * float(env["SCHEDULER_STANDBY_POLL_SECONDS"]))  # a few of its checks of the thread
                assert standby.process.poll() is None, started.logs()
                assert not standby.says("the scheduler's thread has died"), standby.log()
        finally:
            engine.dispose()


@contextmanager
def frozen(process: FlaskProcess) -> Iterator[None]:
    """SIGSTOP the process, SIGCONT it on leaving (whatever happened, so that it can still be stopped)."""
    os.kill(process.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(process.pid, signal.SIGCONT)


def _execute(engine: Engine, *statements: str) -> None:
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def _next_dispatch(engine: Engine) -> float:
    """When the job store says dispatch-reminders runs next (a UNIX time)."""
    with engine.connect() as connection:
        query = text("SELECT next_run_time FROM apscheduler_jobs WHERE id = 'dispatch-reminders'")
        return float(connection.execute(query).scalar_one())
