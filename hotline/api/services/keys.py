"""API keys: issued by an admin for one partner organisation, with scopes and an expiry.

A token reads `hlk_<prefix>_<secret>`: the prefix (random, 12 hex digits) finds the row, the
secret (32 random bytes) proves it. Only the SHA-256 of the whole token is stored, so the token is
shown once, when it is issued or rotated, and never again.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from hotline.access import Role
from hotline.api.models import ApiKey, Scope
from hotline.api.services.common import ApiError
from hotline.audit import services as audit
from hotline.database import utcnow
from hotline.extensions import db
from hotline.partners.models import Partner

TOKEN_PREFIX = "hlk"  # noqa: S105  (the marker that starts every key, not a secret)
DEFAULT_EXPIRY_DAYS = 90
MAX_EXPIRY_DAYS = 730
TOUCH_EVERY = timedelta(minutes=5)  # last_used_at is written at most this often


@dataclass(frozen=True)
class ApiActor:
    """Who acts through the API: the key's partner organisation, with the portal's partner role.

    Services see a partner user of that organisation (role, partner_id, partner); `id` is None
    because no person signed in: the audit rows name the key instead (`api.request`)."""

    key_id: int
    partner_id: int
    partner: Any
    scopes: frozenset[str] = field(default_factory=frozenset)
    id: None = None
    role: Role = Role.PARTNER
    locale: str = "es"

    def has(self, scope: Scope | str) -> bool:
        return str(scope) in self.scopes


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _new_token() -> tuple[str, str]:
    prefix = secrets.token_hex(6)
    return prefix, f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"


def _check_scopes(scopes: Iterable[str]) -> list[str]:
    wanted = sorted(set(scopes))
    known = {s.value for s in Scope}
    if not wanted or set(wanted) - known:
        raise ApiError(_l("Choose one or more scopes among: %(scopes)s.", scopes=", ".join(sorted(known))))
    return wanted


def issue_key(
    partner: Partner,
    *,
    scopes: Iterable[str],
    actor: Any,
    expires_days: int = DEFAULT_EXPIRY_DAYS,
    name: str = "",
    needs_approval: bool = False,
    now: datetime | None = None,
) -> tuple[ApiKey, str]:
    """A new key for `partner`; returns it and its token (shown once, never stored). With
    `needs_approval` (the admin pages) it works only once another admin approves it."""
    if not partner.is_active:
        raise ApiError(_l("This organisation is deactivated in the partner directory."))
    if not 1 <= expires_days <= MAX_EXPIRY_DAYS:
        raise ApiError(_l("A key expires after 1 to %(max)d days.", max=MAX_EXPIRY_DAYS))
    now = now or utcnow()
    prefix, token = _new_token()
    key = ApiKey(
        partner_id=partner.id,
        partner=partner,
        name=(name or "").strip()[:100],
        prefix=prefix,
        token_hash=hash_token(token),
        scopes=_check_scopes(scopes),
        created_at=now,
        created_by_id=getattr(actor, "id", None),
        expires_at=now + timedelta(days=expires_days),
        approved_at=None if needs_approval else now,
        approved_by_id=None,
    )
    db.session.add(key)
    db.session.flush()
    audit.record(
        "api_key.issue",
        actor=actor,
        object_type="api_key",
        object_id=key.id,
        summary=f"key {key.prefix} for partner {partner.code} scopes {key.scopes} "
        f"expires {key.expires_at.date().isoformat()}"
        + ("; waits for a second admin" if needs_approval else ""),
    )
    return key, token


def approve_key(key: ApiKey, *, actor: Any, now: datetime | None = None) -> ApiKey:
    """The second admin's approval: the key works from now on. Its requester cannot approve it."""
    if key.approved_at is not None:
        raise ApiError(_l("This key is already approved."))
    if key.revoked_at is not None:
        raise ApiError(_l("This key is revoked."))
    if getattr(actor, "id", None) is None or actor.id == key.created_by_id:
        raise ApiError(_l("Another administrator must approve the key you asked for."))
    key.approved_at = now or utcnow()
    key.approved_by_id = actor.id
    audit.record(
        "api_key.approve", actor=actor, object_type="api_key", object_id=key.id, summary=f"key {key.prefix}"
    )
    db.session.flush()
    return key


def revoke_key(key: ApiKey, *, actor: Any, now: datetime | None = None) -> ApiKey:
    """The key stops working on its next request."""
    if key.revoked_at is not None:
        raise ApiError(_l("This key is already revoked."))
    key.revoked_at = now or utcnow()
    key.revoked_by_id = getattr(actor, "id", None)
    audit.record(
        "api_key.revoke", actor=actor, object_type="api_key", object_id=key.id, summary=f"key {key.prefix}"
    )
    db.session.flush()
    return key


def rotate_key(key: ApiKey, *, actor: Any, now: datetime | None = None) -> tuple[ApiKey, str]:
    """A new key with the same organisation, scopes and lifetime; the old one is revoked at once.
    It grants nothing more than the approved key it replaces, so it needs no second approval."""
    if key.revoked_at is not None:
        raise ApiError(_l("This key is revoked: issue a new one instead."))
    if key.approved_at is None:
        raise ApiError(_l("This key is not approved yet."))
    now = now or utcnow()
    days = max(1, min(MAX_EXPIRY_DAYS, (key.expires_at - key.created_at).days))
    new, token = issue_key(
        key.partner, scopes=key.scopes, actor=actor, expires_days=days, name=key.name, now=now
    )
    key.replaced_by_id = new.id
    revoke_key(key, actor=actor, now=now)
    audit.record(
        "api_key.rotate",
        actor=actor,
        object_type="api_key",
        object_id=key.id,
        summary=f"key {key.prefix} replaced by key {new.id} ({new.prefix})",
    )
    return new, token


def list_keys(partner_id: int | None = None) -> list[ApiKey]:
    query = select(ApiKey).options(joinedload(ApiKey.partner)).order_by(ApiKey.id.desc())
    if partner_id is not None:
        query = query.where(ApiKey.partner_id == partner_id)
    return list(db.session.scalars(query))


def get_key(key_id: Any) -> ApiKey | None:
    try:
        number = int(key_id)
    except (TypeError, ValueError):
        return None
    if not 0 < number < 2**31:
        return None
    return db.session.get(ApiKey, number)


def find_key_by_prefix(prefix: str) -> ApiKey | None:
    return db.session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))


def is_usable(key: ApiKey, now: datetime | None = None) -> bool:
    return key.approved_at is not None and key.revoked_at is None and key.expires_at > (now or utcnow())


def key_state(key: ApiKey, now: datetime | None = None) -> str:
    """ "revoked", "pending" (approval), "expired" or "active"."""
    if key.revoked_at is not None:
        return "revoked"
    if key.approved_at is None:
        return "pending"
    return "active" if key.expires_at > (now or utcnow()) else "expired"


def authenticate(token: str | None, *, now: datetime | None = None) -> ApiKey | None:
    """The key this token proves, if it is neither revoked nor expired; else None."""
    parts = (token or "").split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or len(parts[1]) != 12 or len(token or "") > 200:
        return None
    key = find_key_by_prefix(parts[1])
    if key is None or not hmac.compare_digest(key.token_hash, hash_token(token or "")):
        return None
    now = now or utcnow()
    if not is_usable(key, now):
        return None
    if key.last_used_at is None or now - key.last_used_at >= TOUCH_EVERY:
        key.last_used_at = now
    return key


def actor_for(key: ApiKey) -> ApiActor:
    return ApiActor(
        key_id=key.id, partner_id=key.partner_id, partner=key.partner, scopes=frozenset(key.scopes)
    )
