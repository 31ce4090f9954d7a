"""The benchmark runner end to end on a small job: the JSON it writes carries the speed gauge."""

from __future__ import annotations

import json
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
