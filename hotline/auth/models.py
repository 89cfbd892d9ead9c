from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.access import Role
from hotline.database import TimestampMixin, UTCDateTime, utcnow
from hotline.extensions import db
from hotline.partners.models import Partner

# Roles that must sign in with a second factor (the others may turn it on).
TWO_STEP_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.COORDINATOR})


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    role: Mapped[Role] = mapped_column(String(20), nullable=False)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    locale: Mapped[str | None] = mapped_column(String(5))
    # Work phone (E.164) for notifications to partner focal points; never a victim's number.
    phone: Mapped[str | None] = mapped_column(String(20))

    # Lockout state lives in the database so every worker sees it.
    failed_login_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    first_failed_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # Two-factor (TOTP): the secret is encrypted; the last accepted time step blocks replays.
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    partner: Mapped[Partner | None] = relationship(lazy="joined")

    @property
    def has_totp(self) -> bool:
        return self.totp_secret is not None

    @property
    def needs_two_step(self) -> bool:
        """Two-step sign-in is mandatory for this user's role."""
        return Role(self.role) in TWO_STEP_ROLES

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class UserSession(db.Model):
    """A server-side login session. The cookie holds only its random id; the hash is stored."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_reason: Mapped[str | None] = mapped_column(String(40))
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(255))

    user: Mapped[User] = relationship(lazy="joined")


class RecoveryCode(db.Model):
    """A one-time code that stands in for the authenticator app; only its SHA-256 is stored."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AccountRequestKind(StrEnum):
    CREATE = "create"
    CHANGE_ROLE = "change_role"
    RESET_PASSWORD = "reset_password"  # noqa: S105  (a kind of request, not a password)


class AccountRequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


class AccountRequest(db.Model):
    """An account change that gives access to case data: it waits for a second administrator.

    A new account exists only once approved, so `user_id` is empty until then for CREATE (the
    requested e-mail, name, role and organisation are kept here).
    """

    __tablename__ = "account_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AccountRequestKind] = mapped_column(String(20), nullable=False)
    status: Mapped[AccountRequestStatus] = mapped_column(
        String(10), nullable=False, default=AccountRequestStatus.PENDING, index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[Role | None] = mapped_column(String(20))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    previous_role: Mapped[Role | None] = mapped_column(String(20))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(String(300))

    user: Mapped[User | None] = relationship(foreign_keys=[user_id], lazy="joined")
    partner: Mapped[Partner | None] = relationship(lazy="joined")
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id], lazy="joined")
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id], lazy="joined")

    @property
    def account_email(self) -> str:
        return self.user.email if self.user is not None else (self.email or "")

    def __repr__(self) -> str:
        return f"<AccountRequest {self.id} {self.kind} {self.status}>"


class PasswordToken(db.Model):
    """A one-time link to set a password: the token goes by e-mail, only its SHA-256 is stored."""

    __tablename__ = "password_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    request_id: Mapped[int | None] = mapped_column(ForeignKey("account_requests.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="joined")
