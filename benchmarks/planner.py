"""Planner speed on a synthetic clinic holding a year of bookings.

    .venv/bin/python benchmarks/planner.py --chairs 8 --months 12 --utilization 0.8
    .venv/bin/python benchmarks/planner.py --sizes 2,4,8,16      # chairs per run: growth with bookings

Reports p50/p99 of (a) a full iv-ketamine-depression plan with 90 days of maintenance, (b) a
14-day availability query, and peak memory (tracemalloc). Each timed call builds a fresh
PlanningContext, as a request does. "cold" rebuilds the booking index from the whole year's
bookings on every call too (what a request that loads the whole calendar would pay); "warm"
reuses one index whose days fill as they are first asked about.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
import tracemalloc
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scheduler_service.domain.builtin_protocols import BUILTIN_PROTOCOLS  # noqa: E402
from scheduler_service.domain.clinic import DEFAULT_OPENING_HOURS, Chair, ClinicCalendar, OpeningHours, Staffing  # noqa: E402
from scheduler_service.domain.errors import NoPlan  # noqa: E402
from scheduler_service.domain.occupancy import Booking, Occupancy  # noqa: E402
from scheduler_service.domain.planner import plan_series  # noqa: E402
from scheduler_service.domain.planning_context import PlanningContext  # noqa: E402
from scheduler_service.domain.slots import free_starts  # noqa: E402

ZONE = ZoneInfo("America/Chicago")
FIRST_DAY = date(2027, 1, 4)
PROTOCOLS = {p.key: p for p in BUILTIN_PROTOCOLS}
MIX = [("iv-ketamine-depression", 0.6), ("spravato-trd", 0.25), ("iv-ketamine-pain", 0.15)]
HOLIDAYS_2027 = {
    date(2027, 1, 1): "New Year's Day",
    date(2027, 1, 18): "Martin Luther King Jr. Day",
    date(2027, 2, 15): "Washington's Birthday",
    date(2027, 5, 31): "Memorial Day",
    date(2027, 6, 18): "Juneteenth (observed)",
    date(2027, 7, 5): "Independence Day (observed)",
    date(2027, 9, 6): "Labor Day",
    date(2027, 10, 11): "Columbus Day",
    date(2027, 11, 11): "Veterans Day",
    date(2027, 11, 25): "Thanksgiving Day",
    date(2027, 12, 24): "Christmas Day (observed)",
    date(2027, 12, 31): "New Year's Day (observed)",
}


def synthetic_clinic(chairs: int) -> ClinicCalendar:
    hours = OpeningHours.parse(DEFAULT_OPENING_HOURS)
    nurses = math.ceil(chairs / 2.5)
    staffing = Staffing.parse({d: nurses for d in ("mon", "tue", "wed", "thu", "fri")}, 3, 1, hours=hours)
    seats = tuple(Chair(i, f"Chair {i}", frozenset({"iv", "spravato"})) for i in range(1, chairs + 1))
    return ClinicCalendar(ZONE, hours, seats, staffing, 15, 15, HOLIDAYS_2027)


def synthetic_bookings(calendar: ClinicCalendar, months: int, utilization: float) -> list[Booking]:
    """A year of bookings whose chair time (visits + turnover) is `utilization` of the open chair time."""
    low, high = utilization, 0.999
    for _ in range(12):  # day ends waste some time, so aim the idle gaps a little higher: bisect
        middle = (low + high) / 2
        bookings = _fill(calendar, months, middle)
        if chair_utilization(calendar, months, bookings) < utilization:
            low = middle
        else:
            high = middle
    return _fill(calendar, months, high)


def chair_utilization(calendar: ClinicCalendar, months: int, bookings: list[Booking]) -> float:
    days = calendar.days(FIRST_DAY, FIRST_DAY + timedelta(days=round(months * 30.44) - 1))
    open_minutes = sum((b - a).total_seconds() / 60 for d in days for a, b in calendar.open_intervals(d))
    used = sum((b.end - b.start).total_seconds() / 60 + calendar.turnover_minutes for b in bookings)
    return used / (open_minutes * len(calendar.chairs))


def _fill(calendar: ClinicCalendar, months: int, utilization: float, seed: int = 7) -> list[Booking]:
    """Fill each chair's day with visits of the protocol mix, idle gaps sized for `utilization`."""
    rng = random.Random(seed)
    keys, weights = zip(*MIX, strict=True)
    mean_visit = sum(PROTOCOLS[k].visit.total_minutes * w for k, w in MIX) + calendar.turnover_minutes
    mean_idle = mean_visit * (1 - utilization) / utilization
    shortest = min(PROTOCOLS[k].visit.total_minutes for k in keys)
    bookings: list[Booking] = []
    last = FIRST_DAY + timedelta(days=round(months * 30.44))
    for day in calendar.days(FIRST_DAY, last - timedelta(days=1)):
        for opens, closes in calendar.open_intervals(day):
            for chair in calendar.chairs:
                moment = opens + timedelta(minutes=15 * rng.randrange(4))  # staggered first starts
                while True:
                    visit = PROTOCOLS[rng.choices(keys, weights)[0]].visit.total_minutes
                    if moment + timedelta(minutes=visit) > closes:
                        visit = shortest  # the day's last visit: the shortest that still fits, as a desk would
                    end = moment + timedelta(minutes=visit)
                    if end > closes:
                        break
                    bookings.append(Booking(chair.id, moment, end, True))
                    idle = 15 * round(rng.expovariate(1 / mean_idle) / 15) if mean_idle else 0
                    moment = end + timedelta(minutes=calendar.turnover_minutes + idle)
    return bookings


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed(call, repeats: int) -> list[float]:  # type: ignore[no-untyped-def]
    samples = []
    for n in range(repeats):
        started = time.perf_counter()
        call(n)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def measure(chairs: int, months: int, utilization: float, repeats: int, alternatives: int = 0) -> dict[str, float]:
    calendar = synthetic_clinic(chairs)
    bookings = synthetic_bookings(calendar, months, utilization)
    started = time.perf_counter()
    index = Occupancy(calendar, bookings)
    build_ms = (time.perf_counter() - started) * 1000
    iv = PROTOCOLS["iv-ketamine-depression"]
    # Requests spread over the year's first half, so plans look at 100+ days of bookings each.
    nows = [datetime(2027, 1, 11, 7, 0, tzinfo=ZONE) + timedelta(days=(n * 7) % 170) for n in range(repeats)]

    refused = set()

    def plan(n: int, occupancy: Occupancy | None = None) -> None:
        ctx = PlanningContext(calendar, iv, occupancy or index, nows[n], treatments=BUILTIN_PROTOCOLS)
        try:
            plan_series(ctx, maintenance_days=90, alternatives=alternatives)
        except NoPlan:  # timed all the same: a refusal must be as quick as a plan
            refused.add(n)

    def plan_cold(n: int) -> None:
        plan(n, Occupancy(calendar, bookings))

    def availability(n: int) -> None:
        ctx = PlanningContext(calendar, iv, index, nows[n], treatments=BUILTIN_PROTOCOLS)
        free_starts(ctx, ctx.today, ctx.today + timedelta(days=13))

    warm = timed(plan, repeats)
    cold = timed(plan_cold, max(5, repeats // 4))
    avail = timed(availability, repeats)
    tracemalloc.start()
    plan_cold(0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "chairs": chairs,
        "bookings": len(bookings),
        "utilization": chair_utilization(calendar, months, bookings),
        "build_ms": build_ms,
        "plan_p50": percentile(warm, 0.5),
        "plan_p99": percentile(warm, 0.99),
        "cold_p50": percentile(cold, 0.5),
        "cold_p99": percentile(cold, 0.99),
        "avail_p50": percentile(avail, 0.5),
        "avail_p99": percentile(avail, 0.99),
        "peak_mib": peak / 2**20,
        "refused": len(refused) / repeats,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chairs", type=int, default=8)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--utilization", type=float, default=0.8)
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--alternatives", type=int, default=0, help="alternative plans per request (proposals)")
    parser.add_argument("--sizes", default="", help="comma-separated chair counts, e.g. 2,4,8,16 (overrides --chairs)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s] or [args.chairs]
    print(
        f"months={args.months} utilization target={args.utilization} repeats={args.repeats} "
        f"alternatives={args.alternatives} python={sys.version.split()[0]}"
    )
    header = (
        "chairs",
        "bookings",
        "util",
        "no plan",
        "index ms",
        "plan p50",
        "plan p99",
        "cold p50",
        "cold p99",
        "avail p50",
        "avail p99",
        "peak MiB",
    )
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for chairs in sizes:
        r = measure(chairs, args.months, args.utilization, args.repeats, args.alternatives)
        print(
            f"| {r['chairs']} | {r['bookings']} | {r['utilization']:.2f} | {r['refused']:.0%} | {r['build_ms']:.1f} | "
            f"{r['plan_p50']:.1f} | {r['plan_p99']:.1f} | {r['cold_p50']:.1f} | {r['cold_p99']:.1f} | "
            f"{r['avail_p50']:.2f} | {r['avail_p99']:.2f} | {r['peak_mib']:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
