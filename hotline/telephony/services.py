"""Telephony rules: calls and conversations from Twilio, their states, opt-outs, claims, hand-offs.

Webhooks call one function here and commit once. Calls are created only through
`hotline.calls.services.log_call`, idempotently on the Twilio SID (a retried webhook finds the row;
a parallel duplicate hits the unique constraint inside a SAVEPOINT, which is rolled back and re-read).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, func, or_, select, text
from sqlalchemy.exc import IntegrityError

from hotline import crypto
from hotline.audit import services as audit
from hotline.auth.models import User
from hotline.calls import services as calls_services
from hotline.calls.models import Call, CallStatus, Channel
from hotline.database import utcnow
from hotline.errors import HotlineError
from hotline.extensions import db
from hotline.phones import mask_phone
from hotline.telephony import twiml
from hotline.telephony.models import CallRecording, Direction, Message, OptOut
from hotline.telephony.webhooks import MessageParams, RecordingParams, VoiceParams

log = logging.getLogger(__name__)

# Twilio's call states, ranked: a callback never moves a call back to a lower rank.
TWILIO_RANK = {
    "queued": 0,
    "initiated": 0,
    "ringing": 1,
    "in-progress": 2,
    "completed": 3,
    "busy": 3,
    "no-answer": 3,
    "failed": 3,
    "canceled": 3,
}
TERMINAL = frozenset(k for k, v in TWILIO_RANK.items() if v == 3)
CALL_STATUS_OF = {
    "queued": CallStatus.RINGING,
    "initiated": CallStatus.RINGING,
    "ringing": CallStatus.RINGING,
    "in-progress": CallStatus.IN_PROGRESS,
    **{k: CallStatus.ENDED for k in TERMINAL},
}
STATUS_RANK = {CallStatus.RINGING: 0, CallStatus.IN_PROGRESS: 1, CallStatus.ENDED: 2, CallStatus.LOGGED: 3}

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

CONVERSATION_WINDOW = timedelta(hours=24)  # messages from one number within it share one Call
LIVE_VOICE_WINDOW = timedelta(hours=6)  # a voice call still "ringing" after this lost its callback
STATEMENT_TIMEOUT_MS = 4000  # Twilio waits 15 s for a webhook; keep well inside it
MESSAGING = (Channel.SMS.value, Channel.WHATSAPP.value)


class TelephonyError(HotlineError):
    pass


class CallNotLive(TelephonyError):
    pass


class CallAlreadyClaimed(TelephonyError):
    pass


class HandoffFailed(TelephonyError):
    pass


class RecordingUnavailableError(TelephonyError):
    pass


# ---- helpers ----------------------------------------------------------------------------------


def bound_statement_time() -> None:
    """On PostgreSQL, give up on any statement of this webhook after a few seconds (then fall back)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}"))


def _lock_number(index: str) -> None:
    """Serialise webhooks from the same number (PostgreSQL) so parallel messages thread together."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": int(index[:15], 16)})


def _keyword(body: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", crypto.normalise(body)).split())


def _raise_status(call: Call, target: CallStatus) -> None:
    ranks = {status.value: rank for status, rank in STATUS_RANK.items()}
    if STATUS_RANK[target] > ranks.get(call.status, len(ranks)):  # unknown states are left alone
        call.status = target.value


def _find_or_create_call(
    *, sid: str, channel: Channel, caller: str | None, status: CallStatus
) -> tuple[Call, bool]:
    call = calls_services.get_call_by_sid(sid)
    if call is not None:
        return call, False
    try:
        with db.session.begin_nested():
            call = calls_services.log_call(
                channel=channel, status=status, twilio_sid=sid, caller_number=caller
            )
    except IntegrityError:
        call = calls_services.get_call_by_sid(sid)  # a parallel request stored it first
        if call is None:
            raise
        return call, False
    return call, True


def _apply_voice_status(call: Call, twilio_status: str, *, duration: int | None, at: datetime) -> None:
    """Move the call forward only: a late 'ringing' never overwrites 'completed'."""
    if TWILIO_RANK[twilio_status] > TWILIO_RANK.get(call.twilio_status or "", -1):
        call.twilio_status = twilio_status
        _raise_status(call, CALL_STATUS_OF[twilio_status])
        if twilio_status in TERMINAL:
            call.ended_at = call.ended_at or at
            audit.record(
                "call.ended", object_type="call", object_id=call.id, summary=f"twilio status {twilio_status}"
            )
    if call.twilio_status in TERMINAL and duration is not None and call.duration_seconds is None:
        call.duration_seconds = duration


# ---- voice ------------------------------------------------------------------------------------


def register_voice_call(params: VoiceParams, *, now: datetime | None = None) -> Call:
    """The first webhook of a call (or Twilio's retry of it): one Call per CallSid."""
    bound_statement_time()
    call, created = _find_or_create_call(
        sid=params.call_sid,
        channel=Channel.PHONE,
        caller=params.caller,
        status=CALL_STATUS_OF[params.call_status],
    )
    _apply_voice_status(call, params.call_status, duration=None, at=now or utcnow())
    if created:
        log.info("voice call registered call_id=%s", call.id)
    return call


def voice_menu_choice(params: VoiceParams, *, lang: str, digits: str, now: datetime | None = None) -> Call:
    """A key pressed in the menu: keep the call's state current; option 3 means English."""
    call = register_voice_call(params, now=now)
    if lang == "es" and digits == "3" and not call.language:
        call.language = "en"
    return call


def update_voice_status(params: VoiceParams, *, duration: int | None, now: datetime | None = None) -> Call:
    """Twilio's status callback, in any order and any number of times."""
    bound_statement_time()
    call, _created = _find_or_create_call(
        sid=params.call_sid,
        channel=Channel.PHONE,
        caller=params.caller,
        status=CALL_STATUS_OF[params.call_status],
    )
    _apply_voice_status(call, params.call_status, duration=duration, at=now or utcnow())
    return call


def attach_recording(params: VoiceParams, recording: RecordingParams) -> CallRecording:
    """Keep the voicemail's reference on its Call (once, however often Twilio retries)."""
    call = register_voice_call(params)
    existing = db.session.scalar(
        select(CallRecording).where(CallRecording.recording_sid == recording.recording_sid)
    )
    if existing is not None:
        return existing
    try:
        with db.session.begin_nested():
            row = CallRecording(
                call_id=call.id,
                recording_sid=recording.recording_sid,
                recording_url=recording.url,
                duration_seconds=recording.duration,
            )
            db.session.add(row)
            db.session.flush()
            audit.record(
                "call.voicemail",
                object_type="call",
                object_id=call.id,
                summary=f"voicemail recording {row.id}, {recording.duration or 0} s",
            )
    except IntegrityError:
        row = db.session.scalar(
            select(CallRecording).where(CallRecording.recording_sid == recording.recording_sid)
        )
        if row is None:
            raise
    return row


# ---- SMS and WhatsApp -------------------------------------------------------------------------


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
    audit.record(
        "call.message",
        object_type="call",
        object_id=call.id,
        summary=f"inbound {channel.value} message {message.id}",
    )
    return message


# ---- the live view ------------------------------------------------------------------------------


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


# ---- the admin page -----------------------------------------------------------------------------


def count_rejected_webhooks(*, since: datetime) -> int:
    query = audit.audit_query(audit.AuditFilter(action="telephony.bad_", since=since))
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def webhook_urls(public_url: str) -> dict[str, str]:
    base = public_url.rstrip("/")
    return {
        "voice": f"{base}/twilio/voice",
        "status": f"{base}/twilio/voice/status",
        "sms": f"{base}/twilio/sms",
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
