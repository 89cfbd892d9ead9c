"""Server-side login sessions: the cookie holds a random token, the database its hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from hotline.auth.models import User, UserSession
from hotline.auth.services.common import audit_account
from hotline.database import utcnow
from hotline.extensions import db

TOUCH_INTERVAL = timedelta(seconds=60)


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
    audit_account("auth.login", user)
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
        audit_account(
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
        audit_account("auth.logout", row.user)


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
