"""The call queue and the operators' presence, through signed webhooks with Twilio's own parameters."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hotline.calls.models import Call
from hotline.extensions import db
from hotline.telephony import services
from hotline.telephony.models import OperatorPresence, OutboundCall, QueueEntry
from tests.helpers import audit_count, count_queries
from tests.telephony.conftest import new_sid, parse_twiml, voice_form

QUEUE_SID = "QU" + "1" * 32
OPERATORS = "+51999000111"


@pytest.fixture
def queue_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "TELEPHONY_QUEUE_ENABLED", True)
    monkeypatch.setitem(app.config, "TELEPHONY_QUEUE_TIMEOUT_SECONDS", 90)
    monkeypatch.setitem(app.config, "TWILIO_OPERATOR_NUMBERS", OPERATORS)


def xml(response):  # type: ignore[no-untyped-def]
    assert response.status_code == 200 and response.mimetype == "text/xml", response.get_data(as_text=True)
    return parse_twiml(response.get_data())


def available(make_user, **kwargs):  # type: ignore[no-untyped-def]
    user = make_user(role="operator", **kwargs)
    services.set_presence(user, "available")
    return user


def enter_queue(twilio, sid: str) -> None:  # type: ignore[no-untyped-def]
    xml(twilio.post("/twilio/voice", voice_form(sid)))
    root = xml(twilio.post("/twilio/voice/menu/es", voice_form(sid, Digits="1", CallStatus="in-progress")))
    enqueue = root.find("Enqueue")
    assert enqueue.text == "hotline"
    assert enqueue.get("waitUrl").endswith("/twilio/voice/queue/wait/es")
    assert enqueue.get("action").endswith("/twilio/voice/queue/result/es")


def wait(twilio, sid: str, position: int = 1):  # type: ignore[no-untyped-def]
    form = voice_form(
        sid,
        CallStatus="in-progress",
        QueueSid=QUEUE_SID,
        QueuePosition=str(position),
        QueueTime="5",
        AvgQueueTime="10",
        CurrentQueueSize=str(position),
        MaxQueueSize="100",
    )
    return xml(twilio.post("/twilio/voice/queue/wait/es", form))


def entry(sid: str) -> QueueEntry:
    call = db.session.scalar(select(Call).where(Call.twilio_sid == sid))
    return db.session.scalar(
        select(QueueEntry).where(QueueEntry.call_id == call.id).execution_options(populate_existing=True)
    )


def presence(user) -> OperatorPresence:  # type: ignore[no-untyped-def]
    return db.session.scalar(
        select(OperatorPresence)
        .where(OperatorPresence.user_id == user.id)
        .execution_options(populate_existing=True)
    )


def test_without_an_available_operator_the_caller_hears_their_place(twilio, queue_on):
    sid = new_sid()
    enter_queue(twilio, sid)
    root = wait(twilio, sid, position=3)
    say = root.find("Say")
    assert "número 3" in say.text and say.get("language") == "es-US"
    assert root.find("Pause") is not None and root.find("Leave") is None
    assert services.queue_summary().waiting == 1
    assert audit_count("call.queued") >= 1


def test_the_call_goes_to_the_longest_idle_operator_who_answers_in_the_browser(twilio, queue_on, make_user):
    first = available(make_user)
    second = available(make_user)
    presence(second).idle_since = presence(first).idle_since - timedelta(minutes=10)
    db.session.flush()
    sid = new_sid()
    enter_queue(twilio, sid)
    assert wait(twilio, sid).find("Leave") is not None
    assert (presence(second).status, presence(second).is_auto_busy) == ("busy", True)
    assert presence(first).status == "available"
    result = xml(
        twilio.post(
            "/twilio/voice/queue/result/es",
            voice_form(sid, CallStatus="in-progress", QueueResult="leave", QueueSid=QUEUE_SID, QueueTime="7"),
        )
    )
    client = result.find("Dial").find("Client")
    assert client.find("Identity").text == str(second.id)
    assert client.find("Parameter").get("value") == str(entry(sid).call_id)
    # The browser leg is answered: Twilio's status callback for the child leg.
    leg_sid = new_sid()
    status = voice_form(
        leg_sid,
        CallStatus="in-progress",
        Direction="outbound-dial",
        ParentCallSid=sid,
        From="+51987654321",
        To=f"client:{second.id}",
    )
    assert twilio.post("/twilio/voice/status", status).status_code == 200
    call = db.session.get(Call, entry(sid).call_id)
    db.session.refresh(call)
    assert call.operator_id == second.id and entry(sid).status == "answered"
    leg = db.session.scalar(select(OutboundCall).where(OutboundCall.call_sid == leg_sid))
    assert leg.purpose == "operator" and leg.call_id == call.id and leg.operator_id == second.id
    # Hung up: the Dial's action; the operator is available again, idle from now.
    done = xml(twilio.post("/twilio/voice/queue/answered/es", voice_form(sid, DialCallStatus="completed")))
    assert done.find("Hangup") is not None
    assert (presence(second).status, presence(second).is_auto_busy) == ("available", False)
    assert presence(second).idle_since > presence(first).idle_since


def test_a_missed_offer_sets_the_operator_away_and_requeues(twilio, queue_on, make_user):
    operator = available(make_user)
    sid = new_sid()
    enter_queue(twilio, sid)
    wait(twilio, sid)
    twilio.post("/twilio/voice/queue/result/es", voice_form(sid, QueueResult="leave", QueueSid=QUEUE_SID))
    root = xml(twilio.post("/twilio/voice/queue/answered/es", voice_form(sid, DialCallStatus="no-answer")))
    assert root.find("Enqueue").text == "hotline"
    assert presence(operator).status == "away" and entry(sid).status == "waiting"
    assert audit_count("call.offer_missed") == 1


def test_nobody_takes_the_call_in_time_so_it_rings_the_operator_lines(twilio, queue_on):
    sid = new_sid()
    enter_queue(twilio, sid)
    wait(twilio, sid)
    entry(sid).enqueued_at -= timedelta(seconds=91)
    db.session.flush()
    assert wait(twilio, sid).find("Leave") is not None
    assert entry(sid).status == "timed_out"
    root = xml(twilio.post("/twilio/voice/queue/result/es", voice_form(sid, QueueResult="leave")))
    assert [n.text for n in root.find("Dial").findall("Number")] == [OPERATORS]


def test_a_caller_who_hangs_up_in_the_queue_is_abandoned_and_frees_the_operator(twilio, queue_on, make_user):
    operator = available(make_user)
    sid = new_sid()
    enter_queue(twilio, sid)
    wait(twilio, sid)
    xml(twilio.post("/twilio/voice/queue/result/es", voice_form(sid, QueueResult="hangup")))
    assert entry(sid).status == "abandoned" and presence(operator).status == "available"


def test_only_the_front_of_the_queue_is_offered(twilio, queue_on, make_user):
    first, second = new_sid(), new_sid()
    enter_queue(twilio, first)
    wait(twilio, first)
    enter_queue(twilio, second)
    available(make_user)
    assert wait(twilio, second, position=2).find("Leave") is None
    assert wait(twilio, first).find("Leave") is not None


def test_operator_sets_presence_and_cannot_clear_busy_during_a_call(client, login, twilio, queue_on):
    user = login("operator")
    token = client.csrf_token("/live/softphone")
    assert client.post("/live/presence", data={"status": "available", "csrf_token": token}).json == {
        "status": "available"
    }
    assert client.post("/live/presence", data={"status": "sleeping", "csrf_token": token}).status_code == 400
    sid = new_sid()
    enter_queue(twilio, sid)
    wait(twilio, sid)
    assert presence(user).status == "busy"
    response = client.post("/live/presence", data={"status": "available", "csrf_token": token})
    assert response.status_code == 409
    assert (
        client.post("/live/presence", data={"status": "away", "csrf_token": token}).json["status"] == "away"
    )
    assert audit_count("telephony.presence", actor_id=user.id) >= 2


@pytest.mark.parametrize(
    ("role", "status"),
    [("operator", 200), ("coordinator", 200), ("manager", 403), ("admin", 403), ("partner", 403)],
)
def test_queue_json_roles(client, login, role, status):
    login(role)
    assert client.get("/live/queue.json").status_code == status


def test_live_view_shows_queue_length_longest_wait_and_presence(client, login, twilio, queue_on, make_user):
    sid = new_sid()
    enter_queue(twilio, sid)
    wait(twilio, sid)
    available(make_user, name="Rosa Operadora")
    entry(sid).enqueued_at -= timedelta(seconds=40)
    db.session.flush()
    login("operator")
    with count_queries() as queries:
        data = client.get("/live/queue.json").json
    assert len([q for q in queries if "operator_presence" in q or "call_queue" in q]) <= 3
    assert data["waiting"] == 1 and data["longest_wait_seconds"] >= 40
    assert {"name": "Rosa Operadora", "status": "available"}.items() <= next(
        o for o in data["operators"] if o["name"] == "Rosa Operadora"
    ).items()
    page = client.get("/live/?lang=en").get_data(as_text=True)
    assert 'id="queue-summary"' in page and "Rosa Operadora" in page
