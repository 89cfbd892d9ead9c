"""Queueing and delivering notifications.

`enqueue` adds a row to the caller's transaction: the notification exists exactly when the event does.
`deliver_pending` (a job of the worker, `flask worker`) claims rows one by one with a conditional
UPDATE, commits the claim, sends, then records the outcome, so two workers running at once never send
a row twice.
A row left in `sending` by a crashed worker is reclaimed after CLAIM_TIMEOUT (at-least-once delivery).
The back-ends are plugged in per app with `register_sender`; this package imports no domain.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import and_, func, or_, select, update

from hotline.database import utcnow
from hotline.extensions import db
from hotline.notifications.models import OutboxChannel, OutboxMessage, OutboxStatus
from hotline.notifications.senders import DeliveryOutcome, DisabledSender, Sender, SendResult
from hotline.pagination import paginate

# The senders' types are part of this interface: back-ends (telephony's SMS) build SendResults.
__all__ = [
    "DeliveryOutcome",
    "DeliveryReport",
    "SendResult",
    "Sender",
    "backoff",
    "deliver_pending",
    "enqueue",
    "get_senders",
    "list_messages",
    "messages_for",
    "register_sender",
    "sender_states",
    "status_counts",
]

SENDERS_KEY = "hotline_senders"  # app.extensions: channel -> factory(app) -> Sender
SenderFactory = Callable[[Flask], Sender]
MAX_ATTEMPTS = 8
CLAIM_TIMEOUT = timedelta(minutes=10)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes between attempts, capped at 2 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 120))


def enqueue(
    *,
    channel: OutboxChannel,
    recipient: str,
    body: str,
    dedupe_key: str,
    subject: str = "",
    object_type: str | None = None,
    object_id: object | None = None,
) -> OutboxMessage | None:
    """Queue one message in the current transaction; a repeated dedupe_key queues nothing."""
    existing = db.session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key))
    if existing is not None:
        return None
    message = OutboxMessage(
        channel=channel.value,
        recipient=recipient,
        body=body,
        subject=subject,
        dedupe_key=dedupe_key,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
    )
    db.session.add(message)
    db.session.flush()
    return message


def register_sender(app: Flask, channel: OutboxChannel | str, factory: SenderFactory) -> None:
    """Plug a back-end in for one channel of this app (`create_app` does it for SMS and e-mail).

    The factory is called each time the senders are read, so it sees the app's current
    configuration. Kept in `app.extensions`, per app: tests build many apps and swap in fakes.
    """
    app.extensions.setdefault(SENDERS_KEY, {})[str(channel)] = factory


def get_senders(app: Flask) -> dict[str, Sender]:
    """One sender per channel; a channel nobody registered gets an explicit disabled sender."""
    senders: dict[str, Sender] = {
        channel.value: DisabledSender(f"no {channel.value} sender registered") for channel in OutboxChannel
    }
    for channel, factory in app.extensions.get(SENDERS_KEY, {}).items():
        senders[channel] = factory(app)
    return senders


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0


def _claim(message_id: int, now: datetime) -> str | None:
    token = secrets.token_hex(8)
    stale = now - CLAIM_TIMEOUT
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            or_(
                and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now),
                and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_at < stale),
            ),
        )
        .values(status=OutboxStatus.SENDING, claim_token=token, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return token if result.rowcount == 1 else None


def deliver_pending(
    senders: Mapping[str, Sender], *, now: datetime | None = None, batch: int = 100
) -> DeliveryReport:
    """Deliver what is due. Each row: claim (commit), send, record the outcome (commit)."""
    now = now or utcnow()
    report = DeliveryReport()
    stale = now - CLAIM_TIMEOUT
    due = list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(
                or_(
                    and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now),
                    and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_at < stale),
                )
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(batch)
        )
    )
    db.session.commit()
    for message_id in due:
        token = _claim(message_id, now)
        if token is None:
            report.skipped += 1  # another worker has it
            continue
        message = db.session.get(OutboxMessage, message_id, populate_existing=True)
        sender = senders.get(message.channel) or DisabledSender(f"no sender for {message.channel}")
        try:
            result = sender.send(message.recipient, message.subject, message.body)
        except Exception as exc:  # noqa: BLE001  (a sender bug must not stop the batch)
            result = SendResult(DeliveryOutcome.RETRY, f"sender error: {type(exc).__name__}")
        _record(message, result, now)
        db.session.commit()
        if result.outcome is DeliveryOutcome.SENT:
            report.sent += 1
        elif message.status == OutboxStatus.FAILED:
            report.failed += 1
        else:
            report.retried += 1
    return report


def _record(message: OutboxMessage, result: SendResult, now: datetime) -> None:
    message.attempts += 1
    message.claim_token = None
    message.last_error = result.detail[:300] or None
    if result.outcome is DeliveryOutcome.SENT:
        message.status = OutboxStatus.SENT
        message.sent_at = now
        message.provider_id = result.provider_id
        message.last_error = None
    elif result.outcome is DeliveryOutcome.FAILED or message.attempts >= MAX_ATTEMPTS:
        message.status = OutboxStatus.FAILED
    else:  # RETRY, or DISABLED (the channel may be configured later): try again with backoff
        message.status = OutboxStatus.PENDING
        message.next_attempt_at = now + backoff(message.attempts)


def status_counts() -> dict[str, int]:
    rows = db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
    return {key: count for key, count in rows}


def list_messages(status: str | None, page: int, per_page: int = 50):  # type: ignore[no-untyped-def]
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status:
        query = query.where(OutboxMessage.status == status)
    return paginate(query, page=page, per_page=per_page)


def messages_for(object_type: str, object_id: object) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.object_type == object_type, OutboxMessage.object_id == str(object_id))
            .order_by(OutboxMessage.id)
        )
    )


def sender_states() -> dict[str, str | None]:
    """channel -> None when enabled, else the reason it is disabled (for the admin pages)."""
    return {
        channel: None if sender.enabled else (getattr(sender, "reason", None) or "disabled")
        for channel, sender in get_senders(current_app).items()
    }
