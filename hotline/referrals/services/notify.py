"""Notifications about referrals, queued in the outbox in the caller's transaction.

A message carries only the referral's reference and a link (or the hotline's number), never any
fact of the case: whoever reads the SMS or e-mail must sign in to see more.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from hotline.extensions import db
from hotline.notifications import services as outbox
from hotline.notifications.models import OutboxChannel
from hotline.referrals.models import Referral
from hotline.referrals.services.common import public_url
from hotline.referrals.signals import partner_event


def focal_points(partner_id: int) -> list[Any]:
    """The active partner users (focal points) of an organisation."""
    from hotline.auth.models import Role, User

    return list(
        db.session.scalars(
            select(User)
            .where(User.partner_id == partner_id, User.role == Role.PARTNER, User.is_active.is_(True))
            .order_by(User.id)
        )
    )


def _recipients(referral: Referral, users: Iterable[Any]) -> list[tuple[OutboxChannel, str, str, str]]:
    """(channel, address, who, locale): the partner's institutional contacts and its focal points."""
    partner = referral.partner
    rows: list[tuple[OutboxChannel, str, str, str]] = []
    if partner.phone:
        rows.append((OutboxChannel.SMS, partner.phone, "partner", "es"))
    if partner.email:
        rows.append((OutboxChannel.EMAIL, partner.email, "partner", "es"))
    for user in users:
        locale = user.locale or "es"
        if user.phone:
            rows.append((OutboxChannel.SMS, user.phone, f"u{user.id}", locale))
        if user.email:
            rows.append((OutboxChannel.EMAIL, user.email, f"u{user.id}", locale))
    seen: set[tuple[str, str]] = set()
    unique = []
    for channel, address, who, locale in rows:
        key = (channel.value, address.strip().lower())
        if key not in seen:
            seen.add(key)
            unique.append((channel, address.strip(), who, locale))
    return unique


def _texts(event: str, referral: Referral, has_accounts: bool) -> tuple[str, str]:
    number = current_app.config.get("HOTLINE_PUBLIC_NUMBER", "1818")
    link = public_url(f"/portal/referrals/{referral.id}")
    ref = referral.reference
    if event == "sent":
        subject = _("Hotline %(number)s: referral %(reference)s", number=number, reference=ref)
        if has_accounts:
            body = _(
                "Hotline %(number)s: new referral %(reference)s for your organisation. "
                "Sign in to read it and acknowledge it: %(link)s",
                number=number,
                reference=ref,
                link=link,
            )
        else:
            body = _(
                "Hotline %(number)s: new referral %(reference)s for your organisation. The document "
                "follows through official channels. Questions: call %(number)s.",
                number=number,
                reference=ref,
            )
    else:  # revoked
        subject = _("Hotline %(number)s: referral %(reference)s withdrawn", number=number, reference=ref)
        body = _(
            "Hotline %(number)s: referral %(reference)s has been withdrawn by the hotline. "
            "Questions: call %(number)s.",
            number=number,
            reference=ref,
        )
    return subject, body


def queue_partner_notice(referral: Referral, event: str) -> int:
    """SMS and e-mail to the partner and its focal points (event: "sent" or "revoked")."""
    users = focal_points(referral.partner_id)
    queued = 0
    for channel, address, who, locale in _recipients(referral, users):
        with force_locale(locale):
            subject, body = _texts(event, referral, bool(users))
        message = outbox.enqueue(
            channel=channel,
            recipient=address,
            subject=subject,
            body=body,
            dedupe_key=f"referral:{referral.id}:{event}:{channel.value}:{who}",
            object_type="referral",
            object_id=referral.id,
        )
        queued += message is not None
    partner_event.send(referral, event=event)
    return queued


def queue_escalation(referral: Referral, users: Iterable[Any]) -> int:
    """Tell coordinators that a partner has not acknowledged a referral in time."""
    number = current_app.config.get("HOTLINE_PUBLIC_NUMBER", "1818")
    link = public_url(f"/referrals/{referral.id}")
    queued = 0
    for user in users:
        with force_locale(user.locale or "es"):
            subject = _("Overdue referral %(reference)s", reference=referral.reference)
            body = _(
                "Hotline %(number)s: referral %(reference)s to %(partner)s has not been acknowledged "
                "in time. Follow it up: %(link)s",
                number=number,
                reference=referral.reference,
                partner=referral.partner.code,
                link=link,
            )
        for channel, address in ((OutboxChannel.EMAIL, user.email), (OutboxChannel.SMS, user.phone)):
            if not address:
                continue
            message = outbox.enqueue(
                channel=channel,
                recipient=address,
                subject=subject,
                body=body,
                dedupe_key=f"referral:{referral.id}:escalated:{channel.value}:u{user.id}",
                object_type="referral",
                object_id=referral.id,
            )
            queued += message is not None
    partner_event.send(referral, event="escalated")
    return queued
