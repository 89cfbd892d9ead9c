"""What a partner may see: the need-to-know snapshot taken when a referral is prepared.

Decision (documented for the lead): the facts a partner sees are copied into the referral
(`Referral.shared_data`, encrypted JSON) when it is prepared. The partner pages render only this
snapshot, never the live case, so a later edit of the case, a new person, or a consent changed
afterwards never silently widens what the partner sees. A coordinator who wants the partner to
see more revokes the referral and sends a new one. Revoking cuts the partner's access at once.

- Always shared: the summary written for the partners (the coordinator writes it: it starts
  empty, never from the narrative), risk, region/province, forms of exploitation, indicators,
  number of victims, minors, nationalities, and an anonymous profile of each victim (gender, age
  band, nationalities, language).
- Only when ticked FOR THAT PARTNER (each partner of one send has its own `ShareChoice`): the
  place; victims' identities (name, alias, exact age, document) and contact details (phone,
  address) — of the victims chosen, each with recorded consent or an audited override with a
  reason; suspects' details.
- Never: internal notes, the caller's or witnesses' details, the narrative as such, the history.

The free texts a partner reads are checked against the details it is not shown (`leaks`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from hotline.cases.models import Case, Consent, Person, PersonRole
from hotline.referrals.services.common import ConsentRequired, DetailNotShared, ReferralError
from hotline.referrals.services.leaks import (
    ADDRESS,
    NAME,
    NUMBER,
    PLACE,
    SUMMARY,
    SUSPECT_DETAILS,
    Leak,
    find_leaks,
)

SNAPSHOT_VERSION = 1
MAX_SUMMARY = 5000
IDENTITY_FIELDS = ("name", "alias", "document")
CONTACT_FIELDS = ("phone", "address")


@dataclass(frozen=True)
class ShareChoice:
    """What ONE partner is shown besides the summary and the general facts."""

    share_place: bool = False
    share_identities: bool = False
    share_contacts: bool = False
    share_suspects: bool = False
    person_ids: tuple[int, ...] = ()  # victims whose identity / contact details are shared
    override_reason: str | None = None  # shares them without consent (audited)

    @property
    def shares_victims(self) -> bool:
        return self.share_identities or self.share_contacts


@dataclass
class SharingPlan:
    victims: list[Person]  # victims whose details are shared
    without_consent: list[Person]  # of these, the ones shared on an override
    snapshot: dict[str, Any]

    def encoded(self) -> str:
        return json.dumps(self.snapshot, ensure_ascii=False, sort_keys=True)


@dataclass
class SharingReview:
    """What a partner would be shown, and every reason it cannot be sent as it stands."""

    plan: SharingPlan
    problems: list[ReferralError] = field(default_factory=list)

    @property
    def leaks(self) -> list[Leak]:
        return [p.leak for p in self.problems if isinstance(p, DetailNotShared) and p.leak]


_CHOOSE_VICTIMS = _l("Choose the victims whose details are shared, or untick identities and contact details.")


def victims_of(case: Case) -> list[Person]:
    return [p for p in case.persons if p.role == PersonRole.VICTIM]


def check_summary(summary: str | None) -> str:
    """The summary for the partners, trimmed; raises ReferralError when empty or too long."""
    text = (summary or "").strip()
    if not text:
        raise ReferralError(_l("Write a summary for the partner."))
    if len(text) > MAX_SUMMARY:
        raise ReferralError(_l("The summary is too long (at most %(max)d characters).", max=MAX_SUMMARY))
    return text


def review_sharing(case: Case, summary: str, choice: ShareChoice) -> SharingReview:
    """Build the snapshot one partner would get and list what is wrong with it (never raises).

    The summary itself (empty, too long) is checked once for the whole send by `check_summary`.
    """
    summary = (summary or "").strip()
    problems: list[ReferralError] = []
    victims_by_id = {p.id: p for p in victims_of(case)}
    chosen: list[Person] = []
    if choice.shares_victims:
        if not choice.person_ids:
            problems.append(ReferralError(_CHOOSE_VICTIMS))
        if set(choice.person_ids) - set(victims_by_id):
            problems.append(ReferralError(_l("Only the victims of this case can be chosen.")))
        chosen = [victims_by_id[i] for i in sorted(set(choice.person_ids) & set(victims_by_id))]
    without = [p for p in chosen if p.consent != Consent.YES]
    if without and not (choice.override_reason or "").strip():
        problems.append(
            ConsentRequired(
                _l(
                    "%(count)d of the chosen victims have not agreed to share their details. Untick them, "
                    "or override with a reason (the override is recorded).",
                    count=len(without),
                )
            )
        )
    public = [case.reference, case.region.name if case.region else None]
    public.append(case.province.name if case.province else None)
    for leak in find_leaks(
        case.persons, _texts(case, choice, summary), shown=_shown(case, choice, chosen), public=public
    ):
        problems.append(DetailNotShared(leak_message(leak), leak))
    snapshot = build_snapshot(case, choice, chosen, summary)
    return SharingReview(SharingPlan(victims=chosen, without_consent=without, snapshot=snapshot), problems)


def plan_sharing(
    case: Case, summary: str, choice: ShareChoice, *, partner_code: str | None = None
) -> SharingPlan:
    """Check one partner's choice (consent, need to know) and build its snapshot; raises the first
    problem as a ReferralError naming the partner."""
    review = review_sharing(case, check_summary(summary), choice)
    if review.problems:
        raise for_partner(review.problems[0], partner_code)
    return review.plan


def for_partner(error: ReferralError, partner_code: str | None) -> ReferralError:
    """The same error, its message prefixed with the partner it is about."""
    if partner_code:
        error.message = _l("For %(partner)s: %(problem)s", partner=partner_code, problem=error.message)
    return error


def _texts(case: Case, choice: ShareChoice, summary: str) -> dict[str, str | None]:
    """The free texts this partner reads."""
    texts: dict[str, str | None] = {SUMMARY: summary}
    if choice.share_place:
        texts[PLACE] = case.location
    if choice.share_suspects:
        texts[SUSPECT_DETAILS] = "\n".join(
            p.details or "" for p in case.persons if p.role == PersonRole.SUSPECT
        )
    return texts


def _shown(case: Case, choice: ShareChoice, chosen: list[Person]) -> dict[int, set[str]]:
    """Each person's details that this partner is shown (and so that its texts may mention)."""
    chosen_ids = {p.id for p in chosen}
    shown: dict[int, set[str]] = {}
    for person in case.persons:
        fields: set[str] = set()
        if person.id in chosen_ids and choice.share_identities:
            fields.update(IDENTITY_FIELDS)
        if person.id in chosen_ids and choice.share_contacts:
            fields.update(CONTACT_FIELDS)
        if person.role == PersonRole.SUSPECT and choice.share_suspects:
            fields.update(IDENTITY_FIELDS)
        shown[person.id] = fields
    return shown


DETAIL_KINDS = {
    NAME: _l("a word of the name or alias"),
    NUMBER: _l("a phone or document number"),
    ADDRESS: _l("a part of the address"),
}
WHOSE = {
    PersonRole.VICTIM: _l("a victim"),
    PersonRole.SUSPECT: _l("a suspect"),
    PersonRole.WITNESS: _l("a witness"),
    PersonRole.CALLER: _l("the caller"),
}


def leak_message(leak: Leak) -> Any:
    """Which kind of detail was found, where and whose; never the detail itself."""
    what = DETAIL_KINDS[leak.kind]
    person = WHOSE.get(leak.role, _l("a person of the case"))  # type: ignore[call-overload]
    if leak.text == PLACE:
        return _l(
            "The place recorded on the case mentions %(what)s of %(person)s, which is not shared with "
            "this partner. Untick the place, or tick what may be shared.",
            what=what,
            person=person,
        )
    if leak.text == SUSPECT_DETAILS:
        return _l(
            "The suspects' details recorded on the case mention %(what)s of %(person)s, which is not "
            "shared with this partner. Untick the suspects, or tick what may be shared.",
            what=what,
            person=person,
        )
    return _l(
        "The summary mentions %(what)s of %(person)s, which is not shared with this partner. "
        "Remove it, or tick what may be shared.",
        what=what,
        person=person,
    )


def _profile(person: Person, number: int) -> dict[str, Any]:
    return {
        "n": number,
        "gender": person.gender,
        "age_range": person.age_range,
        "nationalities": list(person.nationalities or []),
        "language": person.language,
        "interpreter": bool(person.is_interpreter_needed),
        "migration_status": person.migration_status,
    }


def build_snapshot(case: Case, choice: ShareChoice, chosen: Sequence[Person], summary: str) -> dict[str, Any]:
    chosen_ids = {p.id for p in chosen}
    victims = []
    for number, person in enumerate(victims_of(case), start=1):
        entry = _profile(person, number)
        if person.id in chosen_ids and choice.share_identities:
            entry["identity"] = {
                "name": person.name,
                "alias": person.alias,
                "age": person.age,
                "document_type": person.document_type,
                "document_number": person.document_number,
            }
        if person.id in chosen_ids and choice.share_contacts:
            entry["contact"] = {"phone": person.phone, "address": person.address}
        victims.append(entry)
    suspects = []
    if choice.share_suspects:
        for number, person in enumerate((p for p in case.persons if p.role == PersonRole.SUSPECT), 1):
            entry = _profile(person, number)
            entry.update(
                {
                    "name": person.name,
                    "alias": person.alias,
                    "roles": list(person.suspect_roles or []),
                    "details": person.details,
                }
            )
            suspects.append(entry)
    return {
        "version": SNAPSHOT_VERSION,
        "case_reference": case.reference,
        "risk": case.risk,
        "region": case.region.name if case.region else None,
        "province": case.province.name if case.province else None,
        "exploitation_forms": [f.code for f in case.exploitation_forms],
        "indicators": list(case.indicators or []),
        "victim_count": case.victim_count,
        "has_minors": case.has_minors,
        "victim_nationalities": list(case.victim_nationalities or []),
        "exploitation_country": getattr(case, "exploitation_country", None),
        "summary": summary,
        "place": case.location if choice.share_place else None,
        "victims": victims,
        "suspects": suspects,
    }


def read_snapshot(encoded: str | None) -> dict[str, Any]:
    if not encoded:
        return {}
    return json.loads(encoded)
