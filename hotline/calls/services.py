"""Logging contacts. Other domains (telephony, awareness) create calls only through here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from hotline import crypto
from hotline.audit import services as audit
from hotline.calls.models import Call, CallStatus, Channel
from hotline.database import utcnow
from hotline.extensions import db


def log_call(
    *,
    channel: Channel,
    status: CallStatus = CallStatus.ENDED,
    received_at: datetime | None = None,
    twilio_sid: str | None = None,
    caller_number: str | None = None,
    summary: str | None = None,
    actor: object | None = None,
) -> Call:
    """Create a Call row (and its audit row). The caller commits."""
    call = Call(
        channel=channel.value,
        status=status.value,
        received_at=received_at or utcnow(),
        twilio_sid=twilio_sid,
        caller_number=caller_number,
        caller_number_index=crypto.blind_index(caller_number, phone=True),
        summary=summary,
        operator_id=getattr(actor, "id", None),
    )
    db.session.add(call)
    db.session.flush()
    audit.record("call.create", actor=actor, object_type="call", object_id=call.id,
                 summary=f"channel={call.channel}")
    return call


def get_call_by_sid(sid: str) -> Call | None:
    return db.session.scalar(select(Call).where(Call.twilio_sid == sid))
