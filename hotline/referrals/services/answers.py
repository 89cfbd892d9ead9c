"""The partner's answers: acknowledge, accept, decline, updates, the outcome, its case numbers.

Through the portal (a partner user, its own organisation only) or recorded by a coordinator on
the partner's behalf (`on_behalf=True`, marked on the timeline and in the audit trail). Each
answer names the version of the referral it was based on (`expected_version`): a stale one is a
VersionConflict, and so is none at all.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from hotline.auth.models import Role
from hotline.database import utcnow
from hotline.extensions import db
from hotline.referrals.models import (
    CaseNumberKind,
    EventAction,
    Referral,
    ReferralCaseNumber,
    ReferralOutcome,
    ReferralStatus,
)
from hotline.referrals.services.common import ReferralError, check_version, flush_versioned, normalise_number
from hotline.referrals.services.events import (
    add_event,
    audit_referral,
    behalf,
    check_answering,
    check_not_final,
    clean_text,
)


def acknowledge(
    referral: Referral,
    *,
    actor: Any,
    on_behalf: bool = False,
    expected_version: int,
    note: str | None = None,
) -> Referral:
    check_version(referral, expected_version)
    check_answering(referral, actor, on_behalf)
    if referral.acknowledged_at is not None:
        raise ReferralError(_l("This referral has already been acknowledged."))
    now = utcnow()
    before = referral.status
    referral.status = ReferralStatus.ACKNOWLEDGED.value
    referral.acknowledged_at = now
    add_event(
        referral, EventAction.ACKNOWLEDGED, actor, before=before, note=clean_text(note), on_behalf=on_behalf
    )
    audit_referral(referral, "acknowledge", actor, f"{before} -> acknowledged{behalf(on_behalf)}")
    flush_versioned(referral)
    return referral


def accept(
    referral: Referral,
    *,
    actor: Any,
    on_behalf: bool = False,
    expected_version: int,
    note: str | None = None,
) -> Referral:
    check_version(referral, expected_version)
    check_answering(referral, actor, on_behalf)
    if referral.status == ReferralStatus.ACCEPTED:
        raise ReferralError(_l("This referral has already been accepted."))
    if referral.status == ReferralStatus.DECLINED:
        raise ReferralError(_l("This referral was declined; it cannot be accepted now."))
    now = utcnow()
    before = referral.status
    referral.acknowledged_at = referral.acknowledged_at or now
    referral.answered_at = now
    referral.status = ReferralStatus.ACCEPTED.value
    add_event(
        referral, EventAction.ACCEPTED, actor, before=before, note=clean_text(note), on_behalf=on_behalf
    )
    audit_referral(referral, "accept", actor, f"{before} -> accepted{behalf(on_behalf)}")
    flush_versioned(referral)
    return referral


def decline(
    referral: Referral,
    *,
    reason: str,
    actor: Any,
    on_behalf: bool = False,
    expected_version: int,
) -> Referral:
    check_version(referral, expected_version)
    check_answering(referral, actor, on_behalf)
    reason = clean_text(reason)
    if not reason:
        raise ReferralError(_l("Say why the referral is declined."))
    if referral.status == ReferralStatus.DECLINED:
        raise ReferralError(_l("This referral has already been declined."))
    if referral.status == ReferralStatus.ACCEPTED:
        raise ReferralError(
            _l("This referral was accepted; record its outcome (e.g. no action, with the reason) instead.")
        )
    now = utcnow()
    before = referral.status
    referral.acknowledged_at = referral.acknowledged_at or now
    referral.answered_at = now
    referral.decline_reason = reason
    referral.status = ReferralStatus.DECLINED.value
    add_event(referral, EventAction.DECLINED, actor, before=before, note=reason, on_behalf=on_behalf)
    audit_referral(referral, "decline", actor, f"{before} -> declined{behalf(on_behalf)}")
    flush_versioned(referral)
    return referral


def post_update(
    referral: Referral,
    *,
    note: str,
    actor: Any,
    on_behalf: bool = False,
    expected_version: int,
) -> Referral:
    check_version(referral, expected_version)
    check_answering(referral, actor, on_behalf)
    note = clean_text(note)
    if not note:
        raise ReferralError(_l("An update cannot be empty."))
    add_event(referral, EventAction.UPDATE, actor, before=referral.status, note=note, on_behalf=on_behalf)
    referral.updated_at = utcnow()  # moves the version: a parallel answer sees the change
    audit_referral(referral, "update", actor, f"update posted{behalf(on_behalf)}")
    flush_versioned(referral)
    return referral


def record_outcome(
    referral: Referral,
    *,
    outcome: str,
    note: str | None,
    actor: Any,
    on_behalf: bool = False,
    expected_version: int,
) -> Referral:
    """The partner reports what it did; the referral is closed."""
    check_version(referral, expected_version)
    check_answering(referral, actor, on_behalf)
    if outcome not in {o.value for o in ReferralOutcome}:
        raise ReferralError(_l("Choose the outcome."))
    note = clean_text(note)
    if outcome in (ReferralOutcome.NO_ACTION, ReferralOutcome.OTHER) and not note:
        raise ReferralError(_l("Say why no action was taken, or what was done."))
    now = utcnow()
    before = referral.status
    referral.acknowledged_at = referral.acknowledged_at or now
    referral.answered_at = referral.answered_at or now
    referral.status = ReferralStatus.CLOSED.value
    referral.closed_at = now
    referral.outcome = outcome
    referral.outcome_note = note or None
    add_event(
        referral,
        EventAction.CLOSED,
        actor,
        before=before,
        note=note,
        outcome=outcome,
        on_behalf=on_behalf,
        at=now,
    )
    audit_referral(referral, "close", actor, f"{before} -> closed outcome={outcome}{behalf(on_behalf)}")
    flush_versioned(referral)
    return referral


def add_case_number(
    referral: Referral,
    *,
    kind: str,
    number: str,
    actor: Any,
    on_behalf: bool = False,
) -> ReferralCaseNumber:
    """The partner's own number for the case (police complaint, prosecutor's file...)."""
    if getattr(actor, "role", None) == Role.PARTNER:
        check_answering(referral, actor, on_behalf=False)
    elif referral.status == ReferralStatus.REVOKED:
        check_not_final(referral)
    if kind not in {k.value for k in CaseNumberKind}:
        raise ReferralError(_l("Choose what kind of number this is."))
    number = (number or "").strip()
    normalised = normalise_number(number)
    if not normalised or len(number) > 80:
        raise ReferralError(_l("Enter the number (letters and digits, at most 80 characters)."))
    clash = db.session.scalar(
        select(ReferralCaseNumber).where(
            ReferralCaseNumber.referral_id == referral.id,
            ReferralCaseNumber.kind == kind,
            ReferralCaseNumber.normalised == normalised,
        )
    )
    if clash is not None:
        raise ReferralError(_l("This number is already recorded on the referral."))
    row = ReferralCaseNumber(
        referral=referral,
        kind=kind,
        number=number,
        normalised=normalised,
        added_by_id=getattr(actor, "id", None),
        is_on_behalf=on_behalf,
    )
    db.session.add(row)
    add_event(
        referral,
        EventAction.CASE_NUMBER,
        actor,
        before=referral.status,
        note=f"{kind}: {number}",
        on_behalf=on_behalf,
    )
    audit_referral(referral, "case_number", actor, f"{kind} number recorded{behalf(on_behalf)}")
    db.session.flush()
    return row
