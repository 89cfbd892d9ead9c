"""The victims' standard form: one row per victim, in the HTCDS 2.0 / CTDC shape.

What is never in it: names, aliases, numbers, documents, addresses, places, free text, dates more
precise than the year, provinces and references. Age is the CTDC ageBroad band, the region the
department, the nationality the first one recorded.

This module holds the columns and the query of the victims as recorded. The standard form leaves
the system only as a recorded release (`hotline.reports.releases`): made once for a calendar quarter
or year, generalised there by Mondrian partitioning so that every combination of the
quasi-identifiers is shared by at least k = REPORTS_K_ANONYMITY rows (11 by default, the CTDC
rule), and downloaded again byte for byte.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import Select, case, func, literal, select
from sqlalchemy.sql.elements import ColumnElement

from hotline.cases.models import Case, Indicator, Person, PersonRole
from hotline.reports import sql
from hotline.reports.conditions import age_band, case_forms
from hotline.reports.filters import LIMA_DEPARTMENT, LIMA_METROPOLITANA

DEFAULT_K = 11
SUPPRESSED = "*"
DATASOURCE = "Hotline"
COUNTRY_OF_HOTLINE = "PE"

# Quasi-identifiers, in the order of the file's columns.
QUASI_IDENTIFIERS = (
    "gender",
    "ageBroad",
    "citizenship",
    "CountryOfExploitation",
    "regionOfExploitation",
    "yearOfRegistration",
)

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


def quasi_identifiers(offset: int) -> dict[str, ColumnElement[Any]]:
    """The quasi-identifiers of a victim as recorded (before any generalisation)."""
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
        "regionOfExploitation": department,
        "yearOfRegistration": sql.year_of(Case.opened_at, offset),
    }


def victims(conditions: list[ColumnElement[bool]], offset: int) -> Select:
    """One row per victim matching `conditions` (Person joined to Case): its quasi-identifiers and
    the columns of the standard form, never a name, a number, a place or free text."""
    return (
        select(
            Person.id.label("person_id"),
            *[expr.label(name) for name, expr in quasi_identifiers(offset).items()],
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
        .where(Person.role == PersonRole.VICTIM.value, *conditions)
    )


# --- rows ---------------------------------------------------------------------------------------


def _flag(value: bool) -> int:
    return 1 if value else 0


def htcds_row(r: Any, qi: dict[str, Any], majority: str) -> list[Any]:
    """One row: the quasi-identifiers as published (generalised by the release), the majority status
    (exact unless the age is suppressed), flags from the indicators and the forms of exploitation."""
    band = qi["ageBroad"]
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
        qi["regionOfExploitation"],
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
