"""Reading cases: one case (for its page, in a fixed number of queries), its history, the assignees."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from hotline.audit import services as audit
from hotline.auth.models import Role, User
from hotline.cases.models import Case, CaseHistory, CaseNote
from hotline.cases.services.common import parse_reference
from hotline.extensions import db

MAX_ID = 2**31 - 1  # ids beyond a PostgreSQL integer cannot exist (and must not reach the database)


def get_case(case_id: int) -> Case | None:
    """The case with this id, or None."""
    if not isinstance(case_id, int) or not 0 < case_id <= MAX_ID:
        return None
    return db.session.get(Case, case_id)


def get_case_by_reference(reference: str) -> Case | None:
    normalised = parse_reference(reference)
    if normalised is None:
        return None
    return db.session.scalar(select(Case).where(Case.reference == normalised))


def load_case_for_detail(case_id: int) -> Case | None:
    """The case with everything its page shows, in a fixed number of queries."""
    if not 0 < case_id <= MAX_ID:
        return None
    return db.session.scalar(
        select(Case)
        .where(Case.id == case_id)
        .options(
            joinedload(Case.region),
            joinedload(Case.province),
            joinedload(Case.assigned_to),
            joinedload(Case.opened_by),
            selectinload(Case.exploitation_forms),
            selectinload(Case.persons),
            selectinload(Case.notes).joinedload(CaseNote.author),
            selectinload(Case.calls).joinedload(_call_operator()),
        )
    )


def _call_operator() -> Any:
    """`Call.operator`, reached through the `Case.calls` relationship (calls is a floor above)."""
    return Case.calls.property.mapper.class_.operator


def record_case_view(case: Case, actor: Any, *, summary: str = "case page") -> None:
    """Audit one view of a case (each page showing case data calls this exactly once)."""
    audit.record("case.view", actor=actor, object_type="case", object_id=case.id, summary=summary)


def list_history(case: Case) -> list[CaseHistory]:
    return list(
        db.session.scalars(
            select(CaseHistory)
            .where(CaseHistory.case_id == case.id)
            .options(joinedload(CaseHistory.actor))
            .order_by(CaseHistory.occurred_at.desc(), CaseHistory.id.desc())
        )
    )


def list_assignees() -> list[User]:
    """Active coordinators, who may be given a case."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == Role.COORDINATOR, User.is_active.is_(True))
            .order_by(User.name, User.id)
        )
    )


def get_assignee(user_id: int) -> User | None:
    """The user a case may be given to, or None (`assign_case` checks they are an active coordinator)."""
    if not 0 < user_id <= MAX_ID:
        return None
    return db.session.get(User, user_id)
