"""One-time links to set a password, sent by e-mail: nobody else ever sees the user's password.

The token is random (256 bits); only its SHA-256 is stored. A link works once, for 24 hours, and a
newer link for the same user cancels the older ones. The link carries the token in the query string
(the access log leaves query strings out); the page moves it into the session at once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from hotline.auth import passwords
from hotline.auth.models import PasswordToken, User
from hotline.auth.services.common import UserError, audit_account, check_password, clear_failures
from hotline.auth.services.sessions import revoke_sessions
from hotline.database import utcnow
from hotline.extensions import db
from hotline.notifications import services as outbox
from hotline.notifications.models import OutboxChannel

LINK_LIFETIME = timedelta(hours=24)
SET_PASSWORD_PATH = "/account/set-password"  # noqa: S105  (a URL)
MAX_TOKEN_LENGTH = 100


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def unusable_password_hash() -> str:
    """A real argon2 hash of a random secret nobody knows: the account has no password yet."""
    return passwords.hash_password(secrets.token_urlsafe(32))


def issue_password_link(
    user: User, *, welcome: bool, request_id: int | None = None, now: datetime | None = None
) -> PasswordToken:
    """Queue an e-mail with a one-time link to set a password (earlier links stop working)."""
    now = now or utcnow()
    db.session.execute(
        update(PasswordToken)
        .where(
            PasswordToken.user_id == user.id,
            PasswordToken.used_at.is_(None),
            PasswordToken.expires_at > now,
        )
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    token = secrets.token_urlsafe(32)
    row = PasswordToken(
        token_hash=_token_hash(token),
        user_id=user.id,
        request_id=request_id,
        created_at=now,
        expires_at=now + LINK_LIFETIME,
    )
    db.session.add(row)
    db.session.flush()
    base = (current_app.config.get("HOTLINE_PUBLIC_URL") or "").rstrip("/")
    link = f"{base}{SET_PASSWORD_PATH}?token={token}"
    number = current_app.config.get("HOTLINE_PUBLIC_NUMBER", "1818")
    with force_locale(user.locale or "es"):
        if welcome:
            subject = _("Hotline %(number)s: your new account", number=number)
            body = _(
                "An account has been opened for you on the hotline's system. Choose your password "
                "with this link within 24 hours; it works only once: %(link)s",
                link=link,
            )
        else:
            subject = _("Hotline %(number)s: choose a new password", number=number)
            body = _(
                "An administrator has reset the password of your hotline account. Choose a new one "
                "with this link within 24 hours; it works only once: %(link)s "
                "If you did not expect this, call %(number)s.",
                link=link,
                number=number,
            )
    outbox.enqueue(
        channel=OutboxChannel.EMAIL,
        recipient=user.email,
        subject=subject,
        body=body,
        dedupe_key=f"auth:password-link:{row.id}",
        object_type="user",
        object_id=user.id,
    )
    return row


def get_password_link(token: str | None, *, now: datetime | None = None) -> PasswordToken | None:
    """The live link for this token: unused, not expired, for an active account; else None."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    now = now or utcnow()
    row = db.session.scalar(select(PasswordToken).where(PasswordToken.token_hash == _token_hash(token)))
    if row is None or row.used_at is not None or row.expires_at <= now or not row.user.is_active:
        return None
    return row


def set_password_with_link(token: str | None, password: str, *, now: datetime | None = None) -> User:
    """Set the password through a link; the link is used up, the user's sessions end."""
    now = now or utcnow()
    invalid = _l("This link does not work any more. Ask an administrator for a new one.")
    row = get_password_link(token, now=now)
    if row is None:
        raise UserError(invalid)
    user = row.user
    check_password(password, email=user.email, name=user.name)
    used = db.session.execute(
        update(PasswordToken)
        .where(PasswordToken.id == row.id, PasswordToken.used_at.is_(None), PasswordToken.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:  # used at the same moment by another request
        raise UserError(invalid)
    user.password_hash = passwords.hash_password(password)
    user.must_change_password = False
    clear_failures(user)
    revoke_sessions(user, reason="password_set", now=now)
    audit_account("user.set_password", user, summary=f"link {row.id}")
    return user
