"""Email and phone cells as exports write them: several values in one cell ("a@x.com;
b@y.com", "415-555-2671 / 415-555-2672"), a label beside a number, a number that went through a
float column ("4155552671.0"). Each such cell had been one invalid value, so the record lost
all of it."""

from __future__ import annotations

import pytest

from omnilink.identity import FieldType, Resolver
from omnilink.identity._normalize import number_text, several_values, without_float_tail


@pytest.mark.parametrize(
    ("ftype", "cell", "parts"),
    [
        (FieldType.EMAIL, "ann@x.com; bob@y.com", ["ann@x.com", "bob@y.com"]),
        (FieldType.EMAIL, "ann@x.com,bob@y.com", ["ann@x.com", "bob@y.com"]),
        (FieldType.EMAIL, "ann@x.com / bob@y.com", ["ann@x.com", "bob@y.com"]),
        (FieldType.EMAIL, "ann@x.com | bob@y.com", ["ann@x.com", "bob@y.com"]),
        (FieldType.EMAIL, "Ann Lee <ann@x.com>, Bob <bob@y.com>", ["<ann@x.com>", "<bob@y.com>"]),
        (FieldType.EMAIL, "Ann Lee <ann@x.com>", None),
        (FieldType.EMAIL, "bob@@stone ", None),  # one bad address: rejected as it was written
        # an address with its @ spelled out is one of them, whole (it had been dropped, word by word)
        (FieldType.EMAIL, "ann@x.com; bob at y.com; cy@z.com", ["ann@x.com", "bob at y.com", "cy@z.com"]),
        (FieldType.EMAIL, "bob [at] y [dot] com, ann@x.com", ["bob [at] y [dot] com", "ann@x.com"]),
        (FieldType.EMAIL, "Doe, Jane <jane@x.com>", None),  # a comma in a display name: one address
        # a part that is no address is read (and rejected) on its own; the cell had been one bad value
        (FieldType.EMAIL, "ann@x.com, foo", ["ann@x.com", "foo"]),
        (FieldType.EMAIL, "ann@x.com; N/A; bob@y.com", ["ann@x.com", "N/A", "bob@y.com"]),
        (FieldType.EMAIL, "Doe, Jane <jane@x.com>, Bob <b@y.com>", ["<jane@x.com>", "<b@y.com>"]),
        (FieldType.EMAIL, "ann@x.com,", None),
        (FieldType.EMAIL, "Doe, Jane", None),  # no address at all: one bad value
        (FieldType.EMAIL, "ann@x,com", None),  # a comma for the dot: one address
        (FieldType.EMAIL, "ann@x,com; bob@y.com", ["ann@x,com", "bob@y.com"]),
        (FieldType.EMAIL, "Work: ann@x.com; Home: bob@y.com", ["ann@x.com", "bob@y.com"]),
        (FieldType.PHONE, "415.555.2671; 415.555.2672", ["415.555.2671", "415.555.2672"]),
        (FieldType.PHONE, "+1 415 555 2671 / +1 415 555 2672", ["+1 415 555 2671", "+1 415 555 2672"]),
        (FieldType.PHONE, "(415) 555-2671, (415) 555-2672", ["(415) 555-2671", "(415) 555-2672"]),
        (FieldType.PHONE, "030/1234567", None),  # one Berlin number
        (FieldType.PHONE, "+1 415 555 2671, ext. 12", None),  # one number and its extension
        (FieldType.PHONE, "415 555 2671; n/a", ["415 555 2671", "n/a"]),
        (FieldType.PHONE, "415 555 2671, foo", ["415 555 2671", "foo"]),
        (FieldType.PHONE, "Mobile, 415 555 2671", ["415 555 2671"]),  # a label apart from its number
        (FieldType.PHONE, "415 555 2671 / 12", None),
        (FieldType.PHONE, "n/a; unknown", None),
        (FieldType.CITY, "Paris; London", None),
    ],
)
def test_several_values(ftype: FieldType, cell: str, parts: list[str] | None) -> None:
    assert several_values(ftype, cell) == parts


_ROWS = [
    {"id": "both", "name": "Ann Lee", "email": "ann.lee@gmail.com; Lee, Ann <a.lee@acme-corp.com>"},
    {"id": "home", "name": "Ann Lee", "email": "ann.lee@gmail.com"},
    {"id": "work", "name": "A. Lee", "email": "A.Lee@acme-corp.com", "phone": "Mobile: 415 555 2671"},
    {"id": "bad", "name": "Bob Stone", "email": "bob.stone@gmail.com, bob@@stone"},
    {"id": "bob", "name": "Bob Stone", "email": "bob.stone@gmail.com"},
    {"id": "two", "name": "Carla Ruiz", "phone": "(212) 555-0187 / +44 20 7946 0958"},
    {"id": "uk", "name": "Carla Ruiz", "phone": "0044 20 7946 0958"},  # 00: international
    {"id": "ny", "name": "Carla Ruiz", "phone": "2125550187.0"},  # through a float column
    {"id": "xl", "name": "Carla Ruiz", "phone": "442079460958.0"},  # a spreadsheet dropped the +
    {"id": "cell", "name": "Ann Lee", "phone": "+1 (415) 555-2671 (cell)"},
]


def test_each_value_of_a_cell_links_in_batch_and_online() -> None:
    r = Resolver(id_field="id", region="US")
    result = r.resolve(_ROWS)
    p = result.profile_of
    assert p["both"] == p["home"] == p["work"] == p["cell"]
    assert p["bad"] == p["bob"]  # its good address still counts
    assert p["two"] == p["uk"] == p["ny"] == p["xl"]
    (reject,) = result.rejects  # and the bad one is reported on its own
    assert (reject.record_id, reject.field, reject.value) == ("bad", "email", "bob@@stone")
    assert len(set(p.values())) == 3
    graph = r.graph()
    graph.add_many(_ROWS)
    assert set(graph.clusters) == set(result.clusters)


def test_a_bad_part_of_a_cell_is_rejected_alone_and_the_good_values_kept() -> None:
    """A cell "ann@x.com, foo" or "415 555 2671; n/a" was one invalid value: the row lost its
    good address and number. Now the bad part is the reject, and a missing marker none."""
    rows = [
        {"id": "a", "name": "Ann Lee", "email": "ann.lee@gmail.com, foo", "phone": "415 555 2671; n/a"},
        {"id": "b", "name": "Ann Lee", "email": "ann.lee@gmail.com"},
        {"id": "c", "name": "Ann Lee", "phone": "cell; (415) 555-2671, garbage"},
    ]
    r = Resolver(id_field="id", region="US")
    result = r.resolve(rows)
    assert result.profile_of["a"] == result.profile_of["b"] == result.profile_of["c"]
    assert sorted((j.record_id, j.field, j.value, j.reason) for j in result.rejects) == [
        ("a", "email", "foo", "syntax"),
        ("c", "phone", "garbage", "syntax"),
    ]
    graph = r.graph()
    graph.add_many(rows)
    assert set(graph.clusters) == set(result.clusters)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12345.0", "12345"), ("4155552671.0", "4155552671"), ("1.05", "1.05"), ("v1.0", "v1.0"), (".0", ".0")],
)
def test_without_float_tail(text: str, expected: str) -> None:
    assert without_float_tail(text) == expected


def test_an_id_through_a_float_column_is_the_same_id() -> None:
    """A customer id read back from a float column ("12345.0") was another id, and with the
    column exclusive, the two records of one customer could never be one profile."""
    rows = [
        {
            "id": "crm",
            "name": "Ann Lee",
            "customer_id": "12345",
            "ssn": "123456789",
            "email": "ann.lee@gmail.com",
        },
        {"id": "csv", "name": "Ann Lee", "customer_id": "12345.0", "ssn": "123456789.0"},
    ]
    r = Resolver(id_field="id", exclusive=("customer_id",))
    result = r.resolve(rows)
    assert result.profile_of["crm"] == result.profile_of["csv"]
    assert [link.reason for link in result.links] == ["external_id:customer_id"]
    (ssn,) = [e for e in r.explain("crm", "csv").evidence if e.comparator == "ssn"]
    assert ssn.level == "exact"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4.47911123456E+11", "447911123456"),  # every digit kept: the number
        ("9.4103E+04", "94103"),
        ("447911123456", "447911123456"),
        ("1.5E+00", "1.5E+00"),  # a fraction: left to the kind's own checks
        ("E+11", "E+11"),
        ("acme-1E5", "acme-1E5"),
    ],
)
def test_number_text(text: str, expected: str) -> None:
    assert number_text(text, "external_id") == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [("123-45-6789", "123456789"), ("123 45 6789", "123.45.6789"), ("AB 12 34 56 C", "ab123456c")],
)
def test_an_id_with_and_without_its_separators_is_one_id(a: str, b: str) -> None:
    """An SSN written 123-45-6789 in one export and 123456789 in another was two values
    ("123 45 6789" and "123456789"): "different", and with the column exclusive, never one
    profile."""
    rows = [
        {"id": "x", "name": "Ann Lee", "email": "ann.lee@gmail.com", "ssn": a},
        {"id": "y", "name": "Ann Lee", "email": "ann.lee@gmail.com", "ssn": b},
    ]
    r = Resolver(id_field="id", region="US", exclusive=("ssn",))
    result = r.resolve(rows)
    assert result.profile_of["x"] == result.profile_of["y"]
    (ssn,) = [e for e in r.explain("x", "y").evidence if e.comparator == "ssn"]
    assert ssn.level == "exact"


def test_words_of_an_exact_column_keep_their_spaces() -> None:
    rows = [
        {"id": "x", "name": "Ann Lee", "ssn": "blue eyes"},
        {"id": "y", "name": "Ann Lee", "ssn": "blueeyes"},
    ]
    r = Resolver(id_field="id", region="US")
    r.resolve(rows)
    (ssn,) = [e for e in r.explain("x", "y").evidence if e.comparator == "ssn"]
    assert (ssn.value_a, ssn.value_b) == ("blue eyes", "blueeyes")  # no digits: no id's formatting


@pytest.mark.parametrize("written", ['="00123"', "'00123", '"00123"'])
def test_an_id_a_spreadsheet_kept_as_text_is_the_same_id(written: str) -> None:
    """Exports meant for Excel write ="00123" to keep the zeros, and people type '00123: read as
    written, such an id was another id, and with the column exclusive the customer's two
    records could never be one profile."""
    rows = [
        {"id": "crm", "name": "Ann Lee", "customer_id": "00123", "zip": "02139", "phone": "4155552671"},
        {"id": "csv", "name": "Ann Lee", "customer_id": written, "zip": written.replace("00123", "02139")},
        {"id": "xl", "name": "Ann Lee", "phone": written.replace("00123", "4155552671")},
    ]
    r = Resolver(id_field="id", region="US", exclusive=("customer_id",))
    result = r.resolve(rows)
    assert result.profile_of["crm"] == result.profile_of["csv"] == result.profile_of["xl"]
    assert not result.rejects
    levels = {e.comparator: e.level for e in r.explain("crm", "csv").evidence}
    assert levels["external_id:customer_id"] == levels["zip"] == "exact"


def test_a_long_number_excel_cut_short_is_rejected_not_taken_for_an_id() -> None:
    """Excel writes 123456789012 and 123457000000 alike, "1.23457E+11": kept as written, the
    two customers shared an external id and were one profile."""
    rows = [
        {"id": "x", "name": "Ann Lee", "customer_id": "1.23457E+11", "phone": "4.47911E+11"},
        {"id": "y", "name": "Ann Lee", "customer_id": "1.23457E+11"},
        {"id": "z", "name": "Ann Lee", "customer_id": "1.23456789012E+11", "zip": "9.4103E+04"},
        {"id": "w", "name": "Ann Lee", "customer_id": "123456789012", "zip": "94103"},
    ]
    r = Resolver(id_field="id", region="US", exclusive=["customer_id"])
    result = r.resolve(rows)
    p = result.profile_of
    assert p["x"] != p["y"]
    assert p["z"] == p["w"]  # every digit kept: the same id
    assert sorted((j.record_id, j.field, j.reason) for j in result.rejects) == [
        ("x", "customer_id", "scientific notation, digits lost"),
        ("x", "phone", "scientific notation, digits lost"),
        ("y", "customer_id", "scientific notation, digits lost"),
    ]
