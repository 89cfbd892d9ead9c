"""Data-subject rights and retention on referrals: redacting what was shared of a person.

A referral's snapshot (`Referral.shared_data`) is what a partner was shown; when a person is
anonymised at their request, or a case reaches the end of its retention period, the snapshot is
redacted too, so a partner's page no longer shows them. The anonymous facts (risk, region, forms of
exploitation, each victim's sex, age band and nationalities) stay. The free texts of the referral
(the summary, the place, the partners' notes and reasons) lose the person's name words and numbers.

Called by `hotline.subjects` before the person's own record is anonymised (the identity is matched
against what was shared).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from hotline.audit import services as audit
from hotline.cases.models import Person, PersonRole
from hotline.cases.services import PLACEHOLDER, PersonTerms, persons_of, redact_text
from hotline.extensions import db
from hotline.referrals.models import Referral, ReferralEvent
from hotline.referrals.services.sharing import read_snapshot
from hotline.versioning import flush_versioned

IDENTITY_CLEARED = ("alias", "age", "document_number")
SUSPECT_CLEARED = ("alias", "details")
FREE_TEXTS = ("decline_reason", "outcome_note", "revoke_reason")
# The parts of a snapshot that may name a person (the rest are codes, counts and public names).
PERSONAL_PARTS = ("summary", "place", "victims", "suspects")


def _walk(value: Any, terms: PersonTerms) -> Any:
    """Every string inside `value` (a snapshot), redacted of `terms`."""
    if isinstance(value, str):
        return redact_text(value, terms)
    if isinstance(value, list):
        return [_walk(v, terms) for v in value]
    if isinstance(value, dict):
        return {k: _walk(v, terms) for k, v in value.items()}
    return value


def _same(a: Any, b: Any) -> bool:
    return bool(a) and bool(b) and str(a).strip().casefold() == str(b).strip().casefold()


def _is_entry_of(entry: dict[str, Any], person: Person, position: int | None) -> bool:
    identity = entry.get("identity") or {}
    contact = entry.get("contact") or {}
    if position is not None and entry.get("n") == position:
        return True
    return (
        _same(identity.get("name") or entry.get("name"), person.name)
        or _same(identity.get("alias") or entry.get("alias"), person.alias)
        or _same(identity.get("document_number"), person.document_number)
        or _same(contact.get("phone"), person.phone)
    )


def _clear_identity(entry: dict[str, Any]) -> None:
    identity = entry.get("identity")
    if isinstance(identity, dict):
        if identity.get("name"):
            identity["name"] = PLACEHOLDER
        for key in IDENTITY_CLEARED:
            identity[key] = None
    contact = entry.get("contact")
    if isinstance(contact, dict):
        entry["contact"] = {key: None for key in contact}


def _clear_suspect(entry: dict[str, Any]) -> None:
    if entry.get("name"):
        entry["name"] = PLACEHOLDER
    for key in SUSPECT_CLEARED:
        entry[key] = None


def _position(person: Person, role: str) -> int | None:
    """The person's number among the case's victims (or suspects), as the snapshot counts them."""
    same_role = [p.id for p in persons_of(person.case) if p.role == role]
    return same_role.index(person.id) + 1 if person.role == role and person.id in same_role else None


def _save(referral: Referral, snapshot: dict[str, Any], original: dict[str, Any]) -> bool:
    if snapshot == original:
        return False
    referral.shared_data = json.dumps(snapshot, ensure_ascii=False, sort_keys=True)
    return True


def _redact_free_texts(referral: Referral, terms: PersonTerms | None) -> int:
    """The referral's own free texts and its timeline's notes; all of them without `terms`."""
    changed = 0
    for name in FREE_TEXTS:
        current = getattr(referral, name)
        new = PLACEHOLDER if terms is None and current else redact_text(current, terms or PersonTerms())
        if new != current:
            setattr(referral, name, new)
            changed += 1
    for event in db.session.scalars(select(ReferralEvent).where(ReferralEvent.referral_id == referral.id)):
        new = PLACEHOLDER if terms is None and event.note else redact_text(event.note, terms or PersonTerms())
        if new != event.note:
            event.note = new
            changed += 1
    return changed


def _referrals_of(case_id: int) -> list[Referral]:
    return list(db.session.scalars(select(Referral).where(Referral.case_id == case_id).order_by(Referral.id)))


def _record(referral: Referral, counts: dict[str, int], texts: int, basis: str, actor: Any) -> None:
    counts["referral snapshots"] = counts.get("referral snapshots", 0) + 1
    if texts:
        counts["referral texts"] = counts.get("referral texts", 0) + texts
    audit.record(
        "referral.redact",
        actor=actor,
        object_type="referral",
        object_id=referral.id,
        summary=f"shared data redacted ({basis}); {texts} free texts",
    )
    flush_versioned(referral)


def redact_shared_snapshots(person: Person, *, terms: PersonTerms, actor: Any, basis: str) -> dict[str, int]:
    """Redact `person` from every referral of their case: their identity and contact details (or,
    for a suspect, their name and details) in the snapshot, and their name words and numbers
    (`terms`) from every text of the snapshot and of the referral. Call it before the person's own
    record is anonymised. A second call changes nothing."""
    counts: dict[str, int] = {}
    victim_position = _position(person, PersonRole.VICTIM)
    suspect_position = _position(person, PersonRole.SUSPECT)
    for referral in _referrals_of(person.case_id):
        original = read_snapshot(referral.shared_data)
        snapshot = json.loads(json.dumps(original))
        shared_ids = set(referral.shared_person_ids or [])
        for entry in snapshot.get("victims") or []:
            position = victim_position if person.id in shared_ids else None
            if (entry.get("identity") or entry.get("contact")) and _is_entry_of(entry, person, position):
                _clear_identity(entry)
        for entry in snapshot.get("suspects") or []:
            if _is_entry_of(entry, person, suspect_position):
                _clear_suspect(entry)
        for part in PERSONAL_PARTS:
            if part in snapshot:
                snapshot[part] = _walk(snapshot[part], terms)
        changed = _save(referral, snapshot, original)
        texts = _redact_free_texts(referral, terms)
        if changed or texts:
            _record(referral, counts, texts, basis, actor)
    return counts


def redact_case_referrals(case_id: int, *, actor: Any, basis: str) -> dict[str, int]:
    """Retention: clear every identity, contact detail, suspect's details, place and free text that
    the referrals of a case shared or recorded. The anonymous profile of each victim stays."""
    counts: dict[str, int] = {}
    for referral in _referrals_of(case_id):
        original = read_snapshot(referral.shared_data)
        snapshot = json.loads(json.dumps(original))
        for entry in snapshot.get("victims") or []:
            _clear_identity(entry)
        for entry in snapshot.get("suspects") or []:
            _clear_suspect(entry)
        if snapshot.get("summary"):
            snapshot["summary"] = PLACEHOLDER
        if snapshot.get("place"):
            snapshot["place"] = None
        changed = _save(referral, snapshot, original)
        texts = _redact_free_texts(referral, None)
        if changed or texts:
            _record(referral, counts, texts, basis, actor)
    return counts
