"""The dashboard's figures as plain data: what the queries return and the presenters draw."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from typing import Any

from hotline.extensions import db
from hotline.reports.filters import ReportFilter

UNKNOWN = ""  # the key of "not recorded" in every breakdown


@dataclass
class TimeSeries:
    """Counts by period and key: every period of the range is listed, empty ones included."""

    periods: list[str]
    keys: list[str]
    counts: dict[tuple[str, str], int]

    def value(self, period: str, key: str) -> int:
        return self.counts.get((period, key), 0)

    def period_total(self, period: str) -> int:
        return sum(self.value(period, key) for key in self.keys)

    def key_total(self, key: str) -> int:
        return sum(self.value(period, key) for period in self.periods)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class Quality:
    """Referral performance over a set of referrals (one partner, one month, or all)."""

    sent: int = 0
    revoked: int = 0
    on_time: int = 0
    late: int = 0  # acknowledged after the deadline
    overdue: int = 0  # still not acknowledged, past the deadline
    accepted: int = 0
    declined: int = 0
    outcome: int = 0
    implemented: int = 0
    successful: int = 0

    @classmethod
    def from_row(cls, row: Any) -> Quality:
        """From a result row with one column per field (see `referrals.quality_columns`)."""
        return cls(**{f.name: int(getattr(row, f.name) or 0) for f in fields(cls)})

    @property
    def counted(self) -> int:
        """The referrals the partner had to answer (revoked ones are left out of the shares)."""
        return self.sent - self.revoked

    @property
    def waiting(self) -> int:
        """Not acknowledged yet, still within the deadline."""
        return max(self.counted - self.on_time - self.late - self.overdue, 0)

    @property
    def missed(self) -> int:
        return self.late + self.overdue

    def __add__(self, other: Quality) -> Quality:
        return Quality(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    def share(self, name: str) -> float | None:
        if self.counted <= 0:
            return None
        return getattr(self, name) / self.counted


@dataclass
class AckTimes:
    acknowledged: int = 0
    median_seconds: float | None = None
    p90_seconds: float | None = None


@dataclass
class PartnerRow:
    partner_id: int
    by_status: dict[str, int] = field(default_factory=dict)
    quality: Quality = field(default_factory=Quality)
    ack: AckTimes = field(default_factory=AckTimes)

    @property
    def sent(self) -> int:
        return sum(self.by_status.values())


@dataclass
class Dashboard:
    filters: ReportFilter
    contacts_by_channel: TimeSeries
    contacts_by_kind: TimeSeries
    cases: dict[str, int]
    cases_by_form: list[tuple[str, int]]
    cases_by_region: list[tuple[str, int]]
    cases_by_close_reason: list[tuple[str, int]]
    victims: dict[str, int]
    victims_by_gender: list[tuple[str, int]]
    victims_by_age: list[tuple[str, int]]
    victims_by_nationality: list[tuple[str, int]]
    partners: list[PartnerRow]
    referral_totals: Quality
    ack_overall: AckTimes
    quality_by_month: list[tuple[str, Quality]]
    outcomes: list[tuple[str, int]]


# --- periods and breakdowns ---------------------------------------------------------------------


def period_keys(start: date, end: date, period: str) -> list[str]:
    """The first day ('YYYY-MM-DD') of every day, ISO week or month touching [start, end]."""
    if period == "day":
        first, step = start, None
    elif period == "week":
        first, step = start - timedelta(days=start.weekday()), None
    else:
        first, step = start.replace(day=1), "month"
    keys: list[str] = []
    current = first
    while current <= end:
        keys.append(current.isoformat())
        if step == "month":
            current = (current.replace(day=28) + timedelta(days=4)).replace(day=1)
        else:
            current += timedelta(days=1 if period == "day" else 7)
    return keys


def month_keys(start: date, end: date) -> list[str]:
    return [key[:7] for key in period_keys(start, end, "month")]


def by_count(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Largest first; "not recorded" last."""
    return sorted(counts.items(), key=lambda item: (item[0] == UNKNOWN, -item[1], item[0]))


def grouped(query: Any) -> list[tuple[str, int]]:
    """The (key, count) rows of a GROUP BY, largest first, "not recorded" last (engines sort NULL
    differently)."""
    return by_count(
        {UNKNOWN if key is None else str(key): int(count) for key, count in db.session.execute(query)}
    )
