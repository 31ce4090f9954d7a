"""The phone fast path (a cache keyed by region, "+" and digits) gives exactly the slow path's result."""

from __future__ import annotations

import phonenumbers
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omnilink.exceptions import InvalidIdentifierError
from omnilink.identifiers import _phone, _phone_cache, _slow_phone

FAST = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
REGIONS = ["US", "GB", "DE", "FR", "AU", "IT", "BR", "IN", "JP", "AR", "MX", "NL", None]
SEPARATORS = ["", " ", "-", ".", "(", ")", "  ", " - ", ") "]


def _outcome(fn: object, text: str, region: str | None) -> tuple[str, object]:
    try:
        return ("ok", fn(text, region))  # type: ignore[operator]
    except InvalidIdentifierError as exc:
        return ("error", (exc.reason, str(exc)))


def _example_digits(region: str | None) -> st.SearchStrategy[str]:
    """National significant numbers of real number types (valid), and random digit strings."""
    examples = []
    for r in [region] if region else ["US", "GB", "DE"]:
        for t in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
            ex = phonenumbers.example_number_for_type(r, t)
            if ex is not None:
                examples.append(phonenumbers.national_significant_number(ex))
    random_digits = st.text(alphabet="0123456789", min_size=1, max_size=16)
    return st.one_of(st.sampled_from(examples), random_digits) if examples else random_digits


@st.composite
def _renderings(draw: st.DrawFn) -> tuple[str | None, list[str]]:
    region = draw(st.sampled_from(REGIONS))
    digits = draw(_example_digits(region))
    prefix = draw(st.sampled_from(["", "+", "0", "00", "+1", "+44", "+49", "011", "(", "+0"]))
    if prefix == "+" and region is not None:
        code = phonenumbers.country_code_for_region(region)
        prefix = f"+{code}"
    texts = []
    for _ in range(draw(st.integers(2, 4))):
        out = prefix
        for ch in digits:
            out += draw(st.sampled_from(SEPARATORS)) + ch
        out += draw(st.sampled_from(["", ")", " ", "-"]))
        texts.append(draw(st.sampled_from(["", " ", "\t"])) + out)
    return region, texts


@FAST
@given(_renderings())
def test_fast_path_equals_slow_path_across_renderings(case: tuple[str | None, list[str]]) -> None:
    region, texts = case
    _phone_cache.clear()
    for text in texts:  # the first rendering fills the cache, the others are served from it
        assert _outcome(_phone, text, region) == _outcome(_slow_phone, text, region), text


@FAST
@given(
    st.text(alphabet="0123456789 ()-.+x#/,;tel:ext\uff0b\u0660\u0661", max_size=24),
    st.sampled_from(REGIONS),
)
def test_fast_path_equals_slow_path_on_arbitrary_text(text: str, region: str | None) -> None:
    _phone_cache.clear()
    first = _outcome(_phone, text, region)
    assert first == _outcome(_slow_phone, text, region)
    assert _outcome(_phone, text, region) == first  # served from the cache the second time


def test_fast_path_cache_is_keyed_by_region_plus_and_digits() -> None:
    _phone_cache.clear()
    a = _phone("(415) 555-2671", "US")
    b = _phone("415.555.2671", "US")
    assert a == b == ("+14155552671", None)
    assert list(_phone_cache) == [("US", False, "4155552671")]
    # the same digits in another region are another number
    assert _phone("020 7946 0958", "GB") == ("+442079460958", None)
    assert _outcome(_phone, "0 20 7946 0958", "US") == _outcome(_slow_phone, "0 20 7946 0958", "US")
    assert _phone("(207) 946-0958", "US") == ("+12079460958", None)


def test_odd_regions_take_the_slow_path() -> None:
    assert _outcome(_phone, "415 555 2671", "us") == _outcome(_slow_phone, "415 555 2671", "us")
    assert _outcome(_phone, "415 555 2671", ["US"]) == _outcome(_slow_phone, "415 555 2671", ["US"])  # type: ignore[arg-type]
