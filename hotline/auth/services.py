"""Authentication, lockout, server-side sessions and user administration.

Services never read the request or commit: callers pass plain values and commit once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pyotp
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from hotline import crypto
from hotline.audit import services as audit
from hotline.audit.models import Outcome
from hotline.auth import passwords
from hotline.auth.models import Role, User, UserSession
from hotline.database import utcnow
from hotline.errors import HotlineError
from hotline.extensions import db
from hotline.partners.models import Partner

TOUCH_INTERVAL = timedelta(seconds=60)


_OWNER = object()


def _audit_account(action: str, user: User, *, actor: Any = _OWNER, **details: Any) -> None:
    """Audit an action on an account; by default the account's owner acted (None: the system)."""
    audit.record(
        action, actor=user if actor is _OWNER else actor, object_type="user", object_id=user.id, **details
    )


class AuthError(HotlineError):
    """A login attempt failed; the message is the same whatever the reason."""


class UserError(HotlineError):
    pass


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


# --- login and lockout ----------------------------------------------------------------------


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
        _audit_account(
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
        _audit_account(
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
    _audit_account(
        "auth.login_failed",
        user,
        outcome=Outcome.FAILURE,
        summary="wrong password",
    )
    if user.failed_login_count >= threshold:
        user.locked_until = now + window
        user.failed_login_count = 0
        user.first_failed_login_at = None
        _audit_account(
            "auth.lockout",
            user,
            outcome=Outcome.DENIED,
            summary=f"locked for {int(window.total_seconds() // 60)} minutes",
        )


# --- two-factor -----------------------------------------------------------------------------


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name="Linea 1818")


def _accepted_step(secret: str, code: str, now: datetime) -> int | None:
    code = code.strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    for offset in (0, -1, 1):  # one 30-second step of clock drift either way
        at = now + timedelta(seconds=30 * offset)
        if secrets.compare_digest(totp.at(at), code):
            return int(at.timestamp()) // 30
    return None


def verify_totp(user: User, code: str, *, now: datetime | None = None) -> bool:
    """Accept a current code once: a replay of an accepted (or older) step is refused and audited."""
    now = now or utcnow()
    if user.totp_secret is None:
        return False
    step = _accepted_step(crypto.decrypt(user.totp_secret), code, now)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        summary = "replayed code" if step is not None else "wrong code"
        _audit_account(
            "auth.totp_failed",
            user,
            outcome=Outcome.FAILURE,
            summary=summary,
        )
        return False
    user.totp_last_step = step
    return True


def enable_totp(user: User, secret: str, code: str, *, now: datetime | None = None) -> bool:
    now = now or utcnow()
    step = _accepted_step(secret, code, now)
    if step is None:
        return False
    user.totp_secret = crypto.encrypt(secret)
    user.totp_last_step = step
    _audit_account("auth.totp_enabled", user)
    return True


def disable_totp(user: User, *, actor: User) -> None:
    user.totp_secret = None
    user.totp_last_step = None
    _audit_account("auth.totp_disabled", user, actor=actor)


# --- sessions -------------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def start_session(user: User, *, ip: str | None, user_agent: str | None, now: datetime | None = None) -> str:
    """Open a new server-side session and return its secret token (for the signed cookie)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            token_hash=_token_hash(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + current_app.config["SESSION_ABSOLUTE_TIMEOUT"],
            ip=ip,
            user_agent=(user_agent or "")[:255] or None,
        )
    )
    user.last_login_at = now
    _audit_account("auth.login", user)
    return token


def check_session(token: str | None, *, now: datetime | None = None) -> UserSession | None:
    """Return the live session for a token, revoking it when idle or past its absolute cap."""
    if not token:
        return None
    now = now or utcnow()
    row = db.session.scalar(
        select(UserSession).where(
            UserSession.token_hash == _token_hash(token), UserSession.revoked_at.is_(None)
        )
    )
    if row is None:
        return None
    idle: timedelta = current_app.config["SESSION_IDLE_TIMEOUT"]
    reason = None
    if now >= row.expires_at:
        reason = "expired"
    elif now - row.last_seen_at > idle:
        reason = "idle"
    elif not row.user.is_active:
        reason = "deactivated"
    if reason:
        row.revoked_at, row.revoked_reason = now, reason
        _audit_account(
            "auth.session_ended",
            row.user,
            summary=f"session ended: {reason}",
        )
        return None
    if now - row.last_seen_at >= TOUCH_INTERVAL:
        row.last_seen_at = now
    return row


def end_session(token: str | None, *, now: datetime | None = None) -> None:
    """Log out: end this session and every other session of the same user."""
    row = check_session(token, now=now)
    if row is not None:
        revoke_sessions(row.user, reason="logout", now=now)
        _audit_account("auth.logout", row.user)


def revoke_sessions(user: User, *, reason: str, now: datetime | None = None) -> int:
    result = db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now or utcnow(), revoked_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def count_live_sessions(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count()).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        )
        or 0
    )


# --- user administration --------------------------------------------------------------------


def _check_password(password: str, email: str) -> None:
    problems = passwords.password_problems(password, email=email)
    if problems:
        raise UserError(" ".join(str(p) for p in problems))


def _partner_for(role: Role, partner_code: str | None) -> Partner | None:
    if role is Role.PARTNER:
        if not partner_code:
            raise UserError(_l("A partner user must belong to a partner organisation."))
        partner = db.session.scalar(select(Partner).where(Partner.code == partner_code))
        if partner is None:
            raise UserError(_l("Unknown partner organisation."))
        return partner
    if partner_code:
        raise UserError(_l("Only partner users belong to a partner organisation."))
    return None


def create_user(
    *,
    email: str,
    role: Role,
    password: str,
    name: str = "",
    partner_code: str | None = None,
    must_change_password: bool = False,
    actor: User | None = None,
) -> User:
    email = normalise_email(email)
    if get_user_by_email(email) is not None:
        raise UserError(_l("A user with this e-mail address already exists."))
    _check_password(password, email)
    partner = _partner_for(role, partner_code)
    user = User(
        email=email,
        name=name.strip(),
        role=role.value,
        partner_id=partner.id if partner else None,
        password_hash=passwords.hash_password(password),
        must_change_password=must_change_password,
    )
    db.session.add(user)
    db.session.flush()
    _audit_account(
        "user.create",
        user,
        actor=actor,
        summary=f"role={role.value}" + (f" partner={partner.code}" if partner else ""),
    )
    return user


def change_role(user: User, *, role: Role, partner_code: str | None, actor: User) -> User:
    if user.id == actor.id and role is not Role.ADMIN:
        raise UserError(_l("You cannot remove your own administrator role."))
    partner = _partner_for(role, partner_code)
    before = f"role={user.role} partner_id={user.partner_id}"
    user.role = role.value
    user.partner_id = partner.id if partner else None
    # A change of role or organisation ends the user's sessions, so old rights stop at once.
    revoke_sessions(user, reason="role_changed")
    _audit_account(
        "user.change_role",
        user,
        actor=actor,
        summary=f"{before} -> role={user.role} partner_id={user.partner_id}",
    )
    return user


def set_active(user: User, *, active: bool, actor: User) -> User:
    if user.id == actor.id and not active:
        raise UserError(_l("You cannot deactivate your own account."))
    user.is_active = active
    if not active:
        revoke_sessions(user, reason="deactivated")
    audit.record(
        "user.activate" if active else "user.deactivate", actor=actor, object_type="user", object_id=user.id
    )
    return user


def reset_password(user: User, *, actor: User) -> str:
    """Set a random temporary password (shown once to the admin); the user must change it."""
    temporary = "-".join(secrets.token_urlsafe(6) for _ in range(3))
    user.password_hash = passwords.hash_password(temporary)
    user.must_change_password = True
    user.locked_until = None
    user.failed_login_count = 0
    revoke_sessions(user, reason="password_reset")
    _audit_account("user.reset_password", user, actor=actor)
    return temporary


def change_password(user: User, *, current: str, new: str) -> None:
    if not passwords.verify_password(user.password_hash, current):
        _audit_account(
            "user.change_password",
            user,
            outcome=Outcome.FAILURE,
            summary="wrong current password",
        )
        raise UserError(_l("The current password is not correct."))
    if current == new:
        raise UserError(_l("The new password must be different from the current one."))
    _check_password(new, user.email)
    user.password_hash = passwords.hash_password(new)
    user.must_change_password = False
    revoke_sessions(user, reason="password_changed")
    _audit_account("user.change_password", user)


def set_locale(user: User, locale: str) -> None:
    user.locale = locale


def list_users(page: int, per_page: int = 50):
    return db.paginate(select(User).order_by(User.email), page=page, per_page=per_page, error_out=False)
