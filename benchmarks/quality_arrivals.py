"""The demand of a simulated quarter: who asks for which course when, what they accept, and what happens later.

Everything random is drawn here, once, from the seed, so the online planner and the offline
optimum face the very same patients, no-shows and cancellations.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduler_service.domain.builtin_protocols import BUILTIN_PROTOCOLS

PROTOCOLS = {p.key: p for p in BUILTIN_PROTOCOLS}
MIX = (("iv-ketamine-depression", 0.45), ("spravato-trd", 0.20), ("iv-ketamine-pain", 0.10), ("consult", 0.25))
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri")
DESK_OPENS, DESK_CLOSES = 8 * 60, 17 * 60  # requests come in while the front desk answers (Mon-Fri)
NO_SHOW_RATE = 0.05
DROP_OUT_RATE = 0.10  # share of treatment courses the patient stops early, cancelling the rest


@dataclass(frozen=True)
class Arrival:
    number: int
    at: datetime  # the request; nothing may be booked before it
    protocol_key: str
    preferences: dict[str, object]
    sessions: int  # sessions of the course booked at once (the finite phases; no maintenance)
    no_shows: frozenset[int]  # session indexes the patient misses
    stops_after: int | None  # the patient cancels every session after this one, once it is over


def draw_arrivals(seed: int, first_day: date, weeks: int, rate: float, zone: ZoneInfo) -> list[Arrival]:
    """Poisson arrivals at `rate` per weekday, spread over the desk's hours of every weekday of the quarter."""
    rng = random.Random(seed)
    keys, weights = zip(*MIX, strict=True)
    per_minute = rate / (DESK_CLOSES - DESK_OPENS)
    arrivals: list[Arrival] = []
    for offset in range(weeks * 7):
        day = first_day + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        minute = DESK_OPENS + rng.expovariate(per_minute)
        while minute < DESK_CLOSES:
            key = rng.choices(keys, weights)[0]
            at = datetime.combine(day, time(int(minute) // 60, int(minute) % 60, int(minute * 60) % 60), tzinfo=zone)
            arrivals.append(_patient(rng, len(arrivals), at, key))
            minute += rng.expovariate(per_minute)
    return arrivals


def _patient(rng: random.Random, number: int, at: datetime, key: str) -> Arrival:
    protocol = PROTOCOLS[key]
    sessions = protocol.finite_sessions
    no_shows = frozenset(k for k in range(sessions) if rng.random() < NO_SHOW_RATE)
    stops_after = rng.randrange(sessions - 1) if sessions > 1 and rng.random() < DROP_OUT_RATE else None
    return Arrival(number, at, key, _preferences(rng, key), sessions, no_shows, stops_after)


def _preferences(rng: random.Random, key: str) -> dict[str, object]:
    """About a third name three weekdays, a fifth mornings only, a fifth afternoons only.

    Pain courses take 5 consecutive clinic days, so those patients never leave out a weekday.
    """
    preferences: dict[str, object] = {}
    if key != "iv-ketamine-pain" and rng.random() < 0.3:
        preferences["weekdays"] = sorted(rng.sample(WEEKDAY_NAMES, 3), key=WEEKDAY_NAMES.index)
    moment = rng.random()
    if moment < 0.2:
        preferences["latest_start"] = "11:00"
    elif moment < 0.4:
        preferences["earliest_start"] = "12:00"
    return preferences
