"""The operators' live-call view, claiming, warm hand-off, and the admin's Twilio page."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from hotline.calls.models import Call
from hotline.extensions import db
from tests.helpers import audit_count, count_queries
from tests.telephony.conftest import CALLER, created, new_sid, parse_twiml, sms_form, twilio_error, voice_form

PARTNER_LINE = "+5114197260"


def live_call(twilio, status: str = "ringing", **extra: str) -> Call:  # type: ignore[no-untyped-def]
    sid = new_sid()
    assert twilio.post("/twilio/voice", voice_form(sid, **extra)).status_code == 200
    if status != "ringing":
        form = voice_form(sid, CallStatus=status, **extra)
        assert twilio.post("/twilio/voice/status", form).status_code == 200
    return db.session.scalar(select(Call).where(Call.twilio_sid == sid))


def conversation(twilio, body: str = "Me tienen encerrada en un bar", **extra: str) -> Call:  # type: ignore[no-untyped-def]
    form = sms_form(Body=body, **extra)
    assert twilio.post("/twilio/sms", form).status_code == 200
    return db.session.scalar(select(Call).where(Call.twilio_sid == form["MessageSid"]))


def fresh(call: Call) -> Call:
    return db.session.scalar(select(Call).where(Call.id == call.id).execution_options(populate_existing=True))


LIVE_URLS = ["/live/", "/live/calls.json", "/live/calls/{id}"]


@pytest.mark.parametrize("url", LIVE_URLS)
@pytest.mark.parametrize(
    ("role", "status"),
    [("operator", 200), ("coordinator", 200), ("manager", 403), ("admin", 403), ("partner", 403)],
)
def test_live_view_roles(client, twilio, login, url, role, status):
    call = live_call(twilio)
    login(role)
    assert client.get(url.format(id=call.id)).status_code == status


@pytest.mark.parametrize("url", [*LIVE_URLS, "/admin/telephony"])
def test_anonymous_users_are_sent_to_the_login_page(client, twilio, url):
    call = live_call(twilio)
    response = client.get(url.format(id=call.id))
    assert response.status_code == 302 and "/login" in response.location


@pytest.mark.parametrize(
    ("role", "status"),
    [("admin", 200), ("operator", 403), ("coordinator", 403), ("manager", 403), ("partner", 403)],
)
def test_admin_page_roles(client, login, role, status):
    login(role)
    assert client.get("/admin/telephony").status_code == status


@pytest.mark.parametrize("action", ["claim", "handoff"])
@pytest.mark.parametrize("role", ["manager", "admin", "partner"])
def test_other_roles_cannot_claim_or_hand_off(client, twilio, login, fake_http, action, role):
    call = live_call(twilio, "in-progress")
    fake = fake_http()
    login(role)
    response = client.post(
        f"/live/calls/{call.id}/{action}",
        data={"csrf_token": client.csrf_token("/app"), "number": PARTNER_LINE},
    )
    assert response.status_code == 403
    assert fake.requests == []
    assert fresh(call).operator_id is None


def test_live_json_lists_live_calls_with_masked_numbers(client, twilio, login):
    ringing = live_call(twilio)
    talking = live_call(twilio, "in-progress")
    ended = live_call(twilio, "completed", CallDuration="20")
    chat = conversation(twilio, From="whatsapp:+51911222333")
    login("operator")
    response = client.get("/live/calls.json")
    assert response.status_code == 200
    data = response.get_json()
    ids = [c["id"] for c in data["calls"]]
    assert ringing.id in ids and talking.id in ids and chat.id in ids and ended.id not in ids
    item = next(c for c in data["calls"] if c["id"] == ringing.id)
    assert item["status"] == "ringing" and item["channel"] == "phone"
    assert item["caller"].endswith("321") and item["claim_url"] == f"/live/calls/{ringing.id}/claim"
    chat_item = next(c for c in data["calls"] if c["id"] == chat.id)
    assert chat_item["channel"] == "whatsapp" and chat_item["messages"] == 1
    raw = response.get_data(as_text=True)
    for secret in (CALLER, CALLER[1:], CALLER[-9:], "51911222333", "911222333", "encerrada"):
        assert secret not in raw
    assert response.headers["Cache-Control"] == "no-store"


def test_live_page_renders_rows_without_javascript(client, twilio, login):
    call = live_call(twilio)
    login("operator")
    html = client.get("/live/").get_data(as_text=True)
    assert f'data-id="{call.id}"' in html
    assert f'action="/live/calls/{call.id}/claim"' in html
    assert 'href="/live/"' in html  # the refresh link
    assert "live-calls.js" in html and "<script>" not in html
    assert CALLER not in html and CALLER[-9:] not in html


def test_live_json_uses_a_constant_number_of_queries(client, twilio, login):
    login("operator")
    live_call(twilio)
    with count_queries() as few:
        client.get("/live/calls.json")
    for _ in range(5):
        live_call(twilio)
        conversation(twilio, From=f"+5190000{len(few)}{_:03d}")
    with count_queries() as many:
        data = client.get("/live/calls.json").get_json()
    assert len(data["calls"]) >= 11
    assert len(many) == len(few)


def test_claim_takes_the_call_and_opens_the_intake(app, client, twilio, login):
    call = live_call(twilio)
    user = login("operator")
    response = client.post_form(f"/live/calls/{call.id}/claim", page="/live/")
    assert response.status_code == 302
    if "calls.intake" in app.view_functions:
        assert response.location.endswith(f"/calls/{call.id}/intake")
    else:
        assert response.location.endswith(f"/live/calls/{call.id}")
    assert fresh(call).operator_id == user.id
    assert audit_count("call.claim", object_id=str(call.id)) == 1
    data = client.get("/live/calls.json").get_json()
    item = next(c for c in data["calls"] if c["id"] == call.id)
    assert item["is_mine"] and item["claim_url"] is None


def test_claim_of_a_call_someone_else_holds_is_refused(client, twilio, login, make_user):
    call = live_call(twilio)
    other = make_user(role="operator")
    call.operator_id = other.id
    db.session.commit()
    login("operator")
    response = client.post_form(f"/live/calls/{call.id}/claim", page="/live/", follow_redirects=True)
    assert response.status_code == 200
    assert fresh(call).operator_id == other.id


def test_claim_needs_a_csrf_token(client, twilio, login):
    call = live_call(twilio)
    login("operator")
    assert client.post(f"/live/calls/{call.id}/claim").status_code == 400
    assert fresh(call).operator_id is None


def test_conversation_page_shows_messages_and_is_audited(client, twilio, login):
    chat = conversation(twilio, body="<img src=x onerror=alert(1)> {{7*7}}")
    login("coordinator")
    html = client.get(f"/live/calls/{chat.id}").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt; {{7*7}}" in html
    assert chat.twilio_sid in html
    assert CALLER not in html
    assert audit_count("call.view", object_id=str(chat.id)) == 1


def test_missing_call_is_404(client, login):
    login("operator")
    assert client.get("/live/calls/999999").status_code == 404


# ---- warm hand-off ------------------------------------------------------------------------------


def test_hand_off_moves_the_caller_to_the_partner_line(app, client, twilio, login, fake_http, monkeypatch):
    monkeypatch.setitem(app.config, "TWILIO_HANDOFF_NUMBERS", f"CEM 24 horas={PARTNER_LINE}")
    call = live_call(twilio, "in-progress")
    fake = fake_http(created({"sid": call.twilio_sid, "status": "in-progress"}, status=200))
    login("operator")
    page = f"/live/calls/{call.id}"
    assert "CEM 24 horas" in client.get(page).get_data(as_text=True)
    response = client.post_form(f"/live/calls/{call.id}/handoff", {"preset": PARTNER_LINE}, page=page)
    assert response.status_code == 302
    assert len(fake.requests) == 1
    request = fake.requests[0]
    assert request["method"] == "POST"
    assert request["uri"].endswith(f"/Calls/{call.twilio_sid}.json")
    root = parse_twiml(request["data"]["Twiml"])
    assert [n.text for n in root.iter("Number")] == [PARTNER_LINE]
    assert {s.get("language") for s in root.iter("Say")} == {"es-US"}
    event_summary = db.session.scalar(
        select(
            db.text("summary FROM audit_events WHERE action = 'call.warm_handoff' ORDER BY id DESC LIMIT 1")
        )
    )
    assert "CEM 24 horas" in event_summary


def test_hand_off_to_a_typed_number(client, twilio, login, fake_http):
    call = live_call(twilio, "in-progress")
    fake = fake_http(created({}, status=200))
    login("coordinator")
    response = client.post_form(
        f"/live/calls/{call.id}/handoff", {"number": " +51984111222 "}, page=f"/live/calls/{call.id}"
    )
    assert response.status_code == 302
    root = parse_twiml(fake.requests[0]["data"]["Twiml"])
    assert [n.text for n in root.iter("Number")] == ["+51984111222"]
    assert audit_count("call.warm_handoff", object_id=str(call.id)) == 1


@pytest.mark.parametrize(
    "number",
    [
        "984111222",
        "+51 984 111 222x",
        "+0123456789",
        "+5198411122233344",
        "sip:x@evil.example",
        "+51984111222\n<Dial>",
    ],
)
def test_hand_off_needs_an_e164_number(client, twilio, login, fake_http, number):
    call = live_call(twilio, "in-progress")
    fake = fake_http()
    login("operator")
    response = client.post_form(
        f"/live/calls/{call.id}/handoff", {"number": number}, page=f"/live/calls/{call.id}"
    )
    assert response.status_code == 400
    assert fake.requests == []
    assert audit_count("call.warm_handoff", object_id=str(call.id)) == 0


def test_hand_off_of_a_call_that_is_not_in_progress_is_refused(client, twilio, login, fake_http):
    call = live_call(twilio, "ringing")
    fake = fake_http()
    login("operator")
    response = client.post_form(
        f"/live/calls/{call.id}/handoff", {"number": PARTNER_LINE}, page=f"/live/calls/{call.id}"
    )
    assert response.status_code == 409
    assert fake.requests == []


def test_hand_off_refused_by_twilio_is_reported_and_not_audited(client, twilio, login, fake_http):
    call = live_call(twilio, "in-progress")
    fake = fake_http(twilio_error(404, 20404, "The requested resource was not found"))
    login("operator")
    response = client.post_form(
        f"/live/calls/{call.id}/handoff", {"number": PARTNER_LINE}, page=f"/live/calls/{call.id}"
    )
    assert response.status_code == 409
    assert "20404" in response.get_data(as_text=True)
    assert len(fake.requests) == 1
    assert audit_count("call.warm_handoff", object_id=str(call.id)) == 0


def test_hand_off_without_credentials_is_refused(app, client, twilio, login, monkeypatch):
    call = live_call(twilio, "in-progress")
    login("operator")
    monkeypatch.setitem(app.config, "TWILIO_ACCOUNT_SID", None)
    response = client.post_form(
        f"/live/calls/{call.id}/handoff", {"number": PARTNER_LINE}, page=f"/live/calls/{call.id}"
    )
    assert response.status_code == 409


# ---- admin page -----------------------------------------------------------------------------------


def test_admin_page_shows_state_urls_and_fallback(app, client, login, twilio, monkeypatch):
    monkeypatch.setitem(app.config, "TWILIO_OPERATOR_NUMBERS", "+51999000111,12345")
    monkeypatch.setitem(app.config, "TWILIO_BACKUP_NUMBER", "+5114197260")
    twilio.post("/twilio/voice", voice_form(), signature="forged")
    login("admin")
    html = client.get("/admin/telephony").get_data(as_text=True)
    for url in (
        "https://hotline.example.test/twilio/voice",
        "https://hotline.example.test/twilio/voice/status",
        "https://hotline.example.test/twilio/sms",
    ):
        assert url in html
    assert "test-auth-token" not in html
    assert "+51999000111" not in html and "••• ••• 111" in html
    assert "&lt;Dial" in html and "+5114197260" in html  # the fallback TwiML to paste, escaped
    assert 'class="big-number">1<' in html or 'class="big-number">' in html


def test_admin_page_shows_a_disabled_sender(app, client, login, monkeypatch):
    monkeypatch.setitem(app.config, "TWILIO_FROM_NUMBER", None)
    login("admin")
    html = client.get("/admin/telephony").get_data(as_text=True)
    assert "TWILIO_FROM_NUMBER" in html


def test_navigation_entries(client, login):
    login("operator")
    assert 'href="/live/"' in client.get("/app").get_data(as_text=True)


def test_navigation_entry_for_admins(client, login):
    login("admin")
    html = client.get("/app").get_data(as_text=True)
    assert 'href="/admin/telephony"' in html and 'href="/live/"' not in html


def test_json_error_shape_for_expired_sessions(client):
    response = client.get("/live/calls.json", headers={"Accept": "application/json"})
    assert response.status_code in (302, 401)
    if response.status_code == 302:
        assert "/login" in response.location
    else:
        assert json.loads(response.get_data())


# ---- voicemail playback ---------------------------------------------------------------------------


class FakeMedia:
    def __init__(self, status: int = 200, content: bytes = b"ID3 fake mp3") -> None:
        self.status, self.content, self.calls = status, content, []

    def get(self, url, auth=None, timeout=None):  # type: ignore[no-untyped-def]
        self.calls.append({"url": url, "auth": auth, "timeout": timeout})
        return type("R", (), {"status_code": self.status, "content": self.content})()


@pytest.fixture
def media(app):  # type: ignore[no-untyped-def]
    from hotline.telephony.sender import MEDIA_SESSION_KEY

    fake = FakeMedia()
    app.extensions[MEDIA_SESSION_KEY] = fake
    yield fake
    app.extensions.pop(MEDIA_SESSION_KEY, None)


def _voicemail(twilio):  # type: ignore[no-untyped-def]
    from hotline.telephony.models import CallRecording
    from tests.telephony.conftest import ACCOUNT_SID

    sid, rec = new_sid(), new_sid("RE")
    url = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{rec}"
    form = voice_form(
        sid, CallStatus="in-progress", RecordingSid=rec, RecordingUrl=url, RecordingDuration="12"
    )
    assert twilio.post("/twilio/voice/voicemail/es", form).status_code == 200
    return db.session.scalar(select(CallRecording).where(CallRecording.recording_sid == rec))


def test_voicemail_plays_through_the_app_and_is_audited(client, twilio, login, media):
    recording = _voicemail(twilio)
    login("operator")
    html = client.get(f"/live/calls/{recording.call_id}").get_data(as_text=True)
    assert f'src="/live/voicemails/{recording.id}.mp3"' in html
    response = client.get(f"/live/voicemails/{recording.id}.mp3")
    assert response.status_code == 200 and response.mimetype == "audio/mpeg"
    assert response.data == b"ID3 fake mp3"
    assert media.calls[0]["url"] == recording.recording_url + ".mp3"
    assert media.calls[0]["auth"][0].startswith("AC") and media.calls[0]["timeout"]
    assert audit_count("call.voicemail_listen", object_id=str(recording.call_id)) == 1


def test_voicemail_fetch_failure_is_a_502_without_audit(client, twilio, login, media):
    recording = _voicemail(twilio)
    media.status = 404
    login("coordinator")
    assert client.get(f"/live/voicemails/{recording.id}.mp3").status_code == 502
    assert audit_count("call.voicemail_listen", object_id=str(recording.call_id)) == 0


@pytest.mark.parametrize("role", ["manager", "admin", "partner"])
def test_voicemail_is_for_operators_and_coordinators_only(client, twilio, login, media, role):
    recording = _voicemail(twilio)
    login(role)
    assert client.get(f"/live/voicemails/{recording.id}.mp3").status_code == 403
    assert media.calls == []


def test_credentials_never_go_to_another_host(app):
    from hotline.telephony.sender import RecordingUnavailable, fetch_recording_audio

    fake = FakeMedia()
    app.extensions["telephony_media_session"] = fake
    try:
        with pytest.raises(RecordingUnavailable):
            fetch_recording_audio(app, "https://evil.example/Recordings/RE1")
    finally:
        app.extensions.pop("telephony_media_session", None)
    assert fake.calls == []
