from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.database import UTCDateTime, utcnow
from hotline.extensions import db


class Outcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    DENIED = "denied"


class AuditEvent(db.Model):
    """One audited action. Rows are only ever inserted (a database trigger refuses the rest)."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_object", "object_type", "object_id"),
        Index("ix_audit_events_action_occurred_at", "action", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False, index=True)
    # Points at users by string so audit imports no domain.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_role: Mapped[str | None] = mapped_column(String(20))
    actor_partner_id: Mapped[int | None] = mapped_column()
    action: Mapped[str] = mapped_column(String(60), nullable=False)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(10), nullable=False, default=Outcome.SUCCESS)
    ip: Mapped[str | None] = mapped_column(String(45))
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # The seal (hotline/audit/chain.py): set once by the worker, never changed after.
    chain_seq: Mapped[int | None] = mapped_column(BigInteger, unique=True, index=True)
    chain_hash: Mapped[str | None] = mapped_column(String(64))
