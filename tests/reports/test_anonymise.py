"""The victims' standard form: field mapping (through a release), and k-anonymity for any data set
(hypothesis). The rules between releases are in test_releases*.py."""

from __future__ import annotations

import io
from collections import Counter
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from hotline.reports.exports import anonymise
from hotline.reports.exports.anonymise import HEADER
from hotline.reports.releases import make_release
from hotline.reports.releases.hierarchy import ROOT
from hotline.reports.releases.periods import Period
from tests.reports.helpers import add_case, add_victim
from tests.reports.release_helpers import MANAGER

QI_COLUMNS = [
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
TODAY = date(2026, 4, 15)


def release_rows(period: Period, k: int) -> list[list]:
    """The rows of the period's release, read from its XLSX (numbers stay numbers)."""
    release = make_release(period, actor=MANAGER, k=k, today=TODAY)
    book = load_workbook(io.BytesIO(release.xlsx_data), read_only=True)
    rows = [list(r) for r in book["htcds_ctdc"].iter_rows(min_row=2, values_only=True)]
    return [[("" if v is None else v) for v in r] for r in rows]


def qi(row: list) -> tuple:
    return tuple(row[i] for i in QI_COLUMNS)


def test_rows_follow_the_standard(data):
    out = release_rows(Period("quarter", 2026, 1), 1)
    assert len(out) == 7  # the six victims of March and the one of February
    records = [dict(zip(HEADER, r, strict=True)) for r in out]
    child = next(r for r in records if r["recruiterRelation"] == "Family")
    assert {
        k: child[k]
        for k in (
            "yearOfRegistration",
            "Datasource",
            "gender",
            "ageBroad",
            "majorityStatus",
            "citizenship",
            "CountryOfExploitation",
            "regionOfExploitation",
        )
    } == {
        "yearOfRegistration": 2026,
        "Datasource": "Hotline",
        "gender": "Female",
        "ageBroad": "9-17",
        "majorityStatus": "Minor",
        "citizenship": "PE",
        "CountryOfExploitation": "PE",
        "regionOfExploitation": "21",
    }
    assert child["meansOfControlDebtBondage"] == child["meansOfControlWithholdsDocuments"] == 1
    assert child["meansOfControlRestrictsMovement"] == 1 and child["meansOfControlThreats"] == 0
    assert child["meansOfControlNotSpecified"] == 0
    assert child["meansOfControlConcatenated"] == "DebtBondage;RestrictsMovement;WithholdsDocuments"
    assert child["isSexualExploit"] == 1 and child["isForcedLabour"] == 0
    assert child["typeOfExploitConcatenated"] == "SexualExploitation"
    assert child["vic_RelationshipToTrafficker"] == "Familial"
    assert child["vic_MethodOfRecruitment"] == "ThroughOnlineSocialNetworks"
    assert child["cas_Status"] == "FollowUp"
    metro = [r for r in records if r["regionOfExploitation"] == "15"]
    assert len(metro) == 3  # Lima Metropolitana (1501) and Lima (15) are one department
    adult = next(r for r in records if r["vic_TraffickingStatus"])
    assert adult == {
        **adult,
        "gender": "Male",
        "ageBroad": "30-38",
        "majorityStatus": "Adult",
        "citizenship": "VE",
        "isForcedLabour": 1,
        "isSexAndLabour": 0,
        "cas_Status": "ClosedReferred",
        "vic_TraffickingStatus": "ActualVictimOfTrafficking",
        "meansOfControlNotSpecified": 1,
    }
    unknown = next(r for r in records if r["citizenship"] == "CO")
    assert unknown["gender"] == "" and unknown["ageBroad"] == "" and unknown["majorityStatus"] == ""
    assert next(r for r in records if r["ageBroad"] == "18-20")["gender"] == "Trans/Transgender/NonConforming"
    flat = " ".join(str(v) for r in out for v in r)
    assert "Rosa" not in flat and "+51" not in flat and "Pinos" not in flat and "TP-2099" not in flat


def _case(year: int, region: str | None, country: str | None = None):  # type: ignore[no-untyped-def]
    return add_case(f"{year}-06-15 15:00", region=region, exploitation_country=country)


def test_small_groups_are_generalised_within_minors(db):
    for _ in range(2):
        add_victim(_case(2025, "21"), gender="feminine", age=15, nationalities=["PE"])
    add_victim(_case(2025, "08"), gender="feminine", age=16, nationalities=["PE"])
    add_victim(_case(2025, "15"), gender="feminine", age=12, nationalities=["PE"])
    add_victim(_case(2025, "04"), gender="feminine", age=14, nationalities=["BO"])
    add_victim(_case(2025, "04"), gender="feminine", age=17, nationalities=["EC"])
    add_victim(_case(2025, "21"), gender="masculine", age=33, nationalities=["VE"])
    add_victim(_case(2025, "21"), gender="masculine", age=35, nationalities=["VE"])
    out = release_rows(Period("year", 2025), 2)
    combos = Counter(qi(r) for r in out)
    assert len(out) == 8 and all(n >= 2 for n in combos.values())
    # Nobody is left out, and the six children stay minors, the two men adults.
    assert Counter(r[HEADER.index("majorityStatus")] for r in out) == {"Minor": 6, "Adult": 2}
    assert combos[("Female", "9-17", "PE", "PE", "21", 2025)] == 2  # a group of two stays exact
    assert combos[("Male", "30-38", "VE", "PE", "21", 2025)] == 2
    # Cusco and Lima share no macro-region: only their two departments are suppressed (the fixed
    # order of before suppressed six values here: four departments and two citizenships).
    assert combos[("Female", "9-17", "PE", "PE", ROOT, 2025)] == 2
    assert combos[("Female", "9-17", "SouthAmerica", "PE", "04", 2025)] == 2
    assert sum(c[:5].count(ROOT) * n for c, n in combos.items()) == 2


# --- k-anonymity for any data set ---------------------------------------------------------------

GENDERS = [None, "feminine", "masculine", "transgender_feminine", "non_conforming"]
AGES = [None, 4, 12, 16, 19, 22, 25, 28, 33, 41, 60]
NATIONALITIES = [[], ["PE"], ["VE"], ["CO", "PE"], ["BO"]]
REGIONS = [None, "15", "1501", "21", "08", "04"]
victim = st.tuples(
    st.sampled_from(GENDERS),
    st.sampled_from(AGES),
    st.sampled_from(["9-17", "30-38", None]),
    st.sampled_from(NATIONALITIES),
    st.sampled_from(REGIONS),
    st.sampled_from([None, None, "CL"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(victims=st.lists(victim, max_size=45), k=st.integers(min_value=1, max_value=6))
def test_k_anonymity_holds_for_any_data(db, victims, k):
    nested = db.begin_nested()
    try:
        for gender, age, age_range, nationalities, region, country in victims:
            add_victim(
                _case(2025, region, country),
                gender=gender,
                age=age,
                age_range=None if age is not None else age_range,
                nationalities=nationalities,
            )
        if len(victims) < k:
            return
        out = release_rows(Period("year", 2025), k)
        combos = Counter(qi(r) for r in out)
        # Every published combination of quasi-identifiers is shared by at least k rows; nobody
        # is left out; the year is never generalised.
        assert all(n >= k for n in combos.values()), combos
        assert len(out) == len(victims)
        assert {c[5] for c in combos} == {2025}
        minors = sum(
            1 for v in victims if (v[1] is not None and v[1] <= 17) or (v[1] is None and v[2] == "9-17")
        )
        assert sum(1 for r in out if r[HEADER.index("majorityStatus")] == "Minor") <= minors
        assert anonymise.k_value() == 11
    finally:
        nested.rollback()
        db.expunge_all()
