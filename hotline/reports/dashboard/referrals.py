"""Referral figures, for the dashboard and the working-group report: quality, statuses, outcomes and
the time to acknowledgement, per partner, per month or overall.

Each function takes the conditions of `conditions.referral_conditions` (or narrower ones).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, case, func, literal_column, or_, select
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.util import ClauseAdapter

from hotline.extensions import db
from hotline.referrals.models import Referral, ReferralOutcome, ReferralStatus
from hotline.reports import sql
from hotline.reports.dashboard.figures import AckTimes, PartnerRow, Quality, grouped, month_keys

# Outcomes where the partner did something for the victim or against the crime.
SUCCESSFUL_OUTCOMES = (
    ReferralOutcome.VICTIM_ASSISTED.value,
    ReferralOutcome.VICTIM_SHELTERED.value,
    ReferralOutcome.INVESTIGATION_OPENED.value,
    ReferralOutcome.PROSECUTION.value,
)
NOT_REVOKED = Referral.status != ReferralStatus.REVOKED.value
# The referrals with an outcome reported (revoked ones left out).
ANSWERED = (Referral.outcome.is_not(None), NOT_REVOKED)

Conditions = list[ColumnElement[bool]]


def quality_columns(now: datetime) -> list[ColumnElement[int]]:
    """One column per field of `Quality`, over the referrals of each group."""
    ack, due, status = Referral.acknowledged_at, Referral.ack_due_at, Referral.status
    live = NOT_REVOKED
    count_if = sql.count_if
    return [
        func.count().label("sent"),
        count_if(status == ReferralStatus.REVOKED.value).label("revoked"),
        count_if(and_(live, ack.is_not(None), or_(due.is_(None), ack <= due))).label("on_time"),
        count_if(and_(live, ack.is_not(None), due.is_not(None), ack > due)).label("late"),
        count_if(and_(live, ack.is_(None), due.is_not(None), due <= now)).label("overdue"),
        count_if(
            and_(
                status.in_([ReferralStatus.ACCEPTED.value, ReferralStatus.CLOSED.value]),
                Referral.decline_reason.is_(None),
            )
        ).label("accepted"),
        count_if(and_(live, Referral.decline_reason.is_not(None))).label("declined"),
        count_if(and_(live, Referral.outcome.is_not(None))).label("outcome"),
        count_if(
            and_(live, Referral.outcome.is_not(None), Referral.outcome != ReferralOutcome.NO_ACTION.value)
        ).label("implemented"),
        count_if(and_(live, Referral.outcome.in_(SUCCESSFUL_OUTCOMES))).label("successful"),
    ]


def quality_total(conditions: Conditions, now: datetime) -> Quality:
    return Quality.from_row(db.session.execute(select(*quality_columns(now)).where(*conditions)).one())


def quality_by_partner(conditions: Conditions, now: datetime) -> dict[int, Quality]:
    query = (
        select(Referral.partner_id.label("partner_id"), *quality_columns(now))
        .where(*conditions)
        .group_by(Referral.partner_id)
        .order_by(Referral.partner_id)
    )
    return {row.partner_id: Quality.from_row(row) for row in db.session.execute(query)}


def _monthly(conditions: Conditions, now: datetime, start: date, *, by_partner: bool) -> Select:
    """The quality columns grouped by local month of sending (and by partner)."""
    month = sql.month_of(Referral.sent_at, sql.offset_minutes(start)).label("month")
    sub = select(month, Referral).where(*conditions).subquery()
    # The quality columns are written against Referral: re-aim them at the subquery's columns.
    adapter = ClauseAdapter(sub)
    groups = [sub.c.partner_id, sub.c.month] if by_partner else [sub.c.month]
    columns = [adapter.traverse(column) for column in quality_columns(now)]
    return select(*groups, *columns).group_by(*groups).order_by(*groups)


def quality_by_month(
    conditions: Conditions, now: datetime, start: date, end: date
) -> list[tuple[str, Quality]]:
    """Every month of [start, end], empty ones included."""
    query = _monthly(conditions, now, start, by_partner=False)
    found = {row.month: Quality.from_row(row) for row in db.session.execute(query)}
    return [(key, found.get(key, Quality())) for key in month_keys(start, end)]


def quality_by_partner_and_month(
    conditions: Conditions, now: datetime, start: date
) -> dict[int, dict[str, Quality]]:
    """Only the months in which the partner was sent referrals."""
    result: dict[int, dict[str, Quality]] = {}
    for row in db.session.execute(_monthly(conditions, now, start, by_partner=True)):
        result.setdefault(row.partner_id, {})[row.month] = Quality.from_row(row)
    return result


def _by_partner(column: Any, conditions: Conditions) -> dict[int, dict[str, int]]:
    query = (
        select(Referral.partner_id, column, func.count())
        .where(*conditions)
        .group_by(Referral.partner_id, column)
        .order_by(Referral.partner_id, column)
    )
    result: dict[int, dict[str, int]] = {}
    for partner_id, key, count in db.session.execute(query):
        result.setdefault(partner_id, {})[key] = int(count)
    return result


def status_by_partner(conditions: Conditions) -> dict[int, dict[str, int]]:
    return _by_partner(Referral.status, conditions)


def outcomes_by_partner(conditions: Conditions) -> dict[int, dict[str, int]]:
    return _by_partner(Referral.outcome, [*conditions, *ANSWERED])


def outcomes(conditions: Conditions) -> list[tuple[str, int]]:
    query = (
        select(Referral.outcome, func.count())
        .where(*conditions, *ANSWERED)
        .group_by(Referral.outcome)
        .order_by(func.count().desc(), Referral.outcome)
    )
    return grouped(query)


def ack_times(conditions: Conditions, *, by_partner: bool) -> dict[int | None, AckTimes]:
    """Median and 90th percentile of the seconds from sending to acknowledgement, in SQL.

    Window functions rank each partner's times; the median is the mean of the middle one or two
    (rows (n+1)/2 and (n+2)/2, integer division), the 90th percentile the nearest rank ceil(0.9 n).
    Revoked referrals are left out. SQLite >= 3.25 and PostgreSQL give the same numbers.
    """
    group = Referral.partner_id if by_partner else literal_column("0")
    base = (
        select(
            group.label("grp"),
            sql.seconds_between(Referral.sent_at, Referral.acknowledged_at).label("secs"),
        )
        .where(*conditions, Referral.acknowledged_at.is_not(None), NOT_REVOKED)
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


def partner_rows(conditions: Conditions, now: datetime) -> list[PartnerRow]:
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
