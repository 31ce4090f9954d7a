"""The array hot path of the batch resolver gives exactly what the plain loops give."""

from __future__ import annotations

import random
from typing import Any

import pytest

import omnilink.identity._resolver as resolver_mod
from omnilink.identity import Resolver, _pairs
from omnilink.identity._blocking import candidate_pairs

from ._data import candidate_arrays
from ._data import contacts as _contacts


@pytest.mark.parametrize("max_block", [2, 3, 5, 100])
@pytest.mark.parametrize("seed", range(4))
def test_pair_arrays_equal_candidate_pairs(max_block: int, seed: int) -> None:
    rng = random.Random(seed)
    keys = [
        list(dict.fromkeys(f"k{rng.randrange(40)}" for _ in range(rng.randrange(0, 5)))) for _ in range(300)
    ]
    expected, stats = candidate_pairs(keys, max_block=max_block)
    i_arr, j_arr, got_stats = _pairs.candidate_pair_arrays(keys, max_block=max_block)
    assert list(zip(i_arr.tolist(), j_arr.tolist(), strict=True)) == sorted(
        expected, key=lambda p: (p[1], p[0])
    )
    assert got_stats == stats


def test_pair_arrays_empty() -> None:
    i_arr, j_arr, stats = _pairs.candidate_pair_arrays([[], []], max_block=10)
    assert i_arr.size == j_arr.size == 0
    assert stats == {"blocks": 0, "capped_blocks": 0, "pairs": 0}


@pytest.mark.parametrize("workers", [1, 2])
def test_levels_equal_engine_pattern(workers: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_pairs, "PARALLEL_MIN_PAIRS", 0)  # exercise the forked worker too
    rows = _contacts(3000, seed=7)
    engine, prep, i_arr, j_arr = candidate_arrays(rows)
    assert i_arr.size > 5_000
    pats, pat_of_pair, counts = _pairs.pair_patterns(
        engine.comparators, prep.columns, i_arr, j_arr, workers=workers
    )
    vals = prep.values
    expected = [engine.pattern(vals[i], vals[j]) for i, j in zip(i_arr.tolist(), j_arr.tolist(), strict=True)]
    got = [pats[p] for p in pat_of_pair.tolist()]
    assert got == expected
    from collections import Counter

    # Distinct patterns in order of first occurrence, with their counts.
    assert list(zip(pats, counts.tolist(), strict=True)) == list(Counter(expected).items())
    assert sum(counts.tolist()) == len(expected)


def test_a_raising_comparator_counts_as_missing() -> None:
    class Boom:
        levels = ("exact", "different")

        def compare(self, a: Any, b: Any) -> int:
            if a == "bad" or b == "bad":
                raise RuntimeError("boom")
            return 0 if a == b else 1

        def safe_compare(self, a: Any, b: Any) -> int:
            try:
                return self.compare(a, b)
            except Exception:
                return -1

    import numpy as np

    column = ["x", "x", "bad", "y", ["unhashable"]]
    i_arr = np.array([0, 0, 1, 2, 0], dtype=np.int32)
    j_arr = np.array([1, 2, 3, 3, 4], dtype=np.int32)
    # on purpose: a duck-typed comparator (no Comparator base, so no vectorized()) is allowed
    pats, pat_of_pair, _ = _pairs.pair_patterns([Boom()], [column], i_arr, j_arr)  # type: ignore[list-item]
    assert [pats[p][0] for p in pat_of_pair.tolist()] == [0, -1, 1, -1, 1]


@pytest.mark.parametrize("fit", [False, True])
def test_resolve_same_with_and_without_the_array_path(fit: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_pairs, "PARALLEL_MIN_PAIRS", 0)
    rows = _contacts(4000, seed=3)

    def run() -> Any:
        r = Resolver(id_field="id", region="US", region_field="country", workers=2)
        if fit:
            r.fit(rows)
        return r.resolve(rows), r.model

    fast, fast_model = run()
    monkeypatch.setattr(resolver_mod, "_numpy_available", lambda: False)
    plain, plain_model = run()
    assert fast.profile_of == plain.profile_of
    assert [(link.a, link.b, link.reason) for link in fast.links] == [
        (link.a, link.b, link.reason) for link in plain.links
    ]
    assert [link.score for link in fast.links] == pytest.approx(
        [link.score for link in plain.links], abs=1e-9
    )
    assert fast.stats["candidate_pairs"] == plain.stats["candidate_pairs"]
    assert fast.stats["distinct_patterns"] == plain.stats["distinct_patterns"]
    assert fast_model is not None
    assert plain_model is not None
    assert fast_model.prior == pytest.approx(plain_model.prior, abs=1e-9)


def test_deterministic_link_scores_are_what_explain_says() -> None:
    """Deterministic links are scored as arrays (pattern weight + term-frequency terms); each
    score is the total ``explain`` gives for the pair, scored on its own."""
    rows = _contacts(3000, seed=8)
    resolver = Resolver(id_field="id", region="US", region_field="country")
    result = resolver.resolve(rows)
    det = [link for link in result.links if link.reason != "fuzzy"]
    assert len(det) > 500
    for link in det:
        assert link.score == pytest.approx(resolver.explain(link.a, link.b).total, abs=1e-9), link
