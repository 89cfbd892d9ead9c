"""Helpers shared by the lifecycle services: timeline events, audit rows, checks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from hotline.audit import services as audit
from hotline.auth.models import Role
from hotline.database import utcnow
from hotline.extensions import db
from hotline.referrals.models import EventAction, Referral, ReferralEvent, ReferralStatus
from hotline.referrals.services.common import PartnerInactive, ReferralError

MAX_NOTE = 5000


def add_event(
    referral: Referral,
    action: EventAction,
    actor: Any,
    *,
    before: str | None = None,
    note: str | None = None,
    outcome: str | None = None,
    on_behalf: bool = False,
    at: datetime | None = None,
) -> ReferralEvent:
    event = ReferralEvent(
        referral=referral,
        occurred_at=at or utcnow(),
        actor_id=getattr(actor, "id", None),
        action=action.value,
        from_status=before,
        to_status=referral.status,
        outcome=outcome,
        note=note or None,
        is_on_behalf=on_behalf,
    )
    db.session.add(event)
    return event


def audit_referral(referral: Referral, action: str, actor: Any, summary: str) -> None:
    audit.record(
        f"referral.{action}", actor=actor, object_type="referral", object_id=referral.id, summary=summary
    )


def clean_text(text: str | None) -> str:
    value = (text or "").strip()
    if len(value) > MAX_NOTE:
        raise ReferralError(_l("The text is too long (at most %(max)d characters).", max=MAX_NOTE))
    return value


def check_not_final(referral: Referral) -> None:
    if referral.status == ReferralStatus.REVOKED:
        raise ReferralError(_l("This referral was revoked: nothing more can be recorded on it."))
    if referral.status == ReferralStatus.CLOSED:
        raise ReferralError(_l("This referral is closed: nothing more can be recorded on it."))


def check_answering(referral: Referral, actor: Any, on_behalf: bool) -> None:
    """Partners answer their own referrals; coordinators only on a partner's behalf."""
    role = getattr(actor, "role", None)
    if role == Role.PARTNER:
        if on_behalf or getattr(actor, "partner_id", None) != referral.partner_id:
            raise ReferralError(_l("This referral is not addressed to your organisation."))
        if not referral.partner.is_active:
            raise PartnerInactive(
                _l("Your organisation is deactivated in the partner directory. Please call the hotline.")
            )
    elif role == Role.COORDINATOR:
        if not on_behalf:
            raise ReferralError(_l("Coordinators record a partner's answer on its behalf."))
    else:
        raise ReferralError(_l("You may not answer referrals."))
    check_not_final(referral)
    if referral.status == ReferralStatus.PENDING:
        raise ReferralError(_l("This referral has not been sent yet."))


def behalf(on_behalf: bool) -> str:
    return " (recorded on the partner's behalf)" if on_behalf else ""
