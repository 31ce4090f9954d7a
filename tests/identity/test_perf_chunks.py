"""The chunked pattern path (``_pairs.pair_patterns``) gives what the per-pair loops give."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from omnilink.identity import Resolver, _fork, _pairs
from omnilink.identity._blocking import record_keys
from omnilink.identity._comparators import NULL
from omnilink.identity._engine import Engine
from omnilink.identity._resolver import _Prepared

from ._data import candidate_arrays
from ._data import contacts as _contacts


@pytest.mark.parametrize(("workers", "chunk"), [(1, 1 << 21), (1, 997), (2, 1500)])
def test_pair_patterns_equal_engine_pattern(
    workers: int, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_pairs, "PARALLEL_MIN_PAIRS", 0)
    monkeypatch.setattr(_pairs, "_DENSE_MAX", 64)  # small columns use the dense cache, others not
    rows = _contacts(3000, seed=11)
    engine, prep, i_arr, j_arr = candidate_arrays(rows)
    assert i_arr.size > 5_000
    pats, pat_of_pair, counts = _pairs.pair_patterns(
        engine.comparators, prep.columns, i_arr, j_arr, workers=workers, chunk=chunk
    )
    vals = prep.values
    expected = [engine.pattern(vals[i], vals[j]) for i, j in zip(i_arr.tolist(), j_arr.tolist(), strict=True)]
    assert [pats[p] for p in pat_of_pair.tolist()] == expected
    assert list(Counter(expected)) == pats  # order of first occurrence
    assert counts.tolist() == list(Counter(expected).values())


def test_every_comparator_is_null_on_a_missing_value() -> None:
    """The chunked path skips pairs with a missing (None) value: comparators must say NULL."""
    rows = _contacts(300, seed=2)
    resolver = Resolver(id_field="id", region="US", region_field="country")
    engine = Engine(resolver._config(rows))
    prep = _Prepared(engine, rows)
    for c, comp in enumerate(engine.comparators):
        for v in prep.columns[c][:50]:
            assert comp.safe_compare(None, v) == NULL
            assert comp.safe_compare(v, None) == NULL


def test_pair_patterns_empty() -> None:
    import numpy as np

    rows = _contacts(50, seed=1)
    resolver = Resolver(id_field="id", region="US", region_field="country")
    engine = Engine(resolver._config(rows))
    prep = _Prepared(engine, rows)
    empty = np.zeros(0, dtype=np.int32)
    pats, pat_of_pair, counts = _pairs.pair_patterns(engine.comparators, prep.columns, empty, empty)
    assert pats == []
    assert pat_of_pair.size == 0
    assert counts.size == 0


@pytest.mark.parametrize("max_block", [3, 100])
@pytest.mark.parametrize("extra_rule", [False, True])
@pytest.mark.parametrize("workers", [1, 2])
def test_rule_pair_arrays_equal_candidate_pair_arrays(
    max_block: int, extra_rule: bool, workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rule by rule, and with a forked process making the second half's keys: the same pairs."""
    from omnilink.identity._blocking import BlockingRule, _soundex

    monkeypatch.setattr(_fork, "PARALLEL_MIN_RECORDS", 0)

    rows = _contacts(3000, seed=5)
    resolver = Resolver(id_field="id", region="US", region_field="country")
    engine = Engine(resolver._config(rows))
    prep = _Prepared(engine, rows)
    rules = list(engine.rules)
    if extra_rule:  # no declared prefixes, and keys that collide with another rule's: blocked together
        rules.append(BlockingRule("odd", lambda r: [f"sl:{_soundex(r.last)}"] if r.last else []))
    keys = [record_keys(rules, r) for r in prep.records]
    i_exp, j_exp, stats_exp = _pairs.candidate_pair_arrays(keys, max_block=max_block)
    i_arr, j_arr, stats = _pairs.rule_pair_arrays(rules, prep.records, max_block=max_block, workers=workers)
    assert i_arr.tolist() == i_exp.tolist()
    assert j_arr.tolist() == j_exp.tolist()
    assert stats == stats_exp


def test_shared_identifiers_found_in_a_forked_child_equal_those_found_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The tracker runs in a child while the columns are built: the same weak set, not a
    smaller one (a household phone the child found must weaken the parent's comparisons)."""

    rows = _contacts(3000, seed=5)
    rows += [  # one phone, three different people: shared
        {
            "id": f"h{k}",
            "first_name": name,
            "last_name": "Okafor",
            "phone": "+1 617 555 0148",
            "country": "US",
        }
        for k, name in enumerate(("Amara", "Chidi", "Ngozi"))
    ]
    cfg = Resolver(id_field="id", region="US", region_field="country")._config(rows)
    here = Engine(cfg)
    _Prepared(here, rows, workers=1)
    monkeypatch.setattr(_fork, "PARALLEL_MIN_RECORDS", 0)
    forked = Engine(cfg)
    prep = _Prepared(forked, rows, workers=2)
    assert "+16175550148" in here.weak
    assert forked.weak == here.weak
    assert len(prep.columns) == len(forked.comparators)


def test_deterministic_candidates_from_arrays_give_the_run_of_record_by_record(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The deterministic links' candidates from the table's arrays: the same links (reasons,
    scores) and profiles as the record-by-record search."""
    from omnilink.identity import _resolver

    rows = _contacts(3000, seed=7)
    arrays = Resolver(id_field="id", region="US", region_field="country").resolve(rows)
    used: list[bool] = []

    def by_records(engine: Any, table: Any) -> Any:
        used.append(True)
        return _resolver._det_candidates(engine, table.records)

    monkeypatch.setattr(_resolver, "_det_candidate_arrays", by_records)
    records = Resolver(id_field="id", region="US", region_field="country").resolve(rows)
    assert used == [True]
    assert arrays.stats["deterministic_links"] > 500
    assert records.stats["deterministic_links"] == arrays.stats["deterministic_links"]
    assert records.links == arrays.links
    assert records.profile_of == arrays.profile_of


def test_normalize_all_with_the_helper_equals_one_row_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    from omnilink.identity import _normalize

    monkeypatch.setattr(_normalize, "_BATCH", 700)
    rows = _contacts(5000, seed=9)
    rows[10]["phone"] = "not a phone"
    rows[11]["email"] = "broken@@"
    rows[12]["phone"] = ["+1 415 555 2671", "415-555-2671", "12"]
    resolver = Resolver(id_field="id", region="US", region_field="country")
    cfg = resolver._config(rows)

    def run(workers: int) -> Any:
        norm = Engine(cfg).normalizer()
        norm.workers = workers
        recs = norm.normalize_all(iter(rows))
        return recs, norm.rejects, norm.weak, {k: repr(v) for k, v in norm._cache.items()}

    one = run(1)
    two = run(2)
    assert two[0] == one[0]
    assert two[1] == one[1]
    assert any(r.field == "phone" for r in one[1])
    assert two[2] == one[2]
    assert two[3] == one[3]


def test_vector_tf_corrections_are_used_and_equal(monkeypatch: pytest.MonkeyPatch) -> None:
    import omnilink.identity._resolver as resolver_mod

    seen: list[bool] = []
    check = resolver_mod._TfVector.check

    def spy(self: Any, pk: Any, ik: Any, vals: Any) -> bool:
        ok = check(self, pk, ik, vals)
        seen.append(ok)
        return ok

    monkeypatch.setattr(resolver_mod._TfVector, "check", spy)
    monkeypatch.setattr(resolver_mod._TfVector, "SAMPLE", 10**9)  # check every pair
    rows = _contacts(4000, seed=4)
    fast = Resolver(id_field="id", region="US", region_field="country").resolve(rows)
    assert seen
    assert all(seen)
    monkeypatch.setattr(resolver_mod, "_TfVector", lambda *a: None)  # pair by pair
    slow = Resolver(id_field="id", region="US", region_field="country").resolve(rows)
    assert fast.profile_of == slow.profile_of
    assert [(x.a, x.b, x.score, x.reason) for x in fast.links] == [
        (x.a, x.b, x.score, x.reason) for x in slow.links
    ]


@pytest.mark.parametrize("n", [0, 1, 2, 5, 1000, (1 << 22) + 7])
def test_sorted_distinct_is_unique(n: int) -> None:
    import numpy as np

    x = np.random.default_rng(n).integers(0, max(n // 3, 1), n).astype(np.int64)
    assert _pairs._sorted_distinct(x.copy()).tolist() == np.unique(x).tolist()


def test_a_run_builds_each_comparators_column_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """u from random pairs, the candidate pairs and the deterministic links share one vectorized
    column per comparator (built over all its distinct values), and the run lets it go after."""
    built: list[str] = []
    init = _pairs._Column.__init__

    def spy(self: Any, comp: Any, *args: Any) -> None:
        built.append(comp.name)
        init(self, comp, *args)

    monkeypatch.setattr(_pairs._Column, "__init__", spy)
    rows = _contacts(3000, seed=4)
    resolver = Resolver(id_field="id", region="US", region_field="country")
    result = resolver.resolve(rows)
    assert result.stats["deterministic_links"] > 0
    assert sorted(built) == sorted(c.name for c in Engine(resolver._config(rows)).comparators)


@pytest.mark.parametrize("workers", [1, 2])
def test_workers_1_never_forks(workers: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """``workers=1`` keeps every step in this process (the guide promises it for servers whose
    threads may hold locks); with 2, and every size threshold lowered, each step forks."""
    import multiprocessing.context

    from omnilink.identity import _normalize

    monkeypatch.setattr(_fork, "PARALLEL_MIN_RECORDS", 0)
    monkeypatch.setattr(_pairs, "PARALLEL_MIN_PAIRS", 0)
    monkeypatch.setattr(_normalize, "_BATCH", 500)
    started: list[str] = []
    real_start = multiprocessing.context.ForkProcess.start

    def start(self: Any) -> None:
        started.append(getattr(self._target, "__name__", "?"))
        real_start(self)

    monkeypatch.setattr(multiprocessing.context.ForkProcess, "start", start)
    rows = _contacts(2000, seed=3)
    result = Resolver(id_field="id", region="US", region_field="country", workers=workers).resolve(rows)
    assert result.stats["links"] > 0
    if workers == 1:
        assert started == []
    else:  # the canonicalization helper; the tracker; the blocks; the comparisons (the
        # deterministic candidates come from arrays, in this process)
        assert started == ["_helper_main", "_child", "_child", "run"]
