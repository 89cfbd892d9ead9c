"""Persons on a case (victims, suspects, witnesses, callers): encrypted identity, blind indexes."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from hotline import crypto
from hotline.audit import services as audit
from hotline.cases.models import Case, Consent, Person, PersonRole
from hotline.cases.services.common import (
    add_history,
    apply_changes,
    check_open,
    check_version,
    flush_versioned,
)
from hotline.database import utcnow
from hotline.extensions import db

ENCRYPTED_PERSON_FIELDS = frozenset({"name", "alias", "document_number", "phone", "address", "details"})
VICTIM_ONLY = ("trafficking_status", "trafficking_status_decided_by", "recruiter_relation")
# Blind indexes kept next to the encrypted value: field -> (index column, is a phone number).
INDEXED = {
    "name": ("name_index", False),
    "alias": ("alias_index", False),
    "document_number": ("document_index", False),
    "phone": ("phone_index", True),
}


@dataclass
class PersonData:
    role: str = PersonRole.VICTIM
    name: str | None = None
    alias: str | None = None
    gender: str | None = None
    age: int | None = None
    age_range: str | None = None
    nationalities: list[str] = field(default_factory=list)
    migration_status: str | None = None
    language: str | None = None
    is_interpreter_needed: bool = False
    document_type: str | None = None
    document_number: str | None = None
    phone: str | None = None
    address: str | None = None
    details: str | None = None
    trafficking_status: str | None = None
    trafficking_status_decided_by: str | None = None
    recruiter_relation: str | None = None
    consent: str = Consent.NOT_ASKED
    suspect_roles: list[str] = field(default_factory=list)

    def cleaned(self) -> dict[str, Any]:
        """The values to store: role-specific fields are cleared when they do not apply."""
        values = asdict(self)
        for key, value in values.items():
            if isinstance(value, str) and not value.strip():
                values[key] = None
        if self.role != PersonRole.VICTIM:
            for key in VICTIM_ONLY:
                values[key] = None
            values["consent"] = Consent.NOT_ASKED.value
        if self.role != PersonRole.SUSPECT:
            values["suspect_roles"] = []
        if values["nationalities"] == ["PE"]:
            values["migration_status"] = None
        if values["age"] is not None and not values["age_range"]:
            values["age_range"] = age_range_for(values["age"])
        if not values["trafficking_status"]:
            values["trafficking_status_decided_by"] = None
        values["consent"] = values["consent"] or Consent.NOT_ASKED.value
        values["is_interpreter_needed"] = bool(values["is_interpreter_needed"])
        return values


def age_range_for(age: int) -> str:
    bands = (
        (8, "0-8"),
        (17, "9-17"),
        (20, "18-20"),
        (23, "21-23"),
        (26, "24-26"),
        (29, "27-29"),
        (38, "30-38"),
        (47, "39-47"),
    )
    for top, label in bands:
        if age <= top:
            return label
    return "48+"


def set_indexes(person: Person, values: dict[str, Any]) -> None:
    for name, (index_column, phone) in INDEXED.items():
        if name in values:
            setattr(person, index_column, crypto.blind_index(values[name], phone=phone))


def get_person(case: Case, person_id: int) -> Person | None:
    """A person of this case (None when the id belongs to another case or to no one)."""
    if not isinstance(person_id, int) or not 0 < person_id <= 2**31 - 1:
        return None
    person = db.session.get(Person, person_id)
    return person if person is not None and person.case_id == case.id else None


def record_person_view(person: Person, actor: Any) -> None:
    audit.record(
        "person.view",
        actor=actor,
        object_type="person",
        object_id=person.id,
        summary=f"person of case {person.case_id}",
    )


def add_person(case: Case, data: PersonData, *, actor: Any) -> Person:
    check_open(case)
    values = data.cleaned()
    person = Person(case_id=case.id, **values)
    if values["consent"] != Consent.NOT_ASKED:
        person.consent_recorded_at = utcnow()
    set_indexes(person, values)
    db.session.add(person)
    db.session.flush()
    add_history(case, actor, "person_added", [(f"person.{person.id}.role", None, person.role)])
    audit.record(
        "person.create",
        actor=actor,
        object_type="person",
        object_id=person.id,
        summary=f"{person.role} added to case {case.id}",
    )
    db.session.flush()
    return person


def update_person(person: Person, data: PersonData, *, expected_version: int | None, actor: Any) -> Person:
    check_version(person, expected_version)
    case = person.case
    check_open(case)
    values = data.cleaned()
    old_consent = person.consent
    changes = apply_changes(person, values, encrypted=ENCRYPTED_PERSON_FIELDS, prefix=f"person.{person.id}.")
    if not changes:
        return person
    changed = {(c[0] or "").rsplit(".", 1)[-1] for c in changes}
    set_indexes(person, {k: values[k] for k in INDEXED if k in changed})
    if person.consent != old_consent:
        person.consent_recorded_at = utcnow()
    add_history(case, actor, "person_updated", changes)
    audit.record(
        "person.update",
        actor=actor,
        object_type="person",
        object_id=person.id,
        summary="changed " + ", ".join((c[0] or "").rsplit(".", 1)[-1] for c in changes),
    )
    flush_versioned(person)
    return person
