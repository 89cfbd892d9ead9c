"""The cases export: one row per case opened (the place only when identifiable)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select

from hotline.cases.models import Case, Person, PersonRole
from hotline.referrals.models import Referral
from hotline.reports import sql
from hotline.reports.conditions import case_conditions, case_forms
from hotline.reports.exports.common import Dataset, codes, local_time
from hotline.reports.filters import ReportFilter
from hotline.reports.tilemap import department_of


def _select(filters: ReportFilter, identifiable: bool) -> Select:
    offset = sql.offset_minutes(filters.start)
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
        case_forms().label("forms"),
        victims.label("victims_recorded"),
        referrals.label("referrals_sent"),
    ]
    if identifiable:
        columns.append(Case.location)
    return select(*columns)


def _row(r: Any, identifiable: bool) -> list[Any]:
    if identifiable:
        return [
            r.reference,
            local_time(r.opened_at),
            local_time(r.triaged_at),
            local_time(r.closed_at),
            r.status,
            r.risk,
            r.region_ubigeo,
            r.province_ubigeo,
            r.location,
            codes(r.forms),
            codes(r.indicators),
            r.victim_count,
            r.has_minors,
            codes(r.victim_nationalities),
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
        codes(r.forms),
        codes(r.indicators),
        r.victim_count,
        r.has_minors,
        codes(r.victim_nationalities),
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
    select=_select,
    row=_row,
    conditions=case_conditions,
)
