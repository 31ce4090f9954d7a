"""Pairwise precision, recall and F1 for record linkage and deduplication, defined once.

Two views of the same measure:

- :func:`pair_scores` takes explicit record pairs (what a linkage tool outputs, e.g. FEBRL4's
  A-B links) and compares them with the true pairs.
- :func:`cluster_scores` takes two partitions (record -> cluster label), the tool's and the
  truth, and scores the *pairs of records placed in the same cluster*: this is "cluster F1 =
  pairwise F1 over within-cluster pairs" (FEBRL3, the contact data). It counts pairs
  combinatorially from the contingency table, so a giant cluster costs no memory.
  With ``source`` given, only pairs whose two records come from different sources count
  (linking two files: FEBRL4 scored from clusters).

Definitions: ``precision = TP / (TP + FP)``, ``recall = TP / (TP + FN)``,
``F1 = 2PR / (P + R)``; an empty denominator gives 1.0 for precision/recall when there is
nothing to find or nothing was claimed, so that a perfect empty answer scores 1.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

__all__ = [
    "Scores",
    "cluster_scores",
    "clusters_from_pairs",
    "entity_from_febrl_id",
    "pair_scores",
    "percentile",
    "scores_from_counts",
]

K = TypeVar("K", bound=Hashable)  # record ids: one type across the mappings compared


@dataclass(frozen=True)
class Scores:
    """Confusion counts over record pairs, with precision / recall / F1."""

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        claimed = self.tp + self.fp
        return self.tp / claimed if claimed else 1.0

    @property
    def recall(self) -> float:
        true = self.tp + self.fn
        return self.tp / true if true else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = asdict(self)
        d.update(precision=self.precision, recall=self.recall, f1=self.f1)
        return d


def percentile(ordered: Sequence[float], q: float) -> float:
    """The ``q`` quantile of sorted latencies as the benchmarks report it: the value at index
    ``int(q * n)`` (the largest for q = 1), NaN when nothing was timed."""
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def scores_from_counts(tp: int, predicted: int, true: int) -> Scores:
    """Scores from the number of correct, predicted and true pairs."""
    if not 0 <= tp <= min(predicted, true):
        raise ValueError("need 0 <= tp <= min(predicted, true)")
    return Scores(tp=tp, fp=predicted - tp, fn=true - tp)


def _norm(pair: tuple[Hashable, Hashable]) -> tuple[Hashable, Hashable]:
    a, b = pair
    return (a, b) if repr(a) <= repr(b) else (b, a)


def pair_scores(
    predicted: Iterable[tuple[Hashable, Hashable]],
    true: Iterable[tuple[Hashable, Hashable]],
    *,
    ordered: bool = False,
) -> Scores:
    """Score predicted record pairs against true pairs.

    Pairs are unordered unless ``ordered`` (use ``ordered=True`` for A-B links where the first
    element is always from A). Duplicates and self-pairs are ignored.
    """
    if ordered:
        pred = {p for p in predicted if p[0] != p[1]}
        gold = {p for p in true if p[0] != p[1]}
    else:
        pred = {_norm(p) for p in predicted if p[0] != p[1]}
        gold = {_norm(p) for p in true if p[0] != p[1]}
    tp = len(pred & gold)
    return Scores(tp=tp, fp=len(pred) - tp, fn=len(gold) - tp)


def _pairs_within(counter: Counter[Any], cross_source: bool = False) -> int:
    """Pairs inside each cluster; with ``cross_source`` the keys are ``(cluster, source)``."""
    if not cross_source:
        return sum(c * (c - 1) // 2 for c in counter.values())
    # counter keys are (cluster, source); count cross-source pairs per cluster
    by_cluster: dict[Any, Counter[Any]] = {}
    for (cluster, src), c in counter.items():
        by_cluster.setdefault(cluster, Counter())[src] = c
    total = 0
    for per_src in by_cluster.values():
        s = sum(per_src.values())
        total += (s * s - sum(c * c for c in per_src.values())) // 2
    return total


def cluster_scores(
    predicted: Mapping[K, Hashable],
    true: Mapping[K, Hashable],
    *,
    source: Mapping[K, Hashable] | None = None,
) -> Scores:
    """Pairwise scores of a predicted partition against the true one.

    ``predicted`` and ``true`` map record id -> cluster label. A record missing from
    ``predicted`` counts as a singleton (it was dropped: its true pairs are all missed).
    Records in ``predicted`` but not in ``true`` are ignored. With ``source`` (record id ->
    source name) only pairs of records from different sources count.
    """
    ids = list(true)
    pred_labels: list[Hashable] = []
    for i in ids:
        label = predicted.get(i, _Singleton(i))
        pred_labels.append(label)
    true_labels = [true[i] for i in ids]
    if source is None:
        tc: Counter[Any] = Counter(true_labels)
        pc: Counter[Any] = Counter(pred_labels)
        both: Counter[Any] = Counter(zip(pred_labels, true_labels, strict=True))
        return scores_from_counts(_pairs_within(both), _pairs_within(pc), _pairs_within(tc))
    srcs = [source[i] for i in ids]
    tc = Counter(zip(true_labels, srcs, strict=True))
    pc = Counter(zip(pred_labels, srcs, strict=True))
    both = Counter(zip(zip(pred_labels, true_labels, strict=True), srcs, strict=True))
    return scores_from_counts(
        _pairs_within(both, cross_source=True),
        _pairs_within(pc, cross_source=True),
        _pairs_within(tc, cross_source=True),
    )


@dataclass(frozen=True)
class _Singleton:
    """A cluster label no other record can have."""

    record: Hashable


def clusters_from_pairs(ids: Iterable[K], pairs: Iterable[tuple[K, K]]) -> dict[K, K]:
    """Connected components (union-find): record id -> representative record id."""
    parent: dict[K, K] = {i: i for i in ids}

    def find(x: K) -> K:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for a, b in pairs:
        parent.setdefault(a, a)
        parent.setdefault(b, b)
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[rb] = ra
    return {i: find(i) for i in parent}


def entity_from_febrl_id(rec_id: str) -> int:
    """The true entity of a FEBRL record: ``rec-123-org`` and ``rec-123-dup-0`` -> 123."""
    parts = rec_id.strip().split("-")
    if len(parts) < 3 or parts[0] != "rec":
        raise ValueError(f"not a FEBRL record id: {rec_id!r}")
    return int(parts[1])
