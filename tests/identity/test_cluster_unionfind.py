"""The constrained union-find: exclusive values and caps refuse unions; constraints may be lazy."""

from __future__ import annotations

from omnilink.identity._cluster import ConstrainedUnionFind, Constraints


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
