"""One benchmark job in its own process, so that its peak RSS is its own.

``python -m benchmarks.worker JOB_JSON`` prints one JSON line with the result. The job is
``{"tool": ..., "dataset": ..., "dir": ..., "contacts_n": ..., "seed": ...}`` for a batch run,
``{"tool": "omnilink", "dataset": "scale", "dir": ..., "n": ..., "seed": ...}`` for the scale
run and ``{"tool": "omnilink", "dataset": "online", "n": ..., "queries": ...}`` for online
latency.

Timing: ``wall_s`` is the linkage job only (set-up, training, prediction, clustering),
measured with ``time.perf_counter``; reading the input files is not included (``load_s``).
Memory: ``peak_rss_mb`` is the process's peak resident set size (``VmHWM``), which
includes the interpreter, the imports and the loaded input; ``base_rss_mb`` is the resident
size just before the timed part, so ``peak - base`` is roughly what the job itself added.
"""

from __future__ import annotations

import gc
import json
import resource
import sys
import time
import traceback
from pathlib import Path
from typing import Any

__all__ = ["main", "run_job"]


def _rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:  # pragma: no cover - not Linux
        pass
    return float("nan")


def _peak_rss_mb() -> float:
    """Peak RSS of this process image: VmHWM (Linux), else ``ru_maxrss``.

    ``ru_maxrss`` is not used on Linux because it survives fork + exec: a worker started by
    a big parent would report the parent's size.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:  # pragma: no cover - not Linux
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 2**20


def _score(pred: Any, truth_path: str) -> dict[str, Any]:
    from benchmarks.datasets import load_truth
    from benchmarks.metrics import cluster_scores, pair_scores

    entity, source = load_truth(truth_path)
    if source is not None:  # linking two files: only A-B pairs count
        if pred.pairs is not None:
            ent_a: dict[Any, list[str]] = {}
            for rid, e in entity.items():
                if source[rid] == "A":
                    ent_a.setdefault(e, []).append(rid)
            true_pairs = [(a, b) for b, e in entity.items() if source[b] == "B" for a in ent_a.get(e, ())]
            oriented = [(a, b) if source.get(a) == "A" else (b, a) for a, b in pred.pairs]
            cross = [(a, b) for a, b in oriented if source.get(a) == "A" and source.get(b) == "B"]
            return pair_scores(cross, true_pairs, ordered=True).as_dict()
        return cluster_scores(pred.clusters, entity, source=source).as_dict()
    if pred.clusters is not None:
        dropped = sum(1 for rid in entity if rid not in pred.clusters)
        return {**cluster_scores(pred.clusters, entity).as_dict(), "dropped": dropped}
    if pred.clusters is None:
        from benchmarks.metrics import clusters_from_pairs

        pred.clusters = {str(k): str(v) for k, v in clusters_from_pairs(entity, pred.pairs).items()}
    return cluster_scores(pred.clusters, entity).as_dict()


def _limit_memory(mb: float) -> None:
    """Cap the address space so a runaway job fails with MemoryError instead of OOM-ing the box."""
    limit = int(mb * 2**20)
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    tool, dataset = job["tool"], job["dataset"]
    if job.get("mem_limit_mb"):
        _limit_memory(float(job["mem_limit_mb"]))
    out: dict[str, Any] = {"tool": tool, "dataset": dataset}
    if dataset == "online":
        from benchmarks.omni import online_latency

        t0 = time.perf_counter()
        out.update(online_latency(int(job["n"]), int(job["queries"]), seed=int(job.get("seed", 1))))
        out["wall_s"] = time.perf_counter() - t0
        out["peak_rss_mb"] = _peak_rss_mb()
        return out
    if dataset == "scale":
        from benchmarks.datasets import prepare
        from benchmarks.omni import scale_run

        ds = prepare("contacts", Path(job["dir"]), contacts_n=int(job["n"]), seed=int(job.get("seed", 1)))
        gc.collect()
        out["base_rss_mb"] = _rss_mb()
        pred, wall = scale_run(ds.files["data"])
        out["wall_s"] = wall
        out["peak_rss_mb"] = _peak_rss_mb()
        out["records"] = ds.records
        out["info"] = pred.info
        out.update(_score(pred, ds.truth))
        return out

    from benchmarks.datasets import prepare

    ds = prepare(
        dataset, Path(job["dir"]), contacts_n=int(job.get("contacts_n", 20_000)), seed=int(job.get("seed", 1))
    )
    if tool == "omnilink":
        from benchmarks.omni import RUNNERS
    else:
        from benchmarks.peers import RUNNERS
    load, link = RUNNERS[(tool, dataset)]
    t0 = time.perf_counter()
    inputs = load(ds)
    out["load_s"] = time.perf_counter() - t0
    gc.collect()
    out["base_rss_mb"] = _rss_mb()
    t1 = time.perf_counter()
    pred = link(inputs)
    out["wall_s"] = time.perf_counter() - t1
    out["peak_rss_mb"] = _peak_rss_mb()
    out["records"] = ds.records
    out["info"] = pred.info
    out.update(_score(pred, ds.truth))
    return out


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    job = json.loads(args[0])
    try:
        result = run_job(job)
    except Exception as exc:
        result = {
            "tool": job.get("tool"),
            "dataset": job.get("dataset"),
            "error": f"{type(exc).__name__}: {exc}",
            "traceback": traceback.format_exc(limit=8),
        }
    print("BENCH-RESULT " + json.dumps(result, default=str), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
