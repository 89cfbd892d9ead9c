"""The admin's Twilio page: the webhook URLs to paste, what to fix before going live, rejections."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from hotline.audit import services as audit
from hotline.extensions import db
from hotline.telephony import twiml


def count_rejected_webhooks(*, since: datetime) -> int:
    query = audit.audit_query(audit.AuditFilter(action="telephony.bad_", since=since))
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def webhook_urls(public_url: str) -> dict[str, str]:
    base = public_url.rstrip("/")
    return {
        "voice": f"{base}/twilio/voice",
        "status": f"{base}/twilio/voice/status",
        "sms": f"{base}/twilio/sms",
        "client": f"{base}/twilio/voice/client",
    }


def config_problems(config: Mapping[str, Any]) -> list[Any]:
    """What an admin should fix before the hotline number goes live (translatable messages)."""
    problems: list[Any] = []
    if not config.get("TWILIO_AUTH_TOKEN"):
        problems.append(_l("TWILIO_AUTH_TOKEN is missing: every webhook is refused."))
    if not config.get("TWILIO_ACCOUNT_SID"):
        problems.append(_l("TWILIO_ACCOUNT_SID is missing: webhooks from any account would be accepted."))
    if not str(config.get("HOTLINE_PUBLIC_URL") or "").startswith("https://"):
        problems.append(_l("HOTLINE_PUBLIC_URL is not an https:// address: Twilio signs the exact URL."))
    valid, invalid = twiml.split_targets(config.get("TWILIO_OPERATOR_NUMBERS"))
    if not valid:
        problems.append(_l("No operator numbers (TWILIO_OPERATOR_NUMBERS): every caller goes to voicemail."))
    if invalid:
        problems.append(
            _l("%(n)d operator number(s) are not in E.164 or sip: form and are ignored.", n=len(invalid))
        )
    if not twiml.VoiceSettings.from_config(config).backup_number:
        problems.append(
            _l(
                "No valid backup number (TWILIO_BACKUP_NUMBER): when the app fails, callers "
                "only hear the emergency number."
            )
        )
    try:
        twiml.parse_hours(config.get("HOTLINE_OPENING_HOURS"))
    except ValueError:
        problems.append(_l("HOTLINE_OPENING_HOURS is not '24/7' or 'HH:MM-HH:MM': treated as always open."))
    return problems
