"""Text columns hold what both databases can store, checked before every flush, whatever path wrote it.

The API's schemas and the pages' forms check lengths and characters at the edge; this is the net
under them. Without it SQLite stores a 5,000-character chair name that PostgreSQL refuses with a
DataError (a 500), and a NUL reaches PostgreSQL's driver. Here either is an InvalidValue naming
the column, which the API answers 422 and the pages show next to the field.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, event, inspect
from sqlalchemy.orm import Session

from ..domain.errors import InvalidValue
from ..domain.text import UNSTORABLE


def check_text_columns(session: Session, flush_context: Any, instances: Any) -> None:
    for row in (*session.new, *session.dirty):
        for attribute in inspect(row).mapper.column_attrs:
            kind = attribute.columns[0].type
            value = getattr(row, attribute.key, None)
            if not isinstance(kind, String) or not isinstance(value, str):
                continue
            if kind.length is not None and len(value) > kind.length:
                raise InvalidValue(attribute.key, f"must be at most {kind.length} characters")
            if UNSTORABLE.search(value):
                raise InvalidValue(attribute.key, "must not contain control characters")


def install_text_checks(session_class: type[Session]) -> None:
    if not event.contains(session_class, "before_flush", check_text_columns):
        event.listen(session_class, "before_flush", check_text_columns)
