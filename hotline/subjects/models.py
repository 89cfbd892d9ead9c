"""The register of data-subject requests (and of the cases anonymised at the end of their retention)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.database import EncryptedText, UTCDateTime, utcnow
from hotline.extensions import db


class RequestKind(StrEnum):
    EXPORT = "export"  # access: everything held on the person
    CORRECTION = "correction"  # rectification
    ANONYMISATION = "anonymisation"  # cancellation, by anonymising (the statistics stay)
    RETENTION = "retention"  # not a request: a case closed longer than the retention period


class SubjectRequest(db.Model):
    """One request carried out: who, when, on which person records, why and what changed.

    The reason is encrypted (an admin may name the person in it); the audit rows point here by id, so
    the trail itself holds no personal data. A retention row marks its case as done: `flask retention
    run` skips a case with a retention row newer than its closing.
    """

    __tablename__ = "subject_requests"
    __table_args__ = (Index("ix_subject_requests_kind_case_id", "kind", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    person_ids: Mapped[list[int]] = mapped_column(JSON, nullable=False, default=list)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(EncryptedText(), nullable=False)
    changes: Mapped[dict[str, int]] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, index=True)

    actor = relationship("User")

    def __repr__(self) -> str:
        return f"<SubjectRequest {self.id} {self.kind}>"
