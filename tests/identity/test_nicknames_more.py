"""Short forms of first names beyond the English table: Paco is Francisco, Sepp Josef, Sasha
Alexander. One person's records written with either had been two first names."""

from __future__ import annotations

from typing import Any

import pytest

from omnilink.identity import Resolver
from omnilink.identity._comparators import FirstNameComparator, nickname_equivalent
from omnilink.identity._engine import names_compatible
from omnilink.identity._nicknames import MORE_NICKNAMES
from omnilink.identity._normalize import known_first_name, norm_name


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("pepe", "jose"),
        ("paco", "francisco"),
        ("paco", "pancho"),  # two short forms of one name
        ("lola", "dolores"),
        ("nacho", "ignacio"),
        ("beppe", "giuseppe"),
        ("gianni", "giovanni"),
        ("sepp", "josef"),
        ("hans", "johannes"),
        ("fritz", "friedrich"),
        ("sasha", "alexander"),
        ("dima", "dmitry"),
        ("natasha", "natalia"),
        ("kasia", "katarzyna"),
    ],
)
def test_short_forms_in_other_languages(a: str, b: str) -> None:
    assert nickname_equivalent(a, b)
    assert nickname_equivalent(b, a)
    assert names_compatible(a, b)
    comp = FirstNameComparator()
    assert comp.levels[comp.compare((a, "x"), (b, "x"))] == "nickname"
    assert known_first_name(a)


@pytest.mark.parametrize(("a", "b"), [("alberto", "roberto"), ("salvatore", "giuseppe"), ("hans", "fritz")])
def test_two_names_that_share_a_short_form_are_not_one(a: str, b: str) -> None:
    """Beto is Alberto's and Roberto's: that makes neither the other."""
    assert not nickname_equivalent(a, b)


def test_the_table_holds_names_as_norm_name_gives_them() -> None:
    for name, forms in MORE_NICKNAMES.items():
        for text in (name, *forms):
            assert norm_name(text) == text, text
        # A prefix is a short form already (Rafa, Santi): the table holds the others only.
        assert not any(name.startswith(f) or f.startswith(name) for f in forms), name


def test_paco_and_francisco_at_one_phone_are_one_person() -> None:
    """Two first names at one phone and inbox made them shared (a household's), so they stopped
    linking and the name guard refused them."""
    from .conftest import make_people

    rows: list[dict[str, Any]] = list(make_people(300, seed=7)[0])
    rows += [
        {"id": "p1", "first_name": "Francisco", "last_name": "Jiménez", "phone": "+34 655 917 203"},
        {
            "id": "p2",
            "first_name": "Paco",
            "last_name": "Jiménez",
            "phone": "+34 655 917 203",
            "email": "pjimenez@correo.es",
        },
        {"id": "p3", "first_name": "Paco", "last_name": "Jiménez", "email": "pjimenez@correo.es"},
        {"id": "p4", "first_name": "Francisco", "last_name": "Jiménez", "email": "pjimenez@correo.es"},
    ]
    resolver = Resolver(region="US")
    result = resolver.resolve(rows)
    p = result.profile_of
    assert p["p1"] == p["p2"] == p["p3"] == p["p4"]
    for pair, on in ((("p1", "p2"), "phone"), (("p2", "p4"), "email")):
        why = resolver.explain(*pair)
        assert why.deterministic == on
        assert not why.guards
    graph = resolver.graph()
    graph.add_many(rows)
    assert sorted(map(sorted, graph.clusters)) == sorted(map(sorted, result.clusters))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        *[("wm", "william"), ("wm", "bill"), ("chas", "charles"), ("thos", "tom"), ("jas", "james")],
        *[("robt", "robert"), ("richd", "dick"), ("xtopher", "christopher")],
        *[("alexr", "alexander"), ("margt", "peggy")],
    ],
)
def test_english_abbreviations_of_given_names(a: str, b: str) -> None:
    """ "Wm. Smith" and "William Smith" had been two first names: "wm" is no prefix of William,
    and the English table leaves the old abbreviations out."""
    assert nickname_equivalent(a, b)
    assert names_compatible(a, b)
    comp = FirstNameComparator()
    assert comp.levels[comp.compare((a, "smith"), (b, "smith"))] == "nickname"
    assert known_first_name(a)


def test_jno_stays_a_slip_of_jon() -> None:
    """Jno is also John's old abbreviation; listed as one, it was a known name and no longer Jon
    with two letters swapped, so a Jonathan's "Jno" records made his inbox look shared."""
    assert names_compatible("jno", "jonathan")
    assert names_compatible("jno", "john")
