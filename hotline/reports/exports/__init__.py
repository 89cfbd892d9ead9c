"""Exports of contacts, cases and referrals as CSV or XLSX, streamed in constant memory.

Rows are read with `yield_per` (a server-side cursor on PostgreSQL) and written out as they come:
CSV straight to the response, XLSX through openpyxl's write-only mode into a temporary file that
is then sent in chunks. Before the first row, the export is counted and audited (with its row
count and, for an identifiable export, the stated reason); the rows read are capped at the highest
id counted, so rows added meanwhile never make the file disagree with the audit trail.

Default exports are anonymised: no names, phone numbers, documents, addresses, free text or
references; dates to the month; regions to the department. Identifiable exports add references,
exact times, the province and the place, and the partners' free-text answers; caller numbers and
narratives are never exported. The victims' standard form (`anonymise`) is always anonymised.

`writers` makes cells safe and streams them; `calls`, `cases`, `referrals` and `anonymise` are the
datasets (their columns and queries); `service` checks, counts, audits and streams one export.
The modules of this package never import the package itself (so there is no circle of imports).
"""

from hotline.reports.exports.calls import CALLS
from hotline.reports.exports.cases import CASES
from hotline.reports.exports.common import ExportPlan
from hotline.reports.exports.referrals import REFERRALS
from hotline.reports.exports.service import (
    DATASETS,
    FORMATS,
    REASON_MAX,
    REASON_MIN,
    dataset_names,
    get_dataset,
    iter_rows,
    prepare_export,
    stream,
)
from hotline.reports.exports.writers import XLSX_MIMETYPE, cell, neutralise, safe_filename

__all__ = [
    "CALLS",
    "CASES",
    "DATASETS",
    "FORMATS",
    "REASON_MAX",
    "REASON_MIN",
    "REFERRALS",
    "XLSX_MIMETYPE",
    "ExportPlan",
    "cell",
    "dataset_names",
    "get_dataset",
    "iter_rows",
    "neutralise",
    "prepare_export",
    "safe_filename",
    "stream",
]
