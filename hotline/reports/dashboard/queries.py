"""The managers' dashboard: every figure is one GROUP BY (or window function) in SQL.

Contacts, cases and victims are counted here, referrals in `referrals`; `build_dashboard` runs them all.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, func, select

from hotline.calls.models import Call, CallKind, Channel
from hotline.cases.models import Case, Person, case_exploitation_forms
from hotline.database import utcnow
from hotline.extensions import db
from hotline.reports import sql
from hotline.reports.conditions import (
    AGE_BANDS,
    MINOR_BANDS,
    age_band,
    call_conditions,
    case_conditions,
    referral_conditions,
    victim_conditions,
)
from hotline.reports.dashboard import referrals
from hotline.reports.dashboard.figures import (
    UNKNOWN,
    AckTimes,
    Dashboard,
    Quality,
    TimeSeries,
    by_count,
    grouped,
    period_keys,
)
from hotline.reports.filters import ReportFilter


def contacts_over_time(filters: ReportFilter) -> tuple[TimeSeries, TimeSeries]:
    """Contacts by period and channel, and by period and kind (one GROUP BY over the three)."""
    offset = sql.offset_minutes(filters.start)
    sub = (
        select(
            sql.period_start(Call.received_at, filters.period, offset).label("period"),
            Call.channel.label("channel"),
            func.coalesce(Call.kind, UNKNOWN).label("kind"),
        )
        .where(*call_conditions(filters))
        .subquery()
    )
    query = (
        select(sub.c.period, sub.c.channel, sub.c.kind, func.count())
        .group_by(sub.c.period, sub.c.channel, sub.c.kind)
        .order_by(sub.c.period, sub.c.channel, sub.c.kind)
    )
    by_channel: dict[tuple[str, str], int] = {}
    by_kind: dict[tuple[str, str], int] = {}
    for period, channel, kind, count in db.session.execute(query):
        by_channel[(period, channel)] = by_channel.get((period, channel), 0) + int(count)
        by_kind[(period, kind)] = by_kind.get((period, kind), 0) + int(count)
    periods = period_keys(filters.start, filters.end, filters.period)
    return (
        TimeSeries(periods, _ordered([c.value for c in Channel], by_channel), by_channel),
        TimeSeries(periods, _ordered([k.value for k in CallKind] + [UNKNOWN], by_kind), by_kind),
    )


def _ordered(known: list[str], counts: dict[tuple[str, str], int]) -> list[str]:
    seen = {key for _, key in counts}
    return [k for k in known if k in seen] + sorted(seen - set(known))


def case_summary(filters: ReportFilter) -> dict[str, int]:
    row = db.session.execute(
        select(
            func.count(),
            sql.count_if(Case.has_minors.is_(True)),
            sql.count_if(Case.status == "closed"),
            sql.count_if(Case.risk == "urgent"),
            func.coalesce(func.sum(Case.victim_count), 0),
        ).where(*case_conditions(filters))
    ).one()
    return {
        "total": int(row[0]),
        "with_minors": int(row[1]),
        "closed": int(row[2]),
        "urgent": int(row[3]),
        "victims_reported": int(row[4]),
    }


def cases_by_form(filters: ReportFilter) -> list[tuple[str, int]]:
    cases = select(Case.id).where(*case_conditions(filters)).subquery()
    query = (
        select(case_exploitation_forms.c.form_code, func.count())
        .join(cases, cases.c.id == case_exploitation_forms.c.case_id)
        .group_by(case_exploitation_forms.c.form_code)
        .order_by(func.count().desc(), case_exploitation_forms.c.form_code)
    )
    rows = grouped(query)
    if filters.form:
        rows = [(code, n) for code, n in rows if code == filters.form] + [
            (code, n) for code, n in rows if code != filters.form
        ]
    without = db.session.scalar(
        select(func.count())
        .select_from(Case)
        .where(
            *case_conditions(filters),
            ~exists().where(case_exploitation_forms.c.case_id == Case.id),
        )
    )
    if without:
        rows.append((UNKNOWN, int(without)))
    return rows


def cases_by_region(filters: ReportFilter) -> list[tuple[str, int]]:
    query = (
        select(Case.region_ubigeo, func.count())
        .where(*case_conditions(filters))
        .group_by(Case.region_ubigeo)
        .order_by(func.count().desc(), Case.region_ubigeo)
    )
    return grouped(query)


def cases_by_close_reason(filters: ReportFilter) -> list[tuple[str, int]]:
    query = (
        select(Case.close_reason, func.count())
        .where(*case_conditions(filters), Case.status == "closed")
        .group_by(Case.close_reason)
        .order_by(func.count().desc(), Case.close_reason)
    )
    return grouped(query)


def victim_breakdowns(filters: ReportFilter) -> dict[str, list[tuple[str, int]]]:
    """Victims by sex, by age band and by (first) nationality: one GROUP BY over the three."""
    sub = (
        select(
            func.coalesce(Person.gender, UNKNOWN).label("gender"),
            func.coalesce(age_band(Person.age, Person.age_range), UNKNOWN).label("band"),
            func.coalesce(sql.first_item(Person.nationalities), UNKNOWN).label("nationality"),
        )
        .select_from(Person)
        .join(Case, Case.id == Person.case_id)
        .where(*victim_conditions(filters))
        .subquery()
    )
    query = (
        select(sub.c.gender, sub.c.band, sub.c.nationality, func.count())
        .group_by(sub.c.gender, sub.c.band, sub.c.nationality)
        .order_by(sub.c.gender, sub.c.band, sub.c.nationality)
    )
    totals: dict[str, dict[str, int]] = {"gender": {}, "band": {}, "nationality": {}}
    for gender, band, nationality, count in db.session.execute(query):
        for name, key in (("gender", gender), ("band", band), ("nationality", nationality)):
            totals[name][key] = totals[name].get(key, 0) + int(count)
    by_band = totals["band"]
    return {
        "gender": by_count(totals["gender"]),
        "age": [(band, by_band.pop(band)) for band in AGE_BANDS if band in by_band] + sorted(by_band.items()),
        "nationality": by_count(totals["nationality"]),
    }


def victim_summary(by_age: list[tuple[str, int]]) -> dict[str, int]:
    total = sum(n for _, n in by_age)
    minors = sum(n for band, n in by_age if band in MINOR_BANDS)
    unknown = sum(n for band, n in by_age if band == UNKNOWN)
    return {"total": total, "minors": minors, "adults": total - minors - unknown, "age_unknown": unknown}


def build_dashboard(filters: ReportFilter, *, now: datetime | None = None) -> Dashboard:
    now = now or utcnow()
    by_channel, by_kind = contacts_over_time(filters)
    victims = victim_breakdowns(filters)
    conditions = referral_conditions(filters)
    partners = referrals.partner_rows(conditions, now)
    return Dashboard(
        filters=filters,
        contacts_by_channel=by_channel,
        contacts_by_kind=by_kind,
        cases=case_summary(filters),
        cases_by_form=cases_by_form(filters),
        cases_by_region=cases_by_region(filters),
        cases_by_close_reason=cases_by_close_reason(filters),
        victims=victim_summary(victims["age"]),
        victims_by_gender=victims["gender"],
        victims_by_age=victims["age"],
        victims_by_nationality=victims["nationality"],
        partners=partners,
        referral_totals=sum((row.quality for row in partners), Quality()),
        ack_overall=referrals.ack_times(conditions, by_partner=False).get(None, AckTimes()),
        quality_by_month=referrals.quality_by_month(conditions, now, filters.start, filters.end),
        outcomes=referrals.outcomes(conditions),
    )
