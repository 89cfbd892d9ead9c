"""Finding a data subject's person records: by case reference, or by exact name, alias, document or
phone through the blind indexes (the searched value travels in a POST body and is never logged)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from hotline import crypto
from hotline.audit import services as audit
from hotline.cases import services as cases
from hotline.cases.models import Case, Person
from hotline.extensions import db
from hotline.phones import looks_like_phone

MAX_RESULTS = 100


@dataclass
class SearchResult:
    persons: list[Person]
    by_reference: bool
    case: Case | None = None  # the case found by its reference
    truncated: bool = False


def find_persons(q: str) -> SearchResult:
    """Person records of the case with this reference, or those whose name, alias, document number
    or phone is exactly `q` (accents, case and spacing aside)."""
    q = (q or "").replace("\x00", "").strip()
    reference = cases.parse_reference(q)
    options = (joinedload(Person.case),)
    if reference is not None:
        case = cases.get_case_by_reference(reference)
        persons = cases.persons_of(case) if case is not None else []
        return SearchResult(persons=persons, by_reference=True, case=case)
    conditions = []
    index = crypto.blind_index(q)
    if index:
        conditions += [
            Person.name_index == index,
            Person.alias_index == index,
            Person.document_index == index,
        ]
    if looks_like_phone(q):
        conditions.append(Person.phone_index == crypto.blind_index(q, phone=True))
    if not conditions:
        return SearchResult(persons=[], by_reference=False)
    found = list(
        db.session.scalars(
            select(Person)
            .where(or_(*conditions))
            .options(*options)
            .order_by(Person.case_id.desc(), Person.id)
            .limit(MAX_RESULTS + 1)
        )
    )
    return SearchResult(persons=found[:MAX_RESULTS], by_reference=False, truncated=len(found) > MAX_RESULTS)


def record_search(result: SearchResult, actor: Any) -> None:
    """Audit the search: how it was made and how many records it found, never what was searched."""
    how = "case reference" if result.by_reference else "personal data"
    audit.record(
        "subject.search",
        actor=actor,
        object_type="person",
        summary=f"data-subject search by {how}, {len(result.persons)} records found",
    )
