"""The working group's figures: per partner, for one month or one quarter, and the audit of each reading."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from hotline.audit import services as audit
from hotline.extensions import db
from hotline.partners.models import Partner
from hotline.referrals.models import Referral
from hotline.reports import sql
from hotline.reports.conditions import referral_conditions
from hotline.reports.dashboard import (
    NOT_REVOKED,
    AckTimes,
    Quality,
    ack_times,
    month_keys,
    outcomes_by_partner,
    quality_by_partner,
    quality_by_partner_and_month,
    quality_total,
)
from hotline.reports.filters import EARLIEST, ReportError, ReportFilter

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
    quality: Quality
    ack: AckTimes
    outcomes: dict[str, int] = field(default_factory=dict)
    by_month: list[tuple[str, Quality]] = field(default_factory=list)


@dataclass
class WorkingGroupReport:
    period: Period
    partners: list[PartnerReport]
    totals: Quality
    ack: AckTimes
    outcomes: dict[str, int]
    months: list[str]
    reasons: list[tuple[str, str, str]] | None  # (partner code, month, reason)
    generated_at: datetime
    partner_id: int | None = None


def _reasons(conditions: list[Any], start: date) -> list[tuple[str, str, str]]:
    month = sql.month_of(Referral.sent_at, sql.offset_minutes(start)).label("month")
    query = (
        select(Partner.code, month, Referral.decline_reason)
        .join(Partner, Partner.id == Referral.partner_id)
        .where(*conditions, Referral.decline_reason.is_not(None), NOT_REVOKED)
        .order_by(Partner.code, Referral.sent_at, Referral.id)
        .limit(MAX_REASONS)
    )
    return [(code, m, " ".join((reason or "").split())) for code, m, reason in db.session.execute(query)]


def build_report(
    period: Period,
    *,
    locale: str,
    partner_id: int | None = None,
    include_reasons: bool = False,
    now: datetime,
) -> WorkingGroupReport:
    filters = period.filters(partner_id)
    conditions = referral_conditions(filters)
    quality = quality_by_partner(conditions, now)
    times = ack_times(conditions, by_partner=True)
    outcomes = outcomes_by_partner(conditions)
    monthly = quality_by_partner_and_month(conditions, now, period.start)
    months = month_keys(period.start, period.end)
    partners = (
        {p.id: p for p in db.session.scalars(select(Partner).where(Partner.id.in_(list(quality))))}
        if quality
        else {}
    )
    rows = [
        PartnerReport(
            partner_id=pid,
            code=partners[pid].code,
            name=partners[pid].name(locale),
            quality=q,
            ack=times.get(pid, AckTimes()),
            outcomes=outcomes.get(pid, {}),
            by_month=[(m, monthly.get(pid, {}).get(m, Quality())) for m in months],
        )
        for pid, q in quality.items()
    ]
    rows.sort(key=lambda r: r.name.lower())
    total_outcomes: dict[str, int] = {}
    for by_outcome in outcomes.values():
        for outcome, n in by_outcome.items():
            total_outcomes[outcome] = total_outcomes.get(outcome, 0) + n
    return WorkingGroupReport(
        period=period,
        partners=rows,
        totals=quality_total(conditions, now),
        ack=ack_times(conditions, by_partner=False).get(None, AckTimes()),
        outcomes=total_outcomes,
        months=months,
        reasons=_reasons(conditions, period.start) if include_reasons else None,
        generated_at=now,
        partner_id=partner_id,
    )


def record_access(report: WorkingGroupReport, how: str, *, actor: Any) -> None:
    """Audit each reading of the report (it can hold the partners' free-text decline reasons)."""
    reasons = "included" if report.reasons is not None else "not included"
    audit.record(
        "report.working_group",
        actor=actor,
        object_type="report",
        object_id="working_group",
        summary=f"{how} {report.period.slug}, partner {report.partner_id or 'all'}, "
        f"{len(report.partners)} partners, decline reasons {reasons}",
    )
