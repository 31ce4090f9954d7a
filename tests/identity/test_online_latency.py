"""The online early exit reuses the levels it computed and still changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from omnilink.identity import Resolver
from omnilink.identity._graph import _ScoreBound

from .test_perf_online import _contacts, _replay


def test_replay_identical_with_and_without_the_levels_shortcut(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = _contacts(3000, seed=13)
    resolver = Resolver(id_field="id", region="US", region_field="country").fit(rows)
    fast = _replay(resolver, rows)

    def full(self: _ScoreBound, va: list[Any], vb: list[Any]) -> tuple[int, ...]:
        return self._engine.pattern(va, vb)  # every pair compared in full, nothing pruned

    monkeypatch.setattr(_ScoreBound, "levels", full)
    assert fast == _replay(resolver, rows)


def test_levels_are_the_engine_pattern_when_not_pruned() -> None:
    rows = _contacts(1500, seed=3)
    graph = Resolver(id_field="id", region="US", region_field="country").fit(rows).graph()
    graph.add_many(rows)
    engine, bound, vals = graph._engine, graph._bound, graph._vals
    kept = 0
    for i in range(len(vals) - 1):
        for j in (i + 1, (i * 7919) % len(vals)):
            pat = bound.levels(vals[i], vals[j])
            if pat is not None:
                kept += 1
                assert pat == engine.pattern(vals[i], vals[j])
    assert kept
