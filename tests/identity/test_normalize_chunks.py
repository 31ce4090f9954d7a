"""``Normalizer.normalize_all`` reads rows a chunk at a time, column by column (``_Chunk``):
it must give exactly what ``normalize`` gives one row at a time, rejects and weak values too."""

from __future__ import annotations

import dataclasses
import random
from datetime import date
from typing import Any

import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omnilink.identity import FieldType, Resolver, _normalize
from omnilink.identity._engine import Engine
from omnilink.identity._normalize import Normalizer

from ._data import contacts

FIELDS = {
    "id": FieldType.EXACT,  # overridden: the id column is the id
    "country": FieldType.EXACT,
    "first_name": FieldType.FIRST_NAME,
    "last_name": FieldType.LAST_NAME,
    "name": FieldType.FULL_NAME,
    "email": FieldType.EMAIL,
    "work_email": FieldType.EMAIL,
    "phone": FieldType.PHONE,
    "handle": FieldType.HANDLE,
    "instagram": FieldType.HANDLE,
    "dob": FieldType.DATE,
    "city": FieldType.CITY,
    "postcode": FieldType.POSTCODE,
    "crm_id": FieldType.EXTERNAL_ID,
    "street": FieldType.ADDRESS,
    "suffix": FieldType.NAME_SUFFIX,
}


def _normalizer(fields: dict[str, FieldType], *, region_field: str | None = "country") -> Normalizer:
    fields = {c: t for c, t in fields.items() if c != "id"}
    return Normalizer(
        id_field="id", fields=fields, region="US", region_field=region_field, max_field_length=60
    )


def _both(rows: list[Any], fields: dict[str, FieldType], **kw: Any) -> tuple[Any, Any]:
    """(normalize_all, one row at a time) of ``rows``, each on a fresh normalizer."""
    chunked, single = _normalizer(fields, **kw), _normalizer(fields, **kw)
    got = chunked.normalize_all(iter(rows))
    want = [single.normalize(r) for r in rows]
    return (got, chunked.rejects, chunked.weak), (want, single.rejects, single.weak)


@pydantic.dataclasses.dataclass
class _Dataclass:
    id: str
    email: str | None = None


class _Model(pydantic.BaseModel):
    id: str
    phone: str | None = None


def _messy(n: int, seed: int) -> list[Any]:
    """Generated contacts with every kind of cell the column reading must leave alone or reject."""
    rng = random.Random(seed)
    rows: list[Any] = contacts(n, seed=seed)
    odd: list[Any] = [
        None,
        "",
        "   ",
        "n/a",
        "x\x00y",
        "a" * 61,  # longer than max_field_length
        12,
        4.5,
        float("nan"),
        True,
        b"bytes@example.com",
        b"\xff\xfe",
        date(1980, 2, 3),
        ["+1 415 555 2671", "415-555-2671", "12"],
        ("a@b.com", "A@B.COM"),
        {"set@example.com"},
        object(),
        "not an email",
        "+1 202 555 0100",
        "Smith, John",
        "info@company.com",
        "a@b.com; c@d.com",
        "+1 415 555 2671; +1 202 555 0100",
    ]
    columns = [*FIELDS, "unknown"]
    for row in rows:
        middle = rng.choice(
            ["", "", "", "", "García ", "Michael ", "J. ", "van der ", "de la Torre ", '"Bob" ']
        )
        row["name"] = f"{row['first_name'] or ''} {middle}{row['last_name'] or ''}".strip() or None
        if rng.random() < 0.1:  # a full name gives the last name, and its middle words
            row["last_name"] = rng.choice([None, "Na", "NA"])
        if rng.random() < 0.03:  # no person's name: an inbox, a widget's, a couple's, a household's
            row["name"] = rng.choice(["ann.smith@example.com", "Guest", "Visitor 4821", "Mr and Mrs Smith"])
            others = ["The Smith Family", "Herr und Frau Müller", "Jane & John Doe"]
            row["name"] = rng.choice([row["name"], *others])
        if rng.random() < 0.02:  # missing markers that are names too
            row["first_name"] = rng.choice(["Nan", "nan", "NaN", "Nil"])
        if row["name"] and rng.random() < 0.05:  # a generational suffix, in either name column
            suffix = rng.choice([" Jr.", " Sr", " III", ", Jr."])
            if rng.random() < 0.5 or not row["last_name"]:
                row["name"] += suffix
            else:
                row["last_name"] += suffix
        row["work_email"] = None
        row["crm_id"] = f"c{rng.randrange(500)}" if rng.random() < 0.2 else None
        row["street"] = "12 High Street" if rng.random() < 0.1 else None
        row["suffix"] = rng.choice(["Sr.", "IV", "M.D.", "xyz"]) if rng.random() < 0.05 else None
        if rng.random() < 0.15:
            row[rng.choice(columns)] = rng.choice(odd)
        if rng.random() < 0.03:
            row["country"] = rng.choice(["gb ", "XX", "u", 44, ["US"], None, ""])
        if rng.random() < 0.02:
            row["id"] = rng.choice([None, "", "  ", 7, 7.0, 7.5, b"\xff", b"id", rows[0]["id"], ["x"]])
    # Rows the assertions below look for, whatever the random choices.
    rows[1]["phone"] = ["+1 415 555 2671", "+44 20 7946 0958", "12"]
    rows[2]["email"] = b"\xff\xfe"
    rows[6]["email"] = "Ann <ann@example.com>; a.lee@gmail.com"  # several values in one cell
    rows[7]["phone"] = "(415) 555-2671 / +44 20 7946 0958"
    rows[8]["phone"] = "4155552671.0"  # through a float column
    rows[9]["postcode"], rows[10]["postcode"] = 2119, "02119-4401"  # the region decides these
    rows[3]["id"] = rows[4]["id"]
    rows[5]["id"] = None
    for k in range(0, n, max(n // 12, 1)):  # rows of other kinds, and rows that are not rows
        rows[k] = rng.choice(
            [
                "a string",
                42,
                None,
                _Dataclass(id=f"dc{k}", email="dc@example.com"),
                _Model(id=f"m{k}", phone="+44 20 7946 0958"),
                {"id": f"e{k}"},  # nothing else: an empty row
            ]
        )
    return rows


@pytest.mark.parametrize("batch", [7, 250, 16_384])
def test_chunks_equal_one_row_at_a_time_on_messy_rows(batch: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_normalize, "_BATCH", batch)
    rows = _messy(3000, seed=5)
    got, want = _both(rows, FIELDS)
    assert got[0] == want[0]
    assert got[1] == want[1]
    assert got[2] == want[2]
    # The test exercises what it means to: rejects of every sort, and records of every slot.
    reasons = {r.reason.split(":")[0].split(" '")[0] for r in want[1]}
    assert {"wrong row type", "empty row", "duplicate id", "missing id", "invalid_number"} <= reasons
    assert any(r.reason.startswith("wrong type") for r in want[1])
    assert any(r.reason.startswith("too long") for r in want[1])
    assert any(r.reason == "not valid UTF-8" for r in want[1])
    assert any(len(rec.phones) > 1 for rec in want[0])
    assert any(len(rec.emails) > 1 for rec in want[0])
    assert any(rec.externals for rec in want[0])
    assert any("street" in rec.values for rec in want[0])
    assert {rec.generation for rec in want[0]} == {None, "jr", "sr", "iii", "iv"}  # IV: the column's
    assert any(r.reason == "not a name suffix" for r in want[1])
    assert any(r.reason == "an e-mail address, not a name" for r in want[1])
    assert want[2]  # role mailboxes and placeholders


def test_chunks_equal_rows_without_a_region_column() -> None:
    rows = _messy(800, seed=8)
    got, want = _both(rows, FIELDS, region_field=None)
    assert got == want


_cells = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "Ann",
            " ann ",
            "ANN",
            "Smith, Ann",
            "Ann Smith Jr.",
            "Smith Sr",
            "Sr. Ann",
            "Guest",
            "Mr & Mrs Smith",
            "Jane & John Doe",
            "Smith, Jane and John",
            "The Smith Family",
            "a@example.com",
            "A@Example.com ",
            "a+x@gmail.com",
            "a@example.com, b@example.com",
            "+1 415 555 2671, 0044 20 7946 0958",
            "info@example.com",
            "+1 415 555 2671",
            "(415) 555-2671",
            "0044 20 7946 0958",
            "@ann",
            "x.com/ann",
            "1980-02-03",
            "03/02/1980",
            "SW1A 1AA",
            "",
            "\x00",
        ]
    ),
    st.text(max_size=8),
    st.integers(-5, 5),
    st.lists(st.sampled_from(["a@example.com", "+1 415 555 2671", "ann"]), max_size=2),
)
_row = st.fixed_dictionaries(
    {"id": st.one_of(st.text(max_size=3), st.integers(0, 20), st.none())},
    optional={c: _cells for c in FIELDS if c != "id"},
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.one_of(_row, st.sampled_from([None, "row", 3])), max_size=30))
def test_chunks_equal_one_row_at_a_time_on_any_rows(rows: list[Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_normalize, "_BATCH", 4)
    got, want = _both(rows, FIELDS)
    assert got == want


def test_a_resolver_run_gives_the_records_of_one_row_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """The batch resolver's records (normalize_all, with the helper process) are the graph's."""
    monkeypatch.setattr(_normalize, "_BATCH", 500)
    rows = contacts(3000, seed=21)
    resolver = Resolver(id_field="id", region="US", region_field="country", workers=2)
    resolver.resolve(rows)
    assert resolver._last is not None
    by_id = resolver._last[3]
    norm = Engine(resolver._config(rows)).normalizer()
    assert [by_id[str(r["id"])] for r in rows] == [dataclasses.replace(norm.normalize(r)) for r in rows]


def test_a_value_in_the_other_kinds_column_is_read_as_its_kind_in_chunks_too() -> None:
    """ "Email or phone" fields: an email column's phone number is a phone, a phone column's
    address an email, in the order of the columns, the same in chunks as row by row."""
    fields = {"phone": FieldType.PHONE, "email": FieldType.EMAIL, "work_email": FieldType.EMAIL}
    rows = [
        {"id": "a", "phone": "ann@example.com", "email": "+1 415 555 2671", "work_email": "ann@acme.com"},
        {"id": "b", "phone": "(415) 555-2672", "email": "4155552673", "work_email": "12345"},
        {"id": "c", "phone": "+1 415 555 2671", "email": "ann@example.com"},
    ]
    got, want = _both(rows, fields, region_field=None)
    assert got == want
    records = want[0]
    assert (records[0].emails, records[0].phones) == (("ann@example.com", "ann@acme.com"), ("+14155552671",))
    assert records[1].phones == ("+14155552672", "+14155552673")  # the phone column's first
    assert [(r.field, r.value) for r in want[1]] == [("work_email", "12345")]


def test_a_whatsapp_handle_is_a_phone_in_chunks_too() -> None:
    fields = {"phone": FieldType.PHONE, "handle": FieldType.HANDLE}
    rows = [
        {"id": "a", "handle": "https://wa.me/14155552671"},
        {"id": "b", "phone": "(415) 555-2672", "handle": "wa.me/14155552671"},
        {"id": "c", "handle": "instagram.com/annlee"},
    ]
    got, want = _both(rows, fields, region_field=None)
    assert got == want
    assert [r.phones for r in want[0]] == [("+14155552671",), ("+14155552672", "+14155552671"), ()]
