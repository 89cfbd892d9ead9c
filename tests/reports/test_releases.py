"""Releases of the victims' standard form: periods, the Mondrian search, the rules between releases,
storage, audit, and what a failure leaves behind (nothing)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from hotline.reports.exports.anonymise import HEADER
from hotline.reports.models import Release, ReleaseMember
from hotline.reports.releases import (
    ReleaseError,
    hierarchy,
    make_release,
    mondrian,
    offers,
    parse_period,
    period_from_dates,
)
from hotline.reports.releases.periods import Period
from tests.helpers import audit_count, database_fails_on, last_audit
from tests.reports.release_helpers import MANAGER, TODAY, add_victims

Q1 = Period("quarter", 2025, 1)
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


def rows_of(release: Release) -> list[list[str]]:
    text = release.csv_data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == list(HEADER)
    return rows[1:]


def counts() -> tuple[int, int]:
    from hotline.extensions import db

    return (
        db.session.scalar(select(func.count()).select_from(Release)) or 0,
        db.session.scalar(select(func.count()).select_from(ReleaseMember)) or 0,
    )


# --- periods ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("2025", (date(2025, 1, 1), date(2025, 12, 31))),
        ("2025-Q1", (date(2025, 1, 1), date(2025, 3, 31))),
        ("2024-Q4", (date(2024, 10, 1), date(2024, 12, 31))),
        (" 2026-Q1 ", (date(2026, 1, 1), date(2026, 3, 31))),
    ],
)
def test_release_periods(name, expected):
    period = parse_period(name, TODAY)
    assert (period.start, period.end) == expected


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("2026-Q2", "has not ended yet"),  # today is 2026-04-15
        ("2026", "has not ended yet"),
        ("2025-Q5", "whole calendar quarter"),
        ("2025-09", "whole calendar quarter"),
        ("2025-09-03", "whole calendar quarter"),
        ("", "whole calendar quarter"),
        ("1999", "from 2000 on"),
        ("2025' OR 1=1", "whole calendar quarter"),
    ],
)
def test_bad_periods_say_what_is_allowed(app, name, message):
    with app.test_request_context(headers={"Accept-Language": "en"}), pytest.raises(ReleaseError) as refused:
        parse_period(name, TODAY)
    assert message in str(refused.value)


def test_periods_from_dates(app):
    assert period_from_dates(date(2025, 7, 1), date(2025, 9, 30), TODAY) == Period("quarter", 2025, 3)
    assert period_from_dates(date(2025, 1, 1), date(2025, 12, 31), TODAY) == Period("year", 2025)
    with pytest.raises(ReleaseError):
        period_from_dates(date(2025, 9, 3), date(2025, 12, 31), TODAY)


# --- the search ---------------------------------------------------------------------------------


def _records(values: list[tuple[str, str, str, str, str]]) -> list[tuple]:
    return [
        tuple(path(v) for (_n, path), v in zip(hierarchy.QUASI_IDENTIFIERS, row, strict=True))
        for row in values
    ]


def test_mondrian_parts_have_k_and_cover_everyone():
    values = [("Female", "9-17", "PE", "PE", "21")] * 12 + [("Male", "30-38", "VE", "PE", "15")] * 11
    values += [("Female", "0-8", "CO", "CL", "25")] * 3  # three children: too few alone
    records = _records(values)
    parts = mondrian.partition(records, 11, first=1)
    assert sorted(m for p in parts for m in p.members) == list(range(len(records)))
    assert all(len(p.members) >= 11 for p in parts)
    published = Counter(p.nodes(records) for p in parts for _ in p.members)
    assert all(n >= 11 for n in published.values())
    # The minors stay minors: the three small ones join the 12 with the age "0-17".
    minors = [p for p in parts if p.nodes(records)[1] == hierarchy.MINOR]
    assert sum(len(p.members) for p in minors) == 15


def test_mondrian_relaxed_split_keeps_big_groups_exact():
    values = [("Female", "24-26", "PE", "PE", "15")] * 30 + [("Male", "24-26", "PE", "PE", "08")] * 2
    records = _records(values)
    parts = mondrian.partition(records, 5, first=1)
    nodes = Counter(p.nodes(records) for p in parts for _ in p.members)
    # 27 women stay exact; the two men and three women share a coarser group of 5.
    assert nodes[("Female", "24-26", "PE", "PE", "15")] == 27
    assert sum(nodes.values()) == 32 and all(n >= 5 for n in nodes.values())


def test_mondrian_with_fewer_than_k_gives_nothing():
    assert mondrian.partition(_records([("Female", "9-17", "PE", "PE", "21")] * 4), 5) == []


# --- making a release ---------------------------------------------------------------------------


def test_make_release_stores_files_sheet_and_audit(db):
    add_victims("2025-02-10 15:00", 40, seed=1)
    add_victims("2025-04-02 15:00", 3, seed=2)  # Q2: not in the Q1 release
    release = make_release(Q1, actor=MANAGER, k=11, today=TODAY)
    assert (release.period_kind, release.period_start, release.sequence) == ("quarter", date(2025, 1, 1), 1)
    rows = rows_of(release)
    assert len(rows) == release.victims == 40
    assert counts() == (1, 40)
    combos = Counter(tuple(r[i] for i in QI) for r in rows)
    assert all(n >= 11 for n in combos.values()), combos
    assert {r[HEADER.index("yearOfRegistration")] for r in rows} == {"2025"}
    book = load_workbook(io.BytesIO(release.xlsx_data))
    assert book.sheetnames == ["htcds_ctdc", "ficha_sheet"]
    assert next(list(r) for r in book["htcds_ctdc"].iter_rows(min_row=2, values_only=True))[1] == "Hotline"
    info = [r for r in book["ficha_sheet"].iter_rows(values_only=True)]
    assert info[0] == ("Ficha", "Valor", "Sheet", "Value")
    assert any(r[2] == "k (smallest group)" and r[3] == "11" for r in info)
    assert release.sheet["victims"] == 40 and release.sheet["k"] == 11
    assert release.suppressed_values == release.sheet["suppressed_values"]
    assert release.qi_values == 40 * 5
    event = last_audit("report.release_make")
    assert event.object_id == str(release.id) and "2025-Q1 #1: 40 victims, k 11" in event.summary
    flat = release.csv_data.decode()
    assert "Rosa" not in flat and "+51" not in flat and "TP-2099" not in flat and "Pinos" not in flat


def test_fewer_than_k_victims_wait_and_nothing_is_written(db):
    add_victims("2025-02-10 15:00", 10)
    with pytest.raises(ReleaseError) as refused:
        make_release(Q1, actor=MANAGER, k=11, today=TODAY)
    assert "fewer than k = 11" in str(refused.value)
    assert counts() == (0, 0) and audit_count("report.release_make") == 0


def test_late_records_go_into_a_late_release_never_a_remade_one(db):
    first = {p.id for p in add_victims("2025-03-30 15:00", 20, seed=3)}
    release = make_release(Q1, actor=MANAGER, k=11, today=TODAY)
    late = {p.id for p in add_victims("2025-01-05 15:00", 6, seed=4)}
    with pytest.raises(ReleaseError):  # six late records: fewer than k, they wait
        make_release(Q1, actor=MANAGER, k=11, today=TODAY)
    assert [o.period.name for o in offers(TODAY, 11) if o.period.name == "2025-Q1"] == []
    late |= {p.id for p in add_victims("2025-02-05 15:00", 6, seed=5)}
    assert [(o.sequence, o.victims) for o in offers(TODAY, 11) if o.period.name == "2025-Q1"] == [(2, 12)]
    second = make_release(Q1, actor=MANAGER, k=11, today=TODAY)
    assert second.sequence == 2 and second.victims == 12
    assert second.sheet["earlier"] == ["2025-Q1 #1"]
    from hotline.extensions import db as _db

    members = dict(_db.session.execute(select(ReleaseMember.person_id, ReleaseMember.release_id)).all())
    assert {p for p, r in members.items() if r == release.id} == first
    assert {p for p, r in members.items() if r == second.id} == late
    assert rows_of(release) == rows_of(_db.session.get(Release, release.id))  # never remade


def test_a_year_is_released_whole_or_by_quarters(db):
    add_victims("2025-02-10 15:00", 12, seed=6)
    add_victims("2025-05-10 15:00", 12, seed=7)
    make_release(Q1, actor=MANAGER, k=11, today=TODAY)
    with pytest.raises(ReleaseError) as refused:
        make_release(Period("year", 2025), actor=MANAGER, k=11, today=TODAY)
    assert "released by quarters" in str(refused.value)
    names = [o.period.name for o in offers(TODAY, 11)]
    assert "2025" not in names and "2025-Q2" in names
    add_victims("2024-02-10 15:00", 12, seed=8)
    make_release(Period("year", 2024), actor=MANAGER, k=11, today=TODAY)
    with pytest.raises(ReleaseError) as refused:
        make_release(Period("quarter", 2024, 1), actor=MANAGER, k=11, today=TODAY)
    assert "whole year" in str(refused.value)


def test_only_managers_make_releases(db):
    add_victims("2025-02-10 15:00", 12)
    for role in ("operator", "coordinator", "admin", "partner"):
        with pytest.raises(ReleaseError):
            make_release(Q1, actor=SimpleNamespace(id=None, role=role, partner_id=None), k=11, today=TODAY)
    with pytest.raises(ReleaseError):
        make_release(Period("quarter", 2026, 2), actor=MANAGER, k=11, today=TODAY)
    assert counts() == (0, 0)


def test_a_race_for_the_same_release_makes_one(db, monkeypatch):
    """The second of two managers who both saw no release yet: the unique constraint decides."""
    from hotline.reports.releases import service

    add_victims("2025-02-10 15:00", 12, seed=9)
    first = make_release(Q1, actor=MANAGER, k=11, today=TODAY)
    add_victims("2025-02-11 15:00", 12, seed=10)
    monkeypatch.setattr(service, "_released", lambda: {})  # as if the first were not committed yet
    with pytest.raises(ReleaseError) as refused:
        make_release(Q1, actor=MANAGER, k=11, today=TODAY)
    assert "Someone else has just made this release" in str(refused.value)
    assert counts() == (1, 12) and audit_count("report.release_make") == 1
    assert first.sequence == 1


def test_a_database_failure_mid_make_writes_nothing(db):
    add_victims("2025-02-10 15:00", 12, seed=11)
    from sqlalchemy.exc import OperationalError

    nested = db.begin_nested()
    with database_fails_on(db, "INSERT INTO report_release_members"), pytest.raises(OperationalError):
        make_release(Q1, actor=MANAGER, k=11, today=TODAY)
    nested.rollback()
    assert counts() == (0, 0) and audit_count("report.release_make") == 0


def test_minors_equal_the_dashboard(db):
    from hotline.reports.dashboard import build_dashboard
    from hotline.reports.filters import ReportFilter

    add_victims("2025-02-10 15:00", 14, seed=12, age=15)
    add_victims("2025-02-11 15:00", 30, seed=13, age=30)
    add_victims("2025-02-12 15:00", 11, seed=14, age=None)
    release = make_release(Q1, actor=MANAGER, k=11, today=TODAY)
    dashboard = build_dashboard(ReportFilter(Q1.start, Q1.end))
    minors = sum(1 for r in rows_of(release) if r[HEADER.index("majorityStatus")] == "Minor")
    assert minors == release.minors == dashboard.victims["minors"] == 14
