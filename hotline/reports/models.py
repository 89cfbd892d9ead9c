"""The reports' own tables, and the one index their queries need on another domain's table.

`reports` only reads the other domains. It writes only its own record of anonymised releases
(`report_releases`, `report_release_members`, migration 0012) and the audit rows. The index on calls
is declared here so the models and migration 0007 agree (`flask db check`).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.calls.models import Call
from hotline.database import UTCDateTime, utcnow
from hotline.extensions import db

# Contacts by period, channel and kind (and by case, for the region/form/partner filters) are read
# from the index alone: at 200,000 contacts the dashboard's largest query drops from ~230 to ~65 ms.
ix_calls_received_at_report = Index(
    "ix_calls_received_at_report", Call.received_at, Call.channel, Call.kind, Call.case_id
)


class PeriodKind(StrEnum):
    QUARTER = "quarter"
    YEAR = "year"


class Release(db.Model):
    """One anonymised HTCDS/CTDC victims' file, made once for a calendar quarter or year and kept as
    the exact bytes that every download sends. `sequence` 1 is the period's release; 2, 3, ... are its
    late-records releases (victims entered after the earlier ones were made)."""

    __tablename__ = "report_releases"
    __table_args__ = (UniqueConstraint("period_kind", "period_start", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_kind: Mapped[str] = mapped_column(String(10), nullable=False)
    period_start: Mapped[date] = mapped_column(Date(), nullable=False)
    period_end: Mapped[date] = mapped_column(Date(), nullable=False)
    sequence: Mapped[int] = mapped_column(Integer, nullable=False)
    k: Mapped[int] = mapped_column(Integer, nullable=False)
    victims: Mapped[int] = mapped_column(Integer, nullable=False)
    minors: Mapped[int] = mapped_column(Integer, nullable=False)
    qi_values: Mapped[int] = mapped_column(Integer, nullable=False)
    suppressed_values: Mapped[int] = mapped_column(Integer, nullable=False)
    generalised_values: Mapped[int] = mapped_column(Integer, nullable=False)
    sheet: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    # The files, loaded only when a download asks for one.
    csv_data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False, deferred=True)
    xlsx_data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False, deferred=True)
    csv_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    xlsx_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    made_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    made_by = relationship("User")

    def __repr__(self) -> str:
        return f"<Release {self.id} {self.period_kind} {self.period_start} #{self.sequence}>"

    @property
    def suppressed_share(self) -> float:
        return self.suppressed_values / self.qi_values if self.qi_values else 0.0


class ReleaseMember(db.Model):
    """Which victims a release holds: each person is published in at most one release ever (the
    primary key), so no difference or intersection of releases can single anyone out. No foreign
    key to persons: reports must never stand in the way of another domain deleting a person. The
    row a person became is not stored."""

    __tablename__ = "report_release_members"

    person_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    release_id: Mapped[int] = mapped_column(
        ForeignKey("report_releases.id", ondelete="CASCADE"), nullable=False, index=True
    )
