"""Password login and the lockout after repeated failures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hotline.audit import services as audit
from hotline.audit.models import Outcome
from hotline.auth import passwords
from hotline.auth.models import User
from hotline.auth.services.common import (
    AuthError,
    audit_account,
    clear_failures,
    get_user_by_email,
    is_locked,
    register_failure,
)
from hotline.database import utcnow


@dataclass(frozen=True)
class LoginResult:
    user: User
    needs_totp: bool


def authenticate(email: str, password: str, *, now: datetime | None = None) -> LoginResult:
    """Check e-mail and password. Raises AuthError with one generic message on any failure.

    With two-step verification on, the lockout counter is cleared only once the code is accepted
    too (`check_second_step`), so wrong codes and wrong passwords add up.
    """
    now = now or utcnow()
    user = get_user_by_email(email) if len(email) <= 254 else None
    if user is None:
        passwords.verify_password(None, password)  # same cost as a real check
        audit.record(
            "auth.login_failed", object_type="user", outcome=Outcome.FAILURE, summary="unknown account"
        )
        raise AuthError()
    if is_locked(user, now):
        passwords.verify_password(None, password)
        audit_account(
            "auth.login_locked",
            user,
            outcome=Outcome.DENIED,
            summary="attempt while locked",
        )
        raise AuthError()
    if not passwords.verify_password(user.password_hash, password):
        register_failure(user, now, action="auth.login_failed", summary="wrong password")
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
    if not user.has_totp:
        clear_failures(user)
    return LoginResult(user=user, needs_totp=user.has_totp)
