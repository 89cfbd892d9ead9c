"""Small numbers in reports that leave the hotline (working group, public statistics).

Any count below 3 — zero included — is written "<3", never exactly (the NHTH rule the reference
notes cite). A share is shown only when its numerator and its denominator are both at least 3,
and a median or percentile only when it rests on at least 3 values; otherwise "—".
These helpers format one number at a time. What is published (the dashboard's version for
publication, the working-group report) goes through `publication`, which adds complementary
suppression ("x") across every linked table of the month, so that no hidden cell can be worked out
from the totals, margins or other tables (README.md, "Published figures").
"""

from __future__ import annotations

SMALL = 3
SUPPRESSED = "<3"
NOT_SHOWN = "—"


def number(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def count(value: int, *, publish: bool) -> str:
    if publish and value < SMALL:
        return SUPPRESSED
    return number(value)


def is_suppressed(value: int, *, publish: bool) -> bool:
    return publish and value < SMALL


def drawn(value: int, *, publish: bool) -> int:
    """What a chart draws for a count: nothing where the number may not be shown."""
    return 0 if is_suppressed(value, publish=publish) else value


def share(numerator: int, denominator: int, *, publish: bool) -> str:
    if denominator <= 0:
        return NOT_SHOWN
    if publish and (numerator < SMALL or denominator < SMALL):
        return NOT_SHOWN
    return f"{round(100 * numerator / denominator)} %"


def percent(numerator: int, denominator: int, *, publish: bool) -> float | None:
    """The share as a number (for charts), None when it may not be shown."""
    if denominator <= 0 or (publish and (numerator < SMALL or denominator < SMALL)):
        return None
    return 100 * numerator / denominator


def hours(seconds: float | None, basis: int, *, publish: bool) -> str:
    if seconds is None or basis <= 0 or (publish and basis < SMALL):
        return NOT_SHOWN
    value = seconds / 3600
    return f"{value:.1f} h" if value < 100 else f"{value:.0f} h"
