"""The batch hot path with numpy: candidate pairs as arrays, comparisons per distinct value pair.

Same results as the plain loops in :mod:`omnilink.identity._blocking` and
:meth:`Engine.pattern <omnilink.identity._engine.Engine.pattern>`, at a fraction of the cost:

* candidate pairs are built block by block with array operations and deduplicated with one
  sort, as two ``int32`` arrays ordered by ``(j, i)`` (no Python tuple per pair);
* each comparator is called once per *distinct pair of values* (a household's shared city, the
  same two first names met in a hundred blocks...), not once per record pair, and once per
  distinct value for pairs whose two values are equal;
* the chunks of pairs are split between this process and a forked worker (``workers=2``),
  which writes its pattern codes into shared memory; the result does not depend on who
  computed what;
* agreement patterns are integer codes: the model is trained on their counts and scored with
  one weight per distinct pattern.

numpy is optional: without it :func:`available` is false and the resolver uses the plain loops.
"""

from __future__ import annotations

import logging
import mmap
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from omnilink.identity._comparators import Comparator
from omnilink.identity._fork import ForkedItems, worth_forking
from omnilink.identity._gcpause import gc_paused

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from omnilink.identity._table import RecordTable

    IntArray = npt.NDArray[np.integer[Any]]
else:
    IntArray = Any

__all__ = [
    "available",
    "candidate_pair_arrays",
    "column_by_inputs",
    "Interned",
    "default_workers",
    "intern_values",
    "pair_patterns",
    "rule_pair_arrays",
]

logger = logging.getLogger(__name__)

# Below this many candidate pairs a second process costs more than it saves.
PARALLEL_MIN_PAIRS = 200_000


def available() -> bool:
    try:
        import numpy  # noqa: F401
    except ImportError:  # pragma: no cover - numpy is in every test environment
        return False
    return True


def default_workers() -> int:
    """Processes for the comparisons: 2 where fork is available and there are 2 cores, else 1."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    if cores < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return 2


def candidate_pair_arrays(
    keys_per_record: Iterable[Sequence[str]], *, max_block: int
) -> tuple[IntArray, IntArray, dict[str, int]]:
    """The pairs of :func:`~omnilink.identity._blocking.candidate_pairs`, as arrays ``(i, j)``.

    The same set of pairs (records sharing a key, within the first ``max_block`` members of
    the block in input order), ordered by ``j`` then ``i``, and the same statistics.
    """
    import array

    n = 0
    block_of: dict[str, int] = {}
    bids = array.array("i")
    recs = array.array("i")
    for j, keys in enumerate(keys_per_record):
        for key in keys:
            bids.append(block_of.setdefault(key, len(block_of)))
        recs.extend([j] * len(keys))
        n = j + 1
    n_blocks = len(block_of)
    del block_of
    code, _nb, capped = _block_codes(bids, recs, max(n, 1), max_block)
    i_arr, j_arr = _split_codes(code, n)
    return i_arr, j_arr, {"blocks": n_blocks, "capped_blocks": capped, "pairs": int(code.size)}


def _split_codes(code: IntArray, n: int) -> tuple[IntArray, IntArray]:
    """Pair codes ``j * n + i`` back into ``int32`` arrays ``(i, j)``, in bounded steps."""
    import numpy as np

    i_arr = np.empty(code.size, dtype=np.int32)
    j_arr = np.empty(code.size, dtype=np.int32)
    step = 1 << 22
    for s in range(0, code.size, step):
        c = code[s : s + step]
        j_arr[s : s + step] = c // max(n, 1)
        i_arr[s : s + step] = c % max(n, 1)
    return i_arr, j_arr


def _int32(buf: Any) -> IntArray:
    """An ``int32`` array over ``buf`` (an ``array("i")`` or bytes, without copying; or an array)."""
    import numpy as np

    if isinstance(buf, np.ndarray):
        return buf.astype(np.int32, copy=False)
    return np.frombuffer(buf, dtype=np.int32) if len(buf) else np.zeros(0, dtype=np.int32)


def _block_codes(bids: Any, recs: Any, n: int, max_block: int) -> tuple[IntArray, int, int]:
    """Pair codes ``j * n + i`` (sorted, distinct) of the blocks given as (block id, record) rows.

    Rows come in record order (``array`` or ``int32`` arrays); returns the codes, the number
    of blocks and of capped blocks.
    """
    import numpy as np

    b = _int32(bids)
    r = _int32(recs)
    n_blocks = int(b.max(initial=-1)) + 1
    # Rows by block, members of a block in input order. Sorting one int64 (block, record)
    # key is ~10x faster than a stable argsort of the block ids (18 million rows at 1,000,000
    # contacts: 0.3 s instead of 3.5 s).
    rbits = max(n - 1, 1).bit_length()
    if rbits + max(n_blocks - 1, 1).bit_length() <= 63:
        key = b.astype(np.int64)
        key <<= rbits
        key |= r
        key.sort()
        # A record listed twice in one block (two keys of one record that are equal, as an
        # array form may give them) is one member.
        if key.size > 1:
            again = key[1:] == key[:-1]
            if again.any():
                key = key[np.concatenate(([True], ~again))]
        b = (key >> rbits).astype(np.int32)
        key &= (1 << rbits) - 1
        r = key.astype(np.int32)
        del key
    else:  # pragma: no cover - over 2**31 rows (and no repeated rows: the string forms)
        order = np.argsort(b, kind="stable")
        b = b[order]
        r = r[order]
        del order
    sizes = np.bincount(b, minlength=n_blocks)
    del b
    starts = np.zeros(n_blocks, dtype=np.int64)
    np.cumsum(sizes[:-1], out=starts[1:])
    capped = int(np.count_nonzero(sizes > max_block))
    kept = np.minimum(sizes, max_block)
    del sizes
    total = int((kept * (kept - 1) // 2).sum())
    code = np.empty(total, dtype=np.int64)
    pos = 0
    for s in range(2, int(kept.max(initial=0)) + 1):
        blocks = np.flatnonzero(kept == s)
        if blocks.size == 0:
            continue
        lo, hi = np.triu_indices(s, 1)
        step = max(1, (1 << 22) // lo.size)  # bounded temporaries for the big blocks
        for k in range(0, blocks.size, step):
            members = r[starts[blocks[k : k + step]][:, None] + np.arange(s)].astype(np.int64)
            part = (members[:, hi] * n + members[:, lo]).ravel()
            code[pos : pos + part.size] = part
            pos += part.size
    del r, starts, kept
    return _sorted_distinct(code), n_blocks, capped


def _sorted_distinct(code: IntArray) -> IntArray:
    """``np.unique(code)``, sorting in place."""
    import numpy as np

    code.sort()
    if code.size < 2:
        return code
    # Compacted into the front of the same array, chunk by chunk (the write position never
    # passes the read position): no second array of the size of the input.
    step = 1 << 22
    pos = 0
    prev = None
    for s in range(0, code.size, step):
        part = code[s : s + step]
        keep = np.empty(part.size, dtype=bool)
        keep[0] = prev is None or part[0] != prev
        np.not_equal(part[1:], part[:-1], out=keep[1:])
        prev = part[-1].item()
        kept = part[keep]
        code[pos : pos + kept.size] = kept
        pos += kept.size
    return code[:pos]


def _rule_groups(rules: Sequence[Any]) -> list[list[Any]]:
    """The rules in groups that never share a block (disjoint ``BlockingRule.prefixes``);
    one group of all rules if a rule does not declare its prefixes."""
    groups: list[list[Any]] = []
    seen: set[str] = set()
    for rule in rules:
        pre = getattr(rule, "prefixes", None)
        if pre and all(p.endswith(":") and p.count(":") == 1 for p in pre) and not seen & set(pre):
            seen.update(pre)
            groups.append([rule])
        else:  # a rule's keys unknown: they may fall into any other rule's blocks
            return [list(rules)]
    return groups


def _group_rows(
    group: Sequence[Any], records: Sequence[Any], lo: int, hi: int
) -> tuple[dict[str, int], Any, Any]:
    """One rule group's keys of ``records[lo:hi]``: (block id of each distinct key, numbered
    in order of first appearance; the block id and the record of every key, as ``int32``
    arrays in record order). A record's repeated key counts once."""
    import array

    block_of: dict[str, int] = {}
    bids = array.array("i")
    recs = array.array("i")
    fns = [rule.keys for rule in group]
    one = fns[0] if len(fns) == 1 else None
    for j in range(lo, hi):
        rec = records[j]
        if rec.empty:
            continue
        if one is not None:
            keys = dict.fromkeys(one(rec))
        else:
            keys = {}
            for f in fns:
                keys.update(dict.fromkeys(f(rec)))
        if keys:
            for key in keys:
                bids.append(block_of.setdefault(key, len(block_of)))
            recs.extend([j] * len(keys))
    return block_of, bids, recs


def _table_rows(rule: Any, table: Any) -> tuple[IntArray, IntArray, int] | None:
    """One rule's (block id, record) rows from its array form (``BlockingRule.arrays``): each
    key space numbered densely after the ones before it, rows of empty records left out (as
    ``record_keys`` leaves them). None when the rule has no array form or declines the table."""
    import numpy as np

    from omnilink.identity._table import dense

    arrays = getattr(rule, "arrays", None)
    parts = arrays(table) if arrays is not None else None
    if parts is None:
        return None
    bids: list[IntArray] = []
    recs: list[IntArray] = []
    offset = 0
    for keys, rows in parts:
        keep = ~table.empty[rows]
        ids, k = dense(keys[keep])
        bids.append(ids + offset)
        recs.append(rows[keep])
        offset += k
    if not bids:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), 0
    return np.concatenate(bids), np.concatenate(recs), offset


def rule_pair_arrays(
    rules: Sequence[Any],
    records: Sequence[Any],
    *,
    max_block: int,
    workers: int = 1,
    table: RecordTable | None = None,
) -> tuple[IntArray, IntArray, dict[str, int]]:
    """:func:`candidate_pair_arrays` of ``record_keys(rules, rec)`` for every record, built rule by rule.

    Rules whose keys have disjoint prefixes (``BlockingRule.prefixes``) never share a block,
    so each one's blocks are built, paired and forgotten before the next: only one rule's key
    table is held at a time (one table for all, if a rule does not declare its prefixes). The same pairs,
    order and statistics as :func:`candidate_pair_arrays`.

    A rule with an array form (``BlockingRule.arrays``) builds its blocks from the records'
    columns (:class:`~omnilink.identity._table.RecordTable`): no key string is made per record.
    The others make their keys record by record; when
    :func:`~omnilink.identity._fork.worth_forking` (two workers, enough records), a forked
    process makes the keys of the second half of the records
    (:class:`~omnilink.identity._fork.ForkedItems`) and sends back its distinct keys and ``int32``
    rows; they are numbered into this process's table, so the blocks, and the pairs, are exactly
    the same.
    """
    import numpy as np

    from omnilink.identity._table import RecordTable

    n = len(records)
    groups = _rule_groups(rules)
    if table is None:
        table = RecordTable(records)
    by_table: dict[int, tuple[IntArray, IntArray, int]] = {}
    for g, group in enumerate(groups):
        rows = _table_rows(group[0], table) if len(group) == 1 else None
        if rows is not None:
            by_table[g] = rows
    by_strings = [g for g in range(len(groups)) if g not in by_table]
    half = n // 2 if by_strings and worth_forking(workers, n) else n

    def theirs() -> Iterator[tuple[list[str], bytes, bytes]]:
        for g in by_strings:
            block_of, bids, recs = _group_rows(groups[g], records, half, n)
            yield list(block_of), bids.tobytes(), recs.tobytes()

    parts: list[IntArray] = []
    n_blocks = capped = 0
    # The cyclic GC writes into every object it visits: paused, no shared page is copied for it.
    with gc_paused(), ForkedItems(theirs, fork=half < n) as forked:
        received = iter(forked)
        for g in range(len(groups)):
            if g in by_table:
                b, r, nb = by_table.pop(g)
            else:
                block_of, bids, recs = _group_rows(groups[g], records, 0, half)
                # Only now: waiting for the child's share first would leave this process idle.
                their_keys, their_bids, their_recs = next(received)
                b, r = _int32(bids), _int32(recs)
                if their_keys:
                    number = block_of.setdefault
                    ids = np.fromiter(
                        (number(k, len(block_of)) for k in their_keys), np.int32, len(their_keys)
                    )
                    b = np.concatenate((b, ids[_int32(their_bids)]))
                    r = np.concatenate((r, _int32(their_recs)))
                nb = len(block_of)
                del block_of, bids, recs, their_keys, their_bids, their_recs
            code, _nb, cap = _block_codes(b, r, max(n, 1), max_block)
            del b, r
            n_blocks += nb
            capped += cap
            parts.append(code)
    code = np.empty(sum(int(p.size) for p in parts), dtype=np.int64)
    pos = 0
    while parts:  # each rule's codes are freed as soon as they are copied
        part = parts.pop(0)
        code[pos : pos + part.size] = part
        pos += part.size
        del part
    code = _sorted_distinct(code)
    i_arr, j_arr = _split_codes(code, n)
    stats = {"blocks": n_blocks, "capped_blocks": capped, "pairs": int(code.size)}
    return i_arr, j_arr, stats


# Candidate pairs compared per chunk by :func:`pair_patterns`: bounds the temporaries.
CHUNK_PAIRS = 1 << 21

# Value ids of a comparator with at most this many distinct values cache every distinct value
# pair met (a dense ``k * k`` table of levels) across the chunks.
_DENSE_MAX = 2048

# Whether comparators' vectorized functions (``Comparator.vectorized``) are used: the same levels,
# settled mostly with array operations instead of one ``compare`` call per distinct value pair.
VECTORIZED = True


def intern_values(values: Iterable[Any]) -> tuple[list[Any], IntArray, list[Any]]:
    """(the values, equal ones now one shared object; an ``int32`` id per value, ``-1`` for None;
    the distinct values, indexed by id). Unhashable values are not shared: one id each."""
    import numpy as np

    column = values if isinstance(values, list) else list(values)
    table: dict[Any, int] = {}
    try:
        ids = [table.setdefault(v, len(table)) for v in column]
    except TypeError:
        uniq = list(column)
        arr = np.arange(len(column), dtype=np.int32)
        arr[[k for k, v in enumerate(column) if v is None]] = -1
        return column, arr, uniq
    uniq = list(table)
    none = table.get(None)
    del table
    shared = [uniq[k] for k in ids]
    arr = np.array(ids, dtype=np.int32)
    if none is not None:
        arr[arr == none] = -1
    return shared, arr, uniq


def column_by_inputs(
    value: Callable[[Any], Any], records: Sequence[Any], input_ids: IntArray
) -> tuple[list[Any], IntArray, list[Any]]:
    """What :func:`intern_values` gives for ``[value(r) for r in records]``, with ``value`` run
    once per distinct input (``input_ids``: equal ids, equal values; ``-1``, no value), on the
    input's first record. Equal values of different inputs keep different ids (comparisons
    treat them alike, only less cheaply)."""
    import numpy as np

    present = np.flatnonzero(input_ids >= 0)
    _uniq, first, inverse = np.unique(input_ids[present], return_index=True, return_inverse=True)
    uniq = [value(records[k]) for k in present[first].tolist()]
    ids = np.full(len(records), -1, dtype=np.int32)
    ids[present] = inverse.ravel()
    missing = [k for k, v in enumerate(uniq) if v is None]  # a value of None is no value
    if missing:
        ids[np.isin(ids, missing)] = -1
    column = list(map([*uniq, None].__getitem__, ids.tolist()))
    return column, ids, uniq


class Interned:
    """One column of a run, interned (:func:`intern_values`): an ``int32`` id per record and the
    distinct values; and, once a comparison asks for it, the comparator's :class:`_Column`.

    A run compares its columns several times (u from random pairs, the candidate pairs, the
    deterministic links); the column's vectorized form is built over all its distinct values
    (every email of a million records), so it is built once and shared by those calls.
    """

    __slots__ = ("_col", "ids", "uniq")

    def __init__(self, ids: IntArray, uniq: list[Any]) -> None:
        self.ids = ids
        self.uniq = uniq
        self._col: _Column | None = None

    def column(self, comp: Comparator) -> _Column:
        """The :class:`_Column` of ``comp`` over these values (built on first use)."""
        col = self._col
        if col is None or col.comp is not comp:
            col = self._col = _Column(comp, self.ids, self.uniq)
        return col

    def release(self) -> None:
        """Forget the built column (its arrays), once the run's comparisons are done."""
        self._col = None


class _Column:
    """One comparator's column, interned: an ``int32`` value id per record and the distinct values.

    Built before any fork, so a worker reads numpy arrays (shared copy-on-write) and touches
    only the distinct values it compares. A missing value (``None``) has id ``-1``: comparators
    give ``NULL`` when either side is missing, so those pairs are never compared.
    """

    def __init__(self, comp: Comparator, ids: IntArray, uniq: list[Any]) -> None:
        import numpy as np

        self.comp = comp
        self.ids = ids
        self.uniq = uniq
        k = len(self.uniq)
        self.k = k
        self.vector: Any = _vectorized(comp, uniq) if VECTORIZED else None
        self.same = np.full(max(k, 1), -2, dtype=np.int8)  # level of (v, v), computed lazily
        self.dense = np.full(k * k, -2, dtype=np.int8) if 0 < k <= _DENSE_MAX else None

    def levels(self, i_arr: IntArray, j_arr: IntArray) -> IntArray:
        """``comp.compare(column[i], column[j])`` for each pair of the chunk, as ``int8``."""
        import numpy as np

        from omnilink.identity._comparators import NULL

        a = self.ids[i_arr]
        b = self.ids[j_arr]
        out = np.full(a.size, NULL, dtype=np.int8)
        present = (a >= 0) & (b >= 0)
        if self.vector is not None:
            try:
                out[present] = self._vector_levels(a[present], b[present])
                return out
            except Exception:  # pragma: no cover - a bug: the pairs one by one are still right
                logger.exception("vectorized %r failed; comparing pair by pair", self.comp)
                self.vector = None
        same = present & (a == b)
        if same.any():
            sa = a[same]
            todo = np.unique(sa[self.same[sa] == -2])
            if todo.size:
                uniq = self.uniq
                self.same[todo] = _compare_all(self.comp, [(uniq[v], uniq[v]) for v in todo.tolist()])
            out[same] = self.same[sa]
        diff = present
        diff &= ~same
        del same, present
        if diff.any():
            k = self.k
            code = a[diff].astype(np.int64) * k + b[diff]
            del a, b
            if self.dense is not None:
                dense = self.dense
                lv = dense[code]
                miss = lv == -2
                if miss.any():
                    todo = np.unique(code[miss])
                    dense[todo] = self._call_codes(todo)
                    lv = dense[code]
                out[diff] = lv
            else:
                vals, inv = np.unique(code, return_inverse=True)
                del code
                out[diff] = self._call_codes(vals)[inv]
        return out

    def _vector_levels(self, a: IntArray, b: IntArray) -> IntArray:
        """The vectorized levels of value pairs; with few distinct values, through the dense
        cache (one lookup per pair, the vector function only for value pairs not met before)."""
        import numpy as np

        dense = self.dense
        if dense is None:
            lv: IntArray = self.vector(a, b)
            return lv
        k = self.k
        code = a.astype(np.int64) * k + b
        lv = dense[code]
        miss = lv == -2
        if miss.any():
            todo = np.unique(code[miss])
            dense[todo] = self.vector(todo // k, todo % k)
            lv = dense[code]
        return lv

    def _call_codes(self, codes: IntArray) -> IntArray:
        k = self.k
        uniq = self.uniq
        xs = (codes // k).tolist()
        ys = (codes % k).tolist()
        return _compare_all(self.comp, [(uniq[x], uniq[y]) for x, y in zip(xs, ys, strict=True)])


def _vectorized(comp: Comparator, uniq: list[Any]) -> Any:
    """``comp.vectorized(uniq)``, or None when the comparator has none (or fails to build it)."""
    build = getattr(comp, "vectorized", None)  # duck-typed comparators may not have one
    if build is None:
        return None
    try:
        return build(uniq)
    except Exception:  # pragma: no cover - a bug: the pairs one by one are still right
        logger.exception("building the vectorized %r failed; comparing pair by pair", comp)
        return None


def _compare_all(comp: Comparator, pairs: list[tuple[Any, Any]]) -> IntArray:
    import numpy as np

    f = comp.compare
    try:
        res = [f(x, y) for x, y in pairs]
    except Exception:  # a comparator must never stop a run: one at a time, failures are NULL
        res = [comp.safe_compare(x, y) for x, y in pairs]
    return np.array(res, dtype=np.int8)


def pair_patterns(
    comparators: Sequence[Comparator],
    columns: Sequence[Sequence[Any]],
    i_arr: IntArray,
    j_arr: IntArray,
    *,
    workers: int = 1,
    chunk: int | None = None,
    interned: Sequence[Interned] | None = None,
) -> tuple[list[tuple[int, ...]], IntArray, IntArray]:
    """The agreement pattern of every pair ``(i_arr[k], j_arr[k])``, chunk by chunk.

    Returns what :meth:`PairLevels.pattern_codes` returns (distinct patterns in order of first
    occurrence, the pattern index of every pair as ``int32``, the count of each pattern)
    (``interned``: :func:`intern_values` ids and distinct values of the columns, if known)
    without holding the levels of all pairs: each chunk of pairs is compared by every
    comparator and reduced to one integer pattern code per pair at once. With ``workers >= 2``
    a forked worker takes every other chunk and writes its codes into shared memory.
    """
    import numpy as np

    size = chunk or CHUNK_PAIRS
    n_comp = len(comparators)
    n_pairs = int(i_arr.size)
    radices = [len(c.levels) + 1 for c in comparators]
    if any(len(c.levels) > 126 for c in comparators):  # pragma: no cover - int8 levels
        raise ValueError("a comparator with more than 126 levels")
    total = 1
    for r in radices:
        total *= r
    code_type = np.int32 if total < 2**31 else np.int64
    if interned is None:
        interned = [Interned(*intern_values(columns[k])[1:]) for k in range(n_comp)]
    cols = [interned[k].column(c) for k, c in enumerate(comparators)]
    if chunk is None and workers >= 2 and n_pairs >= PARALLEL_MIN_PAIRS:
        # An even number of chunks of one size: the two processes get equal shares (a batch
        # under CHUNK_PAIRS pairs is two chunks, not one process's work).
        n_chunks = -(-n_pairs // size)
        n_chunks += n_chunks % 2
        size = -(-n_pairs // n_chunks)
    starts = list(range(0, n_pairs, size))
    use_fork = workers >= 2 and n_comp >= 1 and n_pairs >= PARALLEL_MIN_PAIRS and len(starts) >= 2
    itemsize = np.dtype(code_type).itemsize
    buf: Any = (
        mmap.mmap(-1, max(n_pairs * itemsize, 1)) if use_fork else bytearray(max(n_pairs * itemsize, 1))
    )
    codes = np.frombuffer(buf, dtype=code_type, count=n_pairs)

    def run(chunks: Sequence[int], cols: list[_Column], codes: IntArray) -> None:
        for s in chunks:
            e = min(s + size, n_pairs)
            ii = i_arr[s:e]
            jj = j_arr[s:e]
            acc = np.zeros(e - s, dtype=code_type)
            mult = 1
            for c, col in enumerate(cols):
                lv = col.levels(ii, jj)
                lv += 1
                acc += lv.astype(code_type) * code_type(mult)
                mult *= radices[c]
            codes[s:e] = acc

    mine = starts
    theirs: list[int] = []
    proc = None
    # The cyclic GC writes into the header of every object it visits: a full collection in
    # either process would copy every page of the shared heap. With the collector paused
    # (the forked worker inherits the pause) no page is copied for it.
    with gc_paused():
        if use_fork:
            mine, theirs = starts[0::2], starts[1::2]
            ctx = multiprocessing.get_context("fork")
            proc = ctx.Process(target=run, args=(theirs, cols, codes), daemon=True)
            try:
                proc.start()
            except OSError:  # pragma: no cover - no fork today
                proc = None
                mine, theirs = starts, []
        run(mine, cols, codes)
        if proc is not None:
            proc.join()
            if proc.exitcode != 0:  # pragma: no cover - the worker died: do its share here
                logger.warning("comparison worker failed (exit code %s); finishing in-process", proc.exitcode)
                run(theirs, cols, codes)
    del cols
    # Distinct patterns in order of first occurrence, chunk by chunk; each chunk's codes are
    # replaced by the pattern indexes in place (the buffer lives on as the result).
    pat_id: dict[int, int] = {}
    for s in starts:
        e = min(s + size, n_pairs)
        u, first, inv = np.unique(codes[s:e], return_index=True, return_inverse=True)
        ulist = u.tolist()
        new = [q for q in np.argsort(first, kind="stable").tolist() if ulist[q] not in pat_id]
        for q in new:
            pat_id[ulist[q]] = len(pat_id)
        gid = np.array([pat_id[x] for x in ulist], dtype=code_type)
        codes[s:e] = gid[inv.ravel()]
    pat_of_pair = codes
    del codes
    counts = np.bincount(pat_of_pair, minlength=len(pat_id)).astype(np.int64)
    pats: list[tuple[int, ...]] = []
    for code in pat_id:
        pat = []
        for c in range(n_comp):
            pat.append(code % radices[c] - 1)
            code //= radices[c]
        pats.append(tuple(pat))
    return pats, pat_of_pair, counts
