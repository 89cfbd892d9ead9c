"""Opaque, short-lived keys for case searches by personal data (no name or phone in any URL).

A search by name, phone or document is POSTed; `create_search_key` stores its text encrypted (the
`EncryptedText` column, hotline/crypto.py) behind a random key and the list is shown at
`/cases/?s=<key>`. Only a SHA-256 of the key is stored, so the table alone opens no search. A key
belongs to the user who made it (anyone else gets "not found", exactly like an unknown key) and
expires after `SEARCH_KEY_TTL`; `delete_expired_search_keys` (a worker job) removes the old rows.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from hotline.cases.models import SearchKey
from hotline.cases.services.common import CaseError, parse_reference
from hotline.database import utcnow
from hotline.extensions import db
from hotline.phones import looks_like_phone

KEY_BYTES = 32  # secrets.token_urlsafe(32): 43 characters of [A-Za-z0-9_-]
KEY_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")
MAX_QUERY = 200  # the search form's limit


class SearchKeyNotFound(CaseError):
    """Unknown, malformed, deleted or someone else's key: the same answer for all of them."""

    def __init__(self) -> None:
        super().__init__(_l("This search does not exist or has expired. Search again."))


class SearchKeyExpired(CaseError):
    def __init__(self) -> None:
        super().__init__(_l("This search has expired, so its results are no longer shown. Search again."))


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("ascii")).hexdigest()


def search_kind(query: str) -> str:
    """What a search is by, for the audit trail (never the value): reference, phone or name."""
    if parse_reference(query) is not None:
        return "reference"
    return "phone" if looks_like_phone(query.strip()) else "name"


def create_search_key(query: str, *, actor: Any, ttl: timedelta, now: datetime | None = None) -> str:
    """Store `query` (encrypted) for `actor` for `ttl`, and return the key that opens it.

    The actor's own expired keys are deleted on the way (the worker deletes everyone's)."""
    if not query or len(query) > MAX_QUERY or "\x00" in query:
        raise ValueError("search text must be 1..200 characters without NUL")
    now = now or utcnow()
    db.session.execute(
        delete(SearchKey).where(SearchKey.user_id == actor.id, SearchKey.expires_at <= now),
        execution_options={"synchronize_session": False},
    )
    key = secrets.token_urlsafe(KEY_BYTES)
    db.session.add(
        SearchKey(key_hash=_hash(key), user_id=actor.id, query=query, created_at=now, expires_at=now + ttl)
    )
    db.session.flush()
    return key


def resolve_search_key(key: str | None, *, actor: Any, now: datetime | None = None) -> str:
    """The search text behind `key` for `actor`; SearchKeyNotFound or SearchKeyExpired otherwise."""
    if not key or not KEY_RE.match(key):
        raise SearchKeyNotFound()
    row = db.session.scalar(select(SearchKey).where(SearchKey.key_hash == _hash(key)))
    if row is None or row.user_id != getattr(actor, "id", None):
        raise SearchKeyNotFound()
    if row.expires_at <= (now or utcnow()):
        raise SearchKeyExpired()
    return row.query


def delete_expired_search_keys(*, now: datetime | None = None) -> int:
    """Delete every expired search (its encrypted text with it); the number of rows deleted."""
    result = db.session.execute(
        delete(SearchKey).where(SearchKey.expires_at <= (now or utcnow())),
        execution_options={"synchronize_session": False},
    )
    return int(result.rowcount or 0)
