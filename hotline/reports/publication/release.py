"""Everything published for one calendar year, counted in SQL and suppressed in one pass.

A release holds five cubes (contacts, cases, forms of exploitation, victims, referrals), each
counted by local month (one GROUP BY each) and summed up to quarters and the year. Every table the
publication shows is a set of cells of a cube: a count at some node of each dimension's tree ("*"
for all). The linear links between them (a row and its total, a quarter and its months, Lima and
Lima Metropolitana on the map, the minors among the victims, the referrals acknowledged late
among those missed and those acknowledged) come from the trees, so the suppression sees every
figure that could be set against another.

Within a cube the published cells are one-dimensional margins (by channel, by kind...) of the same
month-and-partner totals; any set of such margins fits a joint table, so leaving the cross
tabulations out of the audit gives the attacker nothing the audit does not see.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import product
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select

from hotline.calls.models import Call, CallKind, Channel
from hotline.cases.models import Case as CaseRow
from hotline.cases.models import CloseReason, Gender, Person, case_exploitation_forms
from hotline.extensions import db
from hotline.partners.models import Partner
from hotline.reference.models import ExploitationForm, Region
from hotline.referrals.models import Referral, ReferralOutcome, ReferralStatus
from hotline.reports import disclosure, sql
from hotline.reports.conditions import (
    AGE_BANDS,
    age_band,
    call_conditions,
    case_conditions,
    referral_conditions,
    victim_conditions,
)
from hotline.reports.dashboard import UNKNOWN, AckTimes, ack_times
from hotline.reports.filters import LIMA_DEPARTMENT, LIMA_METROPOLITANA, ReportFilter
from hotline.reports.publication.periods import PublishedPeriod, level_of, quarter_of
from hotline.reports.publication.suppress import PRIMARY, SECONDARY, SHOWN, Pattern, Relation, protect

ALL = "*"
COMPLEMENTARY = "x"  # hidden so that a figure below 3 cannot be worked out
LIMA_TILE = "LIM"  # Lima and Lima Metropolitana together (the map's tile)
# Nationalities shown one by one (the first recorded); every other country is "other".
NATIONALITIES = ("PE", "VE", "CO", "EC", "BO")
OTHER_COUNTRY = "other"
MINORS = "minors"
SUCCESSFUL = (
    ReferralOutcome.VICTIM_ASSISTED.value,
    ReferralOutcome.VICTIM_SHELTERED.value,
    ReferralOutcome.INVESTIGATION_OPENED.value,
    ReferralOutcome.PROSECUTION.value,
)


@dataclass
class Dim:
    """One dimension of a cube: its tree of nodes (parent -> children) and the nodes published."""

    name: str
    tree: dict[str, tuple[str, ...]]
    published: frozenset[str] | None = None  # None: every node

    def nodes(self) -> list[str]:
        seen = dict.fromkeys(self.tree)
        for children in self.tree.values():
            seen.update(dict.fromkeys(children))
        return list(seen)

    def leaves(self) -> list[str]:
        return [n for n in self.nodes() if not self.tree.get(n)]

    def ancestors(self, leaf: str) -> list[str]:
        """The leaf and every node above it (a leaf can sit under two groups)."""
        found = [leaf]
        for node in found:
            for parent, children in self.tree.items():
                if node in children and parent not in found:
                    found.append(parent)
        return found

    def is_published(self, node: str) -> bool:
        return self.published is None or node in self.published


@dataclass
class Cube:
    name: str
    dims: list[Dim]  # dims[0] is the period
    families: list[tuple[int, ...]]  # the dimensions each published table varies (besides the period)
    rows: dict[tuple[str, ...], int] = field(default_factory=dict)  # leaf values -> count

    def key(self, period: str, **values: str) -> tuple[str, ...]:
        return (self.name, period, *[values.get(d.name, ALL) for d in self.dims[1:]])


def _tree(*children: str, **groups: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    return {ALL: tuple(children), **groups}


def _period_dim(period: PublishedPeriod) -> Dim:
    """The period and the ones inside it (a quarter's months, a year's quarters and months)."""
    if period.kind == "month":
        return Dim("period", {period.key: ()})
    quarters: dict[str, list[str]] = {}
    for month in period.months:
        quarters.setdefault(quarter_of(month), []).append(month)
    if period.kind == "quarter":
        return Dim("period", {period.key: tuple(period.months)})
    return Dim("period", {period.key: tuple(quarters), **{q: tuple(ms) for q, ms in quarters.items()}})


# --- counting ----------------------------------------------------------------------------------


def _month(column: Any, start: date) -> Any:
    return sql.month_of(column, sql.offset_minutes(start))


def _contacts(filters: ReportFilter) -> dict[tuple[str, ...], int]:
    month = _month(Call.received_at, filters.start).label("m")
    kind = func.coalesce(Call.kind, UNKNOWN).label("k")
    sub = select(month, Call.channel.label("c"), kind).where(*call_conditions(filters)).subquery()
    query = select(sub.c.m, sub.c.c, sub.c.k, func.count()).group_by(sub.c.m, sub.c.c, sub.c.k)
    channels = {c.value for c in Channel}
    kinds = {k.value for k in CallKind}
    rows: dict[tuple[str, ...], int] = {}
    for m, channel, kind_value, n in db.session.execute(query):
        leaf = (
            m,
            channel if channel in channels else Channel.PHONE.value,
            kind_value if kind_value in kinds else UNKNOWN,
        )
        rows[leaf] = rows.get(leaf, 0) + int(n)
    return rows


def _region(code: str | None, known: set[str]) -> str:
    if not code:
        return UNKNOWN
    if code in known:
        return code
    return code[:2] if code[:2] in known else UNKNOWN


def _cases(filters: ReportFilter, regions: set[str]) -> dict[tuple[str, ...], int]:
    month = _month(CaseRow.opened_at, filters.start).label("m")
    sub = (
        select(
            month,
            CaseRow.region_ubigeo.label("r"),
            CaseRow.has_minors.label("minors"),
            CaseRow.status.label("s"),
            CaseRow.close_reason.label("cr"),
        )
        .where(*case_conditions(filters))
        .subquery()
    )
    query = select(sub.c.m, sub.c.r, sub.c.minors, sub.c.s, sub.c.cr, func.count()).group_by(
        sub.c.m, sub.c.r, sub.c.minors, sub.c.s, sub.c.cr
    )
    reasons = {r.value for r in CloseReason}
    rows: dict[tuple[str, ...], int] = {}
    for m, region, minors, status, reason, n in db.session.execute(query):
        close = "open" if status != "closed" else reason if reason in reasons else UNKNOWN
        leaf = (m, _region(region, regions), "yes" if minors else "no", close)
        rows[leaf] = rows.get(leaf, 0) + int(n)
    return rows


def _forms(filters: ReportFilter, forms: set[str]) -> dict[tuple[str, ...], int]:
    month = _month(CaseRow.opened_at, filters.start).label("m")
    cases = select(CaseRow.id, month).where(*case_conditions(filters)).subquery()
    query = (
        select(cases.c.m, case_exploitation_forms.c.form_code, func.count())
        .join(cases, cases.c.id == case_exploitation_forms.c.case_id)
        .group_by(cases.c.m, case_exploitation_forms.c.form_code)
    )
    rows: dict[tuple[str, ...], int] = {}
    for m, code, n in db.session.execute(query):
        if code in forms:
            rows[(m, code)] = rows.get((m, code), 0) + int(n)
    without = (
        select(month, func.count())
        .where(*case_conditions(filters), ~exists().where(case_exploitation_forms.c.case_id == CaseRow.id))
        .group_by(month)
    )
    for m, n in db.session.execute(without):
        rows[(m, UNKNOWN)] = rows.get((m, UNKNOWN), 0) + int(n)
    return rows


def _victims(filters: ReportFilter) -> dict[tuple[str, ...], int]:
    sub = (
        select(
            _month(CaseRow.opened_at, filters.start).label("m"),
            func.coalesce(Person.gender, UNKNOWN).label("g"),
            func.coalesce(age_band(Person.age, Person.age_range), UNKNOWN).label("b"),
            func.coalesce(sql.first_item(Person.nationalities), UNKNOWN).label("n"),
        )
        .select_from(Person)
        .join(CaseRow, CaseRow.id == Person.case_id)
        .where(*victim_conditions(filters))
        .subquery()
    )
    query = select(sub.c.m, sub.c.g, sub.c.b, sub.c.n, func.count()).group_by(
        sub.c.m, sub.c.g, sub.c.b, sub.c.n
    )
    genders = {g.value for g in Gender}
    rows: dict[tuple[str, ...], int] = {}
    for m, gender, band, nationality, n in db.session.execute(query):
        leaf = (
            m,
            gender if gender in genders else UNKNOWN,
            band if band in AGE_BANDS else UNKNOWN,
            nationality if nationality in NATIONALITIES else (OTHER_COUNTRY if nationality else UNKNOWN),
        )
        rows[leaf] = rows.get(leaf, 0) + int(n)
    return rows


def _referrals(filters: ReportFilter, now: datetime) -> dict[tuple[str, ...], int]:
    ack, due = Referral.acknowledged_at, Referral.ack_due_at
    ack_class = case(
        (and_(ack.is_not(None), or_(due.is_(None), ack <= due)), "on_time"),
        (ack.is_not(None), "late"),
        (and_(due.is_not(None), due <= now), "overdue"),
        else_="waiting",
    )
    decision = case(
        (Referral.decline_reason.is_not(None), "declined"),
        (Referral.status.in_([ReferralStatus.ACCEPTED.value, ReferralStatus.CLOSED.value]), "accepted"),
        else_="undecided",
    )
    sub = (
        select(
            _month(Referral.sent_at, filters.start).label("m"),
            Referral.partner_id.label("p"),
            ack_class.label("a"),
            decision.label("d"),
            func.coalesce(Referral.outcome, "none").label("o"),
        )
        .where(*referral_conditions(filters), Referral.status != ReferralStatus.REVOKED.value)
        .subquery()
    )
    query = select(sub.c.m, sub.c.p, sub.c.a, sub.c.d, sub.c.o, func.count()).group_by(
        sub.c.m, sub.c.p, sub.c.a, sub.c.d, sub.c.o
    )
    outcomes = {o.value for o in ReferralOutcome}
    rows: dict[tuple[str, ...], int] = {}
    for m, partner, ack_value, decision_value, outcome, n in db.session.execute(query):
        leaf = (
            m,
            str(partner),
            ack_value,
            decision_value,
            outcome if outcome in outcomes or outcome == "none" else "other",
        )
        rows[leaf] = rows.get(leaf, 0) + int(n)
    return rows


# --- the release -------------------------------------------------------------------------------


def _cubes(period: PublishedPeriod, now: datetime) -> list[Cube]:
    period_dim = _period_dim(period)
    filters = ReportFilter(period.start, period.end, period="month")
    regions = set(db.session.scalars(select(Region.ubigeo)))
    forms = sorted(db.session.scalars(select(ExploitationForm.code)))
    partners = [str(p) for p in db.session.scalars(select(Partner.id).order_by(Partner.code))]
    departments = sorted(r for r in regions if r not in (LIMA_DEPARTMENT, LIMA_METROPOLITANA))
    lima = tuple(r for r in (LIMA_DEPARTMENT, LIMA_METROPOLITANA) if r in regions)
    region_tree = (
        _tree(*departments, LIMA_TILE, UNKNOWN, **{LIMA_TILE: lima}) if lima else _tree(*departments, UNKNOWN)
    )
    bands = tuple(b for b in AGE_BANDS if b not in ("0-8", "9-17"))
    cubes = [
        Cube(
            "contacts",
            [
                period_dim,
                Dim("channel", _tree(*[c.value for c in Channel])),
                Dim("kind", _tree(*[k.value for k in CallKind], UNKNOWN)),
            ],
            [(0, 1), (0, 2)],
            _contacts(filters),
        ),
        Cube(
            "cases",
            [
                period_dim,
                Dim("region", region_tree),
                Dim("minors", _tree("yes", "no"), frozenset({ALL, "yes"})),
                Dim(
                    "close",
                    _tree("open", "closed", closed=(*[r.value for r in CloseReason], UNKNOWN)),
                    frozenset({ALL, "closed", *[r.value for r in CloseReason], UNKNOWN}),
                ),
            ],
            [(0, 1), (0, 2), (0, 3)],
            _cases(filters, regions),
        ),
        Cube(
            # The sum of the forms is not published: it is not a number of cases, and it would show
            # that cases exist when their number is below 3.
            "forms",
            [period_dim, Dim("form", _tree(*forms, UNKNOWN), frozenset([*forms, UNKNOWN]))],
            [(0, 1)],
            _forms(filters, set(forms)),
        ),
        Cube(
            "victims",
            [
                period_dim,
                Dim("gender", _tree(*[g.value for g in Gender], UNKNOWN)),
                Dim("band", _tree(MINORS, *bands, UNKNOWN, **{MINORS: ("0-8", "9-17")})),
                Dim("nationality", _tree(*NATIONALITIES, OTHER_COUNTRY, UNKNOWN)),
            ],
            [(0, 1), (0, 2), (0, 3)],
            _victims(filters),
        ),
        Cube(
            "referrals",
            [
                period_dim,
                Dim("partner", _tree(*partners)),
                Dim(
                    "ack",
                    _tree(
                        "on_time",
                        "late",
                        "overdue",
                        "waiting",
                        missed=("late", "overdue"),
                        acknowledged=("on_time", "late"),
                    ),
                    frozenset({ALL, "on_time", "missed", "acknowledged"}),
                ),
                Dim(
                    "decision",
                    _tree("accepted", "declined", "undecided"),
                    frozenset({ALL, "accepted", "declined"}),
                ),
                Dim(
                    "outcome",
                    _tree(
                        "reported",
                        "none",
                        reported=("implemented", ReferralOutcome.NO_ACTION.value),
                        implemented=("successful", ReferralOutcome.OTHER.value),
                        successful=SUCCESSFUL,
                    ),
                    frozenset(
                        {ALL, "reported", "implemented", "successful", *[o.value for o in ReferralOutcome]}
                    ),
                ),
            ],
            [(0, 1, 2), (0, 1, 3), (0, 1, 4)],
            _referrals(filters, now),
        ),
    ]
    return cubes


def _cells(cube: Cube) -> tuple[dict[tuple[str, ...], int], set[tuple[str, ...]], list[Relation]]:
    """Every cell of every family (zeros included), which are published, and their relations."""
    values: dict[tuple[str, ...], int] = {}
    published: set[tuple[str, ...]] = set()
    relations: list[Relation] = []
    width = len(cube.dims)
    months = set(cube.dims[0].leaves())
    for family in cube.families:
        counts: dict[tuple[str, ...], int] = {}
        node_lists = [cube.dims[d].nodes() if d in family else [ALL] for d in range(width)]
        for combo in product(*node_lists):
            key = (cube.name, *combo)
            counts[key] = 0
            if all(cube.dims[d].is_published(combo[d]) for d in range(width)):
                published.add(key)
            for d in family:
                children = cube.dims[d].tree.get(combo[d])
                if children:
                    relations.append(
                        Relation(
                            key, tuple((cube.name, *combo[:d], child, *combo[d + 1 :]) for child in children)
                        )
                    )
        for leaf, count in cube.rows.items():
            if leaf[0] not in months:
                continue
            lists = [cube.dims[d].ancestors(leaf[d]) if d in family else [ALL] for d in range(width)]
            for combo in product(*lists):
                counts[(cube.name, *combo)] += count
        values.update(counts)  # a cell shared by two families has the same count in both
    return values, published, relations


def siblings(cube: Cube) -> list[tuple[int, tuple[str, ...]]]:
    """Leaves under one parent only, that the audit may treat as interchangeable (see `suppress`)."""
    result = []
    for position, dim in enumerate(cube.dims[1:], start=2):
        parents: dict[str, list[str]] = defaultdict(list)
        for parent, children in dim.tree.items():
            for child in children:
                parents[child].append(parent)
        for parent, children in dim.tree.items():
            leaves = tuple(c for c in children if not dim.tree.get(c) and parents[c] == [parent])
            if len(leaves) > 1:
                result.append((position, leaves))
    return result


def _level(key: Any) -> int:
    return level_of(key[1])


@dataclass
class Release:
    """The suppressed figures of one year; `shown` and friends are what every report prints."""

    period: PublishedPeriod
    periods: list[str]
    values: dict[tuple[str, ...], int]
    pattern: Pattern
    cubes: dict[str, Cube]
    ack: dict[int | None, AckTimes] = field(default_factory=dict)  # medians and p90 of `period`

    def key(self, cube: str, period: str | None = None, **values: str) -> tuple[str, ...]:
        """A cell: `release.key("victims", band="18-20")` (the release's period by default)."""
        return self.cubes[cube].key(period or self.period.key, **values)

    def status(self, key: tuple[str, ...]) -> str:
        return self.pattern.status.get(key, "shown")

    def hidden(self, key: tuple[str, ...]) -> bool:
        return self.status(key) in (PRIMARY, SECONDARY)

    def value(self, key: tuple[str, ...]) -> int:
        """The exact count (never printed for a hidden cell: use `shown`)."""
        return self.values[key]

    def shown(self, key: tuple[str, ...]) -> str:
        status = self.status(key)
        if status == PRIMARY:
            return disclosure.SUPPRESSED
        if status == SECONDARY:
            return COMPLEMENTARY
        return disclosure.number(self.values[key])

    def drawn(self, key: tuple[str, ...]) -> int:
        return 0 if self.hidden(key) else self.values[key]

    def share(self, numerator: tuple[str, ...], denominator: tuple[str, ...]) -> str:
        """A share only of two published counts, so it says nothing the counts do not."""
        value = self.percent(numerator, denominator)
        return disclosure.NOT_SHOWN if value is None else f"{round(value)} %"

    def percent(self, numerator: tuple[str, ...], denominator: tuple[str, ...]) -> float | None:
        if self.hidden(numerator) or self.hidden(denominator) or self.values[denominator] <= 0:
            return None
        return 100 * self.values[numerator] / self.values[denominator]

    def hours(self, seconds: float | None, basis: tuple[str, ...]) -> str:
        """A median or percentile only when the count it rests on is itself published (3 or more)."""
        if self.hidden(basis):
            return disclosure.NOT_SHOWN
        return disclosure.hours(seconds, self.values[basis], publish=True)

    def published_cells(self) -> dict[tuple[str, ...], str]:
        """Every cell the release may print, as printed (for the audit tests and the records)."""
        return {k: self.shown(k) for k, s in self.pattern.status.items() if s != "free"}


def _victims_follow_cases(pattern: Pattern) -> None:
    """Victims are counted on the cases: a victim shown where the cases read "<3" would show that a
    case exists (and a minor victim, a case involving minors). There the victims' counts are left
    out too ("x"): hiding more can only widen what an attacker can say."""
    guards = [
        (key, (lambda k: True) if key[3] == ALL else (lambda k: k[3] in (MINORS, "0-8", "9-17")))
        for key, status in pattern.status.items()
        if key[0] == "cases"
        and key[2] == ALL
        and key[4] == ALL
        and key[3] in (ALL, "yes")
        and status == PRIMARY
    ]
    for guard, applies in guards:
        for cell, status in list(pattern.status.items()):
            if cell[0] == "victims" and cell[1] == guard[1] and status == SHOWN and applies(cell):
                pattern.status[cell] = SECONDARY


def build_release(period: PublishedPeriod, *, now: datetime) -> Release:
    """Count, link and suppress every figure published for `period` (and the periods inside it)."""
    cubes = _cubes(period, now)
    values: dict[tuple[str, ...], int] = {}
    published: set[tuple[str, ...]] = set()
    relations: list[Relation] = []
    mirrors: list[tuple[int, tuple[str, ...]]] = []
    for cube in cubes:
        v, p, r = _cells(cube)
        values.update(v)
        published |= p
        relations += r
        mirrors += siblings(cube)
    pattern = protect(values, published, relations, _level, list(dict.fromkeys(mirrors)))
    _victims_follow_cases(pattern)
    release = Release(period, cubes[0].dims[0].nodes(), values, pattern, {c.name: c for c in cubes})
    conditions = referral_conditions(ReportFilter(period.start, period.end, period="month"))
    release.ack = ack_times(conditions, by_partner=True)
    release.ack[None] = ack_times(conditions, by_partner=False).get(None, AckTimes())
    return release
