"""Errors, constants and history helpers shared by the case services."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

from hotline.cases.models import (
    Case,
    CaseHistory,
    CaseStatus,
    Risk,
)
from hotline.database import utcnow
from hotline.errors import HotlineError
from hotline.extensions import db
from hotline.versioning import VersionConflict, check_version, flush_versioned  # noqa: F401  (re-exported)

# --- errors -------------------------------------------------------------------------------------


class CaseError(HotlineError):
    """A rule about cases was broken (the message is safe to show)."""


class CaseClosed(CaseError):
    def __init__(self) -> None:
        super().__init__(_l("This case is closed. Reopen it before changing it."))


class InvalidTransition(CaseError):
    pass


# --- constants ----------------------------------------------------------------------------------

TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.NEW: frozenset({CaseStatus.TRIAGED, CaseStatus.REFERRED, CaseStatus.CLOSED}),
    CaseStatus.TRIAGED: frozenset({CaseStatus.REFERRED, CaseStatus.CLOSED}),
    CaseStatus.REFERRED: frozenset({CaseStatus.TRIAGED, CaseStatus.CLOSED}),
    CaseStatus.CLOSED: frozenset({CaseStatus.TRIAGED}),  # reopening
}
# How long a new case may wait for triage, by risk (overridable with CASE_TRIAGE_HOURS).
DEFAULT_TRIAGE_HOURS = {Risk.URGENT: 2, Risk.HIGH: 24, Risk.NORMAL: 72}
ENCRYPTED_CASE_FIELDS = frozenset({"location", "narrative"})
EDITABLE_CASE_FIELDS = (
    "location",
    "province_ubigeo",
    "indicators",
    "victim_count",
    "has_minors",
    "victim_nationalities",
    "exploitation_country",
    "narrative",
)
REFERENCE_RE = re.compile(r"^\s*(?:TP)?[\s-]*(\d{4})[\s-]+0*(\d{1,7})\s*$", re.IGNORECASE)
MAX_PER_PAGE = 100
MAX_PAGE = 10**6


def local_zone() -> ZoneInfo:
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE") if has_app_context() else None
    return ZoneInfo(name or "America/Lima")


def triage_deadline(risk: str, opened_at: datetime) -> datetime:
    hours = dict(DEFAULT_TRIAGE_HOURS)
    if has_app_context():
        hours.update(current_app.config.get("CASE_TRIAGE_HOURS", {}))
    return opened_at + timedelta(hours=hours.get(Risk(risk), 72))


# --- values -------------------------------------------------------------------------------------


@dataclass
class CaseFacts:
    """What is known about a case when it is opened."""

    risk: str = Risk.NORMAL
    region_ubigeo: str | None = None
    province_ubigeo: str | None = None
    location: str | None = None
    exploitation_forms: list[str] = field(default_factory=list)
    indicators: list[str] = field(default_factory=list)
    victim_count: int | None = None
    has_minors: bool | None = None
    victim_nationalities: list[str] = field(default_factory=list)
    narrative: str | None = None


def fmt_value(value: Any) -> str | None:
    """A history value: plain, short, never personal data (encrypted fields never get here)."""
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple, set, frozenset)):
        return ",".join(sorted(str(v) for v in value))
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="seconds")
    return str(value)


def same_value(old: Any, new: Any) -> bool:
    if isinstance(old, (list, tuple)) or isinstance(new, (list, tuple)):
        return sorted(old or []) == sorted(new or [])
    return (old if old != "" else None) == (new if new != "" else None)


def add_history(
    case: Case,
    actor: Any,
    action: str,
    changes: Iterable[tuple[str | None, str | None, str | None]] = ((None, None, None),),
    *,
    at: datetime | None = None,
) -> list[CaseHistory]:
    rows = []
    when = at or utcnow()
    for field_name, before, after in changes:
        row = CaseHistory(
            case_id=case.id,
            actor_id=getattr(actor, "id", None),
            occurred_at=when,
            action=action,
            field=field_name,
            before=before,
            after=after,
        )
        db.session.add(row)
        rows.append(row)
    return rows


def apply_changes(
    obj: Any, values: dict[str, Any], *, encrypted: frozenset[str], prefix: str = ""
) -> list[tuple[str | None, str | None, str | None]]:
    """Set changed attributes and return (field, before, after) rows ("changed" only when encrypted)."""
    changes: list[tuple[str | None, str | None, str | None]] = []
    for name, new in values.items():
        old = getattr(obj, name)
        if same_value(old, new):
            continue
        setattr(obj, name, list(new) if isinstance(new, (list, tuple)) else new)
        if name in encrypted:
            changes.append((prefix + name, None, None))
        else:
            changes.append((prefix + name, fmt_value(old), fmt_value(new)))
    return changes


def check_open(case: Case) -> None:
    if case.status == CaseStatus.CLOSED:
        raise CaseClosed()


def touch(case: Case) -> None:
    """Mark the case row itself as changed, so its version moves even for relationship-only edits."""
    case.updated_at = utcnow()


def format_reference(year: int, number: int) -> str:
    return f"TP-{year}-{number:06d}"


def parse_reference(text: str) -> str | None:
    match = REFERENCE_RE.match(text or "")
    if not match:
        return None
    return format_reference(int(match.group(1)), int(match.group(2)))
