"""Voice calls from Twilio's webhooks: one Call per CallSid, moved forward only, and voicemails.

Calls are created only through `hotline.calls.services.log_call`, idempotently on the Twilio SID (a
retried webhook finds the row; a parallel duplicate hits the unique constraint inside a SAVEPOINT,
which is rolled back and re-read).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hotline.audit import services as audit
from hotline.calls import services as calls_services
from hotline.calls.models import Call, CallStatus, Channel
from hotline.database import utcnow
from hotline.extensions import db
from hotline.telephony.models import CallRecording, OutboundCall
from hotline.telephony.services.common import bound_statement_time
from hotline.telephony.webhooks import RecordingParams, VoiceParams

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


def update_voice_status(
    params: VoiceParams, *, duration: int | None, now: datetime | None = None
) -> Call | OutboundCall:
    """Twilio's status callback, in any order and any number of times.

    A known inbound contact moves forward. Anything else (an outbound leg: `Direction` outbound-*,
    or a CallSid we never saw) updates or records an `OutboundCall` row, never an inbound contact.
    """
    bound_statement_time()
    now = now or utcnow()
    call = None if params.is_outbound else calls_services.get_call_by_sid(params.call_sid)
    if call is not None:
        _apply_voice_status(call, params.call_status, duration=duration, at=now)
        return call
    return record_call_leg(params, duration=duration, now=now)


def record_call_leg(
    params: VoiceParams,
    *,
    duration: int | None = None,
    now: datetime | None = None,
    purpose: str | None = None,
    call_id: int | None = None,
    operator_id: int | None = None,
) -> OutboundCall:
    """Create or move forward the OutboundCall row of a CallSid (idempotent, forward only)."""
    now = now or utcnow()
    leg = db.session.scalar(select(OutboundCall).where(OutboundCall.call_sid == params.call_sid))
    if leg is None:
        parent = calls_services.get_call_by_sid(params.parent_call_sid) if params.parent_call_sid else None
        try:
            with db.session.begin_nested():
                leg = OutboundCall(
                    call_sid=params.call_sid,
                    parent_call_sid=params.parent_call_sid,
                    call_id=call_id or (parent.id if parent else None),
                    direction=params.direction,
                    purpose=purpose or ("unknown" if not params.is_outbound else "leg"),
                    to_number=params.raw_to if not params.raw_to.startswith("client:") else None,
                    operator_id=operator_id,
                    created_at=now,
                )
                db.session.add(leg)
                db.session.flush()
        except IntegrityError:
            leg = db.session.scalar(select(OutboundCall).where(OutboundCall.call_sid == params.call_sid))
            if leg is None:
                raise
        log.info("call leg recorded leg_id=%s direction=%s", leg.id, params.direction)
    if TWILIO_RANK[params.call_status] > TWILIO_RANK.get(leg.twilio_status or "", -1):
        leg.twilio_status = params.call_status
        if params.call_status in TERMINAL:
            leg.ended_at = leg.ended_at or now
    if leg.twilio_status in TERMINAL and duration is not None and leg.duration_seconds is None:
        leg.duration_seconds = duration
    db.session.flush()
    return leg


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
