"""Four eyes on access to case data: an account change that opens it waits for a second admin.

Which roles read case data: operators and coordinators read and change cases, managers read the
case list, reports and (with a stated reason) identifiable exports, and partner focal points read the
case facts shared in their organisation's referrals (victims' identities among them, when shared).
An administrator reads no narrative but approves these requests, so a new administrator is itself
access to case data: one admin alone must not be able to mint a second admin and approve with it.
Hence every new account and every password reset waits for approval, and so does a role change that
adds to what the account can reach (`grants_more`); one that only takes rights away applies at once.

The admin who asks cannot approve, nor can the account's owner; any admin (the requester too, to
withdraw it) can refuse. Both decisions are audited; the change itself is audited when it applies.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update

from hotline.audit import services as audit
from hotline.audit.models import Outcome
from hotline.auth.models import AccountRequest, AccountRequestKind, AccountRequestStatus, Role, User
from hotline.auth.services.accounts import apply_role, create_invited_user, partner_for, reset_password
from hotline.auth.services.common import UserError, get_user_by_email, normalise_email
from hotline.database import utcnow
from hotline.extensions import db

# What each role can reach; a partner also reaches its own organisation's referrals.
_REACH: dict[Role, frozenset[str]] = {
    Role.OPERATOR: frozenset({"calls", "cases"}),
    Role.COORDINATOR: frozenset({"calls", "cases", "referrals", "reports"}),
    Role.MANAGER: frozenset({"case_list", "reports", "exports"}),
    Role.ADMIN: frozenset({"accounts", "audit"}),
    Role.PARTNER: frozenset(),
}


def reach(role: Role, partner_id: int | None) -> frozenset[str]:
    extra = {f"portal:{partner_id}"} if role is Role.PARTNER else set()
    return _REACH[role] | extra


def grants_more(user: User, role: Role, partner_id: int | None) -> bool:
    """Would this role (and organisation) let the account reach anything it cannot reach now?"""
    return bool(reach(role, partner_id) - reach(Role(user.role), user.partner_id))


def _audit(
    action: str, request: AccountRequest, actor: User, summary: str, outcome: Outcome = Outcome.SUCCESS
) -> None:
    audit.record(
        action,
        actor=actor,
        object_type="account_request",
        object_id=request.id,
        outcome=outcome,
        summary=summary,
    )


def _describe(request: AccountRequest) -> str:
    parts = [f"kind={request.kind}"]
    if request.user_id is not None:
        parts.append(f"user={request.user_id}")
    if request.role:
        parts.append(f"role={request.role}")
    if request.partner_id:
        parts.append(f"partner_id={request.partner_id}")
    if request.previous_role:
        parts.append(f"from={request.previous_role}")
    return " ".join(parts)


def _require_admin(actor: User) -> None:
    if Role(actor.role) is not Role.ADMIN or not actor.is_active:
        raise UserError(_l("Only an administrator can do this."))


def _pending_for(kind: AccountRequestKind, *, user_id: int | None = None, email: str | None = None) -> bool:
    query = select(func.count()).where(
        AccountRequest.kind == kind, AccountRequest.status == AccountRequestStatus.PENDING
    )
    query = query.where(AccountRequest.user_id == user_id) if user_id is not None else query
    query = query.where(AccountRequest.email == email) if email is not None else query
    return bool(db.session.scalar(query))


def _new_request(actor: User, now: datetime | None, **values: object) -> AccountRequest:
    request = AccountRequest(requested_by_id=actor.id, requested_at=now or utcnow(), **values)
    db.session.add(request)
    db.session.flush()
    _audit("user.request", request, actor, _describe(request))
    return request


def request_new_account(
    *,
    email: str,
    name: str,
    role: Role,
    partner_code: str | None,
    actor: User,
    now: datetime | None = None,
) -> AccountRequest:
    """Ask for a new account; it is created (and its owner e-mailed a link) once approved."""
    _require_admin(actor)
    email = normalise_email(email)
    if get_user_by_email(email) is not None:
        raise UserError(_l("A user with this e-mail address already exists."))
    if _pending_for(AccountRequestKind.CREATE, email=email):
        raise UserError(_l("A request for this account is already waiting for approval."))
    partner = partner_for(role, partner_code)
    return _new_request(
        actor,
        now,
        kind=AccountRequestKind.CREATE,
        email=email,
        name=name.strip(),
        role=role.value,
        partner_id=partner.id if partner else None,
    )


def request_role_change(
    user: User, *, role: Role, partner_code: str | None, actor: User, now: datetime | None = None
) -> AccountRequest | None:
    """A change that adds access waits for approval (returned); one that only removes applies now (None)."""
    _require_admin(actor)
    if user.id == actor.id and role is not Role.ADMIN:
        raise UserError(_l("You cannot remove your own administrator role."))
    partner = partner_for(role, partner_code)
    partner_id = partner.id if partner else None
    if role.value == user.role and partner_id == user.partner_id:
        raise UserError(_l("The account already has this role."))
    if not grants_more(user, role, partner_id):
        apply_role(user, role=role, partner_id=partner_id, actor=actor, summary="takes access away")
        return None
    if _pending_for(AccountRequestKind.CHANGE_ROLE, user_id=user.id):
        raise UserError(_l("A request for this account is already waiting for approval."))
    return _new_request(
        actor,
        now,
        kind=AccountRequestKind.CHANGE_ROLE,
        user_id=user.id,
        role=role.value,
        partner_id=partner_id,
        previous_role=user.role,
    )


def request_password_reset(user: User, *, actor: User, now: datetime | None = None) -> AccountRequest:
    _require_admin(actor)
    if _pending_for(AccountRequestKind.RESET_PASSWORD, user_id=user.id):
        raise UserError(_l("A request for this account is already waiting for approval."))
    return _new_request(actor, now, kind=AccountRequestKind.RESET_PASSWORD, user_id=user.id)


def _decide(
    request: AccountRequest, status: AccountRequestStatus, actor: User, now: datetime, reason: str | None
) -> None:
    """Move a pending request to its decision; only one of two simultaneous decisions wins."""
    result = db.session.execute(
        update(AccountRequest)
        .where(AccountRequest.id == request.id, AccountRequest.status == AccountRequestStatus.PENDING)
        .values(status=status, decided_by_id=actor.id, decided_at=now, reason=reason)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise UserError(_l("This request has already been decided."))
    db.session.refresh(request)


def approve_request(request: AccountRequest, *, actor: User, now: datetime | None = None) -> AccountRequest:
    """A second administrator approves: the change applies now, in this transaction.

    Every check comes before any change, so a refusal leaves only its audit row (the caller may
    commit it).
    """
    now = now or utcnow()
    _require_admin(actor)
    denied = None
    if request.requested_by_id == actor.id:
        denied = _l("You cannot approve your own request: another administrator must do it."), "own request"
    elif request.user_id == actor.id:
        denied = _l("You cannot approve a request about your own account."), "own account"
    if denied:
        _audit("user.approve", request, actor, f"refused: {denied[1]}; {_describe(request)}", Outcome.DENIED)
        raise UserError(denied[0])
    if request.status != AccountRequestStatus.PENDING:
        raise UserError(_l("This request has already been decided."))
    if request.kind == AccountRequestKind.CREATE and get_user_by_email(request.email or "") is not None:
        raise UserError(_l("A user with this e-mail address already exists."))
    _decide(request, AccountRequestStatus.APPROVED, actor, now, None)
    _audit("user.approve", request, actor, f"{_describe(request)} requested_by={request.requested_by_id}")
    note = f"request={request.id} requested_by={request.requested_by_id} approved_by={actor.id}"
    if request.kind == AccountRequestKind.CREATE:
        user = create_invited_user(
            email=request.email or "",
            role=Role(request.role),
            name=request.name or "",
            partner_id=request.partner_id,
            actor=actor,
            summary=note,
            request_id=request.id,
            now=now,
        )
        request.user_id = user.id
    elif request.kind == AccountRequestKind.CHANGE_ROLE:
        apply_role(
            request.user, role=Role(request.role), partner_id=request.partner_id, actor=actor, summary=note
        )
    else:
        reset_password(
            request.user, actor=actor, summary=f"link sent; {note}", request_id=request.id, now=now
        )
    db.session.flush()
    return request


def refuse_request(
    request: AccountRequest, *, actor: User, reason: str = "", now: datetime | None = None
) -> AccountRequest:
    """Refuse (or, by the admin who asked, withdraw) a request; nothing changes but the record."""
    now = now or utcnow()
    _require_admin(actor)
    _decide(request, AccountRequestStatus.REFUSED, actor, now, reason.strip()[:300] or None)
    withdrawn = " (withdrawn by the requester)" if request.requested_by_id == actor.id else ""
    _audit("user.refuse", request, actor, f"{_describe(request)}{withdrawn}")
    return request


def get_request(request_id: int) -> AccountRequest | None:
    return db.session.get(AccountRequest, request_id)


def list_pending_requests() -> list[AccountRequest]:
    return list(
        db.session.scalars(
            select(AccountRequest)
            .where(AccountRequest.status == AccountRequestStatus.PENDING)
            .order_by(AccountRequest.requested_at, AccountRequest.id)
        ).unique()
    )


def list_decided_requests(limit: int = 20) -> list[AccountRequest]:
    return list(
        db.session.scalars(
            select(AccountRequest)
            .where(AccountRequest.status != AccountRequestStatus.PENDING)
            .order_by(AccountRequest.decided_at.desc(), AccountRequest.id.desc())
            .limit(limit)
        ).unique()
    )


def count_pending_requests() -> int:
    return (
        db.session.scalar(select(func.count()).where(AccountRequest.status == AccountRequestStatus.PENDING))
        or 0
    )


def pending_requests_for(user: User) -> list[AccountRequest]:
    return list(
        db.session.scalars(
            select(AccountRequest)
            .where(
                AccountRequest.status == AccountRequestStatus.PENDING,
                or_(AccountRequest.user_id == user.id, AccountRequest.email == user.email),
            )
            .order_by(AccountRequest.id)
        ).unique()
    )
