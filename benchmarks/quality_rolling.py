"""Re-planning without foresight: how near the offline optimum a desk gets by moving courses not yet started.

    .venv/bin/python benchmarks/quality_rolling.py --chairs 6 --weeks 13 --seed 1

The offline optimum (quality_model.py) knows the whole quarter's requests at once. This yardstick
knows only the requests made so far, but may re-plan freely: at each request and each cancellation,
CP-SAT plans the new request together with every booked course whose first session is after tomorrow
(the patient has not started and hears of a move a day ahead at least), each of those kept booked and
starting within the patient's patience. Objective: book the new course if it fits at all, then the
fewest days from request to first session, summed over the courses not yet started. Courses starting
today or tomorrow, or under way, stay as they are, and every session holds its chair until its
patient cancels, as at the desk. The same requests are played by the landed online desk
(quality_simulation.py) beside it.

It answers one question: could the optimum's shorter waits be had by re-planning courses already
booked (moving patients later than they were first told, a decision for the clinic), or only by knowing
the requests to come? Its figures are read from the plans, not booked through the service, since a
re-planned course would need a reschedule at every move; the final schedule, pinned into the offline
model with the stops as they happened, must be feasible there (the model keeps the service's rules,
which quality.py checks on every run).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from quality import FIRST_DAY, LONGEST_COURSE_DAYS, ZONE, missing_bench_extra, quarter_arguments  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    quarter_arguments(parser)
    parser.add_argument("--seconds", type=float, default=10, help="CP-SAT time limit of each re-plan")
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT search workers")
    args = parser.parse_args()
    if (problem := missing_bench_extra()) is not None:
        print(problem, file=sys.stderr)
        return 2
    from quality_arrivals import draw_arrivals
    from quality_clinic import ClinicSpec, clinic_calendar, clinic_database
    from quality_metrics import nearest_rank
    from quality_model import OfflineModel
    from quality_replanner import Replanner, play
    from quality_simulation import online_desk, simulate

    last = FIRST_DAY + timedelta(weeks=args.weeks, days=args.patience_days + LONGEST_COURSE_DAYS)
    arrivals = draw_arrivals(args.seed, FIRST_DAY, args.weeks, args.rate, ZONE)
    with clinic_database(ClinicSpec(args.chairs, FIRST_DAY)) as (_, clinic_id):
        calendar = clinic_calendar(clinic_id, FIRST_DAY - timedelta(days=1), last + timedelta(days=1))
        online = {o.arrival.number: o.starts for o in simulate(clinic_id, arrivals, online_desk(args.patience_days))}
    started = time.perf_counter()
    replanner = Replanner(calendar, arrivals, args.patience_days, FIRST_DAY, last, args.seconds, args.workers)
    play(replanner, arrivals)
    seconds = time.perf_counter() - started

    def row(label: str, plan: dict[int, list[datetime]]) -> str:
        waits = sorted(
            (starts[0].date() - replanner.arrivals[n].at.date()).days for n, starts in plan.items() if starts
        )
        return f"| {label} | {len(waits)} | {statistics.fmean(waits):.2f} | {nearest_rank(waits, 0.9):.0f} |"

    later = [(replanner.plan[n][0].date() - day).days for n, day in replanner.promised.items()]
    later = [days for days in later if days > 0]
    check = OfflineModel(calendar, arrivals, args.patience_days, FIRST_DAY, last)
    check.fix(replanner.plan)
    accepted, _ = check.solve(120, args.workers, "courses")
    print(
        f"seed={args.seed} chairs={args.chairs} weeks={args.weeks} rate={args.rate:g}/weekday "
        f"patience={args.patience_days} days seconds per re-plan={args.seconds:g} workers={args.workers}"
    )
    print("| desk | series booked in full | days to first session, mean | p90 |")
    print("|---|---|---|---|")
    print(row("online planner (landed)", {n: s for n, s in online.items() if s}))
    print(row("re-planning courses not started, no foresight (CP-SAT)", replanner.plan))
    print(f"re-plans: {replanner.solves}, solved to optimality: {replanner.optimal}, in {seconds:.0f} s")
    mean_later = statistics.fmean(later) if later else 0
    print(
        f"courses re-planned before they started: {len(replanner.moved)}; starting later than first told: "
        f"{len(later)}, by {mean_later:.1f} days on average, at most {max(later, default=0)}"
    )
    print(f"final schedule accepted by the offline model (stops as they happened): {accepted.status}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
