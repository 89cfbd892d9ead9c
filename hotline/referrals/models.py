"""Routing rules, referrals to partner organisations, their timeline and the partners' case numbers."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.database import EncryptedText, TimestampMixin, UTCDateTime, utcnow
from hotline.extensions import db


class ReferralKind(StrEnum):
    SERVICES = "services"  # care and protection services for the victim
    LAW_ENFORCEMENT = "law_enforcement"  # a report of a crime to the police or the prosecutor
    WARM_HANDOFF = "warm_handoff"  # a live caller put through to the partner


class ReferralStatus(StrEnum):
    PENDING = "pending"  # prepared, not sent yet
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CLOSED = "closed"
    REVOKED = "revoked"


class ReferralOutcome(StrEnum):
    VICTIM_ASSISTED = "victim_assisted"
    VICTIM_SHELTERED = "victim_sheltered"
    INVESTIGATION_OPENED = "investigation_opened"
    PROSECUTION = "prosecution"
    NO_ACTION = "no_action"  # needs a reason
    OTHER = "other"  # needs a note


class CaseNumberKind(StrEnum):
    """The partner's own file numbers, to match the hotline's case with other registries."""

    POLICE_COMPLAINT = "police_complaint"
    PROSECUTOR_FILE = "prosecutor_file"
    COURT_FILE = "court_file"
    SERVICE_FILE = "service_file"
    OTHER = "other"


class EventAction(StrEnum):
    CREATED = "created"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    UPDATE = "update"
    CASE_NUMBER = "case_number"
    CLOSED = "closed"
    REVOKED = "revoked"
    ESCALATED = "escalated"
    CONSENT_OVERRIDE = "consent_override"


# Events a partner never sees on its own timeline.
INTERNAL_EVENTS = frozenset({EventAction.CREATED, EventAction.ESCALATED, EventAction.CONSENT_OVERRIDE})


routing_rule_partners = Table(
    "routing_rule_partners",
    db.metadata,
    Column("rule_id", ForeignKey("routing_rules.id", ondelete="CASCADE"), primary_key=True),
    Column("partner_id", ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class RoutingRule(TimestampMixin, db.Model):
    """When a case meets every condition, suggest these partners.

    Conditions: a list means "any of these" (empty = any value); a tri-state flag means
    None = does not matter, True = must hold, False = must not hold.
    """

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    name_es: Mapped[str] = mapped_column(String(200), nullable=False)
    name_en: Mapped[str] = mapped_column(String(200), nullable=False)
    basis: Mapped[str] = mapped_column(String(1000), nullable=False, default="")
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=100)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default=ReferralKind.SERVICES)

    exploitation_forms: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    regions: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    risks: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    indicators: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    minors: Mapped[bool | None] = mapped_column(Boolean)
    foreign_victims: Mapped[bool | None] = mapped_column(Boolean)
    peruvians_abroad: Mapped[bool | None] = mapped_column(Boolean)
    adult_women: Mapped[bool | None] = mapped_column(Boolean)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version_id}

    partners = relationship("Partner", secondary=routing_rule_partners, order_by="Partner.code")

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_es

    def __repr__(self) -> str:
        return f"<RoutingRule {self.id} {self.code}>"


class Referral(TimestampMixin, db.Model):
    """One case sent to one partner organisation, followed until the partner answers.

    `shared_data` is the snapshot (encrypted JSON) of exactly what the partner may see, taken when
    the referral is prepared: later edits of the case or of a consent never widen it.
    """

    __tablename__ = "referrals"
    __table_args__ = (
        UniqueConstraint("case_id", "case_seq", name="uq_referrals_case_id_case_seq"),
        UniqueConstraint("form_token", "partner_id", name="uq_referrals_form_token_partner_id"),
        Index("ix_referrals_status_ack_due_at", "status", "ack_due_at"),
        Index("ix_referrals_partner_id_status", "partner_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(30), unique=True, nullable=False)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True
    )
    case_seq: Mapped[int] = mapped_column(Integer, nullable=False)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=ReferralStatus.PENDING)
    risk: Mapped[str] = mapped_column(String(10), nullable=False)
    # Rules that suggested this partner (codes), kept for the record.
    matched_rules: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    # The send form's one-time token: the same form submitted twice creates nothing more.
    form_token: Mapped[str | None] = mapped_column(String(64))

    share_place: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    share_identities: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    share_contacts: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    share_suspects: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    shared_person_ids: Mapped[list[int]] = mapped_column(JSON, nullable=False, default=list)
    is_consent_overridden: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    shared_data: Mapped[str] = mapped_column(EncryptedText(), nullable=False)

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ack_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decline_reason: Mapped[str | None] = mapped_column(EncryptedText())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(30))
    outcome_note: Mapped[str | None] = mapped_column(EncryptedText())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoke_reason: Mapped[str | None] = mapped_column(EncryptedText())
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version_id: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version_id}

    case = relationship("Case")
    partner = relationship("Partner")
    created_by = relationship("User", foreign_keys=[created_by_id])
    sent_by = relationship("User", foreign_keys=[sent_by_id])
    events: Mapped[list[ReferralEvent]] = relationship(
        back_populates="referral",
        order_by="[ReferralEvent.occurred_at, ReferralEvent.id]",
        cascade="all, delete-orphan",
    )
    case_numbers: Mapped[list[ReferralCaseNumber]] = relationship(
        back_populates="referral", order_by="ReferralCaseNumber.id", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Referral {self.id} {self.reference} {self.status}>"


class ReferralEvent(db.Model):
    """One step of a referral's timeline. Free text is encrypted; `on_behalf` marks what a
    coordinator recorded for a partner that has no account (or answered by phone or on paper)."""

    __tablename__ = "referral_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), nullable=False, index=True
    )
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(30), nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(EncryptedText())
    is_on_behalf: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    referral: Mapped[Referral] = relationship(back_populates="events")
    actor = relationship("User")

    def __repr__(self) -> str:
        return f"<ReferralEvent {self.id} referral={self.referral_id} {self.action}>"


class ReferralCaseNumber(db.Model):
    """A partner's own number for the case (police complaint, prosecutor's file...), searchable."""

    __tablename__ = "referral_case_numbers"
    __table_args__ = (
        UniqueConstraint("referral_id", "kind", "normalised", name="uq_referral_case_numbers_referral_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    number: Mapped[str] = mapped_column(String(80), nullable=False)
    normalised: Mapped[str] = mapped_column(String(80), nullable=False, index=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    is_on_behalf: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    referral: Mapped[Referral] = relationship(back_populates="case_numbers")

    def __repr__(self) -> str:
        return f"<ReferralCaseNumber {self.id} referral={self.referral_id} {self.kind}>"
