"""Password hashing (argon2id) and the password policy.

The policy: 12 to 128 characters, not on the blocklist (common_passwords.txt, Spanish and English),
and a zxcvbn score of at least 3 with the user's e-mail and name as words to avoid. zxcvbn's own
feedback is English, so each kind of weakness it finds is mapped to a message of ours (translated).
"""

from __future__ import annotations

import contextlib
import re
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash
from zxcvbn import zxcvbn

MIN_LENGTH = 12
MAX_LENGTH = 128
MIN_SCORE = 3  # zxcvbn: 3 = "safely unguessable", about 10^8 guesses or more
ZXCVBN_MAX_LENGTH = 72  # zxcvbn's own limit (its cost grows with the length); the rest is not scored
# Words anybody would try first against this hotline's accounts.
SITE_WORDS = ("linea1818", "hotline", "trata", "password", "contrasena")

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


def _user_inputs(email: str | None, name: str | None) -> list[str]:
    words = list(SITE_WORDS)
    if email:
        local = email.split("@", 1)[0].casefold()
        words += [email.casefold(), local, *re.split(r"[._+\-]+", local)]
    if name:
        words += [name.casefold(), *name.casefold().split()]
    return [w for w in dict.fromkeys(words) if len(w) >= 3]


# What zxcvbn found, mapped to our own (translated) words; zxcvbn's texts are English only.
_WEAKNESS = {
    "user_inputs": _l("Do not use your name or your e-mail address in the password."),
    "passwords": _l("It is, or looks like, a password that many people use."),
    "words": _l("Common words or names on their own are easy to guess."),
    "spatial": _l("Keyboard patterns such as qwerty or asdf are easy to guess."),
    "repeat": _l("Repeated characters or words are easy to guess."),
    "sequence": _l("Sequences such as abcd or 123456 are easy to guess."),
    "date": _l("Dates and years are easy to guess."),
    "l33t": _l("Swapping letters for look-alike symbols (@ for a, 0 for o) does not help much."),
}


def _weaknesses(result: dict) -> list[str]:
    found: list[str] = []
    for match in result.get("sequence", []):
        pattern = match.get("pattern")
        if pattern == "dictionary":
            name = match.get("dictionary_name")
            if name == "user_inputs" and match.get("matched_word") not in SITE_WORDS:
                found.append("user_inputs")
            elif name == "passwords":
                found.append("passwords")
            else:
                found.append("words")
            if match.get("l33t"):
                found.append("l33t")
        elif pattern in ("spatial", "repeat", "sequence"):
            found.append(pattern)
        elif pattern in ("date", "regex"):
            found.append("date")
    return list(dict.fromkeys(found))


def strength_problems(password: str, *, email: str | None = None, name: str | None = None) -> list[str]:
    """zxcvbn's verdict: empty when the score is high enough, else why (our translated messages)."""
    result = zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=_user_inputs(email, name))
    personal = any(
        m.get("dictionary_name") == "user_inputs"
        and len(m.get("token", "")) >= 4
        and m.get("matched_word") not in SITE_WORDS
        for m in result.get("sequence", [])
    )
    # A password built on the user's own name or e-mail must be very strong (zxcvbn is generous
    # with "name + year": it scores "rosaquispe2026" 3).
    if result["score"] >= (4 if personal else MIN_SCORE):
        return []
    problems: list[str] = [_l("This password is too easy to guess.")]
    problems += [_WEAKNESS[key] for key in _weaknesses(result)]
    problems.append(
        _l("Add more words: a phrase of four or five uncommon words is strong and easy to remember.")
    )
    return problems


def password_problems(password: str, *, email: str | None = None, name: str | None = None) -> list:
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
    if not problems:  # too short, too long or on the list already says enough
        problems += strength_problems(password, email=email, name=name)
    unique: dict[str, object] = {}
    for problem in problems:
        unique.setdefault(str(problem), problem)
    return list(unique.values())
