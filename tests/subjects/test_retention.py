"""`flask retention run`: cases closed longer than the retention period lose their personal data."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from hotline.audit.models import AuditEvent
from hotline.calls.models import Call
from hotline.cases import services as cases
from hotline.cases.models import Case, CaseNote, Person
from hotline.referrals import services as referrals
from hotline.referrals.models import Referral
from hotline.subjects import services
from hotline.subjects.models import SubjectRequest
from tests.cases.helpers import make_case, make_person
from tests.factories import CallFactory
from tests.subjects.helpers import VICTIM_TRACES, build_world, no_trace, raw

NOW = "2026-12-01 12:00:00"


def _closed_case(actor, opened: str, closed: str, name: str) -> Case:  # type: ignore[no-untyped-def]
    with freeze_time(opened):
        case = make_case(actor, narrative=f"{name} fue explotada en una mina.", location="Mina La Joya")
        make_person(case, actor, role="victim", name=name, age=30, gender="feminine", nationalities=["VE"])
        CallFactory(caller_number="+51 911 222 333", summary=f"Llama {name}.", case_id=case.id)
        cases.add_note(case, body=f"Nota sobre {name}.", actor=actor)
    with freeze_time(closed):
        cases.set_case_status(case, "closed", actor, reason="no_contact")
    return case


@pytest.fixture
def history(db, coordinator):  # type: ignore[no-untyped-def]
    """Cases closed 12.5 years, 10 years and a bit, and 7 years ago; one still open since 2010."""
    with freeze_time("2014-03-01"):
        world = build_world(coordinator)
    with freeze_time("2014-06-01"):
        for referral in referrals.open_referrals(world.case):
            referrals.revoke(
                referral,
                reason="Cierre por falta de contacto",
                actor=coordinator,
                expected_version=referral.version_id,
            )
        cases.set_case_status(world.case, "closed", coordinator, reason="no_contact")
    old = world.case
    ten = _closed_case(coordinator, "2016-01-10", "2016-11-15", "Yolanda Huamán")
    recent = _closed_case(coordinator, "2019-05-01", "2020-01-01", "Zoila Apaza")
    with freeze_time("2010-01-01"):
        still_open = make_case(coordinator, narrative="Caso abierto: Ximena Ccori.")
        make_person(still_open, coordinator, role="victim", name="Ximena Ccori")
    db.commit()  # the command works in its own transactions
    return {"old": old, "ten": ten, "recent": recent, "open": still_open, "world": world}


def _run(app, *args: str):  # type: ignore[no-untyped-def]
    with freeze_time(NOW):
        result = app.test_cli_runner().invoke(args=["retention", "run", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _snapshot(db):  # type: ignore[no-untyped-def]
    """Every row the command could change, as stored (raw) and decrypted."""
    db.expire_all()
    persons = [
        (p.id, p.name, p.alias, p.phone, p.document_number, p.address, p.age, p.name_index)
        for p in db.scalars(select(Person))
    ]
    the_cases = [(c.id, c.narrative, c.location, c.version_id) for c in db.scalars(select(Case))]
    notes = [(n.id, n.body) for n in db.scalars(select(CaseNote))]
    calls = [(c.id, c.caller_number, c.summary) for c in db.scalars(select(Call))]
    shared = [(r.id, r.shared_data) for r in db.scalars(select(Referral))]
    counts = [db.scalar(select(func.count()).select_from(m)) for m in (AuditEvent, SubjectRequest)]
    return persons, the_cases, notes, calls, shared, counts


def test_dry_run_changes_nothing_and_reports(app, db, history):
    before = _snapshot(db)
    output = _run(app, "--dry-run", "--years", "10")
    assert _snapshot(db) == before
    assert "(dry run): 2 cases closed before 2016-12-01 (10 years)" in output
    assert history["old"].reference in output and history["ten"].reference in output
    assert history["recent"].reference not in output and history["open"].reference not in output
    assert "would change" in output and "persons 3" in output and "caller numbers 2" in output
    assert "retention: 2 cases; would change:" in output
    assert no_trace([output], [*VICTIM_TRACES, "Yolanda"]) == []


def test_run_anonymises_only_cases_closed_longer_and_is_idempotent(app, db, history):
    output = _run(app, "--years", "10")
    assert "retention: 2 cases; changed:" in output
    db.expire_all()
    old, ten = db.get(Case, history["old"].id), db.get(Case, history["ten"].id)
    for case in (old, ten):
        assert case.narrative is None and case.location is None
        assert {p.name for p in case.persons} == {cases.PLACEHOLDER}
        assert all(p.phone is None and p.name_index is None for p in case.persons)
        assert {n.body for n in case.notes} == {cases.PLACEHOLDER}
        calls = db.scalars(select(Call).where(Call.case_id == case.id)).all()
        assert all(c.caller_number is None and c.summary is None for c in calls)
    shared = referrals.read_snapshot(db.get(Referral, history["world"].referral.id).shared_data)
    assert no_trace([str(shared)], VICTIM_TRACES) == []
    assert shared["victims"][0]["age_range"] == "9-17"  # the statistics stay
    # Untouched: closed too recently, or not closed.
    recent, still_open = db.get(Case, history["recent"].id), db.get(Case, history["open"].id)
    assert recent.persons[0].name == "Zoila Apaza" and "Zoila" in recent.narrative
    assert still_open.persons[0].name == "Ximena Ccori"
    # Statistics kept: the persons' sex, age range and nationality, the case's facts and dates.
    victim = next(p for p in ten.persons if p.role == "victim")
    assert (victim.gender, victim.age_range, victim.nationalities) == ("feminine", "30-38", ["VE"])
    assert ten.closed_at == datetime(2016, 11, 15, tzinfo=UTC) and ten.status == "closed"
    # Audited, one request in the register per case.
    kinds = db.scalars(select(SubjectRequest.case_id).where(SubjectRequest.kind == "retention")).all()
    assert sorted(kinds) == sorted([old.id, ten.id])
    actions = set(db.scalars(select(AuditEvent.action)))
    assert {
        "retention.case",
        "retention.run",
        "case.anonymise",
        "call.anonymise",
        "referral.redact",
    } <= actions
    summaries = db.scalars(select(AuditEvent.summary)).all()
    assert no_trace(summaries, [*VICTIM_TRACES, "Yolanda", "Huamán"]) == []
    # A second run changes nothing.
    before = _snapshot(db)
    again = _run(app, "--years", "10")
    assert "0 cases" in again and _snapshot(db) == before


def test_years_option_and_config(app, db, history):
    output = _run(app, "--dry-run", "--years", "11")
    assert history["old"].reference in output and history["ten"].reference not in output
    assert app.config["RETENTION_YEARS"] == 10
    default = _run(app, "--dry-run")
    assert "(10 years)" in default


def test_a_reopened_and_closed_again_case_waits_again(db, coordinator):
    with freeze_time("2012-01-01"):
        case = make_case(coordinator)
        make_person(case, coordinator, name="Bernardina Soto")
        cases.set_case_status(case, "closed", coordinator, reason="no_contact")
    with freeze_time("2013-06-01"):
        assert services.apply_retention(case.id, years=1).changes["persons"] == 1
    with freeze_time("2014-01-01"):
        cases.reopen_case(case, expected_version=case.version_id, reason="Nueva llamada", actor=coordinator)
        make_person(case, coordinator, name="Casimira Soto")
        cases.set_case_status(case, "closed", coordinator, reason="no_contact")
    with freeze_time("2014-06-01"):
        assert case.id not in {i for i, _ in services.list_due_cases(years=1)}
    with freeze_time("2015-06-01"):
        assert case.id in {i for i, _ in services.list_due_cases(years=1)}
        outcome = services.apply_retention(case.id, years=1)
    assert outcome.changes["persons"] == 1
    assert {p.name for p in case.persons} == {cases.PLACEHOLDER}


def test_retention_cutoff_on_a_leap_day():
    assert services.retention_cutoff(1, now=datetime(2028, 2, 29, tzinfo=UTC)) == datetime(
        2027, 2, 28, tzinfo=UTC
    )


def test_raw_columns_after_retention(db, coordinator):
    case = _closed_case(coordinator, "2001-01-01", "2002-01-01", "Dionisia Layme")
    services.apply_retention(case.id, years=10)
    db.flush()
    rows = raw("SELECT narrative, location FROM cases WHERE id = :id", id=case.id)
    assert rows == [(None, None)]
    rows = raw(
        "SELECT caller_number, caller_number_index, summary FROM calls WHERE case_id = :id", id=case.id
    )
    assert rows == [(None, None, None)]
