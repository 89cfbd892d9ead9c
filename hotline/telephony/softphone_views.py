"""The operators' browser softphone and what goes with it: access tokens, presence, hold, the
conference hand-off, and the attachments of messages (authenticated, audited, never public).

A blueprint nested in the staff blueprint of `views.py` (endpoints `telephony_staff.softphone.*`).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import VoiceGrant

from hotline.access import role_required
from hotline.auth.models import Role
from hotline.calls.models import Call
from hotline.errors import HotlineError
from hotline.extensions import db
from hotline.telephony import services, twiml
from hotline.telephony.forms import CallHandoffForm, PresenceForm
from hotline.telephony.models import MessageMedia
from hotline.telephony.sender import get_rest_client
from hotline.telephony.storage import AUDIO_TYPES, INLINE_TYPES

bp = Blueprint("softphone", __name__)
LIVE_ROLES = (Role.OPERATOR, Role.COORDINATOR)

log = logging.getLogger(__name__)

MAX_TOKEN_TTL = 3600  # Twilio allows 24 h; a stolen token must not outlive a shift's hour
SOFTPHONE_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "media-src": "'self' blob:",
    # The Voice SDK signals over these (documented in Twilio's network connectivity requirements).
    "connect-src": "'self' wss://voice-js.twilio.com wss://chunderw-vpc-gll.twilio.com "
    "https://eventgw.twilio.com wss://*.twilio.com",
    "form-action": "'self'",
    "base-uri": "'none'",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
}


def _settings() -> twiml.VoiceSettings:
    return twiml.VoiceSettings.from_config(current_app.config)


def _token_ttl() -> int:
    configured = int(current_app.config.get("TELEPHONY_TOKEN_TTL_SECONDS") or MAX_TOKEN_TTL)
    return max(60, min(configured, MAX_TOKEN_TTL))


def softphone_configured(config: Any) -> bool:
    return all(
        config.get(k)
        for k in ("TWILIO_ACCOUNT_SID", "TWILIO_API_KEY_SID", "TWILIO_API_KEY_SECRET", "TWILIO_TWIML_APP_SID")
    )


@bp.route("/live/softphone/token", methods=["POST"])
@role_required(*LIVE_ROLES)
def softphone_token():  # type: ignore[no-untyped-def]
    """A short-lived Voice SDK token: identity = the operator's id, incoming calls and our TwiML App."""
    config = current_app.config
    if not softphone_configured(config):
        return jsonify(error=_("The softphone is not configured.")), 404  # no such service here
    ttl = _token_ttl()
    token = AccessToken(
        config["TWILIO_ACCOUNT_SID"],
        config["TWILIO_API_KEY_SID"],
        config["TWILIO_API_KEY_SECRET"],
        identity=services.identity_of(current_user.id),
        ttl=ttl,
    )
    token.add_grant(VoiceGrant(outgoing_application_sid=config["TWILIO_TWIML_APP_SID"], incoming_allow=True))
    response = jsonify(token=token.to_jwt(), identity=services.identity_of(current_user.id), ttl=ttl)
    response.headers["Cache-Control"] = "no-store"
    return response


def _softphone_view(view: Any) -> Any:
    # Talisman reads these per-view options: the SDK's signalling hosts and the microphone.
    view.talisman_view_options = {
        "content_security_policy": SOFTPHONE_CSP,
        "permissions_policy": {"geolocation": "()", "camera": "()", "microphone": "(self)"},
    }
    return view


@bp.route("/live/softphone")
@role_required(*LIVE_ROLES)
@_softphone_view
def softphone():  # type: ignore[no-untyped-def]
    return render_template(
        "telephony/softphone.html",
        presence=services.get_presence(current_user.id),
        presence_form=PresenceForm(),
        configured=softphone_configured(current_app.config),
        summary=services.queue_summary(),
    )


@bp.route("/live/presence", methods=["POST"])
@role_required(*LIVE_ROLES)
def presence():  # type: ignore[no-untyped-def]
    form = PresenceForm()
    if not form.validate_on_submit():
        return jsonify(error=_("Choose a valid state.")), 400
    try:
        row = services.set_presence(current_user, form.status.data)
    except HotlineError:
        db.session.rollback()
        return jsonify(error=_("You are on a call: your state changes when it ends.")), 409
    db.session.commit()
    return jsonify(status=row.status)


@bp.route("/live/queue.json")
@role_required(*LIVE_ROLES)
def queue_json():  # type: ignore[no-untyped-def]
    summary = services.queue_summary()
    return jsonify(
        waiting=summary.waiting,
        longest_wait_seconds=summary.longest_wait_seconds,
        me=services.get_presence(current_user.id),
        operators=[
            {"id": o.user_id, "name": o.name, "status": o.status, "is_me": o.user_id == current_user.id}
            for o in services.list_presence()
        ],
    )


@bp.route("/live/calls/<int:call_id>/softphone.json")
@role_required(*LIVE_ROLES)
def softphone_call(call_id: int):  # type: ignore[no-untyped-def]
    """What the softphone shows beside a call: the intake link and the repeat-caller history."""
    call = db.get_or_404(Call, call_id)
    history = services.caller_history(call, actor=current_user)
    db.session.commit()
    intake = (
        url_for("calls.intake", call_id=call.id)
        if "calls.intake" in current_app.view_functions
        else url_for("telephony_staff.conversation", call_id=call.id)
    )
    return jsonify(id=call.id, intake_url=intake, previous=history.previous, last_label=history.last_label)


def _call_for_control(call_id: int) -> Call:
    call = db.get_or_404(Call, call_id)
    if call.operator_id not in (None, current_user.id):
        abort(403)
    return call


def _control(action: Any) -> Any:
    try:
        action()
    except HotlineError as exc:
        db.session.rollback()
        return jsonify(error=str(exc)), 409
    db.session.commit()
    return jsonify(ok=True)


@bp.route("/live/calls/<int:call_id>/hold", methods=["POST"])
@role_required(*LIVE_ROLES)
def hold(call_id: int):  # type: ignore[no-untyped-def]
    call = _call_for_control(call_id)
    return _control(
        lambda: services.hold_call(
            call, actor=current_user, client=get_rest_client(current_app), settings=_settings()
        )
    )


@bp.route("/live/calls/<int:call_id>/conference", methods=["POST"])
@role_required(*LIVE_ROLES)
def conference(call_id: int):  # type: ignore[no-untyped-def]
    call = _call_for_control(call_id)
    presets = services.parse_handoff_numbers(current_app.config.get("TWILIO_HANDOFF_NUMBERS"))
    form = CallHandoffForm(presets=presets)
    if not form.validate_on_submit():
        return jsonify(error=_("Choose a partner line or type a number (not both).")), 400
    number, label = form.target

    def start() -> None:
        services.start_handoff(
            call,
            number=number,
            label=label,
            actor=current_user,
            client=get_rest_client(current_app),
            settings=_settings(),
            from_number=current_app.config.get("TWILIO_FROM_NUMBER"),
        )
        from hotline.referrals.services import record_handoff_for_call

        record_handoff_for_call(call, number=number, actor=current_user)

    return _control(start)


@bp.route("/live/calls/<int:call_id>/conference/<any(leave, take_back):choice>", methods=["POST"])
@role_required(*LIVE_ROLES)
def conference_finish(call_id: int, choice: str):  # type: ignore[no-untyped-def]
    call = _call_for_control(call_id)
    return _control(
        lambda: services.finish_handoff(
            call, keep_partner=choice == "leave", actor=current_user, client=get_rest_client(current_app)
        )
    )


@bp.route("/live/media/<int:media_id>")
@role_required(*LIVE_ROLES)
def media(media_id: int):  # type: ignore[no-untyped-def]
    row = db.get_or_404(MessageMedia, media_id)
    try:
        data, content_type = services.read_media(
            row, actor=current_user, store=services.media_store(current_app.config)
        )
    except HotlineError:
        db.session.rollback()
        abort(404)
    db.session.commit()
    inline = content_type in INLINE_TYPES or content_type in AUDIO_TYPES
    disposition = "inline" if inline else f'attachment; filename="adjunto-{row.id}"'
    return Response(
        data,
        mimetype=content_type,
        headers={
            "Content-Disposition": disposition,
            "Cache-Control": "no-store, private",
            "X-Content-Type-Options": "nosniff",
        },
    )


def presence_label(status: str) -> str:
    return {
        "available": _("Available"),
        "busy": _("Busy"),
        "away": _("Away"),
        "offline": _("Offline"),
    }.get(status, status)


@bp.app_template_global("presence_label")
def _presence_label(status: str) -> str:
    return presence_label(status)
