"""Encrypted files on local disk: media of inbound messages today, case attachments later.

`FileStore(root)` keeps each file encrypted with the data key (`hotline.crypto`) under a random
key (`ab/abcdef...`), never under a name that says anything about it. `sniff(data)` tells the type
from the bytes themselves (magic numbers), never from a name or a declared type. Nothing here
imports Flask or the database, so any domain can reuse it.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from pathlib import Path

from hotline import crypto

KEY_RE = re.compile(r"^[0-9a-f]{40}$")

# Types a person may send us as evidence (images, voice notes, documents), by their magic bytes.
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
AUDIO_TYPES = frozenset({"audio/ogg", "audio/mpeg", "audio/amr", "audio/mp4"})
ALLOWED_TYPES = INLINE_TYPES | AUDIO_TYPES | frozenset({"video/mp4", "video/3gpp", "application/pdf"})


class StorageError(Exception):
    """A file could not be stored or read (no personal data in the message)."""


def sniff(data: bytes) -> str | None:
    """The content type the bytes themselves show, or None when they are not an accepted type."""
    head = data[:32]
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"#!AMR"):
        return "audio/amr"
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "audio/mpeg"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand.startswith(b"3gp"):
            return "video/3gpp"
        if brand in (b"M4A ", b"M4B "):
            return "audio/mp4"
        return "video/mp4"
    return None


class FileStore:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not KEY_RE.fullmatch(key):
            raise StorageError("malformed storage key")
        return self.root / key[:2] / key

    def put(self, data: bytes) -> str:
        """Encrypt and write `data`; returns its key. Written atomically, readable by us alone."""
        key = secrets.token_hex(20)
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(crypto.encrypt_bytes(data))
                os.chmod(tmp, 0o600)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise StorageError(type(exc).__name__) from None
        return key

    def get(self, key: str) -> bytes:
        try:
            token = self._path(key).read_bytes()
        except OSError as exc:
            raise StorageError(type(exc).__name__) from None
        return crypto.decrypt_bytes(token)

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)
