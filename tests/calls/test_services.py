"""Calls services: log_call (kept for telephony and awareness), claim, intake, queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from hotline.calls import services
from hotline.calls.models import Call, CallerType, CallKind, CallLanguage, CallStatus, Channel
from hotline.cases import services as cases
from hotline.cases.models import Case, Person
from tests.cases.helpers import make_case, make_person
from tests.factories import CallFactory
from tests.helpers import audit_count


@pytest.fixture
def operator(make_user):  # type: ignore[no-untyped-def]
    return make_user(role="operator")


def test_log_call_keeps_its_signature(db):
    call = services.log_call(
        channel=Channel.SMS,
        status=CallStatus.RINGING,
        twilio_sid="SM" + "1" * 32,
        caller_number="+51 987 000 111",
        summary="hola",
        actor=None,
    )
    assert call.caller_number_index and services.get_call_by_sid("SM" + "1" * 32) is call
    assert audit_count("call.create", object_id=str(call.id)) == 1


def test_claim_call(db, operator, make_user):
    call = CallFactory(status="ringing")
    services.claim_call(call, operator)
    assert call.operator_id == operator.id
    services.claim_call(call, actor=operator)  # again, by the same operator: fine, no second audit row
    assert audit_count("call.claim", object_id=str(call.id)) == 1
    with pytest.raises(services.CallClaimed):
        services.claim_call(call, make_user(role="operator"))
    call.status = CallStatus.LOGGED
    with pytest.raises(services.CallAlreadyLogged):
        services.claim_call(call, operator)


@pytest.mark.parametrize("kind", list(CallKind))
def test_record_intake_for_every_kind(db, operator, kind):
    existing = make_case(operator)
    data = services.IntakeData(
        kind=kind, channel=Channel.WALK_IN, summary="Resumen" if kind != "silent" else None
    )
    if kind == CallKind.TRAFFICKING_REPORT:
        data.new_case = cases.CaseFacts(risk="high", region_ubigeo="08")
        data.victim = cases.PersonData(role="victim", name="Juana")
    if kind == CallKind.CASE_FOLLOWUP:
        data.link_case_id = existing.id
    call = services.record_intake(call=None, data=data, actor=operator)
    assert (call.kind, call.status, call.channel, call.operator_id) == (
        kind.value,
        "logged",
        "walk_in",
        operator.id,
    )
    if kind == CallKind.TRAFFICKING_REPORT:
        assert call.case_id not in (None, existing.id)
        assert call.case.narrative == "Resumen" and call.case.persons[0].name == "Juana"
    elif kind == CallKind.CASE_FOLLOWUP:
        assert call.case_id == existing.id
    else:
        assert call.case_id is None
    assert audit_count("call.intake", object_id=str(call.id)) == 1


def test_intake_of_a_telephony_call_keeps_twilio_facts(db, operator):
    received = datetime.now(UTC) - timedelta(minutes=3)
    call = CallFactory(
        twilio_sid="CA" + "2" * 32, caller_number="+51900111222", received_at=received, status="in_progress"
    )
    data = services.IntakeData(
        kind=CallKind.INFORMATION,
        channel=Channel.EMAIL,
        summary="Pregunta",
        caller_number="+51 999 999 999",
        received_at=received - timedelta(days=1),
        caller_type=CallerType.WITNESS,
        language=CallLanguage.QUECHUA,
    )
    services.record_intake(call=call, data=data, actor=operator)
    assert (call.channel, call.caller_number, call.received_at) == ("phone", "+51900111222", received)
    assert (call.caller_type, call.language, call.status) == ("witness", "qu", "logged")
    with pytest.raises(services.CallAlreadyLogged):
        services.record_intake(call=call, data=data, actor=operator)


def test_intake_adds_the_caller_as_a_person_unless_anonymous(db, operator):
    data = services.IntakeData(
        kind=CallKind.TRAFFICKING_REPORT,
        summary="x",
        caller_name="Pedro",
        caller_number="987222333",
        caller_type=CallerType.RELATIVE_FRIEND,
        new_case=cases.CaseFacts(),
    )
    call = services.record_intake(call=None, data=data, actor=operator)
    caller = call.case.persons[0]
    assert (caller.role, caller.name, caller.phone) == ("caller", "Pedro", "987222333")
    data.caller_type = CallerType.ANONYMOUS
    data.new_case = cases.CaseFacts()
    call = services.record_intake(call=None, data=data, actor=operator)
    assert call.case.persons == []


def test_linking_to_a_missing_case_is_refused(db, operator):
    data = services.IntakeData(kind=CallKind.CASE_FOLLOWUP, summary="x", link_case_id=987654)
    with pytest.raises(services.CallError):
        services.record_intake(call=None, data=data, actor=operator)


def test_link_call_to_case(db, operator):
    case, other = make_case(operator), make_case(operator)
    call = CallFactory(status="logged")
    services.link_call_to_case(call, case, actor=operator)
    assert call.case_id == case.id
    with pytest.raises(services.CallError):
        services.link_call_to_case(call, other, actor=operator)


def test_previous_calls_from_a_number(db):
    for _ in range(3):
        CallFactory(caller_number="+51 955 000 111")
    last = CallFactory(caller_number="955000111")
    count, when = services.previous_calls_from("(+51) 955-000-111", exclude_id=last.id)
    assert count == 3 and when is not None
    assert services.previous_calls_from(None) == (0, None)


def test_a_repeat_caller_is_matched_to_the_case_of_a_person(db, operator):
    case = make_case(operator)
    make_person(case, operator, role="victim", name="Lucía", phone="+51 944 555 666")
    matches = cases.find_matching_cases(caller_number="944555666")
    assert [m.case.id for m in matches] == [case.id]
    assert db.scalar(select(Case).where(Case.id == case.id)).persons[0].phone == "+51 944 555 666"
    assert db.scalar(select(Person.phone_index).where(Person.case_id == case.id))


def test_queue_lists_unfinished_oldest_first_and_recent_logged(db, operator, make_user):
    other = make_user(role="operator")
    now = datetime.now(UTC)
    old = CallFactory(status="ended", received_at=now - timedelta(minutes=20))
    new = CallFactory(status="ringing", received_at=now - timedelta(minutes=1))
    taken = CallFactory(status="in_progress", operator_id=other.id)
    logged = CallFactory(status="logged", operator_id=operator.id, kind="silent")
    queue = services.list_queue(operator)
    ids = [c.id for c in queue.unfinished]
    assert ids.index(old.id) < ids.index(new.id) and taken.id in ids
    assert logged.id in [c.id for c in queue.recent.items]
    mine = services.list_queue(operator, mine_only=True)
    assert taken.id not in [c.id for c in mine.unfinished] and new.id in [c.id for c in mine.unfinished]
    assert isinstance(queue.unfinished[0], Call)
