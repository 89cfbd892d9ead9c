"""The outbound SMS sender against a fake Twilio HTTP client: outcomes the outbox can act on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests

from hotline.telephony.sender import SmsOutcome, TwilioSmsSender, get_sms_sender
from tests.telephony.conftest import ACCOUNT_SID, TOKEN, FakeHttpClient, created, twilio_error

TO = "+51987654321"
FROM = "+15005550006"
BODY = "Nueva derivación TP-2026-000123: ingrese al portal."


def sender(fake: FakeHttpClient, **kwargs) -> TwilioSmsSender:  # type: ignore[no-untyped-def]
    return TwilioSmsSender(ACCOUNT_SID, TOKEN, FROM, http_client=fake, **kwargs)


def test_success_posts_once_to_messages_json():
    fake = FakeHttpClient(created({"sid": "SM" + "1" * 32}))
    result = sender(fake).send(TO, BODY)
    assert result.outcome == SmsOutcome.SENT and result.sid == "SM" + "1" * 32
    assert len(fake.requests) == 1
    request = fake.requests[0]
    assert request["method"] == "POST"
    assert request["uri"] == f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert request["data"] == {"To": TO, "From": FROM, "Body": BODY}
    assert request["auth"] == (ACCOUNT_SID, TOKEN)


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        (twilio_error(400, 21211, f"The 'To' number {TO} is not a valid phone number."), SmsOutcome.FAILED),
        (twilio_error(401, 20003, "Authenticate"), SmsOutcome.FAILED),
        (twilio_error(404, 20404, "Not found"), SmsOutcome.FAILED),
        (twilio_error(429, 20429, "Too Many Requests"), SmsOutcome.RETRY),
        (twilio_error(500, 20500, "Internal Server Error"), SmsOutcome.RETRY),
        (twilio_error(503, 20503, "Service Unavailable"), SmsOutcome.RETRY),
        (requests.Timeout("read timed out"), SmsOutcome.RETRY),
        (requests.ConnectionError("connection refused"), SmsOutcome.RETRY),
    ],
    ids=["400", "401", "404", "429", "500", "503", "timeout", "connection-error"],
)
def test_twilio_errors_become_outcomes(answer, outcome, caplog):
    caplog.set_level("DEBUG")
    fake = FakeHttpClient(answer)
    result = sender(fake).send(TO, BODY)
    assert result.outcome == outcome
    assert result.is_retryable is (outcome == SmsOutcome.RETRY)
    assert len(fake.requests) == 1
    # Twilio's error text quotes the number: it is neither returned nor logged.
    assert TO not in result.detail and TO not in caplog.text and BODY not in caplog.text


def test_permanent_failure_keeps_the_twilio_code():
    result = sender(
        FakeHttpClient(twilio_error(400, 21610, "Attempt to send to unsubscribed recipient"))
    ).send(TO, BODY)
    assert (result.outcome, result.status_code, result.error_code) == (SmsOutcome.FAILED, 400, 21610)


@pytest.mark.parametrize("missing", ["account_sid", "auth_token", "from_number"])
def test_missing_credentials_disable_the_sender(missing):
    fake = FakeHttpClient()
    values = {"account_sid": ACCOUNT_SID, "auth_token": TOKEN, "from_number": FROM, missing: None}
    disabled = TwilioSmsSender(**values, http_client=fake)
    assert not disabled.is_enabled and disabled.disabled_reason
    result = disabled.send(TO, BODY)
    assert result.outcome == SmsOutcome.DISABLED
    assert fake.requests == []
    assert TOKEN not in repr(disabled)


def test_opted_out_recipient_is_never_sent_to():
    fake = FakeHttpClient()
    result = sender(fake, is_opted_out=lambda number: number == TO).send(TO, BODY)
    assert (result.outcome, result.error_code) == (SmsOutcome.FAILED, "opted_out")
    assert fake.requests == []


def test_failing_opt_out_check_is_retried_later():
    def broken(number: str) -> bool:
        raise RuntimeError("database down")

    fake = FakeHttpClient()
    assert sender(fake, is_opted_out=broken).send(TO, BODY).outcome == SmsOutcome.RETRY
    assert fake.requests == []


@pytest.mark.parametrize(
    ("to", "body"),
    [("987654321", BODY), ("+51 987 654 321", BODY), (TO, ""), (TO, "x" * 1601), ("whatsapp:12345", BODY)],
)
def test_invalid_recipient_or_body_fails_without_a_request(to, body):
    fake = FakeHttpClient()
    assert sender(fake).send(to, body).outcome == SmsOutcome.FAILED
    assert fake.requests == []


def test_whatsapp_recipient_uses_the_whatsapp_sender():
    fake = FakeHttpClient()
    recent = sender(fake, last_inbound_at=lambda number: datetime.now(UTC) - timedelta(hours=1))
    assert recent.send("whatsapp:" + TO, BODY).outcome == SmsOutcome.SENT
    assert fake.requests[0]["data"]["From"] == "whatsapp:" + FROM
    assert fake.requests[0]["data"]["To"] == "whatsapp:" + TO
    assert fake.requests[0]["data"]["Body"] == BODY  # inside the 24-hour window: free text


@pytest.mark.parametrize("last", [None, timedelta(hours=25)], ids=["never-wrote", "wrote-25-hours-ago"])
def test_whatsapp_outside_the_window_uses_the_approved_template(last):
    def last_inbound(number: str):  # type: ignore[no-untyped-def]
        assert number == TO
        return None if last is None else datetime.now(UTC) - last

    fake = FakeHttpClient()
    templated = sender(fake, last_inbound_at=last_inbound, whatsapp_template_sid="HX" + "b" * 32)
    assert templated.send("whatsapp:" + TO, BODY).outcome == SmsOutcome.SENT
    data = fake.requests[0]["data"]
    assert data["ContentSid"] == "HX" + "b" * 32 and "Body" not in data
    without = sender(FakeHttpClient(), last_inbound_at=last_inbound).send("whatsapp:" + TO, BODY)
    assert (without.outcome, without.error_code) == (SmsOutcome.FAILED, "whatsapp_window_closed")


def test_sms_is_never_templated():
    fake = FakeHttpClient()
    assert sender(fake, whatsapp_template_sid="HX" + "b" * 32).send(TO, BODY).outcome == SmsOutcome.SENT
    assert fake.requests[0]["data"]["Body"] == BODY


def test_retry_after_an_error_sends_exactly_once():
    fake = FakeHttpClient(twilio_error(500, 20500), created({}))
    s = sender(fake)
    assert s.send(TO, BODY).outcome == SmsOutcome.RETRY
    assert s.send(TO, BODY).outcome == SmsOutcome.SENT
    assert len(fake.requests) == 2


def test_factory_uses_the_app_config_and_the_injected_client(app, db, fake_http):
    fake = fake_http()
    with app.test_request_context():
        s = get_sms_sender(app)
        assert s.is_enabled
        assert s.send(TO, BODY).outcome == SmsOutcome.SENT
    assert len(fake.requests) == 1


def test_factory_respects_opt_outs(app, db, twilio, fake_http):
    from tests.telephony.conftest import sms_form

    twilio.post("/twilio/sms", sms_form(From=TO, Body="STOP"))
    fake = fake_http()
    assert get_sms_sender(app).send(TO, BODY).outcome == SmsOutcome.FAILED
    assert fake.requests == []


def test_factory_is_disabled_without_credentials(app, monkeypatch):
    monkeypatch.setitem(app.config, "TWILIO_AUTH_TOKEN", "")
    s = get_sms_sender(app)
    assert not s.is_enabled and "TWILIO_AUTH_TOKEN" in (s.disabled_reason or "")


def test_the_real_http_client_has_a_timeout(monkeypatch):
    s = TwilioSmsSender(ACCOUNT_SID, TOKEN, FROM)
    assert s.client.http_client.timeout == 10.0


def test_the_outbox_reaches_sms_through_the_registered_sender(app, db, fake_http):
    from hotline.notifications import services as outbox
    from hotline.telephony.sender import OutboxSmsSender

    fake = fake_http(created({"sid": "SM" + "2" * 32}), twilio_error(400, 21211))
    sms = outbox.get_senders(app)["sms"]
    assert isinstance(sms, OutboxSmsSender) and sms.enabled
    sent = sms.send(TO, "ignored subject", BODY)
    assert (sent.outcome, sent.provider_id) == (outbox.DeliveryOutcome.SENT, "SM" + "2" * 32)
    assert sms.send(TO, "", BODY).outcome == outbox.DeliveryOutcome.FAILED
    assert [r["data"]["Body"] for r in fake.requests] == [BODY, BODY]


def test_the_outbox_sees_a_disabled_sms_sender_and_why(app, monkeypatch):
    from hotline.notifications import services as outbox

    monkeypatch.setitem(app.config, "TWILIO_FROM_NUMBER", "")
    sms = outbox.get_senders(app)["sms"]
    assert not sms.enabled and "TWILIO_FROM_NUMBER" in sms.reason
    assert sms.send(TO, "", BODY).outcome == outbox.DeliveryOutcome.DISABLED
