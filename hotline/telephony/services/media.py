"""Media of inbound messages: recorded by the SMS webhook, fetched by the worker, shown to staff.

The webhook only records each attachment's Twilio URL (`MessageMedia`, pending). The worker job
`fetch_pending_media` downloads it with the account's credentials through an injectable HTTP
session (tests pass a fake), checks its size and its type by its magic bytes (never the declared
type or a name), and keeps it encrypted in a `FileStore`. Time-outs, HTTP errors and a missing file
are retried with back-off up to `MAX_ATTEMPTS`; a wrong type or a file too large is rejected at once.
Every outcome is recorded on the row; nothing here raises to the worker.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from hotline.audit import services as audit
from hotline.database import utcnow
from hotline.extensions import db
from hotline.telephony.models import MediaStatus, Message, MessageMedia
from hotline.telephony.services.common import TelephonyError
from hotline.telephony.storage import ALLOWED_TYPES, FileStore, StorageError, sniff
from hotline.telephony.webhooks import Location, MessageParams

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))
DOWNLOAD_TIMEOUT = 15.0
TWILIO_MEDIA_PREFIX = "https://api.twilio.com/"
MEDIA_SESSION_KEY = "telephony_media_session"  # app.extensions: a `requests`-like session (tests)


class MediaUnavailable(TelephonyError):
    pass


def record_media(message: Message, params: MessageParams) -> list[MessageMedia]:
    """The attachments of a new message, to be fetched by the worker; and its location, encrypted."""
    rows = [
        MessageMedia(
            message_id=message.id,
            position=n,
            twilio_url=item.url,
            declared_type=item.content_type,
            status=MediaStatus.PENDING.value,
            next_attempt_at=message.received_at,
        )
        for n, item in enumerate(params.media)
    ]
    db.session.add_all(rows)
    if params.location is not None:
        message.location = json.dumps(_location_dict(params.location), ensure_ascii=False)
    db.session.flush()
    return rows


def _location_dict(location: Location) -> dict[str, Any]:
    return {
        "latitude": location.latitude,
        "longitude": location.longitude,
        "address": location.address,
        "label": location.label,
    }


def location_of(message: Message) -> dict[str, Any] | None:
    if not message.location:
        return None
    try:
        value = json.loads(message.location)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


@dataclass(frozen=True)
class Credentials:
    account_sid: str
    auth_token: str


@dataclass
class FetchReport:
    stored: int = 0
    retried: int = 0
    rejected: int = 0
    failed: int = 0

    def line(self) -> str | None:
        if not (self.stored or self.retried or self.rejected or self.failed):
            return None
        return (
            f"media: stored {self.stored}, retry {self.retried}, rejected {self.rejected}, "
            f"failed {self.failed}"
        )


class _Refused(Exception):
    def __init__(self, reason: str, *, retry: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry


def _download(session: Any, url: str, credentials: Credentials, max_bytes: int) -> bytes:
    if not url.startswith(TWILIO_MEDIA_PREFIX):
        raise _Refused("not a Twilio URL", retry=False)  # never send our credentials elsewhere
    try:
        response = session.get(
            url,
            auth=(credentials.account_sid, credentials.auth_token),
            timeout=DOWNLOAD_TIMEOUT,
            stream=True,
        )
    except Exception as exc:  # noqa: BLE001  (time-out, connection, TLS: try again later)
        raise _Refused(type(exc).__name__, retry=True) from None
    try:
        if response.status_code != 200:
            raise _Refused(f"HTTP {response.status_code}", retry=True)
        declared = response.headers.get("Content-Length") if hasattr(response, "headers") else None
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise _Refused("too large", retry=False)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(chunk_size=64 * 1024):
            size += len(chunk)
            if size > max_bytes:
                raise _Refused("too large", retry=False)
            chunks.append(chunk)
        return b"".join(chunks)
    except _Refused:
        raise
    except Exception as exc:  # noqa: BLE001  (the stream broke: try again later)
        raise _Refused(type(exc).__name__, retry=True) from None
    finally:
        close = getattr(response, "close", None)
        if close is not None:
            close()


def _claim_batch(now: datetime, batch: int) -> list[MessageMedia]:
    query = (
        select(MessageMedia)
        .where(MessageMedia.status == MediaStatus.PENDING.value, MessageMedia.next_attempt_at <= now)
        .order_by(MessageMedia.next_attempt_at, MessageMedia.id)
        .limit(batch)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(db.session.scalars(query))


def fetch_pending_media(
    *,
    session: Any,
    credentials: Credentials | None,
    store: FileStore,
    max_bytes: int,
    now: datetime | None = None,
    batch: int = 20,
) -> FetchReport:
    """Fetch what is due; each attachment is committed on its own. Never raises for one file."""
    report = FetchReport()
    if credentials is None:
        return report
    now = now or utcnow()
    for media in _claim_batch(now, batch):
        try:
            outcome = _fetch_one(media, session, credentials, store, max_bytes, now)
            db.session.commit()
        except Exception as exc:  # noqa: BLE001  (database trouble on one row: the next round retries)
            db.session.rollback()
            log.error("media fetch failed media_id=%s error=%s", media.id, type(exc).__name__)
            outcome = "retried"
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def _fetch_one(
    media: MessageMedia,
    session: Any,
    credentials: Credentials,
    store: FileStore,
    max_bytes: int,
    now: datetime,
) -> str:
    media.attempts += 1
    try:
        data = _download(session, media.twilio_url, credentials, max_bytes)
        content_type = sniff(data)
        if content_type is None or content_type not in ALLOWED_TYPES:
            raise _Refused("type not accepted", retry=False)
        key = store.put(data)
    except StorageError as exc:
        return _retry_or_fail(media, f"storage: {exc}", now)
    except _Refused as refused:
        if refused.retry:
            return _retry_or_fail(media, refused.reason, now)
        media.status = MediaStatus.REJECTED.value
        media.error = refused.reason[:80]
        log.warning("media rejected media_id=%s reason=%s", media.id, refused.reason)
        _audit(media, f"attachment rejected: {refused.reason}")
        return "rejected"
    media.status = MediaStatus.STORED.value
    media.storage_key = key
    media.content_type = content_type
    media.size_bytes = len(data)
    media.stored_at = now
    media.error = None
    _audit(media, f"attachment stored ({content_type}, {len(data)} bytes)")
    return "stored"


def _retry_or_fail(media: MessageMedia, reason: str, now: datetime) -> str:
    media.error = reason[:80]
    if media.attempts >= MAX_ATTEMPTS:
        media.status = MediaStatus.FAILED.value
        log.warning("media failed media_id=%s attempts=%s reason=%s", media.id, media.attempts, reason)
        _audit(media, f"attachment could not be fetched: {reason}")
        return "failed"
    media.next_attempt_at = now + BACKOFF[min(media.attempts - 1, len(BACKOFF) - 1)]
    log.info("media retry media_id=%s attempts=%s reason=%s", media.id, media.attempts, reason)
    return "retried"


def _audit(media: MessageMedia, summary: str) -> None:
    message = db.session.get(Message, media.message_id)
    audit.record(
        "call.media",
        object_type="call",
        object_id=message.call_id if message else None,
        summary=f"media {media.id}: {summary}",
    )


def read_media(media: MessageMedia, *, actor: Any, store: FileStore) -> tuple[bytes, str]:
    """An attachment's bytes and type for a member of staff (audited)."""
    if media.status != MediaStatus.STORED.value or not media.storage_key or not media.content_type:
        raise MediaUnavailable("not stored")
    message = db.session.get(Message, media.message_id)
    audit.record(
        "call.media_view",
        actor=actor,
        object_type="call",
        object_id=message.call_id if message else None,
        summary=f"attachment {media.id} opened",
    )
    try:
        return store.get(media.storage_key), media.content_type
    except StorageError:
        log.warning("stored media unreadable media_id=%s", media.id)
        raise MediaUnavailable("unreadable") from None


def media_for(message_ids: list[int]) -> dict[int, list[MessageMedia]]:
    """The attachments of these messages, by message: one query."""
    grouped: dict[int, list[MessageMedia]] = {}
    if not message_ids:
        return grouped
    for row in db.session.scalars(
        select(MessageMedia)
        .where(MessageMedia.message_id.in_(message_ids))
        .order_by(MessageMedia.message_id, MessageMedia.position)
    ):
        grouped.setdefault(row.message_id, []).append(row)
    return grouped


def media_store(config: Any) -> FileStore:
    return FileStore(str(config.get("MEDIA_STORAGE_PATH") or "instance/media"))


def media_job(app: Any) -> str | None:
    """The worker's job: fetch the attachments that are due (`hotline/worker.py`)."""
    import requests

    account_sid, token = app.config.get("TWILIO_ACCOUNT_SID"), app.config.get("TWILIO_AUTH_TOKEN")
    session = app.extensions.get(MEDIA_SESSION_KEY) or requests.Session()
    report = fetch_pending_media(
        session=session,
        credentials=Credentials(account_sid, token) if account_sid and token else None,
        store=media_store(app.config),
        max_bytes=int(app.config.get("MEDIA_MAX_BYTES") or 16 * 1024 * 1024),
    )
    return report.line()
