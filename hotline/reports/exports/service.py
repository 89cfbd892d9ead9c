"""Which exports there are, and one export from request to stream: check, count, audit, then rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from hotline.audit import services as audit
from hotline.auth.models import Role
from hotline.reports import filters as report_filters
from hotline.reports.exports.calls import CALLS
from hotline.reports.exports.cases import CASES
from hotline.reports.exports.common import Dataset, ExportDataset, ExportPlan
from hotline.reports.exports.referrals import REFERRALS
from hotline.reports.exports.writers import csv_chunks, safe_filename, xlsx_chunks
from hotline.reports.filters import ReportError, ReportFilter

FORMATS = ("csv", "xlsx")
REASON_MIN, REASON_MAX = 15, 500

# The ad-hoc exports (anonymised or identifiable). The victims' standard form (HTCDS) is not one
# of them: it leaves the system only as a recorded release (hotline.reports.releases).
DATASETS: dict[str, Dataset] = {d.name: d for d in (CALLS, CASES, REFERRALS)}
STANDARD_FORM = "htcds"


def dataset_names() -> tuple[str, ...]:
    return tuple(DATASETS)


def get_dataset(name: str) -> ExportDataset | None:
    return DATASETS.get(name)


def check_reason(reason: str | None) -> str:
    text = " ".join((reason or "").split())
    if len(text) < REASON_MIN:
        raise ReportError(
            _l("Write why you need identifiable data (at least %(n)d characters).", n=REASON_MIN)
        )
    if len(text) > REASON_MAX:
        raise ReportError(_l("The reason is too long (at most %(n)d characters).", n=REASON_MAX))
    return text


def prepare_export(
    name: str,
    fmt: str,
    filters: ReportFilter,
    *,
    actor: Any,
    today: date,
    identifiable: bool = False,
    reason: str | None = None,
) -> ExportPlan:
    """Check the request, count the rows and write the audit row; the caller commits, then streams."""
    if name == STANDARD_FORM:
        raise ReportError(_l("The victims' standard form is published only as recorded releases."))
    dataset = get_dataset(name)
    if dataset is None or fmt not in FORMATS:
        raise ReportError(_l("There is no such export."))
    report_filters.check(filters, today)
    role = getattr(actor, "role", None)
    if role != Role.MANAGER:
        raise ReportError(_l("Only managers may export data."))
    if identifiable:
        reason = check_reason(reason)
    rows, cap, details = dataset.count(filters)
    kind = "identifiable" if identifiable else "anonymised"
    summary = f"{dataset.name} {fmt} {kind}, {rows} rows; filters {filters.describe()}"
    if details:
        summary += "; " + ", ".join(f"{k} {v}" for k, v in details.items())
    if identifiable:
        summary += f"; reason: {reason}"
    audit.record(
        "report.export_identifiable" if identifiable else "report.export",
        actor=actor,
        object_type="report",
        object_id=dataset.name,
        summary=summary,
    )
    filename = safe_filename(
        "hotline",
        dataset.name,
        kind,
        filters.start.isoformat(),
        filters.end.isoformat(),
        extension=fmt,
    )
    return ExportPlan(dataset, fmt, filters, identifiable, rows, cap, filename, details)


def iter_rows(plan: ExportPlan) -> Iterator[list[Any]]:
    """The rows counted in the plan, read BATCH at a time (server-side cursor on PostgreSQL)."""
    return plan.dataset.iter_rows(plan)


def stream(plan: ExportPlan) -> Iterator[str | bytes]:
    header = plan.dataset.header(plan.identifiable)
    rows = iter_rows(plan)
    if plan.fmt == "csv":
        return csv_chunks(header, rows)
    return xlsx_chunks(plan.dataset.sheet, header, rows)
