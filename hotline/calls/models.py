from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.database import EncryptedText, TimestampMixin, UTCDateTime, utcnow
from hotline.extensions import db


class Channel(StrEnum):
    PHONE = "phone"
    SMS = "sms"
    WHATSAPP = "whatsapp"
    WEB = "web"
    WALK_IN = "walk_in"
    EMAIL = "email"


class CallerType(StrEnum):
    VICTIM = "victim"
    RELATIVE_FRIEND = "relative_friend"
    WITNESS = "witness"
    PROFESSIONAL = "professional"
    ANONYMOUS = "anonymous"
    OTHER = "other"


class CallLanguage(StrEnum):
    SPANISH = "es"
    QUECHUA = "qu"
    AYMARA = "ay"
    ENGLISH = "en"
    OTHER = "other"


class CallKind(StrEnum):
    TRAFFICKING_REPORT = "trafficking_report"
    INFORMATION = "information"
    CASE_FOLLOWUP = "case_followup"
    REFERRED_ELSEWHERE = "referred_elsewhere"
    SILENT = "silent"
    PRANK = "prank"
    TEST = "test"


class CallStatus(StrEnum):
    """Where the contact is: live on the line (telephony) and then in the operators' intake."""

    RINGING = "ringing"
    IN_PROGRESS = "in_progress"
    ENDED = "ended"  # the line is closed, the intake is still to be done
    LOGGED = "logged"  # the operator has finished the intake


class Call(TimestampMixin, db.Model):
    """One contact with the hotline, even a silent, dropped or prank one."""

    __tablename__ = "calls"
    __table_args__ = (Index("ix_calls_status_received_at", "status", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=CallStatus.ENDED)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    twilio_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    twilio_status: Mapped[str | None] = mapped_column(String(20))
    caller_number: Mapped[str | None] = mapped_column(EncryptedText())
    caller_number_index: Mapped[str | None] = mapped_column(String(64), index=True)
    caller_type: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str | None] = mapped_column(String(10))
    kind: Mapped[str | None] = mapped_column(String(30))
    summary: Mapped[str | None] = mapped_column(EncryptedText())
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)

    operator = relationship("User", foreign_keys=[operator_id])
    case = relationship("Case", back_populates="calls")

    def __repr__(self) -> str:
        return f"<Call {self.id} {self.channel} {self.status}>"
