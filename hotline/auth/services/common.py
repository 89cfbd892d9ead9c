"""Errors and helpers shared by the auth services: auditing an account, the lockout counter."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from hotline.audit import services as audit
from hotline.audit.models import Outcome
from hotline.auth import passwords
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


def check_password(password: str, *, email: str, name: str | None = None) -> None:
    """Raise UserError with every reason (translated) when the password breaks the policy."""
    problems = passwords.password_problems(password, email=email, name=name)
    if problems:
        raise UserError(" ".join(str(p) for p in problems))


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


# --- lockout: wrong passwords and wrong second-step codes share one counter -----------------------


def is_locked(user: User, now: datetime) -> bool:
    return user.locked_until is not None and user.locked_until > now


def register_failure(user: User, now: datetime, *, action: str, summary: str) -> None:
    """Count one failed proof of identity (password or code); lock the account at the threshold."""
    window: timedelta = current_app.config["LOCKOUT_WINDOW"]
    threshold: int = current_app.config["LOCKOUT_THRESHOLD"]
    window_open = user.first_failed_login_at is not None and user.first_failed_login_at > now - window
    # One atomic UPDATE, so concurrent failures on several workers all count.
    if window_open:
        db.session.execute(
            update(User).where(User.id == user.id).values(failed_login_count=User.failed_login_count + 1)
        )
    else:
        db.session.execute(
            update(User).where(User.id == user.id).values(failed_login_count=1, first_failed_login_at=now)
        )
    db.session.refresh(user)
    audit_account(action, user, outcome=Outcome.FAILURE, summary=summary)
    if user.failed_login_count >= threshold:
        user.locked_until = now + window
        user.failed_login_count = 0
        user.first_failed_login_at = None
        audit_account(
            "auth.lockout",
            user,
            outcome=Outcome.DENIED,
            summary=f"locked for {int(window.total_seconds() // 60)} minutes",
        )


def clear_failures(user: User) -> None:
    user.failed_login_count = 0
    user.first_failed_login_at = None
    user.locked_until = None
