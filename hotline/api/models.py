"""The partner API's keys, the stored answers of idempotent requests, and the partners' webhooks."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.database import EncryptedText, UTCDateTime, utcnow
from hotline.extensions import db


class Scope(StrEnum):
    REFERRALS_READ = "referrals:read"
    REFERRALS_WRITE = "referrals:write"
    WEBHOOKS_MANAGE = "webhooks:manage"


class WebhookEvent(StrEnum):
    """What a partner's webhook is told about: ids and the event's name, never a fact of the case."""

    REFERRAL_SENT = "referral.sent"
    REFERRAL_REVOKED = "referral.revoked"
    REFERRAL_DEADLINE = "referral.deadline_passed"


class ApiKey(db.Model):
    """A key for one partner organisation. Only the SHA-256 of the token is stored; `prefix` (random,
    shown in the token) finds the row without scanning."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    prefix: Mapped[str] = mapped_column(String(16), nullable=False, unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    scopes: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    # Four eyes: a key asked for on the admin pages works once a second admin approves it (a key
    # opens case facts, as a partner account does). `flask api-keys create` (the server's shell)
    # issues approved keys, as `flask users create` makes accounts.
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"))

    partner = relationship("Partner")

    def __repr__(self) -> str:
        return f"<ApiKey {self.id} {self.prefix}>"


class IdempotencyRecord(db.Model):
    """The answer to a state change sent with an `Idempotency-Key`, per API key, for 24 hours."""

    __tablename__ = "api_idempotency_records"
    __table_args__ = (UniqueConstraint("api_key_id", "key", name="uq_api_idempotency_records_api_key_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"), nullable=False)
    key: Mapped[str] = mapped_column(String(100), nullable=False)
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    status_code: Mapped[int] = mapped_column(Integer, nullable=False)
    # The JSON answer: a referral's state (ids, statuses, times), never a fact of the case.
    response_body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)

    def __repr__(self) -> str:
        return f"<IdempotencyRecord {self.id} key={self.api_key_id}>"


class WebhookEndpoint(db.Model):
    """An HTTPS address of a partner that is POSTed its events, signed with `secret` (encrypted)."""

    __tablename__ = "api_webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), nullable=False, index=True
    )
    url: Mapped[str] = mapped_column(String(500), nullable=False)
    secret: Mapped[str] = mapped_column(EncryptedText(), nullable=False)
    events: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id", ondelete="SET NULL"))
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    partner = relationship("Partner")

    def __repr__(self) -> str:
        return f"<WebhookEndpoint {self.id} partner={self.partner_id}>"
