"""Real concurrency: separate connections that commit (rows are cleaned up afterwards).

These tests do not use the rolled-back `db` fixture: each thread has its own app context, session and
connection, exactly as two requests or two workers would. They run on both engines: PostgreSQL runs
the threads truly in parallel; SQLite serialises their transactions (BEGIN IMMEDIATE).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import delete, select

from hotline.cases import services
from hotline.cases.models import Case, CaseCounter
from hotline.cases.services import workflow
from hotline.extensions import db

YEAR = 2199  # far from any real year, so the counter row is ours alone
THREADS = 8
PER_THREAD = 10


@pytest.fixture
def postgres(app):  # type: ignore[no-untyped-def]
    """The app, for threads that commit (the name is historical: both engines run these tests)."""
    return app


def _run(app, target: Callable[[int], None]) -> list[BaseException]:  # type: ignore[no-untyped-def]
    errors: list[BaseException] = []

    def wrapped(n: int) -> None:
        try:
            with app.app_context():
                try:
                    target(n)
                finally:
                    db.session.remove()
        except BaseException as exc:  # noqa: BLE001  (reported by the test)
            errors.append(exc)

    threads = [threading.Thread(target=wrapped, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


@pytest.fixture
def cleanup(postgres) -> Iterator[None]:  # type: ignore[no-untyped-def]
    def purge() -> None:
        with postgres.app_context():
            db.session.execute(delete(Case).where(Case.reference.like(f"TP-{YEAR}-%")))
            db.session.execute(delete(CaseCounter).where(CaseCounter.year == YEAR))
            db.session.commit()
            db.session.remove()

    purge()
    yield
    purge()


def test_reference_numbers_are_unique_under_concurrent_creation(postgres, cleanup):
    start = threading.Barrier(THREADS)

    def create(n: int) -> None:
        start.wait()
        for _ in range(PER_THREAD):
            reference = services.next_reference(YEAR)  # first use of the year: concurrent INSERTs
            db.session.add(
                Case(reference=reference, status="new", risk="normal", indicators=[], victim_nationalities=[])
            )
            db.session.commit()

    errors = _run(postgres, create)
    assert errors == []
    with postgres.app_context():
        references = db.session.scalars(
            select(Case.reference).where(Case.reference.like(f"TP-{YEAR}-%"))
        ).all()
        counter = db.session.get(CaseCounter, YEAR)
        assert counter is not None and counter.value == THREADS * PER_THREAD
        db.session.remove()
    assert len(references) == len(set(references)) == THREADS * PER_THREAD
    assert sorted(references) == [f"TP-{YEAR}-{n:06d}" for n in range(1, THREADS * PER_THREAD + 1)]


def test_two_editors_saving_the_same_version_at_once(postgres, cleanup, monkeypatch):
    """Both submit an edit made on the same version at the same moment: one saves, one conflicts.

    On PostgreSQL both may pass the version check and the version column catches the second UPDATE;
    on SQLite the second transaction waits and then fails the check. Either way nothing is lost.
    """
    monkeypatch.setattr(
        workflow.audit, "record", lambda *args, **kwargs: None
    )  # audit rows cannot be deleted
    with postgres.app_context():
        case = Case(
            reference=f"TP-{YEAR}-000001", status="new", risk="normal", indicators=[], victim_nationalities=[]
        )
        db.session.add(case)
        db.session.commit()
        case_id, version = case.id, case.version_id
        db.session.remove()

    start = threading.Barrier(2)
    outcomes: dict[int, object] = {}

    def editor(n: int) -> None:
        if n > 1:
            return
        start.wait()
        try:
            current = services.get_case(case_id)
            services.update_case(current, expected_version=version, actor=None, victim_count=n + 1)
            db.session.commit()
            outcomes[n] = "saved"
        except services.VersionConflict as exc:
            db.session.rollback()
            outcomes[n] = exc

    assert _run(postgres, editor) == []
    saved = [n for n, outcome in outcomes.items() if outcome == "saved"]
    conflicts = [o for o in outcomes.values() if isinstance(o, services.VersionConflict)]
    assert len(saved) == 1 and len(conflicts) == 1
    with postgres.app_context():
        row = db.session.get(Case, case_id)
        assert (row.victim_count, row.version_id) == (saved[0] + 1, version + 1)
        db.session.remove()
