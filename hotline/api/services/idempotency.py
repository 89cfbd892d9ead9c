"""Idempotent state changes: a request sent again with the same `Idempotency-Key` (per API key,
for 24 hours) gets the answer stored the first time and changes nothing twice.

Only successful answers are stored: a refused request changed nothing, so sending it again is
harmless. The same key with another request (method, path or body) is refused.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from hotline.api.models import IdempotencyRecord
from hotline.api.services.common import ApiError, IdempotencyMismatch
from hotline.database import utcnow
from hotline.extensions import db

IDEMPOTENCY_TTL = timedelta(hours=24)
KEY_PATTERN = r"^[!-~]{1,100}$"  # printable ASCII without spaces, as the OpenAPI document says
_KEY_RE = re.compile(KEY_PATTERN)


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: str


def check_key(value: str) -> str:
    if not _KEY_RE.match(value or ""):
        raise ApiError(_l("An Idempotency-Key is 1 to 100 printable characters without spaces."))
    return value


def fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode("utf-8"), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def find_stored(
    api_key_id: int, key: str, request_hash: str, *, now: datetime | None = None
) -> StoredResponse | None:
    """The stored answer to this request, None when there is none (an expired one is forgotten)."""
    now = now or utcnow()
    record = db.session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.api_key_id == api_key_id, IdempotencyRecord.key == key
        )
    )
    if record is None:
        return None
    if record.expires_at <= now:
        db.session.delete(record)
        db.session.flush()
        return None
    if record.request_hash != request_hash:
        raise IdempotencyMismatch(
            _l("This Idempotency-Key was already used for another request. Use a new key for a new request.")
        )
    return StoredResponse(record.status_code, record.response_body)


def store(
    api_key_id: int, key: str, request_hash: str, *, status_code: int, body: str, now: datetime | None = None
) -> IdempotencyRecord:
    now = now or utcnow()
    record = IdempotencyRecord(
        api_key_id=api_key_id,
        key=key,
        request_hash=request_hash,
        status_code=status_code,
        response_body=body,
        created_at=now,
        expires_at=now + IDEMPOTENCY_TTL,
    )
    db.session.add(record)
    db.session.flush()
    return record


def purge_expired(*, now: datetime | None = None) -> int:
    """Delete the answers older than 24 hours (the worker's round; the caller commits)."""
    result = db.session.execute(
        delete(IdempotencyRecord)
        .where(IdempotencyRecord.expires_at <= (now or utcnow()))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)
