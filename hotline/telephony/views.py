"""Twilio's webhooks (`/twilio/...`, signed, CSRF-exempt) and the staff pages (live calls, settings).

Webhook views: check the signature (`twilio_signed`), parse Twilio's parameters, call one service,
commit once, answer TwiML. Voice views never leave a caller without an answer: any failure past the
signature check (database down, a bug) is answered with the fallback TwiML that dials the backup line.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_datetime, format_time, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from hotline.access import public, role_required
from hotline.audit import services as audit
from hotline.audit.models import Outcome
from hotline.auth.models import Role
from hotline.calls.models import Call, CallStatus, Channel
from hotline.database import utcnow
from hotline.errors import HotlineError
from hotline.extensions import csrf, db
from hotline.phones import mask_phone
from hotline.telephony import services, twiml
from hotline.telephony.forms import CallClaimForm, CallHandoffForm
from hotline.telephony.models import CallRecording
from hotline.telephony.sender import fetch_recording_audio, get_rest_client, get_sms_sender
from hotline.telephony.softphone_views import bp as softphone_bp
from hotline.telephony.webhooks import (
    BadTwilioRequest,
    client_params,
    conference_params,
    dial_status_param,
    digits_param,
    duration_param,
    message_params,
    queue_params,
    recording_params,
    twilio_signed,
    voice_params,
)

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

bp = Blueprint("telephony", __name__, url_prefix="/twilio")
staff_bp = Blueprint("telephony_staff", __name__)
staff_bp.register_blueprint(softphone_bp)
csrf.exempt(bp)  # Twilio cannot send a CSRF token: its signature protects these routes instead

LIVE_ROLES = (Role.OPERATOR, Role.COORDINATOR)
POLL_SECONDS = 5

CHANNEL_LABELS = {
    Channel.PHONE: _l("Phone"),
    Channel.SMS: _l("SMS"),
    Channel.WHATSAPP: _l("WhatsApp"),
    Channel.WEB: _l("Web"),
    Channel.WALK_IN: _l("Walk-in"),
    Channel.EMAIL: _l("E-mail"),
}
STATUS_LABELS = {
    CallStatus.RINGING: _l("Ringing"),
    CallStatus.IN_PROGRESS: _l("In progress"),
    CallStatus.ENDED: _l("Ended"),
    CallStatus.LOGGED: _l("Logged"),
}


def _settings() -> twiml.VoiceSettings:
    return twiml.VoiceSettings.from_config(current_app.config)


def _twiml(xml: str) -> Response:
    return Response(xml, 200, mimetype="text/xml")


def _record_bad_voice_request(reason: str) -> None:
    """One `telephony.bad_request` audit row (its own commit; the database may be down)."""
    try:
        db.session.rollback()
        audit.record(
            "telephony.bad_request",
            outcome=Outcome.FAILURE,
            object_type="webhook",
            summary=f"rejected {request.path}: {reason}",
        )
        db.session.commit()
    except Exception:  # noqa: BLE001
        db.session.rollback()
        log.error("could not record a rejected voice webhook path=%s", request.path)


def never_drop_caller(view: F) -> F:
    """Whatever fails, answer the caller: the fallback TwiML (Spanish, then English) says the call is
    being transferred and dials the backup line. Bad parameters too: a voice route never answers a
    bare 4xx/5xx (only a bad signature gets its 403, before this runs). Logs an id only."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.monotonic()
        try:
            return view(*args, **kwargs)
        except BadTwilioRequest as exc:
            _record_bad_voice_request(str(exc))
            log.warning("bad voice webhook answered with the fallback path=%s reason=%s", request.path, exc)
            return _twiml(twiml.fallback(_settings()))
        except Exception as exc:  # noqa: BLE001  (never drop a caller)
            try:
                db.session.rollback()
            except Exception:  # noqa: BLE001
                log.error("rollback failed after a voice webhook error")
            error_id = secrets.token_hex(6)
            log.error(
                "voice webhook failed, caller sent to the backup line error_id=%s endpoint=%s "
                "error=%s after_ms=%d",
                error_id,
                request.endpoint,
                type(exc).__name__,
                (time.monotonic() - started) * 1000,
            )
            return _twiml(twiml.fallback(_settings()))

    return wrapper  # type: ignore[return-value]


# ---- webhooks -----------------------------------------------------------------------------------


@bp.route("/voice", methods=["POST"])
@public
@twilio_signed
@never_drop_caller
def voice():  # type: ignore[no-untyped-def]
    services.register_voice_call(voice_params())
    db.session.commit()
    return _twiml(twiml.menu(_settings(), "es"))


@bp.route("/voice/menu/<any(es, en):lang>", methods=["POST"])
@public
@twilio_signed
@never_drop_caller
def voice_menu(lang: str):  # type: ignore[no-untyped-def]
    params, digits = voice_params(), digits_param()
    services.voice_menu_choice(params, lang=lang, digits=digits)
    db.session.commit()
    return _twiml(twiml.menu_choice(_settings(), lang, digits, utcnow()))


@bp.route("/voice/dial/<any(es, en):lang>", methods=["POST"])
@public
@twilio_signed
@never_drop_caller
def voice_dial(lang: str):  # type: ignore[no-untyped-def]
    params, dial_status = voice_params(), dial_status_param()
    services.register_voice_call(params)
    db.session.commit()
    return _twiml(twiml.dial_result(_settings(), lang, dial_status))


@bp.route("/voice/voicemail/<any(es, en):lang>", methods=["POST"])
@public
@twilio_signed
@never_drop_caller
def voice_voicemail(lang: str):  # type: ignore[no-untyped-def]
    params, recording = voice_params(), recording_params()
    if recording is None:
        services.register_voice_call(params)
    else:
        services.attach_recording(params, recording)
    db.session.commit()
    return _twiml(twiml.goodbye(_settings(), lang, recorded=recording is not None))


@bp.route("/voice/status", methods=["POST"])
@public
@twilio_signed
@never_drop_caller
def voice_status():  # type: ignore[no-untyped-def]
    params, duration = voice_params(require_from=False), duration_param()
    services.handle_voice_status(params, duration=duration)
    db.session.commit()
    return _twiml(twiml.empty_voice())


# ---- the queue, the operators' browsers, hold, the conference hand-off ---------------------------


@bp.route("/voice/queue/wait/<any(es, en):lang>", methods=["POST"])
@public
@twilio_signed
@never_drop_caller
def queue_wait(lang: str):  # type: ignore[no-untyped-def]
    settings = _settings()
    decision = services.wait_in_queue(voice_params(), queue_params(), timeout_seconds=settings.queue_timeout)
    db.session.commit()
    return _twiml(twiml.queue_wait(settings, lang, decision.position, leave=decision.leave))


@bp.route("/voice/queue/result/<any(es, en):lang>", methods=["POST"])
@public
@twilio_signed
@never_drop_caller
def queue_result(lang: str):  # type: ignore[no-untyped-def]
    settings = _settings()
    outcome = services.leave_queue(voice_params(), queue_params())
    db.session.commit()
    if outcome.action == "dial" and outcome.identity and outcome.call_id:
        return _twiml(twiml.dial_operator(settings, lang, outcome.identity, outcome.call_id))
    if outcome.action == "fallback":
        return _twiml(twiml.ring_operator_lines(settings, lang, utcnow()))
    return _twiml(twiml.empty_voice())


@bp.route("/voice/queue/answered/<any(es, en):lang>", methods=["POST"])
@public
@twilio_signed
@never_drop_caller
def queue_answered(lang: str):  # type: ignore[no-untyped-def]
    settings = _settings()
    outcome = services.operator_dial_result(
        voice_params(), dial_status_param(), timeout_seconds=settings.queue_timeout
    )
    db.session.commit()
    if outcome == "requeue":
        return _twiml(twiml.enqueue(settings, lang))
    if outcome == "fallback":
        return _twiml(twiml.ring_operator_lines(settings, lang, utcnow()))
    return _twiml(twiml.dial_result(settings, lang, "completed"))


@bp.route("/voice/hold/wait/<any(es, en):lang>", methods=["POST"])
@public
@twilio_signed
@never_drop_caller
def hold_wait(lang: str):  # type: ignore[no-untyped-def]
    voice_params()
    return _twiml(twiml.hold_wait(_settings(), lang))


@bp.route("/voice/client", methods=["POST"])
@public
@twilio_signed
@never_drop_caller
def voice_client():  # type: ignore[no-untyped-def]
    """The TwiML App's voice URL: what an operator's browser asks for when it places a call."""
    params = voice_params()
    purpose, call_id = client_params()
    result = services.browser_call(params, purpose=purpose, call_id=call_id)
    db.session.commit()
    if result is None:
        return _twiml(twiml.reject())
    if purpose == "resume":
        return _twiml(twiml.take_back(result.id))
    lang = "en" if result.language == "en" else "es"
    return _twiml(twiml.join_conference(_settings(), lang, result.id, role="operator"))


@bp.route("/voice/conference/events", methods=["POST"])
@public
@twilio_signed
@never_drop_caller
def conference_events():  # type: ignore[no-untyped-def]
    services.record_conference_event(conference_params())
    db.session.commit()
    return _twiml(twiml.empty_voice())


@bp.route("/sms", methods=["POST"])
@public
@twilio_signed
def sms():  # type: ignore[no-untyped-def]
    result = services.receive_message(message_params())
    db.session.commit()
    return _twiml(twiml.message_reply(_settings(), acknowledge=result.acknowledge))


# ---- live calls ---------------------------------------------------------------------------------


def _activity_label(call: services.LiveCall) -> str:
    parts = []
    if call.messages:
        parts.append(ngettext("%(num)d message", "%(num)d messages", call.messages))
    if call.voicemails:
        parts.append(ngettext("%(num)d voicemail", "%(num)d voicemails", call.voicemails))
    return ", ".join(parts)


def _live_item(call: services.LiveCall) -> dict[str, Any]:
    claimable = call.operator_id is None
    return {
        "id": call.id,
        "channel": call.channel,
        "channel_label": str(CHANNEL_LABELS.get(call.channel, call.channel)),  # type: ignore[call-overload]
        "status": call.status,
        "status_label": str(STATUS_LABELS.get(call.status, call.status)),  # type: ignore[call-overload]
        "twilio_status": call.twilio_status,
        "received_at": call.received_at.isoformat(),
        "received_label": format_time(call.received_at, "short"),
        "last_activity_label": format_time(call.last_activity_at, "short"),
        "caller": call.caller or _("Withheld"),
        "operator": call.operator_name,
        "is_mine": call.operator_id == current_user.id,
        "messages": call.messages,
        "voicemails": call.voicemails,
        "activity_label": _activity_label(call),
        "detail_url": url_for(".conversation", call_id=call.id),
        "claim_url": url_for(".claim", call_id=call.id) if claimable else None,
    }


@staff_bp.route("/live/")
@role_required(*LIVE_ROLES)
def live():  # type: ignore[no-untyped-def]
    calls = [_live_item(c) for c in services.list_live_calls()]
    return render_template(
        "telephony/live.html",
        calls=calls,
        form=CallClaimForm(),
        poll_seconds=current_app.config.get("TELEPHONY_POLL_SECONDS", POLL_SECONDS),
        now=utcnow(),
        summary=services.queue_summary(),
        operators=services.list_presence(),
    )


@staff_bp.route("/live/calls.json")
@role_required(*LIVE_ROLES)
def live_json():  # type: ignore[no-untyped-def]
    calls = [_live_item(c) for c in services.list_live_calls()]
    return jsonify(updated_label=format_time(utcnow(), "medium"), calls=calls)


def _handoff_form(**kwargs: Any) -> CallHandoffForm:
    presets = services.parse_handoff_numbers(current_app.config.get("TWILIO_HANDOFF_NUMBERS"))
    return CallHandoffForm(presets=presets, **kwargs)


def _render_conversation(call: Call, handoff_form: CallHandoffForm, status: int = 200) -> Any:
    conversation = services.get_conversation(call, actor=current_user)
    db.session.commit()
    can_handoff = (
        call.channel == Channel.PHONE.value and call.twilio_status == "in-progress" and bool(call.twilio_sid)
    )
    return render_template(
        "telephony/conversation.html",
        conversation=conversation,
        call=call,
        claim_form=CallClaimForm(),
        handoff_form=handoff_form,
        can_handoff=can_handoff,
        channel_labels=CHANNEL_LABELS,
        status_labels=STATUS_LABELS,
        media=services.media_for([m.id for m in conversation.messages]),
        location_of=services.location_of,
    ), status


@staff_bp.route("/live/calls/<int:call_id>")
@role_required(*LIVE_ROLES)
def conversation(call_id: int):  # type: ignore[no-untyped-def]
    call = db.get_or_404(Call, call_id)
    return _render_conversation(call, _handoff_form(formdata=None))


@staff_bp.route("/live/voicemails/<int:recording_id>.mp3")
@role_required(*LIVE_ROLES)
def voicemail(recording_id: int):  # type: ignore[no-untyped-def]
    recording = db.get_or_404(CallRecording, recording_id)
    try:
        audio = services.listen_to_voicemail(
            recording, actor=current_user, fetch=lambda url: fetch_recording_audio(current_app, url)
        )
    except HotlineError:
        db.session.rollback()
        abort(502)
    db.session.commit()
    return Response(audio, mimetype="audio/mpeg", headers={"Content-Disposition": "inline"})


@staff_bp.route("/live/calls/<int:call_id>/claim", methods=["POST"])
@role_required(*LIVE_ROLES)
def claim(call_id: int):  # type: ignore[no-untyped-def]
    if not CallClaimForm().validate_on_submit():
        abort(400)
    call = db.get_or_404(Call, call_id)
    try:
        services.claim_live_call(call, actor=current_user)
    except HotlineError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".live"))
    db.session.commit()
    flash(_("You have taken this contact."), "success")
    if "calls.intake" in current_app.view_functions:
        return redirect(url_for("calls.intake", call_id=call.id))
    return redirect(url_for(".conversation", call_id=call.id))


@staff_bp.route("/live/calls/<int:call_id>/handoff", methods=["POST"])
@role_required(*LIVE_ROLES)
def handoff(call_id: int):  # type: ignore[no-untyped-def]
    call = db.get_or_404(Call, call_id)
    form = _handoff_form()
    if not form.validate_on_submit():
        return _render_conversation(call, form, 400)
    number, label = form.target
    try:
        services.transfer_call(
            call,
            number=number,
            label=label,
            actor=current_user,
            client=get_rest_client(current_app),
            settings=_settings(),
        )
    except HotlineError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _render_conversation(call, form, 409)
    db.session.commit()
    # Referrals (issue 4): a hand-off to a partner's line on a call with a case is recorded as a referral.
    from hotline.referrals.services import record_handoff_for_call

    if record_handoff_for_call(call, number=number, actor=current_user) is not None:
        db.session.commit()
    flash(_("The caller is being transferred. Record the hand-off on the case as a referral."), "success")
    return redirect(url_for(".live"))


# ---- the admin's settings page --------------------------------------------------------------------


@staff_bp.route("/admin/telephony")
@role_required(Role.ADMIN)
def settings():  # type: ignore[no-untyped-def]
    config = current_app.config
    voice_settings = _settings()
    operators, invalid_operators = twiml.split_targets(config.get("TWILIO_OPERATOR_NUMBERS"))
    account_sid = config.get("TWILIO_ACCOUNT_SID") or ""
    since = utcnow() - timedelta(hours=24)
    return render_template(
        "telephony/settings.html",
        account_sid=(account_sid[:2] + "…" + account_sid[-4:]) if account_sid else None,
        has_token=bool(config.get("TWILIO_AUTH_TOKEN")),
        from_number=config.get("TWILIO_FROM_NUMBER"),
        public_url=voice_settings.public_url,
        urls=services.webhook_urls(voice_settings.public_url),
        operators=[mask_phone(n) if n.startswith("+") else n for n in operators],
        invalid_operators=len(invalid_operators),
        backup=voice_settings.backup_number,  # an institutional line, also in the fallback TwiML
        emergency=voice_settings.emergency_number,
        hours=voice_settings.opening_hours,
        is_open=twiml.is_open(voice_settings.opening_hours, utcnow(), voice_settings.timezone),
        handoffs=services.parse_handoff_numbers(config.get("TWILIO_HANDOFF_NUMBERS")),
        sender=get_sms_sender(current_app),
        problems=services.config_problems(config),
        rejected=services.count_rejected_webhooks(since=since),
        since_label=format_datetime(since, "short"),
        fallback_twiml=twiml.fallback_document(voice_settings),
    )
