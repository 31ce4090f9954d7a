"""A region column as exports hold it: "United States", "USA", "Deutschland", "España". Only a
two-letter code had been read; anything else fell back to the default region without a word, so
a German national number in a row of "Germany" was read as a US number, or rejected."""

from __future__ import annotations

import pytest

from omnilink.identity import Resolver
from omnilink.identity._fields import region_column
from omnilink.identity._normalize import region_code


@pytest.mark.parametrize(
    ("value", "region"),
    [
        ("US", "US"),
        (" uk ", "GB"),
        ("United States", "US"),
        ("USA", "US"),
        ("U.S.A.", "US"),
        ("united states of america", "US"),
        ("Germany", "DE"),
        ("Deutschland", "DE"),  # the country's own name
        ("DEU", "DE"),  # ISO 3166 alpha-3
        ("España", "ES"),
        ("Espana", "ES"),
        ("México", "MX"),
        ("The Netherlands", "NL"),
        ("Schweiz", "CH"),
        ("Suisse", "CH"),
        ("Россия", "RU"),
        ("中国", "CN"),
        ("England", "GB"),
        ("Brasil", "BR"),
        ("Côte d'Ivoire", "CI"),
        # a calling code, as a "country_code" column of phone data holds one
        ("+44", "GB"),
        ("44", "GB"),
        ("0049", "DE"),
        ("1", "US"),  # the main region of the code
        (33, "FR"),  # JSON's "country_code": 33
    ],
)
def test_a_country_by_its_name_or_code(value: str, region: str) -> None:
    assert region_code(value) == region


@pytest.mark.parametrize(
    "value", ["", "N/A", "Unknown", "1A", "Atlantis", "x" * 61, None, 999, "0", "+", True]
)
def test_what_names_no_country(value: object) -> None:
    assert region_code(value) is None


def test_a_national_number_is_read_in_the_country_its_row_names() -> None:
    rows = [
        {"id": "a", "name": "Lena Vogel", "phone": "0151 29387154", "country": "Deutschland"},
        {"id": "b", "name": "Lena Vogel", "phone": "+49 151 29387154", "country": "Germany"},
        {"id": "c", "name": "Ray Cole", "phone": "(415) 555-2671", "country": "United States"},
        {"id": "d", "name": "Ray Cole", "phone": "+1 415 555 2671", "country": "USA"},
    ]
    resolver = Resolver(region="US", region_field="country")
    result = resolver.resolve(rows)
    assert not result.rejects
    p = result.profile_of
    assert p["a"] == p["b"] != p["c"] == p["d"]
    why = resolver.explain("a", "b")
    assert why.deterministic == "phone"
    # The region column is compared as the country it names: it had been "different", -3.9.
    country = next(e for e in why.evidence if e.comparator == "country")
    assert (country.value_a, country.value_b, country.level) == ("DE", "DE", "exact")


def test_a_national_number_is_read_in_the_country_its_calling_code_column_names() -> None:
    """Phone data keeps the calling code apart ("country_code": "+44", "phone": "07911
    123456"): read in the default region, the number had been a reject."""
    rows = [
        {"id": "a", "name": "Ann Lee", "country_code": "+44", "phone": "07911 123456"},
        {"id": "b", "name": "Ann Lee", "country_code": "44", "phone": "7911 123456"},
        {"id": "c", "name": "Ann Lee", "phone": "+44 7911 123456"},
    ]
    result = Resolver(region="US").resolve(rows)
    assert not result.rejects
    assert len(set(result.profile_of.values())) == 1


@pytest.mark.parametrize(
    ("column", "yes"),
    [
        *(("country", True), ("Mailing Country", True), ("country_code", True), ("nationality", True)),
        *(("country_of_birth_city", False), ("county", False), ("state", False)),
    ],
)
def test_columns_that_hold_countries(column: str, yes: bool) -> None:
    from omnilink.identity._fields import names_a_country

    assert names_a_country(column) is yes


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (["id", "Country Code", "phone"], "Country Code"),  # any case and punctuation
        (["id", "Country/Region", "phone"], "Country/Region"),  # Outlook's export
        (["Mailing Country", "country"], "country"),  # the plain name first
        (["id", "Billing Country", "phone"], "Billing Country"),  # else one that ends in it
        (["id", "county", "phone"], None),
        (["id", "nationality", "phone"], None),  # a person's nationality is no phone's country
    ],
)
def test_the_region_column_is_found_by_its_name(columns: list[str], expected: str | None) -> None:
    assert region_column(columns) == expected


def test_a_country_code_column_written_as_a_header_gives_the_rows_region() -> None:
    """A CSV header "Country Code" was no region column ("country_code" was): national numbers
    beside it were read in the default region, or rejected without one."""
    rows = [
        {"id": "a", "name": "Jean Dupont", "Country Code": "+33", "phone": "06 71 84 29 53"},
        {"id": "b", "name": "Jean Dupont", "phone": "+33 6 71 84 29 53"},
    ]
    result = Resolver().resolve(rows)
    assert not result.rejects
    assert result.profile_of["a"] == result.profile_of["b"]
