"""The transactional outbox: atomic with its event, delivered once, retried, never personal."""

from __future__ import annotations

import socket
import threading
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import delete, select

from hotline.database import utcnow
from hotline.extensions import db as _db
from hotline.notifications import services
from hotline.notifications.models import OutboxChannel, OutboxMessage, OutboxStatus
from hotline.notifications.senders import DeliveryOutcome, DisabledSender, SendResult, SmtpSender


class FakeSender:
    enabled = True

    def __init__(self, *outcomes: DeliveryOutcome) -> None:
        self.outcomes = list(outcomes) or [DeliveryOutcome.SENT]
        self.sent: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def send(self, recipient: str, subject: str, body: str) -> SendResult:
        with self.lock:
            self.sent.append((recipient, body))
            outcome = self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]
        return SendResult(outcome, "" if outcome is DeliveryOutcome.SENT else "boom")


def _queue(key: str = "k1", channel: OutboxChannel = OutboxChannel.SMS, recipient: str = "+51987654321"):
    return services.enqueue(
        channel=channel,
        recipient=recipient,
        body="Ref TP-2026-000001 /r/1",
        dedupe_key=key,
        object_type="referral",
        object_id=1,
    )


def test_enqueue_shares_the_transaction(db):
    savepoint = db.begin_nested()
    _queue()
    savepoint.rollback()
    assert db.scalar(select(OutboxMessage)) is None


def test_same_event_is_queued_once(db):
    assert _queue("same") is not None
    assert _queue("same") is None
    assert len(db.scalars(select(OutboxMessage)).all()) == 1


def test_delivery_sends_and_marks_sent(db):
    message = _queue()
    sender = FakeSender(DeliveryOutcome.SENT)
    report = services.deliver_pending({"sms": sender})
    assert (report.sent, report.failed, report.retried) == (1, 0, 0)
    db.refresh(message)
    assert message.status == OutboxStatus.SENT and message.attempts == 1 and message.sent_at
    # A second run sends nothing more.
    assert services.deliver_pending({"sms": sender}).sent == 0
    assert len(sender.sent) == 1


def test_temporary_failure_is_retried_with_backoff(db):
    message = _queue()
    sender = FakeSender(DeliveryOutcome.RETRY, DeliveryOutcome.SENT)
    now = utcnow()
    services.deliver_pending({"sms": sender}, now=now)
    db.refresh(message)
    assert message.status == OutboxStatus.PENDING
    assert message.next_attempt_at == now + timedelta(minutes=1)
    assert services.deliver_pending({"sms": sender}, now=now + timedelta(seconds=30)).sent == 0
    assert services.deliver_pending({"sms": sender}, now=now + timedelta(minutes=2)).sent == 1
    db.refresh(message)
    assert message.status == OutboxStatus.SENT and message.attempts == 2


def test_permanent_failure_stops(db):
    message = _queue()
    services.deliver_pending({"sms": FakeSender(DeliveryOutcome.FAILED)})
    db.refresh(message)
    assert message.status == OutboxStatus.FAILED and message.last_error == "boom"


def test_gives_up_after_max_attempts(db):
    message = _queue()
    sender = FakeSender(DeliveryOutcome.RETRY)
    now = utcnow()
    for i in range(services.MAX_ATTEMPTS + 2):
        services.deliver_pending({"sms": sender}, now=now + timedelta(days=i))
    db.refresh(message)
    assert message.status == OutboxStatus.FAILED
    assert message.attempts == services.MAX_ATTEMPTS


def test_disabled_channel_keeps_the_message_pending(db):
    message = _queue()
    services.deliver_pending({"sms": DisabledSender("missing TWILIO_AUTH_TOKEN")})
    db.refresh(message)
    assert message.status == OutboxStatus.PENDING
    assert "missing" in message.last_error


def test_a_crashing_sender_does_not_stop_the_batch(db):
    class Crashing(FakeSender):
        def send(self, recipient, subject, body):  # type: ignore[no-untyped-def]
            raise RuntimeError("bug")

    _queue("a")
    _queue("b")
    report = services.deliver_pending({"sms": Crashing()})
    assert report.retried == 2


@pytest.fixture
def committed(app):
    """For tests that need real commits seen by other connections; cleans up after itself."""
    with app.app_context():
        yield app
        _db.session.execute(delete(OutboxMessage))
        _db.session.commit()
        _db.session.remove()


def test_two_workers_at_once_deliver_each_message_once(committed):
    for i in range(20):
        _queue(f"parallel-{i}")
    _db.session.commit()
    sender = FakeSender(DeliveryOutcome.SENT)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with committed.app_context():
                barrier.wait()
                services.deliver_pending({"sms": sender})
                _db.session.remove()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert len(sender.sent) == 20
    statuses = _db.session.scalars(select(OutboxMessage.status)).all()
    assert statuses == [OutboxStatus.SENT] * 20


class _SmtpHandler:
    def __init__(self, reply: str = "250 OK") -> None:
        self.reply = reply
        self.messages: list[object] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.messages.append(envelope)
        return self.reply


@pytest.fixture
def smtp_server():
    handler = _SmtpHandler()
    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


def test_email_through_a_local_smtp_server(db, smtp_server):
    handler, port = smtp_server
    _queue("mail", channel=OutboxChannel.EMAIL, recipient="focal@fiscalia.pe")
    sender = SmtpSender(f"smtp://127.0.0.1:{port}", "no-reply@linea1818.pe")
    assert services.deliver_pending({"email": sender}).sent == 1
    assert handler.messages[0].rcpt_tos == ["focal@fiscalia.pe"]
    assert b"TP-2026-000001" in handler.messages[0].content


def test_email_server_rejecting_is_permanent_and_down_is_retried(db, smtp_server):
    handler, port = smtp_server
    handler.reply = "554 Transaction failed"
    message = _queue("mail", channel=OutboxChannel.EMAIL, recipient="focal@fiscalia.pe")
    services.deliver_pending({"email": SmtpSender(f"smtp://127.0.0.1:{port}", "x@linea1818.pe")})
    db.refresh(message)
    assert message.status == OutboxStatus.FAILED

    other = _queue("mail2", channel=OutboxChannel.EMAIL, recipient="focal@fiscalia.pe")
    services.deliver_pending({"email": SmtpSender("smtp://127.0.0.1:1", "x@linea1818.pe", timeout=2)})
    db.refresh(other)
    assert other.status == OutboxStatus.PENDING and other.attempts == 1


def test_senders_are_registered_per_app(app):
    other = Flask(__name__)
    fake = FakeSender()
    services.register_sender(other, OutboxChannel.SMS, lambda app: fake)
    senders = services.get_senders(other)
    assert senders["sms"] is fake
    assert not senders["email"].enabled and "no email sender registered" in senders["email"].reason
    assert services.get_senders(app)["sms"] is not fake  # the test app keeps its own senders


def test_the_app_registers_the_email_sender_from_its_config(app, monkeypatch):
    assert services.get_senders(app)["email"].reason == "SMTP_URL is not set"
    monkeypatch.setitem(app.config, "SMTP_URL", "smtp://mail.example.pe:587")
    email = services.get_senders(app)["email"]
    assert isinstance(email, SmtpSender) and email.starttls and email.host == "mail.example.pe"


def test_cli_reports_disabled_channels(app, db):
    _queue()
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 0
    assert "email: disabled" in result.output


def test_worker_loop_escalates_and_delivers(app, db, monkeypatch):
    import hotline.referrals.services as referrals_services

    calls = []
    monkeypatch.setattr(
        referrals_services, "escalate_overdue", lambda **kwargs: calls.append(1) or [101, 102]
    )
    sms, email = FakeSender(DeliveryOutcome.SENT), FakeSender()
    monkeypatch.setitem(app.extensions[services.SENDERS_KEY], "sms", lambda app: sms)
    monkeypatch.setitem(app.extensions[services.SENDERS_KEY], "email", lambda app: email)
    _queue()
    result = app.test_cli_runner().invoke(
        args=["outbox", "send", "--loop", "--rounds", "2", "--interval", "0"]
    )
    assert result.exit_code == 0, result.output
    assert calls == [1, 1]
    assert "referrals: 2 escalated" in result.output and "sent 1" in result.output
