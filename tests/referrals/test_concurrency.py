"""Security test plan items 39-40 under real concurrency: the same referral form submitted twice at
once makes one referral; two escalation runs at once escalate once. Real commits (no test
transaction); everything made is deleted afterwards. Both engines: PostgreSQL runs the threads in
parallel, SQLite serialises them."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import bindparam, select, text

from hotline.database import utcnow
from hotline.extensions import db
from hotline.referrals import services
from hotline.referrals.models import Referral, ReferralEvent
from tests.helpers import delete_audit_rows

THREADS = 4
CLEANUP = (
    "DELETE FROM referral_events WHERE referral_id IN (SELECT id FROM referrals WHERE case_id = :c)",
    "DELETE FROM referral_case_numbers WHERE referral_id IN (SELECT id FROM referrals WHERE case_id = :c)",
    "DELETE FROM referrals WHERE case_id = :c",
    "DELETE FROM persons WHERE case_id = :c",
    "DELETE FROM case_notes WHERE case_id = :c",
    "DELETE FROM case_history WHERE case_id = :c",
    "DELETE FROM case_exploitation_forms WHERE case_id = :c",
)


@pytest.fixture
def routing_rules() -> None:
    """Overrides the folder's autouse fixture: these tests use no test transaction."""


@pytest.fixture
def world(app) -> Iterator[dict[str, Any]]:  # type: ignore[no-untyped-def]
    from hotline.auth.models import User
    from hotline.auth.passwords import hash_password
    from hotline.partners.services import get_partner_by_code
    from tests.referrals.helpers import full_case

    with app.app_context():
        user = User(
            email="concurrency@hotline.test",
            name="C",
            role="coordinator",
            password_hash=hash_password("x" * 16),
        )
        db.session.add(user)
        db.session.flush()
        case = full_case(user, risk="urgent")
        ids = {"user": user.id, "case": case.id, "partner": get_partner_by_code("MP-FISTRAP").id}
        db.session.commit()
        db.session.remove()
    yield ids
    with app.app_context():
        referral_ids = [
            str(i) for i in db.session.scalars(select(Referral.id).where(Referral.case_id == ids["case"]))
        ]
        db.session.execute(
            text(
                "DELETE FROM outbox_messages WHERE object_type = 'referral' AND object_id IN :ids"
            ).bindparams(bindparam("ids", expanding=True)),
            {"ids": referral_ids},
        )
        delete_audit_rows(
            "actor_id IN :u OR object_id IN :ids", {"u": [str(ids["user"])], "ids": referral_ids}
        )
        # PostgreSQL's replica mode (used to delete audit rows) skips ON DELETE CASCADE: children first.
        for statement in CLEANUP:
            db.session.execute(text(statement), {"c": ids["case"]})
        db.session.execute(text("DELETE FROM cases WHERE id = :c"), {"c": ids["case"]})
        db.session.execute(text("DELETE FROM users WHERE id = :u"), {"u": ids["user"]})
        db.session.commit()
        db.session.remove()


def _in_parallel(app, work) -> list[Any]:  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(THREADS)
    results: list[Any] = []
    lock = threading.Lock()

    def worker() -> None:
        with app.app_context():
            try:
                barrier.wait()
                outcome = work()
                db.session.commit()
            except Exception as exc:  # noqa: BLE001  (collected and asserted on)
                db.session.rollback()
                outcome = exc
            finally:
                db.session.remove()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_the_same_form_sent_at_once_makes_one_referral(app, world):
    from hotline.auth.models import User
    from hotline.cases import services as cases

    def submit():  # type: ignore[no-untyped-def]
        result = services.create_referrals(
            cases.get_case(world["case"]),
            partners=[services.PartnerChoice(world["partner"], "law_enforcement")],
            summary="Parallel submit.",
            actor=db.session.get(User, world["user"]),
            form_token="same-form-token",
        )
        return result.created, [r.id for r in result.referrals]

    results = _in_parallel(app, submit)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(created for created, _ in results) == [False] * (THREADS - 1) + [True]
    assert len({tuple(ids) for _, ids in results}) == 1
    with app.app_context():
        assert len(db.session.scalars(select(Referral).where(Referral.case_id == world["case"])).all()) == 1
        db.session.remove()


def test_two_escalation_runs_at_once_escalate_once(app, world):
    from hotline.auth.models import User
    from hotline.cases import services as cases

    with app.app_context():
        (referral,) = services.create_referrals(
            cases.get_case(world["case"]),
            partners=[services.PartnerChoice(world["partner"], "law_enforcement")],
            summary="Escalate me.",
            actor=db.session.get(User, world["user"]),
            now=utcnow() - timedelta(hours=3),
        ).referrals
        referral_id = referral.id
        db.session.commit()
        db.session.remove()

    results = _in_parallel(app, services.escalate_overdue)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(len(r) for r in results) == [0] * (THREADS - 1) + [1]
    with app.app_context():
        events = db.session.scalars(
            select(ReferralEvent).where(
                ReferralEvent.referral_id == referral_id, ReferralEvent.action == "escalated"
            )
        ).all()
        assert len(events) == 1
        db.session.remove()
