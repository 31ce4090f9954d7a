"""SMS segmentation (GSM 03.38 / 3GPP TS 23.040), against an independent reference."""

from __future__ import annotations

import doctest
from typing import Literal

from hypothesis import example, given
from hypothesis import strategies as st

import omnilink.channels._segments
from omnilink.channels import SegmentInfo, sms_segments

# The GSM 03.38 default alphabet, written out in code-point order 0x00..0x7F (0x1B is the escape).
GSM_TABLE = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
GSM_EXTENSION = "\f^{}\\[~]|€"  # reached through the escape: two septets each
ESC = "\x1b"


def test_reference_table_is_the_full_alphabet() -> None:
    assert len(GSM_TABLE) == 128
    assert len(set(GSM_TABLE)) == 128
    assert GSM_TABLE[0x1B] == ESC
    assert GSM_TABLE[0x40] == "¡"


def reference(text: str) -> SegmentInfo:
    """A slow reference: encode to units, then cut, moving a cut back off an escape/high surrogate."""
    encoding: Literal["GSM-7", "UCS-2"]
    if all(c in GSM_TABLE or c in GSM_EXTENSION for c in text):
        units: list[str] = []
        for c in text:
            units.extend([ESC, c] if c in GSM_EXTENSION else [c])
        encoding, single, multi = "GSM-7", 160, 153

        def unsplittable(u: str) -> bool:
            return u == ESC

    else:
        raw = text.encode("utf-16-be")
        code_units = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2)]
        units = [chr(u) if not 0xD800 <= u <= 0xDFFF else f"<{u:04x}>" for u in code_units]
        encoding, single, multi = "UCS-2", 70, 67

        def unsplittable(u: str) -> bool:
            return u.startswith("<d") and int(u[1:-1], 16) <= 0xDBFF

    n = len(units)
    if n <= single:
        return SegmentInfo(encoding, 0 if n == 0 else 1, n, single)
    segments, pos = 0, 0
    while pos < n:
        end = min(pos + multi, n)
        if end < n and unsplittable(units[end - 1]):
            end -= 1
        segments += 1
        pos = end
    return SegmentInfo(encoding, segments, n, multi)


# --- GSM-7 ----------------------------------------------------------------------------------


def test_empty_string() -> None:
    info = sms_segments("")
    assert info.segments == 0
    assert info.units == 0
    assert info.encoding == "GSM-7"


def test_gsm7_boundaries() -> None:
    assert sms_segments("a" * 160) == SegmentInfo("GSM-7", 1, 160, 160)
    assert sms_segments("a" * 161) == SegmentInfo("GSM-7", 2, 161, 153)
    assert sms_segments("a" * 306).segments == 2
    assert sms_segments("a" * 307).segments == 3
    assert sms_segments("a" * 459).segments == 3
    assert sms_segments("a" * 460).segments == 4


def test_every_basic_char_is_gsm7() -> None:
    info = sms_segments(GSM_TABLE)
    assert info.encoding == "GSM-7"
    assert info.units == 128


def test_extension_chars_count_two() -> None:
    for c in GSM_EXTENSION:
        info = sms_segments(c)
        assert (info.encoding, info.units, info.segments) == ("GSM-7", 2, 1), repr(c)
    assert sms_segments("€" * 80) == SegmentInfo("GSM-7", 1, 160, 160)
    assert sms_segments("€" * 80 + "a").segments == 2
    assert sms_segments("a" * 159 + "{").units == 161


def test_escape_pair_is_never_split() -> None:
    # 152 septets, then an escape pair that would straddle septets 153/154: it moves whole to
    # segment 2, which then holds 2 + 151 = 153; the last basic char needs a third segment.
    # Counting septets alone (306 -> 2 segments) would split the pair.
    text = "a" * 152 + "€" + "a" * 152
    assert sms_segments(text).units == 306
    assert sms_segments(text) == SegmentInfo("GSM-7", 3, 306, 153)
    # Same length with the pair not on the boundary: two segments.
    assert sms_segments("a" * 151 + "€" + "a" * 153).segments == 2


def test_non_gsm_char_switches_the_whole_body_to_ucs2() -> None:
    info = sms_segments("a" * 100 + "ç")  # ç (lower case) is not in GSM 03.38; Ç is
    assert info.encoding == "UCS-2"
    assert info.units == 101
    assert info.segments == 2
    assert sms_segments("Ç").encoding == "GSM-7"
    assert sms_segments("`").encoding == "UCS-2"  # the backtick is not in the default alphabet


# --- UCS-2 ----------------------------------------------------------------------------------


def test_ucs2_boundaries() -> None:
    assert sms_segments("ж" * 70) == SegmentInfo("UCS-2", 1, 70, 70)
    assert sms_segments("ж" * 71) == SegmentInfo("UCS-2", 2, 71, 67)
    assert sms_segments("ж" * 134).segments == 2
    assert sms_segments("ж" * 135).segments == 3


def test_surrogate_pairs_count_two() -> None:
    assert sms_segments("😀").units == 2
    assert sms_segments("😀" * 35) == SegmentInfo("UCS-2", 1, 70, 70)
    assert sms_segments("😀" * 35 + "ж").segments == 2


def test_surrogate_pair_is_never_split() -> None:
    # 66 units, then a pair that would straddle units 67/68: it moves whole to segment 2
    # (2 + 65 = 67), and the last character needs a third segment.
    text = "ж" * 66 + "😀" + "ж" * 66
    assert sms_segments(text) == SegmentInfo("UCS-2", 3, 134, 67)
    assert sms_segments("ж" * 65 + "😀" + "ж" * 67).segments == 2


# --- property against the reference ---------------------------------------------------------

_gsm_text = st.text(alphabet=st.sampled_from(GSM_TABLE + GSM_EXTENSION), max_size=500)
_mixed_text = st.text(alphabet=st.sampled_from(GSM_TABLE + GSM_EXTENSION + "çжł中`😀𝄞🇫"), max_size=300)
_any_text = st.text(max_size=300)


@given(st.one_of(_gsm_text, _mixed_text, _any_text))
@example("a" * 152 + "€" + "a" * 152)
@example("ж" * 66 + "😀" + "ж" * 66)
@example("€" * 77)
@example("😀" * 34 + "ж" * 34)
def test_matches_reference(text: str) -> None:
    assert sms_segments(text) == reference(text)


@given(st.one_of(_gsm_text, _mixed_text))
def test_segments_are_monotonic_in_appended_text(text: str) -> None:
    assert sms_segments(text + "a").segments >= sms_segments(text).segments


def test_docstring_examples_are_right() -> None:
    # The docstring said sms_segments("€" * 80) needs 2 segments; 160 septets fit one SMS.
    result = doctest.testmod(omnilink.channels._segments, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 3
    assert result.failed == 0
