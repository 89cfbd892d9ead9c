"""Case services: reference numbers, workflow, history, optimistic locking, search, encryption."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from hotline.calls import services as calls
from hotline.calls.models import Channel
from hotline.cases import services
from hotline.cases.models import Case, CaseHistory, CaseNote, CaseStatus, Person
from hotline.cases.services.common import local_zone
from hotline.crypto import blind_index
from tests.cases.helpers import make_case, make_person
from tests.helpers import audit_count, count_queries

NAME = "José Pérez Quispe"
PHONE = "+51 987 654 321"
DOCUMENT = "DNI-45871236"
NARRATIVE = "La llevaron a un bar de La Rinconada con una oferta falsa."


@pytest.fixture
def operator(make_user):  # type: ignore[no-untyped-def]
    return make_user(role="operator")


@pytest.fixture
def coordinator(make_user):  # type: ignore[no-untyped-def]
    return make_user(role="coordinator")


# --- reference numbers --------------------------------------------------------------------------


def test_references_follow_a_per_year_sequence(db, operator):
    first = make_case(operator)
    second = make_case(operator)
    year = datetime.now(UTC).astimezone(local_zone()).year
    assert first.reference.startswith(f"TP-{year}-")
    assert len(first.reference) == len("TP-2026-000123")
    assert int(second.reference[-6:]) == int(first.reference[-6:]) + 1
    assert services.next_reference(1999) == "TP-1999-000001"
    assert services.next_reference(1999) == "TP-1999-000002"


def test_the_year_of_the_reference_is_the_year_in_lima(db, operator):
    # 03:00 UTC on 1 January is still 31 December in Lima (UTC-5).
    case = services.open_case(
        facts=services.CaseFacts(), actor=operator, opened_at=datetime(2031, 1, 1, 3, 0, tzinfo=UTC)
    )
    assert case.reference.startswith("TP-2030-")


@pytest.mark.parametrize(
    ("text_", "expected"),
    [
        ("TP-2026-000123", "TP-2026-000123"),
        ("tp-2026-123", "TP-2026-000123"),
        (" TP 2026 000123 ", "TP-2026-000123"),
        ("2026-123", "TP-2026-000123"),
        ("José", None),
        ("TP-2026", None),
        ("'; DROP TABLE cases;--", None),
    ],
)
def test_parse_reference(text_, expected):
    assert services.parse_reference(text_) == expected


# --- workflow and history -----------------------------------------------------------------------


def test_open_case_records_history_and_audit(db, operator):
    case = make_case(operator, risk="urgent", region_ubigeo="17", exploitation_forms=["SEXUAL"])
    assert case.status == CaseStatus.NEW
    assert case.triage_due_at == case.opened_at + timedelta(hours=2)
    rows = db.scalars(select(CaseHistory).where(CaseHistory.case_id == case.id)).all()
    assert [(r.action, r.field, r.after) for r in rows] == [("opened", "status", "new")]
    assert audit_count("case.create", object_id=str(case.id)) == 1


def test_triage_moves_new_to_triaged_and_records_each_change(db, operator, coordinator):
    case = make_case(operator)
    services.triage_case(
        case,
        expected_version=case.version_id,
        risk="high",
        exploitation_forms=["LABOUR", "SEXUAL"],
        region_ubigeo="21",
        province_ubigeo="2101",
        actor=coordinator,
    )
    assert case.status == CaseStatus.TRIAGED and case.triaged_at is not None
    rows = {
        r.field: (r.before, r.after, r.actor_id)
        for r in db.scalars(
            select(CaseHistory).where(CaseHistory.action == "triaged", CaseHistory.case_id == case.id)
        )
    }
    assert rows == {
        "risk": ("normal", "high", coordinator.id),
        "region_ubigeo": (None, "21", coordinator.id),
        "province_ubigeo": (None, "2101", coordinator.id),
        "exploitation_forms": (None, "LABOUR,SEXUAL", coordinator.id),
        "status": ("new", "triaged", coordinator.id),
    }


def test_encrypted_fields_are_recorded_as_changed_only(db, operator):
    case = make_case(operator, narrative="Primera versión")
    services.update_case(
        case,
        expected_version=case.version_id,
        actor=operator,
        narrative="Segunda versión con nombres",
        victim_count=3,
    )
    rows = {
        r.field: (r.before, r.after)
        for r in db.scalars(
            select(CaseHistory).where(CaseHistory.case_id == case.id, CaseHistory.action == "updated")
        )
    }
    assert rows == {"narrative": (None, None), "victim_count": (None, "3")}
    raw = db.execute(text("SELECT before, after FROM case_history")).all()
    assert not any("versión" in (b or "") + (a or "") for b, a in raw)


def test_update_without_change_writes_nothing(db, operator):
    case = make_case(operator, victim_count=2)
    version = case.version_id
    services.update_case(case, expected_version=version, actor=operator, victim_count=2)
    db.flush()
    assert case.version_id == version
    assert audit_count("case.update", object_id=str(case.id)) == 0


def test_person_changes_are_in_the_case_history_without_personal_data(db, operator):
    case = make_case(operator)
    person = make_person(case, operator, role="victim", name=NAME, age=16)
    services.update_person(
        person,
        services.PersonData(role="victim", name="Otro Nombre", age=17),
        expected_version=person.version_id,
        actor=operator,
    )
    rows = db.scalars(
        select(CaseHistory).where(CaseHistory.case_id == case.id, CaseHistory.action == "person_updated")
    ).all()
    fields = {r.field: (r.before, r.after) for r in rows}
    assert fields == {f"person.{person.id}.name": (None, None), f"person.{person.id}.age": ("16", "17")}
    assert person.name_index == blind_index("otro nombre")


def test_close_needs_a_reason_and_reopen_goes_back_to_triaged(db, operator, coordinator):
    case = make_case(operator)
    with pytest.raises(services.CaseError):
        services.close_case(case, expected_version=case.version_id, reason="", note=None, actor=coordinator)
    services.close_case(
        case, expected_version=case.version_id, reason="duplicate", note="Igual al TP-1", actor=coordinator
    )
    assert case.status == CaseStatus.CLOSED and case.close_reason == "duplicate" and case.closed_at
    with pytest.raises(services.CaseClosed):
        services.update_case(case, expected_version=case.version_id, actor=operator, victim_count=1)
    with pytest.raises(services.CaseError):
        services.reopen_case(case, expected_version=case.version_id, reason="  ", actor=coordinator)
    services.reopen_case(
        case, expected_version=case.version_id, reason="La víctima volvió a llamar", actor=coordinator
    )
    assert case.status == CaseStatus.TRIAGED and case.close_reason is None and case.closed_at is None
    actions = [
        r.action
        for r in db.scalars(
            select(CaseHistory).where(CaseHistory.case_id == case.id).order_by(CaseHistory.id)
        )
    ]
    assert actions == ["opened", "closed", "closed", "reopened", "reopened"]
    notes = db.scalars(select(CaseNote.body).where(CaseNote.case_id == case.id)).all()
    assert sorted(notes) == ["Igual al TP-1", "La víctima volvió a llamar"]


def test_set_case_status_for_the_referrals_package(db, operator, coordinator):
    case = make_case(operator)
    services.set_case_status(case, CaseStatus.REFERRED, coordinator)
    assert case.status == CaseStatus.REFERRED
    services.set_case_status(case, CaseStatus.REFERRED, coordinator)  # no-op
    with pytest.raises(services.InvalidTransition):
        services.set_case_status(case, CaseStatus.NEW, coordinator)
    services.set_case_status(case, "closed", coordinator, reason="Atendido por el CEM")
    assert case.close_reason == "other"
    assert audit_count("case.status", object_id=str(case.id)) == 2
    assert services.get_case(case.id) is case
    assert services.get_case(10**12) is None


def test_assign_only_to_an_active_coordinator(db, operator, coordinator, make_user):
    case = make_case(operator)
    with pytest.raises(services.CaseError):
        services.assign_case(case, expected_version=case.version_id, assignee=operator, actor=coordinator)
    services.assign_case(case, expected_version=case.version_id, assignee=coordinator, actor=coordinator)
    assert case.assigned_to_id == coordinator.id
    row = db.scalar(select(CaseHistory).where(CaseHistory.action == "assigned"))
    assert row.before is None and f"#{coordinator.id}" in row.after


def test_a_stale_version_is_refused(db, operator, coordinator):
    case = make_case(operator)
    stale = case.version_id
    services.update_case(case, expected_version=stale, actor=operator, victim_count=4)
    db.flush()
    assert case.version_id == stale + 1
    with pytest.raises(services.VersionConflict):
        services.update_case(case, expected_version=stale, actor=coordinator, victim_count=9)
    with pytest.raises(services.VersionConflict):
        services.triage_case(
            case,
            expected_version=stale,
            risk="high",
            exploitation_forms=[],
            region_ubigeo=None,
            province_ubigeo=None,
            actor=coordinator,
        )
    assert case.victim_count == 4


def test_a_relationship_only_change_still_moves_the_version(db, operator, coordinator):
    case = make_case(operator, exploitation_forms=["SEXUAL"])
    services.triage_case(
        case,
        expected_version=case.version_id,
        risk="normal",
        exploitation_forms=["SEXUAL"],
        region_ubigeo=None,
        province_ubigeo=None,
        actor=coordinator,
    )
    db.flush()
    version = case.version_id
    services.triage_case(
        case,
        expected_version=version,
        risk="normal",
        exploitation_forms=["LABOUR"],
        region_ubigeo=None,
        province_ubigeo=None,
        actor=coordinator,
    )
    db.flush()
    assert case.version_id == version + 1


@pytest.mark.parametrize(
    ("region", "province"),
    [("99", None), ("17", "2101"), (None, "9999")],
)
def test_unknown_places_are_refused(db, operator, region, province):
    with pytest.raises(services.CaseError):
        make_case(operator, region_ubigeo=region, province_ubigeo=province)


def test_lima_metropolitana_takes_the_province_of_lima(db, operator):
    case = make_case(operator, region_ubigeo="1501", province_ubigeo="1501")
    assert case.province.name == "Lima"


# --- encryption ---------------------------------------------------------------------------------


def test_raw_columns_hold_no_plaintext(db, operator):
    case = make_case(operator, narrative=NARRATIVE, location="Jr. Lima 123, Juliaca")
    make_person(
        case,
        operator,
        role="victim",
        name=NAME,
        alias="La Flaca",
        phone=PHONE,
        document_type="dni",
        document_number=DOCUMENT,
        address="Av. Grau 456",
        details="Tiene una cicatriz en la mano",
    )
    services.add_note(case, body="Habló con la hermana de José", actor=operator)
    call = calls.log_call(channel=Channel.PHONE, caller_number=PHONE, summary="Resumen con José Pérez")
    db.flush()
    raw = [
        *db.execute(text("SELECT location, narrative FROM cases WHERE id = :i"), {"i": case.id}).one(),
        *db.execute(
            text(
                "SELECT name, alias, phone, document_number, address, details, name_index, "
                "phone_index, document_index FROM persons WHERE case_id = :i"
            ),
            {"i": case.id},
        ).one(),
        *db.execute(text("SELECT body FROM case_notes WHERE case_id = :i"), {"i": case.id}).one(),
        *db.execute(
            text("SELECT caller_number, summary, caller_number_index FROM calls WHERE id = :i"),
            {"i": call.id},
        ).one(),
    ]
    assert all(raw)
    # Every stored value is a Fernet token or a keyed hash: nothing readable is left.
    for value in raw:
        assert value.startswith("gAAAAA") or re.fullmatch(r"[0-9a-f]{64}", value), value[:20]
    # No plaintext either. Only runs of six or more characters: shorter ones (e.g. "987") turn up
    # in random ciphertext by chance.
    blob = " ".join(raw).casefold()
    for secret in (
        "pérez quispe",
        "quispe",
        "987654321",
        "987 654 321",
        "45871236",
        "rinconada",
        "juliaca",
        "cicatriz",
        "hermana",
        "resumen",
    ):
        assert secret not in blob, secret
    # and the application reads them back
    db.expire_all()
    person = db.scalar(select(Person).where(Person.case_id == case.id))
    assert (person.name, person.phone, person.document_number) == (NAME, PHONE, DOCUMENT)


def test_values_are_stored_exactly(db, operator):
    weird = (
        "ñandú Ñ 👩‍👧 \u202egnp.exe Quechua: Allillanchu? combining: e\u0301 "
        + "<img src=x onerror=alert(1)>"
    )
    sql = "'; DROP TABLE cases;--"
    long = "x" * 9990 + "ñ" * 10
    case = make_case(operator, narrative=long, location=sql)
    person = make_person(case, operator, role="victim", name=weird, details="{{7*7}}")
    db.flush()
    db.expire_all()
    case = db.get(Case, case.id)
    assert case.narrative == long and len(case.narrative) == 10000
    assert case.location == sql
    assert db.get(Person, person.id).name == weird
    assert db.scalar(text("SELECT count(*) FROM cases")) >= 1


# --- search -------------------------------------------------------------------------------------


@pytest.fixture
def three_cases(db, operator):  # type: ignore[no-untyped-def]
    a = make_case(operator, risk="urgent", region_ubigeo="17", exploitation_forms=["SEXUAL"])
    make_person(a, operator, role="victim", name="María José Ñañez Pérez", phone="987-654-321")
    b = make_case(operator, region_ubigeo="21", exploitation_forms=["LABOUR"])
    make_person(
        b,
        operator,
        role="suspect",
        name="Carlos Huamán",
        alias="El Cholo",
        document_type="dni",
        document_number="45871236",
    )
    c = make_case(operator)
    call = calls.log_call(channel=Channel.PHONE, caller_number="+51 955 111 222")
    call.case_id = c.id
    db.flush()
    return a, b, c


def _search(q: str, **kw) -> list[str]:  # type: ignore[no-untyped-def]
    page = services.list_cases(services.CaseFilter(q=q, **kw), per_page=100)
    return [c.reference for c in page.items]


@pytest.mark.parametrize(
    "query",
    [
        "María José Ñañez Pérez",
        "maria jose nanez perez",
        "MARÍA  JOSÉ ÑAÑEZ PÉREZ",
        "  Maria Jose Nañez Perez ",
    ],
)
def test_search_by_name_folds_accents_case_and_spaces(three_cases, query):
    a, _, _ = three_cases
    assert _search(query) == [a.reference]


@pytest.mark.parametrize("query", ["987654321", "+51 987 654 321", "(51) 987-654-321", "987.654.321"])
def test_search_by_phone_ignores_formatting(three_cases, query):
    a, _, _ = three_cases
    assert _search(query) == [a.reference]


def test_search_by_alias_document_caller_number_and_reference(three_cases):
    a, b, c = three_cases
    assert _search("el cholo") == [b.reference]
    assert _search("45871236") == [b.reference]
    assert _search("955111222") == [c.reference]
    assert _search(a.reference.lower()) == [a.reference]
    assert _search("María") == []  # exact full name only: a part does not leak who is on file
    assert _search("'; DROP TABLE cases;--") == []
    assert _search("nul\x00byte") == []


def test_managers_search_by_reference_only(three_cases):
    a, _, _ = three_cases
    assert _search("maria jose nanez perez", allow_personal_search=False) == []
    assert _search(a.reference, allow_personal_search=False) == [a.reference]


def test_filters_and_sorting(three_cases, coordinator):
    a, b, c = three_cases
    services.assign_case(b, expected_version=b.version_id, assignee=coordinator, actor=coordinator)
    mine = {a.reference, b.reference, c.reference}

    def refs(**kw):  # type: ignore[no-untyped-def]
        return [
            r
            for r in (x.reference for x in services.list_cases(services.CaseFilter(**kw), per_page=100).items)
            if r in mine
        ]

    assert refs(risk="urgent") == [a.reference]
    assert refs(region="21") == [b.reference]
    assert refs(exploitation_form="SEXUAL") == [a.reference]
    assert refs(assigned_to=coordinator.id) == [b.reference]
    assert set(refs(unassigned=True)) == {a.reference, c.reference}
    assert refs(sort="reference") == sorted(mine)
    assert refs(sort="risk")[0] == a.reference
    now = datetime.now(UTC)
    assert set(refs(overdue=True)) == set()
    assert refs(overdue=True, status="new") == []
    late = services.list_cases(services.CaseFilter(overdue=True), now=now + timedelta(hours=3), per_page=100)
    assert a.reference in {x.reference for x in late.items}  # urgent: 2 h to triage
    assert b.reference not in {x.reference for x in late.items}  # normal: 72 h
    today = now.astimezone(local_zone()).date()
    assert set(refs(opened_from=today, opened_to=today)) == mine
    assert refs(opened_to=today - timedelta(days=1)) == []


def test_matching_cases_for_repeat_callers(three_cases):
    a, _b, c = three_cases
    by_number = services.find_matching_cases(caller_number="955 111 222")
    assert [(m.case.id, m.reasons) for m in by_number] == [(c.id, {"caller_number"})]
    by_person_phone = services.find_matching_cases(caller_number="+51987654321")
    assert [m.case.id for m in by_person_phone] == [a.id]
    by_name = services.find_matching_cases(names=["maria jose ñañez perez"], phones=["000"])
    assert [(m.case.id, m.reasons) for m in by_name] == [(a.id, {"name"})]
    assert services.find_matching_cases(names=["Nadie"], phones=[]) == []


def test_a_phone_given_in_the_intake_matches_the_calls_of_a_case_in_one_query(three_cases):
    _a, _b, c = three_cases
    with count_queries() as statements:
        found = services.find_matching_cases(phones=["955111222", "+51 900 000 000"])
    assert [(m.case.id, m.reasons) for m in found] == [(c.id, {"phone"})]
    # One query for the persons' phones, one EXISTS over the case's calls, one for the cases.
    assert len(statements) == 3
    assert sum("EXISTS" in s.upper() for s in statements) == 1


def test_personal_data_still_reads_after_a_key_rotation(app, db, operator):
    from cryptography.fernet import Fernet

    case = make_case(operator, narrative=NARRATIVE)
    person = make_person(case, operator, role="victim", name=NAME, phone=PHONE)
    db.flush()
    old_key = app.config["HOTLINE_DATA_KEY"]
    try:
        app.config["HOTLINE_DATA_KEY"] = Fernet.generate_key().decode() + "," + old_key  # new key first
        db.expire_all()
        assert db.get(Person, person.id).name == NAME and db.get(Case, case.id).narrative == NARRATIVE
        fresh = db.get(Case, case.id)
        services.update_case(fresh, expected_version=fresh.version_id, actor=operator, narrative="nuevo")
        db.flush()
        db.expire_all()
        assert db.get(Case, case.id).narrative == "nuevo"  # written with the new key, read back
        # Exact search still finds the person: the blind indexes do not change with the rotation.
        found = services.find_matching_cases(names=[NAME.upper()], phones=[PHONE])
        assert [m.case.id for m in found] == [case.id]
    finally:
        app.config["HOTLINE_DATA_KEY"] = old_key
        db.expire_all()
