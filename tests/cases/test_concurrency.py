"""Real concurrency on PostgreSQL: separate connections that commit (rows are cleaned up afterwards).

These tests do not use the rolled-back `db` fixture: each thread has its own app context, session and
connection, exactly as two requests or two workers would.
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
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("needs PostgreSQL (TEST_DATABASE_URL)")
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


def test_a_lost_update_is_caught_by_the_version_column(postgres, cleanup, monkeypatch):
    """Both editors passed the version check; the second UPDATE finds the row changed and fails."""
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

    loaded = threading.Barrier(2)
    first_saved = threading.Event()
    outcome: dict[str, object] = {}

    def editor(n: int) -> None:
        if n > 1:
            return
        current = services.get_case(case_id)
        assert current is not None and current.version_id == version
        loaded.wait()
        if n == 0:
            services.update_case(current, expected_version=version, actor=None, victim_count=1)
            db.session.commit()
            first_saved.set()
        else:
            first_saved.wait(10)
            try:
                services.update_case(current, expected_version=version, actor=None, victim_count=2)
                db.session.commit()
                outcome["second"] = "saved"
            except services.VersionConflict as exc:
                db.session.rollback()
                outcome["second"] = exc

    assert _run(postgres, editor) == []
    assert isinstance(outcome["second"], services.VersionConflict)
    with postgres.app_context():
        saved = db.session.get(Case, case_id)
        assert (saved.victim_count, saved.version_id) == (1, version + 1)
        db.session.remove()
