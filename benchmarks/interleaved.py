"""Online add latency of two versions of omnilink, timed in turns.

``python -m benchmarks.interleaved A_SRC B_SRC [--loaded N] [--adds Q] [--turn K]`` starts
one process per version (``A_SRC`` and ``B_SRC`` are folders holding the ``omnilink``
package: a checkout's ``src``, e.g. of a ``git worktree`` at another commit). Each loads the
same ``N`` generated records into an IdentityGraph (:func:`benchmarks.omni.loaded_graph`),
then they take turns of ``K`` single ``add`` calls on the same further records, which one
goes first alternating, until ``Q`` each. It prints p50/p90/p99 per version and B's as a
ratio of A's.

Why in turns: an online run's 10,000 timed adds take a few seconds, and on a shared machine a
few seconds of another tenant's load move one run's median by a quarter. Taking turns puts
both versions in the same seconds, so such load falls on both. What is left is the spread
between two processes: one version against itself came out 0.93x and 1.08x at 300,000
loaded (a fixed ``PYTHONHASHSEED`` did not narrow it), so a difference under ~10% needs
several runs, or an instruction count (``valgrind --tool=callgrind``), to mean anything.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import IO

from benchmarks.metrics import percentile

__all__ = ["main", "percentiles"]


def _worker(n_loaded: int, n_adds: int, seed: int) -> None:
    """Load, say ``ready``, then for each line ``K`` read on stdin, add the next K records and
    print their latencies in nanoseconds on one line."""
    from benchmarks.omni import loaded_graph

    graph, records, _fit, _load = loaded_graph(n_loaded, n_adds, seed=seed)
    queries = list(records)
    print("ready", flush=True)
    clock = time.perf_counter_ns
    pos = 0
    for line in sys.stdin:
        k = int(line)
        out = []
        for rec in queries[pos : pos + k]:
            s = clock()
            graph.add(rec)
            out.append(clock() - s)
        pos += k
        print(" ".join(map(str, out)), flush=True)


def percentiles(latencies_ns: Sequence[int]) -> dict[str, float]:
    """p50, p90 and p99 of latencies in nanoseconds, in microseconds."""
    ordered = sorted(latencies_ns)
    return {name: percentile(ordered, q) / 1e3 for name, q in (("p50", 0.50), ("p90", 0.90), ("p99", 0.99))}


def _start(src: str, n_loaded: int, n_adds: int, seed: int) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.path.abspath(src)}
    cmd = [sys.executable, "-m", "benchmarks.interleaved", "--worker", str(n_loaded), str(n_adds), str(seed)]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # where benchmarks/ is
    return subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=root)


def _line(stream: IO[str] | None) -> str:
    assert stream is not None
    line = stream.readline()
    if not line:
        raise RuntimeError("a worker stopped early: run it alone to see its error")
    return line


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--worker"]:
        _worker(int(args[1]), int(args[2]), int(args[3]))
        return 0
    p = argparse.ArgumentParser(prog="python -m benchmarks.interleaved", description=__doc__.split("\n\n")[0])
    p.add_argument("a", help="folder holding version A's omnilink package (a checkout's src)")
    p.add_argument("b", help="folder holding version B's omnilink package")
    p.add_argument("--loaded", type=int, default=300_000, help="records loaded (default 300000)")
    p.add_argument("--adds", type=int, default=6_000, help="timed adds per version (default 6000)")
    p.add_argument("--turn", type=int, default=100, help="adds per turn (default 100)")
    p.add_argument("--seed", type=int, default=1)
    ns = p.parse_args(args)
    for src in (ns.a, ns.b):
        if not os.path.isfile(os.path.join(src, "omnilink", "__init__.py")):
            p.error(f"{src} holds no omnilink package: give a checkout's src folder")
    procs = {"A": _start(ns.a, ns.loaded, ns.adds, ns.seed), "B": _start(ns.b, ns.loaded, ns.adds, ns.seed)}
    try:
        for proc in procs.values():
            if _line(proc.stdout).strip() != "ready":
                raise RuntimeError("a worker said something else than ready")
        lat: dict[str, list[int]] = {name: [] for name in procs}
        turns = max(1, ns.adds // ns.turn)
        for i in range(turns):
            for name in ("A", "B") if i % 2 == 0 else ("B", "A"):
                proc = procs[name]
                assert proc.stdin is not None
                proc.stdin.write(f"{ns.turn}\n")
                proc.stdin.flush()
                lat[name] += [int(x) for x in _line(proc.stdout).split()]
    finally:
        for proc in procs.values():
            with proc:  # closes its pipes (stdin first: the worker's end of input) and waits
                pass
    stats = {name: percentiles(values) for name, values in lat.items()}
    print(f"{ns.loaded:,} loaded, {len(lat['A']):,} adds each, in turns of {ns.turn}")
    print("| version | p50 µs | p90 µs | p99 µs |")
    print("|---|---|---|---|")
    for name, src in (("A", ns.a), ("B", ns.b)):
        st = stats[name]
        print(f"| {name}: {src} | {st['p50']:.1f} | {st['p90']:.1f} | {st['p99']:.1f} |")
    ratio = " / ".join(f"{stats['B'][q] / stats['A'][q]:.2f}x" for q in ("p50", "p90", "p99"))
    print(f"B against A (p50 / p90 / p99): {ratio}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
