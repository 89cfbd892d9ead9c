"""Labelled lists of reference data for forms and pages: countries, languages, regions, provinces."""

from __future__ import annotations

from typing import Any

from babel import Locale
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from hotline.forms import sc
from hotline.reference.services import list_exploitation_forms, list_provinces, list_regions

LANGUAGE_CHOICES = [
    ("es", _l("Spanish")),
    ("qu", _l("Quechua")),
    ("ay", _l("Aymara")),
    ("en", _l("English")),
    ("other", _l("Other language")),
]
# Nationalities most often met by the hotline come first in the list.
FREQUENT_COUNTRIES = ("PE", "VE", "CO", "EC", "BO", "CL", "BR", "AR", "PY", "CN", "DO", "HT")


def country_choices(locale: str) -> list[tuple[str, str]]:
    territories = Locale.parse(locale).territories
    codes = [
        c for c in territories if len(c) == 2 and c.isalpha() and c not in ("ZZ", "EU", "EZ", "UN", "QO")
    ]
    frequent = [(c, territories[c]) for c in FREQUENT_COUNTRIES]
    rest = sorted(((c, territories[c]) for c in codes if c not in FREQUENT_COUNTRIES), key=lambda x: x[1])
    return frequent + rest


def country_name(code: str, locale: str) -> str:
    return Locale.parse(locale).territories.get(code, code)


def place_choices(locale: str, *, provinces: bool = True) -> tuple[list[SelectChoice], list[SelectChoice]]:
    """Region choices and province choices grouped by region (as <optgroup>s)."""
    regions = list_regions()
    names = {r.ubigeo: r.name for r in regions}
    province_choices = [SelectChoice("", str(_l("Not known")))]
    if provinces:
        province_choices += [
            SelectChoice(p.ubigeo, p.name, optgroup=names.get(p.region_ubigeo, p.region_ubigeo))
            for p in list_provinces()
        ]
    return sc([("", _l("Not known"))] + [(r.ubigeo, r.name) for r in regions]), province_choices


def check_province(region: str | None, province: str | None) -> str | None:
    """An error message when the province is not in the region (Lima Metropolitana is 1501)."""
    if region and province and province[:2] != region[:2]:
        return str(_l("This province is not in the chosen region."))
    return None


def set_case_choices(form: Any, locale: str) -> None:
    """Fill the coded-value choices of the case fields present on `form`."""
    if hasattr(form, "region"):
        regions, provinces = place_choices(locale, provinces=hasattr(form, "province"))
        form.region.choices = regions
        if hasattr(form, "province"):
            form.province.choices = provinces
    if hasattr(form, "exploitation_forms"):
        names = sorted(((f.code, f.name(locale)) for f in list_exploitation_forms()), key=lambda c: c[1])
        form.exploitation_forms.choices = sc(names)
    if hasattr(form, "victim_nationalities"):
        form.victim_nationalities.choices = sc(country_choices(locale))
    if hasattr(form, "exploitation_country"):
        abroad = [(code, name) for code, name in country_choices(locale) if code != "PE"]
        form.exploitation_country.choices = sc([("", _l("Peru, or not known")), *abroad])


# --- case forms ---------------------------------------------------------------------------------
