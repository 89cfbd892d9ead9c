"""The rights of correction and of cancellation (by anonymisation), carried out by the owning domains.

The changes themselves are made by the services of the domains that own the data: the person and
the case's texts by `cases`, the contacts by `calls`, the shared snapshots by `referrals`. This
module registers the request, calls them in the right order (the referrals and the contacts are
matched against the person's identity, so they go before the person is anonymised) and audits the
request with what changed, never the data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l

from hotline.audit import services as audit
from hotline.calls import services as calls
from hotline.cases import services as cases
from hotline.cases.models import Person
from hotline.referrals import services as referrals
from hotline.subjects.models import RequestKind, SubjectRequest
from hotline.subjects.services.common import (
    SubjectError,
    add_counts,
    basis,
    check_reason,
    open_request,
    redact_reasons,
    requests_about,
)


def correct_subject(
    person: Person, *, expected_version: int | None, reason: str, actor: Any, **values: Any
) -> SubjectRequest:
    """Correct a person record at the subject's request (through `cases.correct_person`, versioned)."""
    reason = check_reason(reason)
    before = {name: getattr(person, name) for name in values}
    request = open_request(RequestKind.CORRECTION, persons=[person], reason=reason, actor=actor)
    cases.correct_person(
        person, expected_version=expected_version, actor=actor, basis=basis(request), **values
    )
    changed = [name for name in values if getattr(person, name) != before[name]]
    if not changed:
        raise SubjectError(_l("Nothing was changed: the record already holds these values."))
    request.changes = {"fields": len(changed)}
    audit.record(
        "subject.correct",
        actor=actor,
        object_type="subject_request",
        object_id=request.id,
        summary=f"correction request {request.id}: person record {person.id} corrected",
    )
    return request


def anonymise_subject(persons: Sequence[Person], *, reason: str, actor: Any) -> SubjectRequest:
    """Anonymise these person records at the subject's request: their identity and contact details,
    their mentions in the case texts, the referral snapshots and the contacts. Statistics stay."""
    reason = check_reason(reason)
    request = open_request(RequestKind.ANONYMISATION, persons=persons, reason=reason, actor=actor)
    why = basis(request)
    all_terms = cases.terms_of(persons)
    counts: dict[str, int] = {}
    for person in persons:
        add_counts(
            counts,
            referrals.redact_shared_snapshots(
                person, terms=cases.person_terms(person), actor=actor, basis=why
            ),
        )
    add_counts(
        counts,
        calls.anonymise_caller_numbers(
            phone_indexes=[p.phone_index for p in persons if p.phone_index],
            case_ids=sorted({p.case_id for p in persons}),
            terms=all_terms,
            actor=actor,
            basis=why,
        ),
    )
    for person in persons:
        add_counts(counts, cases.anonymise_person(person, actor=actor, basis=why))
    redacted = redact_reasons(requests_about({p.id for p in persons}), all_terms)
    if redacted:
        counts["request reasons"] = redacted
    request.changes = counts
    audit.record(
        "subject.anonymise",
        actor=actor,
        object_type="subject_request",
        object_id=request.id,
        summary=(
            f"anonymisation request {request.id}: person records {', '.join(str(p.id) for p in persons)}; "
            + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        ),
    )
    return request
