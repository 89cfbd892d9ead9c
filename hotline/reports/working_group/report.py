"""The working group's figures: per partner, for one month, and the audit of each reading.

Every number is a cell of the month's suppressed release, the same cells as the dashboard's
version for publication; quarters are refused until they can be suppressed with their months.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from hotline.audit import services as audit
from hotline.extensions import db
from hotline.partners.models import Partner
from hotline.referrals.models import Referral
from hotline.reports.conditions import referral_conditions
from hotline.reports.dashboard import NOT_REVOKED
from hotline.reports.filters import EARLIEST, ReportError, ReportFilter
from hotline.reports.publication import PublishedPeriod, Release, build_release, check_published, period_of
from hotline.reports.publication.release import ALL

MAX_REASONS = 500


@dataclass(frozen=True)
class Period:
    kind: str  # month | quarter
    year: int
    number: int  # 1-12 or 1-4

    @property
    def start(self) -> date:
        month = self.number if self.kind == "month" else 3 * (self.number - 1) + 1
        return date(self.year, month, 1)

    @property
    def end(self) -> date:
        months = 1 if self.kind == "month" else 3
        month = self.start.month + months
        year = self.year + (month - 1) // 12
        month = (month - 1) % 12 + 1
        return date.fromordinal(date(year, month, 1).toordinal() - 1)

    @property
    def slug(self) -> str:
        return f"{self.year}-{self.number:02d}" if self.kind == "month" else f"{self.year}-Q{self.number}"

    def label(self) -> str:
        if self.kind == "month":
            return format_date(self.start, "LLLL y")
        return str(_l("Quarter %(n)d, %(year)d", n=self.number, year=self.year))

    def published(self) -> PublishedPeriod:
        return period_of(self.kind, self.year, self.number)

    def filters(self, partner_id: int | None) -> ReportFilter:
        return ReportFilter(self.start, self.end, partner_id=partner_id, period="month")


def make_period(kind: str, year: int, number: int, *, today: date) -> Period:
    if kind not in ("month", "quarter"):
        raise ReportError(_l("Choose a month or a quarter."))
    top = 12 if kind == "month" else 4
    if not (1 <= number <= top):
        raise ReportError(_l("Choose a month or a quarter."))
    if not (EARLIEST.year <= year <= today.year):
        raise ReportError(
            _l("Choose a year from %(first)d to %(last)d.", first=EARLIEST.year, last=today.year)
        )
    period = Period(kind, year, number)
    if period.start > today:
        raise ReportError(_l("This period has not started yet."))
    check_published(period.published(), today=today)  # the report is published: one month only
    return period


def last_month(today: date) -> Period:
    if today.month == 1:
        return Period("month", today.year - 1, 12)
    return Period("month", today.year, today.month - 1)


@dataclass
class PartnerReport:
    partner_id: int
    code: str
    name: str

    @property
    def key(self) -> str:
        """The partner in the release's cells."""
        return str(self.partner_id)


@dataclass
class WorkingGroupReport:
    """One month's figures, every one a cell of the suppressed release (see `publication`)."""

    period: Period
    release: Release
    partners: list[PartnerReport]  # every partner, so that a row's presence says nothing
    months: list[str]
    reasons: list[str] | None  # the decline reasons, without partner or month (None: not asked for)
    generated_at: datetime
    partner_id: int | None = None  # show this partner's row only (the same cells as the full report)
    reasons_withheld: bool = False  # asked for, but their number would reveal a hidden count

    @property
    def rows(self) -> list[PartnerReport]:
        if self.partner_id is None:
            return self.partners
        return [p for p in self.partners if p.partner_id == self.partner_id]

    def cell(self, partner: str = ALL, month: str | None = None, **values: str) -> tuple[str, ...]:
        return self.release.key("referrals", month, partner=partner, **values)


def _reasons(conditions: list[Any]) -> list[str]:
    query = (
        select(Referral.decline_reason)
        .where(*conditions, Referral.decline_reason.is_not(None), NOT_REVOKED)
        .order_by(Referral.id)
        .limit(MAX_REASONS)
    )
    return sorted({" ".join((reason or "").split()) for reason in db.session.scalars(query)} - {""})


def build_report(
    period: Period,
    *,
    locale: str,
    partner_id: int | None = None,
    include_reasons: bool = False,
    now: datetime,
    release: Release | None = None,
) -> WorkingGroupReport:
    release = release or build_release(period.published(), now=now)
    partners = db.session.scalars(select(Partner).order_by(Partner.code)).all()
    rows = [PartnerReport(p.id, p.code, p.name(locale)) for p in partners]
    rows.sort(key=lambda r: r.name.lower())
    report = WorkingGroupReport(
        period=period,
        release=release,
        partners=rows,
        months=release.period.months,
        reasons=None,
        generated_at=now,
        partner_id=partner_id,
    )
    if include_reasons:
        # The reasons are listed only when the number of referrals declined is itself published:
        # their count must not give a hidden figure back, nor their partner or month.
        if release.hidden(report.cell(decision="declined")):
            report.reasons, report.reasons_withheld = [], True
        else:
            report.reasons = _reasons(referral_conditions(period.filters(None)))
    return report


def record_access(report: WorkingGroupReport, how: str, *, actor: Any) -> None:
    """Audit each reading of the report (it can hold the partners' free-text decline reasons)."""
    reasons = "included" if report.reasons is not None else "not included"
    audit.record(
        "report.working_group",
        actor=actor,
        object_type="report",
        object_id="working_group",
        summary=f"{how} {report.period.slug}, partner {report.partner_id or 'all'}, "
        f"{len(report.rows)} partners, decline reasons {reasons}",
    )
