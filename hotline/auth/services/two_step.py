"""Two-step verification: TOTP codes from an authenticator app, each accepted once, and recovery codes.

Mandatory for admins, managers and coordinators (`User.needs_two_step`): at their first sign-in
without it they enrol before any other page (`hotline.access`). A code is normalised (NFKC, so
full-width digits count; spaces and dashes dropped) and compared in constant time. Every refused code
counts towards the account lockout, like a wrong password. Turning it off, re-enrolling and new
recovery codes ask for the password and a current code.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from datetime import datetime, timedelta
from enum import StrEnum

import pyotp
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update

from hotline import crypto
from hotline.audit import services as audit
from hotline.audit.models import Outcome
from hotline.auth import passwords
from hotline.auth.models import RecoveryCode, Role, User
from hotline.auth.services.common import (
    AuthError,
    UserError,
    audit_account,
    clear_failures,
    is_locked,
    register_failure,
)
from hotline.auth.services.sessions import revoke_sessions
from hotline.database import utcnow
from hotline.extensions import db
from hotline.notifications import services as outbox
from hotline.notifications.models import OutboxChannel

RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or copied by hand
RECOVERY_LENGTH = 16  # 80 bits: an unsalted SHA-256 of it cannot be reversed by guessing
MAX_CODE_INPUT = 64


class SecondStep(StrEnum):
    TOTP = "totp"
    RECOVERY = "recovery"


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name="Linea 1818")


def must_enrol(user: User) -> bool:
    """Two-step sign-in is mandatory for the user's role and not set up yet."""
    return user.needs_two_step and not user.has_totp


def normalise_code(code: str) -> str:
    """NFKC (full-width and other compatibility digits become ASCII), no spaces or dashes, upper case."""
    if len(code) > MAX_CODE_INPUT:
        return ""
    folded = unicodedata.normalize("NFKC", code)
    return "".join(c for c in folded if not c.isspace() and c not in "-‐‑‒–—").upper()


def _accepted_step(secret: str, code: str, now: datetime) -> int | None:
    code = normalise_code(code)
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    matched = None
    for offset in (0, -1, 1):  # one 30-second step of clock drift either way
        at = now + timedelta(seconds=30 * offset)
        # Every window is compared (no early exit), each in constant time.
        if hmac.compare_digest(totp.at(at).encode("ascii"), code.encode("ascii")) and matched is None:
            matched = int(at.timestamp()) // 30
    return matched


def _check_totp(user: User, code: str, now: datetime) -> str | None:
    """None when the TOTP code is accepted (and its step used up), else why not (for the audit)."""
    if user.totp_secret is None:
        return "no second factor"
    step = _accepted_step(crypto.decrypt(user.totp_secret), code, now)
    if step is None:
        return "wrong code"
    if user.totp_last_step is not None and step <= user.totp_last_step:
        return "replayed code"
    user.totp_last_step = step
    return None


def verify_totp(user: User, code: str, *, now: datetime | None = None) -> bool:
    """Accept a current code once: a replay of an accepted (or older) step is refused and audited.

    Not counted towards the lockout; sign-in uses `check_second_step`, which is.
    """
    problem = _check_totp(user, code, now or utcnow())
    if problem is not None:
        audit_account("auth.totp_failed", user, outcome=Outcome.FAILURE, summary=problem)
        return False
    return True


# --- recovery codes -------------------------------------------------------------------------------


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def _format_code(raw: str) -> str:
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def _new_recovery_codes(user: User, now: datetime) -> list[str]:
    """Replace the user's recovery codes by ten new ones, returned once (only hashes are kept)."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _i in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _j in range(RECOVERY_LENGTH))
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_code_hash(raw), created_at=now))
        codes.append(_format_code(raw))
    db.session.flush()
    return codes


def _use_recovery_code(user: User, code: str, now: datetime) -> bool:
    code = normalise_code(code)
    if len(code) != RECOVERY_LENGTH or not code.isascii() or any(c not in RECOVERY_ALPHABET for c in code):
        return False
    wanted = _code_hash(code).encode("ascii")
    unused = db.session.execute(
        select(RecoveryCode.id, RecoveryCode.code_hash).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    ).all()
    found = None
    for row_id, stored in unused:  # every row compared, in constant time
        if hmac.compare_digest(stored.encode("ascii"), wanted) and found is None:
            found = row_id
    if found is None:
        return False
    # Conditional: of two requests using the same code at once, only one wins.
    result = db.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.id == found, RecoveryCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def count_recovery_codes(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count()).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


# --- the second step at sign-in, and the checks before a change ---------------------------------


def check_second_step(user: User, code: str, *, now: datetime | None = None) -> SecondStep:
    """Accept a current TOTP code or an unused recovery code. Raises AuthError otherwise.

    A refused code counts towards the account lockout (the counter wrong passwords use); a locked
    account is refused without looking at the code. Success clears the counter.
    """
    now = now or utcnow()
    if is_locked(user, now):
        audit_account("auth.login_locked", user, outcome=Outcome.DENIED, summary="code while locked")
        raise AuthError()
    problem = _check_totp(user, code, now)
    if problem is None:
        clear_failures(user)
        return SecondStep.TOTP
    if _use_recovery_code(user, code, now):
        clear_failures(user)
        audit_account("auth.recovery_code_used", user, summary=f"{count_recovery_codes(user)} left")
        return SecondStep.RECOVERY
    register_failure(user, now, action="auth.totp_failed", summary=problem)
    raise AuthError()


def _confirm_identity(user: User, password: str, code: str, now: datetime) -> None:
    """The password and a current code (or recovery code), before a change to the second factor."""
    locked = _l("Too many wrong attempts. Try again in a few minutes.")
    if is_locked(user, now):
        raise UserError(locked)
    if not passwords.verify_password(user.password_hash, password):
        register_failure(user, now, action="auth.login_failed", summary="wrong password (two-step change)")
        raise UserError(locked if is_locked(user, now) else _l("The password or the code is not correct."))
    try:
        check_second_step(user, code, now=now)
    except AuthError:
        raise UserError(
            locked if is_locked(user, now) else _l("The password or the code is not correct.")
        ) from None


def _check_new_code(secret: str, code: str, now: datetime) -> int:
    step = _accepted_step(secret, code, now)
    if step is None:
        raise UserError(_l("The code is not correct. Check the time on your phone and try again."))
    return step


def enable_two_step(user: User, secret: str, code: str, *, now: datetime | None = None) -> list[str]:
    """Turn two-step verification on with the first code of a new secret; returns the recovery codes."""
    now = now or utcnow()
    if user.has_totp:
        raise UserError(_l("Two-step verification is already on."))
    step = _check_new_code(secret, code, now)
    user.totp_secret = crypto.encrypt(secret)
    user.totp_last_step = step
    codes = _new_recovery_codes(user, now)
    audit_account("auth.totp_enabled", user)
    return codes


def renew_two_step(
    user: User, *, password: str, code: str, secret: str, new_code: str, now: datetime | None = None
) -> list[str]:
    """Move to a new authenticator (a new phone): password, a current code, then a code of the new one."""
    now = now or utcnow()
    if not user.has_totp:
        raise UserError(_l("Two-step verification is off."))
    step = _check_new_code(secret, new_code, now)  # nothing changes nor counts if only this is wrong
    _confirm_identity(user, password, code, now)
    user.totp_secret = crypto.encrypt(secret)
    user.totp_last_step = step
    codes = _new_recovery_codes(user, now)
    audit_account("auth.totp_renewed", user)
    return codes


def disable_two_step(user: User, *, password: str, code: str, now: datetime | None = None) -> None:
    now = now or utcnow()
    if user.needs_two_step:
        raise UserError(
            _l("Two-step verification is required for your role; you can move it to a new phone.")
        )
    if not user.has_totp:
        raise UserError(_l("Two-step verification is off."))
    _confirm_identity(user, password, code, now)
    _clear_second_factor(user)
    audit_account("auth.totp_disabled", user)


def regenerate_recovery_codes(
    user: User, *, password: str, code: str, now: datetime | None = None
) -> list[str]:
    now = now or utcnow()
    if not user.has_totp:
        raise UserError(_l("Two-step verification is off."))
    _confirm_identity(user, password, code, now)
    codes = _new_recovery_codes(user, now)
    audit_account("auth.recovery_codes_created", user)
    return codes


def _clear_second_factor(user: User) -> None:
    user.totp_secret = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def reset_two_step(user: User, *, actor: User, now: datetime | None = None) -> None:
    """An admin removes someone's second factor (a lost phone and no recovery code left).

    The user's sessions end; a user whose role requires it sets it up again at the next sign-in.
    Audited, and the user is told by e-mail (queued in the outbox, in their language).
    """
    now = now or utcnow()
    if Role(actor.role) is not Role.ADMIN:
        raise UserError(_l("Only an administrator can do this."))
    if user.id == actor.id:
        raise UserError(_l("Move your own two-step verification from your account page."))
    if not user.has_totp:
        raise UserError(_l("Two-step verification is off for this account."))
    _clear_second_factor(user)
    revoke_sessions(user, reason="two_step_reset", now=now)
    event = audit.record("auth.totp_reset", actor=actor, object_type="user", object_id=user.id)
    number = current_app.config.get("HOTLINE_PUBLIC_NUMBER", "1818")
    with force_locale(user.locale or "es"):
        subject = _("Hotline %(number)s: your two-step verification was reset", number=number)
        body = _(
            "An administrator has reset the two-step verification of your hotline account. "
            "At your next sign-in you will set it up again with your authenticator app. "
            "If you did not ask for this, tell your supervisor or call %(number)s at once.",
            number=number,
        )
    outbox.enqueue(
        channel=OutboxChannel.EMAIL,
        recipient=user.email,
        subject=subject,
        body=body,
        dedupe_key=f"auth:two-step-reset:{user.id}:{event.id}",
        object_type="user",
        object_id=user.id,
    )
