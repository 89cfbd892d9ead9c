"""The voice webhooks: TwiML (parsed as XML), idempotency, status callbacks, voicemail, failures."""

from __future__ import annotations

import itertools
import time
import xml.etree.ElementTree as ET

import pytest
from freezegun import freeze_time
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from hotline.calls.models import Call
from hotline.extensions import db
from hotline.telephony.models import CallRecording
from tests.helpers import audit_count
from tests.telephony.conftest import ACCOUNT_SID, CALLER, counts, new_sid, parse_twiml, voice_form

OPERATORS = "+51999000111, +51999000222,sip:guardia@pbx.example.pe"
BACKUP = "+5114197260"


@pytest.fixture
def lines(app, monkeypatch):
    monkeypatch.setitem(app.config, "TWILIO_OPERATOR_NUMBERS", OPERATORS)
    monkeypatch.setitem(app.config, "TWILIO_BACKUP_NUMBER", BACKUP)
    monkeypatch.setitem(app.config, "HOTLINE_OPENING_HOURS", "24/7")


def xml(response) -> ET.Element:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/xml"
    root = parse_twiml(response.get_data())
    assert root.tag == "Response"
    return root


def says(root: ET.Element, language: str | None = None) -> str:
    return " ".join(
        s.text or "" for s in root.iter("Say") if language is None or s.get("language") == language
    )


def call_for(sid: str) -> Call:
    return db.session.scalar(
        select(Call).where(Call.twilio_sid == sid).execution_options(populate_existing=True)
    )


def test_greeting_menu_in_spanish_with_english_option(twilio):
    root = xml(twilio.post("/twilio/voice", voice_form()))
    gather = root.find("Gather")
    assert gather is not None
    assert gather.get("numDigits") == "1"
    assert gather.get("action") == "https://hotline.example.test/twilio/voice/menu/es"
    assert gather.get("method") == "POST"
    spanish = says(gather, "es-US")
    assert "marque 1" in spanish and "marque 2" in spanish
    assert "1 0 5" in spanish  # the emergency number, digit by digit
    assert "press 3" in says(gather, "en-US")
    assert {s.get("language") for s in root.iter("Say")} <= {"es-US", "en-US"}
    # No key pressed: Twilio follows the redirect, which connects to the operators.
    assert root.find("Redirect").text == "https://hotline.example.test/twilio/voice/menu/es"


def test_same_call_sid_twice_is_one_call_and_the_same_twiml(twilio):
    form = voice_form()
    first = twilio.post("/twilio/voice", form)
    second = twilio.post("/twilio/voice", form, headers={"I-Twilio-Idempotency-Token": "retry-2"})
    assert first.get_data() == second.get_data()
    assert (
        db.session.scalar(select(db.func.count()).select_from(Call).where(Call.twilio_sid == form["CallSid"]))
        == 1
    )
    call = call_for(form["CallSid"])
    assert audit_count("call.create", object_id=str(call.id)) == 1


def test_option_3_switches_to_english(twilio):
    sid = new_sid()
    twilio.post("/twilio/voice", voice_form(sid))
    root = xml(twilio.post("/twilio/voice/menu/es", voice_form(sid, Digits="3", CallStatus="in-progress")))
    gather = root.find("Gather")
    assert gather.get("action").endswith("/twilio/voice/menu/en")
    assert "press 1" in says(gather, "en-US")
    assert not says(root, "es-US")
    call = call_for(sid)
    assert call.language == "en"
    assert call.status == "in_progress" and call.twilio_status == "in-progress"


@pytest.mark.parametrize("digits", ["1", "2", ""])
def test_menu_connects_to_every_operator_line(twilio, lines, digits):
    root = xml(twilio.post("/twilio/voice/menu/es", voice_form(Digits=digits, CallStatus="in-progress")))
    dial = root.find("Dial")
    assert dial is not None
    assert dial.get("action") == "https://hotline.example.test/twilio/voice/dial/es"
    assert [n.text for n in dial.findall("Number")] == ["+51999000111", "+51999000222"]
    assert [s.text for s in dial.findall("Sip")] == ["sip:guardia@pbx.example.pe"]
    assert "espere" in says(root, "es-US")


def test_english_caller_hears_english_when_connected(twilio, lines):
    root = xml(twilio.post("/twilio/voice/menu/en", voice_form(Digits="1", CallStatus="in-progress")))
    assert root.find("Dial").get("action").endswith("/twilio/voice/dial/en")
    assert says(root, "en-US") and not says(root, "es-US")


def test_invalid_option_repeats_the_menu(twilio, lines):
    root = xml(twilio.post("/twilio/voice/menu/es", voice_form(Digits="9", CallStatus="in-progress")))
    gather = root.find("Gather")
    assert "no es válida" in says(gather, "es-US")
    assert root.find("Dial") is None


def test_without_operator_lines_the_caller_gets_the_emergency_number_and_voicemail(app, twilio, monkeypatch):
    monkeypatch.setitem(app.config, "TWILIO_OPERATOR_NUMBERS", "")
    root = xml(twilio.post("/twilio/voice/menu/es", voice_form(Digits="1", CallStatus="in-progress")))
    assert root.find("Dial") is None
    record = root.find("Record")
    assert record.get("action") == "https://hotline.example.test/twilio/voice/voicemail/es"
    assert int(record.get("maxLength")) > 0
    assert "1 0 5" in says(root, "es-US")


@freeze_time("2026-11-27 17:00:00")  # 12:00 in Lima
def test_outside_opening_hours_the_caller_goes_to_voicemail(app, twilio, lines, monkeypatch):
    monkeypatch.setitem(app.config, "HOTLINE_OPENING_HOURS", "20:00-08:00")
    root = xml(twilio.post("/twilio/voice/menu/es", voice_form(Digits="1", CallStatus="in-progress")))
    assert root.find("Dial") is None and root.find("Record") is not None
    monkeypatch.setitem(app.config, "HOTLINE_OPENING_HOURS", "08:00-20:00")
    root = xml(twilio.post("/twilio/voice/menu/es", voice_form(Digits="1", CallStatus="in-progress")))
    assert root.find("Dial") is not None


@pytest.mark.parametrize(
    ("dial_status", "voicemail"),
    [("no-answer", True), ("busy", True), ("failed", True), ("completed", False), ("answered", False)],
)
def test_dial_result(twilio, dial_status, voicemail):
    root = xml(
        twilio.post("/twilio/voice/dial/es", voice_form(DialCallStatus=dial_status, CallStatus="in-progress"))
    )
    assert (root.find("Record") is not None) is voicemail
    if voicemail:
        assert "ocupados" in says(root, "es-US") and "1 0 5" in says(root, "es-US")
    else:
        assert root.find("Hangup") is not None


def _recording_form(sid: str, rec_sid: str) -> dict[str, str]:
    return voice_form(
        sid,
        CallStatus="in-progress",
        RecordingSid=rec_sid,
        RecordingDuration="37",
        RecordingUrl=f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{rec_sid}",
    )


def test_voicemail_is_attached_to_the_call_once(twilio):
    sid, rec_sid = new_sid(), new_sid("RE")
    twilio.post("/twilio/voice", voice_form(sid))
    first = twilio.post("/twilio/voice/voicemail/es", _recording_form(sid, rec_sid))
    second = twilio.post("/twilio/voice/voicemail/es", _recording_form(sid, rec_sid))
    assert first.get_data() == second.get_data()
    root = xml(first)
    assert "Gracias" in says(root, "es-US") and root.find("Hangup") is not None
    recordings = db.session.scalars(select(CallRecording).where(CallRecording.recording_sid == rec_sid)).all()
    assert len(recordings) == 1
    assert recordings[0].call_id == call_for(sid).id and recordings[0].duration_seconds == 37
    assert audit_count("call.voicemail", object_id=str(call_for(sid).id)) == 1


def test_hang_up_before_recording_stores_no_voicemail(twilio):
    sid = new_sid()
    before = counts()["call_recordings"]
    root = xml(twilio.post("/twilio/voice/voicemail/es", voice_form(sid, CallStatus="completed")))
    assert "No recibimos" in says(root, "es-US")
    assert counts()["call_recordings"] == before
    assert call_for(sid) is not None  # the contact itself is still logged


@pytest.mark.parametrize("order", list(itertools.permutations(["ringing", "in-progress", "completed"])))
def test_status_callbacks_in_any_order_end_completed(twilio, order):
    sid = new_sid()
    assert twilio.post("/twilio/voice", voice_form(sid)).status_code == 200
    for status in order:
        duration = "42" if status == "completed" else ""
        response = twilio.post(
            "/twilio/voice/status", voice_form(sid, CallStatus=status, CallDuration=duration)
        )
        assert response.status_code == 200
    call = call_for(sid)
    assert call.twilio_status == "completed"
    assert call.status == "ended"
    assert call.duration_seconds == 42
    assert call.ended_at is not None


def test_completed_then_late_ringing_then_completed_again(twilio):
    sid = new_sid()
    twilio.post("/twilio/voice", voice_form(sid))
    twilio.post("/twilio/voice/status", voice_form(sid, CallStatus="completed", CallDuration="65"))
    ended_at = call_for(sid).ended_at
    twilio.post("/twilio/voice/status", voice_form(sid, CallStatus="ringing"))
    twilio.post("/twilio/voice/status", voice_form(sid, CallStatus="completed", CallDuration="65"))
    call = call_for(sid)
    assert (call.twilio_status, call.status, call.duration_seconds) == ("completed", "ended", 65)
    assert call.ended_at == ended_at
    assert audit_count("call.ended", object_id=str(call.id)) == 1
    assert db.session.scalar(select(db.func.count()).select_from(Call).where(Call.twilio_sid == sid)) == 1


@pytest.mark.parametrize("final", ["no-answer", "busy", "failed", "canceled"])
def test_unanswered_final_states_end_the_call(twilio, final):
    sid = new_sid()
    assert twilio.post("/twilio/voice", voice_form(sid)).status_code == 200
    twilio.post("/twilio/voice/status", voice_form(sid, CallStatus=final))
    twilio.post("/twilio/voice/status", voice_form(sid, CallStatus="in-progress"))
    call = call_for(sid)
    assert (call.twilio_status, call.status) == (final, "ended")


def test_status_callback_never_reopens_a_logged_call(twilio):
    sid = new_sid()
    twilio.post("/twilio/voice", voice_form(sid))
    call = call_for(sid)
    call.status = "logged"
    db.session.commit()
    twilio.post("/twilio/voice/status", voice_form(sid, CallStatus="completed", CallDuration="10"))
    call = call_for(sid)
    assert call.status == "logged" and call.twilio_status == "completed" and call.duration_seconds == 10


def test_status_callback_for_an_unknown_call_records_a_call_leg_not_a_contact(twilio):
    from hotline.telephony.models import OutboundCall

    sid = new_sid()
    before = counts()["calls"]
    twilio.post("/twilio/voice/status", voice_form(sid, CallStatus="completed", CallDuration="30"))
    assert call_for(sid) is None and counts()["calls"] == before
    leg = db.session.scalar(select(OutboundCall).where(OutboundCall.call_sid == sid))
    assert leg.direction == "inbound" and leg.twilio_status == "completed" and leg.duration_seconds == 30


def test_withheld_number_is_stored_as_none(twilio):
    sid = new_sid()
    assert twilio.post("/twilio/voice", voice_form(sid, From="anonymous")).status_code == 200
    assert call_for(sid).caller_number is None
    sid2 = new_sid()
    assert twilio.post("/twilio/voice", voice_form(sid2, From="client:browser-agent")).status_code == 200
    assert call_for(sid2).caller_number is None


# ---- never drop a caller ------------------------------------------------------------------------


class DatabaseDown:
    """Makes the database fail (OperationalError) from the first statement matching `marker` on."""

    def __init__(self, marker: str) -> None:
        self.marker = marker
        self.failed = 0

    def __call__(self, conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if self.marker in statement:
            self.failed += 1
            raise OperationalError(
                statement,
                {"caller_number": CALLER},
                Exception(f"server closed the connection; caller {CALLER}"),
            )


@pytest.mark.parametrize(
    "marker",
    ["INSERT INTO audit_events", "INSERT INTO calls", "FROM calls"],
    ids=["after-the-call-insert", "at-the-call-insert", "at-the-first-read"],
)
def test_database_failure_dials_the_backup_line_fast(app, twilio, lines, caplog, marker):
    caplog.set_level("DEBUG")
    form = voice_form()
    down = DatabaseDown(marker)
    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", down)
    try:
        started = time.perf_counter()
        response = twilio.post("/twilio/voice", form)
        elapsed = time.perf_counter() - started
    finally:
        event.remove(engine, "before_cursor_execute", down)
    assert down.failed >= 1
    root = xml(response)
    assert elapsed < 2.0
    dial = root.find("Dial")
    assert dial is not None and [n.text for n in dial.findall("Number")] == [BACKUP]
    assert "1 0 5" in says(root, "es-US")
    assert call_for(form["CallSid"]) is None  # no partial rows
    assert CALLER not in caplog.text and CALLER[-9:] not in caplog.text
    assert "error_id=" in caplog.text


def test_failure_without_a_backup_line_says_the_emergency_number(app, twilio, monkeypatch):
    monkeypatch.setitem(app.config, "TWILIO_BACKUP_NUMBER", None)

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("bug")

    monkeypatch.setattr("hotline.telephony.services.register_voice_call", boom)
    root = xml(twilio.post("/twilio/voice", voice_form()))
    assert root.find("Dial") is None
    assert "1 0 5" in says(root, "es-US") and "1 0 5" in says(root, "en-US")
    assert root.find("Hangup") is not None


@pytest.mark.parametrize(
    "path", ["/twilio/voice/menu/es", "/twilio/voice/dial/en", "/twilio/voice/voicemail/es"]
)
def test_every_voice_step_falls_back(app, twilio, lines, monkeypatch, path):
    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("SELECT", {}, Exception("timeout"))

    monkeypatch.setattr("hotline.telephony.services.register_voice_call", boom)
    monkeypatch.setattr("hotline.telephony.services.voice_menu_choice", boom)
    form = voice_form(CallStatus="in-progress", Digits="1", DialCallStatus="no-answer")
    root = xml(twilio.post(path, form))
    assert [n.text for n in root.find("Dial").findall("Number")] == [BACKUP]
