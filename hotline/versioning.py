"""Optimistic locking for records with a `version_id` column (cases, persons, referrals, rules)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm.exc import StaleDataError

from hotline.errors import VersionConflict
from hotline.extensions import db

__all__ = ["VersionConflict", "check_version", "flush_versioned"]


def check_version(obj: Any, expected_version: int | None) -> None:
    """Refuse a change based on another version of `obj` (optimistic locking), or on no version at all."""
    if expected_version is None or obj.version_id != expected_version:
        raise VersionConflict(getattr(obj, "id", None))


def flush_versioned(obj: Any) -> None:
    """Flush, turning a concurrent update caught by `version_id_col` into a VersionConflict."""
    object_id = getattr(obj, "id", None)  # read before the flush: a failed flush leaves the session unusable
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise VersionConflict(object_id) from exc
