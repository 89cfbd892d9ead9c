"""Errors and helpers shared by the auth services."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from hotline.audit import services as audit
from hotline.auth.models import User
from hotline.errors import HotlineError
from hotline.extensions import db

_OWNER = object()


class AuthError(HotlineError):
    """A login attempt failed; the message is the same whatever the reason."""


class UserError(HotlineError):
    pass


def audit_account(action: str, user: User, *, actor: Any = _OWNER, **details: Any) -> None:
    """Audit an action on an account; by default the account's owner acted (None: the system)."""
    audit.record(
        action, actor=user if actor is _OWNER else actor, object_type="user", object_id=user.id, **details
    )


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))
