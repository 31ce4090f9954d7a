"""A batch run's records as columns of value ids (numpy), for the array forms of the rules.

The batch path builds blocks (:mod:`omnilink.identity._blocking`) from whole columns rather than
one record at a time: each distinct value gets an ``int32`` id (equal values, equal ids), so a
blocking key that is a value, or a value and a prefix of a name, becomes a pair of integers, and
what a rule computes from a value (a phone's last digits, a name's phonetic code) is computed
once per distinct value. :class:`~omnilink.identity._normalize.NormRecord` stays the record of
truth: the table is read off the records, and the tests hold every array form to the string
keys the online graph uses.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from omnilink.identity._normalize import NormRecord

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    IntArray = npt.NDArray[np.int64]
else:
    IntArray = Any

__all__ = ["Column", "Multi", "RecordTable", "dense", "expand", "pack"]

H = TypeVar("H", bound=Hashable)


class Column(Generic[H]):
    """One value per record: ``ids[k]`` indexes ``values`` (``-1``: the record has none)."""

    __slots__ = ("ids", "values")

    def __init__(self, cells: Iterable[H | None]) -> None:
        import numpy as np

        table: dict[H, int] = {}
        put = table.setdefault
        self.ids: IntArray = np.array(
            [-1 if v is None else put(v, len(table)) for v in cells], dtype=np.int64
        )
        self.values: list[H] = list(table)

    def map(self, f: Callable[[H], Hashable | None]) -> Column[Any]:
        """The column of ``f(value)``: ``f`` runs once per distinct value (None: no value)."""
        import numpy as np

        out: Column[Any] = Column(f(v) for v in self.values)
        out.ids = np.append(out.ids, -1)[self.ids]  # an id of -1 reads the appended -1
        return out


class Multi(Generic[H]):
    """Any number of values per record, as rows: record ``recs[k]`` holds ``values[ids[k]]``
    (rows in record order, a record's values in their order)."""

    __slots__ = ("_cells", "_tuples", "ids", "recs", "values")

    def __init__(self, cells: Sequence[tuple[H, ...]]) -> None:
        import numpy as np

        counts = np.fromiter(map(len, cells), dtype=np.int64, count=len(cells))
        self.recs: IntArray = np.repeat(np.arange(len(cells), dtype=np.int64), counts)
        table: dict[H, int] = {}
        put = table.setdefault
        self.ids: IntArray = np.fromiter(
            (put(v, len(table)) for cell in cells for v in cell), dtype=np.int64, count=int(counts.sum())
        )
        self.values: list[H] = list(table)
        self._cells = cells
        self._tuples: IntArray | None = None

    def tuple_ids(self) -> IntArray:
        """An id per record for its whole tuple of values (equal tuples, equal ids; ``-1``: none).
        A one-value tuple's id is its value's id: only records with several values are looked up."""
        import numpy as np

        if self._tuples is None:
            n = len(self._cells)
            counts = np.bincount(self.recs, minlength=n)
            out = np.full(n, -1, dtype=np.int64)
            one = counts == 1
            out[self.recs[one[self.recs]]] = self.ids[one[self.recs]]
            several = np.flatnonzero(counts > 1)
            if several.size:
                table: dict[tuple[H, ...], int] = {}
                base = len(self.values)
                cells = self._cells
                out[several] = [base + table.setdefault(cells[k], len(table)) for k in several.tolist()]
            self._tuples = out
        return self._tuples


class RecordTable:
    """The fields of a batch's records that the rules and the comparators read, one
    :class:`Column` or :class:`Multi` each. The records are read once, into lists; a field's
    ids are made when it is first asked for (a rule that does not read a field costs nothing)."""

    def __init__(self, records: Sequence[NormRecord]) -> None:
        import numpy as np

        self.records = records
        self.n = len(records)
        # One pass over the records (scattered in memory at a million of them), then one list
        # per field.
        rows = [
            (r.first, r.last, r.emails, r.phones, r.handles, r.externals, r.values, r.middle) for r in records
        ]
        (
            self._firsts,
            self._lasts,
            self._emails,
            self._phones,
            self._handles,
            self._externals,
            self._values,
            self._middles,
        ) = (list(map(itemgetter(k), rows)) for k in range(8))
        del rows
        self.empty = np.fromiter((r.empty for r in records), dtype=bool, count=self.n)
        self._cache: dict[str, Any] = {}

    def _get(self, name: str, build: Callable[[], Any]) -> Any:
        out = self._cache.get(name)
        if out is None:
            out = self._cache[name] = build()
        return out

    @property
    def first(self) -> Column[str]:
        """Every record's first name (an empty one is none, as the rules read it)."""
        col: Column[str] = self._get("first", lambda: Column(f or None for f in self._firsts))
        return col

    @property
    def last(self) -> Column[str]:
        """Every record's last name (an empty one is none)."""
        col: Column[str] = self._get("last", lambda: Column(la or None for la in self._lasts))
        return col

    @property
    def names(self) -> Column[tuple[str | None, str | None]]:
        """(first, last) of every record, as the record has them; a record with neither has no value."""

        def build() -> Column[tuple[str | None, str | None]]:
            pairs = zip(self._firsts, self._lasts, strict=True)
            return Column((f, la) if f or la else None for f, la in pairs)

        col: Column[tuple[str | None, str | None]] = self._get("names", build)
        return col

    @property
    def name_parts(self) -> Column[tuple[str | None, ...]]:
        """(first, last, middle words) of every record (:attr:`NormRecord.middle`), as
        :attr:`names` is (first, last); it is :attr:`names` when no record has middle words
        (most data)."""

        def build() -> Column[tuple[str | None, ...]]:
            if not any(self._middles):
                return cast("Column[tuple[str | None, ...]]", self.names)
            parts = zip(self._firsts, self._lasts, self._middles, strict=True)
            return Column((f, la, m) if f or la else None for f, la, m in parts)

        col: Column[tuple[str | None, ...]] = self._get("name_parts", build)
        return col

    @property
    def emails(self) -> Multi[str]:
        m: Multi[str] = self._get("emails", lambda: Multi(self._emails))
        return m

    @property
    def phones(self) -> Multi[str]:
        m: Multi[str] = self._get("phones", lambda: Multi(self._phones))
        return m

    @property
    def handles(self) -> Multi[str]:
        m: Multi[str] = self._get("handles", lambda: Multi(self._handles))
        return m

    @property
    def externals(self) -> Multi[tuple[str, str]]:
        m: Multi[tuple[str, str]] = self._get("externals", lambda: Multi(self._externals))
        return m

    def value(self, column: str) -> Column[str]:
        """The canonical value of ``column`` (:attr:`NormRecord.values`) of every record, as is."""
        col: Column[str] = self._get(f"v:{column}", lambda: Column(v.get(column) for v in self._values))
        return col

    def read(self, columns: Iterable[str]) -> None:
        """Make every field now (the value columns named): before a process forks, so that the
        child and this process share them instead of each making its own."""
        for field in ("first", "last", "names", "name_parts", "emails", "phones", "handles", "externals"):
            getattr(self, field)
        for column in columns:
            self.truthy(column)

    def truthy(self, column: str) -> Column[str]:
        """:meth:`value`, an empty value counted as none (as the rules read values)."""
        col: Column[str] = self._get(f"t:{column}", lambda: self.value(column).map(lambda v: v or None))
        return col


def dense(keys: IntArray) -> tuple[IntArray, int]:
    """Arbitrary ``int64`` keys as dense ids ``0..k-1`` (equal keys, equal ids), and ``k``."""
    import numpy as np

    if keys.size == 0:
        return keys.astype(np.int64), 0
    uniq, inv = np.unique(keys, return_inverse=True)
    return inv.astype(np.int64).ravel(), int(uniq.size)


def pack(*parts: tuple[IntArray, int]) -> IntArray:
    """Ids of several id spaces (each ``ids`` within ``0..size-1``) as one ``int64`` key per row:
    equal keys exactly when every part is equal (a mixed-radix number, made dense again before
    it could overflow)."""
    import numpy as np

    out = np.zeros(parts[0][0].size, dtype=np.int64)
    span = 1
    for ids, size in parts:
        size = max(size, 1)
        if span * size >= 1 << 62:
            out, span = dense(out)
        out *= size
        out += ids
        span *= size
    return out


def expand(owner: IntArray, starts: IntArray, counts: IntArray, flat: IntArray) -> tuple[IntArray, IntArray]:
    """Rows ``(value, row)`` of a one-to-many table: row ``k`` holds ``owner[k]``, whose values
    are ``flat[starts[owner[k]] : starts[owner[k]] + counts[owner[k]]]``. Returns the values and,
    for each, the index ``k`` of its row, in row order."""
    import numpy as np

    n_each = counts[owner]
    rows = np.repeat(np.arange(owner.size, dtype=np.int64), n_each)
    # Position of each output within its row: a running count restarted at every row.
    first = np.repeat(np.cumsum(n_each) - n_each, n_each)
    pos = np.arange(rows.size, dtype=np.int64) - first
    return flat[starts[owner[rows]] + pos], rows
