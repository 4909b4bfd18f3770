"""Staff log in with e-mail and password; each page declares the roles that may open it."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import abort, g, redirect, render_template, request, session, url_for

from ..services.accounts import check_password
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
            if "user_id" not in session:
                return redirect(url_for("web.auth.login", next=request.full_path.rstrip("?")))
            g.user_id, g.role, g.email = session["user_id"], session["role"], session["email"]
            g.actor = f"user:{g.user_id} <{g.email}> web"
            if g.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return wrap


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    error = None
    if request.method == "POST":
        with UnitOfWork() as uow:
            user = check_password(uow, request.form.get("email", ""), request.form.get("password", ""))
            if user is not None:
                session.clear()
                session.update(user_id=user.id, role=user.role, email=user.email)
                return redirect(_safe_next(request.args.get("next")))
        error = "That e-mail and password do not match an active staff account."
    return render_template("web/login.html", error=error, email=request.form.get("email", "")), 401 if error else 200


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
