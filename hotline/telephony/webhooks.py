"""Checking Twilio's webhook requests: the signature first, then the parameters we rely on.

A request must carry `X-Twilio-Signature`, computed by Twilio with our auth token over the URL it
requested and the POSTed form. We rebuild that URL from `HOTLINE_PUBLIC_URL` (not `request.url`,
which a proxy or TLS terminator changes) plus the path and the raw query string. A missing or wrong
signature, a foreign AccountSid or an unsigned body is answered 403 before anything is stored; the
rejection leaves one `telephony.bad_signature` audit row (path and reason, never the caller's number).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import Response, current_app, request
from twilio.request_validator import RequestValidator

from hotline.audit import services as audit
from hotline.audit.models import Outcome
from hotline.extensions import db

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

SIGNATURE_HEADER = "X-Twilio-Signature"
CALL_SID_RE = re.compile(r"^CA[0-9a-f]{32}$")
MESSAGE_SID_RE = re.compile(r"^(SM|MM)[0-9a-f]{32}$")
RECORDING_SID_RE = re.compile(r"^RE[0-9a-f]{32}$")
PHONE_RE = re.compile(r"^\+?[0-9]{3,16}$")
RECORDING_URL_RE = re.compile(r"^https://api\.twilio\.com/[A-Za-z0-9/._\-]{10,300}$")
MEDIA_URL_RE = re.compile(r"^https://api\.twilio\.com/[A-Za-z0-9/._\-]{10,300}$")
CONTENT_TYPE_RE = re.compile(r"^[a-z0-9][a-z0-9.+\-]{0,40}/[a-z0-9][a-z0-9.+\-]{0,60}$")
QUEUE_SID_RE = re.compile(r"^QU[0-9a-f]{32}$")
CONFERENCE_SID_RE = re.compile(r"^CF[0-9a-f]{32}$")
DIRECTIONS = frozenset(
    {"inbound", "outbound-api", "outbound-dial", "trunking-originating", "trunking-terminating"}
)
QUEUE_RESULTS = frozenset(
    {
        "bridged",
        "bridging-in-process",
        "queue-full",
        "error",
        "hangup",
        "leave",
        "redirected",
        "system-shutdown",
    }
)
CONFERENCE_EVENTS = frozenset(
    {
        "conference-start",
        "conference-end",
        "participant-join",
        "participant-leave",
        "participant-hold",
        "participant-unhold",
        "participant-mute",
        "participant-unmute",
        "participant-modify",
        "participant-speech-start",
        "participant-speech-stop",
        "announcement-end",
        "announcement-fail",
    }
)
# Numbers Twilio reports when the caller withheld theirs.
WITHHELD = frozenset(
    {
        "anonymous",
        "restricted",
        "unknown",
        "unavailable",
        "private",
        "+266696687",
        "+7378742833",
        "+2562533",
        "+86282452253",
        "+8656696",
    }
)
VOICE_STATUSES = frozenset(
    {"queued", "initiated", "ringing", "in-progress", "completed", "busy", "no-answer", "failed", "canceled"}
)
DIAL_STATUSES = frozenset({"completed", "answered", "busy", "no-answer", "failed", "canceled", ""})
MAX_BODY = 10_000  # characters; SMS stop at 1,600 and WhatsApp at 4,096
MAX_DURATION = 86_400  # seconds: Twilio ends every call within 24 hours


class BadTwilioRequest(ValueError):
    """A signed request whose parameters are missing or malformed (answered 400). No personal data."""


def _reject(reason: str, action: str = "telephony.bad_signature", status: int = 403) -> Response:
    """Answer without touching the request's data; keep one security-event row (its own commit)."""
    try:
        db.session.rollback()
        audit.record(
            action,
            outcome=Outcome.DENIED if status == 403 else Outcome.FAILURE,
            object_type="webhook",
            summary=f"rejected {request.path}: {reason}",
        )
        db.session.commit()
    except Exception:  # noqa: BLE001  (the database may be down: still answer, fast)
        db.session.rollback()
        log.error("could not record a rejected webhook path=%s", request.path)
    log.warning("rejected twilio webhook path=%s status=%s reason=%s", request.path, status, reason)
    return Response("Forbidden" if status == 403 else "Bad Request", status, mimetype="text/plain")


def signed_url() -> str:
    """The URL Twilio requested, as the public sees it."""
    url = str(current_app.config.get("HOTLINE_PUBLIC_URL") or "").rstrip("/") + request.path
    query = request.query_string.decode("latin-1")
    return f"{url}?{query}" if query else url


def twilio_signed(view: F) -> F:
    """Refuse (403) anything Twilio did not sign with our auth token, before the view runs."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        signature = request.headers.get(SIGNATURE_HEADER, "").strip()
        if not signature:
            return _reject("missing signature")
        token = current_app.config.get("TWILIO_AUTH_TOKEN")
        if not token:
            return _reject("TWILIO_AUTH_TOKEN is not configured")
        if request.mimetype != "application/x-www-form-urlencoded":
            return _reject("body is not form-encoded")
        if not RequestValidator(token).validate(signed_url(), request.form, signature):
            return _reject("signature does not match")
        expected = current_app.config.get("TWILIO_ACCOUNT_SID")
        if expected and request.form.get("AccountSid") != expected:
            return _reject("foreign AccountSid")
        try:
            return view(*args, **kwargs)
        except BadTwilioRequest as exc:
            return _reject(str(exc), action="telephony.bad_request", status=400)

    return wrapper  # type: ignore[return-value]


# ---- parameters -------------------------------------------------------------------------------


def _one(name: str, *, required: bool = True, max_len: int = 200) -> str:
    values = request.form.getlist(name)
    if len(values) > 1:
        raise BadTwilioRequest(f"{name} given more than once")
    value = values[0] if values else ""
    if required and not value:
        raise BadTwilioRequest(f"{name} missing")
    if len(value) > max_len:
        raise BadTwilioRequest(f"{name} too long")
    return value


def _sid(name: str, pattern: re.Pattern[str]) -> str:
    value = _one(name, max_len=64)
    if not pattern.fullmatch(value):
        raise BadTwilioRequest(f"{name} malformed")
    return value


def _seconds(name: str) -> int | None:
    value = _one(name, required=False, max_len=12)
    if value == "":
        return None
    if not value.isascii() or not value.isdigit() or int(value) > MAX_DURATION:
        raise BadTwilioRequest(f"{name} out of range")
    return int(value)


def caller_number(raw: str) -> str | None:
    """The caller's number as we store it: None when withheld or not a phone number (client:, sip:)."""
    if raw.strip().lower() in WITHHELD:
        return None
    number = raw.strip()
    return number if PHONE_RE.fullmatch(number) else None


@dataclass(frozen=True)
class VoiceParams:
    call_sid: str
    caller: str | None
    call_status: str
    direction: str = "inbound"
    parent_call_sid: str | None = None
    raw_from: str = ""
    raw_to: str = ""

    @property
    def is_outbound(self) -> bool:
        return self.direction.startswith("outbound") or self.direction == "trunking-terminating"


def voice_params(*, require_from: bool = True) -> VoiceParams:
    call_sid = _sid("CallSid", CALL_SID_RE)
    raw_from = _one("From", required=require_from, max_len=256)
    status = _one("CallStatus", required=False, max_len=20) or "ringing"
    if status not in VOICE_STATUSES:
        raise BadTwilioRequest("CallStatus unknown")
    direction = _one("Direction", required=False, max_len=30) or "inbound"
    if direction not in DIRECTIONS:
        raise BadTwilioRequest("Direction unknown")
    parent = _one("ParentCallSid", required=False, max_len=64) or None
    if parent is not None and not CALL_SID_RE.fullmatch(parent):
        raise BadTwilioRequest("ParentCallSid malformed")
    return VoiceParams(
        call_sid=call_sid,
        caller=caller_number(raw_from),
        call_status=status,
        direction=direction,
        parent_call_sid=parent,
        raw_from=raw_from,
        raw_to=_one("To", required=False, max_len=256),
    )


def _count(name: str, maximum: int) -> int | None:
    value = _one(name, required=False, max_len=8)
    if value == "":
        return None
    if not value.isascii() or not value.isdigit() or int(value) > maximum:
        raise BadTwilioRequest(f"{name} out of range")
    return int(value)


@dataclass(frozen=True)
class QueueParams:
    queue_sid: str | None
    position: int | None  # wait URL only: 1 is the front of the queue
    size: int | None
    queue_time: int | None  # seconds in the queue
    result: str | None  # Enqueue action only


def queue_params() -> QueueParams:
    sid = _one("QueueSid", required=False, max_len=64) or None
    if sid is not None and not QUEUE_SID_RE.fullmatch(sid):
        raise BadTwilioRequest("QueueSid malformed")
    result = _one("QueueResult", required=False, max_len=30) or None
    if result is not None and result not in QUEUE_RESULTS:
        raise BadTwilioRequest("QueueResult unknown")
    return QueueParams(
        queue_sid=sid,
        position=_count("QueuePosition", 10_000),
        size=_count("CurrentQueueSize", 10_000),
        queue_time=_count("QueueTime", MAX_DURATION),
        result=result,
    )


@dataclass(frozen=True)
class ConferenceParams:
    conference_sid: str
    name: str
    event: str
    call_sid: str | None


def conference_params() -> ConferenceParams:
    sid = _sid("ConferenceSid", CONFERENCE_SID_RE)
    name = _one("FriendlyName", max_len=64)
    if not re.fullmatch(r"handoff-[0-9]{1,12}", name):
        raise BadTwilioRequest("FriendlyName is not one of our conferences")
    event = _one("StatusCallbackEvent", max_len=40)
    if event not in CONFERENCE_EVENTS:
        raise BadTwilioRequest("StatusCallbackEvent unknown")
    call_sid = _one("CallSid", required=False, max_len=64) or None
    if call_sid is not None and not CALL_SID_RE.fullmatch(call_sid):
        raise BadTwilioRequest("CallSid malformed")
    return ConferenceParams(conference_sid=sid, name=name, event=event, call_sid=call_sid)


def digits_param() -> str:
    digits = _one("Digits", required=False, max_len=20)
    if digits and not re.fullmatch(r"[0-9*#]+", digits):
        raise BadTwilioRequest("Digits malformed")
    return digits


def dial_status_param() -> str:
    status = _one("DialCallStatus", required=False, max_len=20)
    if status not in DIAL_STATUSES:
        raise BadTwilioRequest("DialCallStatus unknown")
    return status


def duration_param() -> int | None:
    return _seconds("CallDuration")


@dataclass(frozen=True)
class RecordingParams:
    recording_sid: str
    url: str
    duration: int | None


def recording_params() -> RecordingParams | None:
    """The voicemail's reference, or None when the caller hung up before recording anything."""
    if not request.form.get("RecordingSid"):
        return None
    sid = _sid("RecordingSid", RECORDING_SID_RE)
    url = _one("RecordingUrl", max_len=400)
    if not RECORDING_URL_RE.fullmatch(url):
        raise BadTwilioRequest("RecordingUrl is not a Twilio API URL")
    return RecordingParams(recording_sid=sid, url=url, duration=_seconds("RecordingDuration"))


@dataclass(frozen=True)
class MediaItem:
    url: str
    content_type: str


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float
    address: str
    label: str


@dataclass(frozen=True)
class MessageParams:
    message_sid: str
    number: str
    is_whatsapp: bool
    body: str
    num_media: int
    media: tuple[MediaItem, ...] = ()
    location: Location | None = None


def _media(num_media: int) -> tuple[MediaItem, ...]:
    items: list[MediaItem] = []
    for n in range(num_media):
        url = _one(f"MediaUrl{n}", max_len=400)
        if not MEDIA_URL_RE.fullmatch(url):
            raise BadTwilioRequest(f"MediaUrl{n} is not a Twilio API URL")
        content_type = _one(f"MediaContentType{n}", required=False, max_len=100).strip().lower()
        content_type = content_type.split(";")[0].strip() or "application/octet-stream"
        if not CONTENT_TYPE_RE.fullmatch(content_type):
            raise BadTwilioRequest(f"MediaContentType{n} malformed")
        items.append(MediaItem(url=url, content_type=content_type))
    return tuple(items)


def _coordinate(name: str, limit: float) -> float | None:
    value = _one(name, required=False, max_len=24).strip()
    if not value:
        return None
    if not re.fullmatch(r"-?[0-9]{1,3}(\.[0-9]{1,12})?", value) or abs(float(value)) > limit:
        raise BadTwilioRequest(f"{name} out of range")
    return float(value)


def _location() -> Location | None:
    latitude, longitude = _coordinate("Latitude", 90.0), _coordinate("Longitude", 180.0)
    if latitude is None and longitude is None:
        return None
    if latitude is None or longitude is None:
        raise BadTwilioRequest("Latitude and Longitude must come together")
    address = _one("Address", required=False, max_len=500)
    label = _one("Label", required=False, max_len=200)
    if "\x00" in address + label:
        raise BadTwilioRequest("location contains NUL")
    return Location(latitude=latitude, longitude=longitude, address=address, label=label)


def message_params() -> MessageParams:
    sid = _sid("MessageSid", MESSAGE_SID_RE)
    raw_from = _one("From", max_len=64).strip()
    is_whatsapp = raw_from.lower().startswith("whatsapp:")
    number = raw_from[len("whatsapp:") :] if is_whatsapp else raw_from
    if not PHONE_RE.fullmatch(number):
        raise BadTwilioRequest("From is not a phone number")
    body = _one("Body", required=False, max_len=MAX_BODY)
    if "\x00" in body:
        raise BadTwilioRequest("Body contains NUL")
    media = _one("NumMedia", required=False, max_len=3) or "0"
    if not media.isascii() or not media.isdigit() or int(media) > 20:
        raise BadTwilioRequest("NumMedia out of range")
    return MessageParams(
        message_sid=sid,
        number=number,
        is_whatsapp=is_whatsapp,
        body=body,
        num_media=int(media),
        media=_media(int(media)),
        location=_location() if is_whatsapp else None,
    )


CLIENT_PURPOSES = frozenset({"resume", "conference"})


def client_params() -> tuple[str, int]:
    """What an operator's browser asks for (`Device.connect({params: {Purpose, CallId}})`)."""
    purpose = _one("Purpose", max_len=20)
    if purpose not in CLIENT_PURPOSES:
        raise BadTwilioRequest("Purpose unknown")
    raw = _one("CallId", max_len=12)
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) < 2**31:
        raise BadTwilioRequest("CallId malformed")
    return purpose, int(raw)
