"""Anonymous web tips, and the references shown to the visitors who send them.

`file_tip` turns the public form into a Call (channel web) through `calls.services`, the only way
the public site touches case data. The tip reference shown to the visitor is the call id passed
through a keyed permutation, so references cannot be enumerated and no extra column is needed.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from flask import current_app
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l

from hotline import crypto
from hotline.calls.services import Call, CallStatus, Channel, log_call
from hotline.phones import looks_like_phone
from hotline.reference.services import list_regions

AT_RISK_GROUPS: dict[str, Any] = {
    "minors": _l("Children or adolescents (under 18)"),
    "women": _l("Women"),
    "men": _l("Men"),
    "foreigners": _l("Foreign nationals"),
    "indigenous": _l("Indigenous people"),
    "disability": _l("People with disabilities"),
}
REGION_UNKNOWN = "unknown"
LANGUAGE_NAMES = {"es": _l("Spanish"), "en": _l("English")}


def region_choices() -> list[tuple[str, str]]:
    return [(region.ubigeo, region.name) for region in list_regions()]


def compose_tip_summary(
    *,
    what_happened: str,
    region_name: str | None,
    region_unknown: bool,
    when: str,
    at_risk: Sequence[str],
    contact: str,
    language: str,
) -> str:
    """The text operators read, in the hotline's working language; the visitor's words as typed."""
    not_given = gettext("not given")
    where = gettext("does not know") if region_unknown else (region_name or not_given)
    groups = ", ".join(str(AT_RISK_GROUPS[code]) for code in AT_RISK_GROUPS if code in at_risk)
    lines = [
        gettext("Anonymous tip sent through the public web form."),
        "",
        gettext("What happened:"),
        what_happened,
        "",
        gettext("Where: %(where)s", where=where),
        gettext("When: %(when)s", when=when if when.strip() else not_given),
        gettext("Who may be at risk: %(groups)s", groups=groups or not_given),
        gettext("Contact: %(contact)s", contact=contact if contact.strip() else not_given),
        gettext("Language of the form: %(language)s", language=LANGUAGE_NAMES.get(language, language)),
    ]
    return "\n".join(lines)


def file_tip(
    *,
    what_happened: str,
    region_ubigeo: str | None = None,
    when: str = "",
    at_risk: Sequence[str] = (),
    contact: str = "",
    language: str = "es",
) -> Call:
    """Log an anonymous web tip as a Call in the operators' queue (status ended, intake to do).

    Everything the visitor wrote goes into the encrypted summary, exactly as typed; a contact that
    looks like a phone number is also stored as the (encrypted, blind-indexed) caller number so
    operators can match later calls. There is no actor. The caller commits.
    """
    region_name = None
    region_unknown = region_ubigeo == REGION_UNKNOWN
    if region_ubigeo and not region_unknown:
        region_name = dict(region_choices()).get(region_ubigeo)
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        summary = compose_tip_summary(
            what_happened=what_happened,
            region_name=region_name,
            region_unknown=region_unknown,
            when=when or "",
            at_risk=at_risk,
            contact=contact or "",
            language=language,
        )
    contact = (contact or "").strip()
    return log_call(
        channel=Channel.WEB,
        status=CallStatus.ENDED,
        summary=summary,
        caller_number=contact if looks_like_phone(contact) else None,
    )


# Tip references: a 40-bit keyed Feistel permutation of the call id, written as 8 Crockford
# base-32 characters ("WEB-7K3M-Q9XD"). Only someone with the data key can map one to a call.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_HALF_BITS = 20
_HALF_MASK = (1 << _HALF_BITS) - 1
_ROUNDS = 4
REFERENCE_PREFIX = "WEB-"


def _round(number: int, half: int) -> int:
    digest = crypto.blind_index(f"tip-reference {number} {half}")
    assert digest is not None
    return int(digest[:8], 16) & _HALF_MASK


def _permute(value: int) -> int:
    left, right = value >> _HALF_BITS, value & _HALF_MASK
    for number in range(_ROUNDS):
        left, right = right, left ^ _round(number, right)
    return (left << _HALF_BITS) | right


def _unpermute(value: int) -> int:
    left, right = value >> _HALF_BITS, value & _HALF_MASK
    for number in reversed(range(_ROUNDS)):
        left, right = right ^ _round(number, left), left
    return (left << _HALF_BITS) | right


def _encode(value: int) -> str:
    chars = "".join(_ALPHABET[(value >> shift) & 31] for shift in range(35, -1, -5))
    return f"{REFERENCE_PREFIX}{chars[:4]}-{chars[4:]}"


def tip_reference(call_id: int) -> str:
    """The reference shown to the visitor for the call created from their tip."""
    if not 0 < call_id < (1 << (2 * _HALF_BITS)):
        raise ValueError("call id out of range for a tip reference")
    return _encode(_permute(call_id))


def call_id_from_reference(reference: str) -> int | None:
    """The call id behind a tip reference (for the operators' screens), or None if malformed.

    Accepts lower case, missing dashes and the usual Crockford confusions (O->0, I/L->1).
    """
    text = reference.strip().upper().replace("-", "").replace(" ", "")
    text = text.removeprefix("WEB")
    text = text.translate(str.maketrans("OIL", "011"))
    if len(text) != 8 or any(c not in _ALPHABET for c in text):
        return None
    value = 0
    for char in text:
        value = (value << 5) | _ALPHABET.index(char)
    call_id = _unpermute(value)
    return call_id or None


def decoy_reference() -> str:
    """A reference for a discarded (honeypot) submission: same shape, stored nowhere."""
    return _encode(secrets.randbits(2 * _HALF_BITS))
