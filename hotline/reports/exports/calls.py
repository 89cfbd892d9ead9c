"""The contacts export: one row per call or message received."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from hotline.calls.models import Call
from hotline.cases.models import Case
from hotline.reports import sql
from hotline.reports.conditions import call_conditions
from hotline.reports.exports.common import Dataset, local_time
from hotline.reports.filters import ReportFilter
from hotline.reports.tilemap import department_of


def _select(filters: ReportFilter, identifiable: bool) -> Select:
    offset = sql.offset_minutes(filters.start)
    case = aliased(Case)  # the conditions read Case in subqueries: keep this join apart
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
        case.reference.label("case_reference"),
        case.region_ubigeo.label("case_region"),
    ]
    return select(*columns).outerjoin(case, case.id == Call.case_id)


def _row(r: Any, identifiable: bool) -> list[Any]:
    if identifiable:
        return [
            r.id,
            local_time(r.received_at),
            local_time(r.ended_at),
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
    select=_select,
    row=_row,
    conditions=call_conditions,
)
