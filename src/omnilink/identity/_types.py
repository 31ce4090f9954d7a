"""The result types of the resolver and the graph: frozen, slotted, plain data."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, overload

__all__ = ["Evidence", "Explanation", "Link", "LinkTable", "MergeEvent", "Profile", "Reject", "ResolveResult"]


@dataclasses.dataclass(frozen=True, slots=True)
class Reject:
    """A value (or a whole row) that could not be used, and why. The row itself is never dropped."""

    record_id: str | None
    index: int
    field: str | None
    value: Any
    reason: str

    @property
    def row_rejected(self) -> bool:
        """True when the problem is the whole row (wrong type, empty), not one of its values.

        The row is still in the result, as a profile of its own."""
        return self.field is None


@dataclasses.dataclass(frozen=True, slots=True)
class Link:
    """Two records joined, with what joined them.

    ``reason`` is ``"email"``, ``"phone"``, ``"handle"`` or ``"external_id:<column>"`` for a
    deterministic link on a strong identifier, ``"fuzzy"`` for a scored one. ``score`` is the
    Fellegi-Sunter match weight (log2 odds, prior included) and ``probability`` the match
    probability it implies.
    """

    a: str
    b: str
    score: float
    probability: float
    reason: str


class LinkTable(Sequence[Link]):
    """A batch run's links, kept as columns; each :class:`Link` is made when it is read.

    A run over a million contacts keeps about as many links, and most callers only want the
    profiles: made up front, the Link objects took ~1.6 s of such a run and stayed for the
    garbage collector to walk. Reading ``result.links`` (indexing, slicing, iterating) gives
    equal Links every time; it compares equal to any sequence of the same Links (a tuple too).
    """

    __slots__ = ("_i", "_ids", "_j", "_probability", "_reasons", "_scores")

    def __init__(
        self,
        ids: Sequence[str],
        i: Sequence[int],
        j: Sequence[int],
        scores: Sequence[float],
        reasons: Sequence[str],
        probability: Callable[[float], float],
    ) -> None:
        """Link ``k`` joins records ``ids[i[k]]`` and ``ids[j[k]]`` with ``scores[k]`` and
        ``reasons[k]``; ``probability`` turns a score into its match probability."""
        if not len(i) == len(j) == len(scores) == len(reasons):
            raise ValueError("a LinkTable's columns must have one value per link each")
        self._ids = ids
        self._i = i
        self._j = j
        self._scores = scores
        self._reasons = reasons
        self._probability = probability

    def __len__(self) -> int:
        return len(self._i)

    @overload
    def __getitem__(self, k: int) -> Link: ...
    @overload
    def __getitem__(self, k: slice) -> tuple[Link, ...]: ...
    def __getitem__(self, k: int | slice) -> Link | tuple[Link, ...]:
        if isinstance(k, slice):
            return tuple(self._link(n) for n in range(*k.indices(len(self))))
        n = range(len(self))[k]  # negative indexes, and IndexError past the end
        return self._link(n)

    def _link(self, n: int) -> Link:
        w = self._scores[n]
        return Link(self._ids[self._i[n]], self._ids[self._j[n]], w, self._probability(w), self._reasons[n])

    def __iter__(self) -> Iterator[Link]:
        return map(self._link, range(len(self)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # equal to tuples, so not hashable like them

    def __repr__(self) -> str:
        return f"<LinkTable of {len(self)} links>"

    def columns(self) -> dict[str, list[Any]]:
        """The links as columns ``a``, ``b``, ``score``, ``probability``, ``reason`` (one value
        per link, in order), without making a Link per row."""
        ids, prob = self._ids, self._probability
        return {
            "a": [ids[i] for i in self._i],
            "b": [ids[j] for j in self._j],
            "score": list(self._scores),
            "probability": [prob(w) for w in self._scores],
            "reason": list(self._reasons),
        }

    def to_pandas(self) -> Any:
        """:meth:`columns` as a pandas DataFrame (needs the ``pandas`` extra)."""
        from omnilink.identity._frames import to_frame

        return to_frame(self.columns(), "pandas", owner="LinkTable")

    def to_polars(self) -> Any:
        """:meth:`columns` as a polars DataFrame (needs the ``polars`` extra)."""
        from omnilink.identity._frames import to_frame

        return to_frame(self.columns(), "polars", owner="LinkTable")


@dataclasses.dataclass(frozen=True, slots=True)
class Profile:
    """One resolved person: the records that describe them."""

    id: str
    record_ids: tuple[str, ...]
    absorbed: tuple[str, ...] = ()
    """Profile ids of an earlier run that were merged into this one."""


@dataclasses.dataclass(frozen=True, slots=True)
class MergeEvent:
    """Profiles joined into one: ``surviving`` keeps its id, ``absorbed`` ids end."""

    surviving: str
    absorbed: tuple[str, ...]
    record_id: str | None
    """The record whose arrival caused the merge (online), or None (batch)."""
    links: tuple[Link, ...] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class Evidence:
    """One comparator's contribution to a pair's match weight."""

    comparator: str
    level: str
    value_a: Any
    value_b: Any
    weight: float
    """log2 Bayes factor (m/u) of the level, term-frequency adjusted; 0 when a value is missing."""


@dataclasses.dataclass(frozen=True, slots=True)
class Explanation:
    """Why two records match or not: ``prior + sum(e.weight for e in evidence) == total``."""

    a: str
    b: str
    prior: float
    evidence: tuple[Evidence, ...]
    total: float
    probability: float
    threshold: float
    deterministic: str | None
    """The strong identifier that links the pair on its own, or None."""
    guards: tuple[str, ...] = ()
    """Guards that stopped a shared identifier from linking on its own (role mailbox, shared, placeholder)."""
    conflict: str | None = None
    """What keeps the two records in different profiles whatever the evidence weighs: two
    values of an exclusive field, or different generational suffixes (Jr. and Sr.); else None."""

    @property
    def match(self) -> bool:
        if self.conflict is not None:
            return False
        return self.deterministic is not None or self.total >= self.threshold

    def to_text(self) -> str:
        """A table a person can read."""
        rows = [("comparator", "level", "a", "b", "weight")]
        for e in self.evidence:
            rows.append((e.comparator, e.level, _short(e.value_a), _short(e.value_b), f"{e.weight:+.2f}"))
        widths = [max(len(r[i]) for r in rows) for i in range(5)]
        lines = [f"{self.a} vs {self.b}"]
        lines.append(
            f"  {'prior':<{widths[0]}}  {'':<{widths[1]}}  {'':<{widths[2]}}  {'':<{widths[3]}}  "
            f"{self.prior:+.2f}"
        )
        lines.extend("  " + "  ".join(r[i].ljust(widths[i]) for i in range(5)) for r in rows)
        verdict = "MATCH" if self.match else "no match"
        how = f" (deterministic on {self.deterministic})" if self.deterministic else ""
        lines.append(
            f"  total {self.total:+.2f} (threshold {self.threshold:+.2f}), "
            f"probability {self.probability:.4f}: {verdict}{how}"
        )
        if self.guards:
            lines.append("  guards: " + ", ".join(self.guards))
        if self.conflict is not None:
            lines.append(f"  conflict: {self.conflict}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()


def _short(value: Any) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= 32 else text[:29] + "..."


@dataclasses.dataclass(frozen=True, slots=True)
class ResolveResult:
    """What a batch run found."""

    profile_of: Mapping[str, str]
    """record id -> profile id, for every record given (rejected rows included)."""
    profiles: Mapping[str, Profile]
    links: LinkTable
    """Every link that joined two records, in the order clustering applied them; each Link is
    made when it is read, and ``links.to_pandas()`` gives them all as a table."""
    rejects: tuple[Reject, ...]
    merges: tuple[MergeEvent, ...] = ()
    """Profiles of a previous run joined by this one (only with ``previous=``)."""
    stats: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def clusters(self) -> list[frozenset[str]]:
        """The record-id sets of every profile, for comparing partitions."""
        return [frozenset(p.record_ids) for p in self.profiles.values()]

    def _columns(self) -> dict[str, list[Any]]:
        return {"record_id": list(self.profile_of), "profile_id": list(self.profile_of.values())}

    def to_pandas(self) -> Any:
        """record_id / profile_id as a pandas DataFrame (needs the ``pandas`` extra)."""
        from omnilink.identity._frames import to_frame

        return to_frame(self._columns(), "pandas")

    def to_polars(self) -> Any:
        """record_id / profile_id as a polars DataFrame (needs the ``polars`` extra)."""
        from omnilink.identity._frames import to_frame

        return to_frame(self._columns(), "polars")
