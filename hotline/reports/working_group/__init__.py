"""The referral report for the working group: per partner, one month or one quarter.

Sent, acknowledged on time, accepted, declined (with the partners' reasons if asked for),
outcomes, and the time to acknowledgement. The report leaves the hotline, so its figures are the
suppressed cells of the month's release (see `publication`): "<3" below 3, "x" to protect them.
Figures are grouped in SQL (`report`); the XLSX has formatted sheets
and the same figures as the printable page (`workbook`).
"""

from hotline.reports.working_group.report import (
    PartnerReport,
    Period,
    WorkingGroupReport,
    build_report,
    last_month,
    make_period,
    record_access,
)
from hotline.reports.working_group.workbook import (
    OUTCOMES,
    definitions,
    month_cells,
    outcome_cells,
    summary_cells,
    summary_columns,
    workbook,
)

__all__ = [
    "OUTCOMES",
    "PartnerReport",
    "Period",
    "WorkingGroupReport",
    "build_report",
    "definitions",
    "last_month",
    "make_period",
    "month_cells",
    "outcome_cells",
    "record_access",
    "summary_cells",
    "summary_columns",
    "workbook",
]
