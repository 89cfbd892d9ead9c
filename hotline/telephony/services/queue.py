"""The call queue and the operators' presence, both in the database (several stateless workers).

A caller waits in Twilio's queue (`<Enqueue>`). Each time Twilio asks the wait URL, the caller's
`QueueEntry` is brought up to date and, when the caller is at the front, the operator who has been
available longest (`idle_since`) is reserved for them in the same transaction (row locks with
SKIP LOCKED on PostgreSQL, so two workers never offer one operator twice). The wait URL then
answers `<Leave>`, and the Enqueue action rings that operator's browser. A caller nobody takes
within `queue_timeout` seconds leaves for the existing fallback: the operator lines, then voicemail.
An offered operator is busy until the call ends; one whose browser does not answer is set away.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from hotline.audit import services as audit
from hotline.auth.models import User
from hotline.calls import services as calls_services
from hotline.calls.models import Call
from hotline.database import utcnow
from hotline.extensions import db
from hotline.telephony.models import OperatorPresence, Presence, QueueEntry, QueueStatus
from hotline.telephony.services.common import TelephonyError, bound_statement_time
from hotline.telephony.services.voice import register_voice_call
from hotline.telephony.webhooks import QueueParams, VoiceParams

PRESENCE_ROLES = ("operator", "coordinator")
OPERATOR_SETTABLE = frozenset({Presence.AVAILABLE, Presence.AWAY, Presence.OFFLINE, Presence.BUSY})
OPEN_QUEUE = (QueueStatus.WAITING.value, QueueStatus.OFFERED.value)


class PresenceRefused(TelephonyError):
    pass


def identity_of(user_id: int) -> str:
    """The Voice SDK identity of an operator: their user id."""
    return str(user_id)


def user_id_of(identity: str) -> int | None:
    raw = identity.removeprefix("client:")
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) < 2**31 else None


# ---- presence -----------------------------------------------------------------------------------


def _presence_row(user_id: int, *, lock: bool = False) -> OperatorPresence:
    query = select(OperatorPresence).where(OperatorPresence.user_id == user_id)
    if lock:
        query = query.with_for_update()
    row = db.session.scalar(query)
    if row is None:
        row = OperatorPresence(user_id=user_id, status=Presence.OFFLINE.value, changed_at=utcnow())
        db.session.add(row)
        db.session.flush()
    return row


def get_presence(user_id: int) -> str:
    status = db.session.scalar(select(OperatorPresence.status).where(OperatorPresence.user_id == user_id))
    return status or Presence.OFFLINE.value


def set_presence(actor: Any, status: str, *, now: datetime | None = None) -> OperatorPresence:
    """The operator chooses their state. Busy during a call is set (and cleared) automatically."""
    now = now or utcnow()
    if status not in {p.value for p in OPERATOR_SETTABLE}:
        raise PresenceRefused("unknown presence")
    row = _presence_row(actor.id, lock=True)
    if row.is_auto_busy and status == Presence.AVAILABLE.value:
        raise PresenceRefused("you are on a call")
    if row.status != status:
        if status == Presence.AVAILABLE.value:
            row.idle_since = now
        row.status = status
        row.changed_at = now
        if status != Presence.BUSY.value:
            row.is_auto_busy = False
            row.current_call_id = None
        audit.record(
            "telephony.presence",
            actor=actor,
            object_type="user",
            object_id=actor.id,
            summary=f"presence set to {status}",
        )
        db.session.flush()
    return row


def release_operator(call_id: int, *, now: datetime | None = None, away: bool = False) -> int | None:
    """The call this operator was busy with ended (or rang out): free them again."""
    now = now or utcnow()
    row = db.session.scalar(
        select(OperatorPresence).where(OperatorPresence.current_call_id == call_id).with_for_update()
    )
    if row is None:
        return None
    row.current_call_id = None
    row.is_auto_busy = False
    row.status = Presence.AWAY.value if away else Presence.AVAILABLE.value
    row.changed_at = now
    row.idle_since = now
    db.session.flush()
    return row.user_id


@dataclass(frozen=True)
class OperatorState:
    user_id: int
    name: str
    status: str
    changed_at: datetime | None
    call_id: int | None


def list_presence() -> list[OperatorState]:
    """Every active operator and coordinator with their state: one query."""
    rows = db.session.execute(
        select(
            User.id,
            User.name,
            User.email,
            OperatorPresence.status,
            OperatorPresence.changed_at,
            OperatorPresence.current_call_id,
        )
        .outerjoin(OperatorPresence, OperatorPresence.user_id == User.id)
        .where(User.is_active.is_(True), User.role.in_(PRESENCE_ROLES))
        .order_by(User.name, User.id)
    ).all()
    return [
        OperatorState(
            user_id=r[0],
            name=r[1] or r[2].split("@")[0],
            status=r[3] or Presence.OFFLINE.value,
            changed_at=r[4],
            call_id=r[5],
        )
        for r in rows
    ]


# ---- the queue ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueSummary:
    waiting: int
    longest_wait_seconds: int


def queue_summary(*, now: datetime | None = None) -> QueueSummary:
    now = now or utcnow()
    count, oldest = db.session.execute(
        select(func.count(QueueEntry.id), func.min(QueueEntry.enqueued_at)).where(
            QueueEntry.status.in_(OPEN_QUEUE)
        )
    ).one()
    longest = int((now - oldest).total_seconds()) if oldest is not None else 0
    return QueueSummary(waiting=int(count or 0), longest_wait_seconds=max(longest, 0))


def _entry_for(call: Call, now: datetime, *, lock: bool = True) -> QueueEntry:
    query = select(QueueEntry).where(QueueEntry.call_id == call.id)
    if lock:
        query = query.with_for_update()
    entry = db.session.scalar(query)
    if entry is None:
        entry = QueueEntry(call_id=call.id, status=QueueStatus.WAITING.value, enqueued_at=now)
        db.session.add(entry)
        db.session.flush()
        audit.record("call.queued", object_type="call", object_id=call.id, summary="caller entered the queue")
    return entry


def _longest_idle_operator() -> OperatorPresence | None:
    query = (
        select(OperatorPresence)
        .join(User, User.id == OperatorPresence.user_id)
        .where(
            OperatorPresence.status == Presence.AVAILABLE.value,
            User.is_active.is_(True),
            User.role.in_(PRESENCE_ROLES),
        )
        .order_by(OperatorPresence.idle_since, OperatorPresence.user_id)
        .limit(1)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=OperatorPresence, skip_locked=True)
    return db.session.scalar(query)


def _is_front(entry: QueueEntry) -> bool:
    """No one still waiting entered the queue before this caller."""
    earlier = db.session.scalar(
        select(func.count(QueueEntry.id)).where(
            QueueEntry.status == QueueStatus.WAITING.value,
            QueueEntry.id != entry.id,
            QueueEntry.enqueued_at < entry.enqueued_at,
        )
    )
    return not earlier


@dataclass(frozen=True)
class WaitDecision:
    position: int
    leave: bool
    offered_to: int | None = None


def wait_in_queue(
    params: VoiceParams, queue: QueueParams, *, timeout_seconds: int, now: datetime | None = None
) -> WaitDecision:
    """Twilio's wait URL: keep the caller's place, offer the call, or let them go on after the timeout."""
    bound_statement_time()
    now = now or utcnow()
    call = register_voice_call(params, now=now)
    entry = _entry_for(call, now)
    if queue.position is not None:
        entry.position = queue.position
    position = entry.position or 1
    if entry.status == QueueStatus.OFFERED.value:
        return WaitDecision(position=position, leave=True, offered_to=entry.offered_to_id)
    if entry.status != QueueStatus.WAITING.value:
        return WaitDecision(position=position, leave=True)
    if (now - entry.enqueued_at).total_seconds() >= timeout_seconds:
        entry.status = QueueStatus.TIMED_OUT.value
        entry.left_at = now
        audit.record(
            "call.queue_timeout", object_type="call", object_id=call.id, summary="nobody took the call"
        )
        return WaitDecision(position=position, leave=True)
    if not _is_front(entry):
        return WaitDecision(position=position, leave=False)
    operator = _longest_idle_operator()
    if operator is None:
        return WaitDecision(position=position, leave=False)
    operator.status = Presence.BUSY.value
    operator.is_auto_busy = True
    operator.current_call_id = call.id
    operator.changed_at = now
    entry.status = QueueStatus.OFFERED.value
    entry.offered_to_id = operator.user_id
    entry.offered_at = now
    entry.offers += 1
    db.session.flush()
    audit.record(
        "call.offered",
        object_type="call",
        object_id=call.id,
        summary=f"call offered to operator {operator.user_id}",
    )
    return WaitDecision(position=position, leave=True, offered_to=operator.user_id)


@dataclass(frozen=True)
class QueueOutcome:
    action: str  # dial | fallback | hangup
    identity: str | None = None
    call_id: int | None = None


def leave_queue(params: VoiceParams, queue: QueueParams, *, now: datetime | None = None) -> QueueOutcome:
    """The Enqueue action: ring the reserved operator, or go on to the fallback, or nothing (hung up)."""
    bound_statement_time()
    now = now or utcnow()
    call = register_voice_call(params, now=now)
    entry = _entry_for(call, now)
    result = queue.result or "error"
    if result in ("bridged", "bridging-in-process", "redirected"):
        return QueueOutcome("hangup")
    if result == "hangup":
        if entry.status in OPEN_QUEUE:
            entry.status = QueueStatus.ABANDONED.value
            entry.left_at = now
            release_operator(call.id, now=now)
        return QueueOutcome("hangup")
    if result == "leave" and entry.status == QueueStatus.OFFERED.value and entry.offered_to_id:
        return QueueOutcome("dial", identity=identity_of(entry.offered_to_id), call_id=call.id)
    if entry.status in OPEN_QUEUE:
        entry.status = QueueStatus.TIMED_OUT.value
        entry.left_at = now
    release_operator(call.id, now=now)
    return QueueOutcome("fallback")


def operator_dial_result(
    params: VoiceParams, dial_status: str, *, timeout_seconds: int, now: datetime | None = None
) -> str:
    """The operator's browser leg ended: 'done' (they talked), 'requeue' or 'fallback' (missed)."""
    bound_statement_time()
    now = now or utcnow()
    call = register_voice_call(params, now=now)
    entry = _entry_for(call, now)
    if dial_status in ("completed", "answered"):
        entry.status = QueueStatus.ANSWERED.value
        entry.left_at = entry.left_at or now
        release_operator(call.id, now=now)
        return "done"
    missed = entry.offered_to_id
    release_operator(call.id, now=now, away=True)
    if missed is not None:
        audit.record(
            "call.offer_missed",
            object_type="call",
            object_id=call.id,
            summary=f"operator {missed} did not answer ({dial_status or 'no status'}); set away",
        )
    entry.offered_to_id = None
    if (now - entry.enqueued_at).total_seconds() >= timeout_seconds:
        entry.status = QueueStatus.TIMED_OUT.value
        entry.left_at = now
        return "fallback"
    entry.status = QueueStatus.WAITING.value
    return "requeue"


def operator_answered(call: Call, operator_id: int, *, now: datetime | None = None) -> None:
    """The operator's browser picked up: the call is theirs (their presence stays busy)."""
    now = now or utcnow()
    entry = db.session.scalar(select(QueueEntry).where(QueueEntry.call_id == call.id))
    if entry is not None and entry.status in OPEN_QUEUE:
        entry.status = QueueStatus.ANSWERED.value
        entry.left_at = now
    operator = db.session.get(User, operator_id)
    if operator is not None and call.operator_id is None:
        calls_services.claim_call(call, operator)


def handle_voice_status(params: VoiceParams, *, duration: int | None, now: datetime | None = None) -> Any:
    """Twilio's status callback, with the queue's consequences: an operator's browser leg that is
    answered gives them the call; a contact that ends frees its operator."""
    from hotline.telephony.models import OutboundCall
    from hotline.telephony.services.voice import TERMINAL, update_voice_status

    now = now or utcnow()
    row = update_voice_status(params, duration=duration, now=now)
    if isinstance(row, Call):
        if params.call_status in TERMINAL:
            release_operator(row.id, now=now)
        return row
    assert isinstance(row, OutboundCall)
    operator_id = user_id_of(params.raw_to) if params.raw_to.startswith("client:") else None
    if operator_id is not None and row.call_id is not None:
        row.operator_id = row.operator_id or operator_id
        row.purpose = "operator" if row.purpose in ("leg", "unknown") else row.purpose
        call = db.session.get(Call, row.call_id)
        if call is not None and params.call_status == "in-progress":
            operator_answered(call, operator_id, now=now)
    return row
