"""Routing rules: each default rule (table-driven), the explanations, suggestions, editing, seeding."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hotline.referrals import services
from hotline.referrals.models import RoutingRule
from hotline.referrals.services.rules import CaseProfile, Labels
from tests.cases.helpers import make_case, make_person
from tests.helpers import audit_count
from tests.referrals.helpers import partner

LABELS = Labels(
    locale="en",
    forms={
        "SEXUAL": "Sexual exploitation",
        "LABOUR": "Labour exploitation",
        "CHILD_SALE": "Sale of children",
    },
    regions={"08": "Cusco"},
)


def rule(db, code: str) -> RoutingRule:
    found = db.scalar(select(RoutingRule).where(RoutingRule.code == code))
    assert found is not None, code
    return found


# (rule code, partners, a profile it matches, a reason it gives, profiles it must not match)
DEFAULT_RULE_TABLE = [
    ("every-report-law-enforcement", {"PNP-DIRCTPTIM", "MP-FISTRAP"}, {}, "applies to every report", []),
    (
        "minors-child-protection",
        {"MIMP-UPE"},
        {"minors": True},
        "minors are involved",
        [{"minors": False}],
    ),
    (
        "child-sale-child-protection",
        {"MIMP-UPE"},
        {"forms": {"CHILD_SALE"}},
        "Sale of children",
        [{"forms": {"SEXUAL"}}, {}],
    ),
    (
        "labour-inspection",
        {"SUNAFIL"},
        {"forms": {"FORCED_LABOUR"}},
        "form of exploitation",
        [{"forms": {"SEXUAL"}}, {"forms": set()}],
    ),
    (
        "labour-ministry",
        {"MTPE"},
        {"forms": {"LABOUR", "SEXUAL"}},
        "Labour exploitation",
        [{"forms": {"BEGGING"}}],
    ),
    (
        "peruvians-abroad",
        {"RREE"},
        {"abroad_country": "AR", "peruvian_victims": True},
        "Peruvian victims exploited abroad (Argentina)",
        [{"abroad_country": None}, {"abroad_country": "AR", "peruvian_victims": False}],
    ),
    (
        "foreign-victims",
        {"MIGRACIONES"},
        {"foreign_nationalities": ["VE"]},
        "foreign victims (Venezuela)",
        [{"foreign_nationalities": []}],
    ),
    (
        "women-sexual-exploitation",
        {"MIMP-AURORA"},
        {"forms": {"SEXUAL"}, "adult_women": True},
        "an adult woman among the victims",
        [{"forms": {"SEXUAL"}, "adult_women": False}, {"forms": {"LABOUR"}, "adult_women": True}],
    ),
    (
        "health-care",
        {"MINSA"},
        {"indicators": {"needs_health_care", "debt"}},
        "indicator:",
        [{"indicators": {"debt"}}],
    ),
    ("organ-removal-health", {"MINSA"}, {"forms": {"ORGAN_REMOVAL"}}, "form of exploitation", [{}]),
    (
        "urgent-protection",
        {"MP-UDAVIT"},
        {"risk": "urgent"},
        "risk: urgent",
        [{"risk": "normal"}],
    ),
]


def test_every_default_rule_is_in_the_table(db):
    assert {row[0] for row in DEFAULT_RULE_TABLE} == {r["code"] for r in services.DEFAULT_RULES}
    assert {r.code for r in services.list_rules()} >= {row[0] for row in DEFAULT_RULE_TABLE}


@pytest.mark.parametrize(("code", "partners", "matching", "reason", "not_matching"), DEFAULT_RULE_TABLE)
def test_default_rule(db, code, partners, matching, reason, not_matching):
    found = rule(db, code)
    assert {p.code for p in found.partners} == partners
    reasons = services.match_rule(found, CaseProfile(**matching), LABELS)
    assert reasons is not None
    assert any(reason in r for r in reasons), reasons
    for profile in not_matching:
        assert services.match_rule(found, CaseProfile(**profile), LABELS) is None, profile


def test_high_risk_also_triggers_protection(db):
    assert services.match_rule(rule(db, "urgent-protection"), CaseProfile(risk="high"), LABELS) == [
        "risk: high"
    ]


def test_profile_of_a_case_reads_its_victims(db, make_user):
    actor = make_user(role="coordinator")
    case = make_case(actor, victim_nationalities=["PE"], has_minors=None)
    make_person(case, actor, role="victim", age=15, gender="feminine", nationalities=["VE"])
    make_person(case, actor, role="victim", age_range="24-26", gender="transgender_feminine")
    make_person(case, actor, role="suspect", gender="feminine", age=40, nationalities=["CO"])
    case.exploitation_country = "CL"
    profile = services.profile_for(case)
    assert profile.minors is True
    assert profile.foreign_nationalities == ["VE"]  # suspects do not count
    assert profile.adult_women is True
    assert profile.peruvians_abroad is True


def test_suggestions_are_explained_and_merged_by_partner(db, make_user):
    actor = make_user(role="coordinator")
    case = make_case(
        actor,
        risk="urgent",
        exploitation_forms=["FORCED_LABOUR"],
        indicators=["needs_health_care"],
        has_minors=True,
        victim_nationalities=["VE"],
    )
    suggestions = services.suggest_partners(case, locale="en")
    by_code = {s.partner.code: s for s in suggestions}
    assert set(by_code) == {
        "PNP-DIRCTPTIM",
        "MP-FISTRAP",
        "MIMP-UPE",
        "SUNAFIL",
        "MTPE",
        "MIGRACIONES",
        "MINSA",
        "MP-UDAVIT",
    }
    assert by_code["MIGRACIONES"].matches[0].reasons == ["foreign victims (Venezuela)"]
    assert by_code["MP-UDAVIT"].matches[0].reasons == ["risk: urgent"]
    assert by_code["SUNAFIL"].kind == "law_enforcement" and by_code["MTPE"].kind == "services"
    assert by_code["MINSA"].matches[0].reasons[0].startswith("indicator: Needs health care")
    assert all(s.unavailable is None for s in suggestions)
    assert by_code["PNP-DIRCTPTIM"].rule_codes == ["every-report-law-enforcement"]


def test_suggestions_are_translated(app, db, make_user):
    from flask_babel import force_locale

    actor = make_user(role="coordinator")
    case = make_case(actor, has_minors=True)
    with app.test_request_context(), force_locale("es"):
        suggestions = services.suggest_partners(case, locale="es")
    upe = next(s for s in suggestions if s.partner.code == "MIMP-UPE")
    assert upe.matches[0].rule.name("es").startswith("Hay menores")
    assert upe.matches[0].rule.name("en").startswith("Minors involved")


def test_deactivated_or_out_of_region_partners_are_not_preselected(db, make_user):
    from hotline.reference.models import Region

    actor = make_user(role="coordinator")
    partner("MIMP-UPE").is_active = False
    sunafil = partner("SUNAFIL")
    sunafil.regions = [db.get(Region, "15")]
    case = make_case(actor, has_minors=True, exploitation_forms=["LABOUR"], region_ubigeo="08")
    by_code = {s.partner.code: s for s in services.suggest_partners(case, locale="en")}
    assert by_code["MIMP-UPE"].unavailable == "deactivated in the partner directory"
    assert by_code["SUNAFIL"].unavailable == "does not cover Cusco"
    assert by_code["MTPE"].unavailable is None
    ordered = [s.partner.code for s in services.suggest_partners(case, locale="en")]
    assert set(ordered[-2:]) == {"MIMP-UPE", "SUNAFIL"}  # the unavailable ones come last


def test_inactive_rules_suggest_nothing(db, make_user):
    actor = make_user(role="coordinator")
    rule(db, "minors-child-protection").is_active = False
    case = make_case(actor, has_minors=True)
    assert "MIMP-UPE" not in {s.partner.code for s in services.suggest_partners(case, locale="en")}


def test_seeding_is_idempotent_and_keeps_edits(db, make_user):
    edited = rule(db, "foreign-victims")
    edited.name_en = "Edited by an admin"
    assert services.seed_routing_rules() == 0
    assert rule(db, "foreign-victims").name_en == "Edited by an admin"
    db.delete(rule(db, "labour-ministry"))
    db.flush()
    assert services.seed_routing_rules() == 1
    assert db.scalar(select(func.count()).select_from(RoutingRule)) == len(services.DEFAULT_RULES)


def _data(**overrides):  # type: ignore[no-untyped-def]
    values = {
        "code": "cusco-mining",
        "name_es": "Minería en Cusco",
        "name_en": "Mining in Cusco",
        "kind": "services",
        "partner_codes": ("GORE",),
        "regions": ("08",),
        "exploitation_forms": ("LABOUR",),
    }
    values.update(overrides)
    return services.RuleData(**values)


def test_a_new_rule_is_saved_audited_and_used(db, make_user):
    admin = make_user(role="admin")
    created = services.save_rule(None, _data(), actor=admin, expected_version=None)
    assert audit_count("routing_rule.create", object_id=str(created.id)) == 1
    actor = make_user(role="coordinator")
    case = make_case(actor, region_ubigeo="08", exploitation_forms=["LABOUR"])
    gore = next(s for s in services.suggest_partners(case, locale="en") if s.partner.code == "GORE")
    assert gore.matches[0].reasons == [
        "form of exploitation: Labour exploitation (any form)",
        "region: Cusco",
    ]
    other = make_case(actor, region_ubigeo="15", exploitation_forms=["LABOUR"])
    assert "GORE" not in {s.partner.code for s in services.suggest_partners(other, locale="en")}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"partner_codes": ()}, "Choose at least one partner organisation."),
        ({"partner_codes": ("NOPE",)}, "Choose at least one partner organisation."),
        ({"regions": ("99",)}, "Unknown region code."),
        ({"risks": ("extreme",)}, "Unknown risk level."),
        ({"indicators": ("x",)}, "Unknown trafficking indicator."),
        ({"code": "every-report-law-enforcement"}, "A rule with this code already exists."),
        ({"name_en": " "}, "A rule needs a code and a name in both languages."),
    ],
)
def test_rule_errors(db, make_user, overrides, message):
    with pytest.raises(services.RuleError) as info:
        services.save_rule(None, _data(**overrides), actor=make_user(role="admin"), expected_version=None)
    assert str(info.value) == message


def test_rule_edit_with_a_stale_version_conflicts(db, make_user):
    admin = make_user(role="admin")
    found = rule(db, "foreign-victims")
    old = found.version_id
    services.save_rule(
        found,
        _data(code="foreign-victims", partner_codes=("MIGRACIONES",)),
        actor=admin,
        expected_version=found.version_id,
    )
    assert found.version_id == old + 1
    with pytest.raises(services.VersionConflict):
        services.save_rule(found, _data(code="foreign-victims"), actor=admin, expected_version=old)


def test_editing_a_rule_without_its_version_is_a_conflict(db, make_user):
    found = rule(db, "foreign-victims")
    before = (found.version_id, found.name_en)
    with pytest.raises(services.VersionConflict):
        services.save_rule(
            found,
            _data(code="foreign-victims", name_en="Changed"),
            actor=make_user(role="admin"),
            expected_version=None,
        )
    db.expire_all()
    assert (rule(db, "foreign-victims").version_id, rule(db, "foreign-victims").name_en) == before


def test_the_default_type_of_an_unsuggested_partner(app, db):
    assert services.default_kind(partner("PNP-DIRCTPTIM")) == "law_enforcement"
    assert services.default_kind(partner("MP-FISTRAP")) == "law_enforcement"
    assert services.default_kind(partner("MP-UDAVIT")) == "services"  # protects victims, does not investigate
    assert services.default_kind(partner("MIMP-UPE")) == "services"
    app.config["REFERRAL_SERVICE_UNITS"] = ("MP-FISTRAP",)
    try:
        assert services.default_kind(partner("MP-FISTRAP")) == "services"
        assert services.default_kind(partner("MP-UDAVIT")) == "law_enforcement"
    finally:
        del app.config["REFERRAL_SERVICE_UNITS"]
