"""The constrained union-find: exclusive values and caps refuse unions; constraints may be lazy."""

from __future__ import annotations

from typing import Any

import pytest

from omnilink.identity._cluster import ConstrainedUnionFind, Constraints, RecordUnionFind
from omnilink.identity._engine import GENERATION


def _cons(k: int) -> Constraints | None:
    # Elements 0-2 carry customer numbers: 0 and 2 hold different ones.
    numbers = {0: "C1", 1: "C1", 2: "C2"}
    return Constraints({"customer": numbers[k]}) if k in numbers else None


def test_lazy_constraints_decide_like_eager_ones_and_are_built_only_when_needed() -> None:
    n = 6
    built: list[int] = []

    def make(k: int) -> Constraints | None:
        built.append(k)
        return _cons(k)

    eager = ConstrainedUnionFind([_cons(k) for k in range(n)], {})
    lazy = ConstrainedUnionFind(make, {}, n=n)
    unions = [(0, 1), (1, 2), (3, 2), (0, 3)]
    assert [eager.union(a, b) for a, b in unions] == [lazy.union(a, b) for a, b in unions]
    assert [lazy.union(a, b) for a, b in unions] == [True, False, True, False]
    assert eager.groups() == lazy.groups() == [[0, 1], [2, 3], [4], [5]]
    assert eager.refused == 2
    assert sorted(built) == [0, 1, 2, 3]  # 4 and 5 never took part in a union


def test_caps_refuse_a_union_over_the_limit() -> None:
    def phones(k: int) -> Constraints:
        return Constraints(None, {"phone": {f"+1555000{k:04d}"}})

    uf = ConstrainedUnionFind(phones, {"phone": 2}, n=3)
    assert uf.union(0, 1)
    assert not uf.union(1, 2)
    assert uf.refused == 1


@pytest.mark.parametrize("seed", range(6))
def test_record_union_find_decides_like_constraints(seed: int) -> None:
    """Without exclusive fields the batch reads caps, generational suffixes and the cluster
    check off a group's members (RecordUnionFind): every union decided as with Constraints (as
    Engine.constraints makes them), the same groups."""
    import random

    from omnilink.identity._normalize import NormRecord

    rng = random.Random(seed)
    emails = [f"p{k}@mail.org" for k in range(12)]
    phones = [f"+4420794600{k:02d}" for k in range(12)]
    records = [
        NormRecord(
            index=k,
            rid=str(k),
            emails=tuple(rng.sample(emails, rng.choice([0, 0, 1, 1, 2, 3, 5]))),  # 5: past the cap alone
            phones=tuple(rng.sample(phones, rng.choice([0, 1, 2]))),
            generation=rng.choice([None, None, None, None, "jr", "sr"]),
        )
        for k in range(60)
    ]
    asked: list[tuple[tuple[str, ...], tuple[str, ...]]] = []

    def judge(a: Any, b: Any) -> bool:
        ids_a, ids_b = tuple(sorted(r.rid for r in a)), tuple(sorted(r.rid for r in b))
        asked.append((ids_a, ids_b))
        return hash((ids_a, ids_b)) % 3 != 0  # some joins refused, decided by the members only

    caps = {"email": 4, "phone": 3}

    def constraints(k: int) -> Constraints:
        rec = records[k]
        capped: dict[str, Any] = {}
        if rec.emails:
            capped["email"] = rec.emails
        if rec.phones:
            capped["phone"] = rec.phones
        exclusive = {GENERATION: rec.generation} if rec.generation else None
        return Constraints(exclusive, capped or None, [rec], judge)

    general = ConstrainedUnionFind(constraints, caps, n=len(records))
    fast = RecordUnionFind(records, caps, judge)
    unions = [(rng.randrange(60), rng.randrange(60)) for _ in range(150)]
    asked.clear()
    want = [general.union(a, b) for a, b in unions]
    asked_general, asked[:] = list(asked), []
    got = [fast.union(a, b) for a, b in unions]
    assert got == want
    assert asked == asked_general  # the cluster check asked of the same groups
    assert fast.groups() == general.groups()
    assert fast.refused == general.refused > 0
    assert not all(want)
