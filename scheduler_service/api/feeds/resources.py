"""Feed tokens (API) and the feeds themselves (/feeds/<secret>.ics, opened by the secret alone)."""

from __future__ import annotations

from datetime import UTC
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from flask import Blueprint as FlaskBlueprint
from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from ...adapters.clock import app_clock
from ...domain.errors import NotFound
from ...services import feeds
from ...services.unit_of_work import UnitOfWork
from ..auth import ADMIN, FRONT_DESK, STAFF, actor, allow
from .schemas import FeedTokenRequestSchema, FeedTokenSchema, IssuedFeedTokenSchema

blp = Blueprint("feed_tokens", __name__, url_prefix="/api/v1", description="Private calendar feeds")
feed_bodies = FlaskBlueprint("feeds", __name__)

CALENDAR = "text/calendar; charset=utf-8"


@blp.route("/patients/<int:patient_id>/feed-tokens")
class PatientFeedTokens(MethodView):
    @allow(FRONT_DESK)
    @blp.response(200, FeedTokenSchema(many=True))
    def get(self, patient_id: int) -> list[dict[str, Any]]:
        """A patient's feed tokens (never their secrets)"""
        with UnitOfWork() as uow:
            return feeds.list_feed_tokens(uow, patient_id=patient_id)

    @allow(FRONT_DESK)
    @blp.arguments(FeedTokenRequestSchema)
    @blp.response(201, IssuedFeedTokenSchema)
    def post(self, data: dict[str, Any], patient_id: int) -> dict[str, Any]:
        """Create a private feed URL for a patient's phone (the secret appears only in this answer)"""
        with UnitOfWork(actor()) as uow:
            return feeds.issue_feed_token(uow, current_app.config["BASE_URL"], patient_id=patient_id, **data)


@blp.route("/clinics/<int:clinic_id>/feed-tokens")
class ClinicFeedTokens(MethodView):
    @allow(ADMIN)
    @blp.response(200, FeedTokenSchema(many=True))
    def get(self, clinic_id: int) -> list[dict[str, Any]]:
        """The clinic's staff feed tokens (never their secrets)"""
        with UnitOfWork() as uow:
            return feeds.list_feed_tokens(uow, clinic_id=clinic_id)

    @allow(ADMIN)
    @blp.arguments(FeedTokenRequestSchema)
    @blp.response(201, IssuedFeedTokenSchema)
    def post(self, data: dict[str, Any], clinic_id: int) -> dict[str, Any]:
        """Create a staff feed of the clinic's appointments (patient initials and chair, no full names)"""
        with UnitOfWork(actor()) as uow:
            return feeds.issue_feed_token(uow, current_app.config["BASE_URL"], clinic_id=clinic_id, **data)


@blp.route("/feed-tokens/<int:token_id>")
class FeedTokenById(MethodView):
    @allow(FRONT_DESK)
    @blp.response(204)
    def delete(self, token_id: int) -> None:
        """Revoke a feed URL: it answers 404 from the next request on"""
        with UnitOfWork(actor()) as uow:
            feeds.revoke_feed_token(uow, token_id)


@blp.route("/appointments/<int:appointment_id>.ics")
class AppointmentCalendar(MethodView):
    @allow(STAFF)
    @blp.doc(responses={"200": {"description": "One VEVENT", "content": {"text/calendar": {}}}})
    def get(self, appointment_id: int) -> Response:
        """One appointment as an iCalendar file (the e-mail attachment)"""
        with UnitOfWork() as uow:
            body = feeds.appointment_ics(uow, appointment_id)
        return Response(
            body,
            content_type=CALENDAR,
            headers={"Content-Disposition": f'attachment; filename="appointment-{appointment_id}.ics"'},
        )


@feed_bodies.get("/feeds/<string:secret>.ics")
def feed(secret: str) -> Response:
    """The feed; answers 304 when the client's copy is current (ETag first, then Last-Modified)."""
    with UnitOfWork() as uow:
        try:
            rendered = feeds.feed_for_secret(uow, secret, app_clock().now())
        except NotFound:
            return Response("no such feed\n", status=404, content_type="text/plain; charset=utf-8")
    headers = {
        "ETag": rendered.etag,
        "Last-Modified": format_datetime(rendered.last_modified.astimezone(UTC), usegmt=True),
        "Cache-Control": "private, max-age=300",
    }
    if _not_modified(rendered):
        return Response(status=304, headers=headers)
    return Response(rendered.body, content_type=CALENDAR, headers=headers)


def _not_modified(rendered: feeds.RenderedFeed) -> bool:
    tags = request.headers.get("If-None-Match")
    if tags is not None:  # RFC 9110: when If-None-Match is present, If-Modified-Since is ignored
        return tags.strip() == "*" or rendered.etag in {t.strip().removeprefix("W/") for t in tags.split(",")}
    since = request.headers.get("If-Modified-Since")
    if since is None:
        return False
    try:
        moment = parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
    return moment.tzinfo is not None and rendered.last_modified <= moment
