"""How many SMS segments a text costs, counted the way Twilio counts them.

A text made only of GSM-7 characters (the basic table, plus the extension table whose characters
take two septets) is sent in GSM-7: 160 septets in one segment, 153 per segment once split. Any
other character (á, í, ó, ú, emoji...) makes the whole text UCS-2: 70 UTF-16 code units in one
segment, 67 per segment once split. Automatic texts must fit in `MAX_AUTOMATIC_SEGMENTS`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MAX_AUTOMATIC_SEGMENTS = 2

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")


@dataclass(frozen=True)
class SegmentCount:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int


def is_gsm7(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text)


def count_segments(text: str) -> SegmentCount:
    if is_gsm7(text):
        units = sum(2 if c in GSM7_EXTENSION else 1 for c in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "UCS-2"
    segments = 1 if units <= single else math.ceil(units / multi)
    return SegmentCount(encoding=encoding, units=units, segments=segments if units else 0)


def fits(text: str, max_segments: int = MAX_AUTOMATIC_SEGMENTS) -> bool:
    return count_segments(text).segments <= max_segments
