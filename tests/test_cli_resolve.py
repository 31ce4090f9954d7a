"""`omnilink resolve`: CSV / JSONL / Parquet in, id + profile_id out, every bad row in the rejects file."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from omnilink.cli import _app
from omnilink.identity._cli import ReadReject, read_records

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
    with path.open(newline="") as fh:
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
        list(read_records(tmp_path / "in.xlsx", []))


def test_read_records_reports_empty_csv_rows(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("id,name\n1,a\n,\n2\n")
    rejects: list[ReadReject] = []
    rows = list(read_records(src, rejects))
    assert rows == [{"id": "1", "name": "a"}, {"id": "", "name": ""}]
    assert [(r.line, r.reason) for r in rejects] == [(4, "1 fields, header has 2")]
