"""First names of two or three consonants ("Kt", "Jn", "Bb", "Mck": a nickname typed without
its vowels or with letters dropped) and initials, beside the names they could be.

Such a token as a first name of its own had made one person's inbox or phone look shared by
two people ("kt" and "christopher"), so the value stopped linking his records. And an initial
joined the names it fits into one group, so a household's phone seen with "J Smith" first,
then with John and Jane, was no longer shared, and J's record linked John's and Jane's."""

from __future__ import annotations

import pytest

from omnilink.identity import Resolver
from omnilink.identity._engine import _name_groups, names_compatible


@pytest.mark.parametrize(
    ("short", "name", "fits"),
    [
        ("kt", "christopher", True),  # Kit
        ("jn", "jonathan", True),  # Jon
        ("bb", "robert", True),  # Bob
        ("mck", "michael", True),  # Mick
        ("thm", "thomas", True),
        ("pt", "patrick", True),  # Pat
        ("tzm", "timothy", True),  # Tim, one letter changed
        ("nrt", "nathan", True),  # Nat
        ("nrt", "john", False),
        ("tz", "timothy", False),  # two letters: in order only
        ("jn", "mary", False),
        ("kt", "john", False),
        ("wtl", "william", True),  # Wil, one letter changed
        ("wtl", "walter", False),
    ],
)
def test_a_few_consonants_fit_the_names_that_hold_them(short: str, name: str, fits: bool) -> None:
    assert names_compatible(short, name) is fits
    assert names_compatible(name, short) is fits


@pytest.mark.parametrize(
    ("hints", "groups"),
    [
        (["kt", "christopher"], 1),
        (["c", "kit"], 1),
        (["j", "john", "jane"], 2),  # the initial had joined John and Jane: 1
        (["jn", "john", "jane"], 2),
        (["john", "jn", "jane", "j"], 2),
        (["jn", "pt"], 2),
        (["j", "jn"], 1),  # no full name: the short ones group among themselves
        (["jn", "kt", "john"], 2),
    ],
)
def test_a_short_name_joins_no_two_groups(hints: list[str], groups: int) -> None:
    assert _name_groups([(h, h, "smith", None) for h in hints]) == groups


def _household(first: str) -> list[dict[str, str]]:
    phone = "+1 617 555 0182"
    return [
        {"id": "x", "first_name": first, "last_name": "Smith", "phone": phone, "zip": "02119"},
        {"id": "john", "first_name": "John", "last_name": "Smith", "phone": phone, "dob": "1971-03-02"},
        {"id": "jane", "first_name": "Jane", "last_name": "Smith", "phone": phone, "dob": "1973-08-09"},
        {"id": "john2", "first_name": "John", "last_name": "Smith", "phone": phone, "zip": "02119"},
        {"id": "jane2", "first_name": "Jane", "last_name": "Smith", "phone": phone, "zip": "02119"},
    ]


@pytest.mark.parametrize("first", ["J", "Jn"])
def test_a_short_name_first_at_a_household_phone_links_no_one_with_their_partner(first: str) -> None:
    rows = _household(first)
    resolver = Resolver(region="US")
    result = resolver.resolve(rows)
    p = result.profile_of
    assert len({p["x"], p["john"], p["jane"]}) == 3
    assert p["john2"] != p["jane2"]
    assert resolver.explain("john", "jane").guards  # the phone is shared
    graph = resolver.graph()
    for row in rows:
        graph.add(row)
    assert set(graph.clusters) == set(result.clusters)


@pytest.mark.parametrize(
    ("short", "full"),
    [
        ("Kt", "Christopher"),  # the contact benchmark's seed 2: "Kt Pemworth", three Christophers
        ("Wm.", "William"),  # an English abbreviation (the nickname tables)
    ],
)
def test_a_short_form_at_the_full_names_phone_is_that_person(short: str, full: str) -> None:
    """Seen with the short form and the full name, the phone had looked shared by two people,
    and stopped linking their records on its own."""
    phone = "+1 212 653 9961"
    rows = [
        {"id": "a", "first_name": full, "last_name": "Pemworth", "phone": phone},
        {"id": "b", "first_name": short, "last_name": "Pemworth", "phone": phone, "email": "cpem@aol.com"},
        {"id": "c", "first_name": full, "last_name": "Pemworth", "email": "cpem@aol.com"},
    ]
    resolver = Resolver(region="US")
    result = resolver.resolve(rows)
    assert len(set(result.profile_of.values())) == 1
    ex = resolver.explain("a", "b")
    assert ex.deterministic == "phone"
    assert not ex.guards
