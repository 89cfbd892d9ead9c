"""The audit trail's seal: every row carries a keyed hash chained to the row sealed before it.

Requests only insert audit rows (the database refuses any other change); the worker seals what has
been committed since its last round, in id order, under a lock, so the chain's order is the order of
sealing and never depends on which transaction committed first. `verify` walks the chain and names
the first row that no longer matches: a row edited, deleted or slipped in by someone who went round
the application. The hash is an HMAC with a key the database does not hold, so rewriting the whole
chain needs the key as well as write access to the database.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from hotline import crypto
from hotline.audit.models import AuditEvent

GENESIS = "0" * 64
SEAL_LOCK = 0x48_4F_54_4C_41_55_44  # any constant: one advisory lock for sealing (PostgreSQL)


def canonical(event: AuditEvent) -> bytes:
    """The row as sealed: every column but the seal itself, in a fixed textual form."""
    when = event.occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    parts = (
        event.id,
        when,
        event.actor_id,
        event.actor_role,
        event.actor_partner_id,
        event.action,
        event.object_type,
        event.object_id,
        event.outcome,
        event.ip,
        event.summary,
    )
    return "\x1f".join("" if p is None else str(p) for p in parts).encode("utf-8")


def link(previous_hash: str, event: AuditEvent) -> str:
    message = previous_hash.encode("ascii") + b"\n" + canonical(event)
    return hmac.new(crypto.audit_key(), message, hashlib.sha256).hexdigest()


def _lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SEAL_LOCK})


def _last_seal(session: Session) -> tuple[int, str]:
    row = session.execute(
        select(AuditEvent.chain_seq, AuditEvent.chain_hash)
        .where(AuditEvent.chain_seq.is_not(None))
        .order_by(AuditEvent.chain_seq.desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else (0, GENESIS)


def seal_pending(session: Session, *, limit: int = 5000) -> int:
    """Seal up to `limit` committed, unsealed rows (oldest id first); the caller commits."""
    _lock(session)
    seq, previous = _last_seal(session)
    events = list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.chain_seq.is_(None)).order_by(AuditEvent.id).limit(limit)
        )
    )
    for event in events:
        seq += 1
        event.chain_seq = seq
        event.chain_hash = previous = link(previous, event)
    session.flush()
    return len(events)


@dataclass(frozen=True)
class ChainReport:
    sealed: int
    unsealed: int
    broken_at: int | None = None  # the id of the first row that does not match
    broken_seq: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def _walk(events: Iterable[AuditEvent]) -> tuple[int, ChainReport | None]:
    expected_seq, previous, count = 1, GENESIS, 0
    for event in events:
        count += 1
        if event.chain_seq != expected_seq:
            return count, ChainReport(
                0, 0, event.id, expected_seq, f"row {expected_seq} of the chain is missing"
            )
        if not hmac.compare_digest(event.chain_hash or "", link(previous, event)):
            return count, ChainReport(0, 0, event.id, event.chain_seq, "the row differs from what was sealed")
        previous = event.chain_hash or ""
        expected_seq += 1
    return count, None


def verify(session: Session, *, batch: int = 5000) -> ChainReport:
    """Walk the sealed rows in chain order and report the first that does not match."""
    unsealed = session.scalar(select(func.count()).where(AuditEvent.chain_seq.is_(None))) or 0
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.chain_seq.is_not(None)).order_by(AuditEvent.chain_seq)
    ).yield_per(batch)
    count, broken = _walk(events)
    if broken is not None:
        return ChainReport(count, unsealed, broken.broken_at, broken.broken_seq, broken.reason)
    return ChainReport(count, unsealed)
