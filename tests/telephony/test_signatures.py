"""Security test plan items 1-3, 6, 7 and the issue's bad-input rules: only Twilio's signed,
well-formed requests get in; everything else is refused before anything is stored."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text

from hotline.audit.models import AuditEvent
from hotline.calls.models import Call
from hotline.extensions import db
from tests.helpers import audit_count
from tests.telephony.conftest import (
    ACCOUNT_SID,
    CALLER,
    PUBLIC,
    counts,
    new_sid,
    parse_twiml,
    sign,
    sms_form,
    voice_form,
)

ROUTES = [
    ("/twilio/voice", voice_form),
    ("/twilio/voice/status", lambda: voice_form(CallStatus="completed", CallDuration="12")),
    ("/twilio/voice/menu/es", lambda: voice_form(Digits="1", CallStatus="in-progress")),
    ("/twilio/voice/dial/es", lambda: voice_form(DialCallStatus="no-answer", CallStatus="in-progress")),
    (
        "/twilio/voice/voicemail/es",
        lambda: voice_form(
            CallStatus="in-progress",
            RecordingSid="RE" + "a" * 32,
            RecordingDuration="9",
            RecordingUrl=f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/RE{'a' * 32}",
        ),
    ),
    ("/twilio/sms", sms_form),
]
ROUTE_IDS = [r[0] for r in ROUTES]


def _rejections() -> int:
    return audit_count("telephony.bad_signature")


def _assert_refused(response, before_counts, before_audit, status=403):  # type: ignore[no-untyped-def]
    assert response.status_code == status
    assert counts() == before_counts
    assert _rejections() == before_audit + (1 if status == 403 else 0)
    event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    assert event is not None and CALLER not in event.summary and CALLER[-9:] not in event.summary


def test_valid_signature_is_stored(twilio):
    form = voice_form()
    response = twilio.post("/twilio/voice", form)
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    call = db.session.scalar(select(Call).where(Call.twilio_sid == form["CallSid"]))
    assert call.channel == "phone" and call.status == "ringing" and call.caller_number == CALLER
    raw = db.session.execute(text("SELECT caller_number FROM calls WHERE id = :id"), {"id": call.id}).scalar()
    assert CALLER not in raw  # encrypted at rest
    assert audit_count("call.create", object_id=str(call.id)) == 1


@pytest.mark.parametrize(("path", "make"), ROUTES, ids=ROUTE_IDS)
@pytest.mark.parametrize(
    "signature",
    [None, "", "   ", "Zm9yZ2Vk", "forged-signature=="],
    ids=["missing", "empty", "blank", "forged-base64", "forged"],
)
def test_missing_or_wrong_signature_is_refused(client, twilio, path, make, signature):
    before, audits = counts(), _rejections()
    form = make()
    if signature is None:
        response = client.post(path, data=form)
    else:
        response = twilio.post(path, form, signature=signature)
    _assert_refused(response, before, audits)


def test_missing_header_is_refused_before_the_validator_runs(client, monkeypatch):
    def explode(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("validator called")

    monkeypatch.setattr("twilio.request_validator.RequestValidator.validate", explode)
    assert client.post("/twilio/voice", data=voice_form()).status_code == 403


def test_signature_with_another_token_is_refused(twilio):
    before, audits = counts(), _rejections()
    form = voice_form()
    response = twilio.post("/twilio/voice", form, signature=sign(PUBLIC + "/twilio/voice", form, "other"))
    _assert_refused(response, before, audits)


@pytest.mark.parametrize(
    "signed_url",
    [
        "http://hotline.example.test/twilio/voice",
        "https://evil.example.test/twilio/voice",
        "https://hotline.example.test/twilio/voice?extra=1",
        "https://hotline.example.test/twilio/sms",
        "https://hotline.example.test:8443/twilio/voice",
    ],
    ids=["http", "other-host", "extra-param", "other-path", "other-port"],
)
def test_signature_for_another_url_is_refused(twilio, signed_url):
    before, audits = counts(), _rejections()
    response = twilio.post("/twilio/voice", voice_form(), signed_url=signed_url)
    _assert_refused(response, before, audits)


def test_query_string_added_after_signing_is_refused(twilio):
    before, audits = counts(), _rejections()
    form = voice_form()
    signature = sign(PUBLIC + "/twilio/voice", form)
    response = twilio.client.post(
        "/twilio/voice?injected=1", data=form, headers={"X-Twilio-Signature": signature}
    )
    _assert_refused(response, before, audits)


def test_signed_query_string_is_accepted(twilio):
    # Twilio signs the full URL including the query (e.g. a number configured with ?source=x).
    form = voice_form()
    response = twilio.client.post(
        "/twilio/voice?source=main",
        data=form,
        headers={"X-Twilio-Signature": sign(PUBLIC + "/twilio/voice?source=main", form)},
    )
    assert response.status_code == 200


def test_public_url_behind_a_proxy_is_accepted(twilio):
    form = voice_form()
    response = twilio.post(
        "/twilio/voice",
        form,
        base_url="http://10.0.0.5:8000",
        headers={
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "hotline.example.test",
            "X-Forwarded-For": "54.172.60.1",
        },
    )
    assert response.status_code == 200
    assert db.session.scalar(select(Call).where(Call.twilio_sid == form["CallSid"])) is not None


@pytest.mark.parametrize("field", ["Body", "From", "MessageSid"])
def test_parameter_changed_after_signing_is_refused(twilio, field):
    before, audits = counts(), _rejections()
    form = sms_form()
    signature = sign(PUBLIC + "/twilio/sms", form)
    tampered = dict(
        form, **{field: {"Body": "otro texto", "From": "+51911111111", "MessageSid": new_sid("SM")}[field]}
    )
    response = twilio.post("/twilio/sms", tampered, signature=signature)
    _assert_refused(response, before, audits)


def test_added_parameter_after_signing_is_refused(twilio):
    before, audits = counts(), _rejections()
    form = voice_form()
    signature = sign(PUBLIC + "/twilio/voice", form)
    response = twilio.post("/twilio/voice", dict(form, Digits="1"), signature=signature)
    _assert_refused(response, before, audits)


def test_json_body_is_refused_even_with_a_signature(twilio):
    before, audits = counts(), _rejections()
    form = voice_form()
    response = twilio.client.post(
        "/twilio/voice",
        data=json.dumps(form),
        content_type="application/json",
        headers={"X-Twilio-Signature": sign(PUBLIC + "/twilio/voice", {})},
    )
    _assert_refused(response, before, audits)


def test_without_an_auth_token_every_webhook_is_refused(app, twilio, monkeypatch):
    monkeypatch.setitem(app.config, "TWILIO_AUTH_TOKEN", None)
    before, audits = counts(), _rejections()
    _assert_refused(twilio.post("/twilio/voice", voice_form()), before, audits)


@pytest.mark.parametrize(("path", "make"), ROUTES, ids=ROUTE_IDS)
def test_foreign_account_sid_is_refused(twilio, path, make):
    before, audits = counts(), _rejections()
    form = dict(make(), AccountSid="AC" + "f" * 32)  # validly signed, but not our account
    _assert_refused(twilio.post(path, form), before, audits)


@pytest.mark.parametrize(
    "sid",
    [
        "CA'; DROP TABLE calls;--",
        "CA123",
        "ca" + "0" * 32,
        "CA" + "G" * 32,
        "SM" + "0" * 32,
        "CA" + "0" * 32 + "\n",
        "",
    ],
)
def test_malformed_call_sid_is_answered_with_the_fallback_twiml(twilio, sid):
    before = counts()
    bad_requests = audit_count("telephony.bad_request")
    response = twilio.post("/twilio/voice", dict(voice_form(), CallSid=sid))
    assert_fallback(response)
    assert counts() == before
    assert audit_count("telephony.bad_request") == bad_requests + 1
    assert db.session.execute(text("SELECT count(*) FROM calls")).scalar() is not None  # table intact


@pytest.mark.parametrize("sid", ["SM'; DROP TABLE messages;--", "CA" + "0" * 32, "SM" + "0" * 31, "XX"])
def test_malformed_message_sid_is_a_bad_request(twilio, sid):
    before = counts()
    assert twilio.post("/twilio/sms", dict(sms_form(), MessageSid=sid)).status_code == 400
    assert counts() == before


def test_unknown_parameters_and_addons_are_accepted_and_ignored(twilio):
    addons = json.dumps({"status": "successful", "results": {"lookup": {"caller_name": "X"}}})
    form = voice_form(
        AddOns=addons, CallerCity="LIMA", StirVerstat="TN-Validation-Passed-A", SomethingNew="42"
    )
    assert twilio.post("/twilio/voice", form).status_code == 200
    sms = sms_form(AddOns=addons, ProfileName="Someone", WaId="51987654321", Unexpected="x")
    assert twilio.post("/twilio/sms", sms).status_code == 200


def assert_fallback(response) -> None:  # type: ignore[no-untyped-def]
    """A voice route never answers a bare 4xx: the fallback TwiML says the call is being transferred."""
    assert response.status_code == 200 and response.mimetype == "text/xml"
    root = parse_twiml(response.get_data())
    says = [s.get("language") for s in root.iter("Say")]
    assert says[:2] == ["es-US", "en-US"]
    assert "transfiriendo" in root.find("Say").text or root.find("Dial") is None


VOICE_BAD = [
    ("/twilio/voice", {k: v for k, v in voice_form().items() if k != "From"}),
    ("/twilio/voice", voice_form(CallStatus="exploded")),
    ("/twilio/voice", voice_form(Direction="sideways")),
    ("/twilio/voice/status", voice_form(CallStatus="completed", CallDuration="999999")),
    ("/twilio/voice/status", voice_form(CallStatus="completed", CallDuration="-5")),
    ("/twilio/voice/status", voice_form(CallStatus="completed", CallDuration="1e3")),
    ("/twilio/voice/status", voice_form(CallStatus="completed", CallDuration="٣")),
    ("/twilio/voice/menu/es", voice_form(Digits="1<script>")),
    ("/twilio/voice/dial/es", voice_form(DialCallStatus="weird")),
    (
        "/twilio/voice/voicemail/es",
        voice_form(RecordingSid="RE" + "a" * 32, RecordingUrl="https://evil.example/rec"),
    ),
    ("/twilio/voice/queue/wait/es", voice_form(QueuePosition="-1", QueueSid="QU" + "a" * 32)),
    ("/twilio/voice/queue/result/es", voice_form(QueueResult="exploded")),
    ("/twilio/voice/queue/answered/es", voice_form(DialCallStatus="weird")),
    ("/twilio/voice/client", voice_form(From="client:5", Purpose="rm -rf", CallId="1")),
    ("/twilio/voice/conference/events", voice_form(ConferenceSid="CF1", FriendlyName="x")),
]


@pytest.mark.parametrize(("path", "form"), VOICE_BAD, ids=[f"{p}-{i}" for i, (p, _f) in enumerate(VOICE_BAD)])
def test_malformed_voice_parameters_get_the_fallback_twiml_with_nothing_stored(
    app, twilio, monkeypatch, path, form
):
    monkeypatch.setitem(app.config, "TWILIO_BACKUP_NUMBER", "+5114197260")
    before, bad = counts(), audit_count("telephony.bad_request")
    response = twilio.post(path, form)
    assert_fallback(response)
    assert [n.text for n in parse_twiml(response.get_data()).find("Dial").findall("Number")] == [
        "+5114197260"
    ]
    assert counts() == before
    assert audit_count("telephony.bad_request") == bad + 1


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("/twilio/sms", {k: v for k, v in sms_form().items() if k != "From"}),
        ("/twilio/sms", sms_form(From="messenger:12345")),
        ("/twilio/sms", sms_form(Body="x" * 10_001)),
        ("/twilio/sms", sms_form(Body="nul\x00byte")),
        ("/twilio/sms", sms_form(NumMedia="many")),
    ],
    ids=[
        "sms-no-from",
        "sms-messenger",
        "huge-body",
        "nul-body",
        "bad-num-media",
    ],
)
def test_malformed_parameters_are_a_bad_request_with_nothing_stored(twilio, path, form):
    before = counts()
    response = twilio.post(path, form)
    assert response.status_code == 400
    assert counts() == before


def test_a_parameter_given_twice_is_a_bad_request(twilio):
    form = voice_form()
    pairs = [*form.items(), ("CallSid", new_sid())]
    from twilio.request_validator import RequestValidator
    from werkzeug.datastructures import MultiDict

    multi = MultiDict(pairs)
    signature = RequestValidator("test-auth-token").compute_signature(PUBLIC + "/twilio/voice", multi)
    before = counts()
    response = twilio.client.post("/twilio/voice", data=multi, headers={"X-Twilio-Signature": signature})
    assert_fallback(response)
    assert counts() == before


def test_body_at_the_limit_is_stored_exactly(twilio):
    body = "ñandú 🙂 Quechua: Allillanchu " + "a" * (10_000 - 29)
    assert len(body) == 10_000
    form = sms_form(Body=body)
    assert twilio.post("/twilio/sms", form).status_code == 200
    from hotline.telephony.models import Message

    assert db.session.scalar(select(Message.body).where(Message.sid == form["MessageSid"])) == body


def test_nothing_personal_in_the_logs(twilio, caplog):
    caplog.set_level("DEBUG")
    form = voice_form()
    twilio.post("/twilio/voice", form)
    twilio.post("/twilio/voice", form, signature="forged")
    twilio.post("/twilio/sms", sms_form(Body="Me llamo Rosa Quispe"))
    twilio.post("/twilio/sms", sms_form(Body="Me llamo Rosa Quispe"), signature="forged")
    assert CALLER not in caplog.text and CALLER[-9:] not in caplog.text
    assert "Rosa Quispe" not in caplog.text
