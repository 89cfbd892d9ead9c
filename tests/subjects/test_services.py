"""Data-subject services: export, correction, anonymisation (Ley 29733)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from hotline import crypto
from hotline.audit.models import AuditEvent
from hotline.calls.models import Call
from hotline.cases import services as cases
from hotline.cases.models import Case, CaseHistory, CaseNote, Person
from hotline.errors import VersionConflict
from hotline.referrals import services as referrals
from hotline.referrals.models import Referral, ReferralEvent
from hotline.subjects import services
from hotline.subjects.models import SubjectRequest
from tests.helpers import audit_count, last_audit
from tests.subjects.helpers import (
    CALLER_PHONE,
    OTHER_NAME,
    OTHERS_TRACES,
    SUSPECT_NAME,
    VICTIM_ADDRESS,
    VICTIM_DOC,
    VICTIM_NAME,
    VICTIM_PHONE,
    VICTIM_TRACES,
    no_trace,
    raw,
)

REASON = "Solicitud de acceso 12-2026, identidad verificada con su DNI"


def _audit_summaries(db) -> list[str]:  # type: ignore[no-untyped-def]
    return list(db.scalars(select(AuditEvent.summary)))


# --- search -------------------------------------------------------------------------------------


@pytest.mark.parametrize("q", [VICTIM_NAME, "rosa  MAMANI quispe", "Rosita", VICTIM_DOC, "984-112-233"])
def test_search_by_blind_index(db, world, admin, q):
    result = services.find_persons(q)
    assert [p.id for p in result.persons] == [world.victim.id]
    services.record_search(result, admin)
    event = last_audit("subject.search")
    assert event.summary == "data-subject search by personal data, 1 records found"


def test_search_by_reference_lists_the_case(db, world):
    result = services.find_persons(world.case.reference.lower())
    assert result.by_reference
    assert {p.id for p in result.persons} == {world.victim.id, world.suspect.id, world.caller.id}


def test_search_finds_nothing_partial(db, world):
    assert services.find_persons("Rosa").persons == []
    assert services.find_persons("").persons == []


# --- export -------------------------------------------------------------------------------------


def test_export_contains_every_piece(db, world, admin):
    data = services.export_subject([world.victim], reason=REASON, fmt="json", actor=admin)
    (record,) = data["records"]
    assert record["name"] == VICTIM_NAME
    assert (record["phone"], record["document_number"], record["address"]) == (
        VICTIM_PHONE,
        VICTIM_DOC,
        VICTIM_ADDRESS,
    )
    assert record["age"] == 16 and record["gender"] == "feminine"
    (case,) = data["cases"]
    assert case["reference"] == world.case.reference
    assert case["status"] == "referred" and case["opened_at"]
    assert "Rosa Mamani fue llevada" in case["narrative"]
    assert "[reservado]" in case["narrative"]  # the suspect's and the caller's names
    contacts = {c["id"]: c for c in data["contacts"]}
    assert set(contacts) == {world.victim_call_id, world.caller_call_id}
    assert contacts[world.victim_call_id]["caller_number"] == VICTIM_PHONE
    assert contacts[world.caller_call_id]["caller_number"] is None  # another person's number
    (shared,) = data["referrals"]
    assert shared["reference"] == world.referral.reference
    assert shared["partner"]["code"] == "MP-FISTRAP"
    assert {"profile", "name", "document_number", "phone", "address"} <= set(shared["shared"])
    assert shared["shared_data"]["identity"]["name"] == VICTIM_NAME
    seen = {(e["action"], e["object"]) for e in data["access_log"]}
    assert ("case.view", f"case {world.case.id}") in seen
    assert ("person.view", f"person {world.victim.id}") in seen
    assert ("referral.view", f"referral {world.referral.id}") in seen
    partner_view = next(e for e in data["access_log"] if e["action"] == "referral.view")
    assert partner_view["organisation"] == "MP-FISTRAP" and partner_view["role"] == "partner"
    assert f"case {world.other_case.id}" not in {e["object"] for e in data["access_log"]}


def test_export_holds_nothing_of_other_people(db, world, admin):
    data = services.export_subject([world.victim], reason=REASON, fmt="json", actor=admin)
    dumped = json.dumps(data, ensure_ascii=False)
    assert no_trace([dumped], OTHERS_TRACES) == []
    assert SUSPECT_NAME not in dumped and OTHER_NAME not in dumped and CALLER_PHONE not in dumped


def test_export_is_registered_and_audited_without_personal_data(db, world, admin):
    data = services.export_subject([world.victim], reason=REASON, fmt="html", actor=admin)
    request = db.get(SubjectRequest, data["request"])
    assert request.kind == "export" and request.reason == REASON and request.actor_id == admin.id
    assert request.person_ids == [world.victim.id] and request.case_id == world.case.id
    raw_reason = raw("SELECT reason FROM subject_requests WHERE id = :id", id=request.id)[0][0]
    assert "12-2026" not in raw_reason  # encrypted
    event = last_audit("subject.export")
    assert event.object_type == "subject_request" and event.object_id == str(request.id)
    assert event.actor_id == admin.id
    assert no_trace(_audit_summaries(db), VICTIM_TRACES) == []
    assert audit_count("person.view", object_id=str(world.victim.id), actor_id=admin.id) == 1


def test_export_of_records_in_two_cases(db, world, admin, coordinator):
    from tests.cases.helpers import make_case, make_person

    later = make_case(coordinator, narrative="Rosa volvió a llamar.")
    again = make_person(later, coordinator, role="victim", name=VICTIM_NAME, gender="feminine")
    persons = services.get_persons([world.victim.id, again.id])
    data = services.build_export(persons)
    assert {c["reference"] for c in data["cases"]} == {world.case.reference, later.reference}
    assert len(data["records"]) == 2


def test_export_needs_a_reason(db, world, admin):
    with pytest.raises(services.SubjectError):
        services.export_subject([world.victim], reason="  porque ", fmt="json", actor=admin)


# --- correction ---------------------------------------------------------------------------------


def test_correction_is_versioned_in_the_history_and_audited(db, world, admin):
    victim = world.victim
    version = victim.version_id
    request = services.correct_subject(
        victim,
        expected_version=version,
        reason="Rectificación pedida por la titular, 3-2026",
        actor=admin,
        name="Rosa Mamani Quispe de Torres",
        phone="+51 900 000 111",
        alias=None,
    )
    assert victim.name == "Rosa Mamani Quispe de Torres" and victim.alias is None
    assert victim.version_id == version + 1
    assert victim.phone_index == crypto.blind_index("900000111", phone=True)
    assert victim.name_index == crypto.blind_index("rosa mamani quispe de torres")
    assert victim.alias_index is None
    assert request.kind == "correction" and request.changes == {"fields": 3}
    history = db.scalars(select(CaseHistory).where(CaseHistory.action == "person_corrected")).all()
    assert {h.field for h in history} == {f"person.{victim.id}.{f}" for f in ("name", "phone", "alias")}
    assert all(h.before is None and h.after is None for h in history)  # encrypted fields: "changed"
    assert (
        last_audit("person.correct").summary
        == f"corrected name, phone, alias (correction request {request.id})"
    )
    assert last_audit("subject.correct").object_id == str(request.id)
    assert no_trace(_audit_summaries(db), ["Torres", "900 000 111", *VICTIM_TRACES]) == []


def test_correction_works_on_a_closed_case(db, world, admin, coordinator):
    cases.set_case_status(world.case, "closed", coordinator, reason="no_contact")
    services.correct_subject(
        world.victim, expected_version=world.victim.version_id, reason=REASON, actor=admin, age=17
    )
    assert world.victim.age == 17 and world.victim.age_range == "9-17"


def test_correction_refuses_a_stale_version_and_no_change(db, world, admin):
    with pytest.raises(VersionConflict):
        services.correct_subject(world.victim, expected_version=0, reason=REASON, actor=admin, age=17)
    with pytest.raises(services.SubjectError):
        services.correct_subject(
            world.victim, expected_version=world.victim.version_id, reason=REASON, actor=admin, age=16
        )


# --- anonymisation ------------------------------------------------------------------------------


def _counts(db):  # type: ignore[no-untyped-def]
    return {
        "cases": db.scalar(select(func.count()).select_from(Case)),
        "persons": db.scalar(select(func.count()).select_from(Person)),
        "calls": db.scalar(select(func.count()).select_from(Call)),
        "referrals": db.scalar(select(func.count()).select_from(Referral)),
    }


def test_anonymisation_leaves_no_trace(db, world, admin):
    reason = "Cancelación pedida por Rosa Mamani, expediente 7-2026"
    services.anonymise_subject([world.victim], reason=reason, actor=admin)
    db.flush()
    db.expire_all()
    victim = db.get(Person, world.victim.id)
    # Decrypted values.
    assert victim.name == cases.PLACEHOLDER
    assert (
        victim.alias,
        victim.phone,
        victim.document_number,
        victim.address,
        victim.details,
        victim.age,
    ) == (
        None,
        None,
        None,
        None,
        None,
        None,
    )
    case = db.get(Case, world.case.id)
    notes = db.scalars(select(CaseNote.body).where(CaseNote.case_id == case.id)).all()
    referral = db.get(Referral, world.referral.id)
    events = db.scalars(select(ReferralEvent.note).where(ReferralEvent.referral_id == referral.id)).all()
    calls = db.scalars(select(Call).where(Call.case_id == case.id)).all()
    texts = [case.narrative, case.location, *notes, referral.shared_data, *events]
    texts += [c.summary for c in calls] + [c.caller_number for c in calls]
    assert no_trace(texts, VICTIM_TRACES) == []
    assert "[anonimizado]" in case.narrative and "Teodoro" in case.narrative  # only her name went
    assert cases.PLACEHOLDER in referrals.read_snapshot(referral.shared_data)["summary"]
    # Raw columns: indexes and cleared fields are NULL, no blind index of hers is left anywhere.
    (row,) = raw(
        "SELECT name_index, alias_index, document_index, phone_index, phone, document_number, address, "
        "alias, details, age FROM persons WHERE id = :id",
        id=victim.id,
    )
    assert set(row) == {None}
    (call_row,) = raw(
        "SELECT caller_number, caller_number_index FROM calls WHERE id = :id", id=world.victim_call_id
    )
    assert set(call_row) == {None}
    indexes = {crypto.blind_index(v) for v in (VICTIM_NAME, "Rosita", VICTIM_DOC)}
    indexes.add(crypto.blind_index(VICTIM_PHONE, phone=True))
    stored = raw("SELECT name_index, alias_index, document_index, phone_index FROM persons")
    stored += raw("SELECT caller_number_index, NULL, NULL, NULL FROM calls")
    assert indexes.isdisjoint({v for r in stored for v in r})
    assert services.find_persons(VICTIM_NAME).persons == []
    # The other people stay as they were.
    assert db.get(Person, world.suspect.id).name == SUSPECT_NAME
    assert db.get(Call, world.caller_call_id).caller_number == CALLER_PHONE
    assert db.get(Person, world.other.id).name == OTHER_NAME
    # The reason that named her is redacted in the register.
    (request,) = db.scalars(select(SubjectRequest)).all()
    assert "Rosa" not in request.reason and "7-2026" in request.reason


def test_anonymisation_keeps_the_statistics(db, world, admin):
    before = _counts(db)
    forms = [f.code for f in world.case.exploitation_forms]
    opened = world.case.opened_at
    services.anonymise_subject([world.victim], reason=REASON, actor=admin)
    db.expire_all()
    assert _counts(db) == before
    victim = db.get(Person, world.victim.id)
    assert (victim.role, victim.gender, victim.age_range, victim.nationalities) == (
        "victim",
        "feminine",
        "9-17",
        ["PE"],
    )
    case = db.get(Case, world.case.id)
    assert [f.code for f in case.exploitation_forms] == forms and case.opened_at == opened
    assert (case.risk, case.region_ubigeo) == ("high", "21")
    profile = referrals.read_snapshot(db.get(Referral, world.referral.id).shared_data)["victims"][0]
    assert (profile["gender"], profile["age_range"], profile["nationalities"]) == ("feminine", "9-17", ["PE"])
    # The exact age left the history too.
    assert not db.scalars(select(CaseHistory).where(CaseHistory.after == "16")).all()


def test_anonymisation_is_audited_without_personal_data(db, world, admin):
    request = services.anonymise_subject([world.victim], reason=REASON, actor=admin)
    event = last_audit("subject.anonymise")
    assert (event.actor_id, event.object_type, event.object_id) == (
        admin.id,
        "subject_request",
        str(request.id),
    )
    assert audit_count("person.anonymise", object_id=str(world.victim.id)) == 1
    assert audit_count("referral.redact", object_id=str(world.referral.id)) == 1
    assert audit_count("call.anonymise", object_id=str(world.victim_call_id)) == 1
    assert request.changes["persons"] == 1 and request.changes["notes"] == 1
    assert request.changes["narratives"] == 1 and request.changes["caller numbers"] == 1
    assert no_trace(_audit_summaries(db), VICTIM_TRACES) == []
    history = db.scalars(select(CaseHistory).where(CaseHistory.action == "person_anonymised")).all()
    assert history and all(h.before is None for h in history)


def test_anonymising_twice_changes_nothing_more(db, world, admin):
    services.anonymise_subject([world.victim], reason=REASON, actor=admin)
    db.flush()
    version = world.case.version_id
    second = services.anonymise_subject([world.victim], reason=REASON, actor=admin)
    assert second.changes == {}
    assert world.case.version_id == version
    assert audit_count("person.anonymise") == 1


def test_redaction_of_texts():
    terms = cases.PersonTerms(frozenset({"jose", "perez"}), frozenset({"984112"}))
    redacted = cases.redact_text("José PÉREZ llamó del 984-112-233; Josefina no.", terms)
    assert redacted == "[anonimizado] [anonimizado] llamó del [anonimizado]; Josefina no."
    assert cases.redact_text("nada que ver", terms) == "nada que ver"
    assert "jose" not in repr(terms)
