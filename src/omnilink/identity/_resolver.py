"""The batch resolver: canonicalize, link, block, compare, score, cluster."""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import chain, compress, islice, repeat
from typing import TYPE_CHECKING, Any

from omnilink.exceptions import ConfigurationError
from omnilink.identity._blocking import candidate_pairs, record_keys
from omnilink.identity._cluster import ConstrainedUnionFind, RecordUnionFind, assign_profile_ids
from omnilink.identity._comparators import NULL
from omnilink.identity._engine import (
    GENERATION,
    Config,
    Engine,
    SharedTracker,
    first_name_hint,
    names_fit,
    shared_values,
)
from omnilink.identity._fields import FieldType, compared_by_name, region_column, resolve_field_map
from omnilink.identity._fork import ForkedItems, worth_forking
from omnilink.identity._frames import Batches, frame_batches, is_frame
from omnilink.identity._gcpause import gc_paused
from omnilink.identity._model import FSModel, anchored_m, em, estimate_u, match_share, term_frequencies
from omnilink.identity._normalize import NormRecord, id_text, region_code, row_mapping, weak_reason
from omnilink.identity._pairs import (
    Interned,
    column_by_inputs,
    default_workers,
    intern_values,
    pair_patterns,
    rule_pair_arrays,
)
from omnilink.identity._pairs import available as _numpy_available
from omnilink.identity._table import RecordTable
from omnilink.identity._types import Evidence, Explanation, LinkTable, MergeEvent, Profile, ResolveResult

if TYPE_CHECKING:
    from omnilink.identity._graph import IdentityGraph

__all__ = ["Resolver"]

logger = logging.getLogger(__name__)

_BACKGROUND = 10
"""How much the children that work beside this process yield to it (``os.nice``)."""


def _normalize_batch() -> int:
    """Rows the normalizer reads at a time (``_normalize._BATCH``, read at each call: tests lower it)."""
    from omnilink.identity import _normalize

    return _normalize._BATCH


def _default_region(region: str | None) -> str | None:
    """The default phone region, checked now: a wrong one would reject every national number."""
    if region is None:
        return None
    import phonenumbers

    code = region_code(region)
    if code is None or code not in phonenumbers.SUPPORTED_REGIONS:
        raise ConfigurationError(
            f"region {region!r} is not a phone region: pass an ISO 3166 two-letter country code "
            "such as 'US' or 'GB' (or None when every number is written with its +country code)"
        )
    return code


HEAD_ROWS = 1000
"""The rows of an iterator whose columns tell the field map (a list's are all its rows)."""


def head_columns(rows: Sequence[object]) -> dict[str, None]:
    """The columns of ``rows`` (:meth:`Resolver._rows`' head), in order, as the normalizer will
    read the rows (namedtuples too: ``DataFrame.itertuples()``)."""
    columns: dict[str, None] = {}
    for row in rows:
        if type(row) is dict and row.keys() <= columns.keys():  # most rows: nothing new, ~0.2 us
            continue
        mapping = row_mapping(row)
        if mapping is not None:
            columns.update(dict.fromkeys(str(k) for k in mapping))
    return columns


def _warn_late(columns: list[str]) -> None:
    if columns:
        logger.warning(
            "columns %s first came after the first 1,000 rows, from which the field map was "
            "inferred: their values were not compared. Pass fields= naming them, or a list "
            "(all of whose rows are read for the map) instead of an iterator.",
            ", ".join(columns),
        )


def _check_columns(cfg: Config, all_columns: Iterable[str]) -> None:
    """Refuse a run in which no column of the data is compared: every row would be an "empty
    row" reject, which is a field map that names other columns (a typo, a fitted resolver given
    another export), not bad rows."""
    columns = [c for c in all_columns if c != cfg.id_field]
    if not columns or any(c in cfg.fields for c in columns):
        return
    shown = ", ".join(columns[:12]) + (", ..." if len(columns) > 12 else "")
    if cfg.fields:
        raise ConfigurationError(
            f"none of the columns the resolver compares ({', '.join(cfg.fields)}) is in the data, "
            f"whose columns are: {shown}. Map them with fields={{column: type}} (or fit on data "
            "with these columns)."
        )
    raise ConfigurationError(
        f"no column of the data is one whose type can be told from its name ({shown}): pass "
        "fields={column: type}, e.g. {'mail': 'email', 'tel': 'phone'}"
    )


def _prob_to_weight(p: float) -> float:
    p = min(max(p, 1e-12), 1 - 1e-12)
    return math.log2(p / (1 - p))


class _Prepared:
    """One run's canonical records and everything derived from them."""

    def __init__(
        self,
        engine: Engine,
        rows: Iterable[object] | Batches,
        *,
        workers: int = 1,
        known_columns: set[str] | None = None,
        numbered: bool = False,
    ) -> None:
        self.engine = engine
        norm = engine.normalizer()
        norm.workers = workers
        norm.known_columns = known_columns
        norm.numbered = numbered
        self.records: list[NormRecord] = norm.normalize_all(rows)
        self.rejects = norm.rejects
        self.late_columns = [
            c for c in norm.late_columns if c not in engine.config.fields and compared_by_name(c)
        ]
        """Columns whose type their name tells that came after the rows the field map was
        inferred from: not compared (see :func:`_warn_late`)."""
        records = self.records
        weak = engine.weak

        self.table: RecordTable | None = RecordTable(records) if _numpy_available() else None
        fork = worth_forking(workers, len(records))
        table = self.table

        def shared() -> Iterator[list[str]]:
            if table is not None:  # the same values, read off the table's columns
                yield shared_values(table, weak, engine.config.shared_after)
                return
            tracker = SharedTracker(set(weak), engine.config.shared_after)
            for rec in records:
                tracker.see(rec)
            yield list(tracker.weak - weak)

        if table is not None and fork:
            table.read(_value_columns(engine.config))

        def blocks() -> Iterator[_Pairs]:
            if table is not None:
                rules, cap = engine.rules, engine.config.max_block
                # workers=1: a forked child makes no child of its own (the string forms' share)
                yield rule_pair_arrays(rules, records, max_block=cap, workers=1, table=table)

        # Two forked children work while this process builds the comparator columns: one finds
        # the shared identifiers (household phones, shared inboxes; ~1.5 s at 1,000,000
        # contacts from the table, ~5 s with the tracker's loop over records, which competed
        # with this process for the second core), which only comparisons and blocking read;
        # the other builds the blocks from the table (~8 s), which read no column. With arrays
        # forking each rule's share no more, the blocks took this process ~8 s after the columns.
        # Both yield to this process (nice): on two cores the three had left the columns ~0.9 s
        # waiting for a core, and the blocks are not waited for until ~5 s after they are done.
        with (
            gc_paused(),
            ForkedItems(shared, fork=fork, nice=_BACKGROUND) as found,
            ForkedItems(blocks, fork=fork and table is not None, nice=_BACKGROUND) as blocked,
        ):
            # One list per comparator, equal values one shared object (with numpy: their int32
            # ids). The table gives what each comparator reads of a record as ids, so most
            # columns are made once per distinct input, already interned.
            self.columns: list[list[Any]] = []
            self.interned: list[Interned] | None = None if table is None else []
            for comp in engine.comparators:
                value = comp.value
                if table is None or self.interned is None:
                    self.columns.append([value(r) for r in records])
                    continue
                inputs = getattr(comp, "input_ids", None)  # duck-typed comparators may lack it
                input_ids = inputs(table) if inputs is not None else None
                if input_ids is not None:
                    col, ids, uniq = column_by_inputs(value, records, input_ids)
                else:
                    col, ids, uniq = intern_values([value(r) for r in records])
                self.interned.append(Interned(ids, uniq))
                self.columns.append(col)
            for values in found:
                weak.update(values)
            # Each comparator's vectorized column (every comparison reads it), while the blocks
            # are still being built: waiting for them was ~2 s at 1,000,000 contacts.
            for comp, column in zip(engine.comparators, self.interned or (), strict=False):
                column.column(comp)
            t = time.perf_counter()
            made = list(blocked)
            self.block_wait = time.perf_counter() - t
            """Seconds this process waited for the blocks after building the columns."""
        self.pairs: _Pairs | None = made[0] if made else None
        """The candidate pairs ``(i, j)`` and the blocking statistics (with numpy)."""
        self.values: Sequence[list[Any]] = _Rows(self.columns, len(self.records))
        self.by_id = {r.rid: r for r in self.records}


_Pairs = tuple[Any, Any, dict[str, int]]
"""Candidate pairs as two ``int32`` arrays ``(i, j)`` and the blocking statistics
(:func:`~omnilink.identity._pairs.rule_pair_arrays`)."""


def _value_columns(config: Config) -> list[str]:
    """The columns kept in :attr:`NormRecord.values` (dates, places, codes, addresses, text)."""
    kept = {
        FieldType.DATE,
        FieldType.ADDRESS,
        FieldType.CITY,
        FieldType.POSTCODE,
        FieldType.EXACT,
        FieldType.TEXT,
    }
    return [c for c, t in config.fields.items() if t in kept]


_DetCandidates = tuple[list[int], list[int], list[int], list[str]]
"""The deterministic links' candidate pairs (earlier record, record, attempt) and each
attempt's reason (:func:`_det_candidates`)."""


def _det_candidates(engine: Engine, recs: Sequence[NormRecord]) -> _DetCandidates:
    """For each record, in order, each strong identifier that earlier records hold: one
    *attempt*, whose candidates are those earlier holders that pass the name guard
    (:meth:`Engine.deterministic_ok`), in order (at most ``max_block`` holders per value)."""
    holders: dict[str, list[int]] = {}
    cand_i: list[int] = []
    cand_j: list[int] = []
    cand_attempt: list[int] = []
    reasons: list[str] = []
    cap = engine.config.max_block
    for j, rec in enumerate(recs):
        for reason, key in engine.strong_values(rec):
            members = holders.get(key)
            if members is None:
                holders[key] = [j]
                continue
            attempt = len(reasons)
            reasons.append(reason)
            for i in members:
                if engine.deterministic_ok(reason, recs[i], rec):
                    cand_i.append(i)
                    cand_j.append(j)
                    cand_attempt.append(attempt)
            if len(members) < cap:
                members.append(j)
    return cand_i, cand_j, cand_attempt, reasons


def _det_candidate_arrays(engine: Engine, table: RecordTable) -> _DetCandidates:
    """:func:`_det_candidates` from the records' columns: the holders of each strong value are
    found by sorting ids, and the name guard runs once per distinct pair of first-name hints
    (and, for phones, of names), not once per candidate pair."""
    import numpy as np

    from omnilink.identity._engine import (
        first_name_hints,
        names_alike,
        names_compatible,
        names_fit,
        surnames_differ,
    )
    from omnilink.identity._table import expand

    if not engine.config.deterministic:
        return [], [], [], []
    weak = engine.weak
    reasons_of: dict[str, int] = {}
    kinds: list[tuple[Any, Any, Any]] = []  # per kind, in strong_values order: (keys, records, reasons)
    x = table.externals
    key_of: dict[str, int] = {}
    x_key = np.array([key_of.setdefault(f"{c}:{v}", len(key_of)) for c, v in x.values] + [-1], dtype=np.int64)
    x_reason = np.array(
        [reasons_of.setdefault(f"external_id:{c}", len(reasons_of)) for c, _ in x.values] + [-1]
    )
    kinds.append((x_key[x.ids], x.recs, x_reason[x.ids]))
    for why, multi, skip in (
        ("email", table.emails, lambda v: v in weak),
        ("phone", table.phones, lambda v: v in weak),
        ("handle", table.handles, lambda v: v in weak or v.startswith("any:")),
    ):
        keep = ~np.array([skip(v) for v in multi.values] + [True], dtype=bool)[multi.ids]
        code = reasons_of.setdefault(why, len(reasons_of))
        kinds.append((multi.ids[keep], multi.recs[keep], np.full(int(keep.sum()), code)))
    offset = 0
    keys_l, recs_l, reason_l = [], [], []
    for keys, recs, rs in kinds:
        keys_l.append(keys + offset)
        recs_l.append(recs)
        reason_l.append(rs)
        offset += int(keys.max(initial=-1)) + 1
    keys = np.concatenate(keys_l)
    recs = np.concatenate(recs_l)
    reason = np.concatenate(reason_l)
    keep = ~table.empty[recs]
    keys, recs, reason = keys[keep], recs[keep], reason[keep]
    # Rows in the order a record-by-record pass meets them: by record, then kind and position.
    order = np.argsort(recs, kind="stable")
    keys, recs, reason = keys[order], recs[order], reason[order]
    # Each row's position among the holders of its value (holders in record order).
    by_key = np.argsort(keys, kind="stable")
    sorted_keys = keys[by_key]
    start = np.flatnonzero(np.concatenate(([True], sorted_keys[1:] != sorted_keys[:-1])))
    group = np.cumsum(np.concatenate(([False], sorted_keys[1:] != sorted_keys[:-1])))
    pos = np.empty(keys.size, dtype=np.int64)
    pos[by_key] = np.arange(keys.size) - start[group]
    first_row = np.empty(keys.size, dtype=np.int64)
    first_row[by_key] = start[group]
    attempt_rows = np.flatnonzero(pos >= 1)  # a value some earlier record holds: an attempt
    n_cand = np.minimum(pos[attempt_rows], engine.config.max_block)
    member, at = expand(np.arange(attempt_rows.size, dtype=np.int64), first_row[attempt_rows], n_cand, by_key)
    cand_i = recs[member]
    cand_j = recs[attempt_rows[at]]
    cand_reason = reason[attempt_rows[at]]
    # The name guard (Engine.deterministic_ok), once per distinct pair of what it reads.
    hint_id, hints = first_name_hints(table)
    hint_list: list[str | None] = [None, *hints]  # by id + 1
    nh = len(hint_list)
    uniq, inverse = np.unique((hint_id[cand_i] + 1) * nh + hint_id[cand_j] + 1, return_inverse=True)
    ok = np.array(
        [names_compatible(hint_list[p // nh], hint_list[p % nh]) for p in uniq.tolist()], dtype=bool
    )[inverse.ravel()]
    reason_list = list(reasons_of)
    external = np.array([r.startswith("external_id:") for r in reason_list], dtype=bool)
    ok |= external[cand_reason]
    parts = table.name_parts  # (first, last[, middle]) of every record
    known = [(None, None), *parts.values]  # id + 1: a record with neither name is 0
    size = len(known)
    refused = np.flatnonzero(~ok)
    if refused.size:
        # One name written two ways (names_alike: in both orders, or one's only name the other's
        # surname) passes when the whole guard says so (names_fit: a lone surname's inbox
        # speaks for it). Rare, so those pairs one by one.
        ni, nj = parts.ids[cand_i[refused]] + 1, parts.ids[cand_j[refused]] + 1
        uniq, inverse = np.unique(ni * size + nj, return_inverse=True)
        alike = np.array([names_alike(known[p // size], known[p % size]) for p in uniq.tolist()], dtype=bool)
        records = table.records
        for k in refused[alike[inverse.ravel()]].tolist():
            ok[k] = names_fit(records[cand_i[k]], records[cand_j[k]])
    phone = (cand_reason == reasons_of["phone"]) & ok
    if phone.any():
        ni, nj = parts.ids[cand_i[phone]] + 1, parts.ids[cand_j[phone]] + 1
        uniq, inverse = np.unique(ni * size + nj, return_inverse=True)
        differ = np.array(
            [surnames_differ(known[p // size], known[p % size]) for p in uniq.tolist()], dtype=bool
        )[inverse.ravel()]
        ok[np.flatnonzero(phone)[differ]] = False
    return (
        cand_i[ok].tolist(),
        cand_j[ok].tolist(),
        at[ok].tolist(),
        [reason_list[r] for r in reason[attempt_rows].tolist()],
    )


class _Links:
    """A run's links before clustering: (earlier record ``i``, record ``j``, weight, kind (0:
    deterministic, 1: scored), reason), added a batch at a time as arrays (or lists, without
    numpy); :meth:`ordered` gives them in the order clustering applies them."""

    def __init__(self) -> None:
        self._parts: list[tuple[Any, Any, Any, int, Any]] = []
        self._codes: dict[str, int] = {}

    def add(self, i: Any, j: Any, w: Any, kind: int, reasons: Sequence[str] | str) -> None:
        """Links ``(i[k], j[k])`` weighing ``w[k]``, with one reason each or one for all."""
        code = self._codes.setdefault
        if isinstance(reasons, str):
            codes: Any = [code(reasons, len(self._codes))] * len(i)
        else:
            codes = [code(r, len(self._codes)) for r in reasons]
        self._parts.append((i, j, w, kind, codes))

    def ordered(self) -> tuple[list[int], list[int], list[float], list[str]]:
        """``(i, j, weight, reason)`` as four lists, record by record (``j``), deterministic links
        first, then the strongest, then the earliest ``i``; a pair once (its first place in that
        order)."""
        names = list(self._codes)
        if not self._parts:
            return [], [], [], []
        if not _numpy_available():  # pragma: no cover - numpy is optional
            rows = sorted(
                (j, kind, -w, i, c)
                for i_s, j_s, w_s, kind, c_s in self._parts
                for i, j, w, c in zip(i_s, j_s, w_s, c_s, strict=True)
            )
            seen: set[tuple[int, int]] = set()
            out: tuple[list[int], list[int], list[float], list[str]] = ([], [], [], [])
            for j, _kind, nw, i, c in rows:
                if (j, i) not in seen:
                    seen.add((j, i))
                    out[0].append(i)
                    out[1].append(j)
                    out[2].append(-nw)
                    out[3].append(names[c])
            return out
        import numpy as np

        i_a = np.concatenate([np.asarray(p[0], dtype=np.int64) for p in self._parts])
        j_a = np.concatenate([np.asarray(p[1], dtype=np.int64) for p in self._parts])
        w_a = np.concatenate([np.asarray(p[2], dtype=np.float64) for p in self._parts])
        k_a = np.concatenate([np.full(len(p[0]), p[3], dtype=np.int8) for p in self._parts])
        c_a = np.concatenate([np.asarray(p[4], dtype=np.int64) for p in self._parts])
        if not i_a.size:
            return [], [], [], []
        order = np.lexsort((i_a, -w_a, k_a, j_a))
        # A pair listed twice (a deterministic and a scored link): its first place only.
        pair = j_a[order] * (int(i_a.max()) + 1) + i_a[order]
        _, first = np.unique(pair, return_index=True)
        order = order[np.sort(first)]
        return (
            i_a[order].tolist(),
            j_a[order].tolist(),
            w_a[order].tolist(),
            list(map(names.__getitem__, c_a[order].tolist())),
        )


class _Rows(Sequence[list[Any]]):
    """The comparator values of each record, read from the columns (no list per record held)."""

    def __init__(self, columns: list[list[Any]], n: int) -> None:
        self._columns = columns
        self._n = n

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(self._n))]
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError(i)
        return [col[i] for col in self._columns]


class Resolver:
    """Resolve records into profiles: one profile per real person.

    ``fields`` maps column names to :class:`FieldType` (or their names); without it, types are
    inferred from the column names (``email``, ``mobile``, ``given_name``, ``surname``, ``dob``,
    ``postcode``, ``suburb``, ``soc_sec_id``...). ``region`` is the default phone region for
    national numbers; a ``country`` column, when present, gives it per record.

    ``exclusive`` names columns of which a profile may hold only one value (two different
    customer numbers are two people, whatever else agrees). ``threshold`` is the match
    probability at or above which a scored pair links.

    ``max_block`` is how many records of one block (records sharing a blocking key) are paired
    with each other, the first ones in input order. 25 keeps most of what 100 finds: on 1,000,000
    synthetic contacts it makes 25 million candidate pairs instead of 89 million for a cluster
    F1 of 0.969 instead of 0.970 (at 50,000, 0.982 either way; FEBRL unchanged).

    ``resolve`` trains the match weights on the records it is given unless :meth:`fit` was
    called first; after ``fit`` the weights are frozen and shared with :meth:`graph`.
    """

    def __init__(
        self,
        *,
        fields: Mapping[str, FieldType | str] | None = None,
        id_field: str | None = None,
        region: str | None = None,
        region_field: str | None = None,
        exclusive: str | Sequence[str] = (),
        threshold: float = 0.95,
        max_block: int = 25,
        max_field_length: int = 10_000,
        shared_after: int = 2,
        max_per_profile: int = 10,
        deterministic: bool = True,
        tf_adjustment: bool = True,
        u_pairs: int = 50_000,
        em_iterations: int = 100,
        seed: int = 0,
        workers: int | None = None,
    ) -> None:
        if not 0.0 < threshold < 1.0:
            raise ConfigurationError(f"threshold is a match probability in (0, 1), got {threshold!r}")
        if max_block < 2:
            raise ConfigurationError(f"max_block must be at least 2, got {max_block!r}")
        if workers is not None and workers < 1:
            raise ConfigurationError(f"workers must be at least 1, got {workers!r}")
        self._workers = workers
        self._fields = None if fields is None else {c: FieldType(t) for c, t in fields.items()}
        self._id_field = id_field
        self._region = _default_region(region)
        self._region_field = region_field
        self._options: dict[str, Any] = {
            # One column name given bare ("email") is that column, not its letters.
            "exclusive": (exclusive,) if isinstance(exclusive, str) else tuple(exclusive),
            "threshold": _prob_to_weight(threshold),
            "max_block": max_block,
            "max_field_length": max_field_length,
            "shared_after": shared_after,
            "max_per_profile": max_per_profile,
            "deterministic": deterministic,
            "tf_adjustment": tf_adjustment,
            "u_pairs": u_pairs,
            "em_iterations": em_iterations,
            "seed": seed,
        }
        self._fitted: tuple[Config, FSModel, frozenset[str]] | None = None
        self._last: tuple[Config, FSModel, frozenset[str], dict[str, NormRecord]] | None = None

    # -- configuration -------------------------------------------------------------------------

    def _rows(self, records: Iterable[object]) -> tuple[Sequence[object], Iterable[object] | Batches]:
        """(the rows the columns are read from: all of a sequence, the first 1,000 of an
        iterator; all the rows, streamed once).

        A generator is consumed as it is normalized and never held whole in memory. A DataFrame
        or an Arrow table is read in batches of columns (no row is made of it).
        """
        if isinstance(records, Batches):  # already batches of columns (the CLI's readers)
            return [dict.fromkeys(records.names)], records
        if is_frame(records):
            batches = frame_batches(records, id_field=self._id_field, size=_normalize_batch())
            return [dict.fromkeys(batches.names)], batches
        if isinstance(records, str | bytes | Mapping):
            raise TypeError(
                "records must be an iterable of rows (dicts, models) or a DataFrame, "
                f"not a single {type(records).__name__}"
            )
        if isinstance(records, Sequence):  # all its rows name the columns (~0.3 s a million)
            return records, records
        it = iter(records)
        head = list(islice(it, HEAD_ROWS))
        return head, chain(head, it)

    def _run_config(
        self, head: Sequence[object], rows: Iterable[object] | Batches, fitted: Config | None
    ) -> tuple[Config, set[str] | None, bool]:
        """A run's configuration (``fitted``, else inferred from the columns of ``head``); the
        columns seen so far when later rows may bring others the map would miss: an
        iterator's (its first 1,000 rows'), with an inferred map; None otherwise; and whether
        the rows have no id column (none named like one, and no ``id_field`` given): each is
        then known by its position, which is no reject. Where every column is known up front (a
        sequence, whose rows are all read; batches of columns), a run that would compare none
        of them is refused instead (_check_columns)."""
        columns = head_columns(head)  # once: a sequence's are all its rows (~0.3 s a million)
        cfg = fitted if fitted is not None else self._config_of(columns)
        numbered = self._id_field is None and bool(columns) and cfg.id_field not in columns
        if numbered:
            logger.warning(
                "the rows have no id column (none is named like an id: id, ID, record_id...): each "
                "record's id is its position, '#0', '#1'...; pass id_field= to name the column"
            )
        if head is rows or isinstance(rows, Batches):
            _check_columns(cfg, columns)
            return cfg, None, numbered
        inferred = fitted is None and self._fields is None  # else left out by choice
        return cfg, set(columns) if inferred else None, numbered

    def _config(self, rows: Sequence[object]) -> Config:
        return self._config_of(head_columns(rows))

    def _config_of(self, columns: dict[str, None]) -> Config:
        id_field, fields = resolve_field_map(columns, self._fields, id_field=self._id_field)
        region_field = self._region_field
        if region_field is None:
            region_field = region_column(columns)
        o = self._options
        for col in o["exclusive"]:
            if col not in fields:
                fields[col] = FieldType.EXTERNAL_ID
        return Config(
            id_field=id_field,
            fields=fields,
            region=self._region,
            region_field=region_field,
            exclusive=o["exclusive"],
            threshold=o["threshold"],
            max_block=o["max_block"],
            max_field_length=o["max_field_length"],
            shared_after=o["shared_after"],
            max_per_profile=o["max_per_profile"],
            deterministic=o["deterministic"],
            tf_adjustment=o["tf_adjustment"],
            u_pairs=o["u_pairs"],
            em_iterations=o["em_iterations"],
            seed=o["seed"],
        )

    @property
    def fields(self) -> Mapping[str, FieldType] | None:
        """The field map in use (after a run or ``fit``), or the one given."""
        if self._fitted is not None:
            return self._fitted[0].fields
        if self._last is not None:
            return self._last[0].fields
        return self._fields

    @property
    def model(self) -> FSModel | None:
        """The trained model: the fitted one, else the one of the last run."""
        if self._fitted is not None:
            return self._fitted[1]
        return None if self._last is None else self._last[1]

    # -- training ------------------------------------------------------------------------------

    def _train(
        self, engine: Engine, prep: _Prepared, patterns: Counter[tuple[int, ...]], n_pairs: int
    ) -> FSModel:
        cfg = engine.config
        comps = engine.comparators
        n = len(prep.records)
        # u within one country when the records say their country (see estimate_u).
        region_ci = next((c for c, comp in enumerate(comps) if comp.name == cfg.region_field), None)
        u = estimate_u(
            comps,
            prep.columns,
            n_records=n,
            max_pairs=cfg.u_pairs,
            seed=cfg.seed,
            strata=None if region_ci is None else prep.columns[region_ci],
            stratum_comparator=region_ci,
            interned=prep.interned,
        )
        anchored = anchored_m(patterns, comps)
        if anchored is not None:
            m, lam, iters, converged = anchored, match_share(patterns, anchored, u), 0, True
        else:
            m, _u_cand, lam, iters, converged = em(patterns, comps, u_start=u, max_iter=cfg.em_iterations)
        total_pairs = max(n * (n - 1) // 2, 1)
        matches = max(lam * n_pairs, 1.0)
        lam_all = min(matches / total_pairs, 0.5)
        prior = math.log2(lam_all / (1 - lam_all))
        tf = term_frequencies(
            comps,
            prep.columns,
            strata=None if region_ci is None else prep.columns[region_ci],
            stratum_comparator=region_ci,
        )
        model = FSModel(
            comparators=comps,
            m=m,
            u=u,
            prior=prior,
            threshold=cfg.threshold,
            tf=tf,
            iterations=iters,
            converged=converged,
        )
        logger.info("trained on %d pairs in %d EM iterations (converged=%s)", n_pairs, iters, converged)
        return model

    def fit(self, records: Iterable[object]) -> Resolver:
        """Train the match weights on ``records`` and freeze them (for later runs and the graph)."""
        with gc_paused():
            return self._fit(records)

    def _fit(self, records: Iterable[object]) -> Resolver:
        head, rows = self._rows(records)
        cfg, known, numbered = self._run_config(head, rows, None)
        del head
        engine = Engine(cfg)
        prep = _Prepared(engine, rows, workers=self._n_workers(), known_columns=known, numbered=numbered)
        del rows
        _warn_late(prep.late_columns)
        patterns: Counter[tuple[int, ...]] = Counter()
        if _numpy_available():
            assert prep.pairs is not None
            i_arr, j_arr, _ = prep.pairs
            pats, _of_pair, counts = pair_patterns(
                engine.comparators,
                prep.columns,
                i_arr,
                j_arr,
                workers=self._n_workers(),
                interned=prep.interned,
            )
            patterns = Counter(dict(zip(pats, counts.tolist(), strict=True)))
            n_pairs = int(i_arr.size)
            del i_arr, j_arr, _of_pair
        else:  # pragma: no cover - numpy is optional
            keys = [record_keys(engine.rules, r) for r in prep.records]
            pairs, _ = candidate_pairs(keys, max_block=cfg.max_block)
            vals = prep.values
            for i, j in pairs:
                patterns[engine.pattern(vals[i], vals[j])] += 1
            n_pairs = len(pairs)
        model = self._train(engine, prep, patterns, n_pairs)
        self._fitted = (cfg, model, frozenset(engine.weak))
        self._last = (cfg, model, frozenset(engine.weak), prep.by_id)
        return self

    # -- resolving -----------------------------------------------------------------------------

    def resolve(
        self, records: Iterable[object], *, previous: ResolveResult | Mapping[str, str] | None = None
    ) -> ResolveResult:
        """Resolve ``records`` (dicts, pydantic models, dataclasses) into profiles.

        ``previous`` (an earlier result, or record id -> profile id) keeps profile ids stable
        across runs: a profile keeps its id, merges keep the surviving id and list the absorbed ones.
        Bad rows and values never stop the run: they are listed in ``rejects`` and every row,
        rejected or not, gets a profile. Python's cyclic garbage collector is paused while it
        runs (see ``_gcpause``); reference counting frees memory as usual.
        """
        with gc_paused():
            return self._resolve(records, previous=previous)

    def _resolve(
        self, records: Iterable[object], *, previous: ResolveResult | Mapping[str, str] | None
    ) -> ResolveResult:
        t0 = time.perf_counter()
        head, rows = self._rows(records)
        cfg, known, numbered = self._run_config(
            head, rows, self._fitted[0] if self._fitted is not None else None
        )
        del head
        if self._fitted is not None:
            _, model, weak = self._fitted
            engine = Engine(cfg, set(weak))
            model = _rebind(model, engine)
        else:
            engine = Engine(cfg)
            model = None
        prep = _Prepared(engine, rows, workers=self._n_workers(), known_columns=known, numbered=numbered)
        del rows
        _warn_late(prep.late_columns)
        recs = prep.records
        # The blocks are built while the columns are (_Prepared): what this process waited for
        # them counts as blocking, not canonicalizing.
        t1 = time.perf_counter() - prep.block_wait
        found = _Links()
        if _numpy_available():
            model, n_pairs, n_patterns, bstats, (t2, t3, t4) = self._fuzzy_links(engine, prep, model, found)
        else:  # pragma: no cover - numpy is optional
            keys = [record_keys(engine.rules, r) for r in recs]
            model, n_pairs, n_patterns, bstats, (t2, t3, t4) = self._fuzzy_links_plain(
                engine, prep, keys, model, found
            )
            del keys

        # Deterministic links: to the first compatible earlier record holding the same strong id.
        n_det = 0
        if cfg.deterministic:
            det = (
                _det_candidates(engine, recs)
                if prep.table is None
                else _det_candidate_arrays(engine, prep.table)
            )
            n_det = self._deterministic_links(engine, prep, model, found, det)
            del det
        for column in prep.interned or ():  # the comparisons are done: their arrays can go
            column.release()
        t5 = time.perf_counter()

        engine.bind(model)  # cluster-level checks use the trained weights (Engine.bind; as the graph)
        uf: ConstrainedUnionFind | RecordUnionFind
        if engine.exclusive:
            uf = ConstrainedUnionFind(lambda k: engine.constraints(recs[k]), engine.caps, n=len(recs))
        else:  # the same unions, read off the members (no exclusive value to keep per group)
            uf = RecordUnionFind(recs, engine.caps, engine.clusters_agree)
        i_s, j_s, w_s, r_s = found.ordered()
        rids = [r.rid for r in recs]
        kept = uf.union_all(i_s, j_s)
        links = LinkTable(
            rids,
            list(compress(i_s, kept)),
            list(compress(j_s, kept)),
            list(compress(w_s, kept)),
            list(compress(r_s, kept)),
            model.probability,
        )
        del i_s, j_s, w_s, r_s, kept
        rid_groups = [[rids[i] for i in g] for g in uf.groups()]
        prev_map: Mapping[str, str] | None
        prev_map = previous.profile_of if isinstance(previous, ResolveResult) else previous
        ids, merges = assign_profile_ids(rid_groups, previous=prev_map)
        absorbed_by = dict(merges)
        profile_of = dict(
            zip(
                chain.from_iterable(rid_groups),
                chain.from_iterable(repeat(pid, len(g)) for pid, g in zip(ids, rid_groups, strict=True)),
                strict=True,
            )
        )
        profiles = {
            pid: Profile(pid, tuple(g), absorbed_by.get(pid, ()))
            for pid, g in zip(ids, rid_groups, strict=True)
        }
        t6 = time.perf_counter()
        stats = {
            "id_field": None if numbered else cfg.id_field,
            "records": len(recs),
            "candidate_pairs": n_pairs,
            "distinct_patterns": n_patterns,
            "deterministic_links": n_det,
            "links": len(links),
            "refused_unions": uf.refused,
            "profiles": len(profiles),
            "rejects": len(prep.rejects),
            "late_columns": prep.late_columns,
            "weak_values": len(engine.weak),
            "blocks": bstats["blocks"],
            "capped_blocks": bstats["capped_blocks"],
            "em_iterations": model.iterations,
            "seconds": {
                "normalize": t1 - t0,
                "block": t2 - t1,
                "compare": t3 - t2,
                "train": t4 - t3,
                "score": t5 - t4,
                "cluster": t6 - t5,
                "total": t6 - t0,
            },
        }
        self._last = (cfg, model, frozenset(engine.weak), prep.by_id)
        return ResolveResult(
            profile_of=profile_of,
            profiles=profiles,
            links=links,
            rejects=tuple(prep.rejects),
            merges=tuple(MergeEvent(s, a, None) for s, a in merges),
            stats=stats,
        )

    @staticmethod
    def _deterministic_links(
        engine: Engine,
        prep: _Prepared,
        model: FSModel,
        found: _Links,
        det: _DetCandidates,
    ) -> int:
        """Link each record to the first earlier holder of one of its strong identifiers that
        passes the name guard (``det``, :func:`_det_candidates`) and is not contradicted by the
        rest (:meth:`Engine.contradicted`).

        The patterns of the guarded pairs are compared all at once (numpy), instead of one
        Python comparison per pair: the same links, without ~10 comparator calls per link
        (150,000 links at 200,000 contacts).
        """
        vals = prep.values
        cand_i, cand_j, cand_attempt, reasons = det
        if not cand_i:
            return 0
        if prep.interned is not None:
            import numpy as np

            i_arr = np.array(cand_i, dtype=np.int32)
            pats, pat_of, _counts = pair_patterns(
                engine.comparators,
                prep.columns,
                i_arr,
                np.array(cand_j, dtype=np.int32),
                interned=prep.interned,
            )
            blocked = [engine.contradicted(model, p) for p in pats]
            refused = [blocked[p] for p in pat_of.tolist()]
        else:  # pragma: no cover - numpy is optional
            pattern_of = [engine.pattern(vals[i], vals[j]) for i, j in zip(cand_i, cand_j, strict=True)]
            refused = [engine.contradicted(model, p) for p in pattern_of]
        kept: list[int] = []  # the candidates that link: each attempt's first one not refused
        linked = -1  # the last attempt that found its link
        for k, attempt in enumerate(cand_attempt):
            if attempt == linked or refused[k]:
                continue
            kept.append(k)
            linked = attempt
        if prep.interned is not None:
            scorer = _Scorer(engine, model, pats, prep.interned)
            weights = scorer.scores(pat_of[kept], i_arr[kept], vals).tolist()
        else:  # pragma: no cover - numpy is optional
            weights = [engine.score(model, pattern_of[k], vals[cand_i[k]]) for k in kept]
        found.add(
            [cand_i[k] for k in kept],
            [cand_j[k] for k in kept],
            weights,
            0,
            [reasons[cand_attempt[k]] for k in kept],
        )
        return len(kept)

    def _n_workers(self) -> int:
        return default_workers() if self._workers is None else self._workers

    def _fuzzy_links(
        self,
        engine: Engine,
        prep: _Prepared,
        model: FSModel | None,
        found: _Links,
    ) -> tuple[FSModel, int, int, dict[str, int], tuple[float, float, float]]:
        """Block, compare, train (unless fitted) and score with arrays (see :mod:`._pairs`)."""
        import numpy as np

        assert prep.pairs is not None
        i_arr, j_arr, bstats = prep.pairs
        t2 = time.perf_counter()
        pats, pat_of_pair, counts = pair_patterns(
            engine.comparators, prep.columns, i_arr, j_arr, workers=self._n_workers(), interned=prep.interned
        )
        n_pairs = int(i_arr.size)
        t3 = time.perf_counter()
        if model is None:
            counted = Counter(dict(zip(pats, counts.tolist(), strict=True)))
            model = self._train(engine, prep, counted, n_pairs)
        t4 = time.perf_counter()
        # Scores: one weight per distinct pattern, plus term-frequency corrections per pair;
        # only patterns that could reach the threshold with the largest boost are scored.
        scorer = _Scorer(engine, model, pats, prep.interned)
        threshold = model.threshold
        max_boost = model.tf_max_boost * len(scorer.tf_comps)
        hopeful = np.array([w + max_boost >= threshold for w in scorer.pw], dtype=bool)
        vals = prep.values
        step = 1 << 22  # pairs per chunk: bounded temporaries
        for s in range(0, n_pairs, step):
            ks = np.flatnonzero(hopeful[pat_of_pair[s : s + step]])
            ks += s
            ik = i_arr[ks]
            w_arr = scorer.scores(pat_of_pair[ks], ik, vals)
            sel = np.flatnonzero(w_arr >= threshold)
            found.add(ik[sel], j_arr[ks[sel]], w_arr[sel], 1, "fuzzy")
        return model, n_pairs, len(pats), bstats, (t2, t3, t4)

    def _fuzzy_links_plain(
        self,
        engine: Engine,
        prep: _Prepared,
        keys: list[list[str]],
        model: FSModel | None,
        found: _Links,
    ) -> tuple[FSModel, int, int, dict[str, int], tuple[float, float, float]]:
        """The same as :meth:`_fuzzy_links`, one pair at a time (without numpy)."""
        cfg = engine.config
        pairs, bstats = candidate_pairs(keys, max_block=cfg.max_block)
        t2 = time.perf_counter()
        vals = prep.values
        pattern = engine.pattern
        pats = [pattern(vals[i], vals[j]) for i, j in pairs]
        t3 = time.perf_counter()
        if model is None:
            model = self._train(engine, prep, Counter(pats), len(pairs))
        t4 = time.perf_counter()
        pw: dict[tuple[int, ...], float] = {}
        tf_comps = [c for c, t in enumerate(model.tf) if t is not None] if cfg.tf_adjustment else []
        threshold = model.threshold
        max_boost = model.tf_max_boost * len(tf_comps)
        for (i, j), pat in zip(pairs, pats, strict=True):
            w = pw.get(pat)
            if w is None:
                w = model.prior + model.pattern_weight(pat)
                pw[pat] = w
            if w + max_boost < threshold:
                continue
            if tf_comps:
                w += model.tf_correction(pat, vals[i])
            if w >= threshold:
                found.add([i], [j], [w], 1, "fuzzy")
        return model, len(pairs), len(pw) if pw else len(set(pats)), bstats, (t2, t3, t4)

    # -- explaining ----------------------------------------------------------------------------

    def explain(self, a: object, b: object) -> Explanation:
        """The evidence for and against ``a`` and ``b`` being one person.

        ``a``/``b`` are records (dicts, models) or record ids of the last run (``KeyError``
        for an id it did not have). The weights of the evidence plus the prior add up to the
        total match weight.
        """
        if self._last is None:
            raise ConfigurationError("explain() needs a trained model: call fit() or resolve() first")
        cfg, model, weak, by_id = self._last
        engine = Engine(cfg, set(weak))
        model = _rebind(model, engine)
        norm = engine.normalizer()

        def get(x: object) -> NormRecord:
            rid = id_text(x)
            if rid is None:  # a record (dict, model) to compare as given
                return norm.normalize(x)
            found = by_id.get(rid)
            if found is None:
                # An id, not a record: one that is not in the last run (a typo, another data set).
                raise KeyError(
                    f"no record {x!r} in the last run ({len(by_id):,} records): pass a record id "
                    "that run had, or the record itself (a dict or a model)"
                )
            return found

        ra, rb = get(a), get(b)
        va, vb = engine.values(ra), engine.values(rb)
        pat = engine.pattern(va, vb)
        evidence = []
        for c, comp in enumerate(engine.comparators):
            level = pat[c]
            w = model.comparator_weight(pat, c, va[c] if cfg.tf_adjustment else None)
            label = "missing" if level == NULL else comp.levels[level]
            evidence.append(Evidence(comp.name, label, comp.display(va[c]), comp.display(vb[c]), w))
        total = model.prior + sum(e.weight for e in evidence)
        conflict = _conflict(engine, ra, rb)
        deterministic = None
        guards: list[str] = []
        keys_b = {k: r for r, k in engine.strong_values(rb)}
        for reason, key in engine.strong_values(ra):
            if key in keys_b and conflict is None:
                if not engine.deterministic_ok(reason, ra, rb):
                    guards.append(f"{reason}: {_refused_because(ra, rb)}")
                elif engine.contradicted(model, pat):
                    guards.append(f"{reason}: contradicted by the other evidence")
                else:
                    deterministic = reason
                    break
        for v in sorted(set(ra.emails + ra.phones + ra.handles) & set(rb.emails + rb.phones + rb.handles)):
            if v in engine.weak:
                guards.append(f"{v}: {_weak_because(v)}, so it is evidence, not proof")
        return Explanation(
            a=ra.rid,
            b=rb.rid,
            prior=model.prior,
            evidence=tuple(evidence),
            total=total,
            probability=model.probability(total),
            threshold=model.threshold,
            deterministic=deterministic,
            guards=tuple(guards),
            conflict=conflict,
        )

    # -- online --------------------------------------------------------------------------------

    def graph(self) -> IdentityGraph:
        """An empty :class:`IdentityGraph` using this resolver's trained weights and rules."""
        from omnilink.identity._graph import IdentityGraph

        return IdentityGraph(self)

    def _frozen(self) -> tuple[Config, FSModel, frozenset[str]]:
        if self._fitted is not None:
            return self._fitted
        if self._last is not None:
            return self._last[0], self._last[1], self._last[2]
        raise ConfigurationError("the graph needs trained weights: call resolver.fit(records) first")


class _Scorer:
    """``engine.score`` of many pairs at once: one weight per distinct pattern (prior
    included) plus the term-frequency terms, as arrays (:class:`_TfVector`, checked against
    ``tf_correction`` on the first pairs; pair by pair on any difference). Shared by the
    fuzzy and the deterministic links."""

    def __init__(
        self,
        engine: Engine,
        model: FSModel,
        pats: Sequence[tuple[int, ...]],
        interned: Sequence[Interned] | None,
    ) -> None:
        import numpy as np

        self.model = model
        self.pats = pats
        self.pw = [model.prior + model.pattern_weight(p) for p in pats]
        self.pw_arr = np.array(self.pw, dtype=np.float64)
        adjust = engine.config.tf_adjustment
        self.tf_comps = [c for c, t in enumerate(model.tf) if t is not None] if adjust else []
        self.tf_vec = _TfVector(model, pats, self.tf_comps, interned) if self.tf_comps and interned else None

    def scores(self, pk: Any, ik: Any, vals: Sequence[list[Any]]) -> Any:
        """The scores of the pairs with pattern indexes ``pk`` and earlier records ``ik``."""
        import numpy as np

        if not self.tf_comps:
            return self.pw_arr[pk]
        if self.tf_vec is not None and self.tf_vec.check(pk, ik, vals):
            return self.pw_arr[pk] + self.tf_vec.corrections(pk, ik)
        tfc, pats, pw = self.model.tf_correction, self.pats, self.pw
        return np.array(
            [pw[p] + tfc(pats[p], vals[i]) for p, i in zip(pk.tolist(), ik.tolist(), strict=True)],
            dtype=np.float64,
        )


class _TfVector:
    """Term-frequency corrections of many pairs at once, as :meth:`FSModel.tf_correction` sums them.

    ``tf_correction(pattern, va)`` adds, comparator by comparator in order, the adjusted exact
    weight minus the plain one wherever the pattern's level is exact: one term per distinct
    value of each adjusted column, gathered by value id. Before it is trusted, :meth:`check`
    compares it with ``tf_correction`` itself on the first pairs (exact float equality);
    any difference and the caller scores pair by pair.
    """

    SAMPLE = 2000

    def __init__(
        self,
        model: FSModel,
        pats: Sequence[tuple[int, ...]],
        tf_comps: Sequence[int],
        interned: Sequence[Interned],
    ) -> None:
        import numpy as np

        self.model = model
        self.pats = pats
        self.parts: list[tuple[Any, Any, Any]] = []
        self.ok: bool | None = None
        for ci in tf_comps:
            ids, uniq = interned[ci].ids, interned[ci].uniq
            w0 = model.weights[ci][0]
            terms = [model.level_weight(ci, 0, v) - w0 for v in uniq]
            terms.append(model.level_weight(ci, 0, None) - w0)  # id -1: missing
            exact = np.array([model.tf_applies(p, ci) for p in pats], dtype=bool)
            self.parts.append((exact, np.array(terms, dtype=np.float64), ids))

    def corrections(self, pk: Any, ik: Any) -> Any:
        import numpy as np

        corr = np.zeros(pk.size, dtype=np.float64)
        for exact, terms, ids in self.parts:
            corr += np.where(exact[pk], terms[ids[ik]], 0.0)
        return corr

    def check(self, pk: Any, ik: Any, vals: Sequence[list[Any]]) -> bool:
        """Whether the array sums equal ``tf_correction`` (decided once, on the first pairs)."""
        if self.ok is None and pk.size:
            n = min(pk.size, self.SAMPLE)
            got = self.corrections(pk[:n], ik[:n]).tolist()
            pats = self.pats
            tfc = self.model.tf_correction
            self.ok = got == [
                tfc(pats[p], vals[i]) for p, i in zip(pk[:n].tolist(), ik[:n].tolist(), strict=True)
            ]
            if not self.ok:  # pragma: no cover - a model that corrects differently
                logger.info("term-frequency corrections scored pair by pair")
        return bool(self.ok)


def _conflict(engine: Engine, a: NormRecord, b: NormRecord) -> str | None:
    """What keeps ``a`` and ``b`` apart whatever their evidence (explain): the exclusive values
    of their constraints that differ, as the clustering reads them, in words; else None."""
    ca, cb = engine.constraints(a), engine.constraints(b)
    mine = (ca.exclusive if ca is not None else None) or {}
    theirs = (cb.exclusive if cb is not None else None) or {}
    for key, value in mine.items():
        other = theirs.get(key)
        if other is not None and other != value:
            if key == GENERATION:
                return f"generational suffixes differ ({value!r} vs {other!r}): two generations of one family"
            return f"exclusive field {key!r} differs ({value!r} vs {other!r})"
    return None


def _refused_because(a: NormRecord, b: NormRecord) -> str:
    """Why :meth:`Engine.deterministic_ok` refused a shared identifier, in words (explain)."""
    if not names_fit(a, b):
        return f"first names differ ({first_name_hint(a)!r} vs {first_name_hint(b)!r})"
    return f"surnames differ ({a.last!r} vs {b.last!r}) on a shared phone, which a household shares"


def _weak_because(value: str) -> str:
    """Why ``value`` is weak evidence (explain): which of the three guards applies."""
    from omnilink.identifiers import _is_role_local  # lazily, as the normalizer loads it

    return weak_reason(value, _is_role_local) or "shared by several people (seen with different first names)"


def _rebind(model: FSModel, engine: Engine) -> FSModel:
    """The model with the engine's comparators (which hold this run's weak-value set).

    ``dataclasses.replace`` keeps every other setting (guard and floor weights included) and
    reruns ``__post_init__``, which recomputes the weights for the new comparators.
    """
    return dataclasses.replace(model, comparators=engine.comparators, weights=[])
