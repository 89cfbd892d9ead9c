"""The filters every report takes, and their limits (no report reads more than five years)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l

from hotline.errors import HotlineError
from hotline.reports import sql

EARLIEST = date(2000, 1, 1)
MAX_RANGE_DAYS = 5 * 365 + 1  # five years, leap day included
# The longest range each period can draw without a chart of hundreds of bars.
PERIOD_MAX_DAYS = {"day": 92, "week": 2 * 366, "month": MAX_RANGE_DAYS}
LIMA_DEPARTMENT = "15"
LIMA_METROPOLITANA = "1501"


class ReportError(HotlineError):
    """A report was asked for with filters it cannot honour (the message is safe to show)."""


@dataclass(frozen=True)
class ReportFilter:
    """Dates are local calendar days, both included. Region, form and partner narrow the cases."""

    start: date
    end: date
    region: str | None = None  # a ubigeo: a department includes its provinces (15 includes 1501)
    form: str | None = None  # an exploitation form code
    partner_id: int | None = None
    period: str = "month"  # day | week | month: the buckets of the charts over time

    @property
    def start_utc(self) -> datetime:
        return sql.local_midnight_utc(self.start)

    @property
    def end_utc(self) -> datetime:
        """Exclusive: the instant the day after `end` starts."""
        return sql.local_midnight_utc(self.end + timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def region_codes(self) -> list[str] | None:
        if not self.region:
            return None
        if self.region == LIMA_DEPARTMENT:
            return [LIMA_DEPARTMENT, LIMA_METROPOLITANA]
        return [self.region]

    @property
    def narrows_cases(self) -> bool:
        return bool(self.region or self.form or self.partner_id)

    def query_args(self) -> dict[str, str]:
        """The filter as URL query arguments (codes and dates only: never personal data)."""
        args = {"start": self.start.isoformat(), "end": self.end.isoformat(), "period": self.period}
        if self.region:
            args["region"] = self.region
        if self.form:
            args["form"] = self.form
        if self.partner_id:
            args["partner"] = str(self.partner_id)
        return args

    def describe(self) -> str:
        """Plain English for the audit trail."""
        parts = [f"{self.start.isoformat()}..{self.end.isoformat()}"]
        if self.region:
            parts.append(f"region={self.region}")
        if self.form:
            parts.append(f"form={self.form}")
        if self.partner_id:
            parts.append(f"partner={self.partner_id}")
        return " ".join(parts)


def default_filter(today: date) -> ReportFilter:
    """The last twelve months, by month: from the first day of the month eleven months ago."""
    month = today.month - 11
    year = today.year
    if month < 1:
        month += 12
        year -= 1
    return ReportFilter(start=date(year, month, 1), end=today, period="month")


def latest_allowed(today: date) -> date:
    return date(today.year + 1, 12, 31)


def range_errors(start: date, end: date, period: str, today: date) -> list[object]:
    """What is wrong with a date range (translatable messages); empty when it is fine."""
    errors: list[object] = []
    last = latest_allowed(today)
    for day in (start, end):
        if day < EARLIEST or day > last:
            errors.append(
                _l("Choose dates between %(first)s and %(last)s.", first=EARLIEST.isoformat(), last=last)
            )
            return errors
    if end < start:
        errors.append(_l("The end date is before the start date."))
        return errors
    days = (end - start).days + 1
    if days > MAX_RANGE_DAYS:
        errors.append(_l("The range is too long: choose at most five years."))
    elif period == "day" and days > PERIOD_MAX_DAYS["day"]:
        errors.append(_l("Figures by day cover at most 92 days: choose weeks or months."))
    elif period == "week" and days > PERIOD_MAX_DAYS["week"]:
        errors.append(_l("Figures by week cover at most two years: choose months."))
    return errors


def check(filters: ReportFilter, today: date) -> ReportFilter:
    """Refuse a filter the reports cannot honour (for callers that bypass the form)."""
    if filters.period not in sql.PERIODS:
        raise ReportError(_l("Choose days, weeks or months."))
    errors = range_errors(filters.start, filters.end, filters.period, today)
    if errors:
        raise ReportError(errors[0])
    return filters
