"""Staff log in with e-mail and password; each page declares the roles that may open it."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import abort, current_app, g, redirect, render_template, request, session, url_for

from ..adapters.clock import app_clock
from ..services import login_throttle
from ..services.accounts import active_user, check_password
from ..services.login_throttle import LoginLimits
from ..services.unit_of_work import UnitOfWork
from .pages import blueprint

F = TypeVar("F", bound=Callable[..., Any])
bp = blueprint("auth")

ADMIN = frozenset({"admin"})
FRONT_DESK = frozenset({"admin", "front_desk"})
STAFF = frozenset({"admin", "front_desk", "clinician"})


def page(roles: frozenset[str]) -> Callable[[F], F]:
    """Open the view to these roles: anyone else logged in gets 403, anyone not logged in the login page."""

    def wrap(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            user = _session_user()
            if user is None:
                session.clear()
                return redirect(url_for("web.auth.login", next=request.full_path.rstrip("?")))
            g.user_id, g.role, g.email = user
            g.actor = f"user:{g.user_id} <{g.email}> web"
            if g.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return wrap


def _session_user() -> tuple[int, str, str] | None:
    """(id, role, e-mail) of the session's user, read again on every page: deactivation counts at once."""
    if "user_id" not in session:
        return None
    with UnitOfWork() as uow:
        user = active_user(uow, session["user_id"])
        return (user.id, user.role, user.email) if user else None


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    email = request.form.get("email", "")
    if request.method == "GET":
        return render_template("web/login.html", error=None, email=email)
    with UnitOfWork() as uow:
        attempt = login_throttle.begin(
            uow,
            email,
            request.remote_addr or "unknown",
            LoginLimits.from_config(current_app.config),
            current_app.config["SECRET_KEY"],
            app_clock().now(),
        )
        if not attempt.admitted:
            minutes = -(-attempt.retry_after // 60)
            error = f"Too many failed log-ins. Try again in {minutes} minute{'s' if minutes > 1 else ''}."
            page = render_template("web/login.html", error=error, email=email)
            return page, 429, {"Retry-After": str(attempt.retry_after)}
        user = check_password(uow, email, request.form.get("password", ""))
        if user is not None:
            login_throttle.succeeded(uow, attempt)
            session.clear()
            session["user_id"] = user.id
            return redirect(_safe_next(request.args.get("next")))
    error = "That e-mail and password do not match an active staff account."
    return render_template("web/login.html", error=error, email=email), 401


@bp.route("/")
def home() -> Any:
    return redirect(url_for("web.board.day"))


@bp.post("/logout")
def logout() -> Any:
    session.clear()
    return redirect(url_for("web.auth.login"))


def _safe_next(target: str | None) -> str:
    """Only a path on this site: a crafted ?next= must not send the user elsewhere after login."""
    # Browsers read "/\\host" as "//host": a backslash anywhere is refused along with "//" and full URLs.
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target or urlsplit(target).netloc:
        return url_for("web.board.day")
    return target
