"""Staff accounts and their API tokens."""

from __future__ import annotations

import functools
import re
import secrets

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..adapters import orm
from ..adapters.clock import utcnow
from ..adapters.secrets import hash_secret, new_secret, same_hash
from ..domain.errors import InvalidValue, NotFound
from .unit_of_work import UnitOfWork

ROLES = ("admin", "front_desk", "clinician")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Werkzeug's scrypt: memory-hard, so a stolen table is expensive to crack.
PASSWORD_METHOD = "scrypt"


def create_user(uow: UnitOfWork, email: str, role: str, password: str | None = None) -> tuple[int, str]:
    """Create a staff account; return its id and the password (generated when none is given)."""
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise InvalidValue("email", f"{email!r} is not an e-mail address")
    if role not in ROLES:
        raise InvalidValue("role", f"must be one of {', '.join(ROLES)}")
    if uow.session.scalar(select(orm.User.id).where(orm.User.email == email)) is not None:
        raise InvalidValue("email", f"a user {email} exists already")
    password = password or secrets.token_urlsafe(12)
    if len(password) < 10:
        raise InvalidValue("password", "must be at least 10 characters")
    user = orm.User(email=email, role=role, password_hash=generate_password_hash(password, PASSWORD_METHOD))
    uow.add(user)
    uow.flush()
    uow.audit("create", "user", user.id, after={"email": email, "role": role})
    uow.commit()
    return user.id, password


def create_token(uow: UnitOfWork, email: str, label: str = "") -> str:
    """Issue an API token for a user; the secret is returned once and only its hash is kept."""
    user = _user_by_email(uow, email)
    secret = new_secret()
    token = orm.ApiToken(user_id=user.id, token_hash=hash_secret(secret), label=label)
    uow.add(token)
    uow.flush()
    uow.audit("create", "api_token", token.id, after={"user_id": user.id, "label": label})
    uow.commit()
    return secret


def revoke_token(uow: UnitOfWork, token_id: int) -> None:
    token = uow.get(orm.ApiToken, token_id, "token")
    token.revoked_at = token.revoked_at or utcnow()
    uow.audit("revoke", "api_token", token_id)
    uow.commit()


def deactivate_user(uow: UnitOfWork, email: str) -> int:
    """Shut a person out: their password, their page sessions and every token stop working; return tokens revoked."""
    user = _user_by_email(uow, email)
    user.active = False
    live = [token for token in uow.session.scalars(select(orm.ApiToken).where(orm.ApiToken.user_id == user.id))]
    live = [token for token in live if token.revoked_at is None]
    for token in live:
        token.revoked_at = utcnow()
    uow.audit("deactivate", "user", user.id, after={"tokens_revoked": [token.id for token in live]})
    uow.commit()
    return len(live)


def tokens_of(uow: UnitOfWork, email: str) -> list[orm.ApiToken]:
    user = _user_by_email(uow, email)
    return list(uow.session.scalars(select(orm.ApiToken).where(orm.ApiToken.user_id == user.id).order_by("id")))


def active_user(uow: UnitOfWork, user_id: int) -> orm.User | None:
    """The user a page session belongs to, if they may still act: deactivation ends sessions at once."""
    user = uow.session.get(orm.User, user_id)
    return user if user is not None and user.active else None


def _user_by_email(uow: UnitOfWork, email: str) -> orm.User:
    user = uow.session.scalar(select(orm.User).where(orm.User.email == email.strip().lower()))
    if user is None:
        raise NotFound(f"user {email} does not exist")
    return user


def user_for_token(uow: UnitOfWork, secret: str) -> tuple[orm.User, orm.ApiToken] | None:
    """The active user a live token belongs to, or None."""
    digest = hash_secret(secret)
    token = uow.session.scalar(select(orm.ApiToken).where(orm.ApiToken.token_hash == digest))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    if not same_hash(token.token_hash, digest):  # pragma: no cover - the lookup matched it
        return None
    return token.user, token


def check_password(uow: UnitOfWork, email: str, password: str) -> orm.User | None:
    user = uow.session.scalar(select(orm.User).where(orm.User.email == email.strip().lower()))
    # An unknown e-mail costs the same scrypt as a known one, so the answer's timing does not tell which exist.
    matches = check_password_hash(user.password_hash if user else _unknown_user_hash(), password)
    if user is None or not user.active or not matches:
        return None
    return user


@functools.cache
def _unknown_user_hash() -> str:
    """A hash no password matches, made once per process (scrypt is slow on purpose)."""
    return generate_password_hash(secrets.token_urlsafe(16), PASSWORD_METHOD)
