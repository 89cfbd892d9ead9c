"""The case list, search (reference, name, phone via blind indexes) and repeat-caller matches."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from hotline import crypto
from hotline.audit import services as audit
from hotline.cases.models import (
    Case,
    CaseStatus,
    Person,
    Risk,
    case_exploitation_forms,
)
from hotline.cases.services.common import MAX_PAGE, MAX_PER_PAGE, local_zone, parse_reference
from hotline.cases.services.search_keys import search_kind
from hotline.database import utcnow
from hotline.extensions import db
from hotline.phones import looks_like_phone

# --- list and search ----------------------------------------------------------------------------


@dataclass
class CaseFilter:
    status: str | None = None
    risk: str | None = None
    region: str | None = None
    exploitation_form: str | None = None
    assigned_to: int | None = None
    unassigned: bool = False
    opened_from: date | None = None
    opened_to: date | None = None
    overdue: bool = False
    q: str | None = None
    sort: str = "-opened"
    allow_personal_search: bool = True

    def is_personal_search(self) -> bool:
        return bool(self.q and self.q.strip() and parse_reference(self.q) is None)


SORTS = ("-opened", "opened", "risk", "due", "reference", "-updated")


def _risk_order() -> Any:
    return case((Case.risk == Risk.URGENT, 0), (Case.risk == Risk.HIGH, 1), else_=2)


def overdue_clause(now: datetime) -> Any:
    return (Case.status == CaseStatus.NEW) & (Case.triage_due_at < now)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=local_zone()).astimezone(UTC)


def called_from(*indexes: str) -> Any:
    """Cases with a call from one of these numbers (blind indexes): one EXISTS over `Case.calls`.

    The calls table is reached through the relationship (calls is a floor above cases)."""
    calls = Case.calls.property.mapper
    return Case.calls.any(calls.c.caller_number_index.in_(indexes))


def _search_clause(q: str, allow_personal: bool) -> Any:
    q = q.replace("\x00", "").strip()
    reference = parse_reference(q)
    if reference is not None:
        return Case.reference == reference
    if not allow_personal:
        return Case.id.is_(None)  # nothing: this role may search by reference only
    conditions = []
    name_index = crypto.blind_index(q)
    if name_index:
        person_ids = select(Person.case_id).where(
            or_(
                Person.name_index == name_index,
                Person.alias_index == name_index,
                Person.document_index == name_index,
            )
        )
        conditions.append(Case.id.in_(person_ids))
    if looks_like_phone(q):
        phone_index = crypto.blind_index(q, phone=True)
        conditions.append(Case.id.in_(select(Person.case_id).where(Person.phone_index == phone_index)))
        conditions.append(called_from(phone_index))
    if not conditions:
        return Case.id.is_(None)
    return or_(*conditions)


def case_query(filters: CaseFilter, *, now: datetime | None = None) -> Select[tuple[Case]]:
    now = now or utcnow()
    query = select(Case)
    if filters.status:
        query = query.where(Case.status == filters.status)
    if filters.risk:
        query = query.where(Case.risk == filters.risk)
    if filters.region:
        query = query.where(Case.region_ubigeo == filters.region)
    if filters.exploitation_form:
        query = query.where(
            Case.id.in_(
                select(case_exploitation_forms.c.case_id).where(
                    case_exploitation_forms.c.form_code == filters.exploitation_form
                )
            )
        )
    if filters.unassigned:
        query = query.where(Case.assigned_to_id.is_(None))
    elif filters.assigned_to is not None:
        query = query.where(Case.assigned_to_id == filters.assigned_to)
    if filters.opened_from:
        query = query.where(Case.opened_at >= _day_start(filters.opened_from))
    if filters.opened_to:
        query = query.where(Case.opened_at < _day_start(filters.opened_to + timedelta(days=1)))
    if filters.overdue:
        query = query.where(overdue_clause(now))
    if filters.q and filters.q.strip():
        query = query.where(_search_clause(filters.q, filters.allow_personal_search))
    order = {
        "-opened": (Case.opened_at.desc(), Case.id.desc()),
        "opened": (Case.opened_at.asc(), Case.id.asc()),
        "risk": (_risk_order(), Case.opened_at.desc(), Case.id.desc()),
        "due": (Case.triage_due_at.asc(), Case.id.asc()),
        "reference": (Case.reference.asc(),),
        "-updated": (Case.updated_at.desc(), Case.id.desc()),
    }.get(filters.sort, (Case.opened_at.desc(), Case.id.desc()))
    return query.order_by(*order)


def list_cases(filters: CaseFilter, *, page: int = 1, per_page: int = 25, now: datetime | None = None):  # type: ignore[no-untyped-def]
    """One page of cases with what the list shows, in a bounded number of queries."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, min(page, MAX_PAGE))  # past the last page is an empty page, never an overflow
    query = case_query(filters, now=now).options(
        joinedload(Case.region),
        joinedload(Case.assigned_to),
        selectinload(Case.exploitation_forms),
    )
    return db.paginate(query, page=page, per_page=per_page, max_per_page=MAX_PER_PAGE, error_out=False)


def record_search(filters: CaseFilter, actor: Any, count: int) -> None:
    """Audit a search by personal data: what it was by ("by name", "by phone"), never the value."""
    if filters.allow_personal_search and filters.is_personal_search() and filters.q:
        kind = search_kind(filters.q)
        audit.record(
            "case.search",
            actor=actor,
            object_type="case",
            summary=f"personal search by {kind}, {count} found",
        )


def is_overdue(case_: Case, now: datetime | None = None) -> bool:
    return bool(
        case_.status == CaseStatus.NEW and case_.triage_due_at and case_.triage_due_at < (now or utcnow())
    )


# --- repeat callers -----------------------------------------------------------------------------


@dataclass
class CaseMatch:
    case: Case
    reasons: set[str] = field(default_factory=set)


def find_matching_cases(
    *,
    caller_number: str | None = None,
    names: Sequence[str] = (),
    phones: Sequence[str] = (),
    limit: int = 10,
) -> list[CaseMatch]:
    """Cases that share the caller's number, or a person's name or phone (exact, via blind index)."""
    matches: dict[int, set[str]] = {}

    def collect(ids: Iterable[int | None], reason: str) -> None:
        for case_id in ids:
            if case_id is not None:
                matches.setdefault(case_id, set()).add(reason)

    number_index = crypto.blind_index(caller_number, phone=True) if caller_number else None
    if number_index:
        collect(db.session.scalars(select(Case.id).where(called_from(number_index))), "caller_number")
        collect(
            db.session.scalars(select(Person.case_id).where(Person.phone_index == number_index)),
            "caller_number",
        )
    name_indexes = {i for i in (crypto.blind_index(n) for n in names if n) if i}
    if name_indexes:
        collect(
            db.session.scalars(
                select(Person.case_id).where(
                    or_(Person.name_index.in_(name_indexes), Person.alias_index.in_(name_indexes))
                )
            ),
            "name",
        )
    phone_indexes = {i for i in (crypto.blind_index(p, phone=True) for p in phones if p) if i}
    if phone_indexes:
        collect(
            db.session.scalars(select(Person.case_id).where(Person.phone_index.in_(phone_indexes))), "phone"
        )
        collect(db.session.scalars(select(Case.id).where(called_from(*phone_indexes))), "phone")
    if not matches:
        return []
    cases = db.session.scalars(
        select(Case)
        .where(Case.id.in_(matches))
        .options(joinedload(Case.region))
        .order_by(Case.opened_at.desc())
        .limit(limit)
    )
    return [CaseMatch(c, matches[c.id]) for c in cases]


def counts_by_status() -> dict[str, int]:
    """Aggregate counts for dashboards (no personal data)."""
    rows = db.session.execute(select(Case.status, func.count()).group_by(Case.status))
    return {status: count for status, count in rows}
