"""The life of a referral: prepared, sent, acknowledged, accepted or declined, closed; or revoked.

`pending -> sent -> acknowledged -> accepted | declined -> closed`, and `revoked` from any state
before `closed`. This module prepares and sends referrals (one per partner), records warm
hand-offs, revokes, and guards closing a case; the partner's answers are in `answers`, the
deadlines in `deadlines`. Every change writes a timeline event and an audit row in the caller's
transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from hotline.audit import services as audit
from hotline.cases.models import Case, CaseStatus
from hotline.database import utcnow
from hotline.extensions import db
from hotline.partners.models import Partner
from hotline.referrals.models import EventAction, Referral, ReferralKind, ReferralStatus
from hotline.referrals.services import notify
from hotline.referrals.services.common import (
    OPEN_STATUSES,
    PartnerInactive,
    ReferralError,
    ack_deadline,
    check_version,
    flush_versioned,
)
from hotline.referrals.services.events import add_event, audit_referral, check_not_final, clean_text
from hotline.referrals.services.sharing import ShareChoice, check_summary, plan_sharing


@dataclass(frozen=True)
class PartnerChoice:
    """One partner of a send: its type of referral, the rules that suggested it, and what IT is
    shown (each partner of the same send has its own choice)."""

    partner_id: int
    kind: str
    rule_codes: tuple[str, ...] = ()
    sharing: ShareChoice = field(default_factory=ShareChoice)


@dataclass
class CreateResult:
    referrals: list[Referral]
    created: bool  # False: the same form had already been submitted; nothing new was made


# --- preparing and sending ----------------------------------------------------------------------


def find_by_form_token(form_token: str) -> list[Referral]:
    return list(
        db.session.scalars(select(Referral).where(Referral.form_token == form_token).order_by(Referral.id))
    )


def _lock_case(case: Case) -> None:
    """Lock the case row until commit (PostgreSQL), so referrals of one case are made one at a
    time: numbers never clash and a parallel double submit finds the first one's referrals.
    SQLite transactions are already serialised (BEGIN IMMEDIATE)."""
    db.session.scalars(
        select(Case).where(Case.id == case.id).with_for_update().execution_options(populate_existing=True)
    ).all()  # reloads the case too: another coordinator may just have changed it


def _next_seq(case: Case) -> int:
    last = db.session.scalar(select(func.max(Referral.case_seq)).where(Referral.case_id == case.id))
    return (last or 0) + 1


def create_referrals(
    case: Case,
    *,
    partners: Sequence[PartnerChoice],
    summary: str,
    actor: Any,
    send: bool = True,
    form_token: str | None = None,
    now: datetime | None = None,
) -> CreateResult:
    """Prepare one referral per chosen partner (and send them unless `send` is False).

    Every partner gets the same `summary` and its own sharing choice: its snapshot holds only what
    was chosen for it, and an override of consent is recorded on its referral alone. Nothing is
    made unless every partner's choice passes (consent, need to know). The same `form_token`
    submitted again returns the referrals it already made.
    """
    _lock_case(case)  # first: a parallel submit of the same form waits here, then finds ours
    if form_token:
        existing = find_by_form_token(form_token)
        if existing:
            return CreateResult(existing, created=False)
    if case.status == CaseStatus.CLOSED:
        raise ReferralError(_l("This case is closed. Reopen it before referring it."))
    if not partners:
        raise ReferralError(_l("Choose at least one partner organisation."))
    ids = [p.partner_id for p in partners]
    if len(set(ids)) != len(ids):
        raise ReferralError(_l("Each organisation can be chosen only once."))
    found = {p.id: p for p in db.session.scalars(select(Partner).where(Partner.id.in_(ids)))}
    if len(found) != len(ids):
        raise ReferralError(_l("Unknown partner organisation."))
    for choice in partners:
        partner = found[choice.partner_id]
        if not partner.is_active:
            raise PartnerInactive(
                _l(
                    "%(partner)s is deactivated in the partner directory and cannot receive referrals.",
                    partner=partner.code,
                )
            )
        if choice.kind not in {k.value for k in ReferralKind}:
            raise ReferralError(_l("Choose the type of each referral."))
    already = db.session.scalars(
        select(Referral).where(
            Referral.case_id == case.id,
            Referral.partner_id.in_(ids),
            Referral.status.in_([s.value for s in OPEN_STATUSES]),
        )
    ).all()
    if already:
        raise ReferralError(
            _l(
                "%(partner)s already has an open referral for this case (%(reference)s). "
                "Follow it up, or revoke it first.",
                partner=already[0].partner.code,
                reference=already[0].reference,
            )
        )
    summary = check_summary(summary)
    plans = [plan_sharing(case, summary, c.sharing, partner_code=found[c.partner_id].code) for c in partners]
    now = now or utcnow()
    seq = _next_seq(case)
    made: list[Referral] = []
    for offset, (choice, plan) in enumerate(zip(partners, plans, strict=True)):
        sharing = choice.sharing
        referral = Referral(
            reference=f"{case.reference}-R{seq + offset}",
            case_id=case.id,
            case_seq=seq + offset,
            partner=found[choice.partner_id],
            partner_id=choice.partner_id,
            kind=choice.kind,
            status=ReferralStatus.PENDING.value,
            risk=case.risk,
            matched_rules=list(choice.rule_codes),
            form_token=form_token,
            share_place=sharing.share_place,
            share_identities=sharing.share_identities,
            share_contacts=sharing.share_contacts,
            share_suspects=sharing.share_suspects,
            shared_person_ids=[p.id for p in plan.victims],
            is_consent_overridden=bool(plan.without_consent),
            shared_data=plan.encoded(),
            created_by_id=getattr(actor, "id", None),
        )
        db.session.add(referral)
        db.session.flush()
        add_event(referral, EventAction.CREATED, actor, at=now)
        shared = [
            name
            for name, flag in (
                ("place", sharing.share_place),
                ("identities", sharing.share_identities),
                ("contacts", sharing.share_contacts),
                ("suspects", sharing.share_suspects),
            )
            if flag
        ]
        audit_referral(
            referral,
            "create",
            actor,
            f"{referral.reference} to {referral.partner.code} kind={referral.kind} "
            f"shares: summary{''.join(', ' + s for s in shared)}; persons {referral.shared_person_ids}",
        )
        if plan.without_consent:
            add_event(
                referral,
                EventAction.CONSENT_OVERRIDE,
                actor,
                note=(sharing.override_reason or "").strip(),
                at=now,
            )
            audit_referral(
                referral,
                "consent_override",
                actor,
                f"details of persons {[p.id for p in plan.without_consent]} shared with "
                f"{referral.partner.code} without recorded consent; the reason is on the referral's timeline",
            )
        made.append(referral)
    if send:
        for referral in made:
            _send(referral, actor=actor, now=now)
    db.session.flush()
    return CreateResult(made, created=True)


def send_referral(
    referral: Referral, *, actor: Any, expected_version: int, now: datetime | None = None
) -> Referral:
    """Send a referral prepared earlier, as it was at `expected_version` (else VersionConflict)."""
    check_version(referral, expected_version)
    return _send(referral, actor=actor, now=now)


def _send(referral: Referral, *, actor: Any, now: datetime | None = None) -> Referral:
    """Send: deadline, notifications, and the case becomes `referred`. For a referral just made
    (no form version to check) or one whose version `send_referral` checked."""
    from hotline.cases import services as cases

    check_not_final(referral)
    if referral.status != ReferralStatus.PENDING:
        raise ReferralError(_l("This referral has already been sent."))
    if not referral.partner.is_active:
        raise PartnerInactive(
            _l(
                "%(partner)s is deactivated in the partner directory and cannot receive referrals.",
                partner=referral.partner.code,
            )
        )
    case = referral.case
    if case.status == CaseStatus.CLOSED:
        raise ReferralError(_l("This case is closed. Reopen it before referring it."))
    now = now or utcnow()
    referral.status = ReferralStatus.SENT.value
    referral.sent_at = now
    referral.sent_by_id = getattr(actor, "id", None)
    referral.ack_due_at = ack_deadline(referral.risk, now)
    add_event(referral, EventAction.SENT, actor, before=ReferralStatus.PENDING.value, at=now)
    queued = notify.queue_partner_notice(referral, "sent")
    audit_referral(
        referral, "send", actor, f"{referral.reference} sent to {referral.partner.code}; {queued} notices"
    )
    if referral.kind == ReferralKind.WARM_HANDOFF:
        # The partner took the caller live: that is its acknowledgement.
        referral.status = ReferralStatus.ACKNOWLEDGED.value
        referral.acknowledged_at = now
        add_event(
            referral,
            EventAction.ACKNOWLEDGED,
            actor,
            before=ReferralStatus.SENT.value,
            note=None,
            on_behalf=True,
            at=now,
        )
    flush_versioned(referral)
    if case.status in (CaseStatus.NEW, CaseStatus.TRIAGED):
        cases.set_case_status(case, CaseStatus.REFERRED, actor)
    return referral


def record_warm_handoff(
    case: Case, *, partner: Partner, actor: Any, summary: str, now: datetime | None = None
) -> Referral:
    """A live caller was put through to a partner: record it as a warm hand-off referral.

    For the telephony package (after a successful transfer) and the case's referral page. Only
    the summary is shared; the partner heard the rest from the caller.
    """
    result = create_referrals(
        case,
        partners=[PartnerChoice(partner.id, ReferralKind.WARM_HANDOFF.value)],
        summary=summary,
        actor=actor,
        send=True,
        now=now,
    )
    return result.referrals[0]


def _digits(value: str | None) -> str:
    return "".join(c for c in value or "" if c.isdigit())


def record_handoff_for_call(call: Any, *, number: str, actor: Any) -> Referral | None:
    """After telephony put a live caller through to `number`: if the call belongs to an open case
    and the number is an active partner's line, record a warm hand-off referral; else nothing.

    Never fails the hand-off itself: anything that prevents the record leaves no trace (savepoint).
    """
    from hotline.cases import services as cases

    case = cases.get_case(call.case_id) if getattr(call, "case_id", None) else None
    wanted = _digits(number)
    if case is None or case.status == CaseStatus.CLOSED or len(wanted) < 6:
        return None
    partner = next(
        (
            p
            for p in db.session.scalars(
                select(Partner).where(Partner.is_active.is_(True), Partner.phone.is_not(None))
            )
            if _digits(p.phone) == wanted
        ),
        None,
    )
    if partner is None:
        return None
    with force_locale("es"):
        summary = _(
            "Live caller put through by the hotline (contact %(id)s). The caller told you the facts.",
            id=call.id,
        )
    savepoint = db.session.begin_nested()
    try:
        referral = record_warm_handoff(case, partner=partner, actor=actor, summary=summary)
    except ReferralError:
        savepoint.rollback()
        return None
    savepoint.commit()
    return referral


# --- the coordinator's own actions --------------------------------------------------------------


def revoke(referral: Referral, *, reason: str, actor: Any, expected_version: int) -> Referral:
    """Withdraw a referral (as it was at `expected_version`): the partner loses access on its next
    request."""
    check_version(referral, expected_version)
    check_not_final(referral)
    reason = clean_text(reason)
    if not reason:
        raise ReferralError(_l("Say why the referral is revoked."))
    now = utcnow()
    before = referral.status
    referral.status = ReferralStatus.REVOKED.value
    referral.revoked_at = now
    referral.revoke_reason = reason
    add_event(referral, EventAction.REVOKED, actor, before=before, note=reason, at=now)
    queued = notify.queue_partner_notice(referral, "revoked") if before != ReferralStatus.PENDING else 0
    audit_referral(referral, "revoke", actor, f"{before} -> revoked; {queued} notices")
    flush_versioned(referral)
    return referral


def open_referrals(case: Case) -> list[Referral]:
    return list(
        db.session.scalars(
            select(Referral)
            .where(Referral.case_id == case.id, Referral.status.in_([s.value for s in OPEN_STATUSES]))
            .order_by(Referral.case_seq)
        )
    )


def check_case_closable(case: Case, *, override_reason: str | None, actor: Any) -> None:
    """Called by cases.close_case: open referrals block closing unless overridden with a reason."""
    still_open = open_referrals(case)
    if not still_open:
        return
    reason = (override_reason or "").strip()
    if not reason:
        raise ReferralError(
            _l(
                "This case still has %(count)d open referral(s). Close or revoke them first, or close "
                "the case from its referrals page giving a reason.",
                count=len(still_open),
            )
        )
    audit.record(
        "referral.case_close_override",
        actor=actor,
        object_type="case",
        object_id=case.id,
        summary=f"case closed with open referrals {[r.id for r in still_open]}; reason in the case notes",
    )
