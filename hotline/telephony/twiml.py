"""TwiML for the voice menu, the operators' line, voicemail, the fallback and SMS replies.

Pure functions of the settings and the request: the same request always gets the same TwiML
(Twilio retries; an idempotent webhook must answer a retry exactly like the first time).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from hotline.telephony.prompts import prompt, voice_for
from hotline.telephony.segments import fits

E164_RE = re.compile(r"^\+[1-9][0-9]{6,14}$")
SIP_RE = re.compile(r"^sip:[A-Za-z0-9._~%+\-]+@[A-Za-z0-9.\-]+(:[0-9]{1,5})?(;[A-Za-z0-9=_.\-]+)*$")
HOURS_RE = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-3]):([0-5][0-9])$")
MAX_DIAL_TARGETS = 10  # Twilio rings at most ten <Number>/<Sip> nouns at once
DIAL_TIMEOUT = 25  # seconds the operators' phones ring before the caller goes to voicemail
TRANSFER_TIMEOUT = 30
VOICEMAIL_MAX_SECONDS = 180
ANSWERED = frozenset({"completed", "answered"})
QUEUE_NAME = "hotline"  # the Twilio queue callers wait in for an operator's browser
QUEUE_PAUSE_SECONDS = 8  # silence between two wait messages (Twilio then asks the wait URL again)
OPERATOR_RING_SECONDS = 20  # an offered operator's browser rings this long


def split_targets(raw: str | None) -> tuple[list[str], list[str]]:
    """Split a comma-separated list of numbers/SIP URIs into (valid, invalid) entries."""
    valid: list[str] = []
    invalid: list[str] = []
    for item in (raw or "").split(","):
        entry = item.strip().replace(" ", "")
        if not entry:
            continue
        if E164_RE.fullmatch(entry) or SIP_RE.fullmatch(entry):
            if entry not in valid:
                valid.append(entry)
        else:
            invalid.append(entry)
    return valid[:MAX_DIAL_TARGETS], invalid


def parse_hours(spec: str | None) -> tuple[time, time] | None:
    """'08:00-20:00' -> (08:00, 20:00); '24/7' or empty -> None (always open)."""
    text = (spec or "").strip()
    if text in ("", "24/7"):
        return None
    match = HOURS_RE.fullmatch(text.replace(" ", ""))
    if not match:
        raise ValueError("opening hours must be '24/7' or 'HH:MM-HH:MM'")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    return time(h1, m1), time(h2, m2)


def is_open(spec: str | None, now: datetime, timezone: str) -> bool:
    """Whether operators answer at `now`. An unreadable setting counts as open (never strand a caller)."""
    try:
        hours = parse_hours(spec)
    except ValueError:
        return True
    if hours is None:
        return True
    start, end = hours
    local = now.astimezone(ZoneInfo(timezone)).time()
    if start <= end:
        return start <= local < end
    return local >= start or local < end  # overnight, e.g. 20:00-08:00


@dataclass(frozen=True)
class VoiceSettings:
    public_url: str
    operator_targets: tuple[str, ...]
    backup_number: str | None
    emergency_number: str
    opening_hours: str
    timezone: str
    voice_es: str = ""
    voice_en: str = ""
    queue_enabled: bool = False
    queue_timeout: int = 90

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> VoiceSettings:
        backup = (config.get("TWILIO_BACKUP_NUMBER") or "").strip().replace(" ", "")
        valid_backup = backup if (E164_RE.fullmatch(backup) or SIP_RE.fullmatch(backup)) else None
        return cls(
            public_url=str(config.get("HOTLINE_PUBLIC_URL") or "").rstrip("/"),
            operator_targets=tuple(split_targets(config.get("TWILIO_OPERATOR_NUMBERS"))[0]),
            backup_number=valid_backup,
            emergency_number=str(config.get("HOTLINE_EMERGENCY_NUMBER") or "105"),
            opening_hours=str(config.get("HOTLINE_OPENING_HOURS") or "24/7"),
            timezone=str(config.get("BABEL_DEFAULT_TIMEZONE") or "America/Lima"),
            voice_es=str(config.get("TWILIO_VOICE_ES") or ""),
            voice_en=str(config.get("TWILIO_VOICE_EN") or ""),
            queue_enabled=bool(config.get("TELEPHONY_QUEUE_ENABLED")),
            queue_timeout=int(config.get("TELEPHONY_QUEUE_TIMEOUT_SECONDS") or 90),
        )

    def url(self, path: str) -> str:
        return self.public_url + path

    def voice(self, lang: str) -> tuple[str, str]:
        return voice_for(lang, self.voice_en if lang == "en" else self.voice_es)

    @property
    def fallback_targets(self) -> tuple[str, ...]:
        """Who the fallback dials: the backup line, else the operators' own numbers."""
        return (self.backup_number,) if self.backup_number else self.operator_targets


def _say(response: Any, lang: str, key: str, settings: VoiceSettings, **values: object) -> None:
    text = prompt(lang, key, settings.emergency_number, **values)
    if text:
        voice, language = settings.voice(lang)
        response.say(text, voice=voice, language=language)


def _dial_target(dial: Any, target: str) -> None:
    if target.startswith("sip:"):
        dial.sip(target)
    else:
        dial.number(target)


def menu(settings: VoiceSettings, lang: str = "es", *, greet: bool = True, invalid: bool = False) -> str:
    """Greeting, emergency number and the menu: 1 report, 2 information, 3 English."""
    response = VoiceResponse()
    gather = response.gather(
        num_digits=1, action=settings.url(f"/twilio/voice/menu/{lang}"), method="POST", timeout=6
    )
    if invalid:
        _say(gather, lang, "invalid", settings)
    if greet:
        _say(gather, lang, "greeting", settings)
        _say(gather, lang, "emergency", settings)
    _say(gather, lang, "menu", settings)
    if lang == "es":
        voice, language = settings.voice("en")
        gather.say(prompt("es", "english_option"), voice=voice, language=language)
    # No key pressed: the menu URL without Digits connects the caller to the operators.
    response.redirect(settings.url(f"/twilio/voice/menu/{lang}"), method="POST")
    return str(response)


def menu_choice(settings: VoiceSettings, lang: str, digits: str, now: datetime) -> str:
    if digits == "3" and lang == "es":
        return menu(settings, "en", greet=False)
    if digits in ("", "1", "2"):
        return connect(settings, lang, now)
    return menu(settings, lang, greet=False, invalid=True)


def connect(settings: VoiceSettings, lang: str, now: datetime) -> str:
    """The queue for the operators' browsers when it is on, else every operator line at once."""
    if settings.queue_enabled and is_open(settings.opening_hours, now, settings.timezone):
        return enqueue(settings, lang)
    return ring_operator_lines(settings, lang, now)


def ring_operator_lines(settings: VoiceSettings, lang: str, now: datetime) -> str:
    """Ring every operator line at once; nobody answering leads to the voicemail."""
    if not settings.operator_targets or not is_open(settings.opening_hours, now, settings.timezone):
        return voicemail(settings, lang, reason="closed")
    response = VoiceResponse()
    _say(response, lang, "connecting", settings)
    dial = response.dial(
        action=settings.url(f"/twilio/voice/dial/{lang}"), method="POST", timeout=DIAL_TIMEOUT
    )
    for target in settings.operator_targets:
        _dial_target(dial, target)
    return str(response)


def dial_result(settings: VoiceSettings, lang: str, dial_status: str) -> str:
    if dial_status in ANSWERED:
        response = VoiceResponse()
        response.hangup()
        return str(response)
    return voicemail(settings, lang, reason="busy")


def voicemail(settings: VoiceSettings, lang: str, *, reason: str) -> str:
    """The emergency number, then a recorded message attached to the Call."""
    response = VoiceResponse()
    _say(response, lang, reason, settings)
    _say(response, lang, "emergency", settings)
    _say(response, lang, "leave_message", settings)
    response.record(
        action=settings.url(f"/twilio/voice/voicemail/{lang}"),
        method="POST",
        max_length=VOICEMAIL_MAX_SECONDS,
        play_beep=True,
        timeout=6,
        finish_on_key="#",
    )
    # <Record> falls through here only when nothing was recorded.
    _say(response, lang, "no_message", settings)
    response.hangup()
    return str(response)


def goodbye(settings: VoiceSettings, lang: str, *, recorded: bool) -> str:
    response = VoiceResponse()
    _say(response, lang, "thanks" if recorded else "no_message", settings)
    response.hangup()
    return str(response)


def _fallback_response(settings: VoiceSettings) -> VoiceResponse:
    response = VoiceResponse()
    if settings.fallback_targets:
        _say(response, "es", "backup", settings)
        _say(response, "en", "backup", settings)
        dial = response.dial(timeout=TRANSFER_TIMEOUT)
        for target in settings.fallback_targets:
            _dial_target(dial, target)
    _say(response, "es", "unavailable", settings)
    _say(response, "en", "unavailable", settings)
    response.hangup()
    return response


def fallback(settings: VoiceSettings) -> str:
    """Static TwiML for failures: dial the backup line, else say the emergency number. No database."""
    return str(_fallback_response(settings))


def fallback_document(settings: VoiceSettings) -> str:
    """The same TwiML, indented, to paste into a TwiML Bin (the number's "primary handler fails" URL)."""
    element = _fallback_response(settings).xml()
    ET.indent(element)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(element, encoding="unicode")


def transfer(settings: VoiceSettings, lang: str, number: str) -> str:
    """What a live caller gets when an operator hands them off to a partner's line."""
    response = VoiceResponse()
    _say(response, lang, "transfer", settings)
    dial = response.dial(timeout=TRANSFER_TIMEOUT)
    dial.number(number)
    _say(response, lang, "transfer_failed", settings)
    response.hangup()
    return str(response)


def empty_voice() -> str:
    return str(VoiceResponse())


def acknowledgement(settings: VoiceSettings) -> str:
    """The automatic acknowledgement: both languages when they fit in two segments, else Spanish."""
    spanish = prompt("es", "sms_ack", settings.emergency_number)
    both = spanish + " / " + prompt("en", "sms_ack", settings.emergency_number)
    return both if fits(both) else spanish


def message_reply(settings: VoiceSettings, *, acknowledge: bool) -> str:
    """The SMS/WhatsApp answer: a fixed acknowledgement (never echoing what was sent) or nothing."""
    response = MessagingResponse()
    if acknowledge:
        response.message(acknowledgement(settings))
    return str(response)


# ---- the queue, the operators' browsers, hold and the conference hand-off ------------------------


def enqueue(settings: VoiceSettings, lang: str) -> str:
    """The caller waits in Twilio's queue; the wait URL tells them their place and offers the call."""
    response = VoiceResponse()
    _say(response, lang, "connecting", settings)
    response.enqueue(
        QUEUE_NAME,
        action=settings.url(f"/twilio/voice/queue/result/{lang}"),
        method="POST",
        wait_url=settings.url(f"/twilio/voice/queue/wait/{lang}"),
        wait_url_method="POST",
    )
    return str(response)


def queue_wait(settings: VoiceSettings, lang: str, position: int, *, leave: bool) -> str:
    """The wait URL's answer: leave the queue (an operator is ready, or waited too long) or wait on."""
    response = VoiceResponse()
    if leave:
        response.leave()
        return str(response)
    if position <= 1:
        _say(response, lang, "queue_next", settings)
    else:
        _say(response, lang, "queue_wait", settings, position=position)
    response.pause(length=QUEUE_PAUSE_SECONDS)
    return str(response)


def dial_operator(settings: VoiceSettings, lang: str, identity: str, call_id: int) -> str:
    """Ring one operator's browser (Voice SDK identity), telling it which contact this is; the
    leg's status callbacks say when it is answered, the Dial's action what happens next."""
    response = VoiceResponse()
    dial = response.dial(
        action=settings.url(f"/twilio/voice/queue/answered/{lang}"),
        method="POST",
        timeout=OPERATOR_RING_SECONDS,
    )
    client = dial.client(
        status_callback=settings.url("/twilio/voice/status"),
        status_callback_event="answered completed",
        status_callback_method="POST",
    )
    client.identity(identity)
    client.parameter(name="CallId", value=str(call_id))
    return str(response)


def hold(settings: VoiceSettings, lang: str, call_id: int) -> str:
    """The caller on hold: a queue of their own, which the operator's browser dials to take them back."""
    response = VoiceResponse()
    _say(response, lang, "hold", settings)
    response.enqueue(
        f"hold-{call_id}",
        wait_url=settings.url(f"/twilio/voice/hold/wait/{lang}"),
        wait_url_method="POST",
        action=settings.url(f"/twilio/voice/queue/result/{lang}"),
        method="POST",
    )
    return str(response)


def hold_wait(settings: VoiceSettings, lang: str) -> str:
    response = VoiceResponse()
    _say(response, lang, "hold", settings)
    response.pause(length=QUEUE_PAUSE_SECONDS)
    return str(response)


def take_back(call_id: int) -> str:
    """What the operator's browser runs to take a held caller back."""
    response = VoiceResponse()
    dial = response.dial()
    dial.queue(f"hold-{call_id}")
    return str(response)


def conference_name(call_id: int) -> str:
    return f"handoff-{call_id}"


def join_conference(
    settings: VoiceSettings, lang: str, call_id: int, *, role: str, notice: bool = False
) -> str:
    """One leg of the warm hand-off conference: caller, operator or partner.

    The conference starts when the operator enters; the caller and the partner stay when the
    operator leaves (the caller is left with the partner), and it ends when the caller hangs up.
    """
    response = VoiceResponse()
    if notice:
        _say(response, lang, "transfer", settings)
    dial = response.dial()
    dial.conference(
        conference_name(call_id),
        start_conference_on_enter=role == "operator",
        end_conference_on_exit=role == "caller",
        beep=False,
        status_callback=settings.url("/twilio/voice/conference/events"),
        status_callback_event="start end join leave hold",
        status_callback_method="POST",
    )
    return str(response)


def reject() -> str:
    response = VoiceResponse()
    response.reject()
    return str(response)
