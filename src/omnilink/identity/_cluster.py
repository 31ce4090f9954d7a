"""Constrained clustering and stable profile ids.

Links are applied record by record in input order and, for each record, strongest first
(deterministic links, then descending match weight). A union is refused when it would put
two different values of an exclusive field in one profile, or more distinct strong
identifiers of one kind than the per-profile cap allows. The online graph applies the very
same rule as records arrive, which is why batch and online runs give the same clusters.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any

__all__ = ["Constraints", "ConstrainedUnionFind", "RecordUnionFind", "assign_profile_ids", "profile_id"]


def profile_id(seed_record_id: str) -> str:
    """A profile id derived from a record id: the same input always gives the same id."""
    return "p_" + hashlib.blake2b(seed_record_id.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


Judge = Callable[[Sequence[Any], Sequence[Any]], bool]
"""Decides whether two groups of two or more records each may be joined (see ``Engine.bind``)."""


class Constraints:
    """What a group of records holds that limits merging: exclusive values, capped identifiers,
    and (once the engine is bound to a trained model) its members, for the cluster-level check
    made before two groups of two or more records are joined through one link."""

    __slots__ = ("capped", "exclusive", "judge", "members")

    def __init__(
        self,
        exclusive: dict[str, str] | None = None,
        capped: dict[str, Collection[str]] | None = None,
        members: list[Any] | None = None,
        judge: Judge | None = None,
    ) -> None:
        self.exclusive = exclusive
        self.capped = capped
        self.members = members
        self.judge = judge

    def compatible(self, other: Constraints, caps: Mapping[str, int]) -> bool:
        if self.exclusive and other.exclusive:
            for col, v in other.exclusive.items():
                mine = self.exclusive.get(col)
                if mine is not None and mine != v:
                    return False
        if self.capped and other.capped:
            for kind, vals in other.capped.items():
                mine_vals = self.capped.get(kind)
                if (
                    mine_vals
                    and len(mine_vals) + len(vals) > caps.get(kind, 1 << 30)
                    and len(set(mine_vals).union(vals)) > caps[kind]
                ):
                    return False
        judge = self.judge or other.judge
        if (
            judge is not None
            and self.members
            and other.members
            and min(len(self.members), len(other.members)) >= 2
        ):
            return judge(self.members, other.members)
        return True

    def absorb(self, other: Constraints) -> None:
        if other.exclusive:
            if self.exclusive is None:
                self.exclusive = dict(other.exclusive)
            else:
                for col, v in other.exclusive.items():
                    self.exclusive.setdefault(col, v)
        if other.capped:
            if self.capped is None:
                self.capped = {k: set(v) for k, v in other.capped.items()}
            else:
                capped = self.capped
                for kind, vals in other.capped.items():
                    mine = capped.get(kind)
                    if type(mine) is not set:  # a record's own tuple, until something joins it
                        mine = capped[kind] = set(mine or ())
                    mine.update(vals)
        if other.members:
            if self.members is None:
                self.members = list(other.members)
            else:
                self.members.extend(other.members)
        if self.judge is None:
            self.judge = other.judge

    def copy(self) -> Constraints:
        return Constraints(
            dict(self.exclusive) if self.exclusive else None,
            {k: set(v) for k, v in self.capped.items()} if self.capped else None,
            list(self.members) if self.members is not None else None,
            self.judge,
        )

    @property
    def empty(self) -> bool:
        return not self.exclusive and not self.capped and not self.members


_UNSET: Any = object()


class _UnionFind:
    """Union by size with path compression: ``parent``, ``size``, :meth:`find`, :meth:`groups`."""

    parent: list[int]
    size: list[int]

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def groups(self) -> list[list[int]]:
        """Members of every group, each sorted, groups ordered by their first member."""
        try:
            import numpy as np
        except ImportError:  # pragma: no cover - numpy is optional
            by_root: dict[int, list[int]] = {}
            for i in range(len(self.parent)):
                by_root.setdefault(self.find(i), []).append(i)
            return list(by_root.values())
        if not self.parent:  # no records (an empty input): no groups
            return []
        # Every element's root by pointer jumping (the trees are shallow: union by size), then
        # the elements sorted by root, each group's members in order.
        root = np.array(self.parent, dtype=np.int64)
        while True:
            up = root[root]
            if np.array_equal(up, root):
                break
            root = up
        order = np.argsort(root, kind="stable")
        by_root_sorted = root[order]
        starts = np.flatnonzero(np.concatenate(([True], by_root_sorted[1:] != by_root_sorted[:-1])))
        ends = np.append(starts[1:], order.size)
        first = np.argsort(order[starts], kind="stable")  # groups by their first member
        members = order.tolist()
        return [members[a:b] for a, b in zip(starts[first].tolist(), ends[first].tolist(), strict=True)]


class ConstrainedUnionFind(_UnionFind):
    """Union-find whose unions respect :class:`Constraints` (refused unions return False).

    ``constraints`` is a list (one per element) or a function of the element's index, called
    the first time the element takes part in a union: most records of a large run are never
    linked, and building their constraints was a tenth of a million-record run's clustering.
    """

    def __init__(
        self,
        constraints: Sequence[Constraints | None] | Callable[[int], Constraints | None],
        caps: Mapping[str, int],
        *,
        n: int | None = None,
    ) -> None:
        if callable(constraints):
            if n is None:
                raise TypeError("n is required when constraints is a function")
            self._make: Callable[[int], Constraints | None] | None = constraints
            self.cons: list[Constraints | None] = [_UNSET] * n
        else:
            n = len(constraints)
            self._make = None
            self.cons = list(constraints)
        self.parent = list(range(n))
        self.size = [1] * n
        self.caps = dict(caps)
        self.refused = 0

    def _cons(self, root: int) -> Constraints | None:
        c = self.cons[root]
        if c is _UNSET:
            assert self._make is not None
            c = self.cons[root] = self._make(root)
        return c

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        ca, cb = self._cons(ra), self._cons(rb)
        if ca is not None and cb is not None and not ca.compatible(cb, self.caps):
            self.refused += 1
            return False
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
            ca, cb = cb, ca
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        if cb is not None:
            if ca is None:
                self.cons[ra] = cb
            else:
                ca.absorb(cb)
            self.cons[rb] = None
        return True

    def union_all(self, a_s: Iterable[int], b_s: Iterable[int]) -> list[bool]:
        """:meth:`union` of each pair in order: whether it holds (made, or already joined)."""
        return list(map(self.union, a_s, b_s))


class RecordUnionFind(_UnionFind):
    """:class:`ConstrainedUnionFind` over records when no field is exclusive (the usual case):
    the same unions refused, the same groups, without a :class:`Constraints` per group.

    A group holds its members; its identifier counts are upper bounds (sums of its records'
    distinct counts), and only a union that could pass a cap gathers the exact sets. A million
    contacts made ~900,000 constraint objects, dicts and sets for unions that never came near
    a cap. The records' generational suffixes (``generation``: Jr., Sr.) are kept per group as
    the engine's constraints keep them, as an exclusive value.
    """

    def __init__(self, records: Sequence[Any], caps: Mapping[str, int], judge: Judge | None) -> None:
        n = len(records)
        self.records = records
        self.parent = list(range(n))
        self.size = [1] * n
        self.members: dict[int, list[int]] = {}
        """Members of groups of two or more records, by root."""
        self.counts: dict[int, tuple[int, int]] = {}
        """(emails, phones) of those groups: sums over their records, at least the distinct counts."""
        self.cap_email = caps.get("email", 1 << 30)
        self.cap_phone = caps.get("phone", 1 << 30)
        self.judge = judge
        self.refused = 0
        self.generation: dict[int, str] = {
            i: r.generation for i, r in enumerate(records) if r.generation is not None
        }
        """The generational suffix of each group (by root) that has one."""

    def _over(self, ra: int, rb: int, field: str, cap: int) -> bool:
        """Whether the two groups hold more than ``cap`` distinct values of ``field``."""
        values: set[str] = set()
        records = self.records
        for root in (ra, rb):
            for k in self.members.get(root, (root,)):
                values.update(getattr(records[k], field))
        return len(values) > cap

    def union(self, a: int, b: int) -> bool:
        return self.union_all((a,), (b,))[0]

    def union_all(self, a_s: Iterable[int], b_s: Iterable[int]) -> list[bool]:
        """:meth:`union` of each pair in order: whether it holds (made, or already joined).

        One loop with the lookups held in locals: a million-contact run makes ~970,000 unions,
        and the calls of a method per union and of ``find`` per side were half their cost.
        """
        parent, size, records = self.parent, self.size, self.records
        members, counts = self.members, self.counts
        find, over, judge = self.find, self._over, self.judge
        cap_email, cap_phone = self.cap_email, self.cap_phone
        generation = self.generation
        out: list[bool] = []
        put = out.append
        for a, b in zip(a_s, b_s, strict=True):
            ra = a if parent[a] == a else find(a)
            rb = b if parent[b] == b else find(b)
            if ra == rb:
                put(True)
                continue
            c = counts.get(ra)
            if c is None:
                rec = records[ra]
                ea, pa = len(rec.emails), len(rec.phones)
            else:
                ea, pa = c
            c = counts.get(rb)
            if c is None:
                rec = records[rb]
                eb, pb = len(rec.emails), len(rec.phones)
            else:
                eb, pb = c
            # As Constraints.compatible: both groups hold values, and the distinct ones exceed the cap.
            if (ea and eb and ea + eb > cap_email and over(ra, rb, "emails", cap_email)) or (
                pa and pb and pa + pb > cap_phone and over(ra, rb, "phones", cap_phone)
            ):
                self.refused += 1
                put(False)
                continue
            suffix = None
            if generation:  # almost always empty: no record has a Jr. or Sr.
                ga, gb = generation.get(ra), generation.get(rb)
                if ga is not None and gb is not None and ga != gb:
                    self.refused += 1
                    put(False)
                    continue
                suffix = ga or gb
            if judge is not None and size[ra] >= 2 and size[rb] >= 2:
                ma = [records[k] for k in members[ra]]
                mb = [records[k] for k in members[rb]]
                if not judge(ma, mb):
                    self.refused += 1
                    put(False)
                    continue
            if size[ra] < size[rb]:
                ra, rb = rb, ra
            parent[rb] = ra
            size[ra] += size[rb]
            mine = members.get(ra)
            if mine is None:
                mine = members[ra] = [ra]
            theirs = members.pop(rb, None)
            if theirs is None:
                mine.append(rb)
            else:
                mine += theirs
            counts.pop(rb, None)
            counts[ra] = (ea + eb, pa + pb)
            if suffix is not None:
                generation.pop(rb, None)
                generation[ra] = suffix
            put(True)
        return out


def assign_profile_ids(
    groups: Iterable[Sequence[str]],
    *,
    previous: Mapping[str, str] | None = None,
) -> tuple[list[str], list[tuple[str, tuple[str, ...]]]]:
    """A profile id per group, and the merges ``(surviving, absorbed)`` relative to ``previous``.

    Without ``previous``, a group's id derives from its smallest record id, so the same input
    gives the same ids and adding records does not renumber the groups they do not join.
    With ``previous`` (record id -> profile id of an earlier run), a group keeps the earlier id
    held by most of its records (ties: the smallest id); the other earlier ids it contains are
    recorded as absorbed. An earlier profile split over several groups keeps its id in the group
    holding most of its records.
    """
    groups = [list(g) for g in groups]
    ids: list[str | None] = [None] * len(groups)
    merges: list[tuple[str, tuple[str, ...]]] = []
    taken: set[str] = set()
    if previous:
        claims: dict[str, list[tuple[int, int]]] = {}
        for gi, g in enumerate(groups):
            counts: dict[str, int] = {}
            for rid in g:
                old = previous.get(rid)
                if old is not None:
                    counts[old] = counts.get(old, 0) + 1
            for old, k in counts.items():
                claims.setdefault(old, []).append((k, gi))
        # Each earlier id goes to the group holding most of its records (ties: earlier group).
        best_group: dict[str, int] = {
            old: min(cl, key=lambda t: (-t[0], t[1]))[1] for old, cl in claims.items()
        }
        offered: dict[int, list[tuple[int, str]]] = {}
        for old, gi in best_group.items():
            k = next(c for c, g in claims[old] if g == gi)
            offered.setdefault(gi, []).append((k, old))
        for gi, olds in offered.items():
            olds.sort(key=lambda t: (-t[0], t[1]))
            surviving = olds[0][1]
            ids[gi] = surviving
            taken.add(surviving)
            if len(olds) > 1:
                merges.append((surviving, tuple(sorted(o for _, o in olds[1:]))))
    for gi, g in enumerate(groups):
        if ids[gi] is None:
            pid = profile_id(min(g))
            salt = 0
            while pid in taken:
                salt += 1
                pid = profile_id(f"{min(g)}\x00{salt}")
            ids[gi] = pid
            taken.add(pid)
    return [i for i in ids if i is not None], merges
