"""What every report selects, in SQL: the same rows for the dashboard, the exports and the working group.

Contacts are dated by when they came in, cases by when they were opened, victims by their case,
referrals by when they were sent (a referral never sent is not counted). Region, form of
exploitation and partner narrow the cases; contacts and referrals then follow their cases.
"""

from __future__ import annotations

from sqlalchemy import case, exists, select
from sqlalchemy.sql.elements import ColumnElement

from hotline.calls.models import Call
from hotline.cases.models import Case, Person, PersonRole, case_exploitation_forms
from hotline.referrals.models import Referral
from hotline.reports import sql
from hotline.reports.filters import ReportFilter

# The CTDC ageBroad bands.
AGE_BANDS = ("0-8", "9-17", "18-20", "21-23", "24-26", "27-29", "30-38", "39-47", "48+")
MINOR_BANDS = ("0-8", "9-17")


def case_conditions(filters: ReportFilter, *, dated: bool = True) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if dated:
        conditions += [Case.opened_at >= filters.start_utc, Case.opened_at < filters.end_utc]
    codes = filters.region_codes
    if codes:
        conditions.append(Case.region_ubigeo.in_(codes))
    if filters.form:
        conditions.append(
            exists().where(
                case_exploitation_forms.c.case_id == Case.id,
                case_exploitation_forms.c.form_code == filters.form,
            )
        )
    if filters.partner_id:
        conditions.append(
            exists().where(
                Referral.case_id == Case.id,
                Referral.partner_id == filters.partner_id,
                Referral.sent_at.is_not(None),
            )
        )
    return conditions


def victim_conditions(filters: ReportFilter) -> list[ColumnElement[bool]]:
    """The victims of the cases selected (for a query of Person joined to Case)."""
    return [Person.role == PersonRole.VICTIM.value, *case_conditions(filters)]


def call_conditions(filters: ReportFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        Call.received_at >= filters.start_utc,
        Call.received_at < filters.end_utc,
    ]
    if filters.narrows_cases:
        conditions.append(Call.case_id.in_(select(Case.id).where(*case_conditions(filters, dated=False))))
    return conditions


def referral_conditions(filters: ReportFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        Referral.sent_at.is_not(None),
        Referral.sent_at >= filters.start_utc,
        Referral.sent_at < filters.end_utc,
    ]
    if filters.partner_id:
        conditions.append(Referral.partner_id == filters.partner_id)
    if filters.region or filters.form:
        narrowed = ReportFilter(filters.start, filters.end, region=filters.region, form=filters.form)
        conditions.append(
            Referral.case_id.in_(select(Case.id).where(*case_conditions(narrowed, dated=False)))
        )
    return conditions


def case_forms() -> ColumnElement[str]:
    """A case's forms of exploitation as 'A;B' (a correlated subquery: sort them with `sql.split_codes`)."""
    return sql.joined_codes(case_exploitation_forms.c.form_code, case_exploitation_forms.c.case_id == Case.id)


def age_band(age: ColumnElement, age_range: ColumnElement) -> ColumnElement[str]:
    """The CTDC ageBroad band of an exact age, else the band recorded when the age was not known."""
    return case(
        (age.is_(None), age_range),
        (age <= 8, "0-8"),
        (age <= 17, "9-17"),
        (age <= 20, "18-20"),
        (age <= 23, "21-23"),
        (age <= 26, "24-26"),
        (age <= 29, "27-29"),
        (age <= 38, "30-38"),
        (age <= 47, "39-47"),
        else_="48+",
    )
