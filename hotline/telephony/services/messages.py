"""Inbound SMS and WhatsApp: threading into conversations, and the STOP/START opt-out list."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import IntegrityError

from hotline import crypto
from hotline.audit import services as audit
from hotline.calls import services as calls_services
from hotline.calls.models import Call, CallStatus, Channel
from hotline.database import utcnow
from hotline.extensions import db
from hotline.telephony.models import Direction, Message, OptOut
from hotline.telephony.services.common import CONVERSATION_WINDOW, bound_statement_time
from hotline.telephony.webhooks import MessageParams

# A message that is exactly one of these words (any case, accents, punctuation) opts in or out.
# Ambiguous words a person in danger might send alone ("alto", "salir") are deliberately absent.
OPT_OUT_WORDS = frozenset(
    {
        "stop",
        "stopall",
        "unsubscribe",
        "cancel",
        "end",
        "quit",
        "optout",
        "revoke",
        "baja",
        "darse de baja",
        "detener",
        "cancelar",
    }
)
OPT_IN_WORDS = frozenset({"start", "unstop", "yes", "alta", "iniciar"})


def _lock_number(index: str) -> None:
    """Serialise webhooks from the same number (PostgreSQL) so parallel messages thread together."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": int(index[:15], 16)})


def _keyword(body: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", crypto.normalise(body)).split())


@dataclass(frozen=True)
class InboundMessage:
    action: str  # stored | duplicate | opt_out | opt_in
    call: Call | None = None
    message: Message | None = None
    acknowledge: bool = False


def _opted_out(index: str | None) -> bool:
    if not index:
        return False
    return db.session.scalar(select(OptOut.id).where(OptOut.number_index == index)) is not None


def is_opted_out(number: str) -> bool:
    """Whether this number asked for no more messages (STOP, BAJA...)."""
    bare = number.removeprefix("whatsapp:")
    return _opted_out(crypto.blind_index(bare, phone=True))


def last_inbound_whatsapp_at(number: str) -> datetime | None:
    """When this number last wrote to us on WhatsApp (the 24-hour window starts there)."""
    index = crypto.blind_index(number.removeprefix("whatsapp:"), phone=True)
    if not index:
        return None
    return db.session.scalar(
        select(func.max(Message.received_at))
        .join(Call, Call.id == Message.call_id)
        .where(
            Call.caller_number_index == index,
            Call.channel == Channel.WHATSAPP.value,
            Message.direction == Direction.INBOUND.value,
        )
    )


def _conversation_for(index: str, channel: Channel, now: datetime) -> Call | None:
    """The number's conversation with a message in the last 24 hours (not yet logged), if any."""
    return db.session.scalar(
        select(Call)
        .join(Message, Message.call_id == Call.id)
        .where(
            Call.caller_number_index == index,
            Call.channel == channel.value,
            Call.status != CallStatus.LOGGED.value,
            Message.received_at >= now - CONVERSATION_WINDOW,
        )
        .order_by(Message.received_at.desc())
        .limit(1)
    )


def receive_message(params: MessageParams, *, now: datetime | None = None) -> InboundMessage:
    """An inbound SMS/WhatsApp: thread it into the number's open conversation or open one."""
    bound_statement_time()
    now = now or utcnow()
    channel = Channel.WHATSAPP if params.is_whatsapp else Channel.SMS
    index = crypto.blind_index(params.number, phone=True)
    assert index is not None  # message_params() guarantees a phone number
    _lock_number(index)
    word = _keyword(params.body)
    opted_out = _opted_out(index)
    if word in OPT_OUT_WORDS:
        if not opted_out:
            try:
                with db.session.begin_nested():
                    row = OptOut(number_index=index, opted_out_at=now)
                    db.session.add(row)
                    db.session.flush()
                    audit.record(
                        "telephony.opt_out",
                        object_type="opt_out",
                        object_id=row.id,
                        summary=f"{channel.value} number opted out",
                    )
            except IntegrityError:
                pass  # a parallel STOP from the same number got there first
        return InboundMessage(action="opt_out")
    if word in OPT_IN_WORDS and opted_out:
        db.session.execute(delete(OptOut).where(OptOut.number_index == index))
        audit.record("telephony.opt_in", object_type="opt_out", summary=f"{channel.value} number opted in")
        return InboundMessage(action="opt_in")

    action = "duplicate"
    message = db.session.scalar(select(Message).where(Message.sid == params.message_sid))
    if message is None:
        try:
            with db.session.begin_nested():
                message = _store_message(params, index, channel, now)
                action = "stored"
        except IntegrityError:  # the same MessageSid arrived in parallel and was stored first
            message = db.session.scalar(select(Message).where(Message.sid == params.message_sid))
            if message is None:
                raise
    call = db.session.get(Call, message.call_id)
    assert call is not None
    # Only the conversation's first message is acknowledged, and never to an opted-out number.
    acknowledge = not opted_out and call.twilio_sid == message.sid
    return InboundMessage(action=action, call=call, message=message, acknowledge=acknowledge)


def _store_message(params: MessageParams, index: str, channel: Channel, now: datetime) -> Message:
    call = _conversation_for(index, channel, now)
    if call is None:
        call = calls_services.log_call(
            channel=channel,
            status=CallStatus.IN_PROGRESS,
            received_at=now,
            twilio_sid=params.message_sid,
            caller_number=params.number,
        )
    elif call.status in (CallStatus.RINGING.value, CallStatus.ENDED.value):
        call.status = CallStatus.IN_PROGRESS.value  # a quiet conversation comes alive again
    message = Message(
        call_id=call.id,
        sid=params.message_sid,
        direction=Direction.INBOUND,
        body=params.body or None,
        num_media=params.num_media,
        received_at=now,
    )
    db.session.add(message)
    db.session.flush()
    if params.media or params.location is not None:
        from hotline.telephony.services.media import record_media

        record_media(message, params)
    audit.record(
        "call.message",
        object_type="call",
        object_id=call.id,
        summary=f"inbound {channel.value} message {message.id}",
    )
    return message
