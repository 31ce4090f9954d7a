"""The benchmark runner end to end on a small job: the JSON it writes carries the speed gauge."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from benchmarks.run import main, speed_gauge


def test_the_speed_gauge_times_a_real_workload() -> None:
    gauge = speed_gauge(repeat=1)
    assert 0.0 < gauge < 30.0


def test_each_job_records_the_gauge_taken_before_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bench.json"
    code = main(
        ["--quick", "--only", "contacts", "--tools", "omnilink", "--contacts-n", "500", "--json", str(out)]
    )
    assert code == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    (res,) = doc["results"]
    assert res["tool"] == "omnilink"
    assert res["records"] == 500
    assert res["gauge_s"] > 0
    assert f"(gauge {res['gauge_s']:.3f}s)" in capsys.readouterr().out


def test_the_full_name_form_of_the_contact_data() -> None:
    from benchmarks.contactgen import generate, iter_records
    from benchmarks.fullnames import SPANISH, full_name_rows

    rows = list(iter_records(generate(3000, seed=1)))
    full = full_name_rows(rows)
    assert len(full) == len(rows)
    assert all("first_name" not in r and "last_name" not in r for r in full)
    for before, after in zip(rows, full, strict=True):
        words = (after["name"] or "").split()
        if not before["first_name"] and not before["last_name"]:
            assert after["name"] is None
        if before["first_name"]:
            assert words[0] == before["first_name"]  # a middle name only after a first name
        if before["last_name"] and len(words) > 1 + bool(before["first_name"]):
            assert before["last_name"] in words
    second = [
        r["name"] for r in full if r.get("country") in SPANISH and r["name"] and len(r["name"].split()) >= 3
    ]
    assert second  # compound surnames are written


def test_the_full_name_benchmark_prints_both_forms(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks.fullnames import main as fullnames

    assert fullnames(["-n", "2000"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith(("| first_name +", "| name (full"))]
    assert len(rows) == 2
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert all(0.0 < float(c) <= 1.0 for c in cells[2:])  # precision, recall, F1, ES/MX recall


def test_calibration_bands_count_links_and_right_ones() -> None:
    from benchmarks.calibration import bands

    truth = {"a": 1, "b": 1, "c": 2, "d": 3}
    links = [("a", "b", 0.96), ("a", "c", 0.955), ("c", "d", 0.999), ("b", "d", 0.4), ("a", "d", 1.0)]
    got = bands(links, truth, [0.5, 0.95, 0.999])
    assert [(b.low, b.high, b.links, b.right) for b in got] == [
        (0.5, 0.95, 0, 0),
        (0.95, 0.999, 2, 1),
        (0.999, 1.0, 2, 0),  # 0.999 and 1.0: the last band includes 1
    ]
    assert got[1].precision == 0.5
    assert got[1].mean_probability == pytest.approx(0.9575)
    assert got[0].links == 0
    assert math.isnan(got[0].precision)  # no links, no share


def test_the_calibration_benchmark_prints_its_bands(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks.calibration import main as calibration

    assert calibration(["-n", "3000", "--threshold", "0.8"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith(("| 0.", "| deterministic"))]
    assert rows[-1].startswith("| deterministic")
    lows = [float(r.split("|")[1].split("-")[0]) for r in rows[:-1]]
    assert lows
    assert min(lows) >= 0.8
    assert lows == sorted(lows)
    for row in rows[:-1]:
        cells = [c.strip() for c in row.strip("|").split("|")]
        links, right = int(cells[1].replace(",", "")), int(cells[2].replace(",", ""))
        assert links > 0
        assert 0 <= right <= links
        assert float(cells[3]) == pytest.approx(right / links, abs=1e-4)
        low, high = map(float, cells[0].split("-"))
        assert low <= float(cells[4]) <= high  # the mean probability lies in its band
