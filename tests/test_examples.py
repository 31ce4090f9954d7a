"""Every runnable example in examples/ runs to completion and prints what it promises."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.py"))


def test_examples_exist() -> None:
    assert EXAMPLES, "examples/ holds no runnable example"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip(), f"{path.name} printed nothing"


def test_quickstart_output() -> None:
    path = next(p for p in EXAMPLES if p.name == "quickstart.py")
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, check=True).stdout
    assert "sms to +14155550134: sent after 2 attempt(s)" in out
    assert "inbound from +14155550134: Make it 3 people?" in out


def test_resolve_contacts_output() -> None:
    path = next(p for p in EXAMPLES if p.name == "resolve_contacts.py")
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, check=True).stdout
    assert "same clusters as batch: True" in out
    assert "app-2 placed as before the restart: True" in out
    # What the example's comments say about the household phone: Rob joins Bob, Alice stays apart.
    assert "crm-1, web-7, pos-3" in out
    assert "crm-2, web-9" in out
    # The father and the son: the son's web sign-up joins him, the father stays apart.
    assert "crm-5, web-4" in out
    assert "generational suffixes differ ('jr' vs 'sr')" in out
    # The compound surname: "María García López" joins her "María García" records at her phone.
    assert "crm-3, web-2, pos-6" in out


def test_resolve_export_output() -> None:
    """What the export example promises: each person found through the export's noise, the
    title lines noted, the customer number Excel cut short refused."""
    path = next(p for p in EXAMPLES if p.name == "resolve_export.py")
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, check=True).stdout
    assert "crm_report.csv: 3 people" in out
    for people in ("c-1, c-2", "c-3, c-4", "c-5, c-6", "w-2, w-3"):
        assert f"  {people}\n" in out
    assert "line 1: 'Contacts report': a line before the header" in out
    assert "c-3: Customer Number '4.56789E+11': scientific notation, digits lost" in out


def test_python_m_omnilink_is_the_command() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "omnilink", "resolve", "--help"], capture_output=True, text=True, check=True
    )
    assert "Usage: python -m omnilink resolve" in " ".join(proc.stdout.split())


def _block(text: str, first_line: str) -> list[str]:
    """The lines from ``first_line`` up to the next blank line or code fence, right-stripped."""
    lines = text.splitlines()
    start = lines.index(first_line)
    out = []
    for line in lines[start:]:
        if not line.strip() or line.startswith("```"):
            break
        out.append(line.rstrip())
    return out


@pytest.mark.parametrize("pair", ["crm-1 vs crm-2", "crm-5 vs crm-6", "web-2 vs pos-6"])
def test_the_guide_shows_what_the_example_prints(pair: str) -> None:
    """docs/identity.md quotes the worked example's explanations: they must stay its output."""
    path = next(p for p in EXAMPLES if p.name == "resolve_contacts.py")
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, check=True).stdout
    guide = (Path(__file__).parent.parent / "docs" / "identity.md").read_text(encoding="utf-8")
    assert _block(guide, pair) == _block(out, pair)
