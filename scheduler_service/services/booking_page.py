"""What the booking pages show: the choices, the proposed plans in clinic time, the booked series with its feed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ..adapters import orm
from ..domain.clinic import parse_zone
from ..domain.planner import PlannedSession
from . import patients, visits
from .clinics import list_chairs, list_clinics
from .feeds import issue_feed_token
from .month_calendar import Month, month_grids
from .outbox import wants_confirmation
from .paging import Page
from .planning import ProposalRequest, propose_series
from .protocols import find_protocol, list_protocols, to_domain
from .unit_of_work import UnitOfWork

ALL = Page(1, 500)


@dataclass(frozen=True)
class SessionRow:
    number: int  # 1-based place in the series
    label: str  # "3/6" in the fixed phases, "maintenance 2" after them
    phase: str
    start: datetime  # clinic time
    end: datetime
    chair_id: int
    chair: str


@dataclass(frozen=True)
class PlanView:
    number: int  # 1: the best plan
    sessions: list[SessionRow]
    months: list[Month]
    induction_ends: date | None = None


def booking_choices(uow: UnitOfWork, patient_id: int) -> dict[str, Any]:
    """The patient, and the protocols and clinics to choose from."""
    protocols = [{**p, "summary": _course_words(p)} for p in list_protocols(uow, ALL)[0]]
    return {
        "patient": patients.get_patient(uow, patient_id),
        "protocols": protocols,
        "clinics": list_clinics(uow, ALL)[0],
    }


def clinic_today(uow: UnitOfWork, clinic_id: int, now: datetime) -> date:
    return now.astimezone(_zone(uow, clinic_id)).date()


def propose(uow: UnitOfWork, request: ProposalRequest, now: datetime) -> list[PlanView]:
    """The planner's plans, best first, in clinic time (raises NoPlan with the reason)."""
    plans = propose_series(uow, request, now)
    zone, chairs, finite = _context(uow, request.clinic_id, request.protocol_id)
    return [
        plan_view(n, plan.sessions, zone, chairs, finite, plan.score.induction_ends)
        for n, plan in enumerate(plans, start=1)
    ]


def next_proposal(uow: UnitOfWork, clinic_id: int, protocol_id: int, details: dict[str, Any]) -> PlanView | None:
    """The plan a 409 from booking offers instead (its sessions come as JSON-like dicts)."""
    offered = details.get("next_proposal")
    if not offered:
        return None
    zone, chairs, finite = _context(uow, clinic_id, protocol_id)
    sessions = [
        PlannedSession(
            s["index"] - 1,
            s["phase"],
            datetime.fromisoformat(s["start"]),
            datetime.fromisoformat(s["end"]),
            s["chair_id"],
        )
        for s in offered["sessions"]
    ]
    ends = offered.get("score", {}).get("induction_ends")
    return plan_view(1, sessions, zone, chairs, finite, date.fromisoformat(ends) if ends else None)


def plan_view(
    number: int,
    sessions: Sequence[PlannedSession],
    zone: ZoneInfo,
    chairs: dict[int, str],
    finite: int,
    induction_ends: date | None = None,
) -> PlanView:
    rows = [
        SessionRow(
            number=s.index + 1,
            label=session_label(s.index + 1, finite),
            phase=s.phase,
            start=s.start.astimezone(zone),
            end=s.end.astimezone(zone),
            chair_id=s.chair_id,
            chair=chairs.get(s.chair_id, f"chair {s.chair_id}"),
        )
        for s in sessions
    ]
    marks: dict[date, str] = {}
    for row in rows:
        marks[row.start.date()] = row.label
    return PlanView(number, rows, month_grids(marks), induction_ends)


def session_label(number: int, finite: int) -> str:
    return f"{number}/{finite}" if number <= finite else f"maintenance {number - finite}"


def booked_view(uow: UnitOfWork, series_id: int, base_url: str) -> dict[str, Any]:
    """The booked series, and a new feed link for the patient (its secret is shown this once).

    Only the first view hands a link out: a reload or a return to the page would otherwise make a new
    live link each time. Later views send the desk to the patient's page to make one (feed None).
    """
    series = visits.get_series(uow, series_id)
    row = uow.get(orm.Series, series_id, "series")
    zone, chairs, finite = _context(uow, series["clinic_id"], series["protocol_id"])
    sessions = [
        SessionRow(
            a["index"],
            session_label(a["index"], finite),
            a["phase"],
            a["start"],
            a["end"],
            a["chair_id"],
            chairs.get(a["chair_id"], "?"),
        )
        for a in series["appointments"]
        if a["status"] != "cancelled"
    ]
    emailed = wants_confirmation(uow, row)
    patient = patients.get_patient(uow, series["patient_id"])
    protocol = row.protocol.name
    label = f"booking, series {series_id}"
    feed = None
    if not _handed_out(uow, series["patient_id"], label):
        feed = issue_feed_token(uow, base_url, patient_id=series["patient_id"], label=label)
    return {
        "series": series,
        "sessions": sessions,
        "patient": patient,
        "protocol": protocol,
        "feed": feed,
        "emailed": emailed,
        "zone": zone,
    }


def _handed_out(uow: UnitOfWork, patient_id: int, label: str) -> bool:
    """Whether the patient already has a link made under this label (revoked ones count: it was handed out)."""
    found = select(orm.FeedToken.id).where(orm.FeedToken.patient_id == patient_id, orm.FeedToken.label == label)
    return uow.session.scalar(found.limit(1)) is not None


def _context(uow: UnitOfWork, clinic_id: int, protocol_id: int | None) -> tuple[ZoneInfo, dict[int, str], int]:
    chairs = {c["id"]: c["name"] for c in list_chairs(uow, clinic_id, ALL)[0]}
    return _zone(uow, clinic_id), chairs, to_domain(find_protocol(uow, protocol_id)).finite_sessions


def _zone(uow: UnitOfWork, clinic_id: int) -> ZoneInfo:
    return parse_zone(uow.get(orm.Clinic, clinic_id, "clinic").timezone)


def _course_words(protocol: dict[str, Any]) -> str:
    """ "6 induction sessions, 2–5 days apart; then maintenance every 21–35 days · 100-minute visit" """
    parts = []
    for phase in protocol["phases"]:
        spacing = phase["spacing"]
        unit = "clinic days" if spacing.get("unit") == "clinic_days" else "days"
        apart = f"{spacing['min_days']}–{spacing['max_days']} {unit}"
        if spacing["min_days"] == spacing["max_days"]:
            apart = f"{spacing['min_days']} {unit[:-1] if spacing['min_days'] == 1 else unit}"
        if phase["sessions"]:
            parts.append(
                f"{phase['sessions']} {phase['name']} session{'s' if phase['sessions'] != 1 else ''}"
                + (f", {apart} apart" if phase["sessions"] > 1 else "")
            )
        else:
            parts.append(f"then {phase['name']} every {apart}")
    return "; ".join(parts) + f" · {protocol['visit']['total_minutes']}-minute visit"
