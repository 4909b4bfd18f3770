"""Schedule quality: the service's online planner against the offline optimum (OR-Tools CP-SAT) on one quarter.

    .venv/bin/python benchmarks/quality.py --clinics 1 --chairs 6 --weeks 13 --seed 1

A quarter of requests (quality_arrivals.py) is played through the service layer on an SQLite file:
each request is booked at its arrival by the service's planner (quality_simulation.py). The same
requests are then scheduled all at once by CP-SAT (quality_model.py), and that schedule is booked
through the service too, so the service's own checks accept it and both are measured by the same
code (quality_metrics.py). Needs the benchmark extra: pip install -e '.[bench]'.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FIRST_DAY = date(2027, 1, 4)  # a Monday; the quarter crosses MLK Day, Presidents' Day and the March DST change
ZONE = ZoneInfo("America/Chicago")
FIGURE = Path(__file__).resolve().parent / "figures" / "quality-occupancy.png"
LONGEST_COURSE_DAYS = 70  # Spravato's 12 sessions span at most 27 + 4 x 9 = 63 days, plus a holiday's slack


def missing_bench_extra() -> str | None:
    try:
        import matplotlib  # noqa: F401
        import ortools  # noqa: F401
    except ImportError as error:
        return f"{error.name} is missing: quality.py needs the benchmark extra, pip install -e '.[bench]'"
    return None


def quarter_arguments(parser: argparse.ArgumentParser) -> None:
    """The clinic and the requests of a quarter, shared by quality.py and quality_rolling.py."""
    parser.add_argument("--chairs", type=int, default=6, help="treatment chairs (IV and Spravato); plus 1 consult room")
    parser.add_argument("--weeks", type=int, default=13, help="weeks of arrivals")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rate", type=float, default=4.0, help="requests per weekday (Poisson)")
    parser.add_argument(
        "--patience-days", type=int, default=14, help="a patient goes elsewhere if asked to wait longer"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clinics", type=int, default=1, help="clinics simulated (only 1 is supported)")
    quarter_arguments(parser)
    parser.add_argument(
        "--time-limit", type=float, default=640, help="CP-SAT seconds: a quarter for phase 1, the rest for phase 2"
    )
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT search workers")
    parser.add_argument("--figure", type=Path, default=FIGURE)
    args = parser.parse_args()
    if (problem := missing_bench_extra()) is not None:
        print(problem, file=sys.stderr)
        return 2
    if args.clinics != 1:
        parser.error("--clinics: only one clinic is simulated (the model has no travel between clinics)")
    from quality_run import run

    started = time.perf_counter()
    report = run(
        args, FIRST_DAY, ZONE, FIRST_DAY + timedelta(weeks=args.weeks, days=args.patience_days + LONGEST_COURSE_DAYS)
    )
    print(report)
    print(f"# {time.perf_counter() - started:.0f} s in all", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
