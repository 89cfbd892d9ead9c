"""A case with a victim who asks for her data, the people around her, and someone unrelated."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from hotline.cases import services as cases
from hotline.cases.models import Case, Person
from hotline.extensions import db
from hotline.referrals import services as referrals
from hotline.referrals.models import Referral
from tests.cases.helpers import make_case, make_person
from tests.factories import CallFactory, ReferralEventFactory
from tests.referrals.helpers import partner

VICTIM_NAME = "Rosa Mamani Quispe"
VICTIM_ALIAS = "Rosita"
VICTIM_PHONE = "+51 984 112 233"
VICTIM_DOC = "45871236"
VICTIM_ADDRESS = "Jr. Los Pinos 455, Juliaca"
SUSPECT_NAME = "Teodoro Falcón Ríos"
CALLER_NAME = "Hermelinda Choque"
CALLER_PHONE = "+51 966 777 888"
OTHER_NAME = "Wynefreda Condori"
OTHER_PHONE = "+51 955 444 333"
NARRATIVE = (
    "Rosa Mamani fue llevada a un bar de La Rinconada con una oferta de trabajo falsa. Su celular es "
    "984 112 233 y su DNI 45871236. El dueño, Teodoro Falcón, la amenaza. Avisó Hermelinda."
)
NOTE = "Se habló con ROSA; Rosita tiene miedo. Teodoro vigila el bar."
CALL_SUMMARY = "Llamó Rosa Mamani (984112233) desde La Rinconada."
REFERRAL_SUMMARY = "Rosa Mamani necesita refugio urgente."
PARTNER_NOTE = "Visitamos a Rosa Mamani, está a salvo."
# What identifies the victim, in the forms a text may hold it.
VICTIM_TRACES = [
    "Rosa",
    "ROSA",
    "Mamani",
    "Quispe",
    "Rosita",
    "984 112 233",
    "984112233",
    VICTIM_DOC,
    "Pinos",
]
OTHERS_TRACES = [
    "Teodoro",
    "Falcón",
    "Hermelinda",
    "Choque",
    "966 777 888",
    "966777888",
    "Wynefreda",
    "955 444 333",
]


@dataclass
class World:
    case: Case
    victim: Person
    suspect: Person
    caller: Person
    other_case: Case
    other: Person
    referral: Referral
    victim_call_id: int
    caller_call_id: int
    other_call_id: int


def build_world(actor: Any, *, partner_user: Any = None) -> World:
    case = make_case(
        actor, narrative=NARRATIVE, risk="high", region_ubigeo="21", exploitation_forms=["SEXUAL"]
    )
    victim = make_person(
        case,
        actor,
        role="victim",
        name=VICTIM_NAME,
        alias=VICTIM_ALIAS,
        age=16,
        gender="feminine",
        nationalities=["PE"],
        phone=VICTIM_PHONE,
        document_type="dni",
        document_number=VICTIM_DOC,
        address=VICTIM_ADDRESS,
        details="Tiene una cicatriz en la mano.",
        consent="yes",
    )
    suspect = make_person(case, actor, role="suspect", name=SUSPECT_NAME, suspect_roles=["exploiter"])
    caller = make_person(case, actor, role="caller", name=CALLER_NAME, phone=CALLER_PHONE)
    cases.add_note(case, body=NOTE, actor=actor)
    victim_call = CallFactory(
        caller_number=VICTIM_PHONE,
        summary=CALL_SUMMARY,
        case_id=case.id,
        status="logged",
        kind="trafficking_report",
    )
    caller_call = CallFactory(
        caller_number=CALLER_PHONE, summary="Avisa una vecina.", case_id=case.id, status="logged"
    )
    (referral,) = referrals.create_referrals(
        case,
        partners=[
            referrals.PartnerChoice(
                partner("MP-FISTRAP").id,
                "law_enforcement",
                sharing=referrals.ShareChoice(
                    share_identities=True, share_contacts=True, person_ids=(victim.id,)
                ),
            )
        ],
        summary=REFERRAL_SUMMARY,
        actor=actor,
        send=True,
    ).referrals
    ReferralEventFactory(referral=referral, action="update", note=PARTNER_NOTE)
    other_case = make_case(actor, narrative="Wynefreda Condori trabaja sin pago en una chacra.")
    other = make_person(
        other_case, actor, role="victim", name=OTHER_NAME, phone=OTHER_PHONE, gender="feminine"
    )
    other_call = CallFactory(caller_number=OTHER_PHONE, summary="Llama Wynefreda.", case_id=other_case.id)
    # Who saw what: the coordinator the case and the victim, the partner its referral.
    cases.record_case_view(case, actor)
    cases.record_person_view(victim, actor)
    cases.record_case_view(other_case, actor)
    if partner_user is not None:
        referrals.record_referral_view(referral, partner_user)
    db.session.flush()
    return World(
        case,
        victim,
        suspect,
        caller,
        other_case,
        other,
        referral,
        victim_call.id,
        caller_call.id,
        other_call.id,
    )


def raw(sql: str, **params: Any) -> list[Any]:
    return list(db.session.execute(text(sql), params).all())


def no_trace(texts: Any, traces: list[str]) -> list[str]:
    """The traces found in any of `texts` (an empty list when none)."""
    joined = "\n".join(str(t) for t in texts if t)
    return [t for t in traces if t.casefold() in joined.casefold()]
