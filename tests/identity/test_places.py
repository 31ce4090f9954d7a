"""Cities and addresses as people write them: St. Louis and Saint Louis, NYC and New York,
P.O. Box and PO Box had been different places."""

from __future__ import annotations

import pytest

from omnilink.identity import Resolver
from omnilink.identity._normalize import norm_address, norm_city


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("St. Louis", "Saint Louis"),
        ("Ft. Worth", "Fort Worth"),
        ("Mt. Vernon", "Mount Vernon"),
        ("Ste. Genevieve", "Sainte Genevieve"),
        ("NYC", "New York"),
        ("New York City", "NEW YORK"),
        ("Washington, D.C.", "Washington"),
        ("Washington DC", "Washington"),
    ],
)
def test_one_city_written_two_ways(a: str, b: str) -> None:
    assert norm_city(a) == norm_city(b)


@pytest.mark.parametrize(
    ("text", "region", "canon"),
    [
        ("Boston, MA", "US", "boston"),  # one field of an export holds city and state
        ("Boston MA", "US", "boston"),  # a state's code in capitals, without the comma
        ("Winston-Salem, N.C.", "US", "winston salem"),
        ("Portland, Oregon", "US", "portland"),
        ("Boston, MA, USA", "US", "boston"),
        ("Los Angeles, LA", None, "los angeles"),
        ("Toronto, ON", "CA", "toronto"),
        ("Sydney NSW", "AU", "sydney"),
        ("Lyon, France", "FR", "lyon"),  # a country
        ("London, Camden", "GB", "london camden"),  # no state, no country: kept
        ("Kansas City Mo", "US", "kansas city mo"),  # not in capitals: may be the name's
        ("MA", "US", "ma"),  # a code alone is the value
    ],
)
def test_a_state_or_country_after_a_city_is_left_out(text: str, region: str | None, canon: str) -> None:
    assert norm_city(text, region) == canon


@pytest.mark.parametrize(
    ("text", "canon"),
    [
        ("Kansas City", "kansas city"),  # "City" is part of most names that have it
        ("St", "st"),  # a word alone is no abbreviation of a city's first word
        ("Sankt Augustin", "sankt augustin"),
        ("n/a", None),  # had been the city "n a", which two records then agreed on
        ("N/A", None),
    ],
)
def test_cities_left_as_they_are(text: str, canon: str | None) -> None:
    assert norm_city(text) == canon


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("PO Box 12", "P.O. Box 12"),
        ("Post Office Box 12", "PO Box 12"),
        ("1600 Pennsylvania Ave NW", "1600 Pennsylvania Avenue Northwest"),
        ("12 Main St Apt 4B", "12 Main Street #4B"),  # a unit's designator, or none
        ("12 Main St Unit 4B", "12 Main St, Apt. 4B"),
        ("12 Main St Suite 200", "12 Main St Ste 200"),
        ("Unit B, 12 Main St", "U B 12 Main St"),  # a unit without a number keeps its word
        ("123 First Ave", "123 1st Avenue"),  # ordinal words
        ("Hauptstraße 5", "Hauptstr. 5"),  # German and Dutch street words
        ("Kerkstraat 4", "Kerkstr. 4"),
        ("C/ Mayor 12", "Calle Mayor 12"),  # Spanish C/ for Calle
        ("Avenida Reforma 22", "Av. Reforma 22"),
    ],
)
def test_one_address_written_two_ways(a: str, b: str) -> None:
    assert norm_address(a) == norm_address(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("12 Main St Apt 4B", "12 Main St Apt 5B"),  # another unit
        ("12 Main St Floor 2", "12 Main St 2"),  # a floor is no unit
        ("ABC/DEF 1", "Calle DEF 1"),  # a C/ inside a word is no Calle
    ],
)
def test_addresses_that_stay_apart(a: str, b: str) -> None:
    assert norm_address(a) != norm_address(b)


@pytest.mark.parametrize(
    ("a", "b", "region"),
    [
        ("Munich", "München", "DE"),
        ("Muenchen", "München", "DE"),
        ("Cologne", "Köln", None),  # no region: the table holds
        ("Vienna", "Wien", "AT"),
        ("Brussels", "Bruxelles", "BE"),
        ("The Hague", "Den Haag", "NL"),
        ("Copenhagen", "København", "DK"),
        ("Moscow", "Москва", "RU"),
        ("St. Petersburg", "Sankt Peterburg", "RU"),  # "St." written out first
        ("Mexico City", "CDMX", "MX"),
        ("Bombay", "Mumbai", "IN"),
    ],
)
def test_a_city_in_another_language_is_the_city(a: str, b: str, region: str | None) -> None:
    """ "München" / "Munich" had been different cities: a negative weight between one person's
    records, as in a list of customers who write their city in either language."""
    assert norm_city(a, region) == norm_city(b, region)


@pytest.mark.parametrize(
    ("a", "b", "region"),
    [
        ("Rome", "Roma", "US"),  # Rome, Georgia
        ("Florence", "Firenze", "US"),  # Florence, Alabama
        ("Naples", "Napoli", "US"),
        ("Moscow", "Moskva", "US"),  # Moscow, Idaho
    ],
)
def test_a_city_of_the_same_name_elsewhere_stays_itself(a: str, b: str, region: str) -> None:
    assert norm_city(a, region) != norm_city(b, region)
    assert norm_city(a, region) == a.lower()


def test_the_row_region_decides_a_citys_name_in_a_run() -> None:
    rows = [
        {
            "id": "a",
            "name": "Lena Vogel",
            "email": "lena.vogel@gmail.com",
            "city": "München",
            "country": "DE",
        },
        {"id": "b", "name": "Lena Vogel", "email": "lena.vogel@gmail.com", "city": "Munich", "country": "DE"},
        {"id": "c", "name": "Ray Cole", "email": "ray.cole@gmail.com", "city": "Rome", "country": "US"},
        {"id": "d", "name": "Ray Cole", "email": "ray.cole@gmail.com", "city": "Roma", "country": "IT"},
    ]
    r = Resolver(id_field="id", region_field="country")
    r.resolve(rows)
    levels = {
        pair: next(e for e in r.explain(*pair).evidence if e.comparator == "city").level
        for pair in (("a", "b"), ("c", "d"))
    }
    assert levels == {("a", "b"): "exact", ("c", "d"): "different"}


def test_a_missing_marker_is_no_address() -> None:
    assert norm_address("N/A") is None


def test_the_city_agrees_in_batch_and_online() -> None:
    rows = [
        {"id": "a", "name": "Ann Lee", "email": "ann.lee@gmail.com", "city": "St. Louis"},
        {"id": "b", "name": "Ann Lee", "email": "ann.lee@gmail.com", "city": "Saint Louis"},
    ]
    r = Resolver(id_field="id")
    assert len(set(r.resolve(rows).profile_of.values())) == 1
    (city,) = [e for e in r.explain("a", "b").evidence if e.comparator == "city"]
    assert (city.value_a, city.level) == ("saint louis", "exact")
    graph = r.graph()
    assert len({a.profile_id for a in graph.add_many(rows)}) == 1
