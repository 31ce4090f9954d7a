"""Compound surnames in a full-name column: "María García López" is María whose surnames are
García (her father's, the one she goes by) and López. The last word stays the last name; the
words between are kept as middle words, and a surname found among them is a shared word, so
her "María García" records are not scored as another surname, nor refused a shared phone."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from omnilink.identity import FieldType, Resolver
from omnilink.identity._blocking import default_rules
from omnilink.identity._engine import lone_surname, surnames_differ
from omnilink.identity._normalize import Normalizer, norm_name, split_full_name


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("María García López", ("maria", "lopez", "garcia")),
        ("María José García López", ("maria", "lopez", "jose garcia")),
        ("Juan Pérez de la Cruz", ("juan", "cruz", "perez")),  # particles name nobody
        ("Ludwig van Beethoven", ("ludwig", "beethoven", None)),
        ("John M. Smith", ("john", "smith", None)),  # nor do initials
        ("John Michael Smith", ("john", "smith", "michael")),
        ("John Smith", ("john", "smith", None)),
        ("Madonna", ("madonna", None, "madonna")),  # one word: a first name that may be a surname
        ("García López, María", ("maria", "garcia lopez", None)),  # the comma form already kept both
        ("Smith, John Michael", ("john", "smith", "michael")),
    ],
)
def test_a_full_name_keeps_its_middle_words(text: str, parts: tuple[str | None, ...]) -> None:
    canon = norm_name(text)
    assert canon is not None
    assert split_full_name(canon, text) == parts


_ROWS: list[dict[str, Any]] = [
    {"id": "1", "name": "María García López", "last_name": None},
    {"id": "2", "name": "María García López", "last_name": "Ruiz"},
    {"id": "3", "name": "John Smith", "last_name": None},
    {"id": "4", "name": "Juan Pérez de la Cruz", "last_name": "Pérez"},
    {"id": "5", "name": None, "last_name": "García"},
]


@pytest.mark.parametrize(
    ("fields", "middles"),
    [
        # The middle words belong to the full name that gives the record its last name.
        (
            {"name": FieldType.FULL_NAME, "last_name": FieldType.LAST_NAME},
            ["garcia", "garcia", None, "perez", None],
        ),
        ({"last_name": FieldType.LAST_NAME, "name": FieldType.FULL_NAME}, ["garcia", None, None, None, None]),
    ],
)
def test_one_row_at_a_time_and_a_batch_read_the_same_middle_words(
    fields: dict[str, FieldType], middles: list[str | None]
) -> None:
    one = Normalizer(id_field="id", fields=fields, region="ES", max_field_length=200)
    batch = Normalizer(id_field="id", fields=fields, region="ES", max_field_length=200)
    by_row = [one.normalize(r) for r in _ROWS]
    assert [r.middle for r in by_row] == middles
    assert batch.normalize_all(_ROWS) == by_row


def _resolve(rows: list[dict[str, Any]]) -> tuple[Resolver, Mapping[str, str]]:
    r = Resolver(id_field="id", region="ES")
    return r, r.resolve(rows).profile_of


def test_a_compound_surname_and_its_first_half_are_one_person() -> None:
    rows = [
        {"id": "a", "name": "María García López", "dob": "1980-02-03", "postcode": "28001"},
        {"id": "b", "name": "María García", "dob": "1980-02-03", "postcode": "28001"},
    ]
    r, profile_of = _resolve(rows)
    assert profile_of["a"] == profile_of["b"]
    ex = r.explain("a", "b")
    (last,) = [e for e in ex.evidence if e.comparator == "last_name"]
    assert last.level == "jw>=0.80"  # the shared word; "different" before, at -5.0
    assert (last.value_a, last.value_b) == ("garcia lopez", "garcia")  # the middle words shown
    assert last.weight > 0
    assert ex.match
    # The graph gives the same.
    graph = r.graph()
    assert graph.add(rows[0]).profile_id == graph.add(rows[1]).profile_id


def test_a_compound_surname_passes_the_phone_guard_and_another_surname_does_not() -> None:
    rows = [
        {"id": "a", "name": "María García López", "phone": "+34 622 918 473"},
        {"id": "b", "name": "María García", "phone": "622 918 473"},
        {"id": "c", "name": "María Ruiz Pérez", "phone": "622 918 473"},
    ]
    r, profile_of = _resolve(rows)
    assert profile_of["a"] == profile_of["b"] != profile_of["c"]
    assert r.explain("a", "b").guards == ()
    assert r.explain("a", "c").guards  # surnames differ on a shared (household) phone
    assert not surnames_differ(("maria", "lopez", "garcia"), ("maria", "garcia"))
    assert surnames_differ(("maria", "lopez", "garcia"), ("ana", "perez", "garcia"))  # sisters: no
    assert surnames_differ(("maria", "lopez"), ("maria", "garcia"))


def test_a_middle_name_changes_nothing() -> None:
    rows = [
        {"id": "a", "name": "John Michael Smith", "email": "jms@acme-bakery.com"},
        {"id": "b", "name": "John Smith", "email": "jms@acme-bakery.com"},
        {"id": "c", "name": "John Michael", "dob": "1970-01-01"},
    ]
    r, profile_of = _resolve(rows)
    assert profile_of["a"] == profile_of["b"] != profile_of["c"]
    (last,) = [e for e in r.explain("a", "b").evidence if e.comparator == "last_name"]
    assert last.level == "exact"


def test_a_surname_among_middle_words_blocks_with_it() -> None:
    """Two records with nothing but a name in common are compared: the middle word that is no
    first name gives the keys of its name; a middle name ("Michael") gives none."""
    fields = {"name": FieldType.FULL_NAME}
    norm = Normalizer(id_field="id", fields=fields, region="ES", max_field_length=200)
    a, b, c, d = norm.normalize_all(
        [
            {"id": "a", "name": "María García López"},
            {"id": "b", "name": "María García"},
            {"id": "c", "name": "John Michael Smith"},
            {"id": "d", "name": "John Michael"},
        ]
    )
    (rule,) = [x for x in default_rules(fields) if x.name == "name-phonetic"]
    assert set(rule.keys(a)) & set(rule.keys(b))
    assert not set(rule.keys(c)) & set(rule.keys(d))


@pytest.mark.parametrize("seed", [1, 2])
def test_batch_and_graph_agree_on_full_names(seed: int) -> None:
    """The contact data with one full-name column (middle names, second surnames, one-word
    names): the batch path's array forms (blocks, guard, shared values) and the graph's
    record-at-a-time forms give the same clusters, and the middle words are in use."""
    from benchmarks.contactgen import generate, iter_records
    from benchmarks.fullnames import full_name_rows

    rows = full_name_rows(list(iter_records(generate(2500, seed=seed))), seed=seed)
    for row in rows:
        row["id"] = str(row["id"])
        del row["entity_id"]
    r = Resolver(id_field="id", region="US", region_field="country").fit(rows)
    batch = r.resolve(rows)
    graph = r.graph()
    graph.add_many(rows)
    assert sorted(map(sorted, batch.clusters)) == sorted(map(sorted, graph.clusters))
    assert len(batch.profiles) < len(rows)
    records = graph._recs
    assert any(rec.middle and rec.last for rec in records)  # compound surnames, middle names
    assert any(rec.middle and not rec.last for rec in records)  # one-word names


@pytest.mark.parametrize(
    ("a", "other_last", "other_middle", "lone"),
    [
        (("sanchez", None, "sanchez"), "alvarez", "sanchez", True),  # his first surname, alone
        (("lopez", "gomez", None), "gomez", "lopez", True),  # both surnames, no first name
        (("lopez", "gomez", "ruiz"), "gomez", "ruiz lopez", True),  # in another order still his
        (("lopez", "ruiz", None), "gomez", "lopez", False),  # a surname that is not his
        (("james", None, "james"), "smith", "james", False),  # a known first name: a person
        (("james", "smith", None), "smith", "james", False),  # his father, whose name he carries
        (("lopez", "gomez", None), "gomez", None, False),  # no middle words to be his surnames
    ],
)
def test_a_name_of_surnames_only_is_the_other_records_surnames(
    a: tuple[str, str | None, str | None], other_last: str, other_middle: str | None, lone: bool
) -> None:
    assert lone_surname(*a, other_last, other_middle) is lone


def test_a_record_whose_first_name_is_missing_joins_the_person_of_its_surnames() -> None:
    """A full name written from a form whose first-name field was empty holds only surnames:
    "López Gómez" was read as first name "lópez", so beside "Marta López Gómez" its first name
    was "different" (-5) and the phone they share looked shared by two people."""
    rows = [
        {"id": "a", "name": "Marta López Gómez", "phone": "+34 744 217 948", "email": "marta.lg@gmail.com"},
        {"id": "b", "name": "López Gómez", "phone": "744 217 948"},
        {"id": "c", "name": "Alejandro Sánchez Álvarez", "email": "asanchez@telefonica.net"},
        {"id": "d", "name": "Sánchez", "email": "asanchez@telefonica.net", "phone": "+34 699 100 200"},
        # A father and the son named after him, at one phone, stay two people.
        {"id": "e", "name": "James Smith", "phone": "+1 415 555 2671"},
        {"id": "f", "name": "John James Smith", "phone": "+1 415 555 2671"},
    ]
    r = Resolver(id_field="id", region="ES")
    p = r.resolve(rows).profile_of
    assert p["a"] == p["b"]
    assert p["c"] == p["d"]
    assert p["e"] != p["f"]
    assert r.explain("a", "b").guards == ()  # the phone is one person's, not shared
    first = {e.comparator: e.level for e in r.explain("a", "b").evidence}["first_name"]
    assert first == "swapped"  # a surname read as a first name, not a "different" first name
    graph = r.graph()
    ids = {row["id"]: graph.add(row).profile_id for row in rows}
    assert ids["a"] == ids["b"]
    assert ids["c"] == ids["d"]
    assert ids["e"] != ids["f"]
