"""Blocking: the keys that put records into the same block, and candidate pairs from blocks.

A pair is compared only when the two records share at least one key. Several keys are used,
so a typo in one field does not hide a match: strong identifiers, phonetic codes of names,
date of birth, postcode with name prefixes, email local parts, address prefixes.

Blocks are capped: only the first ``max_block`` records of a block (in input order) are paired
within it, so one huge block (a placeholder email, a very common surname code) cannot
explode into millions of pairs, and so the online graph, which sees records in the same
order, builds exactly the same pairs. All pairs are never built.

Each rule has two forms: ``keys(record)``, the key strings of one record (the online graph,
and the definition), and ``arrays(table)``, the same blocks for a whole batch at once from a
:class:`~omnilink.identity._table.RecordTable`: a key is a pair of integers (the value's id,
the id of the name part), and what a key computes from a value runs once per distinct value.
The tests hold every array form to its string form.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from itertools import chain, starmap
from typing import TYPE_CHECKING, Any

import jellyfish

from omnilink.identity._fields import FieldType
from omnilink.identity._normalize import NormRecord, known_first_name, nick_tables, partial_date

if TYPE_CHECKING:
    from omnilink.identity._table import IntArray, RecordTable

__all__ = ["BlockingRule", "candidate_pairs", "default_rules", "record_keys"]

KeyFn = Callable[[NormRecord], Iterable[str]]

Part = tuple["IntArray", "IntArray"]
"""Rows of one key space: (a key per row, as any ``int64`` where equal keys are equal strings;
the row's record)."""

ArrayFn = Callable[["RecordTable"], "list[Part] | None"]
"""A rule's blocks for a whole batch: its key spaces (strings of one prefix and column each, so
two spaces never share a key), or None when the table cannot tell (the string form decides)."""


@functools.lru_cache(maxsize=1 << 16)
def _soundex(text: str) -> str:
    return jellyfish.soundex(text)


@functools.lru_cache(maxsize=1 << 16)
def _metaphone(text: str) -> str:
    return jellyfish.metaphone(text)


class BlockingRule:
    """A named key function; records with an equal key are compared."""

    def __init__(
        self, name: str, keys: KeyFn, prefixes: tuple[str, ...] | None = None, arrays: ArrayFn | None = None
    ) -> None:
        self.name = name
        self.keys = keys
        self.prefixes = prefixes
        """Every key of the rule starts with one of these (up to its first ``:``), when known:
        rules with disjoint prefixes never share a block, so their blocks can be built apart."""
        self.arrays = arrays
        """The same keys for a whole batch (:data:`ArrayFn`), when the rule has that form."""

    def __repr__(self) -> str:
        return f"BlockingRule({self.name!r})"


# --- array forms: shared pieces ---------------------------------------------------------------


def _keyed(values: Sequence[Any], ids: IntArray, recs: IntArray, key: Callable[[Any], str | None]) -> Part:
    """The rows ``(key, record)`` of rows holding ``values[ids[k]]`` (``-1``: none), where a
    value's key is ``key(value)`` (None: no key), computed once per distinct value."""
    import numpy as np

    table: dict[str, int] = {}
    put = table.setdefault
    per_value = np.array(
        [-1 if (k := key(v)) is None else put(k, len(table)) for v in values] + [-1], dtype=np.int64
    )
    kid = per_value[ids]  # an id of -1 reads the last slot: no key
    keep = kid >= 0
    return kid[keep], recs[keep]


def _whole_date(d: Any) -> Any:
    return None if isinstance(d, str) and partial_date(d) else d


def _present(ids: IntArray) -> Part:
    """Rows of the records with a value: the value's id is the key (one string per value)."""
    import numpy as np

    rows = np.flatnonzero(ids >= 0)
    return ids[rows], rows


def _listed(per_value: Sequence[Sequence[str]], ids: IntArray) -> Part:
    """Rows ``(key, record)`` for every key string of each record's value (``ids``, one per
    record, ``-1``: none; ``per_value``: the key strings of each distinct value, in order)."""
    import numpy as np

    from omnilink.identity._table import expand

    counts = np.fromiter(map(len, per_value), dtype=np.int64, count=len(per_value))
    flat_keys = list(chain.from_iterable(per_value))
    number = {k: i for i, k in enumerate(dict.fromkeys(flat_keys))}
    flat = np.fromiter(map(number.__getitem__, flat_keys), dtype=np.int64, count=len(flat_keys))
    starts = np.cumsum(counts) - counts
    rows = np.flatnonzero(ids >= 0)
    got, at = expand(ids[rows], starts, counts, flat)
    return got, rows[at]


def _colon_free(columns: Iterable[str]) -> bool:
    """Whether no column name holds a ``:``: keys of one prefix and two columns, ``x:{col}:{v}``,
    could otherwise spell the same string (the array forms keep them apart, the strings not)."""
    return not any(":" in c for c in columns)


# --- the rules --------------------------------------------------------------------------------


def _bare(handle: str) -> str | None:
    """A handle without its platform, when long enough to stand for one person on any platform."""
    bare = handle.partition(":")[2]
    return bare if len(bare) >= 6 else None


def _external(pair: tuple[str, str]) -> str:
    col, v = pair
    return f"{col}:{v}"


def _strong_keys(rec: NormRecord) -> Iterable[str]:
    for e in rec.emails:
        yield "e:" + e
    for p in rec.phones:
        yield "p:" + p
    for h in rec.handles:
        yield "h:" + h
        # The same name on another platform (x:emilymoore, instagram:emilymoore).
        bare = _bare(h)
        if bare is not None:
            yield "hb:" + bare
    for pair in rec.externals:
        yield "x:" + _external(pair)


def _strong_arrays(t: RecordTable) -> list[Part]:
    e, p, h, x = t.emails, t.phones, t.handles, t.externals
    return [
        (e.ids, e.recs),
        (p.ids, p.recs),
        (h.ids, h.recs),
        _keyed(h.values, h.ids, h.recs, _bare),
        _keyed(x.values, x.ids, x.recs, _external),
    ]


def _name_keys(rec: NormRecord) -> Iterable[str]:
    return _name_part_keys(rec.first, rec.last, rec.middle)


def _name_arrays(t: RecordTable) -> list[Part]:
    names = t.name_parts
    return [_listed(list(starmap(_name_part_keys, names.values)), names.ids)]


def _name_part_keys(first: str | None, last: str | None, middle: str | None = None) -> tuple[str, ...]:
    """The name keys of a record, and for each middle word that is no first name (the first
    surname of "María García López", not the "Michael" of "John Michael Smith") the keys the
    record would have with it as the surname, so that "María García" shares a block."""
    keys = _name_keys_of(first, last)
    if middle and last:  # (a one-word full name's word is its first name: no other keys)
        for word in middle.split():
            if not known_first_name(word):
                keys += tuple(k for k in _name_keys_of(first, word) if k not in keys)
    return keys


@functools.lru_cache(maxsize=1 << 17)
def _name_keys_of(first: str | None, last: str | None) -> tuple[str, ...]:
    # Cached: a name pair recurs (62,514 distinct among 200,000 contacts), and a cached key
    # string also keeps its hash for the block table.
    # Keyed without spaces, so "De Luca" and "DeLuca", "Mary Ann" and "Maryann" (which the
    # comparators take for one name) share a block: "de luca" keys "fl2:...de " and "T LK".
    first = first.replace(" ", "") if first else first
    last = last.replace(" ", "") if last else last
    if last:
        if first:
            # No soundex-of-the-surname key beside these: at 20,000 to 200,000 contacts it made
            # a tenth of the candidate pairs and found no link the other keys missed (F1 on
            # contacts and FEBRL3/4 unchanged without it).
            return (
                f"mf:{_metaphone(first)}{_metaphone(last)[:3]}",
                f"fl2:{first[:3]}{last[:3]}",
                # Names swapped between the first and last name fields.
                "sw:" + "|".join(sorted((first, last))),
            )
        return (f"sl:{_soundex(last)}",)
    if first:
        return (f"mf:{_metaphone(first)}",)
    return ()


def _local_part(email: str) -> str | None:
    """An e-mail's local part, when long enough to be somebody's own (5 characters or more)."""
    local = email.rpartition("@")[0]
    return local if len(local) >= 5 else None


def _phone_tail(phone: str) -> str | None:
    """A phone's last 7 digits (numbers of 9 characters or more)."""
    return phone[-7:] if len(phone) >= 9 else None


def _derived_rule(name: str, prefix: str, field: str, derive: Callable[[str], str | None]) -> BlockingRule:
    """A rule keyed by ``derive`` of each value of a record's ``field`` (``emails``,
    ``phones``): an e-mail's local part, a phone's last digits."""

    def keys(rec: NormRecord) -> Iterable[str]:
        for value in getattr(rec, field):
            key = derive(value)
            if key is not None:
                yield prefix + key

    def arrays(t: RecordTable) -> list[Part]:
        m = getattr(t, field)
        return [_keyed(m.values, m.ids, m.recs, derive)]

    return BlockingRule(name, keys, (prefix,), arrays)


@functools.lru_cache(maxsize=1 << 16)
def _formal_names(first: str) -> tuple[str, ...]:
    """The formal names a nickname stands for (chuck -> charles), at most four, in a stable order."""
    return tuple(sorted(nick_tables()[1].get(first, ())))[:4]


def _columns_of(fields: dict[str, FieldType], *types: FieldType) -> list[str]:
    return [c for c, t in fields.items() if t in types]


def _long_code(code: str) -> str | None:
    # Long codes only (national ids): a state or a gender says nothing on its own.
    return code if len(code) >= 5 else None


def _address_keys_of(parts: tuple[str | None, ...], first: str | None, last: str | None) -> tuple[str, ...]:
    text = " ".join(p for p in parts if p)
    if not text:
        return ()
    words = [w for w in text.split(" ") if not w.isdigit()]
    out = []
    if words and first:
        out.append(f"a:{_metaphone(words[0])}:{first[:1]}")
    if words and last:
        out.append(f"al:{_soundex(words[0])}:{last[:1]}")
    return tuple(out)


def _place_rule(postcodes: list[str], cities: list[str]) -> BlockingRule:
    places = postcodes + cities
    # Name prefixes with a city only when the data has no postcode: with one, a city's
    # blocks (tens of times larger) added 9% of the candidate pairs at 20,000 contacts and
    # no link the postcode's keys missed. Decided once here, not per record.
    prefixed = frozenset(postcodes or cities)

    def place_keys(rec: NormRecord) -> Iterable[str]:
        for c in places:
            v = rec.values.get(c)
            if v:
                if rec.first and rec.last and c in prefixed:
                    yield f"pf:{c}:{v}:{rec.first[:3]}{rec.last[:1]}"
                    yield f"pl:{c}:{v}:{rec.last[:3]}{rec.first[:1]}"
                # One whole name and the postcode: a nickname with another initial
                # (Drew/Andrew, Hob/Robert) or a record that lacks the other name. Not
                # with a city: a city and a first name make blocks of thousands.
                if c in postcodes:
                    if rec.first:
                        yield f"pj:{c}:{v}:{rec.first}"
                        # A nickname meets its formal name (Chuck and Charles in one
                        # postcode, one of them without a surname).
                        for formal in _formal_names(rec.first):
                            yield f"pj:{c}:{v}:{formal}"
                    if rec.last:
                        yield f"pk:{c}:{v}:{rec.last}"
                elif not (rec.first and rec.last):
                    yield f"pn:{c}:{v}:{rec.first or ''}|{rec.last or ''}"

    def place_arrays(t: RecordTable) -> list[Part] | None:
        """``pf:{c}:{v}:{s}`` is the pair (id of ``v``, id of ``s``), as long as no value and
        no name holds a ``:`` (canonical places and names do not; None leaves a table that
        has one to the strings)."""
        import numpy as np

        from omnilink.identity._table import expand, pack

        first, last, names = t.first, t.last, t.names
        # First names and the formal names of nicknames share one vocabulary (pj keys).
        given = {name: k for k, name in enumerate(first.values)}
        formal = [[given.setdefault(f, len(given)) for f in _formal_names(name)] for name in first.values]
        spans = [list(first.values), list(given), last.values]
        places_of = {c: t.truthy(c) for c in places}
        if any(":" in s for vocab in (*spans, *(v.values for v in places_of.values())) for s in vocab):
            return None
        f_counts = np.array([len(x) for x in formal], dtype=np.int64)
        f_flat = np.array([k for x in formal for k in x], dtype=np.int64)
        f_starts = np.cumsum(f_counts) - f_counts
        s1 = names.map(lambda fl: fl[0][:3] + fl[1][:1] if fl[0] and fl[1] else None)
        s2 = names.map(lambda fl: fl[1][:3] + fl[0][:1] if fl[0] and fl[1] else None)
        pn = names.map(lambda fl: f"{fl[0] or ''}|{fl[1] or ''}")
        pn_ids = np.where(names.ids >= 0, pn.ids, len(pn.values))  # neither name: "|"
        has_first, has_last = first.ids >= 0, last.ids >= 0
        both = has_first & has_last
        parts: list[Part] = []
        for c in places:
            v = places_of[c]
            at_v = v.ids >= 0
            nv = len(v.values)
            if c in prefixed:
                rows = np.flatnonzero(at_v & both)
                for s in (s1, s2):
                    parts.append((pack((v.ids[rows], nv), (s.ids[rows], len(s.values))), rows))
            if c in postcodes:
                rows = np.flatnonzero(at_v & has_first)
                named, at = expand(first.ids[rows], f_starts, f_counts, f_flat)
                keys = np.concatenate((first.ids[rows], named))
                rows = np.concatenate((rows, rows[at]))
                parts.append((pack((v.ids[rows], nv), (keys, len(given))), rows))
                rows = np.flatnonzero(at_v & has_last)
                parts.append((pack((v.ids[rows], nv), (last.ids[rows], len(last.values))), rows))
            else:
                rows = np.flatnonzero(at_v & ~both)
                parts.append((pack((v.ids[rows], nv), (pn_ids[rows], len(pn.values) + 1)), rows))
        return parts

    return BlockingRule(
        "place-and-name",
        place_keys,
        ("pf:", "pl:", "pj:", "pk:", "pn:"),
        place_arrays if _colon_free(places) else None,
    )


def default_rules(fields: dict[str, FieldType]) -> list[BlockingRule]:
    """Blocking rules for the columns present."""
    rules = [
        BlockingRule("strong-identifier", _strong_keys, ("e:", "p:", "h:", "hb:", "x:"), _strong_arrays),
        BlockingRule("name-phonetic", _name_keys, ("sl:", "mf:", "fl2:", "sw:"), _name_arrays),
        _derived_rule("email-local-part", "el:", "emails", _local_part),
        _derived_rule("phone-last-7", "pt:", "phones", _phone_tail),
    ]
    dates = _columns_of(fields, FieldType.DATE)
    postcodes = _columns_of(fields, FieldType.POSTCODE)
    cities = _columns_of(fields, FieldType.CITY)
    exacts = _columns_of(fields, FieldType.EXACT)
    addresses = _columns_of(fields, FieldType.ADDRESS)

    if dates:
        # The whole date, and the whole date with the surname's initial. Broader name parts (the
        # year and a surname's first letters, the day and month and an initial) had made 30% of
        # the candidate pairs at 200,000 contacts and found 4 of 208,000 links that no other key
        # found. The initial keeps a date's block small when the date's own block is capped: at
        # 1,000,000 contacts a birth date is held by 25 records or more often enough that 1,195
        # missed pairs shared a date (and 1,087 of them the initial) and no block that was not
        # capped; with more records, every date's block is.
        # A year or a month alone (1984, 198403) is no key: it says too little to block on.
        def date_keys(rec: NormRecord) -> Iterable[str]:
            for c in dates:
                d = rec.values.get(c)
                if _whole_date(d):
                    yield f"d:{c}:{d}"
                    if rec.last:
                        yield f"dl:{c}:{d}:{rec.last[0]}"

        def date_arrays(t: RecordTable) -> list[Part]:
            import numpy as np

            from omnilink.identity._table import pack

            parts = []
            initial = t.last.map(lambda last: last[0])
            for c in dates:
                date = t.truthy(c).map(_whole_date)
                parts.append(_present(date.ids))
                rows = np.flatnonzero((date.ids >= 0) & (initial.ids >= 0))
                key = pack((date.ids[rows], len(date.values)), (initial.ids[rows], len(initial.values)))
                parts.append((key, rows))
            return parts

        rules.append(
            BlockingRule("date", date_keys, ("d:", "dl:"), date_arrays if _colon_free(dates) else None)
        )
    if postcodes or cities:
        rules.append(_place_rule(postcodes, cities))
    if exacts:

        def code_keys(rec: NormRecord) -> Iterable[str]:
            for c in exacts:
                v = rec.values.get(c)
                code = _long_code(v) if v else None
                if code is not None:
                    yield f"c:{c}:{code}"

        def code_arrays(t: RecordTable) -> list[Part]:
            import numpy as np

            cols = [t.value(c) for c in exacts]
            # (_long_code of an empty value is None: no key, as the strings' ``if v``.)
            return [_keyed(col.values, col.ids, np.arange(t.n), _long_code) for col in cols]

        rules.append(BlockingRule("code", code_keys, ("c:",), code_arrays if _colon_free(exacts) else None))
    if addresses:

        def address_keys(rec: NormRecord) -> Iterable[str]:
            return _address_keys_of(tuple(rec.values.get(c) for c in addresses), rec.first, rec.last)

        def address_arrays(t: RecordTable) -> list[Part]:
            from omnilink.identity._table import Column

            inputs = Column((tuple(r.values.get(c) for c in addresses), r.first, r.last) for r in t.records)
            return [_listed(list(starmap(_address_keys_of, inputs.values)), inputs.ids)]

        rules.append(BlockingRule("address", address_keys, ("a:", "al:"), address_arrays))
    return rules


def record_keys(rules: Sequence[BlockingRule], rec: NormRecord) -> list[str]:
    """Every blocking key of a record (deduplicated, in a stable order)."""
    if rec.empty:
        return []
    keys: dict[str, None] = {}
    for rule in rules:
        for k in rule.keys(rec):
            keys[k] = None
    return list(keys)


def candidate_pairs(
    keys_per_record: Sequence[Sequence[str]], *, max_block: int
) -> tuple[list[tuple[int, int]], dict[str, int]]:
    """Pairs ``(i, j)`` with ``i < j`` sharing a key, within the first ``max_block`` members of each block.

    Returns the pairs, ordered by ``j`` then ``i``, and statistics (blocks, capped blocks).
    """
    blocks: dict[str, list[int]] = {}
    seen: set[int] = set()
    n = len(keys_per_record)
    pairs: list[tuple[int, int]] = []
    capped = 0
    for j, keys in enumerate(keys_per_record):
        for key in keys:
            members = blocks.get(key)
            if members is None:
                blocks[key] = [j]
                continue
            if len(members) >= max_block:
                if len(members) == max_block:
                    capped += 1
                    members.append(-1)  # marks the block as capped, counted once
                continue
            for i in members:
                code = i * n + j
                if code not in seen:
                    seen.add(code)
                    pairs.append((i, j))
            members.append(j)
    return pairs, {"blocks": len(blocks), "capped_blocks": capped, "pairs": len(pairs)}
