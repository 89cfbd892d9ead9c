"""User accounts: creating them (command line), roles, activation, password reset and change.

From the admin pages, whatever gives access to case data goes through `approvals` first (a second
administrator); the functions here apply a change once it may happen.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from hotline.audit import services as audit
from hotline.audit.models import Outcome
from hotline.auth import passwords
from hotline.auth.models import Role, User
from hotline.auth.services.common import (
    UserError,
    audit_account,
    check_password,
    clear_failures,
    get_user_by_email,
    normalise_email,
)
from hotline.auth.services.password_links import issue_password_link, unusable_password_hash
from hotline.auth.services.sessions import revoke_sessions
from hotline.database import utcnow
from hotline.extensions import db
from hotline.pagination import paginate
from hotline.partners.models import Partner


def partner_for(role: Role, partner_code: str | None) -> Partner | None:
    """The organisation of a partner user (required), or None for staff (who have none)."""
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
    """Create an account with a password at once (the command line and the demo accounts)."""
    email = normalise_email(email)
    if get_user_by_email(email) is not None:
        raise UserError(_l("A user with this e-mail address already exists."))
    check_password(password, email=email, name=name)
    partner = partner_for(role, partner_code)
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


def create_invited_user(
    *,
    email: str,
    role: Role,
    name: str,
    partner_id: int | None,
    actor: User,
    summary: str = "",
    request_id: int | None = None,
    now: datetime | None = None,
) -> User:
    """Create an account without a password; the user chooses one through an e-mailed link."""
    email = normalise_email(email)
    if get_user_by_email(email) is not None:
        raise UserError(_l("A user with this e-mail address already exists."))
    user = User(
        email=email,
        name=name.strip(),
        role=role.value,
        partner_id=partner_id,
        password_hash=unusable_password_hash(),
    )
    db.session.add(user)
    db.session.flush()
    issue_password_link(user, welcome=True, request_id=request_id, now=now)
    audit_account(
        "user.create",
        user,
        actor=actor,
        summary=" ".join(
            filter(None, [f"role={role.value}", f"partner_id={partner_id}" if partner_id else "", summary])
        ),
    )
    return user


def change_role(
    user: User, *, role: Role, partner_code: str | None = None, actor: User, summary: str = ""
) -> User:
    if user.id == actor.id and role is not Role.ADMIN:
        raise UserError(_l("You cannot remove your own administrator role."))
    partner = partner_for(role, partner_code)
    return apply_role(
        user, role=role, partner_id=partner.id if partner else None, actor=actor, summary=summary
    )


def apply_role(user: User, *, role: Role, partner_id: int | None, actor: User, summary: str = "") -> User:
    before = f"role={user.role} partner_id={user.partner_id}"
    user.role = role.value
    user.partner_id = partner_id
    # A change of role or organisation ends the user's sessions, so old rights stop at once.
    revoke_sessions(user, reason="role_changed")
    audit_account(
        "user.change_role",
        user,
        actor=actor,
        summary=f"{before} -> role={user.role} partner_id={user.partner_id}"
        + (f" {summary}" if summary else ""),
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


def reset_password(
    user: User, *, actor: User, summary: str = "", request_id: int | None = None, now: datetime | None = None
) -> None:
    """The old password stops working and the sessions end; the user gets a link to choose a new one.

    No temporary password exists, so no administrator ever sees one.
    """
    now = now or utcnow()
    user.password_hash = unusable_password_hash()
    user.must_change_password = False
    clear_failures(user)
    revoke_sessions(user, reason="password_reset", now=now)
    issue_password_link(user, welcome=False, request_id=request_id, now=now)
    audit_account("user.reset_password", user, actor=actor, summary=summary or "link sent")


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
    check_password(new, email=user.email, name=user.name)
    user.password_hash = passwords.hash_password(new)
    user.must_change_password = False
    revoke_sessions(user, reason="password_changed")
    audit_account("user.change_password", user)


def set_locale(user: User, locale: str) -> None:
    user.locale = locale


def list_users(page: int, per_page: int = 50):  # type: ignore[no-untyped-def]
    return paginate(select(User).order_by(User.email), page=page, per_page=per_page)
