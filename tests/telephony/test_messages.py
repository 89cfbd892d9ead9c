"""SMS and WhatsApp: conversations threaded per number for 24 h, replies, opt-outs, replays."""

from __future__ import annotations

from datetime import timedelta

from freezegun import freeze_time
from sqlalchemy import func, select, text

from hotline import crypto
from hotline.calls.models import Call
from hotline.extensions import db
from hotline.telephony import services
from hotline.telephony.models import Message, OptOut
from hotline.telephony.webhooks import MessageParams
from tests.helpers import audit_count
from tests.telephony.conftest import CALLER, counts, new_sid, parse_twiml, sms_form


def reply(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    root = parse_twiml(response.get_data())
    assert root.tag == "Response"
    return [m.text or "" for m in root.iter("Message")]


def message(sid: str) -> Message:
    return db.session.scalar(
        select(Message).where(Message.sid == sid).execution_options(populate_existing=True)
    )


def test_first_sms_opens_a_conversation_and_is_acknowledged(twilio):
    form = sms_form(Body="Me llamo Rosa Quispe, mi hija está retenida en una mina")
    texts = reply(twilio.post("/twilio/sms", form))
    assert len(texts) == 1
    assert "105" in texts[0]
    assert "Rosa" not in texts[0] and "mina" not in texts[0] and CALLER not in texts[0]
    stored = message(form["MessageSid"])
    call = db.session.get(Call, stored.call_id)
    assert call.channel == "sms" and call.status == "in_progress"
    assert call.twilio_sid == form["MessageSid"] and call.caller_number == CALLER
    assert stored.direction == "inbound" and stored.body == form["Body"]
    raw = db.session.execute(text("SELECT body FROM messages WHERE id = :id"), {"id": stored.id}).scalar()
    assert "Rosa" not in raw  # encrypted at rest


def test_messages_within_24_hours_thread_into_one_conversation(twilio):
    with freeze_time("2026-11-27 10:00:00"):
        first = sms_form(Body="hola")
        reply(twilio.post("/twilio/sms", first))
    with freeze_time("2026-11-28 09:00:00"):
        second = sms_form(Body="sigo aquí")
        assert reply(twilio.post("/twilio/sms", second)) == []  # only the first message is acknowledged
    assert message(first["MessageSid"]).call_id == message(second["MessageSid"]).call_id
    with freeze_time("2026-11-29 09:30:00"):  # 24.5 h after the last message
        third = sms_form(Body="otra vez")
        assert len(reply(twilio.post("/twilio/sms", third))) == 1
    assert message(third["MessageSid"]).call_id != message(first["MessageSid"]).call_id


def test_other_numbers_do_not_share_a_conversation(twilio):
    a, b = sms_form(), sms_form(From="+51911222333")
    twilio.post("/twilio/sms", a)
    twilio.post("/twilio/sms", b)
    assert message(a["MessageSid"]).call_id != message(b["MessageSid"]).call_id


def test_a_logged_conversation_is_not_reopened(twilio):
    first = sms_form()
    twilio.post("/twilio/sms", first)
    call = db.session.get(Call, message(first["MessageSid"]).call_id)
    call.status = "logged"
    db.session.commit()
    second = sms_form()
    twilio.post("/twilio/sms", second)
    assert message(second["MessageSid"]).call_id != call.id


def test_whatsapp_prefix(twilio):
    form = sms_form(From="whatsapp:" + CALLER, To="whatsapp:+5115550100", ProfileName="Rosa", WaId=CALLER[1:])
    texts = reply(twilio.post("/twilio/sms", form))
    assert len(texts) == 1 and "Rosa" not in texts[0]
    call = db.session.get(Call, message(form["MessageSid"]).call_id)
    assert call.channel == "whatsapp"
    assert call.caller_number == CALLER  # stored without the prefix
    assert call.caller_number_index == crypto.blind_index(CALLER, phone=True)
    sms = sms_form()
    twilio.post("/twilio/sms", sms)
    assert message(sms["MessageSid"]).call_id != call.id  # SMS and WhatsApp are separate conversations


def test_replayed_message_sid_is_one_message_and_the_same_reply(twilio):
    form = sms_form()
    first = twilio.post("/twilio/sms", form, headers={"I-Twilio-Idempotency-Token": "a"})
    second = twilio.post("/twilio/sms", form, headers={"I-Twilio-Idempotency-Token": "b"})
    assert first.get_data() == second.get_data()
    assert (
        db.session.scalar(select(func.count()).select_from(Message).where(Message.sid == form["MessageSid"]))
        == 1
    )
    call_id = message(form["MessageSid"]).call_id
    assert audit_count("call.create", object_id=str(call_id)) == 1
    assert audit_count("call.message", object_id=str(call_id)) == 1
    # A replayed follow-up message is not acknowledged either time.
    follow = sms_form()
    assert twilio.post("/twilio/sms", follow).get_data() == twilio.post("/twilio/sms", follow).get_data()


def test_media_only_message(twilio):
    form = sms_form(
        Body="",
        NumMedia="2",
        MediaUrl0="https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM0/Media/ME0",
        MediaContentType0="image/jpeg",
        MediaUrl1="https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM0/Media/ME1",
        MediaContentType1="audio/ogg",
    )
    reply(twilio.post("/twilio/sms", form))
    stored = message(form["MessageSid"])
    assert stored.body is None and stored.num_media == 2


def test_stop_opts_out_without_reply_and_start_opts_back_in(twilio):
    before = counts()
    for word in ("STOP", "Baja.", " stop! "):
        assert reply(twilio.post("/twilio/sms", sms_form(Body=word))) == []
    after = counts()
    assert after["opt_outs"] == before["opt_outs"] + 1
    assert after["calls"] == before["calls"] and after["messages"] == before["messages"]
    assert services.is_opted_out(CALLER) and services.is_opted_out("whatsapp:" + CALLER)
    assert audit_count("telephony.opt_out") >= 1
    row = db.session.scalar(select(OptOut))
    assert CALLER not in row.number_index and row.number_index == crypto.blind_index(CALLER, phone=True)

    # Still a contact: the message is logged for the operators, but no reply is sent.
    plea = sms_form(Body="ayuda por favor")
    assert reply(twilio.post("/twilio/sms", plea)) == []
    assert message(plea["MessageSid"]) is not None

    assert reply(twilio.post("/twilio/sms", sms_form(Body="START"))) == []
    assert not services.is_opted_out(CALLER)
    assert audit_count("telephony.opt_in") >= 1


def test_opt_in_words_from_a_subscribed_number_are_ordinary_messages(twilio):
    form = sms_form(Body="yes")
    assert len(reply(twilio.post("/twilio/sms", form))) == 1
    assert message(form["MessageSid"]).body == "yes"


def test_ambiguous_words_do_not_opt_out(twilio):
    for body in ("alto", "salir", "stop por favor no me dejen", "quiero salir de aquí"):
        form = sms_form(Body=body)
        twilio.post("/twilio/sms", form)
        assert message(form["MessageSid"]) is not None
    assert not services.is_opted_out(CALLER)


def test_service_threads_by_last_message_not_first(db):
    number = "+51955444333"

    def receive(at, body="x"):  # type: ignore[no-untyped-def]
        return services.receive_message(
            MessageParams(
                message_sid=new_sid("SM"), number=number, is_whatsapp=False, body=body, num_media=0
            ),
            now=at,
        )

    from hotline.database import utcnow

    start = utcnow() - timedelta(hours=40)
    first = receive(start)
    receive(start + timedelta(hours=20))
    third = receive(start + timedelta(hours=39))  # 39 h after the first, 19 h after the last
    assert first.call.id == third.call.id
    assert first.acknowledge and not third.acknowledge
