"""The online graph's score bound never prunes a pair that links.

(That replaying with and without the shortcut gives identical results is tested in
test_online_fastpath.py, against ``_ScoreBound.scan``, the method ``add`` calls.)
"""

from __future__ import annotations

from typing import Any

from omnilink.identity import Resolver

from ._data import contacts as _contacts


def _replay(resolver: Resolver, rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Everything ``add`` returns for each row, in order (shared with test_online_fastpath.py)."""
    graph = resolver.graph()
    out = []
    for row in rows:
        r = graph.add(row)
        out.append((r.record_id, r.profile_id, r.created, r.links, r.merge))
    return out


def test_bound_never_prunes_a_pair_that_links() -> None:
    rows = _contacts(2000, seed=5)
    resolver = Resolver(id_field="id", region="US", region_field="country").fit(rows)
    graph = resolver.graph()
    graph.add_many(rows)
    engine, model, bound = graph._engine, graph._model, graph._bound
    vals = graph._vals
    pruned = kept = 0
    for i in range(0, len(vals) - 1):
        for j in (i + 1, (i * 7919) % len(vals)):
            pat = engine.pattern(vals[i], vals[j])
            w = engine.score(model, pat, vals[i])
            if bound.levels(vals[i], vals[j]) is not None:
                kept += 1
            else:
                pruned += 1
                assert w < model.threshold
    assert pruned > kept  # random pairs are hopeless: the bound does its job
