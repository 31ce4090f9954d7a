"""IdentityGraph.save / IdentityGraph.load: a graph outlives its process."""

from __future__ import annotations

import io
import os
import pickle
from pathlib import Path
from typing import Any

import pytest
from benchmarks.contactgen import Noise, generate, iter_records

import omnilink
from omnilink.exceptions import ConfigurationError
from omnilink.identity import IdentityGraph, Resolver
from omnilink.identity import _graph as graph_module

ANN = {"first_name": "Ann", "last_name": "Lee"}


def _contacts(n: int, seed: int) -> list[dict[str, Any]]:
    data = generate(n, seed=seed, noise=Noise(mean_records_per_person=1.6))
    del data["entity_id"]
    data["id"] = [str(i) for i in data["id"]]
    return list(iter_records(data))


def _state(g: IdentityGraph) -> tuple[Any, ...]:
    return (
        sorted(map(sorted, g.clusters)),
        dict(g.as_mapping()),
        sorted(g.profiles(), key=lambda p: p.id),
        g.merges,
        g.rejects,
        g.record_count,
    )


def test_a_loaded_graph_is_the_saved_one_and_goes_on_alike(tmp_path: Path) -> None:
    rows = _contacts(2400, seed=4)
    first, later = rows[:2000], rows[2000:]
    graph = Resolver(id_field="id", region="US", region_field="country").fit(first).graph()
    graph.add_many(first)
    assert graph.merges  # the data bridges profiles, so merges are part of what is saved
    assert graph.rejects  # and invalid values
    path = tmp_path / "graph.pkl"

    graph.save(path)
    loaded = IdentityGraph.load(path)

    assert loaded is not graph
    assert _state(loaded) == _state(graph)
    # Every further record lands as it would have in the saved graph: same ids, links, merges.
    for row in later:
        assert graph.add(row) == loaded.add(row), row
    assert _state(loaded) == _state(graph)
    assert sum(len(p.record_ids) > 1 for p in loaded.profiles()) > 100


def test_separations_survive_a_save(tmp_path: Path) -> None:
    """What unmerge and split decided (often a person's call) holds after loading."""
    graph = Resolver().graph()
    graph.add({"id": "a", **ANN, "email": "ann.lee@gmail.com"})
    graph.add({"id": "b", **ANN, "phone": "+14155552671"})
    bridge = graph.add({"id": "c", **ANN, "email": "ann.lee@gmail.com", "phone": "+14155552671"})
    assert bridge.merge is not None
    graph.add({"id": "d", "first_name": "Bo", "last_name": "Ray", "phone": "+14155550199"})
    graph.add({"id": "e", "first_name": "Bo", "last_name": "Ray", "phone": "+14155550199"})
    graph.add({"id": "f", "first_name": "Bo", "last_name": "Ray", "phone": "+14155550199"})
    bo = graph.profile_of("d")
    assert graph.profile_of("f") == bo
    graph.save(tmp_path / "g.pkl")
    loaded = IdentityGraph.load(tmp_path / "g.pkl")

    # The event from before the save undoes the merge in the loaded graph (equal, not the same object).
    restored = loaded.unmerge(bridge.merge)
    assert restored == bridge.merge.absorbed
    assert loaded.merges == ()
    split_off = loaded.split(bo, ["f"])
    loaded.save(tmp_path / "g.pkl")  # over the old file
    again = IdentityGraph.load(tmp_path / "g.pkl")

    late = again.add({"id": "g", **ANN, "email": "ann.lee@gmail.com", "phone": "+14155552671"})
    assert late.merge is None
    assert again.profile_of("a") != again.profile_of("b")
    assert again.profile_of("f") == split_off
    again.add({"id": "h", "first_name": "Bo", "last_name": "Ray", "phone": "+14155550199"})
    assert again.profile_of("f") != again.profile_of("d")


def test_an_untrained_graph_saves_before_and_after_its_first_record() -> None:
    empty = Resolver(region="GB").graph()
    buf = io.BytesIO()
    empty.save(buf)
    loaded = IdentityGraph.load(io.BytesIO(buf.getvalue()))
    assert len(loaded) == 0
    assert loaded.model is None
    res = loaded.add({"id": "1", "name": "Ann Lee", "phone": "020 7946 0958"})  # the region went along
    assert not res.rejects
    empty.add({"id": "1", "name": "Ann Lee", "phone": "020 7946 0958"})
    buf = io.BytesIO()
    empty.save(buf)
    buf.seek(0)
    loaded = IdentityGraph.load(buf)
    two = {"id": "2", "name": "Ann Lee", "phone": "+44 20 7946 0958"}
    assert empty.add(two) == loaded.add(two)
    assert loaded.profile_of("2") == loaded.profile_of("1")


def test_load_refuses_what_save_did_not_write(tmp_path: Path) -> None:
    other = tmp_path / "other.pkl"
    other.write_bytes(pickle.dumps({"not": "a graph"}))
    with pytest.raises(ConfigurationError, match="not an IdentityGraph"):
        IdentityGraph.load(other)
    # No pickle at all, or half of one (a save cut short by hand).
    other.write_bytes(b"id,email\n1,a@b.org\n")
    with pytest.raises(ConfigurationError, match="not an IdentityGraph"):
        IdentityGraph.load(other)
    buf = io.BytesIO()
    Resolver().graph().save(buf)
    other.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    with pytest.raises(ConfigurationError, match=r"EOFError|UnpicklingError"):
        IdentityGraph.load(other)
    with pytest.raises(FileNotFoundError):
        IdentityGraph.load(tmp_path / "missing.pkl")
    # Shaped like a saved graph, but not holding one.
    other.write_bytes(pickle.dumps((graph_module._SAVED, omnilink.__version__, [])))
    with pytest.raises(ConfigurationError, match="not an IdentityGraph"):
        IdentityGraph.load(other)


def test_load_refuses_a_graph_of_another_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    graph = Resolver().graph()
    graph.add({"id": "1", **ANN, "email": "ann.lee@gmail.com"})
    monkeypatch.setattr(omnilink, "__version__", "0.0.1")
    graph.save(tmp_path / "old.pkl")
    monkeypatch.undo()
    with pytest.raises(ConfigurationError, match=r"omnilink 0\.0\.1.*add_many"):
        IdentityGraph.load(tmp_path / "old.pkl")


def test_a_failed_save_leaves_the_previous_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    graph = Resolver().graph()
    graph.add({"id": "1", **ANN, "email": "ann.lee@gmail.com"})
    path = tmp_path / "graph.pkl"
    graph.save(path)
    before = path.read_bytes()
    graph.add({"id": "2", **ANN, "phone": "+14155552671"})

    def half_then_crash(obj: object, out: io.BufferedWriter, protocol: int) -> None:
        out.write(pickle.dumps(obj, protocol=protocol)[:100])
        raise OSError("disk full")

    monkeypatch.setattr(pickle, "dump", half_then_crash)
    with pytest.raises(OSError, match="disk full"):
        graph.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["graph.pkl"]  # no temporary file left behind
    assert IdentityGraph.load(path).record_count == 1


def test_the_value_cache_is_not_saved() -> None:
    """The normalizer's cache of canonical values is a cache (up to a million values): a
    loaded graph starts with it empty and refills it as it goes."""
    rows = _contacts(600, seed=2)
    graph = Resolver(id_field="id", region="US", region_field="country").fit(rows).graph()
    graph.add_many(rows)
    assert graph._norm is not None
    assert len(graph._norm._cache) > 500
    buf = io.BytesIO()
    graph.save(buf)
    buf.seek(0)
    loaded = IdentityGraph.load(buf)
    assert loaded._norm is not None
    assert loaded._norm._cache == {}
    assert len(graph._norm._cache) > 500  # the saved graph keeps its own
