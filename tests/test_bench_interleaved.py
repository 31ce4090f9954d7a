"""The interleaved A/B timer (``python -m benchmarks.interleaved``), on a small graph."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from benchmarks.interleaved import main, percentiles

SRC = str(Path(__file__).resolve().parents[1] / "src")


def test_percentiles_in_microseconds() -> None:
    got = percentiles(list(range(1000, 101_000, 1000)))  # 1..100 µs
    assert got == {"p50": 51.0, "p90": 91.0, "p99": 100.0}
    assert all(v != v for v in percentiles([]).values())  # NaN: nothing timed


def test_two_versions_take_turns_and_each_is_timed(capsys: pytest.CaptureFixture[str]) -> None:
    # The same tree twice: both workers load the same graph and time the same 40 adds.
    assert main([SRC, SRC, "--loaded", "400", "--adds", "40", "--turn", "10"]) == 0
    out = capsys.readouterr().out
    assert "400 loaded, 40 adds each, in turns of 10" in out
    rows = re.findall(r"^\| ([AB]): .* \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \|$", out, re.MULTILINE)
    assert [r[0] for r in rows] == ["A", "B"]
    for _, p50, p90, p99 in rows:
        assert 0 < float(p50) <= float(p90) <= float(p99)
    assert re.search(r"B against A \(p50 / p90 / p99\): [\d.]+x / [\d.]+x / [\d.]+x", out)


def test_a_folder_without_the_package_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main([str(tmp_path), SRC])
    assert "holds no omnilink package" in capsys.readouterr().err
