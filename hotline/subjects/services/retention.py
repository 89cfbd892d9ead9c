"""Retention: the personal data of a case closed longer than the retention period is anonymised.

`flask retention run` lists the cases due (closed before the cut-off, and not anonymised since
they were last closed) and anonymises each in its own transaction: every person of the case, its
narrative, place and notes (`cases`), its contacts' numbers and summaries (`calls`) and what its
referrals shared (`referrals`). A retention row in the register marks the case as done, so a second
run changes nothing; a case reopened and closed again is due again once its new closing is old
enough. The statistics stay: the case's facts and dates, each person's role, sex, age range and
nationalities.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select

from hotline.audit import services as audit
from hotline.calls import services as calls
from hotline.cases import services as cases
from hotline.cases.models import Case, CaseStatus
from hotline.database import utcnow
from hotline.extensions import db
from hotline.referrals import services as referrals
from hotline.subjects.models import RequestKind, SubjectRequest
from hotline.subjects.services.common import add_counts, basis, open_request, redact_reasons, requests_about


@dataclass
class RetentionOutcome:
    case_id: int
    reference: str
    changes: dict[str, int]


def retention_cutoff(years: int, *, now: datetime | None = None) -> datetime:
    """The moment `years` years before `now` (29 February falls back to the 28th)."""
    now = now or utcnow()
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


def _due_clause(cutoff: datetime) -> Any:
    done = exists().where(
        SubjectRequest.kind == RequestKind.RETENTION.value,
        SubjectRequest.case_id == Case.id,
        SubjectRequest.created_at >= Case.closed_at,
    )
    return (Case.status == CaseStatus.CLOSED.value) & (Case.closed_at < cutoff) & ~done


def list_due_cases(*, years: int, now: datetime | None = None) -> list[tuple[int, str]]:
    """(id, reference) of the cases due, oldest closing first."""
    cutoff = retention_cutoff(years, now=now)
    rows = db.session.execute(
        select(Case.id, Case.reference).where(_due_clause(cutoff)).order_by(Case.closed_at, Case.id)
    )
    return [(case_id, reference) for case_id, reference in rows]


def apply_retention(
    case_id: int, *, years: int, now: datetime | None = None, actor: Any = None
) -> RetentionOutcome | None:
    """Anonymise one case that is due (None when it no longer is: reopened, or done meanwhile)."""
    cutoff = retention_cutoff(years, now=now)
    case = db.session.scalar(select(Case).where(Case.id == case_id, _due_clause(cutoff)))
    if case is None:
        return None
    persons = cases.persons_of(case)
    terms = cases.terms_of(persons)
    reason = f"retention: closed more than {years} years ago"
    request = open_request(
        RequestKind.RETENTION, persons=persons, reason=reason, actor=actor, case_id=case.id
    )
    why = basis(request)
    counts: dict[str, int] = {}
    add_counts(counts, referrals.redact_case_referrals(case.id, actor=actor, basis=why))
    add_counts(counts, calls.anonymise_case_calls(case.id, actor=actor, basis=why))
    add_counts(counts, cases.anonymise_case(case, actor=actor, basis=why))
    redacted = redact_reasons(
        (r for r in requests_about({p.id for p in persons}) if r.id != request.id), terms
    )
    if redacted:
        counts["request reasons"] = redacted
    request.changes = counts
    audit.record(
        "retention.case",
        actor=actor,
        object_type="case",
        object_id=case.id,
        summary=f"retention ({years} years) request {request.id}: "
        + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "nothing to change"),
    )
    db.session.flush()
    return RetentionOutcome(case_id=case.id, reference=case.reference, changes=counts)


def record_retention_run(*, years: int, outcomes: list[RetentionOutcome], actor: Any = None) -> None:
    totals: dict[str, int] = {}
    for outcome in outcomes:
        add_counts(totals, outcome.changes)
    audit.record(
        "retention.run",
        actor=actor,
        object_type="case",
        summary=f"retention ({years} years): {len(outcomes)} cases anonymised; "
        + (", ".join(f"{k} {v}" for k, v in sorted(totals.items())) or "nothing changed"),
    )
