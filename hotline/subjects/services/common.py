"""The register of requests, the person records a request is about, and the rules they share."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from hotline.cases import services as cases
from hotline.cases.models import Person
from hotline.errors import HotlineError
from hotline.extensions import db
from hotline.subjects.models import RequestKind, SubjectRequest

REASON_MIN = 10
REASON_MAX = 1000
MAX_RECORDS = 20  # person records in one request (one human seldom appears in more cases)
MAX_ID = 2**31 - 1


class SubjectError(HotlineError):
    """A rule about data-subject requests was broken (the message is safe to show)."""


def check_reason(reason: str | None) -> str:
    text = " ".join((reason or "").split())
    if len(text) < REASON_MIN:
        raise SubjectError(_l("Say why (at least %(n)d characters).", n=REASON_MIN))
    if len(text) > REASON_MAX:
        raise SubjectError(_l("The reason is too long (at most %(n)d characters).", n=REASON_MAX))
    return text


def parse_person_ids(values: Iterable[Any]) -> list[int]:
    """Person ids from a form or a query string ("3", "3,7"); anything else is left out."""
    ids: set[int] = set()
    for value in values:
        for part in str(value or "").split(","):
            part = part.strip()
            if part.isdigit() and 0 < int(part) <= MAX_ID:
                ids.add(int(part))
    return sorted(ids)


def get_persons(person_ids: Sequence[int]) -> list[Person]:
    """The person records with these ids (with their cases), in id order; SubjectError when one of
    them does not exist, or when there are none or too many."""
    ids = parse_person_ids(person_ids)
    if not ids:
        raise SubjectError(_l("Choose at least one person record."))
    if len(ids) > MAX_RECORDS:
        raise SubjectError(_l("Choose at most %(n)d person records.", n=MAX_RECORDS))
    persons = list(
        db.session.scalars(
            select(Person).where(Person.id.in_(ids)).options(joinedload(Person.case)).order_by(Person.id)
        )
    )
    if len(persons) != len(ids):
        raise SubjectError(_l("One of these person records no longer exists."))
    return persons


def get_person(person_id: int) -> Person | None:
    if not isinstance(person_id, int) or not 0 < person_id <= MAX_ID:
        return None
    return db.session.get(Person, person_id)


def open_request(
    kind: RequestKind, *, persons: Sequence[Person], reason: str, actor: Any, case_id: int | None = None
) -> SubjectRequest:
    """Add a request to the register (flushed: its id names it in the audit trail)."""
    case_ids = {p.case_id for p in persons}
    request = SubjectRequest(
        kind=kind.value,
        case_id=case_id if case_id is not None else (case_ids.pop() if len(case_ids) == 1 else None),
        person_ids=[p.id for p in persons],
        actor_id=getattr(actor, "id", None),
        reason=reason,
        changes={},
    )
    db.session.add(request)
    db.session.flush()
    return request


def basis(request: SubjectRequest) -> str:
    """How the other domains' history and audit rows name the request (plain, no personal data)."""
    return f"{request.kind} request {request.id}"


def list_requests(*, limit: int = 50) -> list[SubjectRequest]:
    return list(
        db.session.scalars(
            select(SubjectRequest)
            .options(joinedload(SubjectRequest.actor))
            .order_by(SubjectRequest.created_at.desc(), SubjectRequest.id.desc())
            .limit(limit)
        )
    )


def requests_about(person_ids: Iterable[int], *, case_ids: Iterable[int] = ()) -> list[SubjectRequest]:
    """The requests about any of these person records (or, for retention, these cases), oldest first."""
    wanted, cases_wanted = set(person_ids), set(case_ids)
    query = select(SubjectRequest).order_by(SubjectRequest.created_at, SubjectRequest.id)
    if cases_wanted:
        query = query.where((SubjectRequest.case_id.in_(cases_wanted)) | (SubjectRequest.case_id.is_(None)))
    return [
        r
        for r in db.session.scalars(query)
        if wanted & set(r.person_ids or []) or (r.case_id in cases_wanted and r.kind == RequestKind.RETENTION)
    ]


def redact_reasons(requests: Iterable[SubjectRequest], terms: cases.PersonTerms) -> int:
    """Take a person's name words and numbers out of the reasons recorded for them."""
    changed = 0
    for request in requests:
        redacted = cases.redact_text(request.reason, terms)
        if redacted != request.reason:
            request.reason = redacted or cases.PLACEHOLDER
            changed += 1
    return changed


def add_counts(total: dict[str, int], more: dict[str, int]) -> dict[str, int]:
    for key, value in more.items():
        total[key] = total.get(key, 0) + value
    return total
