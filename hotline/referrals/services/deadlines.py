"""Acknowledgement deadlines: escalate, once each, the referrals a partner left unanswered."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from hotline.audit import services as audit
from hotline.auth.models import Role
from hotline.database import utcnow
from hotline.extensions import db
from hotline.referrals.models import EventAction, Referral, ReferralEvent, ReferralStatus
from hotline.referrals.services import notify


def _coordinators_to_warn(referral: Referral) -> list[Any]:
    from hotline.auth.models import User

    for candidate in (referral.case.assigned_to, referral.sent_by, referral.created_by):
        if candidate is not None and candidate.is_active and candidate.role == Role.COORDINATOR:
            return [candidate]
    return list(
        db.session.scalars(
            select(User).where(User.role == Role.COORDINATOR, User.is_active.is_(True)).order_by(User.id)
        )
    )


def escalate_overdue(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Escalate, once each, the sent referrals whose acknowledgement deadline has passed.

    Each referral is claimed with a conditional UPDATE (`escalated_at IS NULL`), so two runs at
    the same time (cron and the outbox worker) never escalate it twice. The caller commits.
    """
    now = now or utcnow()
    due = list(
        db.session.scalars(
            select(Referral.id)
            .where(
                Referral.status == ReferralStatus.SENT,
                Referral.ack_due_at <= now,
                Referral.escalated_at.is_(None),
            )
            .order_by(Referral.ack_due_at)
            .limit(limit)
        )
    )
    done = []
    for referral_id in due:
        claimed = db.session.execute(
            update(Referral)
            .where(Referral.id == referral_id, Referral.escalated_at.is_(None))
            .values(escalated_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            continue
        referral = db.session.get(Referral, referral_id, populate_existing=True)
        users = _coordinators_to_warn(referral)
        db.session.add(
            ReferralEvent(
                referral_id=referral.id,
                occurred_at=now,
                action=EventAction.ESCALATED.value,
                from_status=referral.status,
                to_status=referral.status,
            )
        )
        queued = notify.queue_escalation(referral, users)
        audit.record(
            "referral.escalate",
            object_type="referral",
            object_id=referral.id,
            summary=f"not acknowledged by {referral.ack_due_at.isoformat(timespec='minutes')}; "
            f"coordinators {[u.id for u in users]} warned ({queued} messages)",
        )
        done.append(referral.id)
    db.session.flush()
    return done
