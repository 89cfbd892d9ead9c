"""Telephony test helpers: signed Twilio requests, a fake Twilio HTTP client, no real Twilio."""

from __future__ import annotations

import json
import logging
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from twilio.http import HttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.request_validator import RequestValidator

from hotline.calls.models import Call
from hotline.extensions import db
from hotline.telephony.models import CallRecording, Message, OptOut
from hotline.telephony.sender import HTTP_CLIENT_KEY

TOKEN = "test-auth-token"
ACCOUNT_SID = "AC" + "0" * 32
PUBLIC = "https://hotline.example.test"
CALLER = "+51987654321"
HOTLINE = "+5115550100"


def parse_twiml(data: str | bytes) -> ET.Element:
    """Parse TwiML the app produced (trusted: our own output or our fake's record of it)."""
    root = ET.fromstring(data)  # noqa: S314
    assert root.tag == "Response"
    return root


def new_sid(prefix: str = "CA") -> str:
    return prefix + uuid.uuid4().hex


def sign(url: str, params: dict[str, str], token: str = TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


def voice_form(call_sid: str | None = None, **extra: str) -> dict[str, str]:
    form = {
        "CallSid": call_sid or new_sid("CA"),
        "AccountSid": ACCOUNT_SID,
        "From": CALLER,
        "To": HOTLINE,
        "CallStatus": "ringing",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
    }
    form.update(extra)
    return form


def sms_form(message_sid: str | None = None, **extra: str) -> dict[str, str]:
    form = {
        "MessageSid": message_sid or new_sid("SM"),
        "SmsMessageSid": "",
        "AccountSid": ACCOUNT_SID,
        "From": CALLER,
        "To": HOTLINE,
        "Body": "Necesito ayuda",
        "NumMedia": "0",
        "ApiVersion": "2010-04-01",
    }
    form["SmsMessageSid"] = form["MessageSid"]
    form.update(extra)
    return form


def counts() -> dict[str, int]:
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Call, Message, CallRecording, OptOut)
    }


class Twilio:
    """Posts to the webhooks the way Twilio does: form-encoded and signed over the public URL."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def post(
        self,
        path: str,
        form: dict[str, str],
        *,
        signed_url: str | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        sig = signature if signature is not None else sign(signed_url or PUBLIC + path, form)
        all_headers = {"X-Twilio-Signature": sig, **(headers or {})}
        return self.client.post(path, data=form, headers=all_headers, **kwargs)


@pytest.fixture
def twilio(client: Any) -> Twilio:
    return Twilio(client)


class FakeHttpClient(HttpClient):
    """Records every request; answers from a queue of responses or exceptions (default: 201)."""

    def __init__(self, *responses: TwilioResponse | Exception) -> None:
        super().__init__(logging.getLogger("tests.fake_twilio"), False)
        self.responses = list(responses)
        self.requests: list[dict[str, Any]] = []

    def request(
        self,
        method: str,
        uri: str,
        params: Any = None,
        data: Any = None,
        headers: Any = None,
        auth: Any = None,
        timeout: Any = None,
        allow_redirects: bool = False,
    ) -> TwilioResponse:
        self.requests.append(
            {
                "method": method,
                "uri": uri,
                "params": params,
                "data": dict(data or {}),
                "auth": auth,
                "timeout": timeout,
            }
        )
        answer = self.responses.pop(0) if self.responses else created({})
        if isinstance(answer, Exception):
            raise answer
        return answer


def created(payload: dict[str, Any], status: int = 201) -> TwilioResponse:
    body = {"sid": new_sid("SM"), "status": "queued", "account_sid": ACCOUNT_SID, **payload}
    return TwilioResponse(status, json.dumps(body))


def twilio_error(status: int, code: int, message: str = "error") -> TwilioResponse:
    return TwilioResponse(status, json.dumps({"code": code, "message": message, "status": status}))


@pytest.fixture
def fake_http(app: Flask) -> Iterator[Callable[..., FakeHttpClient]]:
    """`fake_http(*responses)` installs a FakeHttpClient as the app's Twilio HTTP client."""

    def install(*responses: TwilioResponse | Exception) -> FakeHttpClient:
        fake = FakeHttpClient(*responses)
        app.extensions[HTTP_CLIENT_KEY] = fake
        return fake

    yield install
    app.extensions.pop(HTTP_CLIENT_KEY, None)


@pytest.fixture(autouse=True)
def no_real_twilio(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real Twilio HTTP client fails the test (tests/conftest.py refuses any other network)."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the real Twilio HTTP client was used in a test")

    monkeypatch.setattr("twilio.http.http_client.TwilioHttpClient.request", refuse)


@pytest.fixture(autouse=True)
def media_dir(app: Flask, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Every test stores media under its own temporary folder."""
    monkeypatch.setitem(app.config, "MEDIA_STORAGE_PATH", str(tmp_path / "media"))
    return tmp_path / "media"
