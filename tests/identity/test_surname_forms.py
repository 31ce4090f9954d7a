"""One name written with and without its spaces or particles: "De Luca", "DeLuca" and the "Luca"
a full name "Anna De Luca" keeps as its surname (particles name nobody); "Mary Ann" and
"Maryann". They had been different names (about -5), or only Jaro-Winkler-similar."""

from __future__ import annotations

from typing import Any

import pytest

from omnilink.identity import FieldType, Resolver
from omnilink.identity._blocking import default_rules, record_keys
from omnilink.identity._comparators import NULL, Comparator, FirstNameComparator, LastNameComparator
from omnilink.identity._normalize import NormRecord, norm_name, particle_suffixes, split_full_name


def _level(comp: Comparator, a: Any, b: Any) -> str:
    got = comp.compare(a, b)
    return "null" if got == NULL else comp.levels[got]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("de luca", "deluca", "exact"),  # spaces only: the same name
        ("van der berg", "vanderberg", "exact"),
        ("deluca", "luca", "jw>=0.92"),  # particles: the name a full name keeps
        ("van der berg", "berg", "jw>=0.92"),
        ("vanderberg", "berg", "jw>=0.92"),
        ("lafayette", "fayette", "jw>=0.92"),
        ("mcdonald", "donald", "jw>=0.80"),  # "mc" is part of the name: Jaro-Winkler as before
        ("stewart", "ewart", "jw>=0.80"),  # "st" begins it, but "ewart" is no surname of it
        ("allen", "len", "different"),  # a rest of 4 letters at least
        ("mueller", "muller", "exact"),  # an umlaut written out (Mueller) or dropped (Muller)
        ("schroeder", "schroder", "exact"),
        ("jaeger", "jager", "exact"),
        ("michael", "michal", "jw>=0.92"),  # ae before an l is no umlaut
    ],
)
def test_surname_written_with_and_without_spaces_or_particles(a: str, b: str, expected: str) -> None:
    comp = LastNameComparator()
    assert _level(comp, (a, "anna"), (b, "anna")) == expected
    assert _level(comp, (b, "anna"), (a, "anna")) == expected


def test_first_names_written_with_and_without_a_space() -> None:
    comp = FirstNameComparator()
    assert _level(comp, ("mary ann", "smith"), ("maryann", "smith")) == "exact"
    assert _level(comp, ("jean luc", "picard"), ("jeanluc", "picard")) == "exact"


def test_particle_suffixes() -> None:
    assert particle_suffixes("van der berg") == ["derberg", "rberg", "berg"]
    assert particle_suffixes("deluca") == ["luca"]
    assert particle_suffixes("smith") == []
    assert particle_suffixes("stewart") == []


def test_spaced_and_unspaced_names_share_name_keys() -> None:
    rules = default_rules({"first_name": FieldType.FIRST_NAME, "last_name": FieldType.LAST_NAME})
    a = NormRecord(0, "a", first="anna", last="de luca")
    b = NormRecord(1, "b", first="anna", last="deluca")
    c = NormRecord(2, "c", first="mary ann", last="smith")
    d = NormRecord(3, "d", first="maryann", last="smith")
    assert {k for k in record_keys(rules, a) if k.startswith(("mf:", "fl2:"))} == {
        k for k in record_keys(rules, b) if k.startswith(("mf:", "fl2:"))
    }
    assert set(record_keys(rules, c)) & set(record_keys(rules, d))


def test_a_person_whose_surname_is_written_three_ways_is_one_profile() -> None:
    """ "Pieter van der Berg" keeps "berg" (particles name nobody), "Pieter Vanderberg"
    "vanderberg": "different" at -5 had kept them apart at one address."""
    place = {"address": "41 Harbor Way", "postcode": "02118"}
    rows = [
        {"id": "a", "name": "Pieter van der Berg", **place},
        {"id": "b", "name": "Pieter Vanderberg", **place},
        {"id": "c", "name": "Pieter VanDerBerg", **place},
        {"id": "d", "name": "Pieter Berg", **place},
    ]
    resolver = Resolver(region="US")
    p = resolver.resolve(rows).profile_of
    assert p["a"] == p["b"] == p["c"] == p["d"]
    levels = {e.comparator: e.level for e in resolver.explain(rows[0], rows[1]).evidence}
    assert levels["last_name"] == "jw>=0.92"


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("d", "doe", "jw>=0.80"),  # "Jane D.": the initial of the surname
        ("s", "smith", "jw>=0.80"),  # (Jaro-Winkler gives it 0.76)
        ("d", "smith", "different"),
        ("d", "d", "exact"),
        ("d", "s", "different"),
    ],
)
def test_a_surname_initial_agrees_weakly_with_surnames_it_begins(a: str, b: str, expected: str) -> None:
    comp = LastNameComparator()
    assert _level(comp, (a, "jane"), (b, "jane")) == expected
    assert _level(comp, (b, "jane"), (a, "jane")) == expected


def test_a_chat_name_with_a_surname_initial_joins_its_persons_records() -> None:
    """Chat widgets and support desks show "Jane D.". Against "Jane Doe" the surname was
    "different" (-5), and on the phone they share the household guard kept them apart; "Jane
    S." on that phone still is someone else."""
    rows = [
        {"id": "crm", "first_name": "Jane", "last_name": "Doe", "phone": "+1 415 555 2671"},
        {"id": "chat", "name": "Jane D.", "phone": "(415) 555-2671"},
        {"id": "other", "name": "Jane S.", "phone": "415.555.2671"},
    ]
    r = Resolver(id_field="id", region="US")
    result = r.resolve(rows)
    assert result.profile_of["chat"] == result.profile_of["crm"] != result.profile_of["other"]
    assert not r.explain("crm", "chat").guards
    assert "surnames differ" in " ".join(r.explain("crm", "other").guards)
    graph = r.graph()
    graph.add_many(rows)
    assert set(graph.clusters) == set(result.clusters)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("DUPONT Jean", ("jean", "dupont", None)),  # the surname first, in capitals
        ("MARTIN Marie Claire", ("marie", "martin", "claire")),  # a surname that is a first name too
        ("GARCÍA LÓPEZ María", ("maria", "lopez", "garcia")),  # as "María García López" reads
        ("DE LA FUENTE Ana", ("ana", "fuente", None)),
        ("Mme DUPONT Marie", ("marie", "dupont", None)),
        ("DUPONT Jean-Pierre", ("jean", "dupont", "pierre")),
        ("Jean DUPONT", ("jean", "dupont", None)),  # the surname last: as it comes
        ("JOHN SMITH", ("john", "smith", None)),  # all in capitals: says nothing
        ("AJ Lee", ("aj", "lee", None)),  # initials, not a surname
        ("DUPONT J.", ("dupont", "j", None)),  # no first name written as one after it
        ("John Smith", ("john", "smith", None)),
    ],
)
def test_a_surname_written_first_in_capitals(raw: str, expected: tuple[str | None, ...]) -> None:
    canon = norm_name(raw)
    assert canon is not None
    assert split_full_name(canon, raw) == expected


def test_a_french_export_and_a_chat_name_agree() -> None:
    """French, Belgian and Swiss records write "DUPONT Jean"; read first name first, its
    first name was "dupont", only the swapped level against the chat's "Jean Dupont"."""
    rows = [
        {"id": "crm", "name": "DUPONT Jean", "email": "jean.dupont@orange.fr", "country": "FR"},
        {"id": "chat", "name": "Jean Dupont", "email": "jean.dupont@orange.fr", "country": "FR"},
    ]
    r = Resolver(id_field="id", region="FR")
    result = r.resolve(rows)
    assert result.profile_of["crm"] == result.profile_of["chat"]
    levels = {e.comparator: e.level for e in r.explain("crm", "chat").evidence}
    assert levels["first_name"] == levels["last_name"] == "exact"


@pytest.mark.parametrize(("a", "b"), [("jurgen", "juergen"), ("bjorn", "bjoern"), ("soren", "soeren")])
def test_a_first_name_with_its_umlaut_written_out_is_the_name(a: str, b: str) -> None:
    """Jürgen is Juergen where a system has no umlauts: they had been only Jaro-Winkler-similar."""
    assert _level(FirstNameComparator(), (a, "schmidt"), (b, "schmidt")) == "exact"


def test_joe_and_jo_stay_two_names() -> None:
    assert _level(FirstNameComparator(), ("joe", "smith"), ("jo", "smith")) != "exact"
