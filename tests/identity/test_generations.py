"""Generational suffixes: "John Smith Jr." and "John Smith Sr." are a son and his father, who
often share a home phone, an address and a name. The suffix is read off the name and kept
apart; two different ones never end in one profile, in batch runs and in the graph alike."""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any

import pytest

from omnilink.exceptions import InvalidIdentifierError
from omnilink.identity import FieldType, IdentityGraph, Resolver
from omnilink.identity._fields import infer_field_type
from omnilink.identity._normalize import name_and_generation, norm_name, norm_suffix

from .conftest import make_people


@pytest.mark.parametrize(
    ("text", "name", "generation"),
    [
        ("John Smith Jr.", "john smith", "jr"),
        ("John Smith, Jr.", "john smith", "jr"),
        ("Smith Jr", "smith", "jr"),
        ("Smith, John Jr", "smith john", "jr"),
        ("JOHN SMITH SR.", "john smith", "sr"),
        ("John Smith II", "john smith", "jr"),  # one person's records write either
        ("John Smith III", "john smith", "iii"),
        ("John Smith IV", "john smith", "iv"),
        ("John Smith 3rd", "john smith", "iii"),  # the digits went, and "rd" was the surname
        ("John Smith 2nd", "john smith", "jr"),
        ("John Smith 4", "john smith", None),
        ("Dr. John Smith Jr., PhD", "john smith", "jr"),
        ("Sr. Juan García", "juan garcia", None),  # a leading Sr. is Spanish for Mr.
        ("Dr. John Smith", "john smith", None),
        ("John Smith MD", "john smith", None),
        ("John I Smith", "john i smith", None),  # I and V are initials, not generations
        ("Jr", None, None),
        ("Juniper Srinivasan", "juniper srinivasan", None),
        ("n/a", None, None),
    ],
)
def test_the_suffix_is_read_off_the_name(text: str, name: str | None, generation: str | None) -> None:
    assert name_and_generation(text) == (name, generation)
    assert norm_name(text) == name


FIELDS = {
    "name": "full_name",
    "phone": "phone",
    "email": "email",
    "zip": "postcode",
    "dob": "date",
}
FAMILY = [
    {"id": "son", "name": "John Smith Jr.", "phone": "+1 206 555 0101", "zip": "98101"},
    {"id": "father", "name": "John Smith Sr.", "phone": "+1 206 555 0101", "zip": "98101"},
    {"id": "son-2", "name": "John Smith, Jr", "email": "john.smith.84@gmail.com", "zip": "98101"},
    {"id": "son-3", "name": "John Smith II", "email": "john.smith.84@gmail.com", "phone": "+1 206 555 0101"},
    {"id": "plain", "name": "John Smith", "phone": "+1 206 555 0101", "zip": "98101"},
]


def _others(n: int) -> list[dict[str, Any]]:
    """Other people, for the model to learn weights from."""
    rows, _ = make_people(n, seed=3)
    return [
        {
            "id": r["id"],
            "name": f"{r['first_name']} {r['last_name']}",
            "phone": r["phone"],
            "email": r["email"],
            "zip": r["postcode"],
            "dob": r["dob"],
        }
        for r in rows
    ]


def test_a_father_and_a_son_stay_two_profiles_and_each_keeps_his_records() -> None:
    rows = _others(150) + FAMILY
    resolver = Resolver(fields=FIELDS, region="US")
    result = resolver.resolve(rows)
    p = result.profile_of
    assert p["son"] != p["father"]
    assert p["son"] == p["son-2"] == p["son-3"]  # "II" and "Jr." are one generation
    assert p["plain"] in (p["son"], p["father"])  # no suffix: either, but not a bridge
    # Without the suffixes the same records were one profile: the test bites.
    bare = [{**r, "name": "John Smith"} if r in FAMILY else r for r in rows]
    q = Resolver(fields=FIELDS, region="US").resolve(bare).profile_of
    assert q["son"] == q["father"]


def test_explain_names_the_suffixes_as_a_conflict() -> None:
    resolver = Resolver(fields=FIELDS, region="US")
    resolver.resolve(_others(150) + FAMILY)
    why = resolver.explain("son", "father")
    assert why.conflict == "generational suffixes differ ('jr' vs 'sr'): two generations of one family"
    assert why.total >= why.threshold  # the evidence alone says one person...
    assert not why.match  # ...and the suffixes say two
    assert why.deterministic is None
    assert "conflict: generational suffixes differ" in why.to_text()
    same = resolver.explain("son", "son-3")
    assert same.conflict is None
    assert same.match


def test_explain_names_an_exclusive_field_as_a_conflict() -> None:
    rows = [
        {"id": "a", "name": "Ann Lee", "email": "ann.lee@gmail.com", "crm": "C1"},
        {"id": "b", "name": "Ann Lee", "email": "ann.lee@gmail.com", "crm": "C2"},
    ]
    resolver = Resolver(fields={"name": "full_name", "email": "email", "crm": "exact"}, exclusive="crm")
    result = resolver.resolve(rows)
    assert result.profile_of["a"] != result.profile_of["b"]
    why = resolver.explain("a", "b")
    assert why.conflict == "exclusive field 'crm' differs ('c1' vs 'c2')"  # canonical values
    assert not why.match


def _families(seed: int) -> list[dict[str, Any]]:
    """Contacts in which some people have a father (Sr.) or a son (Jr.) at their phone and zip."""
    rng = random.Random(seed)
    rows = _others(200)
    out = list(rows)
    for k, row in enumerate(rows):
        if rng.random() < 0.3:
            row["name"] += " Jr."
            father = copy.copy(row)
            father["id"] = f"{row['id']}-father"
            father["name"] = father["name"].replace(" Jr.", " Sr.")
            father["email"] = None if k % 2 else father["email"]  # a shared family inbox, at times
            father["dob"] = None
            out.append(father)
    rng.shuffle(out)
    return out


@pytest.mark.parametrize("exclusive", [False, True], ids=["records", "constraints"])
def test_batch_and_graph_keep_generations_apart_alike(exclusive: bool) -> None:
    rows = _families(5)
    for row in rows:
        row["crm"] = None
    fields = {**FIELDS, "crm": "external_id"}
    # exclusive= makes the batch cluster with Constraints, else with RecordUnionFind: both
    # read the suffix, as the graph does.
    resolver = Resolver(fields=fields, region="US", exclusive=["crm"] if exclusive else ())
    resolver.fit(rows)
    batch = resolver.resolve(rows)
    graph = resolver.graph()
    graph.add_many(rows)
    assert sorted(map(sorted, batch.clusters)) == sorted(map(sorted, graph.clusters))
    by_id = {r["id"]: r for r in rows}
    for cluster in batch.clusters:
        suffixes = {name_and_generation(by_id[i]["name"])[1] for i in cluster} - {None}
        assert len(suffixes) <= 1, cluster
    assert batch.stats["refused_unions"] > 0
    assert any(len(c) > 1 and any(i.endswith("-father") for i in c) for c in batch.clusters)


def test_a_saved_graph_keeps_the_generations_apart(tmp_path: Path) -> None:
    resolver = Resolver(fields=FIELDS, region="US").fit(_others(150) + FAMILY)
    graph = resolver.graph()
    son = graph.add(FAMILY[0]).profile_id
    graph.save(tmp_path / "graph.pkl")
    loaded = IdentityGraph.load(tmp_path / "graph.pkl")
    # The father's record, with all the son's identifiers, arrives after the restart.
    father = loaded.add({**FAMILY[0], "id": "father", "name": "John Smith Sr."})
    assert father.created
    assert father.profile_id != son
    again = loaded.add({**FAMILY[0], "id": "son-again"})
    assert again.profile_id == son


@pytest.mark.parametrize(
    ("text", "generation"),
    [
        ("Jr.", "jr"),
        ("SR", "sr"),
        ("II", "jr"),
        ("iii", "iii"),
        ("IV", "iv"),
        ("2nd", "jr"),
        ("3rd", "iii"),
        ("Junior", "jr"),
        ("I", "sr"),  # alone in its column, "I" is the first
        ("Jr., M.D.", "jr"),
        ("M.D.", None),  # a degree: no generation, and no error
        ("Ph.D.", None),
        ("Esq.", None),
        ("n/a", None),
        ("", None),
    ],
)
def test_a_suffix_column_is_read(text: str, generation: str | None) -> None:
    assert norm_suffix(text) == generation


@pytest.mark.parametrize("text", ["xyz", "Smith", "5"])
def test_a_suffix_column_that_says_something_else_is_an_error(text: str) -> None:
    with pytest.raises(InvalidIdentifierError, match="not a generational suffix") as caught:
        norm_suffix(text)
    assert caught.value.reason == "not a name suffix"


@pytest.mark.parametrize("column", ["suffix", "Name Suffix", "generational_suffix"])
def test_a_suffix_column_is_recognised_by_its_name(column: str) -> None:
    assert infer_field_type(column) is FieldType.NAME_SUFFIX


def test_a_generation_column_is_not_taken_for_a_suffix() -> None:
    # Marketing data names a cohort so (Gen X, Millennial): every row would be a reject.
    assert infer_field_type("generation") is None


def test_a_suffix_column_keeps_a_father_and_a_son_apart() -> None:
    others = _others(150)
    for row in others:
        row["suffix"] = None
    family = [
        {"id": "son", "name": "John Smith", "suffix": "Jr.", "phone": "+1 206 555 0101", "zip": "98101"},
        {"id": "father", "name": "John Smith", "suffix": "SR", "phone": "+1 206 555 0101", "zip": "98101"},
        {"id": "son-2", "name": "John Smith", "suffix": "II", "email": "js84@gmail.com", "zip": "98101"},
        {
            "id": "son-3",
            "name": "John Smith",
            "suffix": None,
            "email": "js84@gmail.com",
            "phone": "+1 206 555 0101",
        },
        {"id": "odd", "name": "Jane Smith", "suffix": "Smith", "phone": "+1 206 555 0199"},
    ]
    rows = others + family
    resolver = Resolver(fields={**FIELDS, "suffix": "name_suffix"}, region="US")
    result = resolver.resolve(rows)
    p = result.profile_of
    assert p["son"] != p["father"]
    assert p["son"] == p["son-2"] == p["son-3"]
    assert resolver.explain("son", "father").conflict is not None
    rejects = [(r.record_id, r.field, r.reason) for r in result.rejects]
    assert ("odd", "suffix", "not a name suffix") in rejects  # reported, and the row still resolved
    assert "odd" in p
    graph = resolver.graph()
    graph.add_many(rows)
    assert sorted(map(sorted, graph.clusters)) == sorted(map(sorted, result.clusters))
