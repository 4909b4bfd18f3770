"""Exhaustive search over every valid series of a small instance: the yardstick for the planner's optimality.

It enumerates every (day, start, chair) the rule book accepts, every sequence of them the
spacing and windows allow, scores each with the objective written out plainly, and keeps the
best score for each distinct first start (day, local time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from scheduler_service.domain.clinic import ClinicCalendar
from scheduler_service.domain.long_rooms import KEEP_LONG_ROOMS
from scheduler_service.domain.occupancy import Booking
from scheduler_service.domain.patients import Preferences
from scheduler_service.domain.protocols import Phase, Protocol

from .rule_book import gap_between, phase_layout, session_breaks


@dataclass(frozen=True)
class Node:
    day: date
    minute: int
    chair: int
    load: int
    stranded: int  # chair time kept usable: stranded slots, long-visit rooms charged, the day's busy quarters


def most_filled(slots: int, sizes: list[int]) -> int:
    """The largest total of holds (any number of each size) that fits in `slots`: every reachable sum, by hand."""
    reachable = {0}
    frontier = [0]
    while frontier:
        total = frontier.pop()
        for size in sizes:
            if total + size <= slots and total + size not in reachable:
                reachable.add(total + size)
                frontier.append(total + size)
    return max(reachable)


def hold_sizes(calendar, treatments, chair) -> list[int]:  # type: ignore[no-untyped-def]
    """Slots each visit that may sit in the chair holds it for: visit + turnover, rounded up to the grid."""
    minutes = [p.visit.total_minutes + calendar.turnover_minutes for p in treatments if p.required_tags <= chair.tags]
    return sorted({-(-m // calendar.slot_minutes) for m in minutes})


def held(calendar, bookings, chair_id) -> list[tuple[datetime, datetime]]:  # type: ignore[no-untyped-def]
    turnover = timedelta(minutes=calendar.turnover_minutes)
    return [(b.start.astimezone(UTC), b.end.astimezone(UTC) + turnover) for b in bookings if b.chair_id == chair_id]


def free_around(calendar, bookings, chair_id, begin, stretch) -> tuple[datetime, datetime]:  # type: ignore[no-untyped-def]
    """The free stretch of the chair holding `begin`: from the last hold's end (or opening) to the next visit."""
    holds, (opens, closes) = held(calendar, bookings, chair_id), stretch
    free_from = max([opens] + [until for since, until in holds if since < begin])
    free_to = min([closes + timedelta(minutes=calendar.turnover_minutes)] + [s for s, _ in holds if s >= begin])
    return free_from, free_to


def stranded(calendar, treatments, bookings, chair_id, begin, end, stretch) -> int:  # type: ignore[no-untyped-def]
    """Whole free slots before and after [begin, end) on the chair, inside its stretch, that no visit fits."""
    slot, turnover = timedelta(minutes=calendar.slot_minutes), timedelta(minutes=calendar.turnover_minutes)
    sizes = hold_sizes(calendar, treatments, next(c for c in calendar.chairs if c.id == chair_id))
    free_from, free_to = free_around(calendar, bookings, chair_id, begin, stretch)
    pieces = [(begin - free_from) // slot, (free_to - end - turnover) // slot]
    return sum(n - most_filled(n, sizes) for n in pieces)


def longest_holds(calendar, protocol, treatments) -> dict[int, int]:  # type: ignore[no-untyped-def]
    """Per chair that takes this protocol: the slots its longest visit holds it for."""
    usable = [c for c in calendar.chairs if protocol.required_tags <= c.tags]
    return {c.id: max(hold_sizes(calendar, [protocol, *treatments], c)) for c in usable}


def days_in_a_row(calendar, protocol, treatments) -> int:  # type: ignore[no-untyped-def]
    """Clinic days in a row the longest visit's course comes: its longest phase of sessions at most a day apart."""
    usable = [c for c in calendar.chairs if protocol.required_tags <= c.tags]
    sharing = [p for p in [protocol, *treatments] if any(p.required_tags <= c.tags for c in usable)]
    longest = max(p.visit.total_minutes for p in sharing)
    runs = [1]
    for p in sharing:
        if p.visit.total_minutes == longest:
            runs += [phase.sessions for phase in p.phases if phase.sessions and phase.spacing.max_days == 1]
    return max(runs)


def free_rooms(calendar, protocol, treatments, bookings, day) -> int:  # type: ignore[no-untyped-def]
    """Rooms for each chair's longest visit free on `day`: free time walked minute by minute, stretch by stretch."""
    slot, turnover = timedelta(minutes=calendar.slot_minutes), timedelta(minutes=calendar.turnover_minutes)
    longest, left = longest_holds(calendar, protocol, treatments), 0
    for opens, closes in calendar.open_intervals(day):
        for chair in longest:
            holds, run, moment = held(calendar, bookings, chair), timedelta(0), opens
            while moment < closes + turnover:
                if any(since <= moment < until for since, until in holds):
                    left, run = left + (run // slot) // longest[chair], timedelta(0)
                else:
                    run += timedelta(minutes=1)
                moment += timedelta(minutes=1)
            left += (run // slot) // longest[chair]
    return left


def rooms_around(calendar, protocol, treatments, bookings, now, day) -> tuple[list[int], int]:  # type: ignore[no-untyped-def]
    """Free rooms on the open days around `day` (as many either side as a long course lasts, none before today)."""
    wanted = days_in_a_row(calendar, protocol, treatments) - 1
    today = now.astimezone(calendar.zone).date()

    def open_days(step: int) -> list[date]:
        found = []
        for n in range(1, 32):
            other = day + timedelta(days=n * step)
            if len(found) == wanted or other < today:
                break
            if calendar.open_intervals(other):
                found.append(other)
        return found

    days = open_days(-1)[::-1] + [day] + open_days(+1)
    return [free_rooms(calendar, protocol, treatments, bookings, d) for d in days], days.index(day)


def long_rooms_charged(calendar, protocol, treatments, bookings, around, chair_id, begin, end, stretch) -> int:  # type: ignore[no-untyped-def]
    """What breaking rooms for the chair's longest visit costs: long courses that could run through the day, lost.

    A long course needs a room on each of its days in a row; those that could still run through the
    day are the best window of such days around it, counted by its scarcest day. Only the courses
    below KEEP_LONG_ROOMS count.
    """
    slot, turnover = timedelta(minutes=calendar.slot_minutes), timedelta(minutes=calendar.turnover_minutes)
    longest = longest_holds(calendar, protocol, treatments)[chair_id]
    free_from, free_to = free_around(calendar, bookings, chair_id, begin, stretch)
    own = (end + turnover - begin) / slot > longest - 1

    def rooms(length: timedelta) -> int:
        return (length // slot) // longest

    taken = rooms(free_to - free_from) - rooms(begin - free_from) - rooms(free_to - end - turnover) - own
    if taken <= 0:
        return 0
    rooms_by_day, at = around
    run = days_in_a_row(calendar, protocol, treatments)

    def courses(values: list[int]) -> int:
        windows = [values[i : i + run] for i in range(len(values) - run + 1) if i <= at < i + run]
        return min(KEEP_LONG_ROOMS, max((min(w) for w in windows), default=0))

    after = list(rooms_by_day)
    after[at] -= taken
    return courses(rooms_by_day) - courses(after)


def busy_quarters(calendar, protocol, bookings, day: date) -> int:  # type: ignore[no-untyped-def]
    """Quarters of the open minutes of the protocol's chairs on `day` that a visit or its turnover holds."""
    turnover = timedelta(minutes=calendar.turnover_minutes)
    chairs = [c.id for c in calendar.chairs if c.suits(protocol.required_tags)]
    minutes = held = 0
    for opens, closes in calendar.open_intervals(day):
        moment = opens.astimezone(UTC)
        while moment < closes.astimezone(UTC):
            for chair_id in chairs:
                minutes += 1
                held += any(b.chair_id == chair_id and b.start <= moment < b.end + turnover for b in bookings)
            moment += timedelta(minutes=1)
    return min(4, 4 * held // minutes) if minutes else 0


def valid_nodes(calendar, protocol, bookings, now, preferences, day: date, treatments=()) -> list[Node]:  # type: ignore[no-untyped-def]
    """Every start and chair on `day` the rule book accepts for one visit."""
    zone, found, around = calendar.zone, [], None
    visit = timedelta(minutes=protocol.visit.total_minutes)
    stretches = [(a.astimezone(UTC), b.astimezone(UTC)) for a, b in calendar.open_intervals(day)]
    busy = busy_quarters(calendar, protocol, bookings, day)
    for minute in range(0, 24 * 60, calendar.slot_minutes):
        start = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
        back = start.astimezone(UTC).astimezone(zone)
        if (back.date(), back.hour * 60 + back.minute) != (day, minute):
            continue  # a wall time the DST change skips
        begin = start.astimezone(UTC)
        stretch = next(((a, b) for a, b in stretches if a <= begin and begin + visit <= b), None)
        if stretch is None:
            continue  # cheap pre-filter; the rule book says the same, slowly
        load = sum(1 for b in bookings if b.start.astimezone(UTC) < begin + visit and begin < b.end.astimezone(UTC))
        for chair in calendar.chairs:
            if not session_breaks(calendar, protocol, bookings, start, chair.id, now, preferences):
                span = (begin, begin + visit)
                around = around or rooms_around(calendar, protocol, treatments, bookings, now, day)
                lost = stranded(calendar, [protocol, *treatments], bookings, chair.id, *span, stretch)
                lost += long_rooms_charged(calendar, protocol, treatments, bookings, around, chair.id, *span, stretch)
                lost += busy
                found.append(Node(day, minute, chair.id, load, lost))
    return found


def best_per_first_start(
    calendar: ClinicCalendar,
    protocol: Protocol,
    bookings: list[Booking],
    now: datetime,
    preferences: Preferences,
    from_date: date,
    search_days: int,
    maintenance: int,
    done: list[tuple[datetime, int]] | None = None,
    keep_history_limits: bool = True,
    treatments: tuple[Protocol, ...] = (),
) -> list[tuple[int, int, int, int, int]]:
    """The best score of each distinct first start, sorted: what plan + alternatives must reproduce.

    keep_history_limits=False is the catch-up: from the last past session only the minimum gap
    holds, the first session starts within the search days, and the window of a phase begun in
    the past is waived.
    """
    done = done or []
    zone = calendar.zone
    finite = protocol.finite_sessions
    total = finite + max(0, len(done) - finite) + maintenance
    layout = phase_layout(protocol, total)
    first_day = max(from_date, now.astimezone(zone).date())
    cache: dict[date, list[Node]] = {}

    def nodes_on(day: date) -> list[Node]:
        if day not in cache:
            cache[day] = valid_nodes(calendar, protocol, bookings, now, preferences, day, treatments)
        return cache[day]

    gaps: dict[tuple[str, date, date], int] = {}

    def gap(phase: Phase, earlier: date, later: date) -> int:
        # Remembered: counting clinic days asks the calendar about every day between, for every chain scored.
        key = (phase.spacing.unit, earlier, later)
        if key not in gaps:
            gaps[key] = gap_between(calendar, phase, earlier, later)
        return gaps[key]

    def candidate_days(index: int, days: list[date]) -> list[date]:
        searched = [first_day + timedelta(days=n) for n in range(search_days)]
        if index == len(done) and not done:
            return searched
        if index == len(done) and not keep_history_limits:
            phase = layout[index][0]
            return [d for d in searched if gap(phase, days[-1], d) >= phase.spacing.min_days]
        spacing, found, day = layout[index][0].spacing, [], days[index - 1]
        while True:
            day += timedelta(days=1)
            gap_days = gap(layout[index][0], days[index - 1], day)
            if gap_days > spacing.max_days or (day - days[index - 1]).days > 400:
                return found
            if gap_days >= spacing.min_days and day >= first_day:
                found.append(day)

    remaining = list(range(len(done), total))
    finite_left = [i for i in remaining if layout[i][0].sessions is not None]
    past_days = [d.astimezone(zone).date() for d, _ in done]
    anchor = None
    if done:
        last = done[-1][0].astimezone(zone)
        anchor = (last.date(), last.hour * 60 + last.minute, done[-1][1])
    best: dict[tuple[date, int], tuple[int, int, int, int, int]] = {}

    def score(chain: list[Node]) -> tuple[int, int, int, int, int]:
        days = past_days + [n.day for n in chain]
        # The first criterion: end of induction; with none left, the first day of a fresh course.
        fresh_start = not done or not keep_history_limits
        c1 = days[finite_left[-1]].toordinal() if finite_left else chain[0].day.toordinal() if fresh_start else 0
        # Then a course with no past sessions starts soonest.
        c1_start = 0 if done else chain[0].day.toordinal()
        c2 = 0
        for index in remaining:
            if index > 0:
                phase = layout[index][0]
                c2 += abs(gap(phase, days[index - 1], days[index]) - phase.spacing.target_days)
        habits = [(anchor[1], anchor[2])] if anchor else []
        habits += [(n.minute, n.chair) for n in chain]
        changes = sum((a[0] != b[0]) + (a[1] != b[1]) for a, b in zip(habits, habits[1:], strict=False))
        return (c1, c1_start, c2, changes + sum(n.stranded for n in chain), sum(n.load for n in chain))

    def extend(chain: list[Node]) -> None:
        index = len(done) + len(chain)
        if index == total:
            s = score(chain)
            key = (chain[0].day, chain[0].minute)
            if key not in best or s < best[key]:
                best[key] = s
            return
        phase, phase_first = layout[index]
        days = past_days + [n.day for n in chain]
        for day in candidate_days(index, days):
            if phase.window_days is not None and phase_first < index:
                window_holds = phase_first >= len(done) or keep_history_limits
                if window_holds and (day - days[phase_first]).days > phase.window_days:
                    continue
            for node in nodes_on(day):
                extend(chain + [node])

    if remaining:
        extend([])
    return sorted(best.values())
