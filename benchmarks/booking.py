"""Booking under load: gunicorn (sync workers) on PostgreSQL, N front desks in N processes booking for one clinic.

    .venv/bin/python benchmarks/booking.py --clients 1,8,32 --series 200 --workers 4

Each client size gets a fresh scratch PostgreSQL database (created on TEST_POSTGRES_URL's server and
dropped afterwards) unless --database-url is given, a fresh gunicorn, and one clinic (8 IV chairs, 3
nurses). Every client books its share of --series whole iv-ketamine-depression courses (6 induction +
3 maintenance visits), each for a new patient: ask for a proposal, book it; on 409 ask for a fresh
proposal and try again (up to --retries times). By default every course asks from the same first day
and books the proposed chairs, the worst case: all desks want the same first free places. Afterwards
the database itself is read: chair overlaps and capacity breaches must be 0, and every series must
hold exactly the visits it was booked with.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from report import markdown_table, percentiles  # noqa: E402 (beside this script)

from tests.e2e.gunicorn_server import (  # noqa: E402
    PROCESSES,
    ClientProcesses,
    booked_series,
    gunicorn_service,
    orphan_appointments,
    requested,
)
from tests.e2e.server import FrontDesk  # noqa: E402
from tests.integration.databases import scratch_database  # noqa: E402
from tests.invariants import capacity_breaches, chair_overlaps  # noqa: E402

ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@dataclass
class ClientLog:
    started: float
    finished: float
    booked: list[dict[str, Any]]  # the 201 answers
    conflicts: int
    gave_up: int
    no_plan: int  # the proposal was a 422: no course fits any more (the clinic is full for months)
    other: list[tuple[int, Any]]  # any other answer but 200/201/409: a failure of the service
    book_ms: list[float]
    propose_ms: list[float]
    series_ms: list[float]  # first proposal to 201, retries included


def book_courses(
    desk: FrontDesk, clinic_id: int, patients: list[tuple[int, str]], args: Any, start_line: Any
) -> ClientLog:
    log = ClientLog(0, 0, [], 0, 0, 0, [], [], [], [])
    start_line.wait(timeout=120)
    log.started = time.monotonic()
    for patient, first_day in patients:
        began = time.perf_counter()
        offered = None
        for _ in range(args.retries):
            if offered is None:
                t = time.perf_counter()
                status, answer = desk.propose(clinic_id, patient, first_day, args.maintenance)
                log.propose_ms.append((time.perf_counter() - t) * 1000)
                if status != 200:
                    if status == 422:
                        log.no_plan += 1
                    else:
                        log.other.append((status, answer))
                    break
                offered = answer["proposals"][0]["sessions"]
            if args.any_chair:
                offered = [{**session, "chair_id": None} for session in offered]
            t = time.perf_counter()
            status, answer = desk.book(clinic_id, patient, offered)
            log.book_ms.append((time.perf_counter() - t) * 1000)
            if status == 201:
                log.booked.append(answer)
                log.series_ms.append((time.perf_counter() - began) * 1000)
                break
            if status != 409:
                log.other.append((status, answer))
                break
            log.conflicts += 1
            next_proposal = answer["errors"].get("next_proposal") if args.retry_with == "offer" else None
            offered = next_proposal["sessions"] if next_proposal else None
        else:
            log.gave_up += 1
    log.finished = time.monotonic()
    return log


def run(clients: int, database_url: str, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    log_path = folder / f"gunicorn-{clients}.log"
    with gunicorn_service(database_url, workers=args.workers, log_path=log_path) as service:
        desk = FrontDesk(service.base, service.admin_token(f"bench-{uuid.uuid4().hex[:8]}@clinic.test"))
        clinic_id, _ = desk.clinic(chairs=args.chairs, nurses=args.nurses)
        shares = [args.series // clients + (1 if n < args.series % clients else 0) for n in range(clients)]
        first = date.fromisoformat(args.first_day)
        days = [(first + timedelta(days=k % (args.spread_days + 1))).isoformat() for k in range(args.series)]
        patients = [
            [(desk.patient(f"Desk {n} patient {k}"), days.pop()) for k in range(share)]
            for n, share in enumerate(shares)
        ]
        start_line = PROCESSES.Barrier(clients)
        logs: list[ClientLog] = ClientProcesses(
            book_courses, [(desk, clinic_id, mine, args, start_line) for mine in patients]
        ).collect(timeout=args.timeout)
    engine = create_engine(database_url)
    try:
        found = booked_series(engine, clinic_id)
        overlaps, breaches, orphans = chair_overlaps(engine), capacity_breaches(engine), orphan_appointments(engine)
    finally:
        engine.dispose()
    answers = [answer for log in logs for answer in log.booked]
    partial = sum(found.get(a["patient_id"]) != [(a["id"], requested(a["appointments"]))] for a in answers) + abs(
        sum(len(series) for series in found.values()) - len(answers)
    )
    attempts = sum(len(log.book_ms) for log in logs)
    conflicts = sum(log.conflicts for log in logs)
    wall = max(log.finished for log in logs) - min(log.started for log in logs)
    failures = [failure for log in logs for failure in log.other]
    if failures:
        print(f"service failures ({len(failures)}), e.g. {failures[0]}; log: {log_path}", file=sys.stderr)
    return {
        "clients": clients,
        "workers": args.workers,
        "booked": len(answers),
        "seconds": wall,
        "per_second": len(answers) / wall,
        "conflict_rate": conflicts / attempts if attempts else 0.0,
        "gave_up": sum(log.gave_up for log in logs),
        "no_plan": sum(log.no_plan for log in logs),
        "failed": len(failures),
        "book": percentiles([ms for log in logs for ms in log.book_ms]),
        "propose": percentiles([ms for log in logs for ms in log.propose_ms]),
        "series": percentiles([ms for log in logs for ms in log.series_ms]),
        "overlaps": len(overlaps),
        "breaches": len(breaches),
        "partial": partial + orphans,
    }


COLUMNS = [
    ("clients", "{clients}"),
    ("workers", "{workers}"),
    ("series booked", "{booked}"),
    ("series/s", "{per_second:.1f}"),
    ("409 rate", "{conflict_rate:.0%}"),
    ("gave up", "{gave_up}"),
    ("no plan", "{no_plan}"),
    ("5xx/other", "{failed}"),
    ("book p50 ms", "{book[0]:.0f}"),
    ("book p99 ms", "{book[1]:.0f}"),
    ("proposal p50 ms", "{propose[0]:.0f}"),
    ("proposal p99 ms", "{propose[1]:.0f}"),
    ("series p50 ms", "{series[0]:.0f}"),
    ("series p99 ms", "{series[1]:.0f}"),
    ("overlaps", "{overlaps}"),
    ("capacity breaches", "{breaches}"),
    ("partial", "{partial}"),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", default="8", help="client processes; a comma list runs each size: 1,8,32")
    parser.add_argument("--series", type=int, default=200, help="series to book per run, shared by the clients")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--database-url", help="default: a scratch PostgreSQL database per run, dropped afterwards")
    parser.add_argument("--admin-url", default=ADMIN_URL, help="PostgreSQL server for the scratch databases")
    parser.add_argument("--chairs", type=int, default=8)
    parser.add_argument("--nurses", type=int, default=3)
    parser.add_argument("--first-day", default="2027-01-04", help="courses ask from this day (a Monday) on")
    parser.add_argument(
        "--spread-days", type=int, default=0, help="course k asks from first day + k mod (D+1): 0 = all the same day"
    )
    parser.add_argument("--maintenance", type=int, default=3, help="maintenance visits after the 6 induction visits")
    parser.add_argument("--retries", type=int, default=20, help="booking attempts per course before giving up")
    parser.add_argument(
        "--retry-with",
        choices=("fresh", "offer"),
        default="fresh",
        help="after a 409: ask for a fresh proposal, or book the next proposal the 409 offers",
    )
    parser.add_argument(
        "--any-chair",
        action="store_true",
        help="book the proposed times with chair_id null: the server picks a free chair while it holds the lock",
    )
    parser.add_argument("--timeout", type=float, default=900, help="seconds a run may take")
    args = parser.parse_args()

    rows = []
    with tempfile.TemporaryDirectory(prefix="booking-bench-") as folder:
        for clients in [int(n) for n in args.clients.split(",")]:
            if args.database_url:
                rows.append(run(clients, args.database_url, args, Path(folder)))
            else:
                with scratch_database(args.admin_url, "booking_bench") as url:
                    rows.append(run(clients, url, args, Path(folder)))
            done = rows[-1]
            print(
                f"# {clients} clients: {done['booked']} series in {done['seconds']:.1f} s", file=sys.stderr, flush=True
            )
    print(markdown_table(COLUMNS, rows))
    broken = any(r["overlaps"] or r["breaches"] or r["partial"] or r["failed"] for r in rows)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
