"""The synthetic data generator and the benchmark harness keep working (`make bench`)."""

from __future__ import annotations

import re

from flask_migrate import upgrade
from sqlalchemy import func, insert, select, text

from config import TestConfig
from hotline import create_app
from hotline.calls.models import Call
from hotline.cases.models import Case, CaseCounter
from hotline.extensions import db


def test_demo_data_and_bench_on_a_fresh_database(tmp_path):
    app = create_app(type("Bench", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/b.db"}))
    with app.app_context():
        upgrade()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed"]).exit_code == 0
    result = runner.invoke(args=["demo-data", "--calls", "600", "--seed", "7"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        calls = db.session.scalar(select(func.count()).select_from(Call))
        references = db.session.scalars(select(Case.reference)).all()
        assert calls == 600
        assert len(references) == len(set(references)) > 30
        years = {int(r.split("-")[1]) for r in references}
        for year in years:
            highest = max(int(r.split("-")[2]) for r in references if r.startswith(f"TP-{year}-"))
            assert db.session.get(CaseCounter, year).value == highest
        raw = db.session.execute(
            text("SELECT summary, caller_number FROM calls WHERE summary IS NOT NULL")
        ).first()
        assert "Synthetic" not in raw[0] and not raw[1].startswith("9")
        db.session.remove()

    result = runner.invoke(args=["bench", "--runs", "2"])
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if re.search(r"\s(200|3\d\d|4\d\d|5\d\d)\s", line)]
    assert len(rows) >= 10
    assert all(" 200 " in row for row in rows), result.output
    with app.app_context():
        db.engine.dispose()


def test_bulk_loaded_ids_leave_the_sequences_ahead(db):
    """Rows inserted with explicit ids (the demo and bench loaders) never make the next insert collide."""
    from hotline.audit import services as audit
    from hotline.audit.models import AuditEvent
    from hotline.database import advance_sequences

    explicit = (db.scalar(select(func.max(AuditEvent.id))) or 0) + 500
    db.execute(insert(AuditEvent.__table__).values(id=explicit, action="test.bulk", summary=""))
    moved = advance_sequences(db)
    if db.get_bind().dialect.name == "postgresql":
        assert "audit_events" in moved and "cases" in moved and "calls" in moved
    event = audit.record("test.after_bulk")
    db.flush()
    assert event.id > explicit
