"""Two managers make the same release at the same moment: one release is stored, the other is
told. Real commits (no test transaction), cleaned up after. Both requests are held until each has
read "no release yet", which only PostgreSQL's parallel writers can do (SQLite serialises them;
tests/reports/test_releases.py covers the same race there with the check bypassed)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from sqlalchemy import bindparam, text

from hotline.extensions import db
from hotline.reports.releases import ReleaseError, make_release
from hotline.reports.releases import service as release_service
from hotline.reports.releases.periods import Period
from tests.helpers import delete_audit_rows
from tests.reports.release_helpers import TODAY, add_victims

THREADS = 2
PERIOD = Period("quarter", 2019, 2)


@pytest.fixture
def committed(app) -> Iterator[list[int]]:  # type: ignore[no-untyped-def]
    """Victims committed in 2019-Q2; afterwards their releases, audit rows, persons and cases go."""
    with app.app_context():
        people = add_victims("2019-05-10 15:00", 12, seed=31)
        ids = [p.id for p in people]
        case_ids = [p.case_id for p in people]
        db.session.commit()
        db.session.remove()
    yield ids
    with app.app_context():
        releases = [
            str(r[0])
            for r in db.session.execute(
                text("SELECT id FROM report_releases WHERE period_start = '2019-04-01'")
            )
        ]
        if releases:
            delete_audit_rows("object_type = 'report_release' AND object_id IN :ids", {"ids": releases})
        db.session.execute(text("DELETE FROM report_releases WHERE period_start = '2019-04-01'"))
        db.session.execute(
            text("DELETE FROM report_release_members WHERE person_id IN :ids").bindparams(
                bindparam("ids", expanding=True)
            ),
            {"ids": ids},
        )
        db.session.execute(
            text("DELETE FROM persons WHERE id IN :ids").bindparams(bindparam("ids", expanding=True)),
            {"ids": ids},
        )
        db.session.execute(
            text("DELETE FROM cases WHERE id IN :ids").bindparams(bindparam("ids", expanding=True)),
            {"ids": case_ids},
        )
        db.session.commit()
        db.session.remove()


@pytest.mark.postgresql_only
def test_two_managers_making_the_same_release_make_one(app, committed, monkeypatch):
    barrier = threading.Barrier(THREADS, timeout=20)
    real = release_service._released

    def racing_check():  # type: ignore[no-untyped-def]
        found = real()
        barrier.wait()  # both have seen "no release yet" before either writes
        return found

    monkeypatch.setattr(release_service, "_released", racing_check)
    outcomes: list[str] = []
    lock = threading.Lock()

    def manager() -> None:
        with app.app_context():
            actor = SimpleNamespace(id=None, role="manager", partner_id=None)
            try:
                make_release(PERIOD, actor=actor, k=11, today=TODAY)
                db.session.commit()
                outcome = "made"
            except ReleaseError as exc:
                db.session.rollback()
                outcome = str(exc)
            finally:
                db.session.remove()
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=manager) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(outcomes) == THREADS
    assert outcomes.count("made") == 1
    # Outside a request the message is in the default language, Spanish.
    assert any("Otra persona acaba de hacer esta publicación" in o for o in outcomes), outcomes
    with app.app_context():
        releases = db.session.execute(
            text("SELECT count(*) FROM report_releases WHERE period_start = '2019-04-01'")
        ).scalar()
        members = db.session.execute(
            text("SELECT count(*) FROM report_release_members WHERE person_id IN :ids").bindparams(
                bindparam("ids", expanding=True)
            ),
            {"ids": committed},
        ).scalar()
        audits = db.session.execute(
            text(
                "SELECT count(*) FROM audit_events "
                "WHERE action = 'report.release_make' AND summary LIKE '%2019-Q2%'"
            )
        ).scalar()
        db.session.remove()
    assert (releases, members, audits) == (1, 12, 1)
