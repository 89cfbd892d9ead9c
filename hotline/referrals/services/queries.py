"""Reading referrals: the coordinators' lists and search, the overdue view, one referral's page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from hotline.audit import services as audit
from hotline.cases.models import Case
from hotline.database import utcnow
from hotline.extensions import db
from hotline.referrals.models import Referral, ReferralCaseNumber, ReferralEvent, ReferralStatus
from hotline.referrals.services.common import normalise_number

PER_PAGE = 25


@dataclass(frozen=True)
class ReferralFilter:
    status: str | None = None
    partner_id: int | None = None
    kind: str | None = None
    overdue: bool = False
    q: str | None = None  # a referral or case reference, or a partner's case number


def _valid_id(referral_id: object) -> bool:
    return isinstance(referral_id, int) and 0 < referral_id <= 2**31 - 1


def get_referral(referral_id: int) -> Referral | None:
    if not _valid_id(referral_id):
        return None
    return db.session.get(Referral, referral_id)


def _search(query: Any, q: str) -> Any:
    text = q.strip()
    normalised = normalise_number(text)
    if not normalised:
        return query.where(False)
    number_hit = exists().where(
        ReferralCaseNumber.referral_id == Referral.id,
        ReferralCaseNumber.normalised.contains(normalised, autoescape=True)
        if len(normalised) >= 4
        else ReferralCaseNumber.normalised == normalised,
    )
    return query.where(or_(Referral.reference.ilike(f"%{_escape(text.upper())}%", escape="\\"), number_hit))


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_referrals(
    filters: ReferralFilter, *, page: int = 1, per_page: int = PER_PAGE, now: datetime | None = None
):  # type: ignore[no-untyped-def]
    """One page of referrals, newest first (partner loaded in the same query)."""
    query = select(Referral).options(joinedload(Referral.partner))
    if filters.status:
        query = query.where(Referral.status == filters.status)
    if filters.partner_id:
        query = query.where(Referral.partner_id == filters.partner_id)
    if filters.kind:
        query = query.where(Referral.kind == filters.kind)
    if filters.overdue:
        query = query.where(Referral.status == ReferralStatus.SENT, Referral.ack_due_at <= (now or utcnow()))
    if filters.q:
        query = _search(query, filters.q)
    query = query.order_by(Referral.created_at.desc(), Referral.id.desc())
    return db.paginate(query, page=max(page, 1), per_page=per_page, error_out=False)


def partner_choices() -> list[tuple[int, str]]:
    """(id, code) of every partner, for the list's filter (one light query)."""
    from hotline.partners.models import Partner

    return [
        (pid, code)
        for pid, code in db.session.execute(select(Partner.id, Partner.code).order_by(Partner.code))
    ]


def list_overdue(*, now: datetime | None = None, limit: int = 200) -> list[Referral]:
    """Sent referrals past their acknowledgement deadline, the longest overdue first."""
    return list(
        db.session.scalars(
            select(Referral)
            .options(joinedload(Referral.partner), joinedload(Referral.case).joinedload(Case.assigned_to))
            .where(Referral.status == ReferralStatus.SENT, Referral.ack_due_at <= (now or utcnow()))
            .order_by(Referral.ack_due_at, Referral.id)
            .limit(limit)
        )
    )


def count_overdue(*, now: datetime | None = None) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Referral)
            .where(Referral.status == ReferralStatus.SENT, Referral.ack_due_at <= (now or utcnow()))
        )
        or 0
    )


def counts_by_status() -> dict[str, int]:
    rows = db.session.execute(select(Referral.status, func.count()).group_by(Referral.status))
    return {status: count for status, count in rows}


def list_case_referrals(case_id: int) -> list[Referral]:
    return list(
        db.session.scalars(
            select(Referral)
            .options(joinedload(Referral.partner))
            .where(Referral.case_id == case_id)
            .order_by(Referral.case_seq)
        )
    )


def load_referral_for_detail(referral_id: int) -> Referral | None:
    """A referral with its partner, case, timeline and numbers, in a fixed number of queries."""
    if not _valid_id(referral_id):
        return None
    return db.session.scalar(
        select(Referral)
        .where(Referral.id == referral_id)
        .options(
            joinedload(Referral.partner),
            joinedload(Referral.case),
            selectinload(Referral.events).joinedload(ReferralEvent.actor),
            selectinload(Referral.case_numbers),
        )
        .execution_options(populate_existing=True)
    )


def record_referral_view(referral: Referral, actor: Any, *, summary: str = "referral page") -> None:
    """Audit one view of a referral (each page showing it calls this exactly once)."""
    audit.record("referral.view", actor=actor, object_type="referral", object_id=referral.id, summary=summary)
