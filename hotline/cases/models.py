"""Case, Person, notes, history and the per-year reference counter."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.database import EncryptedText, TimestampMixin, UTCDateTime, utcnow
from hotline.extensions import db


class CaseStatus(StrEnum):
    NEW = "new"
    TRIAGED = "triaged"
    REFERRED = "referred"
    CLOSED = "closed"


class Risk(StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"


class Indicator(StrEnum):
    """Trafficking indicators the operator ticks (mapped to HTCDS recruitment / means of control)."""

    FALSE_JOB_OFFER = "false_job_offer"
    DOCUMENTS_WITHHELD = "documents_withheld"
    DEBT = "debt"
    CANNOT_LEAVE = "cannot_leave"
    MINOR_IN_BARS_OR_MINES = "minor_in_bars_or_mines"
    WAGES_WITHHELD = "wages_withheld"
    THREATS_OR_VIOLENCE = "threats_or_violence"
    EXCESSIVE_HOURS = "excessive_hours"
    MOVED_FAR_FROM_HOME = "moved_far_from_home"
    ISOLATED_OR_WATCHED = "isolated_or_watched"
    SEXUAL_SERVICES_FORCED = "sexual_services_forced"
    DRUGS_OR_ALCOHOL = "drugs_or_alcohol"
    RECRUITED_ONLINE = "recruited_online"
    NEEDS_HEALTH_CARE = "needs_health_care"  # referrals: suggests the health services (MINSA)


class CloseReason(StrEnum):
    REFERRED_AND_ATTENDED = "referred_and_attended"
    NOT_TRAFFICKING = "not_trafficking"
    DUPLICATE = "duplicate"
    NO_CONTACT = "no_contact"
    INSUFFICIENT_INFORMATION = "insufficient_information"
    OTHER = "other"


class PersonRole(StrEnum):
    VICTIM = "victim"
    SUSPECT = "suspect"
    WITNESS = "witness"
    CALLER = "caller"


class Gender(StrEnum):
    """HTCDS prs_Gender."""

    FEMININE = "feminine"
    MASCULINE = "masculine"
    TRANSGENDER_FEMININE = "transgender_feminine"
    TRANSGENDER_MASCULINE = "transgender_masculine"
    NON_CONFORMING = "non_conforming"
    UNKNOWN = "unknown"


class AgeRange(StrEnum):
    """CTDC ageBroad bands, for when the exact age is not known."""

    A0_8 = "0-8"
    A9_17 = "9-17"
    A18_20 = "18-20"
    A21_23 = "21-23"
    A24_26 = "24-26"
    A27_29 = "27-29"
    A30_38 = "30-38"
    A39_47 = "39-47"
    A48_PLUS = "48+"


class MigrationStatus(StrEnum):
    REGULAR = "regular"
    IRREGULAR = "irregular"
    ASYLUM_OR_REFUGEE = "asylum_or_refugee"
    IN_PROCESS = "in_process"
    UNKNOWN = "unknown"


class DocumentType(StrEnum):
    DNI = "dni"
    FOREIGNER_CARD = "ce"
    PASSPORT = "passport"
    PTP = "ptp"
    OTHER = "other"


class TraffickingStatus(StrEnum):
    """HTCDS vic_TraffickingStatus."""

    POSSIBLE = "possible"
    ACTUAL = "actual"
    NOT_A_VICTIM = "not_a_victim"


class DecisionBody(StrEnum):
    """HTCDS vic_TraffickingStatusDecisionMakingOrg."""

    POLICE = "police"
    NGO = "ngo"
    COURT_OR_PROSECUTION = "court_or_prosecution"
    NON_POLICE_GOVERNMENT = "non_police_government"
    OTHER = "other"


class RecruiterRelation(StrEnum):
    """CTDC recruiterRelation (finer than HTCDS RelationshipToTrafficker, which derives from it)."""

    INTIMATE_PARTNER = "intimate_partner"
    FRIEND = "friend"
    FAMILY = "family"
    OTHER = "other"
    UNKNOWN = "unknown"


class Consent(StrEnum):
    """Consent to share the person's data with partner organisations."""

    YES = "yes"
    NO = "no"
    NOT_ASKED = "not_asked"


class SuspectRole(StrEnum):
    """HTCDS per_RoleInProcess (the most frequent values)."""

    RECRUITER = "recruiter"
    TRANSPORTER = "transporter"
    EXPLOITER = "exploiter"
    HARBOURER = "harbourer"
    CONTROLLER = "controller"
    BUYER_OR_SELLER = "buyer_or_seller"
    SMUGGLER = "smuggler"
    OTHER = "other"


case_exploitation_forms = Table(
    "case_exploitation_forms",
    db.Model.metadata,
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("form_code", ForeignKey("exploitation_forms.code"), primary_key=True, index=True),
)


class CaseCounter(db.Model):
    """The last reference number given out per year (`TP-<year>-<value>`)."""

    __tablename__ = "case_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class Case(TimestampMixin, db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_status_opened_at", "status", "opened_at"),
        Index("ix_cases_status_due_at", "status", "triage_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=CaseStatus.NEW)
    risk: Mapped[str] = mapped_column(String(10), nullable=False, default=Risk.NORMAL, index=True)
    region_ubigeo: Mapped[str | None] = mapped_column(ForeignKey("regions.ubigeo"), index=True)
    province_ubigeo: Mapped[str | None] = mapped_column(ForeignKey("provinces.ubigeo"))
    location: Mapped[str | None] = mapped_column(EncryptedText())
    indicators: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    victim_count: Mapped[int | None] = mapped_column(Integer)
    has_minors: Mapped[bool | None] = mapped_column(Boolean)
    victim_nationalities: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    # Referrals (migration 0006): ISO country where the exploitation happens; None = Peru or not known.
    exploitation_country: Mapped[str | None] = mapped_column(String(2))
    narrative: Mapped[str | None] = mapped_column(EncryptedText())
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, index=True)
    triage_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    triaged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    close_reason: Mapped[str | None] = mapped_column(String(40))
    version_id: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version_id}

    exploitation_forms = relationship(
        "ExploitationForm", secondary=case_exploitation_forms, order_by="ExploitationForm.code"
    )
    region = relationship("Region")
    province = relationship("Province")
    assigned_to = relationship("User", foreign_keys=[assigned_to_id])
    opened_by = relationship("User", foreign_keys=[opened_by_id])
    persons: Mapped[list[Person]] = relationship(
        back_populates="case", order_by="Person.id", cascade="all, delete-orphan"
    )
    calls = relationship("Call", back_populates="case", order_by="Call.received_at")
    notes: Mapped[list[CaseNote]] = relationship(
        back_populates="case", order_by="CaseNote.created_at.desc()", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Case {self.id} {self.reference} {self.status}>"


class Person(TimestampMixin, db.Model):
    """Someone in a case: victim, suspect, witness or caller. Identifying fields are encrypted."""

    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True
    )
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    name: Mapped[str | None] = mapped_column(EncryptedText())
    name_index: Mapped[str | None] = mapped_column(String(64), index=True)
    alias: Mapped[str | None] = mapped_column(EncryptedText())
    alias_index: Mapped[str | None] = mapped_column(String(64), index=True)
    gender: Mapped[str | None] = mapped_column(String(30))
    age: Mapped[int | None] = mapped_column(Integer)
    age_range: Mapped[str | None] = mapped_column(String(10))
    nationalities: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    migration_status: Mapped[str | None] = mapped_column(String(30))
    language: Mapped[str | None] = mapped_column(String(10))
    is_interpreter_needed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    document_type: Mapped[str | None] = mapped_column(String(20))
    document_number: Mapped[str | None] = mapped_column(EncryptedText())
    document_index: Mapped[str | None] = mapped_column(String(64), index=True)
    phone: Mapped[str | None] = mapped_column(EncryptedText())
    phone_index: Mapped[str | None] = mapped_column(String(64), index=True)
    address: Mapped[str | None] = mapped_column(EncryptedText())
    details: Mapped[str | None] = mapped_column(EncryptedText())
    # Victims
    trafficking_status: Mapped[str | None] = mapped_column(String(20))
    trafficking_status_decided_by: Mapped[str | None] = mapped_column(String(30))
    recruiter_relation: Mapped[str | None] = mapped_column(String(20))
    consent: Mapped[str] = mapped_column(String(20), nullable=False, default=Consent.NOT_ASKED)
    consent_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Suspects
    suspect_roles: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version_id}

    case: Mapped[Case] = relationship(back_populates="persons")

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.role} case={self.case_id}>"


class CaseNote(db.Model):
    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(EncryptedText(), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="notes")
    author = relationship("User")

    def __repr__(self) -> str:
        return f"<CaseNote {self.id} case={self.case_id}>"


class CaseHistory(db.Model):
    """One changed field of a case (or of a person on it): who, when, before and after.

    Encrypted fields are recorded as "changed" only, so the history holds no personal data in clear.
    """

    __tablename__ = "case_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    action: Mapped[str] = mapped_column(String(30), nullable=False)
    field: Mapped[str | None] = mapped_column(String(60))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)

    actor = relationship("User")

    def __repr__(self) -> str:
        return f"<CaseHistory {self.id} case={self.case_id} {self.action} {self.field}>"


class SearchKey(db.Model):
    """A case search by personal data, kept server-side behind an opaque key (`/cases/?s=<key>`).

    The name, phone or document searched for never goes into a URL (access logs, proxies, browser
    history): the form POSTs it, and the list is redirected to a random key that only its owner
    may use, for `SEARCH_KEY_TTL`. The row stores a hash of the key and the search text encrypted;
    the worker deletes expired rows.
    """

    __tablename__ = "search_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    query: Mapped[str] = mapped_column(EncryptedText(), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)

    def __repr__(self) -> str:
        return f"<SearchKey {self.id} user={self.user_id}>"
