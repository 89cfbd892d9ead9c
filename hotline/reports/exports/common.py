"""What every export dataset provides, the plan of one export, and the helpers the datasets share."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from sqlalchemy import Select, func, select

from hotline.extensions import db
from hotline.reports import sql
from hotline.reports.exports.writers import CSV_MIMETYPE, XLSX_MIMETYPE
from hotline.reports.filters import ReportFilter

BATCH = 1000  # rows read at a time (a server-side cursor on PostgreSQL)


class Counted(NamedTuple):
    """What the audit row records before the first row: the rows, the highest id read, details."""

    rows: int
    cap: int
    details: dict[str, Any]


class ExportDataset(Protocol):
    name: str
    sheet: str

    def header(self, identifiable: bool) -> tuple[str, ...]: ...

    def count(self, filters: ReportFilter) -> Counted: ...

    def iter_rows(self, plan: ExportPlan) -> Iterator[list[Any]]: ...


@dataclass(frozen=True)
class ExportPlan:
    dataset: ExportDataset
    fmt: str
    filters: ReportFilter
    identifiable: bool
    rows: int
    cap: int
    filename: str
    details: dict[str, Any]

    @property
    def mimetype(self) -> str:
        return CSV_MIMETYPE if self.fmt == "csv" else XLSX_MIMETYPE


@dataclass(frozen=True)
class Dataset:
    """One row per row of a table, anonymised or identifiable: the columns and the query of each."""

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

    def count(self, filters: ReportFilter) -> Counted:
        rows, cap = db.session.execute(
            select(func.count(), func.max(self.id_column)).where(*self.conditions(filters))
        ).one()
        return Counted(int(rows), int(cap or 0), {})

    def iter_rows(self, plan: ExportPlan) -> Iterator[list[Any]]:
        """The rows counted (none added since), in id order, BATCH at a time."""
        query = (
            self.select(plan.filters, plan.identifiable)
            .where(*self.conditions(plan.filters), self.id_column <= plan.cap)
            .order_by(self.id_column)
            .execution_options(stream_results=True, yield_per=BATCH)
        )
        for row in db.session.execute(query):
            yield self.row(row, plan.identifiable)


def local_time(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(sql.time_zone()).isoformat(timespec="minutes")


def codes(value: Any) -> str:
    """'A;B' of a JSON list or of `sql.joined_codes`, sorted."""
    if isinstance(value, list):
        return ";".join(sorted(str(v) for v in value if v))
    return ";".join(sql.split_codes(value))


def hours(seconds: int | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 1)
