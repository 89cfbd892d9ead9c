"""The working-group table, on the printable page and in the XLSX: every count a cell of the release.

The workbook is formatted (a few hundred cells, built in memory, unlike the bulk exports) and holds the
same figures as the page.
"""

from __future__ import annotations

import io
from typing import Any

from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l

from hotline.referrals.models import ReferralOutcome
from hotline.reports.dashboard import AckTimes
from hotline.reports.exports.writers import cell
from hotline.reports.publication.release import ALL
from hotline.reports.working_group.report import WorkingGroupReport

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
        _l("Acknowledged"),
        _l("Median time to acknowledge"),
        _l("90th percentile"),
    ]


def summary_cells(report: WorkingGroupReport, name: str, partner: str = ALL) -> list[str]:
    """One row of the summary, every count as the release prints it (shares of published counts)."""
    r = report.release

    def cell(**values: str) -> tuple[str, ...]:
        return report.cell(partner, **values)

    counted, basis = cell(), cell(ack="acknowledged")
    times = r.ack.get(None if partner == ALL else int(partner), AckTimes())
    return [
        name,
        r.shown(counted),
        r.shown(cell(ack="on_time")),
        r.share(cell(ack="on_time"), counted),
        r.shown(cell(ack="missed")),
        r.shown(cell(decision="accepted")),
        r.share(cell(decision="accepted"), counted),
        r.shown(cell(decision="declined")),
        r.shown(cell(outcome="reported")),
        r.share(cell(outcome="reported"), counted),
        r.shown(cell(outcome="implemented")),
        r.shown(cell(outcome="successful")),
        r.shown(basis),
        r.hours(times.median_seconds, basis),
        r.hours(times.p90_seconds, basis),
    ]


def month_cells(report: WorkingGroupReport, partner: str, month: str) -> list[str]:
    """Sent, on time, accepted, declined, outcome reported: one partner, one month."""
    r = report.release
    return [
        r.shown(report.cell(partner, month, **values))
        for values in (
            {},
            {"ack": "on_time"},
            {"decision": "accepted"},
            {"decision": "declined"},
            {"outcome": "reported"},
        )
    ]


def outcome_cells(report: WorkingGroupReport, partner: str = ALL) -> list[str]:
    return [report.release.shown(report.cell(partner, outcome=o)) for o in OUTCOMES]


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
        _l(
            "Figures below 3 are shown as <3; x marks a figure left out so that a figure below 3 cannot "
            "be worked out from the totals. Shares and times are shown only when the figures they rest "
            "on are shown; otherwise —."
        ),
        _l(
            "Decline reasons are listed without partner or month, and only when the number of referrals "
            "declined is shown."
        ),
    ]


def workbook(report: WorkingGroupReport, *, outcome_labels: dict[str, Any], title: str) -> bytes:
    """The formatted XLSX: a summary sheet, then by month, outcomes, decline reasons and definitions."""
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
                    "Generated %(when)s. Figures below 3 are shown as <3; "
                    "x marks a figure left out to protect them.",
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
    rows = [summary_cells(report, f"{p.name} ({p.code})", p.key) for p in report.rows]
    rows.append(summary_cells(report, str(_l("All partners"))))
    table(ws, start, summary_columns(), rows, [42] + [13] * 14)
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
    month_rows = [
        [p.code, month, *month_cells(report, p.key, month)] for p in report.rows for month in report.months
    ]
    table(monthly, start, header, month_rows, [22, 10, 12, 14, 12, 12, 14])

    sheet = wb.create_sheet(str(_l("Outcomes"))[:31])
    start = head(sheet, subtitle)
    header = [_l("Partner"), *[outcome_labels.get(o, o) for o in OUTCOMES]]
    outcome_rows = [[f"{p.name} ({p.code})", *outcome_cells(report, p.key)] for p in report.rows]
    outcome_rows.append([str(_l("All partners")), *outcome_cells(report)])
    table(sheet, start, header, outcome_rows, [42] + [16] * len(OUTCOMES))

    if report.reasons is not None:
        sheet = wb.create_sheet(str(_l("Decline reasons"))[:31])
        start = head(sheet, subtitle)
        table(
            sheet,
            start,
            [_l("Reason given by a partner")],
            [[str(_l("Not listed: the number of referrals declined is not shown."))]]
            if report.reasons_withheld
            else [[reason] for reason in report.reasons],
            [110],
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
