"""DataFrames and Arrow tables are read as batches of columns (``_frames.Batches``): the same
records, rejects and profiles as the same data given as rows."""

from __future__ import annotations

import math
from typing import Any

import pytest

from omnilink.exceptions import ConfigurationError
from omnilink.identity import FieldType, Resolver, _normalize
from omnilink.identity._frames import Batches, Columns, frame_batches, is_frame
from omnilink.identity._normalize import Normalizer

from ._data import contacts

pa = pytest.importorskip("pyarrow")
pd = pytest.importorskip("pandas")
pl = pytest.importorskip("polars")

COLUMNS = ["id", "country", "first_name", "last_name", "email", "phone", "handle", "dob", "city", "postcode"]


def _rows(n: int, seed: int) -> list[dict[str, Any]]:
    """Contacts whose columns keep one type each (as a frame's columns do), with the problems a
    frame carries: empty strings, padding, NUL bytes, invalid values, missing ids, repeated
    ids, rows with nothing usable."""
    rows = [{c: r.get(c) for c in COLUMNS} for r in contacts(n, seed=seed)]
    for k, row in enumerate(rows):
        if k % 97 == 1:
            row["email"] = "not an email"
        if k % 89 == 2:
            row["phone"] = "12"
        if k % 83 == 3:
            row["first_name"] = "  "
        if k % 79 == 4:
            row["last_name"] = "Smith\x00"
        if k % 61 == 8:  # generational suffixes, read off the column as off the rows
            row["last_name"] = f"{row['last_name'] or 'Smith'} {'Jr.' if k % 2 else 'Sr'}"
        if k % 211 == 5:
            row["id"] = None
        if k % 199 == 6:
            row["id"] = rows[0]["id"]
        if k % 173 == 7:
            row.update(dict.fromkeys(COLUMNS[1:]))
    return rows


@pytest.mark.parametrize("kind", ["pyarrow", "pandas", "polars"])
def test_a_frame_resolves_as_its_rows(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_normalize, "_BATCH", 500)  # several batches, and a short last one
    rows = _rows(2300, seed=4)
    if kind == "pyarrow":
        frame: Any = pa.Table.from_pylist(rows)
    elif kind == "pandas":
        frame = pd.DataFrame(rows)
    else:
        frame = pl.DataFrame(rows)
    assert is_frame(frame)
    resolver = Resolver(id_field="id", region="US", region_field="country")
    want = Resolver(id_field="id", region="US", region_field="country").resolve(rows)
    got = resolver.resolve(frame)
    assert got.profile_of == want.profile_of
    assert got.links == want.links
    assert got.rejects == want.rejects
    reasons = {r.reason.split(":")[0].split(" '")[0] for r in want.rejects}
    assert {"missing id", "duplicate id", "empty row"} <= reasons


def test_a_pandas_frame_with_nan_and_an_id_index_resolves_as_its_rows() -> None:
    rows = _rows(600, seed=5)
    frame = pd.DataFrame(rows)
    frame.loc[3, "email"] = math.nan  # pandas' missing value
    frame["score"] = 1.5  # a float column nobody reads
    indexed = frame.dropna(subset=["id"]).drop_duplicates("id").set_index("id")
    want_rows = [
        {**r, "email": None if k == 3 else r["email"]} for k, r in enumerate(rows) if r["id"] is not None
    ]
    first_of_id: dict[Any, dict[str, Any]] = {}
    for r in want_rows:
        first_of_id.setdefault(r["id"], r)  # drop_duplicates keeps the first row of each id
    want_rows = list(first_of_id.values())
    want = Resolver(id_field="id", region="US", region_field="country").resolve(want_rows)
    got = Resolver(id_field="id", region="US", region_field="country").resolve(indexed)
    assert got.profile_of == want.profile_of


def test_an_arrow_record_batch_and_typed_columns() -> None:
    """Arrow's own types arrive as Python values: an int id, a date; a record batch works too."""
    from datetime import date

    table = pa.table(
        {
            "id": pa.array([1, 2, 3], pa.int64()),
            "email": ["ann.lee@mailbox.org", "Ann.Lee@Mailbox.org", None],
            "dob": pa.array([date(1980, 2, 3), date(1980, 2, 3), None], pa.date32()),
        }
    )
    rows = table.to_pylist()
    for frame in (table, table.to_batches()[0]):
        got = Resolver(fields={"email": "email", "dob": "date"}).resolve(frame)
        assert got.profile_of == Resolver(fields={"email": "email", "dob": "date"}).resolve(rows).profile_of
        assert got.profile_of["1"] == got.profile_of["2"] != got.profile_of["3"]


def test_batches_of_columns_normalize_as_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """At the normalizer: columns holding any Python value (lists, bytes, numbers) give the
    records and rejects of the same rows."""
    monkeypatch.setattr(_normalize, "_BATCH", 64)
    fields = {
        "first_name": FieldType.FIRST_NAME,
        "last_name": FieldType.LAST_NAME,
        "email": FieldType.EMAIL,
        "phone": FieldType.PHONE,
        "dob": FieldType.DATE,
        "crm": FieldType.EXTERNAL_ID,
    }
    rows = _rows(400, seed=6)
    odd: list[Any] = [["a@b.com", "x"], b"\xff", 7, 2.5, math.nan, "+1 415 555 2671", ("a", "b"), object()]
    for k, row in enumerate(rows):
        row["crm"] = odd[k % len(odd)] if k % 3 else f"c{k % 40}"
        if k % 5 == 0:
            row["phone"] = odd[k % len(odd)]
    names = list(rows[0])
    batches = [
        Columns({c: [r[c] for r in rows[s : s + 64]] for c in names}, len(rows[s : s + 64]))
        for s in range(0, len(rows), 64)
    ]

    def normalizer() -> Normalizer:
        return Normalizer(
            id_field="id", fields=fields, region="US", region_field="country", max_field_length=80
        )

    by_rows, by_columns = normalizer(), normalizer()
    want = by_rows.normalize_all(rows)
    got = by_columns.normalize_all(Batches(batches, names))
    assert got == want
    assert by_columns.rejects == by_rows.rejects
    assert any(r.reason == "not valid UTF-8" for r in by_rows.rejects)
    assert any(r.reason.startswith("wrong type") for r in by_rows.rejects)
    assert {r.generation for r in want} == {None, "jr", "sr"}


def test_frame_batches_split_a_frame_into_columns() -> None:
    frame = pl.DataFrame({"id": ["a", "b", "c"], "email": ["x@y.com", None, "z@y.com"]})
    batches = frame_batches(frame, id_field="id", size=2)
    got = list(batches.batches)
    assert batches.names == ["id", "email"]
    assert [len(b) for b in got] == [2, 1]
    assert got[0].column("email") == ["x@y.com", None]
    assert got[1].column("missing") == [None]
    assert got[1].row(0) == {"id": "c", "email": "z@y.com"}
    assert got[0].rows()[1] == {"id": "b", "email": None}


@pytest.mark.parametrize("kind", ["pandas", "arrow"])
def test_a_frame_with_two_columns_of_one_name_is_refused(kind: str) -> None:
    if kind == "pandas":
        pd = pytest.importorskip("pandas")
        frame: Any = pd.DataFrame([["1", "a.b@gmail.com", "c.d@gmail.com"]], columns=["id", "email", "email"])
    else:
        pa = pytest.importorskip("pyarrow")
        cols = [pa.array(["1"]), pa.array(["a.b@gmail.com"]), pa.array(["c.d@gmail.com"])]
        frame = pa.table(cols, names=["id", "email", "email"])
    with pytest.raises(ConfigurationError, match="more than one column named 'email'"):
        Resolver().resolve(frame)  # pandas: AttributeError; Arrow: the first email silently lost
