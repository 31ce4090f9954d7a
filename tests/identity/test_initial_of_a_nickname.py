"""An initial beside a nickname of a name it begins: "c" (an address's "davisc@", or "C.
Davis") beside Kit, a Christopher; "r" beside Bob, a Robert. They had been different first
names, so the inbox a Kit Davis shared with a record that had only the address looked shared
by two people, and the two stayed apart."""

from __future__ import annotations

import pytest

from omnilink.identity import Resolver
from omnilink.identity._comparators import FirstNameComparator, initial_of_a_form
from omnilink.identity._engine import names_compatible


@pytest.mark.parametrize(
    ("initial", "name", "fits"),
    [
        ("c", "kit", True),
        ("r", "bob", True),
        ("w", "bill", True),
        ("k", "christopher", False),  # an initial of a nickname: too many and too far
        ("r", "margaret", False),  # (Rita): it had joined a Robert with her at their phone
        ("j", "john", True),  # the name's own initial, as before
        ("c", "bob", False),
        ("b", "kit", False),
    ],
)
def test_an_initial_fits_a_name_it_or_its_nicknames_begin(initial: str, name: str, fits: bool) -> None:
    comp = FirstNameComparator()
    level = comp.levels[comp.compare((initial, "davis"), (name, "davis"))]
    assert level == ("nickname" if fits else "different")
    assert names_compatible(initial, name) is fits
    assert names_compatible(name, initial) is fits
    if initial != name[0]:
        assert initial_of_a_form(initial, name) is fits


def test_kit_and_davisc_at_one_inbox_are_one_person() -> None:
    # (The contact benchmark's seed 2, entity 1361.) The second record has no first name: it
    # takes "c" from its address, after the surname.
    rows = [
        {"id": "a", "first_name": "Kit", "last_name": "Davis", "email": "davisc@gmail.com"},
        {"id": "b", "last_name": "Davis", "email": "davisc@gmail.com", "handle": "instagram.com/kit173/"},
    ]
    resolver = Resolver(id_field="id", region="GB")
    result = resolver.resolve(rows)
    ex = resolver.explain("a", "b")
    assert ex.deterministic == "email"
    assert not ex.guards
    assert {e.comparator: e.level for e in ex.evidence}["first_name"] == "nickname"
    assert result.profile_of["a"] == result.profile_of["b"]
    graph = resolver.graph()
    assert graph.add(rows[0]).profile_id == graph.add(rows[1]).profile_id
