"""Exports of contacts, cases and referrals as CSV or XLSX, streamed in constant memory.

Rows are read with `yield_per` (a server-side cursor on PostgreSQL) and written out as they come:
CSV straight to the response, XLSX through openpyxl's write-only mode into a temporary file that
is then sent in chunks. Before the first row, the export is counted and audited (with its row
count and, for an identifiable export, the stated reason); the rows read are capped at the highest
id counted, so rows added meanwhile never make the file disagree with the audit trail.

Default exports are anonymised: no names, phone numbers, documents, addresses, free text or
references; dates to the month; regions to the department. Identifiable exports add references,
exact times, the province and the place, and the partners' free-text answers; caller numbers and
narratives are never exported.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased

from hotline.audit import services as audit
from hotline.auth.models import Role
from hotline.calls.models import Call
from hotline.cases.models import Case, Person, PersonRole, case_exploitation_forms
from hotline.extensions import db
from hotline.partners.models import Partner
from hotline.referrals.models import Referral
from hotline.reports import sql
from hotline.reports.dashboard import call_conditions, case_conditions, referral_conditions
from hotline.reports.filters import ReportError, ReportFilter
from hotline.reports.tilemap import department_of

FORMATS = ("csv", "xlsx")
BATCH = 1000
REASON_MIN, REASON_MAX = 15, 500
CSV_FLUSH_ROWS = 500
CHUNK = 64 * 1024

# --- formula injection and file names -----------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "|", "%")
# What a spreadsheet skips before it looks for a formula: spaces, tabs, line breaks, a BOM, and
# the other invisible or blank Unicode characters.
_LEADING_BLANKS = re.compile(r"^[\s\ufeff\u200b\u200c\u200d\u2060\u00a0\u3000]+")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise(value: Any) -> Any:
    """Prefix with ' any text a spreadsheet could run as a formula (= + - @ | %, also after blanks),
    and text that starts with a tab or a carriage return."""
    if not isinstance(value, str) or not value:
        return value
    if value[0] in "\t\r":
        return "'" + value
    stripped = _LEADING_BLANKS.sub("", value)
    if stripped.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def cell(value: Any) -> Any:
    """A value ready for a CSV or XLSX cell: None stays empty, booleans become 1/0."""
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, str):
        return neutralise(_ILLEGAL_XML.sub("", value))
    return value


def safe_filename(*parts: str, extension: str) -> str:
    """ASCII letters, digits, dots and dashes only: no path, no quotes, no line breaks."""
    stem = "-".join(p for p in (re.sub(r"[^A-Za-z0-9]+", "-", part).strip("-") for part in parts) if p)
    extension = re.sub(r"[^a-z0-9]", "", extension.lower())
    return f"{stem[:120] or 'export'}.{extension}"


# --- streaming writers --------------------------------------------------------------------------


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """CSV text (UTF-8 with a BOM, which Excel needs to read accents), a few hundred rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([cell(h) for h in header])
    pending = 0
    for row in rows:
        writer.writerow([cell(v) for v in row])
        pending += 1
        if pending >= CSV_FLUSH_ROWS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue()


def write_xlsx(target: Any, sheet: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A one-sheet workbook in openpyxl's write-only mode (rows go to disk as they are appended)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(title=sheet[:31])
    worksheet.freeze_panes = "A2"
    for index, name in enumerate(header):
        worksheet.column_dimensions[_column_letter(index)].width = max(12, min(len(name) + 4, 40))
    bold, fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="0B4F8A")
    heading = []
    for name in header:
        c = WriteOnlyCell(worksheet, value=cell(name))
        c.font, c.fill = bold, fill
        heading.append(c)
    worksheet.append(heading)
    for row in rows:
        worksheet.append([cell(v) for v in row])
    workbook.save(target)


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def xlsx_chunks(sheet: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """The workbook built in a temporary file (constant memory), then sent in 64 KiB chunks."""
    with tempfile.TemporaryFile(prefix="hotline-export-") as target:
        write_xlsx(target, sheet, header, rows)
        target.seek(0)
        while chunk := target.read(CHUNK):
            yield chunk


# --- datasets -----------------------------------------------------------------------------------


def _local(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(sql.time_zone()).isoformat(timespec="minutes")


def _codes(value: Any) -> str:
    if isinstance(value, list):
        return ";".join(sorted(str(v) for v in value if v))
    return ";".join(sql.split_codes(value))


def _hours(seconds: int | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 1)


@dataclass(frozen=True)
class Dataset:
    name: str
    sheet: str
    id_column: Any
    anonymised: tuple[str, ...]
    identifiable: tuple[str, ...]
    select: Callable[[ReportFilter, bool], Select]
    row: Callable[[Any, bool], list[Any]]
    conditions: Callable[[ReportFilter], list[Any]]

    def header(self, identifiable: bool) -> tuple[str, ...]:
        return self.identifiable if identifiable else self.anonymised


# Calls ------------------------------------------------------------------------------------------

_call_case = aliased(Case)


def _calls_select(filters: ReportFilter, identifiable: bool) -> Select:
    offset = sql.offset_minutes(filters.start)
    columns = [
        Call.id,
        sql.month_of(Call.received_at, offset).label("month"),
        Call.received_at,
        Call.ended_at,
        Call.channel,
        Call.kind,
        Call.caller_type,
        Call.language,
        Call.duration_seconds,
        Call.status,
        Call.operator_id,
        _call_case.reference.label("case_reference"),
        _call_case.region_ubigeo.label("case_region"),
    ]
    return select(*columns).outerjoin(_call_case, _call_case.id == Call.case_id)


def _calls_row(r: Any, identifiable: bool) -> list[Any]:
    if identifiable:
        return [
            r.id,
            _local(r.received_at),
            _local(r.ended_at),
            r.status,
            r.channel,
            r.kind,
            r.caller_type,
            r.language,
            r.duration_seconds,
            r.operator_id,
            r.case_reference,
            r.case_region,
        ]
    return [
        r.month,
        r.channel,
        r.kind,
        r.caller_type,
        r.language,
        r.duration_seconds,
        r.case_reference is not None,
        department_of(r.case_region),
    ]


CALLS = Dataset(
    name="calls",
    sheet="calls",
    id_column=Call.id,
    anonymised=(
        "received_month",
        "channel",
        "kind",
        "caller_type",
        "language",
        "duration_seconds",
        "has_case",
        "case_department",
    ),
    identifiable=(
        "call_id",
        "received_at",
        "ended_at",
        "status",
        "channel",
        "kind",
        "caller_type",
        "language",
        "duration_seconds",
        "operator_id",
        "case_reference",
        "case_region",
    ),
    select=_calls_select,
    row=_calls_row,
    conditions=call_conditions,
)


# Cases ------------------------------------------------------------------------------------------


def _cases_select(filters: ReportFilter, identifiable: bool) -> Select:
    offset = sql.offset_minutes(filters.start)
    forms = sql.joined_codes(
        case_exploitation_forms.c.form_code, case_exploitation_forms.c.case_id == Case.id
    )
    victims = (
        select(func.count())
        .where(Person.case_id == Case.id, Person.role == PersonRole.VICTIM.value)
        .scalar_subquery()
    )
    referrals = (
        select(func.count())
        .where(Referral.case_id == Case.id, Referral.sent_at.is_not(None))
        .scalar_subquery()
    )
    columns = [
        Case.id,
        sql.month_of(Case.opened_at, offset).label("opened_month"),
        sql.month_of(Case.closed_at, offset).label("closed_month"),
        Case.reference,
        Case.opened_at,
        Case.triaged_at,
        Case.closed_at,
        Case.status,
        Case.risk,
        Case.region_ubigeo,
        Case.province_ubigeo,
        Case.indicators,
        Case.victim_count,
        Case.has_minors,
        Case.victim_nationalities,
        Case.exploitation_country,
        Case.close_reason,
        Case.assigned_to_id,
        forms.label("forms"),
        victims.label("victims_recorded"),
        referrals.label("referrals_sent"),
    ]
    if identifiable:
        columns.append(Case.location)
    return select(*columns)


def _cases_row(r: Any, identifiable: bool) -> list[Any]:
    if identifiable:
        return [
            r.reference,
            _local(r.opened_at),
            _local(r.triaged_at),
            _local(r.closed_at),
            r.status,
            r.risk,
            r.region_ubigeo,
            r.province_ubigeo,
            r.location,
            _codes(r.forms),
            _codes(r.indicators),
            r.victim_count,
            r.has_minors,
            _codes(r.victim_nationalities),
            r.exploitation_country,
            r.close_reason,
            r.assigned_to_id,
            r.victims_recorded,
            r.referrals_sent,
        ]
    return [
        r.opened_month,
        r.closed_month,
        r.status,
        r.risk,
        department_of(r.region_ubigeo),
        _codes(r.forms),
        _codes(r.indicators),
        r.victim_count,
        r.has_minors,
        _codes(r.victim_nationalities),
        r.exploitation_country,
        r.close_reason,
        r.victims_recorded,
        r.referrals_sent,
    ]


CASES = Dataset(
    name="cases",
    sheet="cases",
    id_column=Case.id,
    anonymised=(
        "opened_month",
        "closed_month",
        "status",
        "risk",
        "department",
        "exploitation_forms",
        "indicators",
        "victim_count",
        "has_minors",
        "victim_nationalities",
        "exploitation_country",
        "close_reason",
        "victims_recorded",
        "referrals_sent",
    ),
    identifiable=(
        "case_reference",
        "opened_at",
        "triaged_at",
        "closed_at",
        "status",
        "risk",
        "region",
        "province",
        "place",
        "exploitation_forms",
        "indicators",
        "victim_count",
        "has_minors",
        "victim_nationalities",
        "exploitation_country",
        "close_reason",
        "assigned_to_id",
        "victims_recorded",
        "referrals_sent",
    ),
    select=_cases_select,
    row=_cases_row,
    conditions=case_conditions,
)


# Referrals --------------------------------------------------------------------------------------

_ref_case = aliased(Case)


def _referrals_select(filters: ReportFilter, identifiable: bool) -> Select:
    offset = sql.offset_minutes(filters.start)
    columns = [
        Referral.id,
        sql.month_of(Referral.sent_at, offset).label("sent_month"),
        Referral.reference,
        _ref_case.reference.label("case_reference"),
        _ref_case.region_ubigeo.label("case_region"),
        Partner.code.label("partner_code"),
        Referral.kind,
        Referral.risk,
        Referral.status,
        Referral.sent_at,
        Referral.ack_due_at,
        Referral.acknowledged_at,
        Referral.answered_at,
        Referral.closed_at,
        Referral.revoked_at,
        sql.seconds_between(Referral.sent_at, Referral.acknowledged_at).label("ack_seconds"),
        Referral.outcome,
        (Referral.decline_reason.is_not(None)).label("declined"),
    ]
    if identifiable:
        columns += [Referral.decline_reason, Referral.outcome_note]
    return (
        select(*columns)
        .join(Partner, Partner.id == Referral.partner_id)
        .join(_ref_case, _ref_case.id == Referral.case_id)
    )


def _on_time(r: Any) -> bool | None:
    if r.acknowledged_at is None:
        return None
    return r.ack_due_at is None or r.acknowledged_at <= r.ack_due_at


def _accepted(r: Any) -> bool:
    return r.status in ("accepted", "closed") and not r.declined


def _referrals_row(r: Any, identifiable: bool) -> list[Any]:
    if identifiable:
        return [
            r.reference,
            r.case_reference,
            r.partner_code,
            r.kind,
            r.risk,
            r.status,
            _local(r.sent_at),
            _local(r.ack_due_at),
            _local(r.acknowledged_at),
            _local(r.answered_at),
            _local(r.closed_at),
            _local(r.revoked_at),
            _hours(r.ack_seconds),
            _on_time(r),
            _accepted(r),
            bool(r.declined),
            r.outcome,
            r.decline_reason,
            r.outcome_note,
        ]
    return [
        r.sent_month,
        r.partner_code,
        r.kind,
        r.risk,
        r.status,
        _hours(r.ack_seconds),
        _on_time(r),
        _accepted(r),
        bool(r.declined),
        r.outcome,
        department_of(r.case_region),
    ]


REFERRALS = Dataset(
    name="referrals",
    sheet="referrals",
    id_column=Referral.id,
    anonymised=(
        "sent_month",
        "partner_code",
        "kind",
        "risk",
        "status",
        "hours_to_acknowledge",
        "acknowledged_on_time",
        "accepted",
        "declined",
        "outcome",
        "case_department",
    ),
    identifiable=(
        "referral_reference",
        "case_reference",
        "partner_code",
        "kind",
        "risk",
        "status",
        "sent_at",
        "acknowledge_by",
        "acknowledged_at",
        "answered_at",
        "closed_at",
        "revoked_at",
        "hours_to_acknowledge",
        "acknowledged_on_time",
        "accepted",
        "declined",
        "outcome",
        "decline_reason",
        "outcome_note",
    ),
    select=_referrals_select,
    row=_referrals_row,
    conditions=referral_conditions,
)

DATASETS: dict[str, Dataset] = {d.name: d for d in (CALLS, CASES, REFERRALS)}


def dataset_names() -> tuple[str, ...]:
    from hotline.reports.anonymise import HTCDS

    return (*DATASETS, HTCDS.name)


def get_dataset(name: str) -> Dataset | None:
    if name in DATASETS:
        return DATASETS[name]
    from hotline.reports.anonymise import HTCDS

    return HTCDS if name == HTCDS.name else None


# --- plan, audit, stream ------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportPlan:
    dataset: Dataset
    fmt: str
    filters: ReportFilter
    identifiable: bool
    rows: int
    cap: int
    filename: str
    details: dict[str, Any]

    @property
    def mimetype(self) -> str:
        if self.fmt == "csv":
            return "text/csv; charset=utf-8"
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
    from hotline.reports import filters as filter_rules

    dataset = get_dataset(name)
    if dataset is None or fmt not in FORMATS:
        raise ReportError(_l("There is no such export."))
    filter_rules.check(filters, today)
    role = getattr(actor, "role", None)
    if role != Role.MANAGER:
        raise ReportError(_l("Only managers may export data."))
    if identifiable:
        if dataset.name not in DATASETS:
            raise ReportError(_l("The standard-form export is always anonymised."))
        reason = check_reason(reason)
    counted = dataset_count(dataset, filters)
    rows, cap, details = counted.rows, counted.cap, counted.details
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


@dataclass(frozen=True)
class Counted:
    rows: int
    cap: int
    details: dict[str, Any]


def dataset_count(dataset: Any, filters: ReportFilter) -> Counted:
    if hasattr(dataset, "count"):
        return dataset.count(filters)
    rows, cap = db.session.execute(
        select(func.count(), func.max(dataset.id_column)).where(*dataset.conditions(filters))
    ).one()
    return Counted(int(rows), int(cap or 0), {})


def iter_rows(plan: ExportPlan) -> Iterator[list[Any]]:
    """The rows, read BATCH at a time (server-side cursor on PostgreSQL)."""
    dataset = plan.dataset
    if hasattr(dataset, "iter_rows"):
        yield from dataset.iter_rows(plan)
        return
    query = (
        dataset.select(plan.filters, plan.identifiable)
        .where(*dataset.conditions(plan.filters), dataset.id_column <= plan.cap)
        .order_by(dataset.id_column)
        .execution_options(stream_results=True, yield_per=BATCH)
    )
    for row in db.session.execute(query):
        yield dataset.row(row, plan.identifiable)


def stream(plan: ExportPlan) -> Iterator[str | bytes]:
    header = plan.dataset.header(plan.identifiable)
    rows = iter_rows(plan)
    if plan.fmt == "csv":
        return csv_chunks(header, rows)
    return xlsx_chunks(plan.dataset.sheet, header, rows)
