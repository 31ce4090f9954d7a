"""`omnilink resolve`: CSV / JSONL / Parquet in, id + profile_id out, every bad row in the rejects file."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from omnilink.cli import _app
from omnilink.identity import _cli
from omnilink.identity._cli import ReadReject, read_input, read_records, write_columns
from omnilink.identity._frames import Batches

COLUMNS = ("id", "first_name", "last_name", "email", "phone", "country")
ROWS = [
    dict(zip(COLUMNS, values, strict=True))
    for values in [
        ("1", "Robert", "Smith", "bob.smith@gmail.com", "415 555 0134", "US"),
        ("2", "Bob", "Smith", "Bob.Smith+news@GMAIL.com", "+1 415-555-0134", "US"),
        ("3", "Alice", "Jones", "alice@example.org", "020 7946 0958", "GB"),
        ("4", "Alicia", "Jones", "not-an-email", "+44 20 7946 0958", "GB"),
        ("5", "Zed", "Zulu", "zed@zulu.example", "", "US"),
    ]
]


def _write_csv(path: Path, rows: list[dict[str, str]], extra_lines: tuple[str, ...] = ()) -> None:
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        for line in extra_lines:
            fh.write(line + "\n")


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _invoke(*args: str) -> str:
    result = CliRunner().invoke(_app(), ["resolve", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _profiles(rows: list[dict[str, str]]) -> dict[str, str]:
    return {r["id"]: r["profile_id"] for r in rows}


def test_csv_links_people_across_formats_and_regions(tmp_path: Path) -> None:
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    _write_csv(src, ROWS, extra_lines=("6,Carl", ""))
    output = _invoke(str(src), "-o", str(out), "--region-column", "country")
    got = _profiles(_read_csv(out))
    assert set(got) == {"1", "2", "3", "4", "5"}
    assert got["1"] == got["2"], "same gmail (dots, +tag) and same phone in two formats"
    assert got["3"] == got["4"], "GB national number needs the per-row region to match the +44 one"
    assert got["5"] not in {got["1"], got["3"]}
    rejects = _read_csv(tmp_path / "out.rejects.csv")
    reasons = {(r["line"], r["id"], r["field"]): r["reason"] for r in rejects}
    assert reasons[("7", "", "")] == "2 fields, header has 6"
    assert reasons[("", "4", "email")] == "syntax"
    assert "records" in output
    assert "rejected rows" in output


def test_region_option_alone_cannot_place_a_gb_national_number(tmp_path: Path) -> None:
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    _write_csv(src, [{k: v for k, v in r.items() if k != "country"} for r in ROWS])
    _invoke(str(src), "-o", str(out), "--region", "US")
    rejects = _read_csv(tmp_path / "out.rejects.csv")
    assert any(r["id"] == "3" and r["field"] == "phone" for r in rejects), rejects


def test_jsonl_with_bad_lines_and_custom_id_and_fields(tmp_path: Path) -> None:
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    renamed = {"id": "key", "email": "mail", "first_name": "given", "last_name": "family"}
    lines = [json.dumps({new: r[old] for old, new in renamed.items()}) for r in ROWS]
    lines.insert(2, "{not json")
    lines.insert(3, "[1, 2]")
    src.write_text("\n".join(lines) + "\n")
    fields = ["--field", "mail=email", "--field", "given=first_name", "--field", "family=last_name"]
    _invoke(str(src), "-o", str(out), "--id-column", "key", *fields)
    got = {row["key"]: row["profile_id"] for row in map(json.loads, out.read_text().splitlines())}
    assert len(got) == 5
    assert got["1"] == got["2"]
    rejects = [json.loads(line) for line in (tmp_path / "out.rejects.jsonl").read_text().splitlines()]
    assert {r["line"] for r in rejects if r["line"] is not None} == {3, 4}


def test_parquet_round_trip(tmp_path: Path) -> None:
    src, out = tmp_path / "in.parquet", tmp_path / "out.parquet"
    pq.write_table(pa.Table.from_pylist(ROWS), src)
    _invoke(str(src), "-o", str(out), "--region-column", "country", "--threshold", "0.95")
    table = pq.read_table(out).to_pylist()
    got = {row["id"]: row["profile_id"] for row in table}
    assert got["1"] == got["2"]
    assert (tmp_path / "out.rejects.parquet").exists()


def test_non_utf8_bytes_are_a_reject_not_a_crash(tmp_path: Path) -> None:
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_bytes(b"id,first_name,email\n1,Ana,ana@example.com\n2,J\xff\xfeo,jo@example.com\n")
    _invoke(str(src), "-o", str(out))
    assert set(_profiles(_read_csv(out))) == {"1", "2"}
    rejects = (tmp_path / "out.rejects.csv").read_bytes().decode("utf-8", "surrogateescape")
    assert "first_name" in rejects


def test_bad_field_option_and_unknown_extension(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    _write_csv(src, ROWS)
    result = CliRunner().invoke(
        _app(), ["resolve", str(src), "-o", str(tmp_path / "o.csv"), "--field", "email"]
    )
    assert result.exit_code != 0
    assert "COLUMN=TYPE" in result.output
    with pytest.raises(Exception, match="extension"):
        list(read_records(tmp_path / "in.xls", []))


def test_read_records_reports_empty_csv_rows(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("id,name\n1,a\n,\n2\n")
    rejects: list[ReadReject] = []
    rows = list(read_records(src, rejects))
    assert rows == [{"id": "1", "name": "a"}, {"id": "", "name": ""}]
    assert [(r.line, r.reason) for r in rejects] == [(4, "1 fields, header has 2")]


def _write_all_formats(tmp_path: Path, rows: list[dict[str, str]]) -> dict[str, Path]:
    paths = {
        "csv": tmp_path / "in.csv",
        "jsonl": tmp_path / "in.jsonl",
        "json": tmp_path / "in.json",
        "parquet": tmp_path / "in.parquet",
    }
    _write_csv(paths["csv"], rows)
    paths["jsonl"].write_text("".join(json.dumps(r) + "\n" for r in rows))
    paths["json"].write_text(json.dumps(rows, indent=1))
    pq.write_table(pa.Table.from_pylist(rows), paths["parquet"])
    return paths


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json", "parquet"])
def test_read_input_streams_the_rows_read_records_gives(tmp_path: Path, fmt: str) -> None:
    """CSV and Parquet reach the resolver as batches of columns (no dict per row): the same rows
    and rejects as row by row, each batch counted for the progress bar, the end reported once."""
    rows = [dict(r, n=str(k)) for k in range(3) for r in ROWS]  # 15 rows: batches of 4, 4, 4, 3
    path = _write_all_formats(tmp_path, rows)[fmt]
    if fmt == "csv":  # rows that cannot be read, and a cell that is not UTF-8
        with path.open("ab") as fh:
            fh.write(b"9,x\n\n10,J\xff,j,x@y.org,1,US,0\n")
    counts: list[int] = []
    ends: list[int] = []
    rejects: list[ReadReject] = []
    got = read_input(path, rejects, size=4, on_rows=counts.append, on_end=lambda: ends.append(len(counts)))
    assert isinstance(got, Batches) == (fmt not in ("jsonl", "json"))
    assert not counts, "nothing is read before the rows are iterated"
    got_rows = list(got)
    expected_rejects: list[ReadReject] = []
    assert got_rows == list(read_records(path, expected_rejects))
    assert rejects == expected_rejects
    assert sum(counts) == len(got_rows) == len(rows) + (fmt == "csv")
    assert counts == ([4, 4, 4, 4] if fmt == "csv" else [4, 4, 4, 3] if fmt == "parquet" else [1] * 15)
    assert ends == [len(counts)]
    if fmt == "csv":
        assert [(r.line, r.reason) for r in rejects] == [(17, "2 fields, header has 7"), (18, "empty row")]
        assert got_rows[-1]["first_name"] == b"J\xff", "the bytes, for the resolver to reject by field"


def test_every_format_gives_the_same_profiles_in_several_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from omnilink.identity import _normalize

    monkeypatch.setattr(_normalize, "_BATCH", 4)  # several batches through the column path
    rows = [dict(r, id=f"{r['id']}-{k}") for k in range(4) for r in ROWS]
    got = {}
    for fmt, path in _write_all_formats(tmp_path, rows).items():
        out = tmp_path / f"out-{fmt}.csv"
        _invoke(str(path), "-o", str(out), "--region-column", "country")
        got[fmt] = _profiles(_read_csv(out))
    assert len(got["csv"]) == len(rows)
    assert got["csv"] == got["jsonl"] == got["json"] == got["parquet"]
    assert got["csv"]["1-0"] == got["csv"]["2-3"], "the same person across batches"


@pytest.mark.parametrize(("text", "header"), [("", "line,profile_id"), ("id,email\n", "id,profile_id")])
def test_an_empty_csv_gives_an_empty_output(tmp_path: Path, text: str, header: str) -> None:
    # A file without even a header has no id column: rows would be known by their line.
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text(text)
    output = _invoke(str(src), "-o", str(out))
    assert out.read_text().splitlines() == [header]
    assert "│       0 │" in output


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json", "parquet"])
def test_write_columns_keeps_every_row_and_says_none_as_the_format_does(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"out.{fmt}"
    columns: dict[str, list[object]] = {
        "line": [7, None, None],
        "value": ["a,b", b"J\xff", None],
        "reason": ["x", "y", "z"],
    }
    write_columns(path, columns)
    if fmt == "csv":
        assert _read_csv(path) == [
            {"line": "7", "value": "a,b", "reason": "x"},
            {"line": "", "value": "b'J\\xff'", "reason": "y"},
            {"line": "", "value": "", "reason": "z"},
        ]
    elif fmt in ("jsonl", "json"):
        text = path.read_text()
        got = json.loads(text) if fmt == "json" else [json.loads(line) for line in text.splitlines()]
        assert got == [
            {"line": 7, "value": "a,b", "reason": "x"},
            {"line": None, "value": "b'J\\xff'", "reason": "y"},
            {"line": None, "value": None, "reason": "z"},
        ]
    else:
        assert pq.read_table(path).to_pylist() == [
            {"line": "7", "value": "a,b", "reason": "x"},
            {"line": None, "value": "b'J\\xff'", "reason": "y"},
            {"line": None, "value": None, "reason": "z"},
        ]
    with pytest.raises(ValueError, match="different lengths"):
        write_columns(tmp_path / f"ragged.{fmt}", {"a": [1, 2], "b": [1]})
    assert not (tmp_path / f"ragged.{fmt}").exists()


@pytest.mark.parametrize("ext", ["csv", "jsonl", "parquet"])
def test_links_option_writes_why_records_were_joined(tmp_path: Path, ext: str) -> None:
    src, out, links = tmp_path / "in.csv", tmp_path / "out.csv", tmp_path / f"links.{ext}"
    _write_csv(src, ROWS)
    output = _invoke(str(src), "-o", str(out), "--region-column", "country", "--links", str(links))
    got = _profiles(_read_csv(out))
    if ext == "csv":
        rows = _read_csv(links)
    elif ext == "jsonl":
        rows = [json.loads(line) for line in links.read_text().splitlines()]
    else:
        rows = pq.read_table(links).to_pylist()
    assert rows, "records 1-2 and 3-4 are joined"
    assert list(rows[0]) == ["a", "b", "score", "probability", "reason"]
    assert {(r["a"], r["b"]) for r in rows} == {("1", "2"), ("3", "4")}
    for r in rows:
        assert got[r["a"]] == got[r["b"]], "every link is within one profile"
        assert r["reason"] in {"email", "phone", "fuzzy"}
        assert 0 < float(r["probability"]) <= 1
    assert f"links ({len(rows)}) -> " in output


def test_a_field_over_the_csv_modules_limit_is_read_and_rejected_as_too_long(tmp_path: Path) -> None:
    """Python's csv stops at 131,072 characters a field; such a field is rejected by the resolver
    (too long), its row kept, and the process-wide limit is ours only while our reader parses."""
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text(
        "id,first_name,email\n1,John,j.s@gmail.com\n2," + "J" * 200_000 + ",j.s@gmail.com\n3,Jo,x@y.org\n"
    )
    limit = csv.field_size_limit()
    _invoke(str(src), "-o", str(out))
    assert set(_profiles(_read_csv(out))) == {"1", "2", "3"}
    rejects = list(read_records(tmp_path / "out.rejects.csv", []))  # csv.DictReader would stop at the field
    assert [(r["id"], r["field"], r["reason"], len(r["value"])) for r in rejects] == [
        ("2", "first_name", "too long: 200000 characters > 10000", 200_000)
    ]
    seen: list[int] = []
    for _ in read_input(src, [], size=1, on_rows=lambda _n: seen.append(csv.field_size_limit())):
        pass
    assert seen == [limit] * 3, "the caller's limit is in place whenever a batch is handed out"
    assert csv.field_size_limit() == limit


def test_a_row_the_csv_reader_fails_on_is_a_reject_and_the_reading_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_cli, "_FIELD_LIMIT", 50)  # the csv module's error, at a size a test can write
    src = tmp_path / "in.csv"
    src.write_text("id,name\n1,a\n2," + "b" * 60 + "\n3,c\n")
    rejects: list[ReadReject] = []
    assert [row["id"] for row in read_input(src, rejects)] == ["1", "3"]
    assert rejects == [ReadReject(3, "", "cannot be read as CSV: field larger than field limit (50)")]


def test_a_csv_with_a_byte_order_mark_keeps_its_first_column(tmp_path: Path) -> None:
    """Excel writes UTF-8 CSV with a BOM first; it is not part of the first column's name."""
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_bytes(
        b"\xef\xbb\xbfid,first_name,email\n1,John,john.smith@gmail.com\n2,Jon,john.smith@gmail.com\n"
    )
    _invoke(str(src), "-o", str(out))
    got = _profiles(_read_csv(out))
    assert set(got) == {"1", "2"}
    assert got["1"] == got["2"]
    assert _read_csv(tmp_path / "out.rejects.csv") == []


def test_a_jsonl_value_that_is_not_utf8_is_a_field_reject_as_in_csv(tmp_path: Path) -> None:
    """One bad byte in a value rejects that value (the record is resolved on the others), as a CSV
    cell's does; it had rejected the whole line as invalid JSON. A line's BOM is skipped, as it was."""
    src, out = tmp_path / "in.jsonl", tmp_path / "out.csv"
    src.write_bytes(
        b'\xef\xbb\xbf{"id": "1", "first_name": "John", "email": "john.smith@gmail.com"}\n'
        b'{"id": "2", "first_name": "J\xff\xfeo", "email": "john.smith@gmail.com", "x": ["a\xff"]}\n'
        b'{"id": "3\xff", "first_name": "Ann", "email": "ann@example.org"}\n'
        b'{"id": "4", "first_name": \xff}\n'
        b'\xef\xbb\xbf{"id": "5", "first_name": "Eve"}\n'
    )
    _invoke(str(src), "-o", str(out))
    got = _profiles(_read_csv(out))
    assert set(got) == {"1", "2", "#2", "5"}, "an id that is not UTF-8 is replaced, as from a CSV"
    assert got["1"] == got["2"]
    rejects = {
        (r["line"], r["id"], r["field"], r["value"], r["reason"])
        for r in _read_csv(tmp_path / "out.rejects.csv")
    }
    assert ("", "2", "first_name", "b'J\\xff\\xfeo'", "not valid UTF-8") in rejects
    assert ("", "#2", "id", "b'3\\xff'", "id is not valid UTF-8") in rejects
    assert not any(r[0] in {"1", "2", "3", "5"} for r in rejects), "no line lost"
    assert any(r[0] == "4" and r[4].startswith("invalid JSON") for r in rejects), "bad bytes outside a string"


def test_a_lone_surrogate_in_jsonl_is_rejected_as_not_utf8_and_every_output_is_utf8(tmp_path: Path) -> None:
    """JSON can escape half a surrogate pair ("\\ud800"): that text is no UTF-8 text, so it is
    rejected as bytes that are not UTF-8 are (an id of it is replaced); it had crashed the run
    when the output was written."""
    src, out, links = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "links.csv"
    src.write_text(
        '{"id": "a\\ud800", "first_name": "Jo\\udfffhn", "email": "john.smith@gmail.com"}\n'
        '{"id": "b", "first_name": "John", "email": "john.smith\\ud83d@gmail.com"}\n'
        '{"id": "c", "first_name": "John", "email": "john.smith@gmail.com", "x": "\\ud83d\\ude00"}\n'
    )
    _invoke(str(src), "-o", str(out), "--links", str(links))
    got = {r["id"]: r["profile_id"] for r in map(json.loads, out.read_bytes().decode("utf-8").splitlines())}
    assert set(got) == {"#0", "b", "c"}
    rejects = [
        json.loads(line) for line in (tmp_path / "out.rejects.jsonl").read_bytes().decode().splitlines()
    ]
    assert {(r["id"], r["field"], r["reason"]) for r in rejects} == {
        ("#0", "id", "id is not valid UTF-8"),
        ("#0", "first_name", "not valid UTF-8"),
        ("b", "email", "not valid UTF-8"),
    }
    links.read_bytes().decode("utf-8")


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_write_columns_writes_utf8_whatever_the_text(tmp_path: Path, fmt: str) -> None:
    """A lone surrogate (how a byte that is not UTF-8 is read) is written escaped, never as the byte."""
    path = tmp_path / f"out.{fmt}"
    write_columns(path, {"value": ["J\udcffo", "\ud800", "é"]})
    if fmt == "csv":
        assert [r["value"] for r in _read_csv(path)] == ["J\\udcffo", "\\ud800", "é"]
        path.read_bytes().decode("utf-8")
    elif fmt == "jsonl":
        text = path.read_bytes().decode("utf-8")
        assert [json.loads(line)["value"] for line in text.splitlines()] == ["J\udcffo", "\ud800", "é"]
    else:
        assert pq.read_table(path).column("value").to_pylist() == ["J\\udcffo", "\\ud800", "é"]


def test_a_csv_row_that_cannot_be_used_is_written_to_the_rejects_as_utf8(tmp_path: Path) -> None:
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_bytes(b"id,first_name\n1,Ann\n2,J\xffo,extra\n")
    _invoke(str(src), "-o", str(out))
    rejects = _read_csv(tmp_path / "out.rejects.csv")  # strict UTF-8: it had held the byte as read
    assert [(r["line"], r["value"]) for r in rejects] == [("3", "2,J\\xffo,extra")]


@pytest.mark.parametrize(
    ("option", "name"),
    [("INPUT", "in.txt"), ("--output", "out.txt"), ("--rejects", "bad.xls"), ("--links", "links.xml")],
)
def test_a_path_of_no_known_format_is_refused_before_anything_is_read(
    tmp_path: Path, option: str, name: str
) -> None:
    """The outputs were checked only when written: a bad --links after the profiles and rejects,
    with a traceback."""
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    _write_csv(src, ROWS)
    paths = {"INPUT": str(src), "--output": str(out)}
    if option == "INPUT":
        (tmp_path / name).write_bytes(src.read_bytes())
    paths[option] = str(tmp_path / name)
    args = [paths.pop("INPUT"), *(part for item in paths.items() for part in item)]
    result = CliRunner().invoke(_app(), ["resolve", *args])
    assert result.exit_code == 2, result.output
    assert "use one of .csv, .tsv, .jsonl, .ndjson, .json, .parquet, .xlsx" in _said(result.output)
    assert option in result.output
    assert not out.exists(), "nothing was read, nothing written"


def test_a_parquet_output_without_pyarrow_is_refused_before_anything_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from omnilink.exceptions import MissingDependencyError

    def missing() -> None:
        raise MissingDependencyError(package="pyarrow", extra="parquet", feature="Parquet files")

    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    _write_csv(src, ROWS)
    monkeypatch.setattr(_cli, "_pyarrow_parquet", missing)
    result = CliRunner().invoke(
        _app(), ["resolve", str(src), "-o", str(out), "--links", str(tmp_path / "l.parquet")]
    )
    assert result.exit_code == 2, result.output
    assert "pip install" in result.output
    assert not out.exists()


def test_an_id_column_named_as_the_profile_id_column_is_refused(tmp_path: Path) -> None:
    """The two output columns would share the name: the file had held the profile ids only."""
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text(
        "profile_id,first_name,email\nA1,John,john.smith@gmail.com\nA2,John,john.smith@gmail.com\n"
    )
    result = CliRunner().invoke(_app(), ["resolve", str(src), "-o", str(out), "--id-column", "profile_id"])
    assert result.exit_code == 2, result.output
    assert "--id-column" in result.output
    assert "rename" in result.output
    assert not out.exists()


@pytest.mark.parametrize("content", [b"", b"not parquet", b"PAR1" + b"\x00" * 20])
def test_a_file_that_is_no_parquet_is_refused_with_its_name(tmp_path: Path, content: bytes) -> None:
    src, out = tmp_path / "in.parquet", tmp_path / "out.csv"
    src.write_bytes(content)
    result = CliRunner().invoke(_app(), ["resolve", str(src), "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert "cannot read" in result.output
    assert "in.parquet" in result.output
    assert not out.exists()


@pytest.mark.parametrize("name", ["in.csv", "in.jsonl"])
def test_an_empty_text_file_gives_an_empty_output(tmp_path: Path, name: str) -> None:
    src, out = tmp_path / name, tmp_path / "out.csv"
    src.write_bytes(b"")
    _invoke(str(src), "-o", str(out))
    assert out.read_text().splitlines() == ["line,profile_id"]  # no columns, so no id column


def _damaged_parquet(tmp_path: Path) -> Path:
    """300 rows in 3 row groups; the page header of row group 1's first_name is overwritten."""
    src = tmp_path / "in.parquet"
    rows = [{"id": str(i), "first_name": f"Name{i}", "email": f"x{i}@gmail.com"} for i in range(300)]
    pq.write_table(
        pa.Table.from_pylist(rows), src, row_group_size=100, compression="none", use_dictionary=False
    )
    data = bytearray(src.read_bytes())
    page = pq.ParquetFile(src).metadata.row_group(1).column(1).data_page_offset
    data[page : page + 64] = b"\xab" * 64
    src.write_bytes(bytes(data))
    return src


def _summary(output: str) -> dict[str, str]:
    """The summary table the command prints, as column -> value."""
    lines = output.splitlines()
    head = next(i for i, line in enumerate(lines) if "rejected rows" in line)
    names = [cell.strip() for cell in lines[head].strip().strip("┃").split("┃")]
    values = [cell.strip() for cell in lines[head + 2].strip().strip("│").split("│")]
    return dict(zip(names, values, strict=True))


@pytest.mark.parametrize("batch", [16_384, 30])
def test_parquet_rows_that_cannot_be_read_are_a_reject_and_the_reading_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    """A damaged page stops Arrow with OSError: the rows from there to the end of their row group
    are one reject, by row number, and the next row group is read (whether the batch that failed
    began in an earlier row group or not)."""
    from omnilink.identity import _normalize

    monkeypatch.setattr(_normalize, "_BATCH", batch)
    src, out = _damaged_parquet(tmp_path), tmp_path / "out.csv"
    _invoke(str(src), "-o", str(out))
    assert set(_profiles(_read_csv(out))) == {str(i) for i in [*range(100), *range(200, 300)]}
    rejects = _read_csv(tmp_path / "out.rejects.csv")
    assert [(r["line"], r["reason"].split(":")[0]) for r in rejects] == [
        ("101", "rows 101-200 cannot be read as Parquet")
    ]


def _strict_json(line: str) -> dict[str, object]:
    def refuse(constant: str) -> object:
        raise ValueError(f"not JSON: {constant}")

    obj: dict[str, object] = json.loads(line, parse_constant=refuse)
    return obj


def test_json_output_holds_no_infinity_or_nan(tmp_path: Path) -> None:
    """A number too large for a float (1e400) is read as inf; json.dumps had written it as the
    bare word Infinity, which JSON does not have. It is written as its str, as in CSV."""
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text(
        '{"id": "1", "first_name": "John", "phone": 1e400, "email": "john.smith@gmail.com"}\n'
        '{"id": "2", "first_name": "John", "email": "john.smith@gmail.com", "last_name": [{"x": -1e400}]}\n'
    )
    _invoke(str(src), "-o", str(out))
    rejects = [_strict_json(line) for line in (tmp_path / "out.rejects.jsonl").read_text().splitlines()]
    values = {(r["id"], r["field"]): r["value"] for r in rejects}
    assert values[("1", "phone")] == "inf"
    assert values[("2", "last_name")] == {"x": "-inf"}, "a value of a wrong type is written as it was read"
    path = tmp_path / "links.jsonl"
    write_columns(
        path, {"score": [float("inf"), float("-inf"), float("nan"), 1.5, None], "v": [[float("nan")]] * 5}
    )
    assert [_strict_json(line) for line in path.read_text().splitlines()] == [
        {"score": "inf", "v": ["nan"]},
        {"score": "-inf", "v": ["nan"]},
        {"score": "nan", "v": ["nan"]},
        {"score": 1.5, "v": ["nan"]},
        {"score": None, "v": ["nan"]},
    ]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_two_columns_of_one_name_are_refused_naming_the_column(tmp_path: Path, fmt: str) -> None:
    """The last of them had been read and the others dropped without a word."""
    src, out = tmp_path / f"in.{fmt}", tmp_path / "out.csv"
    names, rows = ["id", "email", "first_name", "email"], [["1", "a.b@gmail.com", "Al", "c.d@gmail.com"]]
    if fmt == "csv":
        src.write_text("\n".join(",".join(r) for r in [names, *rows]) + "\n")
    else:
        pq.write_table(pa.Table.from_arrays([pa.array([v]) for v in rows[0]], names=names), src)
    result = CliRunner().invoke(_app(), ["resolve", str(src), "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert "two columns named 'email'" in result.output
    assert "rename" in result.output
    assert not out.exists()


def test_columns_without_a_name_may_be_several(tmp_path: Path) -> None:
    """A spreadsheet exports its empty columns, and their blank names, as they are."""
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text("id,email,,\n1,a.b@gmail.com,,\n2,a.b@gmail.com,,\n")
    _invoke(str(src), "-o", str(out))
    assert set(_profiles(_read_csv(out))) == {"1", "2"}


def test_an_input_with_no_column_to_compare_says_to_name_one(tmp_path: Path) -> None:
    src = tmp_path / "odd.csv"
    _write_csv(src, [{"id": "1", "foo": "ann.lee@gmail.com"}, {"id": "2", "foo": "ann.lee@gmail.com"}])
    result = CliRunner().invoke(_app(), ["resolve", str(src), "-o", str(tmp_path / "out.csv")])
    assert result.exit_code == 2, result.output  # was 0, with every row an "empty row" reject
    assert "--field COLUMN=TYPE" in result.output
    assert not (tmp_path / "out.csv").exists()
    _invoke(str(src), "-o", str(tmp_path / "out.csv"), "--field", "foo=email")
    assert len(set(_profiles(_read_csv(tmp_path / "out.csv")).values())) == 1


def test_jsonl_keys_that_come_late_are_named_in_the_summary(tmp_path: Path) -> None:
    src = tmp_path / "late.jsonl"
    lines = [{"id": f"f{i}", "first_name": f"N{i}x", "email": f"user{i}.q@gmail.com"} for i in range(1000)]
    lines += [{"id": x, "first_name": "John", "phone": "+1 415 555 2671"} for x in ("a", "b")]
    src.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    output = _invoke(str(src), "-o", str(tmp_path / "out.csv"))
    assert "not compared: phone (first seen after the first 1,000 rows)" in output
    fields = ("--field", "first_name=first_name", "--field", "email=email", "--field", "phone=phone")
    output = _invoke(str(src), "-o", str(tmp_path / "out.csv"), *fields)
    assert "not compared" not in output
    out = _profiles(_read_csv(tmp_path / "out.csv"))
    assert out["a"] == out["b"]


def test_the_usage_line_names_the_input_as_the_help_and_docs_do() -> None:
    """typer writes a required argument as {input}; the rest of the help and the docs say INPUT."""
    for args in (["resolve", "--help"], ["resolve"]):  # the help, and the error of a missing INPUT
        output = CliRunner().invoke(_app(), args).output
        usage = next(line.strip() for line in output.splitlines() if "Usage:" in line)
        assert usage == "Usage: omnilink resolve [OPTIONS] INPUT", output


def _said(output: str) -> str:
    """The CLI's output as one line of words: rich wraps an error message in a box."""
    return " ".join(output.translate(str.maketrans("│╭╮╰╯─", "      ")).split())


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (["in.csv", "-o", "in.csv"], "'INPUT' / '--output'"),
        (["in.csv", "-o", "out.csv", "--rejects", "out.csv"], "'--output' / '--rejects'"),
        (["in.csv", "-o", "out.csv", "--links", "sub/../out.csv"], "'--output' / '--links'"),
        (["in.csv", "-o", "out.csv", "--rejects", "l.csv", "--links", "l.csv"], "'--rejects' / '--links'"),
        (["in.csv", "-o", "out.csv", "--rejects", "in.csv"], "'INPUT' / '--rejects'"),
        (["in.csv", "-o", "out.csv", "--links", "in.csv"], "'INPUT' / '--links'"),
        (["out.rejects.csv", "-o", "out.csv"], "'INPUT' / '--rejects'"),  # the default rejects path
        (["in.csv", "-o", "out.csv", "--links", "out.rejects.csv"], "'--rejects' / '--links'"),
        (["in.csv", "-o", "link.csv"], "'INPUT' / '--output'"),  # a symlink to the input
        (["in.csv", "-o", "hard.csv"], "'INPUT' / '--output'"),  # a hard link: another path, one file
    ],
    ids=[
        "output-input",
        "rejects-output",
        "links-output",
        "links-rejects",
        "rejects-input",
        "links-input",
        "default-rejects-input",
        "links-default-rejects",
        "symlink",
        "hard-link",
    ],
)
def test_two_paths_that_are_one_file_are_refused_before_anything_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], hint: str
) -> None:
    """One file had silently replaced the other, or the input, once the run was over."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    _write_csv(tmp_path / "in.csv", ROWS)
    (tmp_path / "out.rejects.csv").write_bytes((tmp_path / "in.csv").read_bytes())
    (tmp_path / "link.csv").symlink_to(tmp_path / "in.csv")
    (tmp_path / "hard.csv").hardlink_to(tmp_path / "in.csv")
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir() if path.is_file()}
    result = CliRunner().invoke(_app(), ["resolve", *args])
    assert result.exit_code == 2, result.output
    said = _said(result.output)
    assert f"Invalid value for {hint}: " in said
    assert "give --" in said, "it says which option to change"
    if args[0] == "out.rejects.csv":
        assert "the default rejects file (OUTPUT.rejects.EXT) would be written over INPUT" in said
        assert "or --output another name" in said
    after = {path.name: path.read_bytes() for path in tmp_path.iterdir() if path.is_file()}
    assert after == before, "nothing written, the input untouched"


@pytest.mark.parametrize("option", ["-o", "--rejects", "--links"])
def test_a_symlink_loop_is_a_usage_error_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, option: str
) -> None:
    monkeypatch.chdir(tmp_path)
    _write_csv(tmp_path / "in.csv", ROWS)
    (tmp_path / "loop.csv").symlink_to(tmp_path / "other.csv")
    (tmp_path / "other.csv").symlink_to(tmp_path / "loop.csv")
    args = ["in.csv", "-o", "out.csv", option, "loop.csv"] if option != "-o" else ["in.csv", "-o", "loop.csv"]
    result = CliRunner().invoke(_app(), ["resolve", *args])
    assert result.exit_code == 2, result.output
    said = _said(result.output)
    assert "'loop.csv' cannot be followed to a file" in said
    assert "another path" in said
    assert not (tmp_path / "out.csv").exists()


def test_paths_that_differ_run(tmp_path: Path) -> None:
    src, out, rejects, links = (tmp_path / name for name in ("in.csv", "out.csv", "r.csv", "l.csv"))
    _write_csv(src, ROWS)
    out.write_text("an earlier run's output, replaced\n")
    _invoke(str(src), "-o", str(out), "--rejects", str(rejects), "--links", str(links))
    assert len(_read_csv(out)) == 5
    assert rejects.exists()
    assert links.exists()


@pytest.mark.parametrize("ending", ["\n", "\r\n"])
def test_a_jsonl_reject_shows_its_line_without_the_line_ending(tmp_path: Path, ending: str) -> None:
    """The line's \\n (or \\r\\n) had been kept: a quoted CSV field running over two lines."""
    src, out = tmp_path / "in.jsonl", tmp_path / "out.csv"
    lines = ['{"id": "1", "email": "a.b@gmail.com"}', "{not json ", "[1]", '{"id": "2"}', "[2]\r"]
    src.write_bytes(ending.join(lines).encode())
    _invoke(str(src), "-o", str(out))
    rejects = _read_csv(tmp_path / "out.rejects.csv")
    assert [(r["line"], r["value"]) for r in rejects if r["line"]] == [
        ("2", "{not json "),  # the spaces before the ending are the line's own
        ("3", "[1]"),
        ("5", "[2]\r"),  # the last line, with no ending: a \r alone is none
    ]
    with (tmp_path / "out.rejects.csv").open("rb") as fh:
        assert fh.read().count(b"\r\n") == len(rejects) + 1, "one CSV record per line"


def test_the_summary_counts_every_row_a_damaged_parquet_page_rejects(tmp_path: Path) -> None:
    """One reject stands for the 100 rows of a damaged row group; the summary had said 1 rejected row."""
    src, out = _damaged_parquet(tmp_path), tmp_path / "out.csv"
    output = _invoke(str(src), "-o", str(out))
    summary = _summary(output)
    assert summary["records"] == "200"
    assert summary["rejected rows"] == "100"
    assert "rejects (1 entries)" in _said(output), "the rejects file holds one reject, as before"
    rejects: list[ReadReject] = []
    list(read_input(src, rejects))
    assert [(r.line, r.rows) for r in rejects] == [(101, 100)]


def test_a_jsonl_key_given_twice_keeps_every_value_and_is_reported(tmp_path: Path) -> None:
    """json keeps a repeated key's last value: the first email had been dropped without a word."""
    src, out = tmp_path / "in.jsonl", tmp_path / "out.csv"
    src.write_text(
        '{"id": "1", "first_name": "Ann", "email": "ann.lee@gmail.com", "email": "a.lee@work.example"}\n'
        '{"id": "2", "first_name": "Ann", "email": "ann.lee@gmail.com"}\n'
        '{"id": "3", "id": "3", "first_name": "Ann", "email": "a.lee@work.example"}\n'
        '{"id": "4", "first_name": "Bo", "email": "bo@x.example", "address": {"city": "A", "city": "B"}}\n'
    )
    output = _invoke(str(src), "-o", str(out))
    got = _profiles(_read_csv(out))
    assert set(got) == {"1", "2", "3", "4"}
    assert got["1"] == got["2"] == got["3"], "record 1 is read with both of its emails"
    rejects = [r for r in _read_csv(tmp_path / "out.rejects.csv") if r["line"]]
    assert [(r["line"], r["reason"]) for r in rejects] == [
        ("1", "key 'email' given 2 times: all its values read, as one list"),
        ("3", "key 'id' given 2 times: with one value, read once"),
        ("4", "key 'address.city' given 2 times: all its values read, as one list"),
    ], "a key repeated in a nested object is named by its column's path"
    assert rejects[0]["value"].startswith('{"id": "1", ')
    assert [r["field"] for r in rejects] == ["email", "id", "address.city"], "the field column names the key"
    assert _summary(output)["rejected rows"] == "0", "the records were read, and resolved"


def test_the_values_of_a_repeated_jsonl_key_are_read_as_one_list(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        '{"id": "1", "phone": ["+1 415 555 0134"], "phone": "+1 415 555 0199", "phone": ["+1 415 555 0134"]}'
        "\n"
        '{"id": "2", "n": 1, "n": true, "n": 1.0, "n": 1, "n": null}\n'
        '[{"a": 1, "a": 2}]\n'
        '{"id": "3", "x": {"a": 1, "a": 2}, "x": []}\n'
        '{"id": "4", "email": "c@d.org"}\n'
        '{"id": "5", "traits": {"email": "a@b.org", "email": "c@d.org", "n": {"k": 1, "k": 1}}}\n'
        '{"id": "6", "ids": [{"v": 1, "v": 2}]}\n'
    )
    rejects: list[ReadReject] = []
    assert list(read_records(src, rejects)) == [
        {"id": "1", "phone": ["+1 415 555 0134", "+1 415 555 0199"]},
        {"id": "2", "n": [1, True, 1.0, None]},  # equal in Python, not in JSON
        {"id": "3", "x.a": [1, 2]},  # an empty list gives no value; a nested object, columns
        {"id": "4", "email": "c@d.org"},
        {"id": "5", "traits.email": ["a@b.org", "c@d.org"], "traits.n.k": 1},
        {"id": "6", "ids": [{"v": [1, 2]}]},
    ]
    assert [(r.line, r.reason, r.rows, r.field) for r in rejects] == [
        (1, "key 'phone' given 3 times: all its values read, as one list", 0, "phone"),
        (2, "key 'n' given 5 times: all its values read, as one list", 0, "n"),
        (3, "a JSON line must be an object", 1, None),
        (4, "key 'x.a' given 2 times: all its values read, as one list", 0, "x.a"),
        (4, "key 'x' given 2 times: with one value, read once", 0, "x"),
        (6, "key 'traits.n.k' given 2 times: with one value, read once", 0, "traits.n.k"),
        (6, "key 'traits.email' given 2 times: all its values read, as one list", 0, "traits.email"),
        (7, "key 'ids.v' given 2 times: all its values read, as one list", 0, "ids.v"),
    ]


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        (
            "\ufeffid;first_name;last_name;email\n1;Ann;Lee;ann@x.com\n2;Ann;Lee;ann@x.com\n3;Bob;Stone;\n",
            ";",
        ),
        ('"id","name, full","email"\n1,"Lee, Ann",ann@x.com\n2,Ann Lee,ann@x.com\n3,Bob,b@y.com\n', ","),
        ("id|first_name|email\n1|Ann|ann@x.com\n2|Ann|ann@x.com\n3|Bob|b@y.com\n", "|"),
        ("id\tfirst_name\temail\n1\tAnn\tann@x.com\n2\tAnn\tann@x.com\n3\tBob\tb@y.com\n", "\t"),
    ],
    ids=["semicolon", "comma-in-quotes", "pipe", "tab"],
)
def test_the_csv_delimiter_is_read_off_the_header(tmp_path: Path, text: str, delimiter: str) -> None:
    """Spreadsheets in much of Europe write CSV with semicolons: read with commas, every row was
    one column, with no id and nothing to compare."""
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text(text, encoding="utf-8")
    assert _cli._delimiter(src, "utf-8") == delimiter
    _invoke(str(src), "-o", str(out))
    got = _profiles(_read_csv(out))
    assert set(got) == {"1", "2", "3"}
    assert got["1"] == got["2"] != got["3"]
    assert _read_csv(tmp_path / "out.rejects.csv") == []


def test_tsv_in_and_out(tmp_path: Path) -> None:
    src, out = tmp_path / "in.tsv", tmp_path / "out.tsv"
    src.write_text("id\tname\temail\n1\tAnn Lee\tann@x.com\n2\tAnn, Lee\tann@x.com\n", encoding="utf-8")
    _invoke(str(src), "-o", str(out))
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "id\tprofile_id"
    assert [line.split("\t")[0] for line in lines[1:]] == ["1", "2"]
    assert len({line.split("\t")[1] for line in lines[1:]}) == 1, "one person"


def test_encoding_option_reads_a_windows_export(tmp_path: Path) -> None:
    """A cp1252 file's accented names were rejects, "not valid UTF-8"; the summary says what to do."""
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_bytes("id;name;dob\n1;José García;1984-03-07\n2;José García;1984-03-07\n".encode("cp1252"))
    output = _invoke(str(src), "-o", str(out))
    assert [r["reason"] for r in _read_csv(tmp_path / "out.rejects.csv")] == ["not valid UTF-8"] * 2
    assert "give it with --encoding" in _said(output)
    output = _invoke(str(src), "-o", str(out), "--encoding", "cp1252", "--links", str(tmp_path / "l.csv"))
    assert _read_csv(tmp_path / "out.rejects.csv") == []
    assert "--encoding" not in _said(output)
    got = _profiles(_read_csv(out))
    assert got["1"] == got["2"], "the same name, now read: one person"
    result = CliRunner().invoke(_app(), ["resolve", str(src), "-o", str(out), "--encoding", "nope"])
    assert result.exit_code != 0
    assert "unknown encoding 'nope'" in _said(result.output)
    assert "--encoding" in _said(result.output)


def test_a_jsonl_lines_nested_objects_are_columns_named_by_their_path(tmp_path: Path) -> None:
    """Event exports carry the person in nested objects (Segment's identify: ``traits``); the
    objects were values no field type reads, so nothing was compared."""
    src, out = tmp_path / "events.jsonl", tmp_path / "out.csv"
    events = [
        {"messageId": "m1", "traits": {"name": "Peter Gibbons", "email": "peter@initech.example"}},
        {
            "messageId": "m2",
            "traits": {"firstName": "Peter", "lastName": "Gibbons", "address": {"postalCode": "78701"}},
            "context": {"traits": {"email": "Peter@Initech.example"}},
        },
        {"messageId": "m3", "traits": {"name": "Milton Waddams", "company": {"name": "Initech"}}},
        {"messageId": "m4", "traits": {"name": "Bob Slydell", "company": {"name": "Initech"}}},
    ]
    src.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    rows = list(read_records(src, []))
    assert rows[1] == {
        "messageId": "m2",
        "traits.firstName": "Peter",
        "traits.lastName": "Gibbons",
        "traits.address.postalCode": "78701",
        "context.traits.email": "Peter@Initech.example",
    }
    _invoke(str(src), "-o", str(out), "--id-column", "messageId")
    got = {r["messageId"]: r["profile_id"] for r in _read_csv(out)}
    assert got["m1"] == got["m2"], "one email, in two places"
    assert got["m3"] != got["m4"], "the company's name is no person's"


@pytest.mark.parametrize(("name", "out_name"), [("in.csv.gz", "out.jsonl.gz"), ("in.jsonl.gz", "out.csv.gz")])
def test_gzip_compressed_text_files_in_and_out(tmp_path: Path, name: str, out_name: str) -> None:
    """Large exports come compressed; a .gz path had no format."""
    import gzip

    src, out = tmp_path / name, tmp_path / out_name
    if name.startswith("in.csv"):
        text = "id;name;email\n1;Ann Lee;ann@x.com\n2;Ann Lee;ANN@x.com\n3;Bob;not-an-email\n"
    else:
        text = "".join(
            json.dumps(r) + "\n"
            for r in [
                {"id": "1", "name": "Ann Lee", "email": "ann@x.com"},
                {"id": "2", "name": "Ann Lee", "email": "ANN@x.com"},
                {"id": "3", "name": "Bob", "email": "not-an-email"},
            ]
        )
    with gzip.open(src, "wt", encoding="utf-8") as fh:
        fh.write(text)
    _invoke(str(src), "-o", str(out))
    rejects = tmp_path / out_name.replace("out.", "out.rejects.")
    with gzip.open(out, "rt", encoding="utf-8") as fh:
        written = fh.read()
    with gzip.open(rejects, "rt", encoding="utf-8") as fh:
        rejected = fh.read()
    if out_name.startswith("out.csv"):
        got = {line.split(",")[0]: line.split(",")[1] for line in written.splitlines()[1:]}
    else:
        got = {r["id"]: r["profile_id"] for r in map(json.loads, written.splitlines())}
    assert set(got) == {"1", "2", "3"}
    assert got["1"] == got["2"] != got["3"]
    assert "not-an-email" in rejected


@pytest.mark.parametrize("name", ["o.parquet.gz", "o.xlsx.gz"])
def test_a_gzipped_parquet_file_is_no_format(tmp_path: Path, name: str) -> None:
    src = tmp_path / "in.csv"
    _write_csv(src, ROWS)
    result = CliRunner().invoke(_app(), ["resolve", str(src), "-o", str(tmp_path / name)])
    assert result.exit_code == 2
    assert "gzip-compressed" in _said(result.output)


def test_an_excel_workbook_is_read_with_its_typed_cells(tmp_path: Path) -> None:
    """Spreadsheets are what people hand over. A workbook's cells come typed: a phone or a ZIP
    code as a number, a birth date as a date; they read as the same person's text does."""
    import datetime

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        ["id", "First Name", "Last Name", "Email", "Mobile Phone", "Zip", "Date of Birth", "Country"]
    )
    sheet.append(
        [1, "Ann", "Lee", "ann.lee@gmail.com", 4155552671, 2119, datetime.datetime(1984, 3, 7), "US"]
    )
    sheet.append([2, "Ann", "Lee", None, "(415) 555-2671", "02119", "03/07/1984", "US"])
    sheet.append([None] * 8)
    sheet.append([3, "Bob", "Stone", "bob@@stone", None, None, None, "US"])
    src, out = tmp_path / "contacts.xlsx", tmp_path / "out.csv"
    book.save(src)
    _invoke(str(src), "-o", str(out), "--links", str(tmp_path / "links.csv"))
    got = _profiles(_read_csv(out))
    assert set(got) == {"1", "2", "3"}
    assert got["1"] == got["2"] != got["3"]
    rejects = _read_csv(tmp_path / "out.rejects.csv")
    assert [(r["line"], r["reason"]) for r in rejects if r["line"]] == [("4", "empty row")]
    assert [(r["id"], r["field"], r["value"]) for r in rejects if r["id"]] == [("3", "Email", "bob@@stone")]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["{src_csv}", "-o", "{tmp}/out.xlsx"], ".xlsx is read, not written"),
        (["{bad_xlsx}", "-o", "{tmp}/out.csv"], "cannot read"),
    ],
    ids=["xlsx-output", "not-a-workbook"],
)
def test_what_cannot_be_a_workbook_is_refused_before_anything_is_read(
    tmp_path: Path, args: list[str], said: str
) -> None:
    src_csv, bad = tmp_path / "in.csv", tmp_path / "bad.xlsx"
    _write_csv(src_csv, ROWS)
    bad.write_text("not a zip file")
    argv = [a.format(src_csv=src_csv, bad_xlsx=bad, tmp=tmp_path) for a in args]
    result = CliRunner().invoke(_app(), ["resolve", *argv])
    assert result.exit_code == 2, result.output
    assert said in _said(result.output)
    assert not (tmp_path / "out.csv").exists()


def test_a_workbook_without_openpyxl_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_openpyxl(name: str, *args: object, **kwargs: object) -> object:
        if name == "openpyxl":
            raise ImportError("No module named 'openpyxl'")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    src = tmp_path / "in.xlsx"
    src.write_bytes(b"")
    monkeypatch.setattr(builtins, "__import__", no_openpyxl)
    result = CliRunner().invoke(_app(), ["resolve", str(src), "-o", str(tmp_path / "out.csv")])
    assert result.exit_code == 2, result.output
    assert 'pip install "omnilink[excel]"' in _said(result.output)


def test_a_json_array_file_is_read_and_written(tmp_path: Path) -> None:
    """A .json file (an array of objects, as exports and APIs write records) had been refused:
    "cannot tell the format"."""
    src, out = tmp_path / "in.json", tmp_path / "out.json"
    src.write_text(
        '{"paging": {"next": null}, "contacts": [\n'
        ' {"id": "1", "first_name": "Ann", "traits": {"email": "ann.lee@gmail.com"}},\n'
        ' {"id": "2", "first_name": "Ann", "email": "ann.lee@gmail.com"},\n'
        ' "not a record",\n'
        ' {"id": "3", "first_name": "Bob", "email": "bob@stone.org", "email": "b.stone@acme.org"}\n'
        "]}\n"
    )
    output = _invoke(str(src), "-o", str(out))
    got = {r["id"]: r["profile_id"] for r in json.loads(out.read_text())}
    assert set(got) == {"1", "2", "3"}
    assert got["1"] == got["2"] != got["3"], "a nested object's email is a column (traits.email)"
    rejects = json.loads((tmp_path / "out.rejects.json").read_text())
    assert [(r["line"], r["reason"]) for r in rejects] == [
        (3, "an element of the array must be an object"),
        (4, "key 'email' given 2 times: all its values read, as one list"),
    ]
    assert _summary(output)["rejected rows"] == "1"


def test_a_key_repeated_around_the_array_is_reported_at_position_0(tmp_path: Path) -> None:
    src = tmp_path / "in.json"
    src.write_text('{"contacts": [{"id": "1"}], "contacts": [{"id": "2"}], "meta": {"n": 1, "n": 2}}')
    rejects: list[ReadReject] = []
    assert list(read_records(src, rejects)) == [{"id": "1"}, {"id": "2"}]  # both arrays read
    assert [(r.line, r.reason, r.rows) for r in rejects] == [
        (0, "key 'n' given 2 times: all its values read, as one list", 0),
        (0, "key 'contacts' given 2 times: all its values read, as one list", 0),
    ]


def test_a_gzipped_json_array_and_an_empty_one(tmp_path: Path) -> None:
    src, out = tmp_path / "in.json.gz", tmp_path / "out.csv"
    with gzip.open(src, "wt", encoding="utf-8") as fh:
        json.dump([{"id": "1", "email": "ann.lee@gmail.com"}, {"id": "2", "email": "ann.lee@gmail.com"}], fh)
    _invoke(str(src), "-o", str(out))
    got = _profiles(_read_csv(out))
    assert got["1"] == got["2"]
    (tmp_path / "empty.json").write_text('{"contacts": []}')
    _invoke(str(tmp_path / "empty.json"), "-o", str(out))
    assert _read_csv(out) == []


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('[{"id": "1"},', "is not JSON"),
        ('{"id": "1", "email": "a@x.example"}', "holds no array of objects"),
        ('{"a": [{"id": "1"}], "b": [{"id": "2"}]}', "holds no array of objects"),  # which one?
    ],
)
def test_a_json_file_without_one_array_of_records_is_refused(tmp_path: Path, text: str, said: str) -> None:
    src, out = tmp_path / "in.json", tmp_path / "out.csv"
    src.write_text(text)
    result = CliRunner().invoke(_app(), ["resolve", str(src), "-o", str(out)])
    assert result.exit_code != 0
    assert said in _said(result.output)
    assert not out.exists()


@pytest.mark.parametrize("ext", ["csv", "tsv"])
def test_title_lines_before_the_header_are_skipped_and_noted(tmp_path: Path, ext: str) -> None:
    """A CRM report exported as CSV opens with its title and a note. The title line was read
    as the header (one column, "Contacts report"), so no column was compared and every row
    was a reject ("4 fields, header has 1")."""
    sep = "\t" if ext == "tsv" else ","
    src, out = tmp_path / f"in.{ext}", tmp_path / "out.csv"
    lines = [
        "Contacts report",
        "Exported 2026-05-01, by admin" if ext == "csv" else "Exported 2026-05-01",
        "",
        sep.join(["id", "first_name", "last_name", "email"]),
        sep.join(["1", "Ann", "Lee", "ann.lee@gmail.com"]),
        sep.join(["2", "Ann", "Lee", "ann.lee@gmail.com"]),
        sep.join(["3", "Bob", "Stone"]),  # a short row: a reject, numbered as the file's line
        sep.join(["4", "Bob", "Stone", "bob.stone@gmail.com"]),
    ]
    src.write_text("\n".join(lines) + "\n")
    output = _invoke(str(src), "-o", str(out))
    got = _profiles(_read_csv(out))
    assert set(got) == {"1", "2", "4"}
    assert got["1"] == got["2"] != got["4"]
    rejects = [(r["line"], r["value"], r["reason"]) for r in _read_csv(tmp_path / "out.rejects.csv")]
    note = "a line before the header (a title or a note), not a row"
    assert rejects == [
        ("1", "Contacts report", note),
        ("2", lines[1], note),
        ("7", sep.join(["3", "Bob", "Stone"]).replace("\t", ","), "3 fields, header has 4"),
    ]
    assert _summary(output)["rejected rows"] == "1", "the notes are lines, not rows"


@pytest.mark.parametrize("first", ["sep=;", "SEP=;"])
def test_excels_sep_line_names_the_delimiter(tmp_path: Path, first: str) -> None:
    """Excel reads (and some exports write) a first line "sep=;" naming the delimiter. It had
    been read as the header: one column "sep=", nothing compared, every row a reject."""
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text(f"{first}\nid;first_name;email\n1;Ann;ann.lee@gmail.com\n2;Ann;ann.lee@gmail.com\n")
    _invoke(str(src), "-o", str(out))
    got = _profiles(_read_csv(out))
    assert set(got) == {"1", "2"}
    assert got["1"] == got["2"]
    assert _read_csv(tmp_path / "out.rejects.csv") == []


@pytest.mark.parametrize(
    "text",
    [
        "id,email\n1,a@b.org\n2,c@d.org\n",  # two columns: never widens, nothing skipped
        "email\na@b.org\n",
        "id,first_name,email\n1,Ann\n2,Bo\n3,Cy\n",  # ragged rows under a wide header
        "id,name\n1,a\n2,b,x\n3,c,y\n",  # a two-column file whose later rows are malformed
        "Title\nid,first_name,email\n",  # a header and no row: no evidence it is one
    ],
)
def test_a_header_on_the_first_line_is_kept(tmp_path: Path, text: str) -> None:
    src = tmp_path / "in.csv"
    src.write_text(text)
    rejects: list[ReadReject] = []
    assert _cli._csv_layout(src, "utf-8", None, rejects)[1] == 0
    assert rejects == []


def test_title_rows_of_a_workbook_are_skipped_and_noted(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Contacts report"])
    sheet.append([None, "Exported 2026-05-01"])
    sheet.append([])
    sheet.append(["id", "First Name", "Last Name", "Email"])
    sheet.append([1, "Ann", "Lee", "ann.lee@gmail.com"])
    sheet.append([2, "Ann", "Lee", "ann.lee@gmail.com"])
    sheet.append([None] * 4)
    sheet.append([3, "Bob", "Stone", "bob.stone@gmail.com"])
    src, out = tmp_path / "report.xlsx", tmp_path / "out.csv"
    book.save(src)
    _invoke(str(src), "-o", str(out))
    got = _profiles(_read_csv(out))
    assert got["1"] == got["2"] != got["3"]
    rejects = [(r["line"], r["value"], r["reason"]) for r in _read_csv(tmp_path / "out.rejects.csv")]
    note = "a line before the header (a title or a note), not a row"
    assert rejects == [
        ("1", "Contacts report", note),
        ("2", "Exported 2026-05-01", note),
        ("7", "", "empty row"),
    ]


def test_a_workbooks_sheet_is_chosen_by_name_or_number(tmp_path: Path) -> None:
    """Only the first sheet had been read: an export whose contacts are on its second sheet
    (a summary first) had nothing to resolve."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Summary"
    book.active.append(["2 contacts"])
    contacts = book.create_sheet("Contacts")
    contacts.append(["id", "First Name", "Email"])
    contacts.append([1, "Ann", "ann.lee@gmail.com"])
    contacts.append([2, "Ann", "ann.lee@gmail.com"])
    src = tmp_path / "export.xlsx"
    book.save(src)
    for sheet in ("Contacts", "2"):
        out = tmp_path / f"out-{sheet}.csv"
        _invoke(str(src), "-o", str(out), "--sheet", sheet)
        got = _profiles(_read_csv(out))
        assert set(got) == {"1", "2"}
        assert got["1"] == got["2"]
    result = CliRunner().invoke(
        _app(), ["resolve", str(src), "-o", str(tmp_path / "o.csv"), "--sheet", "People"]
    )
    assert result.exit_code == 2
    assert "has no sheet 'People': its sheets are 'Summary', 'Contacts'" in _said(result.output)
    csv_src = tmp_path / "in.csv"
    _write_csv(csv_src, ROWS)
    result = CliRunner().invoke(
        _app(), ["resolve", str(csv_src), "-o", str(tmp_path / "o.csv"), "--sheet", "1"]
    )
    assert result.exit_code == 2
    assert "only a workbook (.xlsx) has sheets" in _said(result.output)


# The id column: named like an id, or else each row's line.


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("Contact ID,Email,Name", "Contact ID"),  # a CRM's export
        ("Record ID,Email,Name", "Record ID"),
        ("contact_id,Email,id", "id"),  # of two, the one that says "id" alone
        ("UUID,Email,Name", "UUID"),
    ],
)
def test_the_id_column_is_the_one_named_like_an_id(tmp_path: Path, header: str, column: str) -> None:
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    ids = ("c-1", "c-2", "c-3")
    rows = [("ann@acme.io", "Ann Lee"), ("ANN@acme.io", "Ann Lee"), ("bob@acme.io", "Bob Stone")]
    position = header.split(",").index(column)
    lines = [header]
    for ident, (email, name) in zip(ids, rows, strict=True):
        cells = [f"x-{ident}", email, name]  # another id-like column holds something else
        cells[position] = ident
        lines.append(",".join(cells))
    src.write_text("\n".join(lines) + "\n")
    output = _invoke(str(src), "-o", str(out))
    got = _read_csv(out)
    assert list(got[0]) == [column, "profile_id"]
    by_id = {r[column]: r["profile_id"] for r in got}
    assert list(by_id) == list(ids)
    assert by_id["c-1"] == by_id["c-2"] != by_id["c-3"]
    assert _read_csv(tmp_path / "out.rejects.csv") == []  # no "missing id" for every row
    assert "no id column" not in _said(output)


def test_the_id_column_is_found_by_name_beside_field_options(tmp_path: Path) -> None:
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text("Contact ID,Mail\nA1,ann@acme.io\nA2,ANN@acme.io\n")
    _invoke(str(src), "-o", str(out), "--field", "Mail=email")
    got = _read_csv(out)
    assert [r["Contact ID"] for r in got] == ["A1", "A2"]
    assert got[0]["profile_id"] == got[1]["profile_id"]


def test_a_column_typed_id_by_field_is_the_id(tmp_path: Path) -> None:
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text("Cust #,Email\nA1,ann@acme.io\nA2,ANN@acme.io\n")
    _invoke(str(src), "-o", str(out), "--field", "Cust #=id", "--field", "Email=email")
    got = _read_csv(out)
    assert [r["Cust #"] for r in got] == ["A1", "A2"]
    assert got[0]["profile_id"] == got[1]["profile_id"]


def _line_ids(out: Path, column: str = "line") -> dict[int, str]:
    return {int(r[column]): r["profile_id"] for r in _read_csv(out)}


def test_without_an_id_column_a_csv_row_is_known_by_its_line(tmp_path: Path) -> None:
    """The line a text editor shows, which the rejects file gives too: a blank line, a field
    that holds a line break and a malformed row count, as in the file."""
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text(
        "email,name,city\n"  # 1
        "ann@acme.io,Ann Lee,Boston\n"  # 2
        "\n"  # 3: empty, a reject
        'bob@acme.io,"Bob\nStone",Austin\n'  # 4-5: one row
        "ANN@acme.io,Ann Lee,Boston\n"  # 6
        "x,y\n"  # 7: two fields
        "cy@acme.io,Cy Young,Denver\n"  # 8
    )
    output = _invoke(str(src), "-o", str(out))
    got = _line_ids(out)
    assert sorted(got) == [2, 5, 6, 8]
    assert got[2] == got[6] != got[5]
    assert len({got[2], got[5], got[8]}) == 3
    rejects = {int(r["line"]): r["reason"] for r in _read_csv(tmp_path / "out.rejects.csv")}
    assert rejects == {3: "empty row", 7: "2 fields, header has 3"}
    assert "no id column" in _said(output)
    assert "--id-column" in _said(output)


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        # JSON lines: the file's lines (a blank one and a broken one between).
        ("jsonl", [1, 4, 5]),
        # A .json array: each element's position, the one that is no object left out.
        ("json", [1, 3, 4]),
        # Parquet: the row's number.
        ("parquet", [1, 2, 3]),
    ],
)
def test_without_an_id_column_a_row_is_known_by_its_line_in_every_format(
    tmp_path: Path, fmt: str, expected: list[int]
) -> None:
    objects = [
        {"email": "ann@acme.io", "name": "Ann Lee"},
        {"email": "bob@acme.io", "name": "Bob Stone"},
        {"email": "ANN@acme.io", "name": "Ann Lee"},
    ]
    src, out = tmp_path / f"in.{fmt}", tmp_path / "out.csv"
    if fmt == "jsonl":
        first, *rest = (json.dumps(o) for o in objects)
        src.write_text("\n".join([first, "", "{broken", *rest]) + "\n")
    elif fmt == "json":
        src.write_text(json.dumps([objects[0], 5, *objects[1:]]))
    else:
        pq.write_table(pa.Table.from_pylist(objects), src)
    _invoke(str(src), "-o", str(out))
    got = _line_ids(out)
    assert sorted(got) == expected
    assert got[expected[0]] == got[expected[2]] != got[expected[1]]


def test_without_an_id_column_a_sheet_row_is_known_by_its_row_number(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Contacts"])  # 1: a title
    sheet.append(["Email", "Name", "City"])  # 2
    sheet.append(["ann@acme.io", "Ann Lee", "Boston"])  # 3
    sheet.append([None, None, None])  # 4: empty, a reject
    sheet.append(["ANN@acme.io", "Ann Lee", "Boston"])  # 5
    src, out = tmp_path / "in.xlsx", tmp_path / "out.csv"
    book.save(src)
    _invoke(str(src), "-o", str(out))
    got = _line_ids(out)
    assert sorted(got) == [3, 5]
    assert got[3] == got[5]
    assert {int(r["line"]) for r in _read_csv(tmp_path / "out.rejects.csv")} == {1, 4}


def test_the_line_column_takes_a_name_no_input_column_has(tmp_path: Path) -> None:
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text("line,email\nL-9,ann@acme.io\nL-8,ANN@acme.io\n")  # "line": a product line
    _invoke(str(src), "-o", str(out))
    got = _read_csv(out)
    assert list(got[0]) == ["line_2", "profile_id"]
    assert [r["line_2"] for r in got] == ["2", "3"]
    assert got[0]["profile_id"] == got[1]["profile_id"]


def test_read_input_adds_no_column_unless_asked(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("email\nann@acme.io\n")
    assert list(read_input(src, [])) == [{"email": "ann@acme.io"}]
    assert list(read_input(src, [], line_column="n")) == [{"email": "ann@acme.io", "n": 2}]


@pytest.mark.parametrize(("has_id", "reads"), [(True, 1), (False, 2)])
def test_the_input_is_read_again_only_to_number_its_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, has_id: bool, reads: int
) -> None:
    """Finding the id column reads the header, or the first JSON objects, of the rows the run
    then resolves: a .json file is parsed once. Only without an id column is it read again,
    each row with its line, and what the first reading noted is not reported twice."""
    calls: list[str | None] = []
    original = _cli.read_input

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(kwargs.get("line_column"))  # type: ignore[arg-type]
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_cli, "read_input", counted)
    objects: list[object] = [{"email": "ann@acme.io"}, 7, {"email": "ANN@acme.io"}]
    if has_id:
        objects = [{"id": f"r{k}", **o} if isinstance(o, dict) else o for k, o in enumerate(objects)]
    src, out = tmp_path / "in.json", tmp_path / "out.csv"
    src.write_text(json.dumps(objects))
    _invoke(str(src), "-o", str(out))
    assert len(calls) == reads
    assert calls[-1] == (None if has_id else "line")
    got = _read_csv(out)
    assert list(got[0]) == ["id" if has_id else "line", "profile_id"]
    assert len({r["profile_id"] for r in got}) == 1
    rejects = _read_csv(tmp_path / "out.rejects.csv")
    assert [r["reason"] for r in rejects] == ["an element of the array must be an object"]
