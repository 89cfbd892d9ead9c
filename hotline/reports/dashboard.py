"""The managers' dashboard: every figure is one GROUP BY (or window function) in SQL.

Contacts are dated by when they came in, cases by when they were opened, victims by their case,
referrals by when they were sent (a referral never sent is not counted). Region, form of
exploitation and partner narrow the cases; contacts and referrals then follow their cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from hotline.calls.models import Call
from hotline.cases.models import Case, Person, PersonRole, case_exploitation_forms
from hotline.database import utcnow
from hotline.extensions import db
from hotline.referrals.models import Referral, ReferralOutcome, ReferralStatus
from hotline.reports import sql
from hotline.reports.filters import ReportFilter

AGE_BANDS = ("0-8", "9-17", "18-20", "21-23", "24-26", "27-29", "30-38", "39-47", "48+")
MINOR_BANDS = ("0-8", "9-17")
# Outcomes where the partner did something for the victim or against the crime.
SUCCESSFUL_OUTCOMES = (
    ReferralOutcome.VICTIM_ASSISTED.value,
    ReferralOutcome.VICTIM_SHELTERED.value,
    ReferralOutcome.INVESTIGATION_OPENED.value,
    ReferralOutcome.PROSECUTION.value,
)
UNKNOWN = ""  # the key of "not recorded" in every breakdown


# --- conditions ---------------------------------------------------------------------------------


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


def _sum(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


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


# --- results ------------------------------------------------------------------------------------


@dataclass
class TimeSeries:
    """Counts by period and key: every period of the range is listed, empty ones included."""

    periods: list[str]
    keys: list[str]
    counts: dict[tuple[str, str], int]

    def value(self, period: str, key: str) -> int:
        return self.counts.get((period, key), 0)

    def period_total(self, period: str) -> int:
        return sum(self.value(period, key) for key in self.keys)

    def key_total(self, key: str) -> int:
        return sum(self.value(period, key) for period in self.periods)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class Quality:
    """Referral performance over a set of referrals (one partner, one month, or all)."""

    sent: int = 0
    revoked: int = 0
    on_time: int = 0
    late: int = 0  # acknowledged after the deadline
    overdue: int = 0  # still not acknowledged, past the deadline
    accepted: int = 0
    declined: int = 0
    outcome: int = 0
    implemented: int = 0
    successful: int = 0

    @property
    def counted(self) -> int:
        """The referrals the partner had to answer (revoked ones are left out of the shares)."""
        return self.sent - self.revoked

    @property
    def waiting(self) -> int:
        """Not acknowledged yet, still within the deadline."""
        return max(self.counted - self.on_time - self.late - self.overdue, 0)

    @property
    def missed(self) -> int:
        return self.late + self.overdue

    def __add__(self, other: Quality) -> Quality:
        names = Quality.__dataclass_fields__
        return Quality(**{name: getattr(self, name) + getattr(other, name) for name in names})

    def share(self, name: str) -> float | None:
        if self.counted <= 0:
            return None
        return getattr(self, name) / self.counted


@dataclass
class AckTimes:
    acknowledged: int = 0
    median_seconds: float | None = None
    p90_seconds: float | None = None


@dataclass
class PartnerRow:
    partner_id: int
    by_status: dict[str, int] = field(default_factory=dict)
    quality: Quality = field(default_factory=Quality)
    ack: AckTimes = field(default_factory=AckTimes)

    @property
    def sent(self) -> int:
        return sum(self.by_status.values())


@dataclass
class Dashboard:
    filters: ReportFilter
    now: datetime
    contacts_by_channel: TimeSeries
    contacts_by_kind: TimeSeries
    cases: dict[str, int]
    cases_by_form: list[tuple[str, int]]
    cases_by_region: list[tuple[str, int]]
    cases_by_close_reason: list[tuple[str, int]]
    victims: dict[str, int]
    victims_by_gender: list[tuple[str, int]]
    victims_by_age: list[tuple[str, int]]
    victims_by_nationality: list[tuple[str, int]]
    partners: list[PartnerRow]
    referral_totals: Quality
    ack_overall: AckTimes
    quality_by_month: list[tuple[str, Quality]]
    outcomes: list[tuple[str, int]]


# --- periods ------------------------------------------------------------------------------------


def period_keys(start: date, end: date, period: str) -> list[str]:
    """The first day ('YYYY-MM-DD') of every day, ISO week or month touching [start, end]."""
    if period == "day":
        first, step = start, None
    elif period == "week":
        first, step = start - timedelta(days=start.weekday()), None
    else:
        first, step = start.replace(day=1), "month"
    keys: list[str] = []
    current = first
    while current <= end:
        keys.append(current.isoformat())
        if step == "month":
            current = (current.replace(day=28) + timedelta(days=4)).replace(day=1)
        else:
            current += timedelta(days=1 if period == "day" else 7)
    return keys


def month_keys(start: date, end: date) -> list[str]:
    return [key[:7] for key in period_keys(start, end, "month")]


# --- queries ------------------------------------------------------------------------------------


def _grouped(query: Any) -> list[tuple[str, int]]:
    """(key, count) rows, largest first, "not recorded" last (engines sort NULL differently)."""
    return _by_count(
        {UNKNOWN if key is None else str(key): int(count) for key, count in db.session.execute(query)}
    )


def contacts_over_time(filters: ReportFilter) -> tuple[TimeSeries, TimeSeries]:
    """Contacts by period and channel, and by period and kind (one GROUP BY over the three)."""
    from hotline.calls.models import CallKind, Channel

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
            _sum(Case.has_minors.is_(True)),
            _sum(Case.status == "closed"),
            _sum(Case.risk == "urgent"),
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
    rows = _grouped(query)
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
    return _grouped(query)


def cases_by_close_reason(filters: ReportFilter) -> list[tuple[str, int]]:
    query = (
        select(Case.close_reason, func.count())
        .where(*case_conditions(filters), Case.status == "closed")
        .group_by(Case.close_reason)
        .order_by(func.count().desc(), Case.close_reason)
    )
    return _grouped(query)


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
        .where(Person.role == PersonRole.VICTIM.value, *case_conditions(filters))
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
        "gender": _by_count(totals["gender"]),
        "age": [(band, by_band.pop(band)) for band in AGE_BANDS if band in by_band] + sorted(by_band.items()),
        "nationality": _by_count(totals["nationality"]),
    }


def _by_count(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Largest first; "not recorded" last."""
    return sorted(counts.items(), key=lambda item: (item[0] == UNKNOWN, -item[1], item[0]))


def victim_summary(by_age: list[tuple[str, int]]) -> dict[str, int]:
    total = sum(n for _, n in by_age)
    minors = sum(n for band, n in by_age if band in MINOR_BANDS)
    unknown = sum(n for band, n in by_age if band == UNKNOWN)
    return {"total": total, "minors": minors, "adults": total - minors - unknown, "age_unknown": unknown}


def quality_columns(now: datetime) -> list[ColumnElement[int]]:
    ack, due, status = Referral.acknowledged_at, Referral.ack_due_at, Referral.status
    live = status != ReferralStatus.REVOKED.value
    return [
        func.count().label("sent"),
        _sum(status == ReferralStatus.REVOKED.value).label("revoked"),
        _sum(and_(live, ack.is_not(None), or_(due.is_(None), ack <= due))).label("on_time"),
        _sum(and_(live, ack.is_not(None), due.is_not(None), ack > due)).label("late"),
        _sum(and_(live, ack.is_(None), due.is_not(None), due <= now)).label("overdue"),
        _sum(
            and_(
                status.in_([ReferralStatus.ACCEPTED.value, ReferralStatus.CLOSED.value]),
                Referral.decline_reason.is_(None),
            )
        ).label("accepted"),
        _sum(and_(live, Referral.decline_reason.is_not(None))).label("declined"),
        _sum(and_(live, Referral.outcome.is_not(None))).label("outcome"),
        _sum(
            and_(live, Referral.outcome.is_not(None), Referral.outcome != ReferralOutcome.NO_ACTION.value)
        ).label("implemented"),
        _sum(and_(live, Referral.outcome.in_(SUCCESSFUL_OUTCOMES))).label("successful"),
    ]


def _quality(row: Any) -> Quality:
    return Quality(**{name: int(getattr(row, name) or 0) for name in Quality.__dataclass_fields__})


def quality_by_partner(conditions: list[ColumnElement[bool]], now: datetime) -> dict[int, Quality]:
    query = (
        select(Referral.partner_id.label("partner_id"), *quality_columns(now))
        .where(*conditions)
        .group_by(Referral.partner_id)
        .order_by(Referral.partner_id)
    )
    return {row.partner_id: _quality(row) for row in db.session.execute(query)}


def quality_total(conditions: list[ColumnElement[bool]], now: datetime) -> Quality:
    return _quality(db.session.execute(select(*quality_columns(now)).where(*conditions)).one())


def quality_by_month(
    conditions: list[ColumnElement[bool]], now: datetime, start: date, end: date
) -> list[tuple[str, Quality]]:
    month = sql.month_of(Referral.sent_at, sql.offset_minutes(start)).label("month")
    sub = select(month, Referral).where(*conditions).subquery()
    # The quality columns are written against Referral: re-aim them at the subquery's columns.
    query = select(sub.c.month, *_quality_columns_of(sub, now)).group_by(sub.c.month).order_by(sub.c.month)
    found = {row.month: _quality(row) for row in db.session.execute(query)}
    return [(key, found.get(key, Quality())) for key in month_keys(start, end)]


def _quality_columns_of(sub: Any, now: datetime) -> list[ColumnElement[int]]:
    from sqlalchemy.sql.util import ClauseAdapter

    adapter = ClauseAdapter(sub)
    return [adapter.traverse(column) for column in quality_columns(now)]


def status_by_partner(conditions: list[ColumnElement[bool]]) -> dict[int, dict[str, int]]:
    query = (
        select(Referral.partner_id, Referral.status, func.count())
        .where(*conditions)
        .group_by(Referral.partner_id, Referral.status)
        .order_by(Referral.partner_id, Referral.status)
    )
    result: dict[int, dict[str, int]] = {}
    for partner_id, status, count in db.session.execute(query):
        result.setdefault(partner_id, {})[status] = int(count)
    return result


def ack_times(conditions: list[ColumnElement[bool]], *, by_partner: bool) -> dict[int | None, AckTimes]:
    """Median and 90th percentile of the seconds from sending to acknowledgement, in SQL.

    Window functions rank each partner's times; the median is the mean of the middle one or two
    (rows (n+1)/2 and (n+2)/2, integer division), the 90th percentile the nearest rank ceil(0.9 n).
    Revoked referrals are left out. SQLite >= 3.25 and PostgreSQL give the same numbers.
    """
    group = Referral.partner_id if by_partner else sql_constant()
    base = (
        select(
            group.label("grp"),
            sql.seconds_between(Referral.sent_at, Referral.acknowledged_at).label("secs"),
        )
        .where(
            *conditions,
            Referral.acknowledged_at.is_not(None),
            Referral.status != ReferralStatus.REVOKED.value,
        )
        .subquery()
    )
    ranked = select(
        base.c.grp,
        base.c.secs,
        func.row_number().over(partition_by=base.c.grp, order_by=base.c.secs).label("rn"),
        func.count().over(partition_by=base.c.grp).label("n"),
    ).subquery()
    rn, n, secs = ranked.c.rn, ranked.c.n, ranked.c.secs
    query = (
        select(
            ranked.c.grp,
            func.max(n),
            func.avg(case((or_(rn == (n + 1) // 2, rn == (n + 2) // 2), secs))),
            func.max(case((rn == (9 * n + 9) // 10, secs))),
        )
        .group_by(ranked.c.grp)
        .order_by(ranked.c.grp)
    )
    result: dict[int | None, AckTimes] = {}
    for grp, count, median, p90 in db.session.execute(query):
        key = grp if by_partner else None
        result[key] = AckTimes(
            int(count), None if median is None else float(median), None if p90 is None else float(p90)
        )
    return result


def sql_constant() -> ColumnElement[int]:
    from sqlalchemy import literal_column

    return literal_column("0")


def outcomes(conditions: list[ColumnElement[bool]]) -> list[tuple[str, int]]:
    query = (
        select(Referral.outcome, func.count())
        .where(*conditions, Referral.outcome.is_not(None), Referral.status != ReferralStatus.REVOKED.value)
        .group_by(Referral.outcome)
        .order_by(func.count().desc(), Referral.outcome)
    )
    return _grouped(query)


def partner_rows(conditions: list[ColumnElement[bool]], now: datetime) -> list[PartnerRow]:
    statuses = status_by_partner(conditions)
    quality = quality_by_partner(conditions, now)
    times = ack_times(conditions, by_partner=True)
    rows = [
        PartnerRow(
            partner_id=pid,
            by_status=statuses.get(pid, {}),
            quality=quality.get(pid, Quality()),
            ack=times.get(pid, AckTimes()),
        )
        for pid in sorted(set(statuses) | set(quality))
    ]
    rows.sort(key=lambda r: (-r.sent, r.partner_id))
    return rows


def build_dashboard(filters: ReportFilter, *, now: datetime | None = None) -> Dashboard:
    now = now or utcnow()
    by_channel, by_kind = contacts_over_time(filters)
    victims = victim_breakdowns(filters)
    conditions = referral_conditions(filters)
    partners = partner_rows(conditions, now)
    return Dashboard(
        filters=filters,
        now=now,
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
        ack_overall=ack_times(conditions, by_partner=False).get(None, AckTimes()),
        quality_by_month=quality_by_month(conditions, now, filters.start, filters.end),
        outcomes=outcomes(conditions),
    )
