"""Bridge between flask-smorest's pagination parameters and the services' Page."""

from __future__ import annotations

from typing import Any

from ..services.paging import Page


def page_of(pagination: Any) -> Page:
    return Page(pagination.page, pagination.page_size)


def items_of(pagination: Any, result: tuple[list[dict[str, Any]], int]) -> list[dict[str, Any]]:
    """Return the page's items and tell smorest the total, for the X-Pagination header."""
    items, pagination.item_count = result
    return items
