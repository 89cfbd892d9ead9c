"""The worker: every job each round, each guarded on its own, failures logged without personal data."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

import hotline.referrals.services as referrals_services
from hotline import worker
from hotline.notifications import services as outbox
from hotline.notifications.models import OutboxChannel, OutboxMessage, OutboxStatus
from hotline.notifications.senders import DeliveryOutcome, SendResult

VICTIM = "Rosa Mamani Quispe"
NUMBER = "+51987654321"


class FakeSms:
    enabled = True

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, recipient: str, subject: str, body: str) -> SendResult:
        self.sent.append((recipient, body))
        return SendResult(DeliveryOutcome.SENT, provider_id="SM" + "3" * 32)


@pytest.fixture
def sms(app, monkeypatch) -> FakeSms:  # type: ignore[no-untyped-def]
    fake = FakeSms()
    monkeypatch.setitem(app.extensions[outbox.SENDERS_KEY], OutboxChannel.SMS.value, lambda app: fake)
    return fake


def _queue(key: str) -> OutboxMessage:
    message = outbox.enqueue(
        channel=OutboxChannel.SMS,
        recipient=NUMBER,
        body="Ref TP-2026-000001 /r/1",
        dedupe_key=key,
        object_type="referral",
        object_id=1,
    )
    assert message is not None
    return message


def _failing_escalation(**kwargs: object) -> list[int]:
    """Half an escalation, then a crash whose message quotes personal data."""
    _queue("half-done-escalation")
    raise RuntimeError(f"escalation broke on {VICTIM} {NUMBER}")


def test_a_failing_escalation_does_not_stop_delivery(app, db, sms, monkeypatch, caplog):
    monkeypatch.setattr(referrals_services, "escalate_overdue", _failing_escalation)
    message = _queue("due")
    db.commit()
    caplog.set_level(logging.INFO)
    result = app.test_cli_runner().invoke(args=["worker", "--once", "--interval", "0"])

    assert result.exit_code == 1, result.output  # a bounded run says a job failed
    assert sms.sent == [(NUMBER, "Ref TP-2026-000001 /r/1")]  # delivered in the same round
    db.refresh(message)
    assert message.status == OutboxStatus.SENT
    # The failed job's transaction was rolled back: its half-written message is gone.
    keys = db.scalars(select(OutboxMessage.dedupe_key)).all()
    assert keys == ["due"]
    assert "job=referrals.escalate error=RuntimeError" in caplog.text
    assert "worker: referrals.escalate failed (RuntimeError)" in result.output
    for secret in (VICTIM, NUMBER, NUMBER[-9:], "escalation broke"):
        assert secret not in caplog.text
        assert secret not in result.output


def test_a_failed_job_is_retried_next_round(app, db, sms, monkeypatch):
    attempts: list[int] = []

    def flaky(**kwargs: object) -> list[int]:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError(VICTIM)
        return [7]

    monkeypatch.setattr(referrals_services, "escalate_overdue", flaky)
    result = app.test_cli_runner().invoke(args=["worker", "--max-rounds", "2", "--interval", "0"])
    assert result.exit_code == 0, result.output  # the last round went well
    assert attempts == [1, 1]
    assert "referrals.escalate failed (RuntimeError)" in result.output
    assert "referrals: 1 escalated" in result.output
    assert result.output.count("outbox: sent") == 2


def test_a_failing_delivery_keeps_what_the_escalation_committed(app, db, monkeypatch, caplog):
    def escalate(**kwargs: object) -> list[int]:
        _queue("escalated")
        return [1]

    def broken(*args: object, **kwargs: object) -> None:
        raise ConnectionError("database went away")

    monkeypatch.setattr(referrals_services, "escalate_overdue", escalate)
    monkeypatch.setattr(outbox, "deliver_pending", broken)
    report = worker.run_round(app, worker.jobs())
    assert report.failed == ["outbox.deliver"]
    assert report.lines[0] == "referrals: 1 escalated"
    assert db.scalars(select(OutboxMessage.dedupe_key)).all() == ["escalated"]
    assert "job=outbox.deliver error=ConnectionError" in caplog.text
    assert "database went away" not in caplog.text


def test_rounds_are_bounded_and_spaced_by_the_interval(app, db):
    ran: list[str] = []
    jobs = [worker.Job("a", lambda app: ran.append("a") or "a ran"), worker.Job("b", lambda app: None)]
    sleeps: list[float] = []
    lines: list[str] = []
    worker.run(app, jobs, max_rounds=3, interval=2.5, echo=lines.append, sleep=sleeps.append)
    assert ran == ["a", "a", "a"]
    assert lines == ["a ran"] * 3  # a job with nothing to say prints nothing
    assert sleeps == [2.5, 2.5]  # between rounds, not after the last


def test_outbox_send_without_loop_only_delivers(app, db, sms, monkeypatch):
    called: list[int] = []
    monkeypatch.setattr(referrals_services, "escalate_overdue", lambda **kw: called.append(1) or [])
    _queue("once")
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output and called == []


def test_each_round_seals_the_audit_trail(app, db):
    from hotline.audit import chain
    from hotline.audit import services as audit
    from hotline.worker import jobs, run_round

    event = audit.record("test.worker_seal")
    db.flush()
    assert event.chain_seq is None
    run_round(app, [j for j in jobs() if j.name == "audit.seal"])
    db.expire_all()
    assert event.chain_seq is not None and chain.verify(db).ok
