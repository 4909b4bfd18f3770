"""What must hold in the database after any sequence of bookings, counted from the rows themselves.

Independent of the planner's code on purpose: it reads the tables and checks minute by minute.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, text

from scheduler_service.domain.clinic import OpeningHours, Staffing

HOLDING = ("booked", "checked_in", "completed")


def chair_overlaps(engine: Engine) -> list[tuple[int, int, int]]:
    """(chair, appointment, appointment) for every two chair-holding visits whose spans (with turnover) overlap."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT a.chair_id, a.id, b.id FROM appointments a JOIN appointments b "
                "ON a.chair_id = b.chair_id AND a.id < b.id "
                "AND a.start_at < b.blocked_until AND b.start_at < a.blocked_until "
                "WHERE a.status IN ('booked', 'checked_in', 'completed') "
                "AND b.status IN ('booked', 'checked_in', 'completed')"
            )
        ).all()
    return [tuple(r) for r in rows]


def capacity_breaches(engine: Engine) -> list[str]:
    """Every minute where monitored patients exceed nurses x patients per nurse, and every slot with too many starts."""
    breaches: list[str] = []
    with engine.connect() as conn:
        clinics = conn.execute(text("SELECT id, timezone, opening_hours, slot_minutes FROM clinics")).all()
        for clinic_id, zone_name, hours, slot_minutes in clinics:
            staffing_row = conn.execute(
                text("SELECT nurses, patients_per_nurse, starts_per_nurse_per_slot FROM staffing WHERE clinic_id = :c"),
                {"c": clinic_id},
            ).first()
            if staffing_row is None:
                continue
            nurses, per_nurse, starts_per_nurse = staffing_row
            if isinstance(nurses, str):  # SQLite hands JSON back as text through a raw query
                nurses, hours = json.loads(nurses), json.loads(hours)
            staffing = Staffing.parse(nurses, per_nurse, starts_per_nurse, OpeningHours.parse(hours))
            zone = ZoneInfo(zone_name)
            visits = conn.execute(
                text(
                    "SELECT start_at, end_at FROM appointments WHERE clinic_id = :c AND uses_nurse "
                    "AND status IN ('booked', 'checked_in', 'completed')"
                ),
                {"c": clinic_id},
            ).all()
            breaches += _check_clinic(
                clinic_id, zone, staffing, slot_minutes, [(_aware(s), _aware(e)) for s, e in visits]
            )
    return breaches


def _aware(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo("UTC"))


def _check_clinic(
    clinic_id: int, zone: ZoneInfo, staffing: Staffing, slot_minutes: int, visits: list[tuple[datetime, datetime]]
) -> list[str]:
    breaches = []
    load: Counter[datetime] = Counter()
    starts: dict[tuple[object, int], int] = defaultdict(int)
    for start, end in visits:
        minute = start
        while minute < end:
            load[minute] += 1
            minute += timedelta(minutes=1)
        local = start.astimezone(zone)
        starts[(local.date(), (local.hour * 60 + local.minute) // slot_minutes)] += 1
    for minute, patients in load.items():
        local = minute.astimezone(zone)
        room = staffing.nurses_at(local.weekday(), local.time().replace(tzinfo=None)) * staffing.patients_per_nurse
        if patients > room:
            breaches.append(
                f"clinic {clinic_id}: {patients} patients monitored at {local.isoformat()}, room for {room}"
            )
    for (day, slot), count in starts.items():
        moment = time((slot * slot_minutes) // 60, (slot * slot_minutes) % 60)
        allowed = staffing.nurses_at(day.weekday(), moment) * staffing.starts_per_nurse_per_slot  # type: ignore[attr-defined]
        if count > allowed:
            breaches.append(f"clinic {clinic_id}: {count} starts in the {moment} slot of {day}, allowed {allowed}")
    return breaches
