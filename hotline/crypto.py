"""Field encryption and blind indexes for personal data.

Values are encrypted with Fernet (AES-128-CBC + HMAC) through MultiFernet, so keys can be rotated:
`HOTLINE_DATA_KEY` holds one or more comma-separated keys; the first encrypts, all decrypt.
Exact search on encrypted values goes through `blind_index`, a keyed HMAC of the normalised value.
The index key is `HOTLINE_INDEX_KEY` when set, else derived from the LAST data key: rotating by
putting a new key first leaves every stored index valid.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

_cache: dict[str, tuple[MultiFernet, bytes]] = {}


class MissingDataKey(RuntimeError):
    pass


def _keys() -> tuple[MultiFernet, bytes]:
    raw = current_app.config.get("HOTLINE_DATA_KEY")
    if not raw:
        raise MissingDataKey("HOTLINE_DATA_KEY is not set")
    explicit_index_key = current_app.config.get("HOTLINE_INDEX_KEY") or ""
    cached = _cache.get(raw + "|" + explicit_index_key)
    if cached is None:
        keys = [k.strip() for k in raw.split(",") if k.strip()]
        fernet = MultiFernet([Fernet(k) for k in keys])
        seed = explicit_index_key or keys[-1]
        index_key = hashlib.sha256(b"hotline-blind-index:" + seed.encode()).digest()
        cached = _cache[raw + "|" + explicit_index_key] = (fernet, index_key)
    return cached


def audit_key() -> bytes:
    """The key of the audit trail's seal: `HOTLINE_AUDIT_KEY`, else derived from the LAST data key
    (so rotating the data key by putting a new one first leaves the sealed chain verifiable)."""
    explicit = current_app.config.get("HOTLINE_AUDIT_KEY") or ""
    if explicit:
        return hashlib.sha256(b"hotline-audit-seal:" + explicit.encode()).digest()
    raw = current_app.config.get("HOTLINE_DATA_KEY")
    if not raw:
        raise MissingDataKey("HOTLINE_DATA_KEY is not set")
    last = [k.strip() for k in raw.split(",") if k.strip()][-1]
    return hashlib.sha256(b"hotline-audit-seal:" + last.encode()).digest()


def check_key(raw: str | None) -> None:
    """Raise at start-up if the configured key is missing or malformed."""
    if not raw:
        raise MissingDataKey("HOTLINE_DATA_KEY is not set")
    for key in raw.split(","):
        Fernet(key.strip())


def encrypt(value: str) -> str:
    return _keys()[0].encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _keys()[0].decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:  # wrong key: never fall back to showing ciphertext
        raise MissingDataKey("stored value cannot be decrypted with the configured keys") from exc


def normalise(value: str) -> str:
    """Fold case, accents and spacing so 'José  PÉREZ' and 'jose perez' index alike."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.split())


def normalise_phone(value: str) -> str:
    digits = "".join(c for c in value if c.isdigit())
    return digits[-9:] if len(digits) >= 9 else digits  # Peruvian mobiles: last 9 digits


def blind_index(value: str | None, *, phone: bool = False) -> str | None:
    if not value:
        return None
    text = normalise_phone(value) if phone else normalise(value)
    if not text:
        return None
    return hmac.new(_keys()[1], text.encode("utf-8"), hashlib.sha256).hexdigest()


def encrypt_bytes(data: bytes) -> bytes:
    """Encrypt a file's bytes with the current data key (media, attachments)."""
    return _keys()[0].encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    try:
        return _keys()[0].decrypt(token)
    except InvalidToken as exc:
        raise MissingDataKey("stored file cannot be decrypted with the configured keys") from exc
