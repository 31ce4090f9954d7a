"""Whether the resolver's match probabilities mean what they say, on the contact data.

``python -m benchmarks.calibration [-n 200000] [--seed 1] [--threshold 0.5]`` resolves the
generated contacts (:mod:`benchmarks.contactgen`) at a low ``threshold`` and sorts the scored
links the clustering kept into bands of the probability the model gave them. For each band
it prints how many links there are, how many join two records of one person (the ground
truth, which the resolver does not see), that share, and the model's mean probability. Where
the two agree, the probabilities are calibrated: a threshold is then a precision one can
choose, and a band below the default ``threshold=0.95`` says what lowering it would add
(links and wrong links). Deterministic links (a strong identifier) are made whatever their
score, so they get their own row.

A link is kept when it joins two groups that links of higher weight had not joined, so each
band counts the joins its pairs make, as they would be made at a threshold at its lower edge.
It has no peer: the benchmark's peers are compared on F1 (``python -m benchmarks``).
"""

from __future__ import annotations

import argparse
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks.contactgen import generate, iter_records

__all__ = ["BANDS", "Band", "bands", "main"]

BANDS: tuple[float, ...] = (0.5, 0.8, 0.9, 0.95, 0.97, 0.99, 0.999)
"""Lower edges of the probability bands; the last band ends at 1."""


@dataclass(frozen=True)
class Band:
    """Scored links whose probability is in ``[low, high)`` (``high`` 1 includes 1)."""

    low: float
    high: float
    links: int
    right: int
    probability_sum: float

    @property
    def precision(self) -> float:
        return self.right / self.links if self.links else float("nan")

    @property
    def mean_probability(self) -> float:
        return self.probability_sum / self.links if self.links else float("nan")


def bands(
    links: Iterable[tuple[str, str, float]], truth: Mapping[str, Any], edges: Sequence[float] = BANDS
) -> list[Band]:
    """``links`` as (record, record, probability) sorted into bands at ``edges`` (ascending
    lower edges; a probability under the first edge is left out), with how many of each band
    join two records of one true entity."""
    counts = [[0, 0, 0.0] for _ in edges]
    for a, b, p in links:
        k = bisect_right(edges, p) - 1  # the last edge at or under p
        if k < 0:
            continue
        counts[k][0] += 1
        counts[k][1] += truth[a] == truth[b]
        counts[k][2] += p
    highs = [*edges[1:], 1.0]
    return [
        Band(low, high, int(n), int(right), float(s))
        for low, high, (n, right, s) in zip(edges, highs, counts, strict=True)
    ]


def main(argv: Sequence[str] | None = None) -> int:
    from omnilink.identity import Resolver

    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.calibration", description="The match probabilities against the truth."
    )
    parser.add_argument("-n", type=int, default=200_000, help="number of records (default 200000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threshold", type=float, default=BANDS[0], help="resolve at this (default 0.5)")
    args = parser.parse_args(argv)
    rows = list(iter_records(generate(args.n, seed=args.seed)))
    truth = {str(r["id"]): r["entity_id"] for r in rows}
    records = [{**{k: v for k, v in r.items() if k != "entity_id"}, "id": str(r["id"])} for r in rows]
    result = Resolver(id_field="id", region="US", region_field="country", threshold=args.threshold).resolve(
        records
    )
    fuzzy = [(link.a, link.b, link.probability) for link in result.links if link.reason == "fuzzy"]
    strong = [(link.a, link.b, 0.0) for link in result.links if link.reason != "fuzzy"]
    print(f"{args.n:,} contacts (seed {args.seed}), resolved at threshold {args.threshold}")
    print("| probability | links | right | precision | model's mean |")
    print("|---|---|---|---|---|")
    for band in bands(fuzzy, truth, [e for e in BANDS if e >= args.threshold] or [args.threshold]):
        if band.links:
            print(
                f"| {band.low}-{band.high} | {band.links:,} | {band.right:,} | {band.precision:.4f} "
                f"| {band.mean_probability:.4f} |"
            )
    (det,) = bands(strong, truth, [0.0])
    if det.links:
        print(f"| deterministic | {det.links:,} | {det.right:,} | {det.precision:.4f} | |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
