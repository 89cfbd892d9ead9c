"""Errors, constants and small helpers shared by the referral services."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_app_context

from hotline.database import utcnow
from hotline.errors import HotlineError
from hotline.referrals.models import Referral, ReferralStatus
from hotline.versioning import VersionConflict, check_version, flush_versioned  # noqa: F401  (re-exported)

# --- errors -------------------------------------------------------------------------------------


class ReferralError(HotlineError):
    """A rule about referrals was broken (the message is safe to show)."""


class ConsentRequired(ReferralError):
    pass


class DetailNotShared(ReferralError):
    """A text sent to a partner mentions a detail of a person it is not shown. `leak` says what
    kind of detail, in which text and whose; neither it nor the message holds the detail itself."""

    def __init__(self, message: object = "", leak: Any = None) -> None:
        super().__init__(message)
        self.leak = leak


class PartnerInactive(ReferralError):
    pass


class RuleError(ReferralError):
    pass


# --- states -------------------------------------------------------------------------------------

# Referrals still waiting for the partner (a case with one of these is not closed lightly).
OPEN_STATUSES = (
    ReferralStatus.PENDING,
    ReferralStatus.SENT,
    ReferralStatus.ACKNOWLEDGED,
    ReferralStatus.ACCEPTED,
)
# What a partner may ever see: never a referral that was not sent, nor a revoked one.
PARTNER_VISIBLE = (
    ReferralStatus.SENT,
    ReferralStatus.ACKNOWLEDGED,
    ReferralStatus.ACCEPTED,
    ReferralStatus.DECLINED,
    ReferralStatus.CLOSED,
)
FINAL_STATUSES = (ReferralStatus.CLOSED, ReferralStatus.REVOKED)
DEFAULT_ACK_HOURS = {"urgent": 2, "high": 24, "normal": 72}
DEFAULT_PARTNER_ACCESS_DAYS = 180


def ack_hours() -> dict[str, int]:
    hours = dict(DEFAULT_ACK_HOURS)
    if has_app_context():
        hours.update(current_app.config.get("REFERRAL_ACK_HOURS") or {})
    return hours


def ack_deadline(risk: str, sent_at: datetime) -> datetime:
    """When the partner must have acknowledged a referral sent at `sent_at`."""
    hours = ack_hours()
    return sent_at + timedelta(hours=hours.get(risk, hours.get("normal", 72)))


def partner_access_days() -> int:
    if has_app_context():
        return int(current_app.config.get("REFERRAL_PARTNER_ACCESS_DAYS", DEFAULT_PARTNER_ACCESS_DAYS))
    return DEFAULT_PARTNER_ACCESS_DAYS


def is_overdue(referral: Referral, now: datetime | None = None) -> bool:
    return (
        referral.status == ReferralStatus.SENT
        and referral.ack_due_at is not None
        and referral.ack_due_at <= (now or utcnow())
    )


def public_url(path: str) -> str:
    base = (current_app.config.get("HOTLINE_PUBLIC_URL") or "").rstrip("/")
    return f"{base}{path}"


def normalise_number(number: str) -> str:
    """A partner case number for searching: upper case, letters and digits only."""
    return "".join(c for c in (number or "").upper() if c.isalnum())[:80]
