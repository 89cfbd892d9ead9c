"""The default routing rules: Peru's intersectoral protocol for trafficking cases.

Seeded by `flask --app wsgi seed`: missing rules are added, rules already there (perhaps edited
by an admin) are never overwritten.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from hotline.cases.models import Indicator, Risk
from hotline.extensions import db
from hotline.partners.models import Partner
from hotline.referrals.models import ReferralKind, RoutingRule

LABOUR_FORMS = ["LABOUR", "FORCED_LABOUR", "SLAVERY", "SERVITUDE"]

# The default rules: Peru's intersectoral protocol (Reglamento of Ley 28950, DS 001-2016-IN; the
# Protocolo Intersectorial DS 005-2016-IN; PNP protocol RM 0430-2016-IN). See the partners' `role`
# column in hotline/reference/data/partners.csv for what each organisation does.
DEFAULT_RULES: list[dict[str, Any]] = [
    {
        "code": "every-report-law-enforcement",
        "name_en": "Every report: police anti-trafficking directorate and specialised prosecutor",
        "name_es": "Toda denuncia: Dirección contra la Trata de la PNP y Fiscalía especializada",
        "basis": "Trafficking is a crime prosecuted ex officio: the PNP (DIRCTPTIM) investigates and "
        "the specialised prosecutor (FISTRAP) directs the investigation (Ley 28950; RM 0430-2016-IN).",
        "kind": ReferralKind.LAW_ENFORCEMENT,
        "partners": ["PNP-DIRCTPTIM", "MP-FISTRAP"],
        "position": 10,
    },
    {
        "code": "minors-child-protection",
        "name_en": "Minors involved: MIMP special protection unit (UPE)",
        "name_es": "Hay menores: Unidad de Protección Especial del MIMP (UPE)",
        "basis": "Child victims are placed under the protection of the MIMP's UPE (DL 1297).",
        "kind": ReferralKind.SERVICES,
        "partners": ["MIMP-UPE"],
        "minors": True,
        "position": 20,
    },
    {
        "code": "child-sale-child-protection",
        "name_en": "Sale of children: MIMP special protection unit (UPE)",
        "name_es": "Venta de niños: Unidad de Protección Especial del MIMP (UPE)",
        "basis": "The sale of children always concerns a minor under the UPE's protection.",
        "kind": ReferralKind.SERVICES,
        "partners": ["MIMP-UPE"],
        "exploitation_forms": ["CHILD_SALE"],
        "position": 21,
    },
    {
        "code": "labour-inspection",
        "name_en": "Labour exploitation or forced labour: labour inspection (SUNAFIL)",
        "name_es": "Explotación laboral o trabajo forzoso: inspección del trabajo (SUNAFIL)",
        "basis": "Labour inspectors detect forced labour and servitude and act with the police.",
        "kind": ReferralKind.LAW_ENFORCEMENT,
        "partners": ["SUNAFIL"],
        "exploitation_forms": LABOUR_FORMS,
        "position": 30,
    },
    {
        "code": "labour-ministry",
        "name_en": "Labour exploitation or forced labour: Ministry of Labour (MTPE)",
        "name_es": "Explotación laboral o trabajo forzoso: Ministerio de Trabajo (MTPE)",
        "basis": "The MTPE leads on forced labour and on the victims' return to work.",
        "kind": ReferralKind.SERVICES,
        "partners": ["MTPE"],
        "exploitation_forms": LABOUR_FORMS,
        "position": 31,
    },
    {
        "code": "peruvians-abroad",
        "name_en": "Peruvians exploited abroad: Ministry of Foreign Affairs (consular protection)",
        "name_es": "Peruanos explotados en el extranjero: Cancillería (protección consular)",
        "basis": "Consulates assist and repatriate Peruvian victims abroad.",
        "kind": ReferralKind.SERVICES,
        "partners": ["RREE"],
        "peruvians_abroad": True,
        "position": 40,
    },
    {
        "code": "foreign-victims",
        "name_en": "Foreign victims: National Superintendency of Migration",
        "name_es": "Víctimas extranjeras: Superintendencia Nacional de Migraciones",
        "basis": "Foreign victims need their migration status settled (DL 1350).",
        "kind": ReferralKind.SERVICES,
        "partners": ["MIGRACIONES"],
        "foreign_victims": True,
        "position": 50,
    },
    {
        "code": "women-sexual-exploitation",
        "name_en": "Sexual exploitation of women: AURORA programme (Women's Emergency Centres)",
        "name_es": "Explotación sexual de mujeres: Programa AURORA (Centros Emergencia Mujer)",
        "basis": "The CEM orient and follow up adult women victims of violence.",
        "kind": ReferralKind.SERVICES,
        "partners": ["MIMP-AURORA"],
        "exploitation_forms": ["SEXUAL"],
        "adult_women": True,
        "position": 60,
    },
    {
        "code": "health-care",
        "name_en": "Health care needed: Ministry of Health",
        "name_es": "Necesita atención de salud: Ministerio de Salud",
        "basis": "Physical and mental health care for victims (regional health directorates).",
        "kind": ReferralKind.SERVICES,
        "partners": ["MINSA"],
        "indicators": [Indicator.NEEDS_HEALTH_CARE.value],
        "position": 70,
    },
    {
        "code": "organ-removal-health",
        "name_en": "Organ removal: Ministry of Health",
        "name_es": "Extracción de órganos: Ministerio de Salud",
        "basis": "A victim of organ removal always needs medical care.",
        "kind": ReferralKind.SERVICES,
        "partners": ["MINSA"],
        "exploitation_forms": ["ORGAN_REMOVAL"],
        "position": 71,
    },
    {
        "code": "urgent-protection",
        "name_en": "Urgent or high risk: victim and witness protection (UDAVIT)",
        "name_es": "Riesgo urgente o alto: protección de víctimas y testigos (UDAVIT)",
        "basis": "The prosecutor's UDAVIT protects victims and witnesses at risk.",
        "kind": ReferralKind.SERVICES,
        "partners": ["MP-UDAVIT"],
        "risks": [Risk.URGENT.value, Risk.HIGH.value],
        "position": 80,
    },
]


def seed_routing_rules() -> int:
    """Add the default rules that are missing (idempotent; never overwrites an edited rule)."""
    existing = set(db.session.scalars(select(RoutingRule.code)))
    partners = {p.code: p for p in db.session.scalars(select(Partner))}
    added = 0
    for spec in DEFAULT_RULES:
        if spec["code"] in existing:
            continue
        rule_partners = [partners[c] for c in spec["partners"] if c in partners]
        if not rule_partners:
            continue  # the partners are not seeded yet; a later `seed` adds the rule
        rule = RoutingRule(
            code=spec["code"],
            name_es=spec["name_es"],
            name_en=spec["name_en"],
            basis=spec.get("basis", ""),
            kind=ReferralKind(spec["kind"]).value,
            position=spec.get("position", 100),
            exploitation_forms=list(spec.get("exploitation_forms", [])),
            regions=list(spec.get("regions", [])),
            risks=list(spec.get("risks", [])),
            indicators=list(spec.get("indicators", [])),
            minors=spec.get("minors"),
            foreign_victims=spec.get("foreign_victims"),
            peruvians_abroad=spec.get("peruvians_abroad"),
            adult_women=spec.get("adult_women"),
        )
        rule.partners = rule_partners
        db.session.add(rule)
        added += 1
    db.session.flush()
    return added
