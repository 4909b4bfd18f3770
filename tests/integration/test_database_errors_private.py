"""A database error, which a 500 would log with its traceback, does not carry the statement's values."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from scheduler_service.extensions import db


def test_a_failed_statement_names_the_statement_but_not_the_patients_details(app):
    email = "private.person@example.org"

    with pytest.raises(DBAPIError) as failure:
        db.session.execute(text("INSERT INTO no_such_table (email) VALUES (:email)"), {"email": email})
    db.session.rollback()

    assert "no_such_table" in str(failure.value)
    assert email not in str(failure.value)
