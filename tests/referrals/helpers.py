"""Helpers for the referral tests: a case with persons, referrals made through the services."""

from __future__ import annotations

from typing import Any

from hotline.cases.models import Case
from hotline.partners.services import get_partner_by_code
from hotline.referrals import services
from hotline.referrals.models import Referral
from tests.cases.helpers import make_case, make_person

VICTIM_NAME = "Rosa Mamani Quispe"
VICTIM_PHONE = "+51 984 112 233"
VICTIM_DOC = "45871236"
VICTIM_ADDRESS = "Jr. Los Pinos 455, Juliaca"
SUSPECT_NAME = "Teodoro Falcón Ríos"
CALLER_PHONE = "+51 966 777 888"
NARRATIVE = "Una adolescente fue llevada a un bar de La Rinconada con una oferta de trabajo falsa."
INTERNAL_NOTE = "Nota interna: el hermano podría estar involucrado."
SUMMARY = "Adolescent taken to a bar in a mining area with a false job offer; still there."
PERSONAL = [VICTIM_NAME, VICTIM_PHONE, VICTIM_DOC, VICTIM_ADDRESS, SUSPECT_NAME, CALLER_PHONE, NARRATIVE]


def partner(code: str) -> Any:
    found = get_partner_by_code(code)
    assert found is not None, code
    return found


def full_case(actor: Any, *, consent: str = "yes", **facts: Any) -> Case:
    """A triaged-looking case with a victim (consent as given), a suspect, a caller and a note."""
    from hotline.cases import services as cases

    values = {"risk": "high", "region_ubigeo": "21", "exploitation_forms": ["SEXUAL"], "narrative": NARRATIVE}
    values.update(facts)
    case = make_case(actor, **values)
    make_person(
        case,
        actor,
        role="victim",
        name=VICTIM_NAME,
        age=16,
        gender="feminine",
        nationalities=["PE"],
        phone=VICTIM_PHONE,
        document_type="dni",
        document_number=VICTIM_DOC,
        address=VICTIM_ADDRESS,
        consent=consent,
    )
    make_person(case, actor, role="suspect", name=SUSPECT_NAME, suspect_roles=["exploiter"])
    make_person(case, actor, role="caller", phone=CALLER_PHONE)
    cases.add_note(case, body=INTERNAL_NOTE, actor=actor)
    return case


def victim_of(case: Case) -> Any:
    return next(p for p in case.persons if p.role == "victim")


def refer(
    case: Case,
    actor: Any,
    codes: tuple[str, ...] = ("MP-FISTRAP",),
    *,
    send: bool = True,
    kind: str = "law_enforcement",
    token: str | None = None,
    summary: str = SUMMARY,
    per_partner: dict[str, dict[str, Any]] | None = None,
    **sharing: Any,
) -> list[Referral]:
    """Refer `case` to the partners `codes`: each is shown `sharing` (ShareChoice fields), or
    what `per_partner[code]` says for it."""
    per_partner = per_partner or {}
    result = services.create_referrals(
        case,
        partners=[
            services.PartnerChoice(
                partner(c).id, kind, sharing=services.ShareChoice(**per_partner.get(c, sharing))
            )
            for c in codes
        ],
        summary=summary,
        actor=actor,
        send=send,
        form_token=token,
    )
    return result.referrals
