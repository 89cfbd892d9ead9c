"""Phone numbers as people type them: recognising one, and showing only enough to tell two apart."""

from __future__ import annotations

import re

PHONE_RE = re.compile(r"^\+?[\d\s().\-/]{6,25}$")


def looks_like_phone(value: str) -> bool:
    """Digits with the usual separators (+, spaces, dashes, brackets, dots, slashes), at least six."""
    return bool(PHONE_RE.match(value or "")) and sum(c.isdigit() for c in value) >= 6


def mask_phone(number: str | None) -> str | None:
    """'+51987654321' -> '••• ••• 321': enough to tell two callers apart, not to call them."""
    if not number:
        return None
    digits = re.sub(r"\D", "", number)
    return "••• ••• " + digits[-3:] if len(digits) >= 6 else "•••"
