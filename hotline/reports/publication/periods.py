"""The periods a publication may cover: a calendar month, quarter or year, and nothing in between.

A published figure for an arbitrary range (10 March to 9 April) could be set against the months
around it to work a hidden cell out, so the publication version takes only these aligned periods,
and every one of them is part of the same suppressed hierarchy (months, their quarters, the year).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from hotline.reports.filters import EARLIEST, ReportError

KINDS = ("month", "quarter", "year")


@dataclass(frozen=True)
class PublishedPeriod:
    kind: str  # month | quarter | year
    year: int
    number: int = 1  # the month (1-12) or the quarter (1-4); 1 for a year

    @property
    def key(self) -> str:
        """'2026-03', '2026-Q1' or '2026': the period's key in a release."""
        if self.kind == "month":
            return f"{self.year}-{self.number:02d}"
        if self.kind == "quarter":
            return f"{self.year}-Q{self.number}"
        return str(self.year)

    @property
    def start(self) -> date:
        if self.kind == "month":
            return date(self.year, self.number, 1)
        if self.kind == "quarter":
            return date(self.year, 3 * (self.number - 1) + 1, 1)
        return date(self.year, 1, 1)

    @property
    def end(self) -> date:
        months = {"month": 1, "quarter": 3, "year": 12}[self.kind]
        month = self.start.month - 1 + months
        return date(self.year + month // 12, month % 12 + 1, 1) - timedelta(days=1)

    @property
    def months(self) -> list[str]:
        first = self.start.month
        count = {"month": 1, "quarter": 3, "year": 12}[self.kind]
        return [f"{self.year}-{m:02d}" for m in range(first, first + count)]

    def label(self) -> str:
        if self.kind == "month":
            return format_date(self.start, "LLLL y")
        if self.kind == "quarter":
            return str(_l("Quarter %(n)d, %(year)d", n=self.number, year=self.year))
        return str(self.year)


def period_of(kind: str, year: int, number: int = 1) -> PublishedPeriod:
    return PublishedPeriod(kind, year, number if kind != "year" else 1)


def from_dates(start: date, end: date) -> PublishedPeriod | None:
    """The aligned period that runs exactly from `start` to `end`, else None."""
    candidates = [PublishedPeriod("month", start.year, start.month), PublishedPeriod("year", start.year)]
    if start.month % 3 == 1:
        candidates.append(PublishedPeriod("quarter", start.year, (start.month - 1) // 3 + 1))
    for period in candidates:
        if period.start == start and period.end == end:
            return period
    return None


def quarter_of(month_key: str) -> str:
    year, month = month_key.split("-")
    return f"{year}-Q{(int(month) - 1) // 3 + 1}"


def level_of(period_key: str) -> int:
    """0 for a month, 1 for a quarter, 2 for a year (suppression works bottom-up)."""
    if "-Q" in period_key:
        return 1
    return 0 if "-" in period_key else 2


def requested(
    start: date | None, end: date | None, grouping: str | None, *, narrowed: bool, today: date
) -> PublishedPeriod:
    """The month a publication asks for (the last full month when no dates are given), or ReportError.

    Only whole calendar months, grouped by month, for the whole country: any other range or
    filter would publish the same figures cut another way (see README.md, "Published figures").
    """
    if narrowed:
        raise ReportError(
            _l(
                "The version for publication shows the whole country: remove the region, "
                "form of exploitation and partner filters."
            )
        )
    if grouping not in (None, "", "month"):
        raise ReportError(_l("The version for publication groups by month."))
    if start is None and end is None:
        first = today.replace(day=1) - timedelta(days=1)
        return PublishedPeriod("month", first.year, first.month)
    period = from_dates(start, end) if start and end else None
    if period is None or period.kind != "month":
        raise ReportError(
            _l("The version for publication covers one calendar month: choose its first and last day.")
        )
    return check_published(period, today=today, earliest=EARLIEST)


def check_published(period: PublishedPeriod, *, today: date, earliest: date = EARLIEST) -> PublishedPeriod:
    if period.kind not in PUBLISHED_KINDS:
        raise ReportError(_l("Figures for publication cover one calendar month: choose a month."))
    if period.start < earliest.replace(day=1):
        raise ReportError(
            _l("Choose a year from %(first)d to %(last)d.", first=earliest.year, last=today.year)
        )
    if period.start > today:
        raise ReportError(_l("This period has not started yet."))
    return period


# One granularity only: a quarter published beside its months would let its total, less two of
# them, give the third back unless all four were suppressed together (the engine can, see
# `suppress`, but it is too slow per request for now).
PUBLISHED_KINDS = ("month",)
