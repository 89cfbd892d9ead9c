"""The referral report for the working group: per partner, one month or one quarter.

Sent, acknowledged on time, accepted, declined (with the partners' reasons if asked for),
outcomes, and the time to acknowledgement. The report leaves the hotline, so every count below 3 is
written "<3" (see `disclosure`). Figures are grouped in SQL (`report`); the XLSX has formatted sheets
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
    "record_access",
    "summary_cells",
    "summary_columns",
    "workbook",
]
