"""The partner portal's reads: a partner user reaches only referrals addressed to its own
organisation, sent and not revoked, and within the access period after they ended.

Anything else (another organisation's referral, a missing id, a revoked one) is "not found" to
the partner, and the attempt is audited as `referral.access_denied`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from hotline.audit import services as audit
from hotline.audit.models import Outcome
from hotline.auth.models import Role
from hotline.database import utcnow
from hotline.extensions import db
from hotline.referrals.models import INTERNAL_EVENTS, Referral, ReferralEvent, ReferralStatus
from hotline.referrals.services.common import PARTNER_VISIBLE, partner_access_days
from hotline.referrals.services.queries import _valid_id

PORTAL_PER_PAGE = 20


def _visible(partner_id: int, now: datetime) -> Any:
    """SQL condition: what a user of `partner_id` may see at `now`."""
    cutoff = now - timedelta(days=partner_access_days())
    ended = or_(
        and_(Referral.status == ReferralStatus.CLOSED, Referral.closed_at < cutoff),
        and_(Referral.status == ReferralStatus.DECLINED, Referral.answered_at < cutoff),
    )
    return and_(
        Referral.partner_id == partner_id,
        Referral.status.in_([s.value for s in PARTNER_VISIBLE]),
        ~ended,
    )


def may_see(referral: Referral, actor: Any, now: datetime | None = None) -> bool:
    if getattr(actor, "role", None) != Role.PARTNER or actor.partner_id is None:
        return False
    if referral.partner_id != actor.partner_id or referral.status not in PARTNER_VISIBLE:
        return False
    cutoff = (now or utcnow()) - timedelta(days=partner_access_days())
    if referral.status == ReferralStatus.CLOSED and referral.closed_at and referral.closed_at < cutoff:
        return False
    return not (
        referral.status == ReferralStatus.DECLINED and referral.answered_at and referral.answered_at < cutoff
    )


def get_partner_referral(referral_id: Any, actor: Any, *, detail: bool = False) -> Referral | None:
    """The referral if `actor` (a partner user) may see it; else None, with an audit row."""
    referral = None
    if _valid_id(referral_id):
        query = select(Referral).where(Referral.id == referral_id)
        if detail:
            query = query.options(
                joinedload(Referral.partner),
                selectinload(Referral.events).joinedload(ReferralEvent.actor),
                selectinload(Referral.case_numbers),
            )
        referral = db.session.scalar(query.execution_options(populate_existing=True))
    if referral is not None and may_see(referral, actor):
        return referral
    audit.record(
        "referral.access_denied",
        actor=actor,
        object_type="referral",
        object_id=referral_id,
        outcome=Outcome.DENIED,
        summary="partner asked for a referral it may not see",
    )
    return None


def list_partner_referrals(
    actor: Any, *, status: str | None = None, page: int = 1, now: datetime | None = None
):  # type: ignore[no-untyped-def]
    """The partner's own referrals, those waiting for an answer first, then the newest."""
    query = select(Referral).where(_visible(actor.partner_id, now or utcnow()))
    if status:
        query = query.where(Referral.status == status)
    waiting = (Referral.status == ReferralStatus.SENT).desc()
    query = query.order_by(waiting, Referral.sent_at.desc(), Referral.id.desc())
    return db.paginate(query, page=max(page, 1), per_page=PORTAL_PER_PAGE, error_out=False)


def active_organisation(actor: Any) -> Any:
    """The partner organisation a partner user (or API key) works for, or None when it has none or
    it is deactivated in the directory: then it reaches nothing at all."""
    partner = getattr(actor, "partner", None)
    if partner is None or not partner.is_active:
        return None
    return partner


def list_partner_changes(
    actor: Any,
    *,
    status: str | None = None,
    updated_since: datetime | None = None,
    after: tuple[datetime, int] | None = None,
    limit: int = 50,
    now: datetime | None = None,
) -> list[Referral]:
    """The partner's own referrals (the portal's rule), oldest change first, for a partner's system
    that keeps in step: changed at or after `updated_since`, and after the `(updated_at, id)` of the
    last one it already has (`after`, a cursor)."""
    query = select(Referral).where(_visible(actor.partner_id, now or utcnow()))
    if status:
        query = query.where(Referral.status == status)
    if updated_since is not None:
        query = query.where(Referral.updated_at >= updated_since)
    if after is not None:
        at, last_id = after
        query = query.where(
            or_(Referral.updated_at > at, and_(Referral.updated_at == at, Referral.id > last_id))
        )
    query = query.order_by(Referral.updated_at, Referral.id).limit(max(limit, 1))
    return list(db.session.scalars(query))


def partner_counts(actor: Any, now: datetime | None = None) -> dict[str, int]:
    rows = db.session.execute(
        select(Referral.status, func.count())
        .where(_visible(actor.partner_id, now or utcnow()))
        .group_by(Referral.status)
    )
    return {status: count for status, count in rows}


def partner_timeline(referral: Referral) -> list[ReferralEvent]:
    """The events a partner sees (not the hotline's internal steps)."""
    return [e for e in referral.events if e.action not in INTERNAL_EVENTS]
