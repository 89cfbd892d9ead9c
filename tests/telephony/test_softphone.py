"""The softphone's server side: access tokens, hold and take back, the conference hand-off, the
TwiML App's voice URL, and a fault on every voice route answered with TwiML that validates."""

from __future__ import annotations

import time

import jwt
import pytest
from sqlalchemy import select

from hotline.calls.models import Call
from hotline.extensions import db
from hotline.telephony.models import Handoff, OutboundCall
from tests.helpers import audit_count
from tests.telephony.conftest import created, new_sid, parse_twiml, twilio_error, voice_form

API_KEY = "SK" + "3" * 32
API_SECRET = "api-key-secret-for-tests-32-bytes"
APP_SID = "AP" + "4" * 32
PARTNER = "+5114197260"


@pytest.fixture
def softphone(app, monkeypatch):
    monkeypatch.setitem(app.config, "TWILIO_API_KEY_SID", API_KEY)
    monkeypatch.setitem(app.config, "TWILIO_API_KEY_SECRET", API_SECRET)
    monkeypatch.setitem(app.config, "TWILIO_TWIML_APP_SID", APP_SID)


def live_call(twilio, operator=None) -> Call:  # type: ignore[no-untyped-def]
    sid = new_sid()
    twilio.post("/twilio/voice", voice_form(sid))
    twilio.post("/twilio/voice/status", voice_form(sid, CallStatus="in-progress"))
    call = db.session.scalar(select(Call).where(Call.twilio_sid == sid))
    if operator is not None:
        call.operator_id = operator.id
        db.session.flush()
    return call


def test_token_carries_a_voice_grant_for_the_operator_and_lives_at_most_an_hour(
    client, login, softphone, app, monkeypatch
):
    monkeypatch.setitem(app.config, "TELEPHONY_TOKEN_TTL_SECONDS", 86_400)  # capped
    user = login("operator")
    response = client.post("/live/softphone/token", headers={"X-CSRFToken": client.csrf_token("/app")})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    body = response.json
    claims = jwt.decode(body["token"], API_SECRET, algorithms=["HS256"])
    assert claims["iss"] == API_KEY and claims["sub"] == app.config["TWILIO_ACCOUNT_SID"]
    assert claims["exp"] - claims["nbf"] <= 3600 and time.time() < claims["exp"] <= time.time() + 3601
    grants = claims["grants"]
    assert grants["identity"] == str(user.id) == body["identity"]
    assert grants["voice"] == {"incoming": {"allow": True}, "outgoing": {"application_sid": APP_SID}}
    assert API_SECRET not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("role", "status"),
    [("operator", 200), ("coordinator", 200), ("manager", 403), ("admin", 403), ("partner", 403)],
)
def test_token_roles(client, login, softphone, role, status):
    login(role)
    token = client.csrf_token("/app")
    assert client.post("/live/softphone/token", headers={"X-CSRFToken": token}).status_code == status


def test_token_needs_sign_in_csrf_and_configuration(client, login, app, monkeypatch):
    assert client.post("/live/softphone/token").status_code in (302, 400)
    login("operator")
    assert client.post("/live/softphone/token").status_code == 400  # no CSRF token
    response = client.post("/live/softphone/token", headers={"X-CSRFToken": client.csrf_token("/app")})
    assert response.status_code == 404  # no API key configured: there is no softphone here
    assert client.get("/live/softphone/token").status_code == 405


def test_softphone_page_allows_the_microphone_and_the_sdk_hosts_only_there(client, login, softphone):
    login("operator")
    page = client.get("/live/softphone")
    assert page.status_code == 200
    assert "microphone=(self)" in page.headers["Permissions-Policy"]
    assert "wss://voice-js.twilio.com" in page.headers["Content-Security-Policy"]
    assert "/static/telephony/vendor/twilio-voice-2.18.5.min.js" in page.get_data(as_text=True)
    other = client.get("/live/")
    assert "microphone=()" in other.headers["Permissions-Policy"]
    assert "twilio.com" not in other.headers["Content-Security-Policy"]


def test_the_vendored_sdk_is_served_by_the_app_with_its_licence(client):
    response = client.get("/static/telephony/vendor/twilio-voice-2.18.5.min.js")
    assert response.status_code == 200 and len(response.data) > 100_000
    response.close()
    licence = client.get("/static/telephony/vendor/LICENSE-twilio-voice-sdk.md")
    assert b"Apache License" in licence.data
    licence.close()


def test_hold_moves_the_caller_to_their_own_queue_and_the_browser_takes_them_back(
    client, login, twilio, fake_http
):
    user = login("operator")
    call = live_call(twilio, user)
    fake = fake_http(created({"sid": call.twilio_sid}, status=200))
    response = client.post(f"/live/calls/{call.id}/hold", headers={"X-CSRFToken": client.csrf_token("/app")})
    assert response.status_code == 200
    held = parse_twiml(fake.requests[0]["data"]["Twiml"])
    assert held.find("Enqueue").text == f"hold-{call.id}"
    assert audit_count("call.hold", object_id=str(call.id)) == 1
    form = voice_form(new_sid(), From=f"client:{user.id}", To="", Purpose="resume", CallId=str(call.id))
    root = parse_twiml(twilio.post("/twilio/voice/client", form).get_data())
    assert root.find("Dial").find("Queue").text == f"hold-{call.id}"


def test_the_browser_of_another_operator_is_rejected(twilio, make_user):
    owner, other = make_user(role="operator"), make_user(role="operator")
    call = live_call(twilio, owner)
    form = voice_form(new_sid(), From=f"client:{other.id}", Purpose="resume", CallId=str(call.id))
    root = parse_twiml(twilio.post("/twilio/voice/client", form).get_data())
    assert root.find("Reject") is not None and root.find("Dial") is None
    assert audit_count("telephony.browser_refused") == 1


def test_hold_of_someone_elses_call_is_forbidden(client, login, twilio, make_user, fake_http):
    call = live_call(twilio, make_user(role="operator"))
    login("operator")
    fake = fake_http()
    response = client.post(f"/live/calls/{call.id}/hold", headers={"X-CSRFToken": client.csrf_token("/app")})
    assert response.status_code == 403 and fake.requests == []


def test_warm_handoff_by_conference_then_leave_the_caller_with_the_partner(client, login, twilio, fake_http):
    user = login("operator")
    call = live_call(twilio, user)
    partner_sid = new_sid()
    fake = fake_http(created({"sid": call.twilio_sid}, 200), created({"sid": partner_sid}, 201))
    csrf = client.csrf_token("/app")
    response = client.post(f"/live/calls/{call.id}/conference", data={"number": PARTNER, "csrf_token": csrf})
    assert response.status_code == 200, response.get_data(as_text=True)
    caller_twiml = parse_twiml(fake.requests[0]["data"]["Twiml"])
    conference = caller_twiml.find("Dial").find("Conference")
    assert conference.text == f"handoff-{call.id}" and conference.get("endConferenceOnExit") == "true"
    assert fake.requests[1]["data"]["To"] == PARTNER
    partner_twiml = parse_twiml(fake.requests[1]["data"]["Twiml"])
    assert partner_twiml.find("Dial").find("Conference").get("startConferenceOnEnter") == "false"
    handoff = db.session.scalar(select(Handoff).where(Handoff.call_id == call.id))
    assert handoff.status == "dialing" and handoff.partner_call_sid == partner_sid
    leg = db.session.scalar(select(OutboundCall).where(OutboundCall.call_sid == partner_sid))
    assert leg.purpose == "handoff" and leg.to_number == PARTNER
    # The operator's browser joins; Twilio reports the conference's events.
    join = voice_form(new_sid(), From=f"client:{user.id}", Purpose="conference", CallId=str(call.id))
    operator_leg = parse_twiml(twilio.post("/twilio/voice/client", join).get_data())
    assert operator_leg.find("Dial").find("Conference").get("startConferenceOnEnter") == "true"
    event = {
        "AccountSid": "AC" + "0" * 32,
        "ConferenceSid": "CF" + "5" * 32,
        "FriendlyName": f"handoff-{call.id}",
        "StatusCallbackEvent": "participant-join",
        "CallSid": partner_sid,
        "Muted": "false",
        "Hold": "false",
        "Coaching": "false",
        "EndConferenceOnExit": "false",
        "StartConferenceOnEnter": "false",
        "SequenceNumber": "3",
        "Timestamp": "Tue, 01 Dec 2026 10:00:00 +0000",
    }
    assert twilio.post("/twilio/voice/conference/events", event).status_code == 200
    db.session.refresh(handoff)
    assert handoff.status == "talking" and handoff.conference_sid == "CF" + "5" * 32
    # The partner's outbound leg reports its status: an outbound row, never a new contact.
    calls_before = db.session.query(Call).count()
    status = voice_form(partner_sid, CallStatus="completed", Direction="outbound-api", To=PARTNER)
    assert twilio.post("/twilio/voice/status", dict(status, CallDuration="60")).status_code == 200
    assert db.session.query(Call).count() == calls_before
    db.session.refresh(leg)
    assert (leg.twilio_status, leg.duration_seconds) == ("completed", 60)
    finish = client.post(f"/live/calls/{call.id}/conference/leave", data={"csrf_token": csrf})
    assert finish.status_code == 200
    db.session.refresh(handoff)
    assert handoff.status == "completed"
    assert audit_count("call.warm_handoff", object_id=str(call.id)) == 1
    assert audit_count("call.warm_handoff_completed", object_id=str(call.id)) == 1


def test_take_the_caller_back_ends_the_partner_leg(client, login, twilio, fake_http):
    user = login("operator")
    call = live_call(twilio, user)
    partner_sid = new_sid()
    fake = fake_http(created({"sid": call.twilio_sid}, 200), created({"sid": partner_sid}), created({}, 200))
    csrf = client.csrf_token("/app")
    client.post(f"/live/calls/{call.id}/conference", data={"number": PARTNER, "csrf_token": csrf})
    assert (
        client.post(f"/live/calls/{call.id}/conference/take_back", data={"csrf_token": csrf}).status_code
        == 200
    )
    assert fake.requests[2]["uri"].endswith(f"/Calls/{partner_sid}.json")
    assert fake.requests[2]["data"] == {"Status": "completed"}
    assert db.session.scalar(select(Handoff.status).where(Handoff.call_id == call.id)) == "taken_back"


def test_a_refused_conference_leaves_nothing_half_done(client, login, twilio, fake_http):
    user = login("operator")
    call = live_call(twilio, user)
    fake_http(twilio_error(400, 21220, "call not in progress"))
    csrf = client.csrf_token("/app")
    response = client.post(f"/live/calls/{call.id}/conference", data={"number": PARTNER, "csrf_token": csrf})
    assert response.status_code == 409 and "21220" in response.json["error"]
    assert db.session.scalar(select(Handoff).where(Handoff.call_id == call.id)) is None
    bad = client.post(f"/live/calls/{call.id}/conference", data={"number": "984111222", "csrf_token": csrf})
    assert bad.status_code == 400


@pytest.mark.parametrize("role", ["manager", "admin", "partner"])
def test_other_roles_cannot_control_calls(client, login, twilio, fake_http, role):
    call = live_call(twilio)
    fake = fake_http()
    login(role)
    csrf = client.csrf_token("/app")
    for path in ("hold", "conference", "conference/leave", "conference/take_back"):
        response = client.post(f"/live/calls/{call.id}/{path}", data={"number": PARTNER, "csrf_token": csrf})
        assert response.status_code == 403
    assert client.get(f"/live/calls/{call.id}/softphone.json").status_code == 403
    assert fake.requests == []


def test_softphone_call_info_gives_the_intake_and_the_repeat_caller_history(client, login, twilio):
    user = login("operator")
    live_call(twilio, user)
    call = live_call(twilio, user)
    info = client.get(f"/live/calls/{call.id}/softphone.json").json
    assert info["previous"] >= 1 and info["id"] == call.id and str(call.id) in info["intake_url"]
    assert audit_count("call.view", object_id=str(call.id)) >= 1


# ---- a fault on every voice route answers TwiML that validates ----------------------------------

# What twilio.twiml.voice_response produces for the verbs and nouns we use, and their attributes.
TWIML_SCHEMA = {
    "Response": set(),
    "Say": {"voice", "language", "loop"},
    "Dial": {"action", "method", "timeout", "callerId", "record"},
    "Number": {"sendDigits", "url", "method", "statusCallback", "statusCallbackEvent"},
    "Sip": set(),
    "Client": {"statusCallback", "statusCallbackEvent", "statusCallbackMethod", "url", "method"},
    "Identity": set(),
    "Parameter": {"name", "value"},
    "Conference": {
        "startConferenceOnEnter",
        "endConferenceOnExit",
        "beep",
        "statusCallback",
        "statusCallbackEvent",
        "statusCallbackMethod",
        "waitUrl",
    },
    "Queue": {"url", "method"},
    "Enqueue": {"action", "method", "waitUrl", "waitUrlMethod"},
    "Leave": set(),
    "Pause": {"length"},
    "Hangup": set(),
    "Reject": {"reason"},
    "Redirect": {"method"},
    "Gather": {"numDigits", "action", "method", "timeout"},
    "Record": {"action", "method", "maxLength", "playBeep", "timeout", "finishOnKey"},
}
VOICE_ROUTES = [
    "/twilio/voice",
    "/twilio/voice/menu/es",
    "/twilio/voice/dial/en",
    "/twilio/voice/voicemail/es",
    "/twilio/voice/status",
    "/twilio/voice/queue/wait/es",
    "/twilio/voice/queue/result/en",
    "/twilio/voice/queue/answered/es",
    "/twilio/voice/hold/wait/es",
    "/twilio/voice/client",
    "/twilio/voice/conference/events",
]


def validate_twiml(data: bytes) -> None:
    root = parse_twiml(data)
    for element in root.iter():
        assert element.tag in TWIML_SCHEMA, element.tag
        assert set(element.attrib) <= TWIML_SCHEMA[element.tag], (element.tag, element.attrib)


@pytest.mark.parametrize("path", VOICE_ROUTES)
@pytest.mark.parametrize("fault", ["bug", "database", "missing-params"])
def test_a_fault_on_every_voice_route_answers_valid_twiml_that_dials_the_backup(
    app, twilio, monkeypatch, path, fault
):
    from sqlalchemy.exc import OperationalError

    monkeypatch.setitem(app.config, "TWILIO_BACKUP_NUMBER", "+5114197260")

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        if fault == "database":
            raise OperationalError("SELECT", {}, Exception("server closed the connection"))
        raise RuntimeError("a bug")

    import hotline.telephony.services as services_module

    for name in (
        "register_voice_call",
        "voice_menu_choice",
        "attach_recording",
        "handle_voice_status",
        "wait_in_queue",
        "leave_queue",
        "operator_dial_result",
        "browser_call",
        "record_conference_event",
    ):
        monkeypatch.setattr(services_module, name, boom)
    monkeypatch.setattr("hotline.telephony.twiml.hold_wait", boom)
    form = voice_form(
        CallStatus="in-progress",
        Digits="1",
        DialCallStatus="no-answer",
        QueueResult="leave",
        Purpose="resume",
        CallId="1",
        ConferenceSid="CF" + "1" * 32,
        FriendlyName="handoff-1",
        StatusCallbackEvent="conference-start",
    )
    if fault == "missing-params":
        form = {"AccountSid": form["AccountSid"], "CallSid": "garbage"}
    response = twilio.post(path, form)
    assert response.status_code == 200 and response.mimetype == "text/xml"
    validate_twiml(response.get_data())
    root = parse_twiml(response.get_data())
    assert [s.get("language") for s in root.findall("Say")][:2] == ["es-US", "en-US"]
    assert "transfiriendo" in root.find("Say").text
    assert [n.text for n in root.find("Dial").findall("Number")] == ["+5114197260"]


def test_every_twiml_we_produce_validates():
    from hotline.telephony import twiml

    settings = twiml.VoiceSettings(
        "https://h", ("+51999000111", "sip:a@b.pe"), "+5114197260", "105", "24/7", "UTC"
    )
    for document in (
        twiml.menu(settings),
        twiml.connect(settings, "es", __import__("datetime").datetime.now(__import__("datetime").UTC)),
        twiml.voicemail(settings, "es", reason="busy"),
        twiml.fallback(settings),
        twiml.enqueue(settings, "es"),
        twiml.queue_wait(settings, "es", 2, leave=False),
        twiml.queue_wait(settings, "es", 1, leave=True),
        twiml.dial_operator(settings, "es", "5", 9),
        twiml.hold(settings, "es", 9),
        twiml.hold_wait(settings, "es"),
        twiml.take_back(9),
        twiml.join_conference(settings, "es", 9, role="caller", notice=True),
        twiml.reject(),
    ):
        validate_twiml(document.encode())
