"""The phone fast path (a cache keyed by region, "+" and digits) gives exactly the slow path's result."""

from __future__ import annotations

from collections.abc import Callable

import phonenumbers
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omnilink.exceptions import InvalidIdentifierError
from omnilink.identifiers import _phone, _phone_cache, _slow_phone

FAST = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
REGIONS = ["US", "GB", "DE", "FR", "AU", "IT", "BR", "IN", "JP", "AR", "MX", "NL", None]
SEPARATORS = ["", " ", "-", ".", "(", ")", "  ", " - ", ") ", "/", " / "]


def _outcome(
    fn: Callable[[object, str | None], tuple[str, str | None]], text: str, region: str | None
) -> tuple[str, object]:
    try:
        return ("ok", fn(text, region))
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
    # on purpose: a list is not a region; both paths must treat it alike
    assert _outcome(_phone, "415 555 2671", ["US"]) == _outcome(_slow_phone, "415 555 2671", ["US"])  # type: ignore[arg-type]


def _reference(region: str, plus: bool, digits: str) -> str | None:
    """What phonenumbers itself makes of the digits: the E.164 form of a valid number, else None."""
    try:
        number = phonenumbers.parse("+" + digits if plus else digits, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _every_region_keys() -> list[tuple[str, bool, str]]:
    """Every type's example number of every region, in national and international digits,
    with and without a national prefix, and with a digit dropped, added or changed."""
    keys: list[tuple[str, bool, str]] = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for t in phonenumbers.PhoneNumberType.values():
            ex = phonenumbers.example_number_for_type(region, t)
            if ex is None:
                continue
            nsn = phonenumbers.national_significant_number(ex)
            shown = phonenumbers.format_number(ex, phonenumbers.PhoneNumberFormat.NATIONAL)
            national = "".join(ch for ch in shown if ch.isdigit())
            cc = str(ex.country_code)
            for digits in {nsn, national, "0" + nsn, nsn[:-1], nsn + "7", nsn[:-1] + "9", "1" + nsn}:
                if digits:
                    keys.append((region, False, digits))
                    keys.append((region, True, cc + digits))
                    # dialled from other regions, with their international prefix
                    for home, idd in (("DE", "00"), ("US", "011"), ("JP", "010"), ("AU", "0011")):
                        keys.append((home, False, idd + cc + digits))
    return keys


def test_quick_reading_equals_phonenumbers_in_every_region() -> None:
    from omnilink.identifiers import _quick_e164

    keys = _every_region_keys()
    served = 0
    for key in keys:
        quick = _quick_e164(*key)
        if quick is not None:
            served += 1
            assert quick == _reference(*key), key
    assert served > len(keys) // 4  # the quick reading serves a real share, not a corner


def test_quick_reading_serves_common_renderings() -> None:
    from omnilink.identifiers import _quick_e164

    assert _quick_e164("US", False, "4155552671") == "+14155552671"
    assert _quick_e164("US", True, "14155552671") == "+14155552671"
    assert _quick_e164("GB", False, "07476287095") == "+447476287095"
    assert _quick_e164("DE", False, "015243769252") == "+4915243769252"
    assert _quick_e164("FR", True, "33612345678") == "+33612345678"
    # the region's international prefix, then a country code: read as a "+" number
    assert _quick_e164("GB", False, "00447476287095") == "+447476287095"
    assert _quick_e164("DE", False, "004916268963015") == "+4916268963015"
    assert _quick_e164("US", False, "01133612345678") == "+33612345678"
    # left to phonenumbers: a leading country code, a prefix then 0, Italian zeros
    assert _quick_e164("US", False, "14155552671") is None
    assert _quick_e164("GB", False, "000447476287095") is None
    assert _quick_e164("IT", False, "0212345678") is None


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(sorted(phonenumbers.SUPPORTED_REGIONS)),
    st.booleans(),
    st.text(alphabet="0123456789", min_size=1, max_size=17),
)
def test_quick_reading_equals_phonenumbers_on_random_digits(region: str, plus: bool, digits: str) -> None:
    from omnilink.identifiers import _quick_e164

    quick = _quick_e164(region, plus, digits)
    if quick is not None:
        assert quick == _reference(region, plus, digits)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(sorted(phonenumbers.SUPPORTED_REGIONS)),
    st.sampled_from(["00", "011", "0011", "010", "001", "810", "000", "0"]),
    st.sampled_from(["1", "44", "49", "33", "34", "39", "61", "81", "7", "0", "86", "380"]),
    st.text(alphabet="0123456789", min_size=0, max_size=13),
)
def test_quick_reading_of_an_international_prefix_equals_phonenumbers(
    region: str, prefix: str, code: str, digits: str
) -> None:
    """A number dialled with an international prefix (0049... in Germany, 011... in the US)."""
    from omnilink.identifiers import _quick_e164

    key = (region, False, prefix + code + digits)
    quick = _quick_e164(*key)
    if quick is not None:
        assert quick == _reference(*key)
