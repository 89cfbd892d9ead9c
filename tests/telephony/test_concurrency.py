"""Security test plan items 4 and 5: parallel duplicates of one CallSid/MessageSid store one row and
get the same answer. Real commits (no test transaction); cleaned up after. They run on both engines;
the one that forces every request past the lookup before any insert needs PostgreSQL (SQLite
serialises writers, so that race cannot happen there) and is marked `postgresql_only`."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import bindparam, event, text
from sqlalchemy.exc import IntegrityError

from hotline.calls import services as calls_services
from hotline.extensions import db
from tests.helpers import delete_audit_rows
from tests.telephony.conftest import PUBLIC, sign, sms_form, voice_form

THREADS = 6


@pytest.fixture
def committed(app) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    """Collects the SIDs a test commits and deletes their rows (and audit rows) afterwards."""
    sids: list[str] = []
    yield sids
    with app.app_context():
        ids = [
            r[0]
            for r in db.session.execute(
                text(
                    "SELECT id FROM calls WHERE twilio_sid IN :sids OR id IN "
                    "(SELECT call_id FROM messages WHERE sid IN :sids)"
                ).bindparams(bindparam("sids", expanding=True)),
                {"sids": sids},
            )
        ]
        delete_audit_rows("object_type = 'call' AND object_id IN :ids", {"ids": [str(i) for i in ids]})
        in_ids = bindparam("ids", expanding=True)
        db.session.execute(
            text("DELETE FROM messages WHERE call_id IN :ids").bindparams(in_ids), {"ids": ids}
        )
        db.session.execute(text("DELETE FROM calls WHERE id IN :ids").bindparams(in_ids), {"ids": ids})
        db.session.commit()
        db.session.remove()


def _post_in_parallel(app, path: str, form: dict[str, str]) -> list[tuple[int, bytes]]:  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(THREADS)
    results: list[tuple[int, bytes]] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post(
            path,
            data=form,
            headers={
                "X-Twilio-Signature": sign(PUBLIC + path, form),
                "I-Twilio-Idempotency-Token": f"token-{n}",
            },
        )
        with lock:
            results.append((response.status_code, response.get_data()))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


@pytest.mark.postgresql_only
def test_parallel_duplicate_call_sid_is_one_call(app, committed, monkeypatch):
    form = voice_form()
    committed.append(form["CallSid"])
    # Let every request pass the "not stored yet" check before any inserts, so the race is certain.
    barrier = threading.Barrier(THREADS, timeout=10)
    real = calls_services.get_call_by_sid
    seen: set[int] = set()

    def racing_lookup(sid: str):  # type: ignore[no-untyped-def]
        found = real(sid)
        if threading.get_ident() not in seen:
            seen.add(threading.get_ident())
            barrier.wait()
        return found

    monkeypatch.setattr(calls_services, "get_call_by_sid", racing_lookup)
    conflicts: list[int] = []
    with app.app_context():
        engine = db.engine

    def on_error(context):  # type: ignore[no-untyped-def]
        if isinstance(context.sqlalchemy_exception, IntegrityError):
            conflicts.append(1)

    event.listen(engine, "handle_error", on_error)
    try:
        results = _post_in_parallel(app, "/twilio/voice", form)
    finally:
        event.remove(engine, "handle_error", on_error)
    assert [status for status, _ in results] == [200] * THREADS
    assert len({body for _, body in results}) == 1
    assert len(conflicts) == THREADS - 1  # the unique constraint decided, and it was handled
    with app.app_context():
        count = db.session.execute(
            text("SELECT count(*) FROM calls WHERE twilio_sid = :s"), {"s": form["CallSid"]}
        ).scalar()
        audits = db.session.execute(
            text(
                "SELECT count(*) FROM audit_events WHERE action = 'call.create' AND object_id = "
                "(SELECT CAST(id AS VARCHAR) FROM calls WHERE twilio_sid = :s)"
            ),
            {"s": form["CallSid"]},
        ).scalar()
        db.session.remove()
    assert count == 1 and audits == 1


def test_parallel_duplicate_message_sid_is_one_message(app, committed):
    form = sms_form(From="+51966777888")
    committed.append(form["MessageSid"])
    results = _post_in_parallel(app, "/twilio/sms", form)
    assert [status for status, _ in results] == [200] * THREADS
    assert len({body for _, body in results}) == 1
    with app.app_context():
        messages = db.session.execute(
            text("SELECT count(*) FROM messages WHERE sid = :s"), {"s": form["MessageSid"]}
        ).scalar()
        calls = db.session.execute(
            text("SELECT count(*) FROM calls WHERE twilio_sid = :s"), {"s": form["MessageSid"]}
        ).scalar()
        db.session.remove()
    assert messages == 1 and calls == 1


def test_parallel_messages_from_one_number_share_one_conversation(app, committed):
    number = "+51955111222"
    forms = [sms_form(From=number, Body=f"mensaje {n}") for n in range(THREADS)]
    committed.extend(f["MessageSid"] for f in forms)
    barrier = threading.Barrier(THREADS)
    statuses: list[int] = []

    def worker(form: dict[str, str]) -> None:
        client = app.test_client()
        barrier.wait()
        statuses.append(
            client.post(
                "/twilio/sms", data=form, headers={"X-Twilio-Signature": sign(PUBLIC + "/twilio/sms", form)}
            ).status_code
        )

    threads = [threading.Thread(target=worker, args=(f,)) for f in forms]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert statuses == [200] * THREADS
    with app.app_context():
        call_ids = db.session.execute(
            text("SELECT DISTINCT call_id FROM messages WHERE sid IN :s").bindparams(
                bindparam("s", expanding=True)
            ),
            {"s": [f["MessageSid"] for f in forms]},
        ).all()
        db.session.remove()
    assert len(call_ids) == 1


def test_serial_retry_with_real_commits_gets_the_same_twiml(app, committed):
    form = voice_form()
    committed.append(form["CallSid"])
    client = app.test_client()
    headers = {"X-Twilio-Signature": sign(PUBLIC + "/twilio/voice", form)}
    first = client.post("/twilio/voice", data=form, headers=headers)
    second = client.post("/twilio/voice", data=form, headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.get_data() == second.get_data()
