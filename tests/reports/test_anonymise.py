"""The standard-form export: field mapping, and k-anonymity for any data set (hypothesis)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.reports.exports import anonymise
from hotline.reports.exports.anonymise import HEADER, HTCDS, SUPPRESSED
from hotline.reports.filters import ReportFilter
from tests.reports.helpers import MARCH, add_case, add_victim

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
YEARS = ReportFilter(date(2024, 1, 1), date(2025, 12, 31))


def export(filters: ReportFilter, k: int) -> tuple[int, dict, list[list]]:
    rows, cap, details = anonymise.counts(filters, k)
    plan = SimpleNamespace(filters=filters, cap=cap, details={"k": k})
    return rows, details, list(HTCDS.iter_rows(plan))


def qi(row: list) -> tuple:
    return tuple(row[i] for i in QI_COLUMNS)


def test_rows_follow_the_standard(data):
    rows, details, out = export(MARCH, 1)
    assert rows == len(out) == 6 and details["left out"] == 0
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


def test_generalisation_levels(db):
    for _ in range(2):
        add_victim(_case(2025, "21"), gender="feminine", age=15, nationalities=["PE"])
    add_victim(_case(2025, "08"), gender="feminine", age=16, nationalities=["PE"])
    add_victim(_case(2025, "15"), gender="feminine", age=12, nationalities=["PE"])
    add_victim(_case(2025, "04"), gender="feminine", age=14, nationalities=["BO"])
    add_victim(_case(2025, "04"), gender="feminine", age=17, nationalities=["EC"])
    add_victim(_case(2025, "21"), gender="masculine", age=33, nationalities=["VE"])
    rows, details, out = export(YEARS, 2)
    assert details == {"k": 2, "victims": 7, "generalised": 4, "left out": 1}
    assert Counter(qi(r) for r in out) == {
        ("Female", "9-17", "PE", "PE", "21", 2025): 2,  # level 0: as they are
        ("Female", "9-17", "PE", "PE", SUPPRESSED, 2025): 2,  # level 1: department suppressed
        ("Female", "9-17", SUPPRESSED, "PE", SUPPRESSED, 2025): 2,  # level 2: citizenship too
    }
    assert rows == 6
    minors = [r for r in out if r[HEADER.index("majorityStatus")] == "Minor"]
    assert len(minors) == 6


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
    st.sampled_from([2024, 2025]),
    st.sampled_from([None, None, "CL"]),
)


def reference(victims: list[tuple], k: int) -> Counter:
    """The same rule, written plainly in Python, on the quasi-identifiers computed in Python."""

    def band(age, age_range):  # type: ignore[no-untyped-def]
        if age is None:
            return age_range or ""
        for top, name in (
            (8, "0-8"),
            (17, "9-17"),
            (20, "18-20"),
            (23, "21-23"),
            (26, "24-26"),
            (29, "27-29"),
            (38, "30-38"),
            (47, "39-47"),
        ):
            if age <= top:
                return name
        return "48+"

    rows = [
        (
            anonymise.GENDERS.get(g or "", ""),
            band(age, age_range),
            nat[0] if nat else "",
            country or "PE",
            "15" if region == "1501" else (region or ""),
            year,
        )
        for g, age, age_range, nat, region, year, country in victims
    ]
    levels = [(), (4,), (4, 2), (4, 2, 1)]  # positions suppressed: region, then citizenship, then age
    published: Counter = Counter()
    pending = rows
    for hidden in levels:

        def key(row: tuple, hidden: tuple = hidden) -> tuple:
            return tuple(SUPPRESSED if i in hidden else v for i, v in enumerate(row))

        sizes = Counter(key(r) for r in pending)
        published.update(key(r) for r in pending if sizes[key(r)] >= k)
        pending = [r for r in pending if sizes[key(r)] < k]
    return published


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(victims=st.lists(victim, max_size=45), k=st.integers(min_value=1, max_value=6))
def test_k_anonymity_holds_for_any_data(db, victims, k):
    nested = db.begin_nested()
    try:
        for gender, age, age_range, nationalities, region, year, country in victims:
            case = _case(year, region, country)
            add_victim(
                case,
                gender=gender,
                age=age,
                age_range=None if age is not None else age_range,
                nationalities=nationalities,
            )
        rows, details, out = export(YEARS, k)
        combos = Counter(qi(r) for r in out)
        # Every published combination of quasi-identifiers is shared by at least k rows.
        assert all(n >= k for n in combos.values()), combos
        assert rows == len(out) == details["victims"] - details["left out"]
        assert details["victims"] == len(victims)
        # Gender, country and year are never suppressed; exactly the reference rule's result.
        assert all(SUPPRESSED not in (c[0], c[3], c[5]) for c in combos)
        assert combos == reference(victims, k)
    finally:
        nested.rollback()
