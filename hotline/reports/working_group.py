"""The referral report for the working group: per partner, one month or one quarter.

Sent, acknowledged on time, accepted, declined (with the partners' reasons if asked for),
outcomes, and the time to acknowledgement. The report leaves the hotline, so every count below 3 is
written "<3" (see `disclosure`). Figures are grouped in SQL; the XLSX has formatted sheets and the
same figures as the printable page.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import format_date, format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from hotline.audit import services as audit
from hotline.extensions import db
from hotline.partners.models import Partner
from hotline.referrals.models import Referral, ReferralOutcome, ReferralStatus
from hotline.reports import disclosure, sql
from hotline.reports.dashboard import (
    AckTimes,
    Quality,
    ack_times,
    month_keys,
    quality_by_partner,
    quality_columns,
    quality_total,
    referral_conditions,
)
from hotline.reports.exports import cell
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


def _outcomes_by_partner(conditions: list[Any]) -> dict[int, dict[str, int]]:
    query = (
        select(Referral.partner_id, Referral.outcome, func.count())
        .where(*conditions, Referral.outcome.is_not(None), Referral.status != ReferralStatus.REVOKED.value)
        .group_by(Referral.partner_id, Referral.outcome)
        .order_by(Referral.partner_id, Referral.outcome)
    )
    result: dict[int, dict[str, int]] = {}
    for partner_id, outcome, count in db.session.execute(query):
        result.setdefault(partner_id, {})[outcome] = int(count)
    return result


def _quality_by_partner_month(
    conditions: list[Any], now: datetime, start: date
) -> dict[int, dict[str, Quality]]:
    from sqlalchemy.sql.util import ClauseAdapter

    month = sql.month_of(Referral.sent_at, sql.offset_minutes(start)).label("month")
    sub = select(month, Referral).where(*conditions).subquery()
    adapter = ClauseAdapter(sub)
    query = (
        select(sub.c.partner_id, sub.c.month, *[adapter.traverse(c) for c in quality_columns(now)])
        .group_by(sub.c.partner_id, sub.c.month)
        .order_by(sub.c.partner_id, sub.c.month)
    )
    result: dict[int, dict[str, Quality]] = {}
    for row in db.session.execute(query):
        values = {name: int(getattr(row, name) or 0) for name in Quality.__dataclass_fields__}
        result.setdefault(row.partner_id, {})[row.month] = Quality(**values)
    return result


def _reasons(conditions: list[Any], start: date) -> list[tuple[str, str, str]]:
    month = sql.month_of(Referral.sent_at, sql.offset_minutes(start)).label("month")
    query = (
        select(Partner.code, month, Referral.decline_reason)
        .join(Partner, Partner.id == Referral.partner_id)
        .where(
            *conditions, Referral.decline_reason.is_not(None), Referral.status != ReferralStatus.REVOKED.value
        )
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
    outcomes = _outcomes_by_partner(conditions)
    monthly = _quality_by_partner_month(conditions, now, period.start)
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


# --- the table both the page and the workbook show -----------------------------------------------

OUTCOMES = [o.value for o in ReferralOutcome]


def summary_columns() -> list[Any]:
    return [
        _l("Partner"),
        _l("Sent"),
        _l("Acknowledged on time"),
        _l("On time (%)"),
        _l("Acknowledged late or overdue"),
        _l("Accepted"),
        _l("Accepted (%)"),
        _l("Declined"),
        _l("Outcome reported"),
        _l("With outcome (%)"),
        _l("Implemented"),
        _l("Successful"),
        _l("Median time to acknowledge"),
        _l("90th percentile"),
    ]


def summary_cells(name: str, q: Quality, ack: AckTimes) -> list[str]:
    c = disclosure.count
    s = disclosure.share
    return [
        name,
        c(q.counted, publish=True),
        c(q.on_time, publish=True),
        s(q.on_time, q.counted, publish=True),
        c(q.missed, publish=True),
        c(q.accepted, publish=True),
        s(q.accepted, q.counted, publish=True),
        c(q.declined, publish=True),
        c(q.outcome, publish=True),
        s(q.outcome, q.counted, publish=True),
        c(q.implemented, publish=True),
        c(q.successful, publish=True),
        disclosure.hours(ack.median_seconds, ack.acknowledged, publish=True),
        disclosure.hours(ack.p90_seconds, ack.acknowledged, publish=True),
    ]


def definitions() -> list[Any]:
    return [
        _l("Sent: referrals sent to the partner in the period (revoked ones left out)."),
        _l(
            "On time: acknowledged before the deadline set by the case's risk "
            "(urgent 2 h, high 24 h, normal 72 h by default)."
        ),
        _l("Late or overdue: acknowledged after the deadline, or still not acknowledged past it."),
        _l("Accepted: the partner accepted the referral (or reported an outcome without declining)."),
        _l("Implemented: an outcome other than 'no action' was reported."),
        _l(
            "Successful: the victim was assisted or sheltered, or an investigation or prosecution was opened."
        ),
        _l(
            "Time to acknowledge: from sending to acknowledgement; median and 90th percentile (nearest rank)."
        ),
        _l("Figures below 3 are shown as <3; shares and times resting on fewer than 3 referrals as —."),
    ]


def workbook(report: WorkingGroupReport, *, outcome_labels: dict[str, Any], title: str) -> bytes:
    """The formatted XLSX (a few hundred cells: built in memory, unlike the bulk exports)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    brand = PatternFill("solid", fgColor="0B4F8A")
    zebra = PatternFill("solid", fgColor="EEF1F4")
    white_bold, bold = Font(bold=True, color="FFFFFF"), Font(bold=True)
    thin = Side(style="thin", color="D5DBE1")
    edge = Border(bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")

    wb = Workbook()
    ws = wb.active
    ws.title = str(_l("Summary"))[:31]

    def head(sheet: Any, subtitle: str) -> int:
        sheet["A1"] = cell(title)
        sheet["A1"].font = Font(bold=True, size=14)
        sheet["A2"] = cell(subtitle)
        sheet["A3"] = cell(
            str(
                _l(
                    "Generated %(when)s. Figures below 3 are shown as <3.",
                    when=format_datetime(report.generated_at, "short"),
                )
            )
        )
        sheet["A3"].font = Font(italic=True, color="4D5660")
        return 5

    def table(
        sheet: Any, first_row: int, header: list[Any], rows: list[list[Any]], widths: list[int]
    ) -> None:
        for col, name in enumerate(header, start=1):
            c = sheet.cell(row=first_row, column=col, value=cell(str(name)))
            c.font, c.fill, c.alignment = white_bold, brand, Alignment(wrap_text=True, vertical="center")
        for r, values in enumerate(rows, start=first_row + 1):
            for col, value in enumerate(values, start=1):
                c = sheet.cell(row=r, column=col, value=cell(value))
                c.border = edge
                c.alignment = wrap if col == 1 else Alignment(horizontal="right", vertical="top")
                if (r - first_row) % 2 == 0:
                    c.fill = zebra
        for col, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(col)].width = width
        sheet.row_dimensions[first_row].height = 45
        sheet.freeze_panes = sheet.cell(row=first_row + 1, column=2)

    subtitle = report.period.label()
    start = head(ws, subtitle)
    rows = [summary_cells(f"{p.name} ({p.code})", p.quality, p.ack) for p in report.partners]
    rows.append(summary_cells(str(_l("All partners")), report.totals, report.ack))
    table(ws, start, summary_columns(), rows, [42] + [13] * 13)
    for c in ws[start + len(rows)]:
        c.font = bold
    ws.print_options.gridLines = False
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1

    monthly = wb.create_sheet(str(_l("By month"))[:31])
    start = head(monthly, subtitle)
    header = [
        _l("Partner"),
        _l("Month"),
        _l("Sent"),
        _l("Acknowledged on time"),
        _l("Accepted"),
        _l("Declined"),
        _l("Outcome reported"),
    ]
    month_rows = []
    for p in report.partners:
        for month, q in p.by_month:
            month_rows.append(
                [
                    p.code,
                    month,
                    *[
                        disclosure.count(v, publish=True)
                        for v in (q.counted, q.on_time, q.accepted, q.declined, q.outcome)
                    ],
                ]
            )
    table(monthly, start, header, month_rows, [22, 10, 12, 14, 12, 12, 14])

    sheet = wb.create_sheet(str(_l("Outcomes"))[:31])
    start = head(sheet, subtitle)
    header = [_l("Partner"), *[outcome_labels.get(o, o) for o in OUTCOMES]]
    outcome_rows = [
        [f"{p.name} ({p.code})", *[disclosure.count(p.outcomes.get(o, 0), publish=True) for o in OUTCOMES]]
        for p in report.partners
    ]
    outcome_rows.append(
        [
            str(_l("All partners")),
            *[disclosure.count(report.outcomes.get(o, 0), publish=True) for o in OUTCOMES],
        ]
    )
    table(sheet, start, header, outcome_rows, [42] + [16] * len(OUTCOMES))

    if report.reasons is not None:
        sheet = wb.create_sheet(str(_l("Decline reasons"))[:31])
        start = head(sheet, subtitle)
        table(
            sheet,
            start,
            [_l("Partner"), _l("Month"), _l("Reason given by the partner")],
            [list(r) for r in report.reasons],
            [22, 10, 90],
        )

    sheet = wb.create_sheet(str(_l("Definitions"))[:31])
    start = head(sheet, subtitle)
    for offset, text in enumerate(definitions()):
        c = sheet.cell(row=start + offset, column=1, value=cell(str(text)))
        c.alignment = wrap
    sheet.column_dimensions["A"].width = 120

    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
