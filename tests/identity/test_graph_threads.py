"""One IdentityGraph shared by a service's threads (FastAPI's sync endpoints, Django, workers).

Each test switches threads every few microseconds (``sys.setswitchinterval``), so the
interleavings a busy service meets in a day happen within a few thousand calls.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from benchmarks.contactgen import Noise

from omnilink.identity import IdentityGraph, Resolver

from ._data import contacts


@pytest.fixture(autouse=True)
def _switch_often() -> Iterator[None]:
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def _rows(n: int, seed: int) -> list[dict[str, Any]]:
    return contacts(n, seed, noise=Noise(mean_records_per_person=2.0))


def _run(workers: list[Callable[[], None]]) -> list[BaseException]:
    """Run each worker in its own thread, all started together; the exceptions they raised."""
    errors: list[BaseException] = []
    start = threading.Barrier(len(workers))

    def wrap(work: Callable[[], None]) -> None:
        try:
            start.wait()
            work()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=wrap, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def _serial_clusters(resolver: Resolver, order: list[dict[str, Any]]) -> list[list[str]]:
    graph = resolver.graph()
    for row in order:
        graph.add(row)
    return sorted(sorted(c) for c in graph.clusters)


def test_adds_from_several_threads_give_the_graph_of_some_serial_order() -> None:
    rows = _rows(1200, seed=7)
    resolver = Resolver(id_field="id", region="US", region_field="country").fit(rows)
    graph = resolver.graph()
    results: dict[str, Any] = {}

    def adder(part: list[dict[str, Any]]) -> Callable[[], None]:
        def work() -> None:
            for row in part:
                res = graph.add(row)
                results[res.record_id] = res

        return work

    errors = _run([adder(rows[k::4]) for k in range(4)])
    assert errors == []
    assert graph.record_count == len(rows)
    mapping = graph.as_mapping()
    assert sorted(mapping) == sorted(r["id"] for r in rows)  # each record once, under its own id
    # The graph is what adding its records one at a time, in the order it took them, gives.
    by_id = {r["id"]: r for r in rows}
    order = [by_id[rid] for rid in mapping]  # as_mapping lists records in the order added
    assert sorted(sorted(c) for c in graph.clusters) == _serial_clusters(resolver, order)
    assert len(graph) < len(rows)  # records were joined, so merges raced with adds
    # Every record's profile holds it, and the profiles are apart.
    seen: set[str] = set()
    for profile in graph.profiles():
        assert all(mapping[rid] == profile.id for rid in profile.record_ids)
        assert seen.isdisjoint(profile.record_ids)
        seen.update(profile.record_ids)
    assert seen == set(mapping)
    # Each add's result speaks of that add only: its record, and the rejects of its own row.
    assert set(results) == set(mapping)
    assert all(rej.record_id == rid for rid, res in results.items() for rej in res.rejects)


def test_readers_see_whole_adds_while_writers_add() -> None:
    rows = _rows(900, seed=8)
    resolver = Resolver(id_field="id", region="US", region_field="country").fit(rows)
    graph = resolver.graph()
    graph.add_many(rows[:300])
    done = threading.Event()
    reads = [0]

    def writer(part: list[dict[str, Any]]) -> Callable[[], None]:
        def work() -> None:
            try:
                for row in part:
                    graph.add(row)
            finally:
                done.set()

        return work

    def reader() -> None:
        while not done.is_set():
            clusters = graph.clusters
            n = sum(len(c) for c in clusters)
            assert n == len(set().union(*clusters))  # no record in two profiles
            for profile in graph.profiles():
                assert profile.record_ids
            mapping = graph.as_mapping()
            assert len(mapping) >= n
            for row in rows[:300:25]:
                if row.get("email"):
                    graph.lookup(row["email"], kind="email")
            reads[0] += 1

    errors = _run([writer(rows[300:600]), writer(rows[600:]), reader])
    assert errors == []
    assert reads[0] > 0
    assert graph.record_count == len(rows)


def _bridged(k: int) -> list[dict[str, Any]]:
    """An inbox, a phone, then a record holding both: the third merges the first two's profiles."""
    email, phone = f"casey.bridge{k}@gmail.com", f"+1617253{k:04d}"
    return [
        {"id": f"b{k}e", "email": email},
        {"id": f"b{k}p", "phone": phone},
        {"id": f"b{k}", "email": email, "phone": phone},
    ]


def test_unmerge_split_and_save_while_adding(tmp_path: Any) -> None:
    rows = _rows(900, seed=9)
    resolver = Resolver(id_field="id", region="US", region_field="country").fit(rows)
    graph = resolver.graph()
    graph.add_many(rows[:450])
    graph.add_many(row for k in range(30) for row in _bridged(k))
    merges = list(graph.merges)
    multi = [p for p in graph.profiles() if len(p.record_ids) > 2]
    assert len(merges) >= 20
    assert multi
    path = tmp_path / "graph.pkl"

    def adder() -> None:
        for row in rows[450:]:
            graph.add(row)

    def undoer() -> None:
        for event in merges[:20]:
            undone.extend(graph.unmerge(event))
        for profile in multi[:20]:
            # KeyError, ValueError: the profile was merged on since, into one with another id.
            with contextlib.suppress(KeyError, ValueError):
                split.append(graph.split(profile.id, profile.record_ids[:1]))
        graph.save(path)

    undone: list[str] = []
    split: list[str] = []
    errors = _run([adder, undoer])
    assert errors == []
    assert graph.record_count == len(rows) + 90
    assert len(undone) == 20
    assert split
    assert not set(graph.merges) & set(merges[:20])
    # The file holds one moment of the graph: every profile in it holds its records and only
    # them, and the loaded graph goes on adding.
    loaded = IdentityGraph.load(path)
    assert 540 <= loaded.record_count <= len(rows) + 90
    loaded_map = loaded.as_mapping()
    assert sum(len(p.record_ids) for p in loaded.profiles()) == loaded.record_count
    for profile in loaded.profiles():
        assert all(loaded_map[rid] == profile.id for rid in profile.record_ids)
    assert loaded.add({"id": "late", "email": "casey.bridge0@gmail.com"}).profile_id in loaded_map.values()


@pytest.mark.parametrize("fitted", [True, False])
def test_one_resolver_resolves_in_several_threads_at_once(fitted: bool) -> None:
    sets = [_rows(600, seed=s) for s in (10, 11, 12)]
    resolver = Resolver(id_field="id", region="US", region_field="country")
    if fitted:
        resolver.fit(sets[0])
    serial = [sorted(map(sorted, resolver.resolve(rows).clusters)) for rows in sets]
    got: dict[int, list[list[str]]] = {}

    def resolve(k: int) -> Callable[[], None]:
        def work() -> None:
            got[k] = sorted(map(sorted, resolver.resolve(sets[k]).clusters))

        return work

    assert _run([resolve(k) for k in range(3)]) == []
    assert [got[k] for k in range(3)] == serial
