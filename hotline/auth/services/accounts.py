"""User administration (create, role, activation, password reset) and the user's own settings."""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from hotline.audit import services as audit
from hotline.audit.models import Outcome
from hotline.auth import passwords
from hotline.auth.models import Role, User
from hotline.auth.services.common import UserError, audit_account, get_user_by_email, normalise_email
from hotline.auth.services.sessions import revoke_sessions
from hotline.extensions import db
from hotline.partners.models import Partner


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
    audit_account(
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
    audit_account(
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
    audit_account("user.reset_password", user, actor=actor)
    return temporary


def change_password(user: User, *, current: str, new: str) -> None:
    if not passwords.verify_password(user.password_hash, current):
        audit_account(
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
    audit_account("user.change_password", user)


def set_locale(user: User, locale: str) -> None:
    user.locale = locale


def list_users(page: int, per_page: int = 50):
    return db.paginate(select(User).order_by(User.email), page=page, per_page=per_page, error_out=False)
