"""Batch runs pause the cyclic garbage collector and restore it, and leave no cycles behind."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from omnilink.identity import Resolver, _gcpause
from omnilink.identity._gcpause import gc_paused
from omnilink.identity._normalize import Normalizer, NormRecord

from ._data import contacts


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:  # pragma: no cover - the suite runs with the collector on
        gc.disable()


def test_pause_restores_the_collector(collector_on: None) -> None:
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block does not switch it back on early
    assert gc.isenabled()


def test_pause_restores_on_error(collector_on: None) -> None:
    with pytest.raises(RuntimeError), gc_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_pause_leaves_a_disabled_collector_disabled(collector_on: None) -> None:
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()


def test_overlapping_pauses_in_threads(collector_on: None) -> None:
    """Two runs in two threads: the first to finish must not switch the collector back on
    under the other, and the last one out does."""
    inside = threading.Barrier(2)
    first_out = threading.Event()
    seen: list[bool] = []

    def early() -> None:
        with gc_paused():
            inside.wait()
        first_out.set()

    def late() -> None:
        with gc_paused():
            inside.wait()
            first_out.wait()
            seen.append(gc.isenabled())

    threads = [threading.Thread(target=early), threading.Thread(target=late)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == [False]
    assert gc.isenabled()


def test_resolve_and_fit_restore_the_collector(collector_on: None) -> None:
    rows = contacts(300, seed=3)
    resolver = Resolver(id_field="id", region="US", region_field="country")
    resolver.fit(rows)
    assert gc.isenabled()
    resolver.resolve(rows)
    assert gc.isenabled()
    with pytest.raises(TypeError):
        resolver.resolve(5)  # type: ignore[arg-type]  # on purpose: not rows, a TypeError
    assert gc.isenabled()
    graph = resolver.graph()
    graph.add_many(rows[:50])
    assert gc.isenabled()


def test_resolve_leaves_no_cycles_of_its_own(collector_on: None) -> None:
    """Cached errors kept their traceback, whose frames held the normalizer and so its whole
    cache in a cycle: with the collector paused, that memory outlived the run's use of it."""
    rows = contacts(500, seed=4)
    rows += [
        {"id": "bad-1", "email": "not an email", "phone": "12", "first_name": "Ann"},
        {"id": "bad-2", "email": "not an email", "phone": "12", "first_name": "Ann"},
    ]
    gc.collect()
    flags = gc.get_debug()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        result = Resolver(id_field="id", region="US", region_field="country").resolve(rows)
        assert {r.record_id for r in result.rejects} >= {"bad-1", "bad-2"}
        del result
        gc.collect()
        ours = [
            o
            for o in gc.garbage
            if isinstance(o, NormRecord | Normalizer)
            or (type(o).__name__ == "frame" and "omnilink" in o.f_code.co_filename)
        ]
    finally:
        gc.set_debug(flags)
        gc.garbage.clear()
        gc.collect()
    assert ours == []


def test_a_run_leaves_its_survivors_in_the_old_generation(
    collector_on: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Left young, a loaded graph was walked whole by the first collection after the load
    (the first add() after loading 60,000 records took 0.9 s)."""
    monkeypatch.setattr(_gcpause, "YOUNG_COLLECT_MIN", 1000)  # 400 rows make fewer than 50,000
    rows = contacts(400, seed=5)
    resolver = Resolver(id_field="id", region="US", region_field="country").fit(rows)
    graph = resolver.graph()
    graph.add_many(rows)
    young = len(gc.get_objects(0)) + len(gc.get_objects(1))
    assert young < 200, young
    assert graph.record_count == len(rows)


def test_a_small_run_does_not_collect_the_whole_heap(collector_on: None) -> None:
    """A full collection walks the caller's whole heap: a run of a few rows must not make one."""
    rows = contacts(400, seed=6)
    resolver = Resolver(id_field="id", region="US", region_field="country").fit(rows)
    graph = resolver.graph()
    gc.collect()
    full = gc.get_stats()[2]["collections"]
    graph.add_many(rows[:5])
    resolver.resolve(rows[:5])
    assert gc.get_stats()[2]["collections"] == full
