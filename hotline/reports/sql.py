"""SQL expressions that differ between SQLite and PostgreSQL but must give identical results.

Periods are computed on local dates (the configured time zone, America/Lima by default) by shifting
UTC timestamps by a fixed offset. Peru has not used daylight saving time since 1994, so the offset
is constant; for a zone with DST the buckets near a change would be one hour off.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy import BigInteger, Integer, case, cast, func, literal_column, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.sql.elements import ColumnElement

from hotline.extensions import db

PERIODS = ("day", "week", "month")


def dialect_name() -> str:
    return db.session.get_bind().dialect.name


def time_zone() -> ZoneInfo:
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE", "UTC") if has_app_context() else "UTC"
    return ZoneInfo(name)


def offset_minutes(at: date | None = None) -> int:
    """Minutes between local time and UTC (Lima: -300)."""
    moment = datetime.combine(at or date.today(), time(12), tzinfo=time_zone())
    offset = moment.utcoffset() or timedelta(0)
    return int(offset.total_seconds() // 60)


def local_midnight_utc(day: date) -> datetime:
    """The UTC instant at which the local `day` starts."""
    return datetime.combine(day, time.min, tzinfo=time_zone()).astimezone(UTC)


def period_start(column: ColumnElement, period: str, offset: int) -> ColumnElement[str]:
    """The first local day ('YYYY-MM-DD') of the day, ISO week (Monday) or month of a timestamp."""
    if period not in PERIODS:
        raise ValueError(period)
    offset = int(offset)
    if dialect_name() == "postgresql":
        local = func.timezone("UTC", column) + literal_column(f"INTERVAL '{offset} minutes'")
        return func.to_char(func.date_trunc(period, local), "YYYY-MM-DD")
    shift = literal_column(f"'{offset:+d} minutes'")
    if period == "day":
        return func.strftime("%Y-%m-%d", column, shift)
    if period == "week":
        return func.date(column, shift, literal_column("'weekday 0'"), literal_column("'-6 days'"))
    return func.strftime("%Y-%m-01", column, shift)


def month_of(column: ColumnElement, offset: int) -> ColumnElement[str]:
    """'YYYY-MM' of a timestamp in local time."""
    offset = int(offset)
    if dialect_name() == "postgresql":
        local = func.timezone("UTC", column) + literal_column(f"INTERVAL '{offset} minutes'")
        return func.to_char(local, "YYYY-MM")
    return func.strftime("%Y-%m", column, literal_column(f"'{offset:+d} minutes'"))


def year_of(column: ColumnElement, offset: int) -> ColumnElement[int]:
    offset = int(offset)
    if dialect_name() == "postgresql":
        local = func.timezone("UTC", column) + literal_column(f"INTERVAL '{offset} minutes'")
        return cast(func.extract("year", local), Integer)
    return cast(func.strftime("%Y", column, literal_column(f"'{offset:+d} minutes'")), Integer)


def epoch_seconds(column: ColumnElement) -> ColumnElement[int]:
    """Whole seconds since 1970 (fractions dropped the same way on both engines)."""
    if dialect_name() == "postgresql":
        return cast(func.extract("epoch", func.date_trunc("second", column)), BigInteger)
    return cast(func.strftime("%s", column), BigInteger)


def seconds_between(start: ColumnElement, end: ColumnElement) -> ColumnElement[int]:
    return epoch_seconds(end) - epoch_seconds(start)


def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """How many rows of the group match `condition` (0, never NULL, for an empty group)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def first_item(column: ColumnElement) -> ColumnElement[str]:
    """The first element of a JSON list column, as text (NULL when the list is empty)."""
    return column[0].as_string()


def joined_codes(column: ColumnElement, *where: ColumnElement) -> ColumnElement[str]:
    """A correlated subquery: 'A;B;C' of `column`'s values in the rows matching `where`.

    The order is not guaranteed on SQLite: callers sort the codes (see `split_codes`).
    """
    if dialect_name() == "postgresql":
        return (
            select(func.string_agg(column, aggregate_order_by(literal_column("';'"), column)))
            .where(*where)
            .scalar_subquery()
        )
    return select(func.group_concat(column, literal_column("';'"))).where(*where).scalar_subquery()


def split_codes(value: str | None) -> list[str]:
    return sorted(code for code in (value or "").split(";") if code)
