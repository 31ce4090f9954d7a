"""Postcodes as exports write them: a ZIP code that lost its leading zero in a number column
(2119, "2119.0"), a ZIP+4. Against the "02119" of the same person's other records they had been
one edit apart, or different."""

from __future__ import annotations

import pytest

from omnilink.identity import Resolver
from omnilink.identity._normalize import norm_postcode


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("02119", "US", "02119"),
        ("2119", "US", "02119"),  # an int column's 2119
        ("2119.0", "US", "02119"),  # a float column's, through a CSV
        ("119", "US", "00119"),
        ("21", "US", "21"),  # too short to be a ZIP code that lost its zeros: kept
        ("02119-1234", "US", "02119"),  # ZIP+4: its ZIP code
        ("021191234", "PR", "02119"),
        ("8001", "ES", "08001"),
        ("1067", "DE", "01067"),
        ("800", "AU", "0800"),
        ("1010", "AT", "1010"),  # four digits, none lost
        ("2119", None, "2119"),  # no region: nothing to go by
        ("021191234", "DE", "021191234"),  # ZIP+4 is the US's
        ("sw1a 1aa", "GB", "SW1A1AA"),
        ("K1A 0B1", "CA", "K1A0B1"),
        ("n/a", "US", None),
        ("D-10115", "DE", "10115"),  # a country's letters before it, as European mail wrote them
        ("NL-1012 AB", "NL", "1012AB"),
        ("CH-8001", None, "8001"),
        ("X-123", "DE", "X123"),  # no country's letters: kept
        ("75001 Paris", "FR", "75001"),  # a place after the digits, in an all-digit region
        ("08001 Barcelona", "ES", "08001"),
        ("1012 AB Amsterdam", "NL", "1012ABAMSTERDAM"),  # letters belong to Dutch postcodes
    ],
)
def test_norm_postcode(text: str, region: str | None, expected: str | None) -> None:
    assert norm_postcode(text, region) == expected


def test_a_zip_code_read_from_a_number_column_agrees_with_its_text_in_batch_and_online() -> None:
    rows = [
        {"id": "a", "name": "Ann Lee", "postcode": "02119", "dob": "1984-03-07", "country": "US"},
        {"id": "b", "name": "Ann Lee", "postcode": 2119, "dob": "1984-03-07", "country": "US"},
        {"id": "c", "name": "Ann Lee", "postcode": "02119-4401", "dob": "1984-03-07", "country": "US"},
    ]
    r = Resolver(id_field="id", region_field="country")
    result = r.resolve(rows)
    assert len(set(result.profile_of.values())) == 1
    for other in ("b", "c"):
        (postcode,) = [e for e in r.explain("a", other).evidence if e.comparator == "postcode"]
        assert postcode.level == "exact"
    graph = r.graph()
    assert len({a.profile_id for a in graph.add_many(rows)}) == 1
