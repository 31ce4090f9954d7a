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
    ],
)
def test_one_address_written_two_ways(a: str, b: str) -> None:
    assert norm_address(a) == norm_address(b)


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
