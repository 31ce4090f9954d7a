"""A full name of one word: a first name ("Madonna", a chat's "John"), or after a salutation a
surname ("Mr. Smith", "Herr Müller"). A lone "Smith" read as a first name still fits the
"John Smith" of the same inbox: it is his surname, not another person's first name."""

from __future__ import annotations

import pytest

from omnilink.identity import Resolver
from omnilink.identity._engine import lone_surname, names_swapped
from omnilink.identity._normalize import norm_name, split_full_name


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("Mr. Smith", (None, "smith", None)),
        ("Mrs Patel", (None, "patel", None)),
        ("Herr Müller", (None, "muller", None)),
        ("Frau Dr. Schmidt", (None, "schmidt", None)),
        ("Sra. García", (None, "garcia", None)),
        ("Mme Dupont", (None, "dupont", None)),
        ("Michael Herr", ("michael", "herr", None)),  # Herr is a surname too: dropped only in front
        ("Dr. John Smith", ("john", "smith", None)),
        ("Madonna", ("madonna", None, "madonna")),
        ("Smith", ("smith", None, "smith")),  # no salutation: a first name, which may be a surname
    ],
)
def test_a_salutation_makes_a_lone_word_the_surname(text: str, parts: tuple[str | None, ...]) -> None:
    canon = norm_name(text)
    assert canon is not None
    assert split_full_name(canon, text) == parts


@pytest.mark.parametrize(
    ("a", "b", "lone"),
    [
        (("smith", None), ("john", "smith"), True),  # his surname, alone
        (("thomas", None), ("john", "smith"), False),
        (("smith", None), ("smith", None), False),  # equal: the names are compatible anyway
        (("smith", None), (None, "smith"), True),
        (("john", "smith"), ("john", "smith"), False),
        (("wang", "wei"), ("wei", "wang"), False),  # names_swapped's case
        (("willaims", None), ("john", "williams"), True),  # a slip in his surname
        (("paul", None), ("anna", "pauls"), False),  # a first name one letter off: her husband
        (("lee", None), ("ann", "leo"), False),  # three letters: a slip turns too many into others
    ],
)
def test_lone_surname(a: tuple[str | None, str | None], b: tuple[str | None, str | None], lone: bool) -> None:
    middle = None if a[1] else a[0]  # a one-word full name: its word is a middle word too
    assert lone_surname(*a, middle, b[1]) is lone
    assert not lone_surname(*a, None, b[1])  # a first-name column's lone name stays a first name
    assert not names_swapped(*a, *b) or not lone


def _profiles(rows: list[dict[str, str]]) -> tuple[Resolver, dict[str, str]]:
    r = Resolver(id_field="id", region="US")
    return r, dict(r.resolve(rows).profile_of)


def test_a_lone_surname_joins_its_person_at_his_inbox_in_batch_and_online() -> None:
    """Before, "Smith" and "John Smith" made the inbox look shared by two people: refused."""
    rows = [
        {"id": "a", "name": "John Smith", "email": "jsmith1970@gmail.com"},
        {"id": "b", "name": "Smith", "email": "jsmith1970@gmail.com"},
        {"id": "c", "name": "Mr. Smith", "phone": "+1 415 555 2671"},
        {"id": "d", "name": "John Smith", "phone": "+1 415 555 2671"},
    ]
    r, profile_of = _profiles(rows)
    assert profile_of["a"] == profile_of["b"]
    assert profile_of["c"] == profile_of["d"]
    assert r.explain("a", "b").guards == ()
    (last,) = [e for e in r.explain("c", "d").evidence if e.comparator == "last_name"]
    assert last.level == "exact"  # Mr. Smith's surname, not a first name "smith"
    graph = r.graph()
    ids = [graph.add(row).profile_id for row in rows]
    assert ids[0] == ids[1]
    assert ids[2] == ids[3]


def test_a_lone_surname_with_a_slip_joins_its_person() -> None:
    rows = [
        {"id": "a", "name": "John Williams", "email": "jwilliams1970@gmail.com"},
        {"id": "b", "name": "Willaims", "email": "jwilliams1970@gmail.com"},
        {"id": "c", "name": "Paul", "phone": "+1 415 555 2671"},
        {"id": "d", "name": "Anna Pauls", "phone": "+1 415 555 2671"},
    ]
    _r, profile_of = _profiles(rows)
    assert profile_of["a"] == profile_of["b"]
    assert profile_of["c"] != profile_of["d"]  # Paul is a first name: her husband, not a slip


def test_a_lone_surname_speaks_through_its_inbox() -> None:
    """A household partner's record holding only the surname, whose inbox names her: as with a
    record that has only a surname, the inbox says she is not John."""
    rows = [
        {"id": "a", "name": "John Smith", "phone": "+1 415 555 2671"},
        {"id": "b", "name": "Smith", "phone": "+1 415 555 2671", "email": "isabellapatel@gmail.com"},
        {"id": "c", "name": "Smith", "phone": "+1 415 555 2671", "email": "smith.j@gmail.com"},
    ]
    _r, profile_of = _profiles(rows)
    assert profile_of["a"] != profile_of["b"]
    assert profile_of["a"] == profile_of["c"]


def test_a_lone_surname_does_not_join_two_people_of_one_household() -> None:
    rows = [
        {"id": "a", "name": "John Smith", "phone": "+1 415 555 2671"},
        {"id": "b", "name": "Smith", "phone": "+1 415 555 2671"},
        {"id": "c", "name": "Jane Smith", "phone": "+1 415 555 2671"},
    ]
    _r, profile_of = _profiles(rows)
    assert profile_of["a"] != profile_of["c"]
