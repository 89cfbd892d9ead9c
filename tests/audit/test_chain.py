"""The audit trail's seal: rows are sealed once, in a chain; editing, deleting or inserting round the
application is reported by `flask audit verify`, naming the first row that no longer matches."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from hotline.audit import chain
from hotline.audit import services as audit
from hotline.audit.cli import audit_cli
from hotline.audit.models import AuditEvent


def _seal_all(db) -> None:
    while chain.seal_pending(db, limit=1000) == 1000:
        pass


def _bypass_triggers(db) -> None:
    """What someone with direct write access to the database could do (rolled back with the test)."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
    else:
        db.execute(text("DROP TRIGGER audit_events_no_update"))
        db.execute(text("DROP TRIGGER audit_events_no_delete"))


def _rows(db, n: int) -> list[AuditEvent]:
    events = [
        audit.record("test.chain", object_type="case", object_id=i, summary=f"row {i}") for i in range(n)
    ]
    _seal_all(db)
    return events


def test_rows_are_sealed_once_in_a_chain_that_verifies(db):
    events = _rows(db, 5)
    seqs = [e.chain_seq for e in events]
    assert seqs == sorted(seqs) and len(set(seqs)) == 5 and all(e.chain_hash for e in events)
    report = chain.verify(db)
    assert report.ok and report.sealed >= 5 and report.unsealed == 0
    assert chain.seal_pending(db) == 0  # nothing left to seal


def test_the_trigger_refuses_edits_and_a_second_seal(db):
    event = _rows(db, 1)[0]
    with pytest.raises(DatabaseError, match="append-only"), db.begin_nested():
        db.execute(text("UPDATE audit_events SET summary = 'x' WHERE id = :id"), {"id": event.id})
    with pytest.raises(DatabaseError, match="append-only"), db.begin_nested():
        db.execute(
            text("UPDATE audit_events SET chain_hash = :h WHERE id = :id"),
            {"h": "0" * 64, "id": event.id},
        )
    with pytest.raises(DatabaseError, match="append-only"), db.begin_nested():
        db.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": event.id})


@pytest.mark.parametrize("tamper", ["edit", "delete", "insert_sealed"])
def test_tampering_round_the_application_is_reported_at_the_first_changed_row(db, app, tamper):
    events = _rows(db, 6)
    target = events[2]
    target_id, target_seq, last_seq = target.id, target.chain_seq, events[-1].chain_seq
    _bypass_triggers(db)
    if tamper == "edit":
        db.execute(
            text("UPDATE audit_events SET summary = 'nothing happened' WHERE id = :id"), {"id": target.id}
        )
    elif tamper == "delete":
        db.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": target.id})
    else:  # a forged row that copies the previous row's seal
        top = db.scalar(select(func.max(AuditEvent.id)))
        db.execute(
            text(
                "INSERT INTO audit_events (id, occurred_at, action, outcome, summary, chain_seq, chain_hash) "
                "VALUES (:id, :at, 'case.view', 'success', '', :seq, :hash)"
            ),
            {
                "id": top + 1,
                "at": target.occurred_at,
                "seq": last_seq + 1,
                "hash": target.chain_hash,
            },
        )
    db.expire_all()
    report = chain.verify(db)
    assert not report.ok
    if tamper == "edit":
        assert report.broken_at == target_id and "differs" in report.reason
    elif tamper == "delete":
        assert report.broken_seq == target_seq and "missing" in report.reason
    else:
        assert report.broken_at == top + 1

    result = app.test_cli_runner().invoke(audit_cli, ["verify"])
    assert result.exit_code == 1


def test_verify_and_seal_commands(app, db):
    _rows(db, 2)
    audit.record("test.unsealed")
    runner = app.test_cli_runner()
    result = runner.invoke(audit_cli, ["verify"])
    assert result.exit_code == 0, result.output
    assert "intact" in result.output and "1 not sealed" in result.output
    result = runner.invoke(audit_cli, ["seal"])
    assert result.exit_code == 0 and "sealed 1 audit rows" in result.output


def test_a_different_key_does_not_verify(db, app):
    _rows(db, 2)
    original = app.config.get("HOTLINE_AUDIT_KEY")
    app.config["HOTLINE_AUDIT_KEY"] = "someone-elses-key"
    try:
        assert not chain.verify(db).ok
    finally:
        app.config["HOTLINE_AUDIT_KEY"] = original
