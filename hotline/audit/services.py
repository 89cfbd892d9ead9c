"""Writing and reading the audit trail.

`record` adds a row to the current transaction: the caller's commit stores it together with the change
it describes, and a rollback drops both. The client IP comes from `flask.g.client_ip`, which the app
sets for every request (services themselves never read `request`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from flask import g, has_app_context
from sqlalchemy import Select, select

from hotline.audit.models import AuditEvent, Outcome
from hotline.extensions import db


class Actor(Protocol):
    id: int
    role: Any
    partner_id: int | None


def _client_ip() -> str | None:
    return getattr(g, "client_ip", None) if has_app_context() else None


def record(
    action: str,
    *,
    actor: Actor | None = None,
    object_type: str | None = None,
    object_id: object | None = None,
    outcome: Outcome = Outcome.SUCCESS,
    summary: str = "",
    ip: str | None = None,
) -> AuditEvent:
    """Add an audit row to the session. Summaries are plain English and never hold personal data."""
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        actor_role=str(actor.role) if actor is not None and getattr(actor, "role", None) else None,
        actor_partner_id=getattr(actor, "partner_id", None),
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        outcome=str(outcome),
        summary=summary[:2000],
        ip=ip if ip is not None else _client_ip(),
    )
    db.session.add(event)
    db.session.flush([event])
    return event


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    actor_id: int | None = None
    object_type: str | None = None
    object_id: str | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def audit_query(filters: AuditFilter) -> Select[tuple[AuditEvent]]:
    query = select(AuditEvent)
    if filters.action:
        query = query.where(AuditEvent.action.startswith(filters.action, autoescape=True))
    if filters.actor_id is not None:
        query = query.where(AuditEvent.actor_id == filters.actor_id)
    if filters.object_type:
        query = query.where(AuditEvent.object_type == filters.object_type)
    if filters.object_id:
        query = query.where(AuditEvent.object_id == filters.object_id)
    if filters.outcome:
        query = query.where(AuditEvent.outcome == filters.outcome)
    if filters.since:
        query = query.where(AuditEvent.occurred_at >= filters.since)
    if filters.until:
        query = query.where(AuditEvent.occurred_at < filters.until)
    return query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())


EXPORT_COLUMNS = (
    "id", "occurred_at", "actor_id", "actor_role", "actor_partner_id", "action", "object_type",
    "object_id", "outcome", "ip", "summary", "chain_seq", "chain_hash",
)  # fmt: skip


def export_rows(filters: AuditFilter, *, batch: int = 2000) -> Iterator[tuple[Any, ...]]:
    """The rows of the trail that match, oldest first, as plain values (streamed, not loaded whole)."""
    query = audit_query(filters).order_by(None).order_by(AuditEvent.occurred_at, AuditEvent.id)
    for event in db.session.scalars(query.execution_options(yield_per=batch)):
        yield tuple(getattr(event, column) for column in EXPORT_COLUMNS)


def record_export(filters: AuditFilter, *, reason: str, actor: Actor) -> AuditEvent:
    """The export is itself audited, with the admin's reason and the filters used."""
    used = {k: str(v) for k, v in filters.__dict__.items() if v not in (None, "")}
    return record(
        "audit.export", actor=actor, object_type="audit", summary=f"filters {used}; reason: {reason}"
    )


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, datetime) else value


def export_csv(filters: AuditFilter, *, every: int = 500) -> Iterator[str]:
    """The CSV text of the export, in chunks of `every` rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    for n, row in enumerate(export_rows(filters), start=1):
        writer.writerow([_cell(v) for v in row])
        if n % every == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
