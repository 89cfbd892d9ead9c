"""The generalisation hierarchies of the quasi-identifiers: each value's path from the root "*".

A node is published as itself, except the few renamed in DISPLAY. Age never crosses the line between
minors and adults: its root has three children (Minor, Adult, not recorded), so the majority status
is exact unless the age is suppressed altogether.
"""

from __future__ import annotations

from collections.abc import Callable

from hotline.reports.conditions import AGE_BANDS, MINOR_BANDS

ROOT = "*"
MINOR, ADULT = "Minor", "Adult"
FOREIGN, SOUTH_AMERICA, OTHER_COUNTRIES = "Foreign", "SouthAmerica", "OtherCountries"

# Nodes shown under another name in the file.
DISPLAY = {MINOR: "0-17", ADULT: "18+"}

YOUNG_ADULT, OLDER_ADULT = "18-29", "30+"
_ADULT_GROUPS = {
    "18-20": YOUNG_ADULT,
    "21-23": YOUNG_ADULT,
    "24-26": YOUNG_ADULT,
    "27-29": YOUNG_ADULT,
    "30-38": OLDER_ADULT,
    "39-47": OLDER_ADULT,
    "48+": OLDER_ADULT,
}
SOUTH_AMERICAN = frozenset({"AR", "BO", "BR", "CL", "CO", "EC", "GF", "GY", "PY", "SR", "UY", "VE", "FK"})

# Departments (INEI ubigeo) by macro-region.
MACRO_REGIONS: dict[str, tuple[str, ...]] = {
    "LimaCallao": ("07", "15"),
    "North": ("02", "06", "13", "14", "20", "24"),
    "Centre": ("05", "09", "10", "11", "12", "19"),
    "South": ("03", "04", "08", "17", "18", "21", "23"),
    "East": ("01", "16", "22", "25"),
}
_MACRO = {dept: macro for macro, depts in MACRO_REGIONS.items() for dept in depts}

Path = tuple[str, ...]


def gender_path(value: str) -> Path:
    return (ROOT, value)


def age_path(band: str) -> Path:
    if band in MINOR_BANDS:
        return (ROOT, MINOR, band)
    if band in AGE_BANDS:
        return (ROOT, ADULT, _ADULT_GROUPS[band], band)
    return (ROOT, "")


def country_path(code: str) -> Path:
    """Citizenship and country of exploitation: PE, else foreign (South America or other)."""
    if code in ("", "PE"):
        return (ROOT, code)
    return (ROOT, FOREIGN, SOUTH_AMERICA if code in SOUTH_AMERICAN else OTHER_COUNTRIES, code)


def region_path(department: str) -> Path:
    macro = _MACRO.get(department)
    if macro is None:
        return (ROOT, department)
    return (ROOT, macro, department)


def year_path(year: object) -> Path:
    return (str(year),)


# The quasi-identifiers in the order of the file's columns, with their hierarchies. The year is
# the same for every row of a release, so it never needs generalising.
QUASI_IDENTIFIERS: tuple[tuple[str, Callable[[str], Path]], ...] = (
    ("gender", gender_path),
    ("ageBroad", age_path),
    ("citizenship", country_path),
    ("CountryOfExploitation", country_path),
    ("regionOfExploitation", region_path),
)
# Levels each hierarchy has below its root, described for the release sheet.
LEVELS: dict[str, tuple[str, ...]] = {
    "gender": ("value",),
    "ageBroad": ("0-17 / 18+", "18-29 / 30+", "band"),
    "citizenship": ("PE / Foreign", "SouthAmerica / OtherCountries", "country"),
    "CountryOfExploitation": ("PE / Foreign", "SouthAmerica / OtherCountries", "country"),
    "regionOfExploitation": ("macro-region", "department"),
}


def display(node: str) -> str:
    return DISPLAY.get(node, node)


def majority(age_node: str) -> str:
    """majorityStatus of a published age node: exact unless the age is suppressed."""
    if age_node == ROOT:
        return ROOT
    if age_node == MINOR or age_node in MINOR_BANDS:
        return "Minor"
    if age_node == "":
        return ""
    return "Adult"
