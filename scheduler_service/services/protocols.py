"""Treatment protocols: the built-ins every install has, and the clinic's own."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..adapters import orm
from ..domain.builtin_protocols import BUILTIN_PROTOCOLS
from ..domain.errors import InvalidValue, NotFound
from ..domain.protocols import Protocol, Visit, phase_to_dict, phases_from_list
from . import snapshots
from .paging import Page, fetch_page
from .unit_of_work import UnitOfWork


def to_domain(row: orm.Protocol) -> Protocol:
    return Protocol(
        key=row.key,
        name=row.name,
        visit=Visit(row.prep_minutes, row.treatment_minutes, row.monitoring_minutes),
        phases=phases_from_list(row.phases),
        required_tags=frozenset(row.required_tags),
        instructions=row.instructions,
        uses_nurse=row.uses_nurse,
        id=row.id,
    )


def row_values(protocol: Protocol) -> dict[str, Any]:
    """Column values of a domain protocol (also used by the data migration of the built-ins)."""
    return {
        "key": protocol.key,
        "name": protocol.name,
        "prep_minutes": protocol.visit.prep_minutes,
        "treatment_minutes": protocol.visit.treatment_minutes,
        "monitoring_minutes": protocol.visit.monitoring_minutes,
        "phases": [phase_to_dict(p) for p in protocol.phases],
        "required_tags": sorted(protocol.required_tags),
        "instructions": protocol.instructions,
        "uses_nurse": protocol.uses_nurse,
    }


def _validated(data: dict[str, Any]) -> Protocol:
    visit = data["visit"]
    return Protocol(
        key=data["key"],
        name=data["name"],
        visit=Visit(visit["prep_minutes"], visit["treatment_minutes"], visit["monitoring_minutes"]),
        phases=phases_from_list(data["phases"]),
        required_tags=frozenset(t.strip().lower() for t in data.get("required_tags", [])),
        instructions=data.get("instructions", ""),
        uses_nurse=data.get("uses_nurse", True),
    )


def create_protocol(uow: UnitOfWork, data: dict[str, Any]) -> dict[str, Any]:
    protocol = _validated(data)
    if uow.session.scalar(select(orm.Protocol.id).where(orm.Protocol.key == protocol.key)) is not None:
        raise InvalidValue("key", f"a protocol with key {protocol.key!r} exists already")
    row = orm.Protocol(**row_values(protocol), builtin=False)
    uow.add(row)
    uow.flush()
    after = snapshots.protocol(row)
    uow.audit("create", "protocol", row.id, after=after)
    uow.commit()
    return after


def update_protocol(uow: UnitOfWork, protocol_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    row = uow.get(orm.Protocol, protocol_id, "protocol")
    before = snapshots.protocol(row)
    if "key" in changes and changes["key"] != row.key:
        raise InvalidValue("key", "is a stable identifier and cannot change")
    merged = {**before, **changes, "visit": {**before["visit"], **changes.get("visit", {})}}
    for name, value in row_values(_validated(merged)).items():
        setattr(row, name, value)
    after = snapshots.protocol(row)
    uow.audit("update", "protocol", row.id, before, after)
    uow.commit()
    return after


def get_protocol(uow: UnitOfWork, protocol_id: int) -> dict[str, Any]:
    return snapshots.protocol(uow.get(orm.Protocol, protocol_id, "protocol"))


def find_protocol(uow: UnitOfWork, protocol_id: int | None = None, key: str | None = None) -> orm.Protocol:
    """The protocol named by id or by key (exactly one of them is given)."""
    if protocol_id is not None:
        return uow.get(orm.Protocol, protocol_id, "protocol")
    row = uow.session.scalar(select(orm.Protocol).where(orm.Protocol.key == key))
    if row is None:
        raise NotFound(f"protocol {key!r} does not exist")
    return row


def list_protocols(uow: UnitOfWork, page: Page) -> tuple[list[dict[str, Any]], int]:
    return fetch_page(uow.session, select(orm.Protocol).order_by(orm.Protocol.id), page, snapshots.protocol)


def ensure_builtin_protocols(uow: UnitOfWork) -> int:
    """Insert any built-in protocol whose key is missing; edited built-ins are left as the clinic made them."""
    existing = set(uow.session.scalars(select(orm.Protocol.key)))
    added = 0
    for protocol in BUILTIN_PROTOCOLS:
        if protocol.key not in existing:
            uow.add(orm.Protocol(**row_values(protocol), builtin=True))
            added += 1
    if added:
        uow.audit("seed", "protocol", "builtin", after={"added": added})
    uow.commit()
    return added
