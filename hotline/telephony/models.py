"""What telephony stores next to the Call: messages and their media, voicemails, opt-outs, the
operators' presence, the call queue, outbound call legs and warm hand-offs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
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
    # A WhatsApp location, JSON {"latitude", "longitude", "address", "label"}, encrypted.
    location: Mapped[str | None] = mapped_column(EncryptedText())
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


class MediaStatus(StrEnum):
    PENDING = "pending"  # the worker has still to fetch it from Twilio
    STORED = "stored"  # encrypted on our disk
    REJECTED = "rejected"  # wrong type or too large: never stored
    FAILED = "failed"  # gave up after MEDIA_MAX_ATTEMPTS


class MessageMedia(db.Model):
    """One attachment of a message (MMS, WhatsApp image or voice note), fetched by the worker."""

    __tablename__ = "message_media"
    __table_args__ = (
        UniqueConstraint("message_id", "position"),
        Index("ix_message_media_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    twilio_url: Mapped[str] = mapped_column(String(500), nullable=False)
    declared_type: Mapped[str] = mapped_column(String(100), nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=MediaStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    error: Mapped[str | None] = mapped_column(String(80))
    content_type: Mapped[str | None] = mapped_column(String(100))  # sniffed from the bytes
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    storage_key: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    stored_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<MessageMedia {self.id} message={self.message_id} {self.status}>"


class Presence(StrEnum):
    AVAILABLE = "available"
    BUSY = "busy"
    AWAY = "away"
    OFFLINE = "offline"


class OperatorPresence(db.Model):
    """An operator's state for the call queue. `idle_since` orders the offers: longest idle first."""

    __tablename__ = "operator_presence"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=Presence.OFFLINE)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    idle_since: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    is_auto_busy: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    current_call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"))

    def __repr__(self) -> str:
        return f"<OperatorPresence user={self.user_id} {self.status}>"


class QueueStatus(StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"  # an operator's browser is ringing
    ANSWERED = "answered"
    TIMED_OUT = "timed_out"  # sent on to the operator lines / voicemail
    ABANDONED = "abandoned"  # the caller hung up while waiting


class QueueEntry(db.Model):
    """A caller waiting in Twilio's queue (one row per call)."""

    __tablename__ = "call_queue"
    __table_args__ = (Index("ix_call_queue_status_enqueued_at", "status", "enqueued_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), nullable=False, unique=True)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=QueueStatus.WAITING)
    enqueued_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    position: Mapped[int | None] = mapped_column(Integer)
    offered_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    offers: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    def __repr__(self) -> str:
        return f"<QueueEntry {self.id} call={self.call_id} {self.status}>"


class OutboundCall(db.Model):
    """A call leg that is not an inbound contact: our calls to partners, the operators' browser
    legs, and status callbacks for CallSids we never saw (kept here, never as a contact)."""

    __tablename__ = "outbound_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    parent_call_sid: Mapped[str | None] = mapped_column(String(64), index=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"), index=True)
    direction: Mapped[str] = mapped_column(String(30), nullable=False)
    purpose: Mapped[str] = mapped_column(String(20), nullable=False, default="unknown")
    to_number: Mapped[str | None] = mapped_column(EncryptedText())
    twilio_status: Mapped[str | None] = mapped_column(String(20))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    duration_seconds: Mapped[int | None] = mapped_column(Integer)

    def __repr__(self) -> str:
        return f"<OutboundCall {self.id} {self.direction} {self.purpose}>"


class HandoffStatus(StrEnum):
    DIALING = "dialing"  # the partner's phone is ringing, the caller waits in the conference
    TALKING = "talking"  # the partner joined
    COMPLETED = "completed"  # the operator left the caller with the partner
    TAKEN_BACK = "taken_back"  # the operator took the caller back
    FAILED = "failed"


class Handoff(db.Model):
    """A warm hand-off by conference: the operator brings a partner's line into the call."""

    __tablename__ = "call_handoffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), nullable=False, index=True)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    partner_number: Mapped[str] = mapped_column(EncryptedText(), nullable=False)
    partner_label: Mapped[str | None] = mapped_column(String(80))
    conference_sid: Mapped[str | None] = mapped_column(String(64))
    partner_call_sid: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12), nullable=False, default=HandoffStatus.DIALING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<Handoff {self.id} call={self.call_id} {self.status}>"
