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

from hotline.telephony.prompts import VOICES, prompt

E164_RE = re.compile(r"^\+[1-9][0-9]{6,14}$")
SIP_RE = re.compile(r"^sip:[A-Za-z0-9._~%+\-]+@[A-Za-z0-9.\-]+(:[0-9]{1,5})?(;[A-Za-z0-9=_.\-]+)*$")
HOURS_RE = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-3]):([0-5][0-9])$")
MAX_DIAL_TARGETS = 10  # Twilio rings at most ten <Number>/<Sip> nouns at once
DIAL_TIMEOUT = 25  # seconds the operators' phones ring before the caller goes to voicemail
TRANSFER_TIMEOUT = 30
VOICEMAIL_MAX_SECONDS = 180
ANSWERED = frozenset({"completed", "answered"})


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
        )

    def url(self, path: str) -> str:
        return self.public_url + path


def _say(response: Any, lang: str, key: str, settings: VoiceSettings) -> None:
    text = prompt(lang, key, settings.emergency_number)
    if text:
        voice, language = VOICES[lang]
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
        voice, language = VOICES["en"]
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
    if settings.backup_number:
        _say(response, "es", "backup", settings)
        dial = response.dial(timeout=TRANSFER_TIMEOUT)
        _dial_target(dial, settings.backup_number)
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


def message_reply(settings: VoiceSettings, *, acknowledge: bool) -> str:
    """The SMS/WhatsApp answer: a fixed acknowledgement (never echoing what was sent) or nothing."""
    response = MessagingResponse()
    if acknowledge:
        response.message(
            prompt("es", "sms_ack", settings.emergency_number)
            + " / "
            + prompt("en", "sms_ack", settings.emergency_number)
        )
    return str(response)
