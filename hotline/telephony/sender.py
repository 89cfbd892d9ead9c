"""The outbound SMS/WhatsApp sender, which `create_app` plugs into the notification outbox.

`TwilioSmsSender.send(to, body)` never raises for Twilio or network trouble: it returns an
`SmsResult` whose `outcome` tells the outbox what to do with its row:

- `sent`: Twilio accepted the message (`sid` set);
- `retry`: try again later (Twilio 429 or 5xx, time-out, connection error);
- `failed`: permanent (any other 4xx, an invalid number or body, an opted-out recipient);
- `disabled`: credentials are missing; nothing was attempted (shown on the admin page).

`outbox_sms_sender(app)` wraps it in the outbox's `Sender` interface. No personal data (numbers,
bodies, Twilio's error text, which can quote the number) is logged or returned in `detail`. Tests
pass a fake `twilio.http.HttpClient`; nothing here opens a socket then.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import requests
from flask import Flask
from requests import RequestException
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from hotline.notifications import services as outbox

log = logging.getLogger(__name__)

# app.extensions key holding an HttpClient to use instead of the real one (tests, staging).
HTTP_CLIENT_KEY = "telephony_http_client"
DEFAULT_TIMEOUT = 10.0  # seconds; the real client has no time-out of its own
MAX_BODY = 1600
WHATSAPP_WINDOW = timedelta(hours=24)  # free text only within 24 h of the person's last message
E164_RE = re.compile(r"^\+[1-9][0-9]{6,14}$")


class SmsOutcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    DISABLED = "disabled"


@dataclass(frozen=True)
class SmsResult:
    outcome: SmsOutcome
    sid: str | None = None
    status_code: int | None = None
    error_code: int | str | None = None
    detail: str = ""  # plain English, no personal data

    @property
    def is_retryable(self) -> bool:
        return self.outcome == SmsOutcome.RETRY


class TwilioSmsSender:
    """Sends one SMS (or WhatsApp message, `to="whatsapp:+51..."`) through Twilio's REST API."""

    def __init__(
        self,
        account_sid: str | None,
        auth_token: str | None,
        from_number: str | None,
        http_client: HttpClient | None = None,
        *,
        is_opted_out: Callable[[str], bool] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        last_inbound_at: Callable[[str], datetime | None] | None = None,
        whatsapp_template_sid: str | None = None,
    ) -> None:
        self._last_inbound_at = last_inbound_at
        self.whatsapp_template_sid = whatsapp_template_sid or None
        self.account_sid = account_sid or None
        self._auth_token = auth_token or None
        self.from_number = from_number or None
        self._http_client = http_client
        self._is_opted_out = is_opted_out
        self._timeout = timeout
        self._client: Client | None = None

    def __repr__(self) -> str:  # never show the token
        return f"<TwilioSmsSender {'enabled' if self.is_enabled else 'disabled'}>"

    @property
    def disabled_reason(self) -> str | None:
        missing = [
            name
            for name, value in (
                ("TWILIO_ACCOUNT_SID", self.account_sid),
                ("TWILIO_AUTH_TOKEN", self._auth_token),
                ("TWILIO_FROM_NUMBER", self.from_number),
            )
            if not value
        ]
        return "missing " + ", ".join(missing) if missing else None

    @property
    def is_enabled(self) -> bool:
        return self.disabled_reason is None

    @property
    def client(self) -> Client:
        if self._client is None:
            http_client = self._http_client or TwilioHttpClient(timeout=self._timeout)
            self._client = Client(self.account_sid, self._auth_token, http_client=http_client)
        return self._client

    def send(self, to: str, body: str) -> SmsResult:
        if not self.is_enabled:
            return SmsResult(SmsOutcome.DISABLED, detail=f"sender disabled: {self.disabled_reason}")
        whatsapp = to.startswith("whatsapp:")
        number = to.removeprefix("whatsapp:")
        if not E164_RE.fullmatch(number):
            return SmsResult(
                SmsOutcome.FAILED, error_code="invalid_number", detail="recipient is not an E.164 number"
            )
        if not body or len(body) > MAX_BODY:
            return SmsResult(
                SmsOutcome.FAILED,
                error_code="invalid_body",
                detail=f"body must have 1 to {MAX_BODY} characters",
            )
        if self._is_opted_out is not None:
            try:
                opted_out = self._is_opted_out(number)
            except Exception:  # noqa: BLE001  (database trouble: try again later)
                log.warning("sms not sent: opt-out check failed")
                return SmsResult(
                    SmsOutcome.RETRY,
                    error_code="opt_out_check_failed",
                    detail="could not check the opt-out list",
                )
            if opted_out:
                return SmsResult(
                    SmsOutcome.FAILED, error_code="opted_out", detail="recipient opted out (STOP)"
                )
        sender = self.from_number or ""
        if whatsapp and not sender.startswith("whatsapp:"):
            sender = "whatsapp:" + sender
        content: dict[str, Any] = {"body": body}
        if whatsapp and not self._within_window(number):
            if not self.whatsapp_template_sid:
                return SmsResult(
                    SmsOutcome.FAILED,
                    error_code="whatsapp_window_closed",
                    detail="outside the 24-hour window and no TWILIO_WHATSAPP_TEMPLATE_SID",
                )
            content = {"content_sid": self.whatsapp_template_sid}  # an approved template, no free text
        try:
            message = self.client.messages.create(to=to, from_=sender, **content)
        except TwilioRestException as exc:
            retry = exc.status == 429 or exc.status >= 500
            outcome = SmsOutcome.RETRY if retry else SmsOutcome.FAILED
            log.warning("sms not sent status=%s code=%s outcome=%s", exc.status, exc.code, outcome)
            return SmsResult(
                outcome,
                status_code=exc.status,
                error_code=exc.code,
                detail=f"Twilio answered HTTP {exc.status}",
            )
        except (RequestException, TwilioException, OSError) as exc:
            log.warning("sms not sent error=%s outcome=retry", type(exc).__name__)
            return SmsResult(
                SmsOutcome.RETRY, error_code=type(exc).__name__, detail="Twilio could not be reached"
            )
        log.info("sms sent sid=%s", message.sid)
        return SmsResult(SmsOutcome.SENT, sid=message.sid, status_code=201)

    def _within_window(self, number: str, now: datetime | None = None) -> bool:
        if self._last_inbound_at is None:
            return False
        last = self._last_inbound_at(number)
        return last is not None and (now or datetime.now(UTC)) - last < WHATSAPP_WINDOW


def _credentials(app: Flask) -> tuple[str | None, str | None]:
    return app.config.get("TWILIO_ACCOUNT_SID") or None, app.config.get("TWILIO_AUTH_TOKEN") or None


def get_sms_sender(app: Flask) -> TwilioSmsSender:
    """The configured sender; `disabled` when a credential is missing. Respects opt-outs."""
    from hotline.telephony.services import is_opted_out, last_inbound_whatsapp_at

    account_sid, auth_token = _credentials(app)
    return TwilioSmsSender(
        account_sid,
        auth_token,
        app.config.get("TWILIO_FROM_NUMBER"),
        http_client=app.extensions.get(HTTP_CLIENT_KEY),
        is_opted_out=is_opted_out,
        last_inbound_at=last_inbound_whatsapp_at,
        whatsapp_template_sid=app.config.get("TWILIO_WHATSAPP_TEMPLATE_SID"),
    )


class OutboxSmsSender:
    """The SMS sender as the outbox sees it: `send(recipient, subject, body)` -> SendResult."""

    def __init__(self, sender: TwilioSmsSender) -> None:
        self._sender = sender
        self.enabled = sender.is_enabled
        self.reason = sender.disabled_reason

    def send(self, recipient: str, subject: str, body: str) -> outbox.SendResult:
        result = self._sender.send(recipient, body)  # an SMS has no subject
        return outbox.SendResult(outbox.DeliveryOutcome(result.outcome.value), result.detail, result.sid)


def outbox_sms_sender(app: Flask) -> OutboxSmsSender:
    """The factory `create_app` registers for the outbox's SMS channel."""
    return OutboxSmsSender(get_sms_sender(app))


def get_rest_client(app: Flask) -> Any:
    """A Twilio REST client for live-call control (hand-offs), or None without credentials."""
    account_sid, auth_token = _credentials(app)
    if not account_sid or not auth_token:
        return None
    http_client = app.extensions.get(HTTP_CLIENT_KEY) or TwilioHttpClient(timeout=DEFAULT_TIMEOUT)
    return Client(account_sid, auth_token, http_client=http_client)


# app.extensions key holding a `requests`-like session for fetching recordings (tests).
MEDIA_SESSION_KEY = "telephony_media_session"
MAX_RECORDING_BYTES = 20 * 1024 * 1024


class RecordingUnavailable(Exception):
    """The voicemail's audio could not be fetched from Twilio (no personal data in the message)."""


def fetch_recording_audio(app: Flask, recording_url: str) -> bytes:
    """The MP3 of a voicemail, fetched from Twilio with the account's credentials."""
    account_sid, auth_token = _credentials(app)
    if not account_sid or not auth_token:
        raise RecordingUnavailable("Twilio credentials are missing")
    if not recording_url.startswith("https://api.twilio.com/"):
        raise RecordingUnavailable("not a Twilio recording URL")  # never send our credentials elsewhere
    session = app.extensions.get(MEDIA_SESSION_KEY) or requests
    try:
        response = session.get(
            recording_url + ".mp3", auth=(account_sid, auth_token), timeout=DEFAULT_TIMEOUT
        )
    except RequestException as exc:
        raise RecordingUnavailable(type(exc).__name__) from None
    if response.status_code != 200:
        raise RecordingUnavailable(f"Twilio answered HTTP {response.status_code}")
    if len(response.content) > MAX_RECORDING_BYTES:
        raise RecordingUnavailable("recording too large")
    return response.content
