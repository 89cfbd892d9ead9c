"""The names of what the reports count, in the user's language: regions, forms, partners, countries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from hotline.extensions import db
from hotline.partners.models import Partner
from hotline.reference.labels import country_name
from hotline.reference.models import ExploitationForm, Region
from hotline.reports.dashboard import UNKNOWN

NOT_RECORDED = _l("Not recorded")


@dataclass
class Labels:
    locale: str
    regions: dict[str, str]
    forms: dict[str, str]
    partners: dict[int, tuple[str, str]]  # id -> (code, name)

    def region(self, code: str) -> str:
        return self.regions.get(code, code) if code else str(NOT_RECORDED)

    def form(self, code: str) -> str:
        return self.forms.get(code, code) if code else str(_l("No form recorded"))

    def partner(self, partner_id: int) -> str:
        code, name = self.partners.get(partner_id, (str(partner_id), str(partner_id)))
        return f"{name} ({code})"

    def country(self, code: str) -> str:
        return country_name(code, self.locale) if code else str(NOT_RECORDED)


def label(labels: dict[Any, Any], key: str) -> str:
    """The label of a code from one of the domains' label dictionaries ("Not recorded" for none)."""
    if key == UNKNOWN:
        return str(NOT_RECORDED)
    return str(labels.get(key, key))


def load_labels(locale: str) -> Labels:
    """Names of regions, forms of exploitation and partners (three small queries)."""
    regions = {code: name for code, name in db.session.execute(select(Region.ubigeo, Region.name))}
    forms = {
        code: (en if locale == "en" else es)
        for code, es, en in db.session.execute(
            select(ExploitationForm.code, ExploitationForm.name_es, ExploitationForm.name_en)
        )
    }
    partners = {
        pid: (code, en if locale == "en" else es)
        for pid, code, es, en in db.session.execute(
            select(Partner.id, Partner.code, Partner.name_es, Partner.name_en).order_by(Partner.code)
        )
    }
    return Labels(locale, regions, forms, partners)


def region_choices(labels: Labels) -> list[tuple[str, str]]:
    """Departments in ubigeo order, Lima Metropolitana right after Lima."""
    return sorted(labels.regions.items(), key=lambda item: (item[0][:2], len(item[0])))


def form_choices(labels: Labels) -> list[tuple[str, str]]:
    return sorted(labels.forms.items(), key=lambda item: item[1].lower())


def partner_choices(labels: Labels) -> list[tuple[int, str]]:
    return sorted(
        ((pid, f"{name} ({code})") for pid, (code, name) in labels.partners.items()),
        key=lambda item: item[1].lower(),
    )
