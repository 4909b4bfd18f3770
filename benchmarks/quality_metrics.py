"""The figures of one played quarter, read back from the database the simulation wrote (the same code for both)."""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from quality_simulation import Outcome
from sqlalchemy import select

from scheduler_service.adapters import orm
from scheduler_service.domain.clinic import ClinicCalendar
from scheduler_service.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Visit:
    start: datetime
    end: datetime
    chair_id: int
    uses_nurse: bool


def held_visits(clinic_id: int) -> list[Visit]:
    """Visits that hold their chair at the end of the quarter: cancelled ones and no-shows left it idle."""
    with UnitOfWork("bench") as uow:
        rows = uow.session.execute(
            select(
                orm.Appointment.start_at, orm.Appointment.end_at, orm.Appointment.chair_id, orm.Appointment.uses_nurse
            )
            .where(orm.Appointment.clinic_id == clinic_id, orm.Appointment.status.in_(orm.HOLDING_STATUSES))
            .order_by(orm.Appointment.start_at)
        )
        return [Visit(*row) for row in rows]


def daily_occupancy(calendar: ClinicCalendar, visits: list[Visit], days: list[date], chairs: set[int]) -> list[float]:
    """Per day: chair time held (visit + turnover) / chair time open, on the given chairs; NaN when closed."""
    used: Counter[date] = Counter()
    turnover = calendar.turnover_minutes
    for v in visits:
        if v.chair_id in chairs:
            used[v.start.astimezone(calendar.zone).date()] += (v.end - v.start).total_seconds() / 60 + turnover
    shares = []
    for day in days:
        open_minutes = sum((b - a).total_seconds() / 60 for a, b in calendar.open_intervals(day)) * len(chairs)
        shares.append(used[day] / open_minutes if open_minutes else math.nan)
    return shares


def nurse_peaks(calendar: ClinicCalendar, visits: list[Visit]) -> tuple[int, int]:
    """(most patients monitored at one moment, most starts in one slot) over visits that use a nurse."""
    edges: list[tuple[datetime, int]] = []
    starts: Counter[tuple[date, int]] = Counter()
    for v in visits:
        if v.uses_nurse:
            edges += [(v.start, 1), (v.end, -1)]
            local = v.start.astimezone(calendar.zone)
            starts[(local.date(), (local.hour * 60 + local.minute) // calendar.slot_minutes)] += 1
    level = peak = 0
    for _, step in sorted(edges):  # an end sorts before a start at the same instant: -1 < 1
        level += step
        peak = max(peak, level)
    return peak, max(starts.values(), default=0)


def figures(
    label: str,
    outcomes: list[Outcome],
    visits: list[Visit],
    calendar: ClinicCalendar,
    quarter: list[date],
    chairs: set[int],
) -> dict[str, object]:
    booked = [o for o in outcomes if o.series_id is not None]
    waits = sorted((o.first_day - o.arrival.at.date()).days for o in booked if o.first_day)
    treatment = [o for o in booked if o.arrival.protocol_key != "consult"]
    quarter_share = daily_occupancy(calendar, visits, quarter, chairs)
    open_days = [(d, s) for d, s in zip(quarter, quarter_share, strict=True) if not math.isnan(s)]
    open_hours = {d: sum((b - a).total_seconds() for a, b in calendar.open_intervals(d)) for d, _ in open_days}
    utilization = sum(s * open_hours[d] for d, s in open_days) / sum(open_hours.values())
    monitored, per_slot = nurse_peaks(calendar, visits)
    per_protocol = defaultdict(int)
    for o in booked:
        per_protocol[o.arrival.protocol_key] += 1
    return {
        "label": label,
        "requests": len(outcomes),
        "booked": len(booked),
        "treatments": len(treatment),
        "per_protocol": dict(per_protocol),
        "wait_mean": statistics.fmean(waits) if waits else math.nan,
        "wait_p90": nearest_rank(waits, 0.9),
        "utilization": utilization,
        "monitored_peak": monitored,
        "starts_peak": per_slot,
        "visits": len(visits),
    }


def nearest_rank(ordered: list[int], share: float) -> float:
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def quarter_days(first: date, weeks: int) -> list[date]:
    return [first + timedelta(days=n) for n in range(weeks * 7)]
