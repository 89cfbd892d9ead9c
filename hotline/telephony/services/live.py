"""The operators' live view: live calls and conversations, voicemails, claiming, warm hand-off."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from hotline.audit import services as audit
from hotline.auth.models import User
from hotline.calls import services as calls_services
from hotline.calls.models import Call, CallStatus, Channel
from hotline.database import utcnow
from hotline.extensions import db
from hotline.phones import mask_phone
from hotline.telephony import twiml
from hotline.telephony.models import CallRecording, Message
from hotline.telephony.services.common import (
    CONVERSATION_WINDOW,
    CallAlreadyClaimed,
    CallNotLive,
    HandoffFailed,
    RecordingUnavailableError,
)

log = logging.getLogger(__name__)

LIVE_VOICE_WINDOW = timedelta(hours=6)  # a voice call still "ringing" after this lost its callback
MESSAGING = (Channel.SMS.value, Channel.WHATSAPP.value)


@dataclass(frozen=True)
class LiveCall:
    id: int
    channel: str
    status: str
    twilio_status: str | None
    received_at: datetime
    last_activity_at: datetime
    caller: str | None  # masked
    operator_id: int | None
    operator_name: str | None
    messages: int
    voicemails: int


def list_live_calls(*, now: datetime | None = None, limit: int = 100) -> list[LiveCall]:
    """Calls ringing or in progress, and open message conversations: one query."""
    now = now or utcnow()
    # Correlated subqueries: evaluated only for the few live rows, never over the whole tables.
    message_count = (
        select(func.count(Message.id)).where(Message.call_id == Call.id).correlate(Call).scalar_subquery()
    )
    last_message_at = (
        select(func.max(Message.received_at))
        .where(Message.call_id == Call.id)
        .correlate(Call)
        .scalar_subquery()
    )
    voicemail_count = (
        select(func.count(CallRecording.id))
        .where(CallRecording.call_id == Call.id)
        .correlate(Call)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(
            Call.id,
            Call.channel,
            Call.status,
            Call.twilio_status,
            Call.received_at,
            Call.caller_number,
            Call.operator_id,
            User.name,
            User.email,
            message_count,
            last_message_at,
            voicemail_count,
        )
        .outerjoin(User, User.id == Call.operator_id)
        .where(
            Call.status.in_([CallStatus.RINGING.value, CallStatus.IN_PROGRESS.value]),
            or_(
                and_(Call.channel.in_(MESSAGING), last_message_at >= now - CONVERSATION_WINDOW),
                and_(Call.channel.not_in(MESSAGING), Call.received_at >= now - LIVE_VOICE_WINDOW),
            ),
        )
        .order_by(Call.received_at, Call.id)
        .limit(limit)
    ).all()
    return [
        LiveCall(
            id=r[0],
            channel=r[1],
            status=r[2],
            twilio_status=r[3],
            received_at=r[4],
            last_activity_at=r[10] or r[4],
            caller=mask_phone(r[5]),
            operator_id=r[6],
            operator_name=r[7] or r[8],
            messages=r[9] or 0,
            voicemails=r[11] or 0,
        )
        for r in rows
    ]


@dataclass(frozen=True)
class Conversation:
    call: Call
    caller: str | None
    messages: list[Message]
    recordings: list[CallRecording]


def get_conversation(call: Call, *, actor: Any) -> Conversation:
    """What an operator reads of a contact: its messages and voicemails (audited)."""
    messages = list(
        db.session.scalars(
            select(Message).where(Message.call_id == call.id).order_by(Message.received_at, Message.id)
        )
    )
    recordings = list(
        db.session.scalars(
            select(CallRecording).where(CallRecording.call_id == call.id).order_by(CallRecording.id)
        )
    )
    audit.record(
        "call.view", actor=actor, object_type="call", object_id=call.id, summary="live conversation viewed"
    )
    return Conversation(
        call=call, caller=mask_phone(call.caller_number), messages=messages, recordings=recordings
    )


def listen_to_voicemail(recording: CallRecording, *, actor: Any, fetch: Callable[[str], bytes]) -> bytes:
    """The voicemail's audio for an operator (audited); `fetch` gets it from Twilio."""
    audit.record(
        "call.voicemail_listen",
        actor=actor,
        object_type="call",
        object_id=recording.call_id,
        summary=f"voicemail recording {recording.id} played",
    )
    try:
        return fetch(recording.recording_url)
    except Exception as exc:  # noqa: BLE001  (Twilio or the network: tell the operator, log the kind)
        log.warning("voicemail fetch failed recording_id=%s error=%s", recording.id, exc)
        raise RecordingUnavailableError(
            _l("The voicemail could not be fetched from Twilio. Try again.")
        ) from None


def claim_live_call(call: Call, *, actor: Any) -> Call:
    """An operator takes a live contact. Uses the calls domain's claim when it has one."""
    claim = getattr(calls_services, "claim_call", None)
    if claim is not None:
        return claim(call, actor=actor) or call
    if call.operator_id is not None and call.operator_id != actor.id:
        raise CallAlreadyClaimed(_l("Another operator has already taken this contact."))
    if call.operator_id is None:
        call.operator_id = actor.id
        audit.record(
            "call.claim",
            actor=actor,
            object_type="call",
            object_id=call.id,
            summary="operator took the live contact",
        )
        db.session.flush()
    return call


# ---- warm hand-off ------------------------------------------------------------------------------


def parse_handoff_numbers(raw: str | None) -> list[tuple[str, str]]:
    """'CEM 24 h=+5114197260;Police=+51...' -> [(label, number)], invalid entries dropped."""
    entries: list[tuple[str, str]] = []
    for item in (raw or "").split(";"):
        label, _, number = item.rpartition("=")
        number = number.strip().replace(" ", "")
        if twiml.E164_RE.fullmatch(number):
            entries.append(((label.strip() or number)[:80], number))
    return entries


def transfer_call(
    call: Call,
    *,
    number: str,
    actor: Any,
    client: Any,
    settings: twiml.VoiceSettings,
    label: str | None = None,
) -> None:
    """Move a live caller to a partner's line through Twilio's REST API (the operator's leg ends)."""
    from twilio.base.exceptions import TwilioException, TwilioRestException

    if not twiml.E164_RE.fullmatch(number):
        raise HandoffFailed(_l("Enter the number in international format, e.g. +5114197260."))
    if call.channel != Channel.PHONE.value or not call.twilio_sid or call.twilio_status != "in-progress":
        raise CallNotLive(_l("Only a phone call that is in progress can be handed off."))
    if client is None:
        raise HandoffFailed(_l("Twilio is not configured, so calls cannot be transferred."))
    target = label or f"a number ending {number[-3:]}"
    audit.record(
        "call.warm_handoff",
        actor=actor,
        object_type="call",
        object_id=call.id,
        summary=f"live caller handed off to {target}",
    )
    lang = "en" if call.language == "en" else "es"
    try:
        client.calls(call.twilio_sid).update(twiml=twiml.transfer(settings, lang, number))
    except TwilioRestException as exc:
        log.warning("hand-off refused by twilio call_id=%s status=%s code=%s", call.id, exc.status, exc.code)
        raise HandoffFailed(
            _l(
                "Twilio refused the transfer (error %(code)s). The caller is still on the line.",
                code=exc.code or exc.status,
            )
        ) from None
    except (TwilioException, OSError) as exc:
        log.warning("hand-off failed call_id=%s error=%s", call.id, type(exc).__name__)
        raise HandoffFailed(_l("Twilio could not be reached. The caller is still on the line.")) from None


@dataclass(frozen=True)
class CallerHistory:
    previous: int
    last_label: str | None


def caller_history(call: Call, *, actor: Any) -> CallerHistory:
    """How often this caller reached us before (for the form beside the call). Audited."""
    from flask_babel import format_datetime

    count, last = calls_services.previous_calls_from(call.caller_number, exclude_id=call.id)
    audit.record(
        "call.view", actor=actor, object_type="call", object_id=call.id, summary="softphone caller history"
    )
    return CallerHistory(previous=count, last_label=format_datetime(last, "short") if last else None)
