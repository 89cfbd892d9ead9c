"""Writing and reading the audit trail.

`record` adds a row to the current transaction: the caller's commit stores it together with the change
it describes, and a rollback drops both. The client IP comes from `flask.g.client_ip`, which the app
sets for every request (services themselves never read `request`).
"""

from __future__ import annotations

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


def list_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))
