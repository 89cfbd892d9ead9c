"""Releases: made once, stored, audited, downloaded again byte for byte.

The rules (README.md, "Releases of the victims' standard form"):

1. A release covers a calendar quarter or a calendar year that has ended, with no other filter.
2. It holds the victims whose case was opened in the period, that existed when it was made and that
   are in no earlier release: each victim is published in at most one release (the primary key of
   `report_release_members`). So the intersection of any two releases is empty and their
   difference is a whole release, k-anonymous in itself: no combination of releases singles out
   fewer than k victims.
3. A release needs at least k such victims; with fewer, the period waits.
4. Records entered after a period's release go into a late-records release of the same period
   (sequence 2, 3, ...), again with at least k of them. A release is never made again.
5. A year is released either whole or by quarters, as its first release decides: a year release
   and its quarters' releases never coexist, so the labels stay true (a year release holds the
   whole year, a quarter release its quarter).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, load_only

from hotline.audit import services as audit
from hotline.auth.models import Role
from hotline.cases.models import Case, Person, PersonRole
from hotline.database import utcnow
from hotline.extensions import db
from hotline.reports import sql
from hotline.reports.exports import anonymise
from hotline.reports.models import PeriodKind, Release, ReleaseMember
from hotline.reports.releases import build as building
from hotline.reports.releases import sheet as sheets
from hotline.reports.releases.periods import Period, ReleaseError, ended_periods, quarter_of

FORMATS = ("csv", "xlsx")
MAKERS = (Role.MANAGER,)


@dataclass(frozen=True)
class Offer:
    """A period a release can be made for now, and how many victims it would hold."""

    period: Period
    sequence: int
    victims: int

    @property
    def value(self) -> str:
        return self.period.name


def _not_released() -> Any:
    return ~exists().where(ReleaseMember.person_id == Person.id)


def list_releases() -> list[Release]:
    """Every release, newest period first, without their files (one query)."""
    return list(
        db.session.scalars(
            select(Release)
            .options(
                load_only(
                    Release.id,
                    Release.period_kind,
                    Release.period_start,
                    Release.period_end,
                    Release.sequence,
                    Release.k,
                    Release.victims,
                    Release.minors,
                    Release.qi_values,
                    Release.suppressed_values,
                    Release.generalised_values,
                    Release.made_at,
                    Release.made_by_id,
                ),
                joinedload(Release.made_by),
            )
            .order_by(Release.period_start.desc(), Release.period_kind, Release.sequence)
        )
    )


def _released() -> dict[tuple[str, date], int]:
    """(kind, start) -> the highest sequence released."""
    return {
        (kind, start): int(seq)
        for kind, start, seq in db.session.execute(
            select(Release.period_kind, Release.period_start, func.max(Release.sequence)).group_by(
                Release.period_kind, Release.period_start
            )
        )
    }


def _granularity_error(period: Period, released: dict[tuple[str, date], int]) -> ReleaseError | None:
    year_released = (PeriodKind.YEAR.value, date(period.year, 1, 1)) in released
    quarters_released = any(
        (PeriodKind.QUARTER.value, date(period.year, m, 1)) in released for m in (1, 4, 7, 10)
    )
    if period.kind == PeriodKind.YEAR and quarters_released:
        return ReleaseError(
            _l(
                "%(year)d is released by quarters: its victims go into the quarters' releases and their "
                "late-records releases, not into a release of the whole year.",
                year=period.year,
            )
        )
    if period.kind == PeriodKind.QUARTER and year_released:
        return ReleaseError(
            _l(
                "%(year)d was released as a whole year: its late records go into a late-records release "
                "of %(year)d, not into a quarter.",
                year=period.year,
            )
        )
    return None


def pending_by_quarter(since: date) -> Counter[Period]:
    """Victims in no release, by the quarter their case was opened in (one GROUP BY)."""
    offset = sql.offset_minutes(since)
    month = sql.month_of(Case.opened_at, offset).label("month")
    rows = db.session.execute(
        select(month, func.count())
        .select_from(Person)
        .join(Case, Case.id == Person.case_id)
        .where(
            Person.role == PersonRole.VICTIM.value,
            Case.opened_at >= sql.local_midnight_utc(since),
            _not_released(),
        )
        .group_by(month)
    )
    counts: Counter[Period] = Counter()
    for value, n in rows:
        year, mon = (int(part) for part in str(value).split("-")[:2])
        counts[quarter_of(date(year, mon, 1))] += int(n)
    return counts


def offers(today: date, k: int) -> list[Offer]:
    """The periods a release can be made for today: ended, allowed, with at least k victims."""
    periods = ended_periods(today)
    if not periods:
        return []
    pending = pending_by_quarter(min(p.start for p in periods))
    released = _released()
    found = []
    for period in periods:
        if _granularity_error(period, released) is not None:
            continue
        if period.kind == PeriodKind.YEAR:
            victims = sum(n for q, n in pending.items() if q.year == period.year)
        else:
            victims = pending.get(period, 0)
        if victims >= k:
            found.append(Offer(period, released.get((period.kind, period.start), 0) + 1, victims))
    return found


def _candidates(period: Period) -> list[Any]:
    start = sql.local_midnight_utc(period.start)
    end = sql.local_midnight_utc(date.fromordinal(period.end.toordinal() + 1))
    query = anonymise.victims(
        [Case.opened_at >= start, Case.opened_at < end, _not_released()], sql.offset_minutes(period.start)
    )
    return list(db.session.execute(query.order_by(Person.id)))


def make_release(period: Period, *, actor: Any, k: int, today: date) -> Release:
    """Make, store and audit the next release of `period` (the caller commits; nothing is written
    when anything fails). Raises ReleaseError when the rules do not allow it."""
    if getattr(actor, "role", None) not in MAKERS:
        raise ReleaseError(_l("Only managers may make releases."))
    if not period.has_ended(today):
        raise ReleaseError(
            _l(
                "%(period)s has not ended yet: only a quarter or a year that has ended can be released.",
                period=period.name,
            )
        )
    released = _released()
    refused = _granularity_error(period, released)
    if refused is not None:
        raise refused
    victims = _candidates(period)
    if len(victims) < k:
        raise ReleaseError(
            _l(
                "%(period)s has %(n)d victims in no release yet, fewer than k = %(k)d: a release needs at "
                "least k. Wait for more records (or, if none of its quarters is released, release the year).",
                period=period.name,
                n=len(victims),
                k=k,
            )
        )
    sequence = released.get((period.kind, period.start), 0) + 1
    earlier = [f"{period.name} #{n}" for n in range(1, sequence)]
    built = building.build(victims, k)
    made_at = utcnow()
    data = sheets.sheet_data(period, sequence, built, earlier)
    csv_data = sheets.csv_bytes(built.rows)
    xlsx_data = sheets.xlsx_bytes(built.rows, sheets.bilingual(data, made_at), made_at)
    release = Release(
        period_kind=period.kind,
        period_start=period.start,
        period_end=period.end,
        sequence=sequence,
        k=k,
        victims=len(built.rows),
        minors=built.minors,
        qi_values=built.qi_values,
        suppressed_values=built.suppressed_values,
        generalised_values=built.generalised_values,
        sheet=data,
        csv_data=csv_data,
        xlsx_data=xlsx_data,
        csv_sha256=hashlib.sha256(csv_data).hexdigest(),
        xlsx_sha256=hashlib.sha256(xlsx_data).hexdigest(),
        made_by_id=getattr(actor, "id", None),
        made_at=made_at,
    )
    try:
        with db.session.begin_nested():
            db.session.add(release)
            db.session.flush()
            db.session.execute(
                insert(ReleaseMember),
                [{"person_id": pid, "release_id": release.id} for pid in sorted(built.person_ids)],
            )
    except IntegrityError as exc:
        raise ReleaseError(
            _l("Someone else has just made this release (or one that holds the same victims): see the list.")
        ) from exc
    audit.record(
        "report.release_make",
        actor=actor,
        object_type="report_release",
        object_id=release.id,
        summary=(
            f"htcds release {period.name} #{sequence}: {release.victims} victims, k {k}, "
            f"{built.groups} groups, minors {built.minors}/{built.minors_recorded}, suppressed "
            f"{release.suppressed_values}/{release.qi_values}, csv sha256 {release.csv_sha256[:16]}"
        ),
    )
    return release


def get_release(release_id: int) -> Release | None:
    return db.session.get(Release, release_id, options=[joinedload(Release.made_by)])


def download(release: Release, fmt: str, *, actor: Any) -> bytes:
    """The stored bytes of a release, with the audit row of this download (the caller commits)."""
    if fmt not in FORMATS:
        raise ReleaseError(_l("There is no such export."))
    if getattr(actor, "role", None) not in MAKERS:
        raise ReleaseError(_l("Only managers may download releases."))
    data = release.csv_data if fmt == "csv" else release.xlsx_data
    audit.record(
        "report.release_download",
        actor=actor,
        object_type="report_release",
        object_id=release.id,
        summary=f"htcds release {release.id} {fmt}, {release.victims} rows",
    )
    return data


def filename(release: Release, fmt: str) -> str:
    from hotline.reports.exports.writers import safe_filename

    period = Period.of(release.period_kind, release.period_start)
    parts = ["hotline", "htcds", "release", period.name]
    if release.sequence > 1:
        parts.append(f"late-{release.sequence - 1}")
    return safe_filename(*parts, extension=fmt)


def period_of(release: Release) -> Period:
    return Period.of(release.period_kind, release.period_start)


def sheet_lines(release: Release) -> Sequence[tuple[str, str]]:
    return sheets.lines(release.sheet, release.made_at)
