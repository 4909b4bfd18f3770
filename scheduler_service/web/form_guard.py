"""Form fields and query arguments of the pages hold text a database can store, or the page says which does not.

The API's schemas refuse the same characters (api/fields.py); a page's form has no schema, so the
check runs before every page view instead: a 400 page naming the field, and nothing is written.
"""

from __future__ import annotations

from flask import Flask, abort, request

from ..domain.text import UNSTORABLE


def _shown(name: str) -> str:
    return UNSTORABLE.sub("?", name)[:60]


def _check() -> None:
    if request.path.startswith(("/api/", "/feeds/")) or request.blueprint is None:
        return
    for source in (request.args, request.form):  # reading the form: over MAX_CONTENT_LENGTH, 413 here
        for name, value in source.items(multi=True):
            if UNSTORABLE.search(name) or UNSTORABLE.search(value):
                abort(
                    400,
                    description=f"The field “{_shown(name)}” contains a control character (such as NUL), "
                    "which cannot be stored. Remove it and try again.",
                )


def init_form_guard(app: Flask) -> None:
    app.before_request(_check)
