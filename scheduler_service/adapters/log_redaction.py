"""Keep secrets and patient details out of the request logs the servers write.

A request line carries what the client put in the URL: a feed's secret is its path (/feeds/<secret>.ics),
and a search is its query (?q=<name, e-mail or phone>). The dev server, gunicorn's access and error logs and
Flask's "Exception on <path>" would write them verbatim, so every message of those loggers is rewritten with
the feed secret and every query value replaced by a marker. The path, method and status stay for debugging.
"""

from __future__ import annotations

import logging
import re

from flask import Flask

MARK = "[redacted]"
# The whole segment after /feeds/, with or without its .ics: a mistyped feed URL holds the secret all the same.
FEED_SECRET = re.compile(r"(/feeds/)[^/\s\"'?#]+?(\.ics)?(?=[/\s\"'?#]|$)")
# A query value runs to the next parameter, a blank, a quote or a fragment ("GET /x?q=a HTTP/1.1", referrers too).
QUERY_VALUE = re.compile(r"([?&][^=&\s\"'#]*=)[^&\s\"'#]+")
BEARER = re.compile(r"(\bBearer\s+)[^\s\"',]+", re.IGNORECASE)
# Who writes request lines: the dev server, gunicorn (access log; error log on a crash), Flask on an exception.
REQUEST_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


def redact(text: str) -> str:
    """The text with feed secrets, query values and bearer tokens replaced by a marker."""
    text = FEED_SECRET.sub(lambda m: f"{m[1]}{MARK}{m[2] or ''}", text)
    text = QUERY_VALUE.sub(rf"\g<1>{MARK}", text)
    return BEARER.sub(rf"\g<1>{MARK}", text)


class RedactRequests(logging.Filter):
    """Rewrite a record's message in place; never drop a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the handler's to report; a filter must not raise into a request
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def install_log_redaction(app: Flask) -> None:
    """Filter the loggers that write request lines (idempotent: create_app may run more than once per process)."""
    # By name, not app.logger: touching app.logger gives it a handler of its own, and every line would print twice.
    for name in (*REQUEST_LOGGERS, app.import_name):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactRequests) for f in logger.filters):
            logger.addFilter(RedactRequests())
