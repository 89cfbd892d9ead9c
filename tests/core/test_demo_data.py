"""The synthetic data set (`flask demo-data`): complete, encrypted, reproducible, usable by the app.

The load benchmark that runs on it is tests/test_bench.py.
"""

from __future__ import annotations

from datetime import timedelta

from flask_migrate import upgrade
from sqlalchemy import func, insert, select, text

from config import TestConfig
from hotline import create_app
from hotline.audit.models import AuditEvent
from hotline.calls.models import Call, CallStatus
from hotline.cases.models import Case, CaseCounter, CaseNote, Person
from hotline.database import utcnow
from hotline.extensions import db
from hotline.referrals.models import Referral, ReferralEvent, ReferralStatus


def _app(tmp_path, name):  # type: ignore[no-untyped-def]
    app = create_app(
        type("Bench", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/{name}.db"})
    )
    with app.app_context():
        upgrade()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed"]).exit_code == 0
    return app, runner


def _fingerprint() -> list[tuple]:
    cases = db.session.execute(select(Case.reference, Case.status, Case.risk).order_by(Case.id)).all()
    referrals = db.session.execute(select(Referral.reference, Referral.status).order_by(Referral.id)).all()
    return [*cases, *referrals]


def test_demo_data_builds_every_kind_of_record(tmp_path):
    app, runner = _app(tmp_path, "a")
    result = runner.invoke(args=["demo-data", "--calls", "1200", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "1,200 calls" in result.output and "referrals" in result.output
    with app.app_context():
        count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
        assert count(Call) == 1200
        cases = count(Case)
        assert 200 < cases < 400  # about a quarter of the contacts open a case
        assert count(Person) > cases and count(CaseNote) > cases / 2
        assert count(Referral) > cases  # about two per referred case
        assert count(ReferralEvent) > 2 * count(Referral)
        assert count(AuditEvent) > cases
        statuses = set(db.session.scalars(select(Referral.status).distinct()))
        assert statuses == {s.value for s in ReferralStatus}
        overdue = db.session.scalar(
            select(func.count()).where(Referral.status == "sent", Referral.ack_due_at < utcnow())
        )
        assert overdue > 0
        years = {r.opened_at.year for r in db.session.scalars(select(Case))}
        assert len(years) >= 5  # five years of data
        assert db.session.scalar(select(func.count()).where(Call.status == CallStatus.ENDED.value)) > 0
        # References are unique and the yearly counters are where the next case continues.
        references = db.session.scalars(select(Case.reference)).all()
        assert len(references) == len(set(references))
        for year in years:
            highest = max(int(r.split("-")[2]) for r in references if r.startswith(f"TP-{year}-"))
            assert db.session.get(CaseCounter, year).value == highest
        # Referral references follow their case; events follow their referral in time.
        referral = db.session.scalar(select(Referral).where(Referral.status == "closed").limit(1))
        assert referral.reference.startswith(referral.case.reference + "-R")
        times = [e.occurred_at for e in referral.events]
        assert times == sorted(times) and times[0] >= referral.case.opened_at
        assert referral.closed_at and referral.outcome
        # Personal fields are encrypted at rest and read back through the app's types.
        raw = db.session.execute(
            text(
                "SELECT p.name, c.summary, c.caller_number, r.shared_data "
                "FROM persons p, calls c, referrals r "
                "WHERE c.summary IS NOT NULL AND c.caller_number IS NOT NULL LIMIT 1"
            )
        ).one()
        assert not raw[0].startswith(("María", "José")) and "Synthetic" not in raw[1]
        assert not raw[2].startswith("9") and "case_reference" not in raw[3]
        person = db.session.scalar(select(Person).where(Person.document_number.is_not(None)).limit(1))
        assert person.document_number.isdigit() and person.name and person.name_index
        assert "case_reference" in db.session.scalar(select(Referral)).shared_data
        db.session.remove()
        db.engine.dispose()


def test_demo_data_is_reproducible_from_its_seed(tmp_path):
    prints = []
    for name in ("x", "y"):
        app, runner = _app(tmp_path, name)
        assert runner.invoke(args=["demo-data", "--calls", "300", "--seed", "11"]).exit_code == 0
        with app.app_context():
            prints.append(_fingerprint())
            db.session.remove()
            db.engine.dispose()
    assert prints[0] == prints[1] and len(prints[0]) > 50


def test_the_app_works_on_the_loaded_rows(db, client, login):
    """Rows loaded in bulk are read by the app's own services and the next insert gets a new id."""
    from hotline import demo_data

    report = demo_data.generate(200, seed=3, days=400, batch=70, staff=(2, 1), analyze=False)
    assert report.calls == 200 and report.referrals > 0
    login("coordinator")
    case = db.scalar(select(Case).where(Case.id.in_(select(Referral.case_id))).order_by(Case.id.desc()))
    page = client.get(f"/cases/{case.id}")
    assert page.status_code == 200 and case.reference in page.get_data(as_text=True)
    assert case.opened_at > utcnow() - timedelta(days=401)


def test_bulk_loaded_ids_leave_the_sequences_ahead(db):
    """Rows inserted with explicit ids (the demo and bench loaders) never make the next insert collide."""
    from hotline.audit import services as audit
    from hotline.database import advance_sequences

    explicit = (db.scalar(select(func.max(AuditEvent.id))) or 0) + 500
    db.execute(insert(AuditEvent.__table__).values(id=explicit, action="test.bulk", summary=""))
    moved = advance_sequences(db)
    if db.get_bind().dialect.name == "postgresql":
        assert "audit_events" in moved and "cases" in moved and "calls" in moved
    event = audit.record("test.after_bulk")
    db.flush()
    assert event.id > explicit
