"""Release periods: a calendar quarter or a calendar year (local dates), named "2026-Q1" or "2026"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l

from hotline.errors import HotlineError
from hotline.reports.filters import EARLIEST
from hotline.reports.models import PeriodKind

_NAME = re.compile(r"^(\d{4})(?:-Q([1-4]))?$")


class ReleaseError(HotlineError):
    """A release was asked for that the rules do not allow (the message says what is allowed)."""


ALLOWED = _l(
    "A release covers a whole calendar quarter (for example 2026-Q1) or a whole calendar year "
    "(for example 2026) that has ended, with no other filters."
)


@dataclass(frozen=True, order=True)
class Period:
    kind: str  # PeriodKind
    year: int
    quarter: int | None = None

    @property
    def start(self) -> date:
        return date(self.year, 1 if self.quarter is None else 3 * self.quarter - 2, 1)

    @property
    def end(self) -> date:
        """The last day, included."""
        if self.quarter is None or self.quarter == 4:
            return date(self.year, 12, 31)
        return date(self.year, 3 * self.quarter + 1, 1) - timedelta(days=1)

    @property
    def name(self) -> str:
        return str(self.year) if self.quarter is None else f"{self.year}-Q{self.quarter}"

    def has_ended(self, today: date) -> bool:
        return self.end < today

    def contains(self, other: Period) -> bool:
        return self.kind == PeriodKind.YEAR and other.year == self.year

    @classmethod
    def of(cls, kind: str, start: date) -> Period:
        if kind == PeriodKind.YEAR:
            return cls(PeriodKind.YEAR.value, start.year)
        return cls(PeriodKind.QUARTER.value, start.year, (start.month - 1) // 3 + 1)


def quarter_of(day: date) -> Period:
    return Period.of(PeriodKind.QUARTER, day)


def parse_period(name: str | None, today: date) -> Period:
    """'2026' or '2026-Q3', ended and not before the first possible date; else a ReleaseError."""
    match = _NAME.match((name or "").strip())
    if not match:
        raise ReleaseError(ALLOWED)
    year, quarter = int(match.group(1)), match.group(2)
    if quarter:
        period = Period(PeriodKind.QUARTER.value, year, int(quarter))
    else:
        period = Period(PeriodKind.YEAR.value, year)
    if period.start < EARLIEST:
        raise ReleaseError(_l("Choose a period from %(year)d on.", year=EARLIEST.year))
    if not period.has_ended(today):
        raise ReleaseError(
            _l(
                "%(period)s has not ended yet: only a quarter or a year that has ended can be released.",
                period=period.name,
            )
        )
    return period


def period_from_dates(start: date, end: date, today: date) -> Period:
    """The period a start and an end date describe, if they are exactly a quarter or a year."""
    for kind in (PeriodKind.QUARTER, PeriodKind.YEAR):
        period = Period.of(kind, start)
        if period.start == start and period.end == end:
            return parse_period(period.name, today)
    raise ReleaseError(ALLOWED)


def ended_periods(today: date, years: int = 5) -> list[Period]:
    """The quarters and years that have ended, newest first, over the last `years` years."""
    found: list[Period] = []
    for year in range(today.year, max(today.year - years, EARLIEST.year - 1), -1):
        candidates = [Period(PeriodKind.YEAR.value, year)]
        candidates += [Period(PeriodKind.QUARTER.value, year, q) for q in (4, 3, 2, 1)]
        found += [p for p in candidates if p.has_ended(today)]
    return found
