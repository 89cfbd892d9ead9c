"""Live-call control from the operator's browser: hold and take back, and the warm hand-off by
conference (the operator brings a partner's line in, talks to them, then leaves the caller with
them or takes the caller back). Twilio's REST client is passed in; tests give a fake HTTP client.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from hotline.audit import services as audit
from hotline.calls.models import Call, Channel
from hotline.database import utcnow
from hotline.extensions import db
from hotline.telephony import twiml
from hotline.telephony.models import Handoff, HandoffStatus, OutboundCall
from hotline.telephony.services.common import CallNotLive, HandoffFailed
from hotline.telephony.services.queue import user_id_of
from hotline.telephony.webhooks import ConferenceParams, VoiceParams

log = logging.getLogger(__name__)

OPEN_HANDOFF = (HandoffStatus.DIALING.value, HandoffStatus.TALKING.value)


def _live_phone_call(call: Call, actor: Any) -> None:
    if call.channel != Channel.PHONE.value or not call.twilio_sid or call.twilio_status != "in-progress":
        raise CallNotLive(_l("Only a phone call that is in progress can be handed off."))
    if call.operator_id not in (None, actor.id):
        raise CallNotLive(_l("Another operator has this call."))


def _twilio(action: Any, what: str, call_id: int) -> Any:
    from twilio.base.exceptions import TwilioException, TwilioRestException

    try:
        return action()
    except TwilioRestException as exc:
        log.warning("%s refused by twilio call_id=%s status=%s code=%s", what, call_id, exc.status, exc.code)
        raise HandoffFailed(
            _l(
                "Twilio refused (error %(code)s). The caller is still on the line.",
                code=exc.code or exc.status,
            )
        ) from None
    except (TwilioException, OSError) as exc:
        log.warning("%s failed call_id=%s error=%s", what, call_id, type(exc).__name__)
        raise HandoffFailed(_l("Twilio could not be reached. The caller is still on the line.")) from None


def _lang(call: Call) -> str:
    return "en" if call.language == "en" else "es"


def hold_call(call: Call, *, actor: Any, client: Any, settings: twiml.VoiceSettings) -> None:
    """Put the caller on hold (their own queue); the operator's browser takes them back later."""
    _live_phone_call(call, actor)
    if client is None:
        raise HandoffFailed(_l("Twilio is not configured, so calls cannot be held."))
    audit.record(
        "call.hold", actor=actor, object_type="call", object_id=call.id, summary="caller put on hold"
    )
    _twilio(
        lambda: client.calls(call.twilio_sid).update(twiml=twiml.hold(settings, _lang(call), call.id)),
        "hold",
        call.id,
    )


def browser_call(params: VoiceParams, *, purpose: str, call_id: int) -> Call | None:
    """An operator's browser asks to take a held caller back or to join the hand-off conference.
    Only the operator who has the call may (the identity Twilio reports is the operator's id)."""
    operator_id = user_id_of(params.raw_from) if params.raw_from.startswith("client:") else None
    call = db.session.get(Call, call_id)
    if operator_id is None or call is None or call.operator_id != operator_id:
        audit.record(
            "telephony.browser_refused",
            object_type="call",
            object_id=call_id,
            summary=f"browser {purpose} refused for identity {operator_id}",
        )
        return None
    audit.record(
        "call.browser_" + purpose,
        object_type="call",
        object_id=call.id,
        summary=f"operator {operator_id} browser {purpose}",
    )
    return call


def start_handoff(
    call: Call,
    *,
    number: str,
    actor: Any,
    client: Any,
    settings: twiml.VoiceSettings,
    from_number: str | None,
    label: str | None = None,
    now: datetime | None = None,
) -> Handoff:
    """Move the caller into a conference (they hear a notice and wait) and ring the partner into it.
    The operator's browser then joins the conference (`Purpose=conference`)."""
    now = now or utcnow()
    if not twiml.E164_RE.fullmatch(number):
        raise HandoffFailed(_l("Enter the number in international format, e.g. +5114197260."))
    _live_phone_call(call, actor)
    if client is None or not from_number:
        raise HandoffFailed(_l("Twilio is not configured, so calls cannot be transferred."))
    if db.session.scalar(
        select(Handoff.id).where(Handoff.call_id == call.id, Handoff.status.in_(OPEN_HANDOFF))
    ):
        raise HandoffFailed(_l("A hand-off is already under way for this call."))
    lang = _lang(call)
    _twilio(
        lambda: client.calls(call.twilio_sid).update(
            twiml=twiml.join_conference(settings, lang, call.id, role="caller", notice=True)
        ),
        "conference caller",
        call.id,
    )
    partner = _twilio(
        lambda: client.calls.create(
            to=number,
            from_=from_number,
            twiml=twiml.join_conference(settings, lang, call.id, role="partner"),
            status_callback=settings.url("/twilio/voice/status"),
            status_callback_event=["initiated", "ringing", "answered", "completed"],
        ),
        "conference partner",
        call.id,
    )
    handoff = Handoff(
        call_id=call.id,
        operator_id=actor.id,
        partner_number=number,
        partner_label=label,
        partner_call_sid=getattr(partner, "sid", None),
        status=HandoffStatus.DIALING.value,
        created_at=now,
    )
    db.session.add(handoff)
    if handoff.partner_call_sid:
        db.session.add(
            OutboundCall(
                call_sid=handoff.partner_call_sid,
                parent_call_sid=call.twilio_sid,
                call_id=call.id,
                direction="outbound-api",
                purpose="handoff",
                to_number=number,
                operator_id=actor.id,
                twilio_status="queued",
                created_at=now,
            )
        )
    db.session.flush()
    target = label or f"a number ending {number[-3:]}"
    audit.record(
        "call.warm_handoff",
        actor=actor,
        object_type="call",
        object_id=call.id,
        summary=f"conference hand-off {handoff.id} to {target} started",
    )
    return handoff


def current_handoff(call: Call) -> Handoff | None:
    return db.session.scalar(
        select(Handoff)
        .where(Handoff.call_id == call.id, Handoff.status.in_(OPEN_HANDOFF))
        .order_by(Handoff.id.desc())
        .limit(1)
    )


def finish_handoff(
    call: Call, *, keep_partner: bool, actor: Any, client: Any, now: datetime | None = None
) -> Handoff:
    """Leave the caller with the partner (the operator's browser hangs up), or take the caller
    back: the partner's leg is ended and the operator stays in the conference with the caller."""
    now = now or utcnow()
    handoff = current_handoff(call)
    if handoff is None:
        raise HandoffFailed(_l("No hand-off is under way for this call."))
    if not keep_partner:
        if client is None:
            raise HandoffFailed(_l("Twilio is not configured, so calls cannot be transferred."))
        if handoff.partner_call_sid:
            _twilio(
                lambda: client.calls(handoff.partner_call_sid).update(status="completed"),
                "end partner leg",
                call.id,
            )
    handoff.status = HandoffStatus.COMPLETED.value if keep_partner else HandoffStatus.TAKEN_BACK.value
    handoff.ended_at = now
    db.session.flush()
    audit.record(
        "call.warm_handoff_" + ("completed" if keep_partner else "taken_back"),
        actor=actor,
        object_type="call",
        object_id=call.id,
        summary=f"hand-off {handoff.id} "
        + ("left with the partner" if keep_partner else "caller taken back"),
    )
    return handoff


def record_conference_event(params: ConferenceParams) -> Handoff | None:
    """Twilio's conference events: keep the conference SID and whether the partner joined."""
    call_id = int(params.name.removeprefix("handoff-"))
    handoff = db.session.scalar(
        select(Handoff).where(Handoff.call_id == call_id).order_by(Handoff.id.desc()).limit(1)
    )
    if handoff is None:
        log.warning("conference event for an unknown hand-off call_id=%s event=%s", call_id, params.event)
        return None
    handoff.conference_sid = handoff.conference_sid or params.conference_sid
    partner_leg = bool(params.call_sid) and params.call_sid == handoff.partner_call_sid
    if params.event == "participant-join" and partner_leg and handoff.status == HandoffStatus.DIALING.value:
        handoff.status = HandoffStatus.TALKING.value
    if params.event == "participant-leave" and partner_leg and handoff.status in OPEN_HANDOFF:
        handoff.status = HandoffStatus.TAKEN_BACK.value
        handoff.ended_at = utcnow()
    if params.event == "conference-end" and handoff.status in OPEN_HANDOFF:
        handoff.status = HandoffStatus.COMPLETED.value
        handoff.ended_at = utcnow()
    db.session.flush()
    audit.record(
        "call.conference_event",
        object_type="call",
        object_id=call_id,
        summary=f"conference {params.event} (hand-off {handoff.id})",
    )
    return handoff
