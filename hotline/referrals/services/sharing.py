"""What a partner may see: the need-to-know snapshot taken when a referral is prepared.

Decision (documented for the lead): the facts a partner sees are copied into the referral
(`Referral.shared_data`, encrypted JSON) when it is prepared. The partner pages render only this
snapshot, never the live case, so a later edit of the case, a new person, or a consent changed
afterwards never silently widens what the partner sees. A coordinator who wants the partner to
see more revokes the referral and sends a new one. Revoking cuts the partner's access at once.

- Always shared: the summary written for the partner, risk, region/province, forms of exploitation,
  indicators, number of victims, minors, nationalities, and an anonymous profile of each victim
  (gender, age band, nationalities, language).
- Only when ticked: the place; victims' identities (name, alias, exact age, document) and contact
  details (phone, address) — of the victims chosen, each with recorded consent or an audited
  override with a reason; suspects' details.
- Never: internal notes, the caller's or witnesses' details, the narrative as such, the history.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from hotline.cases.models import Case, Consent, Person, PersonRole
from hotline.referrals.services.common import ConsentRequired, ReferralError

SNAPSHOT_VERSION = 1
MAX_SUMMARY = 5000
_NUMBER_RUN = re.compile(r"[\d][\d\s().\-+/]{4,}\d")


@dataclass(frozen=True)
class ShareChoice:
    summary: str
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


def victims_of(case: Case) -> list[Person]:
    return [p for p in case.persons if p.role == PersonRole.VICTIM]


def plan_sharing(case: Case, choice: ShareChoice) -> SharingPlan:
    """Check the choice (consent, summary) and build the snapshot; raises ReferralError."""
    summary = (choice.summary or "").strip()
    if not summary:
        raise ReferralError(_l("Write a summary for the partner."))
    if len(summary) > MAX_SUMMARY:
        raise ReferralError(_l("The summary is too long (at most %(max)d characters).", max=MAX_SUMMARY))
    victims_by_id = {p.id: p for p in victims_of(case)}
    chosen: list[Person] = []
    if choice.shares_victims:
        if not choice.person_ids:
            raise ReferralError(
                _l("Choose the victims whose details are shared, or untick identities and contact details.")
            )
        if set(choice.person_ids) - set(victims_by_id):
            raise ReferralError(_l("Only the victims of this case can be chosen."))
        chosen = [victims_by_id[i] for i in sorted(set(choice.person_ids))]
    without = [p for p in chosen if p.consent != Consent.YES]
    override = (choice.override_reason or "").strip()
    if without and not override:
        raise ConsentRequired(
            _l(
                "%(count)d of the chosen victims have not agreed to share their details. Untick them, "
                "or override with a reason (the override is recorded).",
                count=len(without),
            )
        )
    _check_no_leak(case, choice, chosen, summary)
    return SharingPlan(
        victims=chosen, without_consent=without, snapshot=build_snapshot(case, choice, chosen, summary)
    )


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def _check_no_leak(case: Case, choice: ShareChoice, chosen: Sequence[Person], summary: str) -> None:
    """Refuse a summary (or place) naming a person whose details are not shared with this partner."""
    texts = [summary] + ([case.location] if choice.share_place and case.location else [])
    folded = " ".join(t.casefold() for t in texts)
    numbers = [_digits(m.group(0)) for t in texts for m in _NUMBER_RUN.finditer(t)]
    chosen_ids = {p.id for p in chosen}
    for person in case.persons:
        identity_shared = (person.id in chosen_ids and choice.share_identities) or (
            person.role == PersonRole.SUSPECT and choice.share_suspects
        )
        contact_shared = person.id in chosen_ids and choice.share_contacts
        words = [] if identity_shared else [person.name, person.alias, person.document_number]
        if not contact_shared:
            words.append(person.address)
        for word in words:
            if word and len(word.strip()) >= 3 and word.strip().casefold() in folded:
                raise ReferralError(_LEAK_MESSAGE)
        if not identity_shared and person.document_number:
            digits = _digits(person.document_number)
            if len(digits) >= 6 and any(digits in n for n in numbers):
                raise ReferralError(_LEAK_MESSAGE)
        if not contact_shared and person.phone:
            digits = _digits(person.phone)[-9:]
            if len(digits) >= 6 and any(digits in n for n in numbers):
                raise ReferralError(_LEAK_MESSAGE)


_LEAK_MESSAGE = _l(
    "The summary or the place names a person, or gives a number or address, that is not shared with "
    "this partner. Remove it, or tick what may be shared."
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
