"""Bearer-token authentication and per-view roles for /api/v1; anything undeclared is refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app, g, request
from flask_smorest import abort

from ..services.accounts import user_for_token
from ..services.unit_of_work import UnitOfWork

F = TypeVar("F", bound=Callable[..., object])

ADMIN = frozenset({"admin"})
FRONT_DESK = frozenset({"admin", "front_desk"})
STAFF = frozenset({"admin", "front_desk", "clinician"})

PUBLIC_BLUEPRINTS = {"api-docs", "api-docs-assets"}


def allow(roles: frozenset[str]) -> Callable[[F], F]:
    """Declare which roles may call a view method."""

    def mark(view: F) -> F:
        view.allowed_roles = roles  # type: ignore[attr-defined]
        return view

    return mark


def allowed_roles(endpoint: str, method: str) -> frozenset[str] | None:
    view = current_app.view_functions[endpoint]
    view_class = getattr(view, "view_class", None)
    name = method.lower()
    if name == "head" and not hasattr(view_class, "head"):
        name = "get"  # Flask answers HEAD with the GET handler
    handler = getattr(view_class, name, view)
    return getattr(handler, "allowed_roles", None)


def _authenticate() -> None:
    if not request.path.startswith("/api/") or request.endpoint is None:
        return
    if request.blueprint in PUBLIC_BLUEPRINTS or request.method == "OPTIONS":
        return
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    found = None
    if scheme.lower() == "bearer" and secret.strip():
        with UnitOfWork() as uow:
            found = user_for_token(uow, secret.strip())
            if found:
                user, token = found
                g.user_id, g.role, g.actor = user.id, user.role, f"user:{user.id} <{user.email}> token:{token.id}"
    if not found:
        abort(
            401,
            message="a valid API token is required: Authorization: Bearer <token>",
            headers={"WWW-Authenticate": 'Bearer realm="api"'},
        )
    roles = allowed_roles(request.endpoint, request.method)
    if roles is None or g.role not in roles:
        abort(403, message=f"the {g.role} role may not {request.method} {request.path}")


def init_auth(app: Flask) -> None:
    app.before_request(_authenticate)


def actor() -> str:
    """Who is making this request, for the audit log."""
    return getattr(g, "actor", "anonymous")
