"""The attacker: whatever releases the page allows, in whatever order, with late records added
between them, no difference or intersection of two releases isolates 1..k-1 victims; and every
release file is k-anonymous, with the majority status never wrong (hypothesis, bounded)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from itertools import combinations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from hotline.cases.models import Person
from hotline.reports.dashboard import build_dashboard
from hotline.reports.exports.anonymise import HEADER
from hotline.reports.filters import ReportFilter
from hotline.reports.models import ReleaseMember
from hotline.reports.releases import download, make_release, offers
from hotline.reports.releases.periods import Period
from tests.reports.helpers import add_case, add_victim
from tests.reports.release_helpers import (
    AGES,
    COUNTRIES,
    GENDERS,
    MANAGER,
    NATIONALITIES,
    REGIONS,
    TODAY,
    Trace,
)

QI = [
    HEADER.index(c)
    for c in (
        "gender",
        "ageBroad",
        "citizenship",
        "CountryOfExploitation",
        "regionOfExploitation",
        "yearOfRegistration",
    )
]
MAJORITY = HEADER.index("majorityStatus")
DAYS = {  # a day in each quarter that can be released on TODAY (2026-04-15)
    Period("quarter", 2025, 1): "2025-02-14 15:00",
    Period("quarter", 2025, 2): "2025-05-14 15:00",
    Period("quarter", 2025, 3): "2025-08-14 15:00",
    Period("quarter", 2025, 4): "2025-12-31 23:00",  # 31 December in Lima (UTC-5)
    Period("quarter", 2026, 1): "2026-04-01 04:30",  # still 31 March in Lima
}
victim = st.tuples(
    st.sampled_from(list(DAYS)),
    st.sampled_from(GENDERS),
    st.sampled_from(AGES),
    st.sampled_from(NATIONALITIES),
    st.sampled_from(REGIONS),
    st.sampled_from(COUNTRIES),
)


def _add(victims: list[tuple]) -> None:
    for quarter, gender, age, nationalities, region, country in victims:
        case = add_case(DAYS[quarter], region=region, exploitation_country=country)
        add_victim(case, gender=gender, age=age, nationalities=nationalities)


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8")[1:])))[1:]


def _is_minor(person: Person) -> bool:
    return person.age is not None and person.age <= 17


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    first=st.lists(victim, max_size=30),
    rounds=st.lists(
        st.tuples(st.lists(victim, max_size=12), st.lists(st.integers(0, 9), min_size=8, max_size=8)),
        min_size=1,
        max_size=3,
    ),
    k=st.integers(min_value=2, max_value=6),
)
def test_no_combination_of_releases_isolates_fewer_than_k(db, monkeypatch, first, rounds, k):
    nested = db.begin_nested()
    trace = Trace(monkeypatch)
    try:
        _add(first)
        made = []
        for late, picks in rounds:
            # Make every release the page offers now, in a drawn order (a year or its quarters).
            step = 0
            while offered := offers(TODAY, k):
                choice = offered[picks[step % len(picks)] % len(offered)]
                made.append(make_release(choice.period, actor=MANAGER, k=k, today=TODAY))
                step += 1
            _add(late)  # records entered late, in periods already released or not
        people = {p.id: p for p in db.query(Person).filter(Person.role == "victim")}
        files = {}
        assert len(trace.builds) == len(made)
        for index, release in enumerate(made):
            data = download(release, "csv", actor=MANAGER)
            assert data == download(release, "csv", actor=MANAGER)  # byte for byte
            rows = _rows(data)
            persons = trace.persons(data, index)
            assert len(rows) == len(persons) == release.victims >= k
            files[release.id] = set(persons)
            assert len(files[release.id]) == len(persons)
            combos = Counter(tuple(r[i] for i in QI) for r in rows)
            assert all(n >= k for n in combos.values()), combos  # k-anonymous
            for row, pid in zip(rows, persons, strict=True):
                if row[MAJORITY] == "Minor":
                    assert _is_minor(people[pid])
                elif row[MAJORITY] == "Adult":
                    assert people[pid].age is not None and people[pid].age >= 18
        for a, b in combinations(files.values(), 2):
            for isolated in (a - b, b - a, a & b):
                assert not 0 < len(isolated) < k, (len(a), len(b), len(isolated))
        # Nobody is published twice; the members recorded are exactly the persons of the files.
        assert sum(len(s) for s in files.values()) == len(set().union(set(), *files.values()))
        members = db.execute(select(ReleaseMember.release_id, ReleaseMember.person_id)).all()
        assert {(r, p) for r, p in members} == {(r, p) for r, ps in files.items() for p in ps}
    finally:
        nested.rollback()
        db.expunge_all()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    minors=st.integers(min_value=0, max_value=25),
    adults=st.integers(min_value=0, max_value=25),
    unknown=st.integers(min_value=0, max_value=8),
    others=st.lists(victim, max_size=10),
    k=st.integers(min_value=2, max_value=11),
)
def test_each_release_is_k_anonymous_and_counts_minors_like_the_dashboard(
    db, monkeypatch, minors, adults, unknown, others, k
):
    nested = db.begin_nested()
    trace = Trace(monkeypatch)
    q1 = Period("quarter", 2025, 1)
    try:
        rest = [(q1, *v[1:]) for v in others]
        spread = [(q1, g, a, n, r, c) for (_q, g, a, n, r, c) in rest]
        _add([(q1, "feminine", 15, ["PE"], "21", None)] * minors)
        _add([(q1, "masculine", 30, ["VE"], "15", None)] * adults)
        _add([(q1, None, None, [], None, None)] * unknown)
        _add(spread)
        dashboard = build_dashboard(ReportFilter(q1.start, q1.end)).victims
        total = minors + adults + unknown + len(spread)
        if total < k:
            assert all(o.period != q1 for o in offers(TODAY, k))
            return
        release = make_release(q1, actor=MANAGER, k=k, today=TODAY)
        rows = _rows(release.csv_data)
        assert len(rows) == total and len(trace.persons(release.csv_data)) == total
        combos = Counter(tuple(r[i] for i in QI) for r in rows)
        assert all(n >= k for n in combos.values())
        in_file = sum(1 for r in rows if r[MAJORITY] == "Minor")
        assert in_file == release.minors <= dashboard["minors"]
        classes = Counter()
        for v in spread:
            classes[
                "minor" if v[2] is not None and v[2] <= 17 else ("adult" if v[2] is not None else "unknown")
            ] += 1
        classes.update({"minor": minors, "adult": adults, "unknown": unknown})
        if all(n == 0 or n >= k for n in classes.values()):
            assert in_file == dashboard["minors"]
    finally:
        nested.rollback()
        db.expunge_all()
