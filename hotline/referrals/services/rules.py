"""Routing rules: which partners a case should go to, and why (each suggestion is explained).

A rule's conditions all have to hold (AND); inside one condition any listed value will do (OR).
The default rule set is in `default_rules`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from hotline.audit import services as audit
from hotline.cases.models import AgeRange, Case, Gender, Indicator, PersonRole, Risk
from hotline.database import utcnow
from hotline.extensions import db
from hotline.partners.models import Partner
from hotline.reference.models import ExploitationForm, Region
from hotline.referrals.models import ReferralKind, RoutingRule
from hotline.referrals.services.common import RuleError, check_version, flush_versioned

MINOR_RANGES = frozenset({AgeRange.A0_8.value, AgeRange.A9_17.value})
WOMEN = frozenset({Gender.FEMININE.value, Gender.TRANSGENDER_FEMININE.value})
# --- the facts the rules look at ----------------------------------------------------------------


@dataclass
class CaseProfile:
    forms: set[str] = field(default_factory=set)
    region: str | None = None
    risk: str = Risk.NORMAL.value
    indicators: set[str] = field(default_factory=set)
    minors: bool = False
    foreign_nationalities: list[str] = field(default_factory=list)
    abroad_country: str | None = None
    peruvian_victims: bool = True
    adult_women: bool = False

    @property
    def foreign_victims(self) -> bool:
        return bool(self.foreign_nationalities)

    @property
    def peruvians_abroad(self) -> bool:
        return self.abroad_country is not None and self.peruvian_victims


def _is_minor(person: Any) -> bool:
    if person.age is not None:
        return person.age < 18
    return person.age_range in MINOR_RANGES


def profile_for(case: Case) -> CaseProfile:
    """What the rules need to know about a case (its victims included)."""
    victims = [p for p in case.persons if p.role == PersonRole.VICTIM]
    nationalities = set(case.victim_nationalities or [])
    for victim in victims:
        nationalities.update(victim.nationalities or [])
    country = (getattr(case, "exploitation_country", None) or "").upper() or None
    return CaseProfile(
        forms={f.code for f in case.exploitation_forms},
        region=case.region_ubigeo,
        risk=case.risk,
        indicators=set(case.indicators or []),
        minors=bool(case.has_minors) or any(_is_minor(v) for v in victims),
        foreign_nationalities=sorted(nationalities - {"PE"}),
        abroad_country=country if country and country != "PE" else None,
        peruvian_victims="PE" in nationalities or not nationalities,
        adult_women=any(v.gender in WOMEN and not _is_minor(v) for v in victims),
    )


# --- matching -----------------------------------------------------------------------------------


@dataclass
class Labels:
    """Display names for the codes a rule mentions, in one language."""

    locale: str = "es"
    forms: dict[str, str] = field(default_factory=dict)
    regions: dict[str, str] = field(default_factory=dict)

    def country(self, code: str) -> str:
        from babel import Locale

        return Locale.parse(self.locale).territories.get(code, code)


def load_labels(locale: str) -> Labels:
    return Labels(
        locale=locale,
        forms={f.code: f.name(locale) for f in db.session.scalars(select(ExploitationForm))},
        regions={r.ubigeo: r.name for r in db.session.scalars(select(Region))},
    )


def _risk_label(value: str) -> str:
    return str({"urgent": _l("urgent"), "high": _l("high"), "normal": _l("normal")}.get(value, value))


def _indicator_label(value: str) -> str:
    from hotline.cases.labels import INDICATOR_LABELS

    return str(INDICATOR_LABELS.get(value, value))  # type: ignore[call-overload]


def _flag(wanted: bool | None, actual: bool, yes: str, no: str) -> str | bool | None:
    """None: the condition does not apply; False: it fails; else the reason it holds."""
    if wanted is None:
        return None
    if wanted != actual:
        return False
    return yes if wanted else no


def match_rule(rule: RoutingRule, profile: CaseProfile, labels: Labels) -> list[str] | None:
    """The reasons the rule applies to the case (human-readable, translated), or None."""
    reasons: list[str] = []
    if rule.exploitation_forms:
        hit = sorted(profile.forms & set(rule.exploitation_forms))
        if not hit:
            return None
        names = ", ".join(labels.forms.get(c, c) for c in hit)
        reasons.append(_("form of exploitation: %(forms)s", forms=names))
    if rule.regions:
        if profile.region not in rule.regions:
            return None
        reasons.append(_("region: %(region)s", region=labels.regions.get(profile.region or "", "")))
    if rule.risks:
        if profile.risk not in rule.risks:
            return None
        reasons.append(_("risk: %(risk)s", risk=_risk_label(profile.risk)))
    if rule.indicators:
        hit = sorted(profile.indicators & set(rule.indicators))
        if not hit:
            return None
        names = "; ".join(_indicator_label(i) for i in hit)
        reasons.append(_("indicator: %(indicators)s", indicators=names))
    countries = ", ".join(labels.country(c) for c in profile.foreign_nationalities)
    abroad = labels.country(profile.abroad_country) if profile.abroad_country else ""
    for result in (
        _flag(rule.minors, profile.minors, _("minors are involved"), _("no minors are involved")),
        _flag(
            rule.foreign_victims,
            profile.foreign_victims,
            _("foreign victims (%(countries)s)", countries=countries),
            _("no foreign victims"),
        ),
        _flag(
            rule.peruvians_abroad,
            profile.peruvians_abroad,
            _("Peruvian victims exploited abroad (%(country)s)", country=abroad),
            _("not a case of Peruvians abroad"),
        ),
        _flag(
            rule.adult_women,
            profile.adult_women,
            _("an adult woman among the victims"),
            _("no adult woman among the victims"),
        ),
    ):
        if result is False:
            return None
        if result:
            reasons.append(str(result))
    if not reasons:
        reasons.append(_("applies to every report"))
    return reasons


@dataclass
class RuleMatch:
    rule: RoutingRule
    reasons: list[str]


@dataclass
class Suggestion:
    partner: Partner
    kind: str
    matches: list[RuleMatch] = field(default_factory=list)
    unavailable: str | None = None  # why it is not pre-selected (deactivated, region not covered)

    @property
    def rule_codes(self) -> list[str]:
        return [m.rule.code for m in self.matches]


def list_rules(*, active_only: bool = False) -> list[RoutingRule]:
    query = (
        select(RoutingRule)
        .options(selectinload(RoutingRule.partners))
        .order_by(RoutingRule.position, RoutingRule.code)
    )
    if active_only:
        query = query.where(RoutingRule.is_active.is_(True))
    return list(db.session.scalars(query))


def _coverage_problem(partner: Partner, profile: CaseProfile, labels: Labels) -> str | None:
    if not partner.is_active:
        return _("deactivated in the partner directory")
    if partner.regions and profile.region and profile.region not in {r.ubigeo for r in partner.regions}:
        return _("does not cover %(region)s", region=labels.regions.get(profile.region, profile.region))
    handled = {f.code for f in partner.exploitation_forms}
    if handled and profile.forms and not (handled & profile.forms):
        return _("does not handle these forms of exploitation")
    return None


def suggest_partners(
    case: Case, *, locale: str, rules: Sequence[RoutingRule] | None = None
) -> list[Suggestion]:
    """The partners the active rules suggest for the case, each with the rules that matched and why.

    Partners that are deactivated or do not cover the case come last, with `unavailable` set.
    """
    labels = load_labels(locale)
    profile = profile_for(case)
    by_partner: dict[int, Suggestion] = {}
    for rule in rules if rules is not None else list_rules(active_only=True):
        reasons = match_rule(rule, profile, labels)
        if reasons is None:
            continue
        for partner in rule.partners:
            suggestion = by_partner.get(partner.id)
            if suggestion is None:
                suggestion = by_partner[partner.id] = Suggestion(partner=partner, kind=rule.kind)
            suggestion.matches.append(RuleMatch(rule, reasons))
    if by_partner:  # coverage needs the partners' regions and forms: load them in two queries
        db.session.scalars(
            select(Partner)
            .where(Partner.id.in_(by_partner))
            .options(selectinload(Partner.regions), selectinload(Partner.exploitation_forms))
        ).all()
    for suggestion in by_partner.values():
        suggestion.unavailable = _coverage_problem(suggestion.partner, profile, labels)
    return sorted(
        by_partner.values(),
        key=lambda s: (s.unavailable is not None, min(m.rule.position for m in s.matches), s.partner.code),
    )


# --- editing and seeding ------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleData:
    code: str
    name_es: str
    name_en: str
    kind: str = ReferralKind.SERVICES.value
    basis: str = ""
    is_active: bool = True
    position: int = 100
    partner_codes: tuple[str, ...] = ()
    exploitation_forms: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    risks: tuple[str, ...] = ()
    indicators: tuple[str, ...] = ()
    minors: bool | None = None
    foreign_victims: bool | None = None
    peruvians_abroad: bool | None = None
    adult_women: bool | None = None


_RULE_FIELDS = (
    "name_es",
    "name_en",
    "kind",
    "basis",
    "is_active",
    "position",
    "exploitation_forms",
    "regions",
    "risks",
    "indicators",
    "minors",
    "foreign_victims",
    "peruvians_abroad",
    "adult_women",
)


def _check_codes(values: Sequence[str], known: set[str], message: Any) -> list[str]:
    if set(values) - known:
        raise RuleError(message)
    return sorted(set(values))


def save_rule(
    rule: RoutingRule | None, data: RuleData, *, actor: Any, expected_version: int | None
) -> RoutingRule:
    """Create (rule=None, expected_version=None) or change a routing rule as it was at
    `expected_version` (a stale or missing one is a VersionConflict); the audit row names the
    changed fields."""
    code = (data.code or "").strip().lower()
    if not code or not data.name_es.strip() or not data.name_en.strip():
        raise RuleError(_l("A rule needs a code and a name in both languages."))
    clash = db.session.scalar(select(RoutingRule).where(RoutingRule.code == code))
    if clash is not None and clash is not rule:
        raise RuleError(_l("A rule with this code already exists."))
    if rule is not None:
        check_version(rule, expected_version)
    partners = list(db.session.scalars(select(Partner).where(Partner.code.in_(data.partner_codes))))
    if not partners or len(partners) != len(set(data.partner_codes)):
        raise RuleError(_l("Choose at least one partner organisation."))
    values: dict[str, Any] = {
        "name_es": data.name_es.strip(),
        "name_en": data.name_en.strip(),
        "kind": ReferralKind(data.kind).value,
        "basis": data.basis.strip(),
        "is_active": bool(data.is_active),
        "position": int(data.position),
        "exploitation_forms": _check_codes(
            data.exploitation_forms,
            set(db.session.scalars(select(ExploitationForm.code))),
            _l("Unknown form of exploitation."),
        ),
        "regions": _check_codes(
            data.regions, set(db.session.scalars(select(Region.ubigeo))), _l("Unknown region code.")
        ),
        "risks": _check_codes(data.risks, {r.value for r in Risk}, _l("Unknown risk level.")),
        "indicators": _check_codes(
            data.indicators, {i.value for i in Indicator}, _l("Unknown trafficking indicator.")
        ),
        "minors": data.minors,
        "foreign_victims": data.foreign_victims,
        "peruvians_abroad": data.peruvians_abroad,
        "adult_women": data.adult_women,
    }
    creating = rule is None
    if rule is None:
        rule = RoutingRule(code=code)
        db.session.add(rule)
    changed = [] if creating else [f for f in _RULE_FIELDS if getattr(rule, f) != values[f]]
    if not creating and rule.code != code:
        changed.append("code")
    if not creating and {p.id for p in rule.partners} != {p.id for p in partners}:
        changed.append("partners")
    rule.code = code
    for name, value in values.items():
        setattr(rule, name, value)
    rule.partners = partners
    if not creating:
        rule.updated_at = utcnow()  # the row changes even for a partners-only edit: the version moves
    flush_versioned(rule)
    audit.record(
        "routing_rule.create" if creating else "routing_rule.update",
        actor=actor,
        object_type="routing_rule",
        object_id=rule.id,
        summary=f"rule {code}" + ("" if creating else " changed: " + ", ".join(changed)),
    )
    return rule
