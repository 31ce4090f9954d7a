"""SMS segmentation: how many SMS a body costs, per GSM 03.38 and 3GPP TS 23.040.

A single SMS carries 140 octets: 160 GSM-7 septets or 70 UCS-2 code units. Concatenated
messages spend 6 octets on the user-data header, leaving 153 septets or 67 code units per part.
GSM-7 extension characters (``{ } [ ] ~ \\ | ^ €`` and form feed) take two septets (escape + char)
and are never split from their escape. In UCS-2, characters outside the BMP (most emoji) take two
code units (a surrogate pair), which are never split across segments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["SegmentInfo", "sms_segments"]

_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

_SINGLE = {"GSM-7": 160, "UCS-2": 70}
_MULTI = {"GSM-7": 153, "UCS-2": 67}


@dataclass(frozen=True, slots=True)
class SegmentInfo:
    """How a body travels as SMS."""

    encoding: Literal["GSM-7", "UCS-2"]
    segments: int
    units: int
    """Septets (GSM-7) or UTF-16 code units (UCS-2) the body needs."""
    per_segment: int
    """Capacity of each segment for this body (160/153 or 70/67)."""


def _unit_sizes(text: str) -> tuple[Literal["GSM-7", "UCS-2"], list[int]]:
    if all(c in _GSM7_BASIC or c in _GSM7_EXTENSION for c in text):
        return "GSM-7", [2 if c in _GSM7_EXTENSION else 1 for c in text]
    return "UCS-2", [2 if ord(c) > 0xFFFF else 1 for c in text]


def sms_segments(text: str) -> SegmentInfo:
    """Count the SMS segments ``text`` needs and the encoding it will travel in.

    >>> sms_segments("hello").segments
    1
    >>> sms_segments("€" * 80).segments  # each euro sign is two septets: 160 fill one SMS
    1
    >>> sms_segments("€" * 81).segments  # 162 septets: two segments of up to 153
    2
    """
    encoding, sizes = _unit_sizes(text)
    units = sum(sizes)
    if units <= _SINGLE[encoding]:
        return SegmentInfo(encoding, 1 if text else 0, units, _SINGLE[encoding])
    capacity = _MULTI[encoding]
    # Greedy packing: a character whose units do not fit starts the next segment, so an
    # escape sequence or a surrogate pair is never split.
    segments, used = 1, 0
    for size in sizes:
        if used + size > capacity:
            segments += 1
            used = 0
        used += size
    return SegmentInfo(encoding, segments, units, capacity)
