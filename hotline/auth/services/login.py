"""Password login and the lockout after repeated failures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import update

from hotline.audit import services as audit
from hotline.audit.models import Outcome
from hotline.auth import passwords
from hotline.auth.models import User
from hotline.auth.services.common import AuthError, audit_account, get_user_by_email
from hotline.database import utcnow
from hotline.extensions import db


@dataclass(frozen=True)
class LoginResult:
    user: User
    needs_totp: bool


def authenticate(email: str, password: str, *, now: datetime | None = None) -> LoginResult:
    """Check e-mail and password. Raises AuthError with one generic message on any failure."""
    now = now or utcnow()
    user = get_user_by_email(email) if len(email) <= 254 else None
    if user is None:
        passwords.verify_password(None, password)  # same cost as a real check
        audit.record(
            "auth.login_failed", object_type="user", outcome=Outcome.FAILURE, summary="unknown account"
        )
        raise AuthError()
    if user.locked_until is not None and user.locked_until > now:
        passwords.verify_password(None, password)
        audit_account(
            "auth.login_locked",
            user,
            outcome=Outcome.DENIED,
            summary="attempt while locked",
        )
        raise AuthError()
    if not passwords.verify_password(user.password_hash, password):
        _register_failure(user, now)
        raise AuthError()
    if not user.is_active:
        audit_account(
            "auth.login_failed",
            user,
            outcome=Outcome.DENIED,
            summary="account deactivated",
        )
        raise AuthError()
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.failed_login_count = 0
    user.first_failed_login_at = None
    user.locked_until = None
    return LoginResult(user=user, needs_totp=user.has_totp)


def _register_failure(user: User, now: datetime) -> None:
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
    audit_account(
        "auth.login_failed",
        user,
        outcome=Outcome.FAILURE,
        summary="wrong password",
    )
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
