"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

import contextlib
import re
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash

MIN_LENGTH = 12
MAX_LENGTH = 128

_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so both answers take the same time.
_DUMMY_HASH = _hasher.hash("dummy password for timing parity")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check a password against an argon2 hash, or a legacy Werkzeug hash (rehashed on login)."""
    if not stored_hash:
        _dummy_verify(password)
        return False
    if stored_hash.startswith("$argon2"):
        try:
            return _hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False
    if stored_hash.startswith(("pbkdf2:", "scrypt:")):
        return check_password_hash(stored_hash, password)
    return False


def _dummy_verify(password: str) -> None:
    with contextlib.suppress(VerificationError):
        _hasher.verify(_DUMMY_HASH, password)


def needs_rehash(stored_hash: str) -> bool:
    return not stored_hash.startswith("$argon2id$") or _hasher.check_needs_rehash(stored_hash)


@cache
def _common_passwords() -> frozenset[str]:
    text = resources.files("hotline.auth").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().casefold() for line in text.splitlines() if line and not line.startswith("#")
    )


def password_problems(password: str, *, email: str | None = None) -> list[str]:
    """Return the (translatable) reasons a password is refused; empty when it is acceptable."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(_l("Use at least %(n)d characters.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        problems.append(_l("Use at most %(n)d characters.", n=MAX_LENGTH))
    if "\x00" in password:
        problems.append(_l("The password contains a character that is not allowed."))
    folded = password.casefold()
    stem = re.sub(r"[\d\W_]+$", "", folded)
    common = _common_passwords()
    if folded in common or stem in common or len(set(folded)) < 4:
        problems.append(_l("This password is too common or easy to guess."))
    if email:
        local = email.split("@", 1)[0].casefold()
        if len(local) >= 4 and local in folded:
            problems.append(_l("The password must not contain your e-mail address."))
    return problems
