"""What telephony stores next to the Call: the messages of a conversation, voicemails, opt-outs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.database import EncryptedText, UTCDateTime, utcnow
from hotline.extensions import db


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class Message(db.Model):
    """One SMS or WhatsApp message of a conversation (a Call of channel sms/whatsapp)."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_call_id_received_at", "call_id", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), nullable=False)
    sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    direction: Mapped[str] = mapped_column(String(10), nullable=False, default=Direction.INBOUND)
    body: Mapped[str | None] = mapped_column(EncryptedText())
    num_media: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    def __repr__(self) -> str:
        return f"<Message {self.id} call={self.call_id} {self.direction}>"


class CallRecording(db.Model):
    """A voicemail left by a caller; the audio stays at Twilio, we keep its reference."""

    __tablename__ = "call_recordings"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), nullable=False, index=True)
    recording_sid: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    recording_url: Mapped[str] = mapped_column(String(500), nullable=False)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    def __repr__(self) -> str:
        return f"<CallRecording {self.id} call={self.call_id}>"


class OptOut(db.Model):
    """A number that sent STOP (or BAJA...): no replies and no outbound SMS until it sends START."""

    __tablename__ = "opt_outs"

    id: Mapped[int] = mapped_column(primary_key=True)
    number_index: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    opted_out_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    def __repr__(self) -> str:
        return f"<OptOut {self.id}>"
