"""Two-step verification: TOTP codes from an authenticator app, each accepted once."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import pyotp

from hotline import crypto
from hotline.audit.models import Outcome
from hotline.auth.models import User
from hotline.auth.services.common import audit_account
from hotline.database import utcnow


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
        audit_account(
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
    audit_account("auth.totp_enabled", user)
    return True


def disable_totp(user: User, *, actor: User) -> None:
    user.totp_secret = None
    user.totp_last_step = None
    audit_account("auth.totp_disabled", user, actor=actor)
