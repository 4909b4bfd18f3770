"""Headers that keep the pages from being framed, sniffed or made to run a script they did not ship.

The CSP allows scripts from this site only (htmx is vendored; the pages have no inline script).
Inline `style` attributes stay allowed: the day board places each visit on its grid with them.
"""

from __future__ import annotations

from flask import Flask, Response, request

PAGE_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",  # the feed link's QR code is a data: URI
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    )
)


def _secure(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if request.blueprint and request.blueprint.split(".")[0] == "web":
        response.headers.setdefault("Content-Security-Policy", PAGE_POLICY)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Cache-Control", "no-store")  # pages show patients: keep them out of caches
    return response


def init_security_headers(app: Flask) -> None:
    app.after_request(_secure)
