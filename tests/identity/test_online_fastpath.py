"""The online fast paths give exactly what the slow paths give.

* phones: a number whose text is digits and separators is parsed from its digits and checked
  with a precompiled copy of ``phonenumbers.is_valid_number``; anything it does not accept
  goes the slow way, so invalid numbers are still refused with the same reason and message.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import phonenumbers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omnilink import identifiers
from omnilink.exceptions import InvalidIdentifierError
from omnilink.identifiers import _fast_phone, _fast_phone_key, _is_valid_number, _slow_phone, parse_phone

MANY = settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_TYPES = list(range(12))  # every PhoneNumberType value
_EXAMPLES = [
    n
    for region in sorted(phonenumbers.SUPPORTED_REGIONS)
    for t in _TYPES
    if (n := phonenumbers.example_number_for_type(region, t)) is not None
] + [
    n
    for cc in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS)
    if (n := phonenumbers.example_number_for_non_geo_entity(cc)) is not None
]
_REGIONS = ["US", "GB", "DE", "FR", "ES", "IT", "CA", "IN", "BR", "AR", "MX", "AU", "JP", "RU", "CN", "SE"]


def test_validity_matches_phonenumbers_on_every_example_number() -> None:
    for n in _EXAMPLES:
        assert _is_valid_number(n) == phonenumbers.is_valid_number(n), n


@st.composite
def _mutated(draw: st.DrawFn) -> phonenumbers.PhoneNumber:
    """An example number with digits changed, added or removed: valid and invalid ones."""
    base = draw(st.sampled_from(_EXAMPLES))
    digits = list(phonenumbers.national_significant_number(base))
    for _ in range(draw(st.integers(0, 3))):
        op = draw(st.integers(0, 2))
        if op == 0 and digits:
            digits[draw(st.integers(0, len(digits) - 1))] = draw(st.sampled_from("0123456789"))
        elif op == 1:
            digits.insert(draw(st.integers(0, len(digits))), draw(st.sampled_from("0123456789")))
        elif len(digits) > 1:
            del digits[draw(st.integers(0, len(digits) - 1))]
    try:
        return phonenumbers.parse(f"+{base.country_code}{''.join(digits)}", None)
    except phonenumbers.NumberParseException:
        return base


@MANY
@given(_mutated())
def test_validity_matches_phonenumbers(number: phonenumbers.PhoneNumber) -> None:
    assert _is_valid_number(number) == phonenumbers.is_valid_number(number)


def _slow(text: str, region: str | None) -> tuple[str, str | None] | tuple[str, str]:
    """The reference: the result, or ("error", reason + message)."""
    try:
        return _slow_phone(text, region)
    except InvalidIdentifierError as exc:
        return ("error", f"{exc.reason}: {exc}")


def _public(text: str, region: str | None) -> tuple[str, str | None] | tuple[str, str]:
    try:
        return parse_phone(text, region=region)
    except InvalidIdentifierError as exc:
        return ("error", f"{exc.reason}: {exc}")


_SEPARATORS = st.sampled_from(["", "", " ", "-", ".", "(", ")", " - "])


@st.composite
def _phone_texts(draw: st.DrawFn) -> tuple[str, str | None]:
    """Phone text as people type it: example numbers in any format or re-punctuated, mutated
    digits, random digit runs, with or without "+", national prefixes, IDD prefixes."""
    region: str | None = draw(st.sampled_from([None, *_REGIONS]))
    kind = draw(st.integers(0, 3))
    if kind == 0:
        n = draw(st.sampled_from(_EXAMPLES))
        fmt = draw(
            st.sampled_from(
                [
                    phonenumbers.PhoneNumberFormat.E164,
                    phonenumbers.PhoneNumberFormat.INTERNATIONAL,
                    phonenumbers.PhoneNumberFormat.NATIONAL,
                ]
            )
        )
        text = phonenumbers.format_number(n, fmt)
    elif kind == 1:
        n = draw(_mutated())
        text = "+" + str(n.country_code) + phonenumbers.national_significant_number(n)
    else:
        prefixes = ["", "+", "+1", "+44", "0", "00", "011", "1", "+49", "+33", "0044", "8"]
        prefix = draw(st.sampled_from(prefixes))
        text = prefix + draw(st.text(alphabet="0123456789", min_size=0, max_size=16))
    if not text:
        text = "0"
    # Re-punctuate: separators between random digits (the "+" stays first).
    head, body = (text[0], text[1:]) if text[0] == "+" else ("", text)
    out = [head]
    for ch in body:
        out.append(ch)
        if ch.isdigit() and draw(st.integers(0, 4)) == 0:
            out.append(draw(_SEPARATORS))
    return "".join(out), region


@MANY
@given(_phone_texts())
def test_fast_phone_is_the_slow_phone(case: tuple[str, str | None]) -> None:
    text, region = case
    key = _fast_phone_key(text.strip(), region) if text.strip() else None
    if key is None:
        return
    fast = _fast_phone(key)
    if fast is not None:  # a fast answer is always the slow one
        assert fast == _slow(text, region)


@MANY
@given(_phone_texts())
def test_parse_phone_gives_the_slow_result_or_error(case: tuple[str, str | None]) -> None:
    text, region = case
    assert _public(text, region) == _slow(text, region)


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("+1 202 555 0100", None),  # a fictional (invalid) US range
        ("+1 800 555 0199", "US"),
        ("+999 1234 5678", None),  # no such country code
        ("+44", None),
        ("12", "US"),
        ("0044 20 7946 0958", "DE"),
        ("447911123456", "US"),  # a + number without its +
        ("011 44 20 7946 0958", "US"),
        ("(0) 20 7946 0958", "GB"),
        ("+39 06 698 80000", None),  # Italian leading zero
        ("+39 335 123 4567", None),
        ("+7 912 345 67 89", None),  # +7: RU and KZ
        ("+1 (416) 555-0199", None),  # +1: Canada, after the US
        ("+800 1234 5678", None),  # a non-geographic number
        ("1234567890123456789", "US"),  # too long
        ("5", "US"),
    ],
)
def test_edge_phones(text: str, region: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(identifiers, "_phone_cache", {})
    assert _public(text, region) == _slow(text, region)
    assert _public(text, region) == _slow(text, region)  # from the cache, too


# --- the graph's score bound --------------------------------------------------------------------


def test_a_comparator_left_out_of_a_mask_says_null() -> None:
    """The bound skips comparators whose value is missing on either side: they must say NULL."""
    from omnilink.identity import Resolver
    from omnilink.identity._comparators import NULL

    from ._data import contacts as _contacts

    rows = _contacts(1500, seed=11)
    graph = Resolver(id_field="id", region="US", region_field="country").fit(rows).graph()
    graph.add_many(rows)
    engine, vals = graph._engine, graph._vals
    checked = 0
    for i in range(len(vals) - 1):
        for j in (i + 1, (i * 7919) % len(vals)):
            pat = engine.pattern(vals[i], vals[j])
            missing = ~(vals[i].mask & vals[j].mask)
            for c, level in enumerate(pat):
                if missing >> c & 1:
                    checked += 1
                    assert level == NULL
    assert checked


def _full_scan(self: Any, cands: Iterable[int], vals: list[Any], vb: list[Any]) -> list[tuple[int, Any]]:
    """Every candidate compared in full, nothing pruned: the reference for the score bound."""
    return [(i, self._engine.pattern(vals[i], vb)) for i in cands]


def test_replay_identical_with_and_without_the_score_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    from omnilink.identity import Resolver
    from omnilink.identity._graph import _ScoreBound

    from ._data import contacts as _contacts
    from .test_perf_online import _replay

    rows = _contacts(3000, seed=13)
    resolver = Resolver(id_field="id", region="US", region_field="country").fit(rows)
    fast = _replay(resolver, rows)
    monkeypatch.setattr(_ScoreBound, "scan", _full_scan)
    assert fast == _replay(resolver, rows)


def test_replay_identical_while_the_order_is_relearned(monkeypatch: pytest.MonkeyPatch) -> None:
    """Re-ordering the comparators often (every few pairs) changes nothing a replay returns."""
    from omnilink.identity import Resolver
    from omnilink.identity._graph import _ScoreBound

    from ._data import contacts as _contacts
    from .test_perf_online import _replay

    rows = _contacts(3000, seed=17)
    resolver = Resolver(id_field="id", region="US", region_field="country").fit(rows)
    monkeypatch.setattr(_ScoreBound, "_SAMPLE", 2)
    monkeypatch.setattr(_ScoreBound, "_RELEARN", 8)
    relearned = _replay(resolver, rows)
    monkeypatch.setattr(_ScoreBound, "scan", _full_scan)
    assert relearned == _replay(resolver, rows)


# --- normalize's inline fast path -----------------------------------------------------------------


class _Text(str):
    """A str that is not exactly ``str``: normalize reads it the general way (``_as_text``)."""


def _general(value: Any) -> Any:
    if isinstance(value, str):
        return _Text(value)
    if isinstance(value, list):
        return [_general(v) for v in value]
    return value


_CELL = st.one_of(
    st.none(),
    st.text(alphabet=" \t\x00abcXYZ@.+-019()áß", max_size=12),
    st.sampled_from(
        ["  ann  ", "\x00", " \x00 ", "+1 415 555 2671", "a@b.com", "1990-01-02", "x" * 40, "n/a"]
    ),
    st.integers(-5, 10**12),
    st.lists(st.sampled_from(["a@b.com", " c@d.org ", "", "n/a", "\x00"]), max_size=3),
    st.binary(max_size=4),
)
_COLUMNS = ("first_name", "last_name", "email", "phone", "dob", "city", "country")


@MANY
@given(st.fixed_dictionaries(dict.fromkeys(_COLUMNS, _CELL)))
def test_normalize_reads_plain_str_as_the_general_path_does(row: dict[str, Any]) -> None:
    from omnilink.identity._fields import FieldType
    from omnilink.identity._normalize import Normalizer

    fields = {
        "first_name": FieldType.FIRST_NAME,
        "last_name": FieldType.LAST_NAME,
        "email": FieldType.EMAIL,
        "phone": FieldType.PHONE,
        "dob": FieldType.DATE,
        "city": FieldType.CITY,
    }
    kwargs: dict[str, Any] = {
        "id_field": "id",
        "fields": fields,
        "region": "US",
        "region_field": "country",
        "max_field_length": 30,
    }
    fast, general = Normalizer(**kwargs), Normalizer(**kwargs)
    for _ in range(2):  # the second time from the cache
        assert fast.normalize({"id": "1", **row}) == general.normalize(
            {"id": "1", **{c: _general(v) for c, v in row.items()}}
        )
    assert fast.rejects == general.rejects
    assert fast.weak == general.weak
