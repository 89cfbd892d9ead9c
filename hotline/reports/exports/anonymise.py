"""The anonymised standard-form export: one row per victim, in the HTCDS 2.0 / CTDC shape.

Generalisation: age to the CTDC ageBroad band, dates to the year, the region to the department,
nationality to the first one recorded, no names, numbers, documents, places or free text.

k-anonymity (k = REPORTS_K_ANONYMITY, 11 by default, the CTDC rule) on the quasi-identifiers
gender, ageBroad, citizenship, country of exploitation, department and year of registration.
It is computed in the same SQL statement that streams the rows, with window functions, so the
groups are counted in the very snapshot that is exported:

  level 0: rows whose full combination occurs at least k times are published as they are;
  level 1: among the others, the department is suppressed ("*") where that leaves >= k rows;
  level 2: then the citizenship too; level 3: then the age band too;
  the rest are left out of the export.

Each published combination is therefore shared by at least k rows: a level-n group counts exactly
the rows that reach level n in its partition, and the "*" keeps the levels apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import Select, and_, case, func, literal, select
from sqlalchemy.sql.elements import ColumnElement

from hotline.cases.models import Case, Indicator, Person
from hotline.extensions import db
from hotline.reports import sql
from hotline.reports.conditions import MINOR_BANDS, age_band, case_forms, victim_conditions
from hotline.reports.exports.common import BATCH, Counted, ExportPlan
from hotline.reports.filters import LIMA_DEPARTMENT, LIMA_METROPOLITANA, ReportFilter

DEFAULT_K = 11
SUPPRESSED = "*"
DATASOURCE = "Hotline"
COUNTRY_OF_HOTLINE = "PE"

# Quasi-identifiers, in the order they are given up (the last ones are never suppressed).
QUASI_IDENTIFIERS = (
    "gender",
    "ageBroad",
    "citizenship",
    "CountryOfExploitation",
    "region",
    "yearOfRegistration",
)
SUPPRESSION_ORDER = ("region", "citizenship", "ageBroad")

GENDERS = {
    "feminine": "Female",
    "masculine": "Male",
    "transgender_feminine": "Trans/Transgender/NonConforming",
    "transgender_masculine": "Trans/Transgender/NonConforming",
    "non_conforming": "Trans/Transgender/NonConforming",
}

# Hotline indicator -> CTDC meansOfControl* column (HTCDS vic_MethodsOfControl value).
MEANS_OF_CONTROL: dict[str, tuple[str, str]] = {
    Indicator.DEBT: ("meansOfControlDebtBondage", "DebtBondage"),
    Indicator.WAGES_WITHHELD: ("meansOfControlTakesEarnings", "TakesEarnings"),
    Indicator.THREATS_OR_VIOLENCE: ("meansOfControlThreats", "PhysicalThreats"),
    Indicator.FALSE_JOB_OFFER: ("meansOfControlFalsePromises", "FalsePromises"),
    Indicator.DRUGS_OR_ALCOHOL: ("meansOfControlPsychoactiveSubstances", "PsychoactiveSubstance"),
    Indicator.CANNOT_LEAVE: ("meansOfControlRestrictsMovement", "Other"),
    Indicator.ISOLATED_OR_WATCHED: ("meansOfControlRestrictsMovement", "Other"),
    Indicator.EXCESSIVE_HOURS: ("meansOfControlExcessiveWorkingHours", "ExcessiveWorkingHours"),
    Indicator.DOCUMENTS_WITHHELD: ("meansOfControlWithholdsDocuments", "WithholdsDocuments"),
}
MEANS_COLUMNS = (
    "meansOfControlDebtBondage",
    "meansOfControlTakesEarnings",
    "meansOfControlThreats",
    "meansOfControlFalsePromises",
    "meansOfControlPsychoactiveSubstances",
    "meansOfControlRestrictsMovement",
    "meansOfControlExcessiveWorkingHours",
    "meansOfControlWithholdsDocuments",
    "meansOfControlNotSpecified",
)
# Hotline indicator -> HTCDS vic_MethodOfRecruitment.
RECRUITMENT: dict[str, str] = {Indicator.RECRUITED_ONLINE: "ThroughOnlineSocialNetworks"}

# Form of exploitation (penal code art. 129-A) -> CTDC is* columns (HTCDS vic_TypeOfExploitation).
EXPLOITATION: dict[str, tuple[tuple[str, ...], str]] = {
    "SEXUAL": (("isSexualExploit",), "SexualExploitation"),
    "LABOUR": (("isForcedLabour",), "ForcedLabour"),
    "FORCED_LABOUR": (("isForcedLabour",), "ForcedLabour"),
    "SERVITUDE": (("isForcedLabour",), "Servitude"),
    "BEGGING": (("isForcedLabour", "typeOfLabourBegging"), "ForcedBegging"),
    "SLAVERY": (("isOtherExploit",), "Other"),
    "CHILD_SALE": (("isOtherExploit",), "Other"),
    "ORGAN_REMOVAL": (("isOrganRemoval",), "OrganRemoval"),
    "OTHER": (("isOtherExploit",), "Other"),
}
EXPLOITATION_COLUMNS = (
    "isForcedLabour",
    "isSexualExploit",
    "isOtherExploit",
    "isSexAndLabour",
    "isOrganRemoval",
    "typeOfLabourBegging",
)
RECRUITER_RELATION = {
    "intimate_partner": ("IntimatePartner", "Acquainted"),
    "friend": ("Friend", "Acquainted"),
    "family": ("Family", "Familial"),
    "other": ("Other", ""),
    "unknown": ("Unknown", ""),
}
TRAFFICKING_STATUS = {
    "possible": "PossibleVictimOfTrafficking",
    "actual": "ActualVictimOfTrafficking",
    "not_a_victim": "NotAVictimOfTrafficking",
}
DECISION_BODY = {
    "police": "Police",
    "ngo": "NGO",
    "court_or_prosecution": "CourtOrProsecution",
    "non_police_government": "NonPoliceGovernmentalOrganization",
    "other": "Other",
}
CASE_STATUS = {"new": "Active", "triaged": "Active", "referred": "FollowUp", "closed": "Closed"}

HEADER = (
    "yearOfRegistration",
    "Datasource",
    "gender",
    "ageBroad",
    "majorityStatus",
    "citizenship",
    "CountryOfExploitation",
    "regionOfExploitation",
    *MEANS_COLUMNS,
    "meansOfControlConcatenated",
    *EXPLOITATION_COLUMNS,
    "typeOfExploitConcatenated",
    "recruiterRelation",
    "vic_RelationshipToTrafficker",
    "vic_MethodOfRecruitment",
    "vic_TraffickingStatus",
    "vic_TraffickingStatusDecisionMakingOrg",
    "cas_Status",
)


def k_value() -> int:
    return max(int(current_app.config.get("REPORTS_K_ANONYMITY", DEFAULT_K)), 1)


# --- SQL ----------------------------------------------------------------------------------------


def _quasi_identifiers(filters: ReportFilter) -> dict[str, ColumnElement[Any]]:
    offset = sql.offset_minutes(filters.start)
    gender = case(
        *[(Person.gender == code, literal(label)) for code, label in GENDERS.items()], else_=literal("")
    )
    department = case(
        (Case.region_ubigeo == LIMA_METROPOLITANA, literal(LIMA_DEPARTMENT)),
        else_=func.coalesce(func.substr(Case.region_ubigeo, 1, 2), literal("")),
    )
    return {
        "gender": gender,
        "ageBroad": func.coalesce(age_band(Person.age, Person.age_range), literal("")),
        "citizenship": func.coalesce(sql.first_item(Person.nationalities), literal("")),
        "CountryOfExploitation": func.coalesce(Case.exploitation_country, literal(COUNTRY_OF_HOTLINE)),
        "region": department,
        "yearOfRegistration": sql.year_of(Case.opened_at, offset),
    }


def _victims(filters: ReportFilter, cap: int | None) -> Select:
    conditions = victim_conditions(filters)
    if cap is not None:
        conditions.append(Person.id <= cap)
    return (
        select(
            Person.id.label("person_id"),
            *[expr.label(name) for name, expr in _quasi_identifiers(filters).items()],
            Person.recruiter_relation,
            Person.trafficking_status,
            Person.trafficking_status_decided_by,
            Case.indicators,
            Case.status.label("case_status"),
            Case.close_reason,
            case_forms().label("forms"),
        )
        .select_from(Person)
        .join(Case, Case.id == Person.case_id)
        .where(*conditions)
    )


def anonymised_query(filters: ReportFilter, k: int, cap: int | None) -> Select:
    """The victims with their publication level (0-3, or NULL when left out), window functions only."""
    qi = list(QUASI_IDENTIFIERS)
    base = _victims(filters, cap).subquery("base")
    levels: list[tuple[str, ...]] = [tuple(qi)]
    for name in SUPPRESSION_ORDER:
        levels.append(tuple(q for q in levels[-1] if q != name))

    def cols(sub: Any, names: tuple[str, ...]) -> list[Any]:
        return [sub.c[n] for n in names]

    q0 = select(base, func.count().over(partition_by=cols(base, levels[0])).label("n0")).subquery("q0")
    current = q0
    for index in range(1, len(levels)):
        pending = and_(*[current.c[f"n{i}"] < k for i in range(index)])
        current = select(
            current,
            func.sum(case((pending, 1), else_=0))
            .over(partition_by=cols(current, levels[index]))
            .label(f"n{index}"),
        ).subquery(f"q{index}")
    level = case(*[(current.c[f"n{i}"] >= k, i) for i in range(len(levels))], else_=None).label("level")
    return select(current, level)


def counts(filters: ReportFilter, k: int) -> Counted:
    """The rows exported, the id cap and the details: what the audit row records before streaming."""
    cap = db.session.scalar(
        select(func.max(Person.id))
        .select_from(Person)
        .join(Case, Case.id == Person.case_id)
        .where(*victim_conditions(filters))
    )
    if cap is None:
        return Counted(0, 0, {"k": k, "victims": 0, "generalised": 0, "left out": 0})
    sub = anonymised_query(filters, k, cap).subquery()
    row = db.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((sub.c.level.is_(None), 1), else_=0)), 0),
            func.coalesce(func.sum(case((sub.c.level > 0, 1), else_=0)), 0),
        )
    ).one()
    total, dropped, generalised = int(row[0]), int(row[1]), int(row[2])
    return Counted(
        total - dropped,
        int(cap),
        {"k": k, "victims": total, "generalised": generalised, "left out": dropped},
    )


# --- rows ---------------------------------------------------------------------------------------


def _flag(value: bool) -> int:
    return 1 if value else 0


def htcds_row(r: Any) -> list[Any]:
    """One exported row: quasi-identifiers as published (level), flags from indicators and forms."""
    level = r.level
    suppressed = set(SUPPRESSION_ORDER[:level])
    qi = {name: getattr(r, name) for name in QUASI_IDENTIFIERS}
    for name in suppressed:
        qi[name] = SUPPRESSED
    band = qi["ageBroad"]
    majority = "" if band in ("", SUPPRESSED) else ("Minor" if band in MINOR_BANDS else "Adult")
    indicators = set(r.indicators or [])
    means = {column for code, (column, _h) in MEANS_OF_CONTROL.items() if code in indicators}
    forms = sql.split_codes(r.forms)
    exploit: set[str] = set()
    for code in forms:
        exploit.update(EXPLOITATION.get(code, (("isOtherExploit",), "Other"))[0])
    if {"isForcedLabour", "isSexualExploit"} <= exploit:
        exploit.add("isSexAndLabour")
    relation = RECRUITER_RELATION.get(r.recruiter_relation or "", ("", ""))
    status = CASE_STATUS.get(r.case_status, "")
    if r.case_status == "closed" and r.close_reason == "referred_and_attended":
        status = "ClosedReferred"
    means_list = [c for c in MEANS_COLUMNS[:-1] if c in means]
    return [
        qi["yearOfRegistration"],
        DATASOURCE,
        qi["gender"],
        band,
        majority,
        qi["citizenship"],
        qi["CountryOfExploitation"],
        qi["region"],
        *[_flag(c in means) for c in MEANS_COLUMNS[:-1]],
        _flag(not means),
        ";".join(c.removeprefix("meansOfControl") for c in means_list),
        *[_flag(c in exploit) for c in EXPLOITATION_COLUMNS],
        ";".join(sorted({EXPLOITATION.get(code, ((), "Other"))[1] for code in forms})),
        relation[0],
        relation[1],
        ";".join(sorted({RECRUITMENT[i] for i in indicators if i in RECRUITMENT})),
        TRAFFICKING_STATUS.get(r.trafficking_status or "", ""),
        DECISION_BODY.get(r.trafficking_status_decided_by or "", ""),
        status,
    ]


@dataclass(frozen=True)
class StandardForm:
    """The HTCDS/CTDC dataset (always anonymised), in the shape of `common.ExportDataset`."""

    name: str = "htcds"
    sheet: str = "htcds_ctdc"

    def header(self, identifiable: bool) -> tuple[str, ...]:
        return HEADER

    def count(self, filters: ReportFilter) -> Counted:
        return counts(filters, k_value())

    def iter_rows(self, plan: ExportPlan) -> Iterator[list[Any]]:
        if not plan.cap:
            return
        sub = anonymised_query(plan.filters, int(plan.details["k"]), plan.cap).subquery()
        query = (
            select(sub)
            .where(sub.c.level.is_not(None))
            # Grouped by year and combination, not by registration order.
            .order_by(*[sub.c[name] for name in reversed(QUASI_IDENTIFIERS)], sub.c.person_id)
            .execution_options(stream_results=True, yield_per=BATCH)
        )
        for row in db.session.execute(query):
            yield htcds_row(row)


HTCDS = StandardForm()
