"""Hypothesis strategies: random clinics, closures, bookings, protocols and patients; and what tests ask of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from scheduler_service.domain.clinic import ClinicCalendar
from scheduler_service.domain.occupancy import Booking, Occupancy
from scheduler_service.domain.patients import Preferences
from scheduler_service.domain.planning_context import PlanningContext
from scheduler_service.domain.protocols import Phase, Protocol, Spacing, Visit
from scheduler_service.domain.timewindows import WEEKDAYS

from .builders import chair, clinic, closed
from .rule_book import plan_breaks

ZONES = [ZoneInfo("America/Chicago"), ZoneInfo("UTC"), ZoneInfo("Asia/Kolkata"), ZoneInfo("Europe/Berlin")]
# Start dates near both Chicago DST changes and elsewhere.
FIRST_DAYS = [date(2026, 3, 5), date(2026, 10, 29), date(2026, 11, 23), date(2026, 12, 21), date(2027, 6, 14)]


@dataclass
class Instance:
    calendar: ClinicCalendar
    protocol: Protocol
    bookings: list[Booking]
    now: datetime
    preferences: Preferences
    from_date: date
    search_days: int
    maintenance: int
    done: list[tuple[datetime, int]] = field(default_factory=list)
    treatments: tuple[Protocol, ...] = ()  # the clinic's other protocols: what stranded chair time is judged by


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def calendars(draw, small: bool = True) -> ClinicCalendar:  # type: ignore[no-untyped-def]
    zone = draw(st.sampled_from(ZONES))
    slot = draw(st.sampled_from([30, 60] if small else [15, 30, 60]))
    hours = {}
    for name in WEEKDAYS:
        if draw(st.integers(0, 9)) >= 8:  # hypothesis leans to 0: keep the simple case open
            hours[name] = []
            continue
        opens = draw(st.integers(6 * 4, 12 * 4)) * 15
        length = (5 - draw(st.integers(0, 3)) if small else draw(st.integers(2, 16))) * 30
        windows = [[_clock(opens), _clock(opens + length)]]
        if draw(st.booleans()):  # an afternoon stretch after a break
            later = opens + length + draw(st.integers(1, 4)) * 30
            if later <= 21 * 60:
                windows.append([_clock(later), _clock(min(later + draw(st.integers(2, 6)) * 30, 22 * 60))])
        hours[name] = windows
    chairs = [chair(1, "iv")]
    for extra in range(2, draw(st.integers(1, 2 if small else 4)) + 1):
        chairs.append(chair(extra, *draw(st.sampled_from([("iv", "x"), ("iv",), ("x",)]))))
    nurses = {name: draw(st.sampled_from([2, 1, 2, 0])) for name in WEEKDAYS}
    return clinic(
        zone=zone,
        hours=hours,
        chairs=tuple(chairs),
        nurses=nurses,
        patients_per_nurse=draw(st.integers(1, 2)),
        starts_per_nurse_per_slot=draw(st.integers(1, 2)),
        slot_minutes=slot,
        turnover_minutes=draw(st.sampled_from([0, 15, 30])),
    )


@st.composite
def protocols(draw, small: bool = True) -> Protocol:  # type: ignore[no-untyped-def]
    phases = []
    for n in range(draw(st.integers(1, 2))):
        sessions = draw(st.integers(1, 2 if small else 4))
        phases.append(_phase(draw, f"phase {n + 1}", sessions, windowed=True))
    if draw(st.booleans()):
        phases.append(_phase(draw, "maintenance", None, windowed=False))
    return Protocol(
        key="random-protocol",
        name="Random protocol",
        visit=Visit(
            draw(st.sampled_from([0, 15])), draw(st.sampled_from([15, 30, 45, 60])), draw(st.sampled_from([0, 15, 30]))
        ),
        phases=tuple(phases),
        required_tags=draw(
            st.sampled_from([frozenset({"iv"}), frozenset(), frozenset({"iv"}), frozenset({"iv"}), frozenset({"x"})])
        ),
        uses_nurse=draw(st.booleans()),
    )


def _phase(draw, name: str, sessions: int | None, windowed: bool) -> Phase:  # type: ignore[no-untyped-def]
    low = draw(st.integers(1, 2))
    high = low + 3 - draw(st.integers(0, 3))
    spacing = Spacing(low, draw(st.integers(low, high)), high, draw(st.sampled_from(["days", "clinic_days"])))
    window = None
    if windowed and sessions and sessions > 1 and draw(st.booleans()):
        window = (sessions - 1) * low + draw(st.integers(0, 3))
    return Phase(name, sessions, spacing, window)


@st.composite
def instances(draw, small: bool = True) -> Instance:  # type: ignore[no-untyped-def]
    calendar = draw(calendars(small))
    first = draw(st.sampled_from(FIRST_DAYS)) + timedelta(days=draw(st.integers(0, 6)))
    span = 12 if small else 60
    holidays = {first + timedelta(days=draw(st.integers(0, span))): "Holiday" for _ in range(draw(st.integers(0, 2)))}
    closures = []
    for _ in range(draw(st.integers(0, 2))):
        day = first + timedelta(days=draw(st.integers(0, span)))
        if draw(st.booleans()):
            closures.append(closed(day, day + timedelta(days=draw(st.integers(0, 3))), "Staff training"))
        else:
            start = draw(st.integers(7 * 2, 15 * 2)) * 30
            closures.append(closed(day, day, "Maintenance", (_clock(start), _clock(start + 90))))
    calendar = ClinicCalendar(
        calendar.zone,
        calendar.hours,
        calendar.chairs,
        calendar.staffing,
        calendar.slot_minutes,
        calendar.turnover_minutes,
        holidays,
        tuple(closures),
    )
    bookings = []
    for _ in range(draw(st.integers(0, 6 if small else 40))):
        day = first + timedelta(days=draw(st.integers(0, span)))
        minute = draw(st.integers(6 * 4, 18 * 4)) * 15
        start = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=calendar.zone)
        minutes = draw(st.sampled_from([30, 60, 90, 120]))
        chair_id = draw(st.sampled_from([c.id for c in calendar.chairs]))
        bookings.append(Booking(chair_id, start, start + timedelta(minutes=minutes), draw(st.booleans())))
    protocol = draw(protocols(small))
    maintenance = draw(st.integers(0, 2 if small else 4)) if any(p.open_ended for p in protocol.phases) else 0
    now = datetime.combine(first, time(draw(st.sampled_from([0, 6, 9, 12])), 0), tzinfo=calendar.zone)
    weekdays = draw(st.one_of(st.none(), st.none(), st.sets(st.sampled_from(WEEKDAYS), min_size=2)))
    earliest = draw(st.one_of(st.none(), st.none(), st.integers(7, 12)))
    prefs = Preferences.parse(
        {
            **({"weekdays": sorted(weekdays)} if weekdays else {}),
            **({"earliest_start": _clock(earliest * 60)} if earliest else {}),
        }
    )
    from_date = first + timedelta(days=draw(st.integers(0, 2)))
    search_days = draw(st.integers(1, 5 if small else 30))
    treatments = tuple(draw(st.lists(protocols(small), max_size=2)))
    return Instance(
        calendar, protocol, bookings, now, prefs, from_date, search_days, maintenance, treatments=treatments
    )


@st.composite
def histories(draw, instance: Instance, most: int = 2) -> list[tuple[datetime, int]]:  # type: ignore[no-untyped-def]
    """Past sessions (oldest first), all before `now`, with their chairs."""
    count = draw(st.integers(1, most))
    days_back = sorted(draw(st.sets(st.integers(1, 5), min_size=count, max_size=count)), reverse=True)
    zone, today = instance.calendar.zone, instance.now.astimezone(instance.calendar.zone).date()
    done = []
    for back in days_back:
        minute = draw(st.integers(8 * 2, 14 * 2)) * 30
        start = datetime.combine(today - timedelta(days=back), time(minute // 60, minute % 60), tzinfo=zone)
        done.append((start, draw(st.sampled_from([c.id for c in instance.calendar.chairs]))))
    return done


def planning_context(instance: Instance) -> PlanningContext:
    occupancy = Occupancy(instance.calendar, instance.bookings)
    return PlanningContext(
        instance.calendar, instance.protocol, occupancy, instance.now, instance.preferences, instance.treatments
    )


def has_sessions_left(instance: Instance, done: list[tuple[datetime, int]]) -> bool:
    """Whether the protocol goes on after the past sessions `done`: an open end, or finite sessions to come."""
    return any(p.open_ended for p in instance.protocol.phases) or len(done) < instance.protocol.finite_sessions


def broken_rules(
    instance: Instance,
    sessions,  # type: ignore[no-untyped-def]
    done: list[tuple[datetime, int]] | None = None,
    keep_history_limits: bool = True,
) -> list[str]:
    """Every rule the planned `sessions` break in `instance` (empty when they keep them all), after the past `done`."""
    return plan_breaks(
        instance.calendar,
        instance.protocol,
        instance.bookings,
        sessions,
        instance.now,
        instance.preferences,
        done=[start for start, _ in done or []],
        keep_history_limits=keep_history_limits,
    )
