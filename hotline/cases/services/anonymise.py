"""Data-subject rights on persons (Ley 29733, DS 016-2024-JUS): correction, anonymisation, retention.

- `correct_person` changes a person's identity or contact details at the request of the person (or by
  an admin on their behalf), on an open or a closed case: versioned, in the history, audited.
- `anonymise_person` replaces what identifies one person (name, alias, document, phone, address,
  details, exact age, the blind indexes) and every mention of their name words and numbers in the
  case's narrative, place and notes. What the statistics need stays: role, sex, age range,
  nationalities, migration status, language, trafficking status, consent, the case's facts and dates.
- `anonymise_case` (retention) does this for every person of a case and clears the case's free texts
  (narrative, place, notes) altogether.

`person_terms` and `redact_text` are shared with the floors above (calls, referrals), which redact
their own free texts of the same words and numbers. Nothing here writes personal data to the history
or the audit trail: encrypted fields are recorded as "changed" only, and so is the exact age.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from hotline import crypto
from hotline.audit import services as audit
from hotline.cases.models import Case, CaseHistory, CaseNote, Person
from hotline.cases.services.common import (
    CaseError,
    add_history,
    apply_changes,
    check_version,
    flush_versioned,
    touch,
)
from hotline.cases.services.persons import ENCRYPTED_PERSON_FIELDS, INDEXED, age_range_for, set_indexes
from hotline.extensions import db

PLACEHOLDER = "[anonimizado]"
MIN_NAME_WORD = 3
MIN_DIGITS = 6
# Particles of names: they say nothing about who the person is (and are common words).
NAME_PARTICLES = frozenset({"del", "las", "los", "san", "van", "von", "der", "den", "dos", "das", "les"})
# What a person is asked to correct: identity and contact details, and the facts that go with them.
CORRECTABLE_FIELDS = (
    "name",
    "alias",
    "gender",
    "age",
    "age_range",
    "nationalities",
    "language",
    "document_type",
    "document_number",
    "phone",
    "address",
)
# Cleared by anonymisation (the exact age too: the age range stays for the statistics).
CLEARED_FIELDS = ("alias", "document_number", "phone", "address", "details", "age")
_WORD = re.compile(r"[^\W\d_]+")
# Digits with at most two separators between them: "944 000 111", "(01) 419-7260", "944.000.111".
_DIGIT_RUN = re.compile(r"[0-9](?:[\s.\-/()+]{0,2}[0-9])*")
_PLACEHOLDER_WORDS = frozenset(crypto.normalise(w) for w in _WORD.findall(PLACEHOLDER))


# --- the words and numbers of a person ----------------------------------------------------------


@dataclass(frozen=True)
class PersonTerms:
    """What identifies a person in a free text: the words of the name and alias (normalised, three
    letters or more, particles left out) and every six digits in a row of the phone and document."""

    words: frozenset[str] = frozenset()
    numbers: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.words or self.numbers)

    def __or__(self, other: PersonTerms) -> PersonTerms:
        return PersonTerms(self.words | other.words, self.numbers | other.numbers)

    def __sub__(self, other: PersonTerms) -> PersonTerms:
        return PersonTerms(self.words - other.words, self.numbers - other.numbers)

    def __repr__(self) -> str:  # never the words themselves
        return f"<PersonTerms {len(self.words)} words, {len(self.numbers)} numbers>"


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _windows(digits: str) -> set[str]:
    return {digits[i : i + MIN_DIGITS] for i in range(len(digits) - MIN_DIGITS + 1)}


def _digits(text: str | None) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text or "") if "0" <= c <= "9")


def name_words(*texts: str | None) -> set[str]:
    found: set[str] = set()
    for text in texts:
        found |= {crypto.normalise(w) for w in _WORD.findall(_nfc(text or ""))}
    return {w for w in found if len(w) >= MIN_NAME_WORD} - NAME_PARTICLES - _PLACEHOLDER_WORDS


def person_terms(person: Person) -> PersonTerms:
    """The words and numbers that identify `person` (read before it is anonymised)."""
    numbers = _windows(_digits(person.phone)) | _windows(_digits(person.document_number))
    return PersonTerms(frozenset(name_words(person.name, person.alias)), frozenset(numbers))


def terms_of(persons: Iterable[Person]) -> PersonTerms:
    terms = PersonTerms()
    for person in persons:
        terms = terms | person_terms(person)
    return terms


def redact_text(text: str | None, terms: PersonTerms, *, placeholder: str = PLACEHOLDER) -> str | None:
    """`text` with every word of `terms` and every number sharing six digits with one replaced."""
    if not text or not terms:
        return text
    original = text
    text = _nfc(text)
    if terms.numbers:

        def number(match: re.Match[str]) -> str:
            return placeholder if _windows(_digits(match.group(0))) & terms.numbers else match.group(0)

        text = _DIGIT_RUN.sub(number, text)
    if terms.words:

        def word(match: re.Match[str]) -> str:
            return placeholder if crypto.normalise(match.group(0)) in terms.words else match.group(0)

        text = _WORD.sub(word, text)
    return original if text == _nfc(original) else text


def persons_of(case: Case) -> list[Person]:
    """The persons of a case as stored now (a collection loaded earlier may miss a later one)."""
    return list(db.session.scalars(select(Person).where(Person.case_id == case.id).order_by(Person.id)))


def _notes_of(case: Case) -> list[CaseNote]:
    return list(db.session.scalars(select(CaseNote).where(CaseNote.case_id == case.id).order_by(CaseNote.id)))


# --- correction ---------------------------------------------------------------------------------


def correct_person(
    person: Person, *, expected_version: int | None, actor: Any, basis: str, **values: Any
) -> Person:
    """Correct a person's identity or contact details (see CORRECTABLE_FIELDS), on an open or a
    closed case. `basis` says why in plain English without personal data ("subject request 12")."""
    check_version(person, expected_version)
    unknown = set(values) - set(CORRECTABLE_FIELDS)
    if unknown:
        raise ValueError(f"not correctable here: {sorted(unknown)}")
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, str):
            value = value.strip() or None
        cleaned[name] = list(value or []) if name == "nationalities" else value
    if cleaned.get("document_number") and not (cleaned.get("document_type") or person.document_type):
        raise CaseError(_l("Choose the type of document."))
    if cleaned.get("age") is not None and not cleaned.get("age_range"):
        cleaned["age_range"] = age_range_for(cleaned["age"])
    changes = apply_changes(person, cleaned, encrypted=ENCRYPTED_PERSON_FIELDS, prefix=f"person.{person.id}.")
    if not changes:
        return person
    changed = [(c[0] or "").rsplit(".", 1)[-1] for c in changes]
    set_indexes(person, {name: getattr(person, name) for name in INDEXED if name in changed})
    add_history(person.case, actor, "person_corrected", changes)
    audit.record(
        "person.correct",
        actor=actor,
        object_type="person",
        object_id=person.id,
        summary=f"corrected {', '.join(changed)} ({basis})",
    )
    flush_versioned(person)
    return person


# --- anonymisation ------------------------------------------------------------------------------


def _clear_person(person: Person) -> list[tuple[str | None, str | None, str | None]]:
    """Clear what identifies `person`; the changes as history rows (never a value)."""
    values: dict[str, Any] = {name: None for name in CLEARED_FIELDS}
    values["name"] = PLACEHOLDER if person.name else None
    if person.age is not None and not person.age_range:
        values["age_range"] = age_range_for(person.age)
    changes = apply_changes(
        person,
        values,
        encrypted=ENCRYPTED_PERSON_FIELDS | {"age"},
        prefix=f"person.{person.id}.",
    )
    for index_column, _phone in INDEXED.values():
        if getattr(person, index_column) is not None:
            setattr(person, index_column, None)
            if not changes:
                changes.append((f"person.{person.id}.{index_column}", None, None))
    if changes:
        # Earlier history rows recorded the exact age in clear: it goes with the person's identity.
        db.session.execute(
            update(CaseHistory)
            .where(CaseHistory.case_id == person.case_id, CaseHistory.field == f"person.{person.id}.age")
            .values(before=None, after=None)
        )
    return changes


def _redact_case_texts(case: Case, terms: PersonTerms) -> tuple[Counter[str], list[tuple[str, None, None]]]:
    counts: Counter[str] = Counter()
    changes: list[tuple[str, None, None]] = []
    for field_name, kind in (("narrative", "narratives"), ("location", "places")):
        current = getattr(case, field_name)
        redacted = redact_text(current, terms)
        if redacted != current:
            setattr(case, field_name, redacted)
            counts[kind] += 1
            changes.append((field_name, None, None))
    for note in _notes_of(case):
        redacted = redact_text(note.body, terms)
        if redacted != note.body:
            note.body = redacted or PLACEHOLDER
            counts["notes"] += 1
    return counts, changes


def anonymise_person(person: Person, *, actor: Any, basis: str) -> dict[str, int]:
    """Anonymise one person and redact their name words and numbers from the case's narrative, place
    and notes. Returns what changed, by kind; a second call changes nothing (and returns zeros)."""
    terms = person_terms(person)
    case = person.case
    person_changes = _clear_person(person)
    counts, case_changes = _redact_case_texts(case, terms)
    if person_changes:
        counts["persons"] += 1
        counts["person fields"] += len(person_changes)
    if not person_changes and not counts:
        return {}
    touch(case)
    notes = counts.get("notes", 0)
    extra = [("notes", None, str(notes))] if notes else []
    add_history(case, actor, "person_anonymised", [*person_changes, *case_changes, *extra])
    audit.record(
        "person.anonymise",
        actor=actor,
        object_type="person",
        object_id=person.id,
        summary=(
            f"anonymised ({basis}): {len(person_changes)} fields; narrative "
            f"{'redacted' if counts.get('narratives') else 'unchanged'}; {notes} notes redacted"
        ),
    )
    flush_versioned(case)
    return dict(counts)


def anonymise_case(case: Case, *, actor: Any, basis: str) -> dict[str, int]:
    """Retention: anonymise every person of `case` and clear its narrative, place and notes. The
    case's facts (risk, region, forms of exploitation, indicators, counts, dates) stay."""
    counts: Counter[str] = Counter()
    changes: list[tuple[str | None, str | None, str | None]] = []
    for person in persons_of(case):
        person_changes = _clear_person(person)
        if person_changes:
            counts["persons"] += 1
            counts["person fields"] += len(person_changes)
            changes.extend(person_changes)
    for field_name, kind in (("narrative", "narratives"), ("location", "places")):
        if getattr(case, field_name) is not None:
            setattr(case, field_name, None)
            counts[kind] += 1
            changes.append((field_name, None, None))
    for note in _notes_of(case):
        if note.body != PLACEHOLDER:
            note.body = PLACEHOLDER
            counts["notes"] += 1
    if not counts:
        return {}
    if counts.get("notes"):
        changes.append(("notes", None, str(counts["notes"])))
    touch(case)
    add_history(case, actor, "case_anonymised", changes)
    audit.record(
        "case.anonymise",
        actor=actor,
        object_type="case",
        object_id=case.id,
        summary=f"anonymised ({basis}): " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())),
    )
    flush_versioned(case)
    return dict(counts)
