"""One page of a list query, with the total count for the X-Pagination header."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Page:
    number: int = 1
    size: int = 50


def fetch_page(
    session: Session, stmt: Select[Any], page: Page, snapshot: Callable[[Any], dict[str, Any]]
) -> tuple[list[dict[str, Any]], int]:
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    offset = (page.number - 1) * page.size
    if offset >= total:  # past the end; a huge page number would not even fit the database's integers
        return [], total
    rows = session.scalars(stmt.limit(page.size).offset(offset))
    return [snapshot(row) for row in rows], total
