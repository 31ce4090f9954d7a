"""Blocking: the keys that put records into the same block, and candidate pairs from blocks.

A pair is compared only when the two records share at least one key. Several keys are used,
so a typo in one field does not hide a match: strong identifiers, phonetic codes of names,
date of birth, postcode with name prefixes, email local parts, address prefixes.

Blocks are capped: only the first ``max_block`` records of a block (in input order) are paired
within it, so one huge block (a placeholder email, a very common surname code) cannot
explode into millions of pairs, and so the online graph, which sees records in the same
order, builds exactly the same pairs. All pairs are never built.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence

import jellyfish

from omnilink.identity._fields import FieldType
from omnilink.identity._normalize import NormRecord, nick_tables

__all__ = ["BlockingRule", "candidate_pairs", "default_rules", "record_keys"]

KeyFn = Callable[[NormRecord], Iterable[str]]


@functools.lru_cache(maxsize=1 << 16)
def _soundex(text: str) -> str:
    return jellyfish.soundex(text)


@functools.lru_cache(maxsize=1 << 16)
def _metaphone(text: str) -> str:
    return jellyfish.metaphone(text)


class BlockingRule:
    """A named key function; records with an equal key are compared."""

    def __init__(self, name: str, keys: KeyFn, prefixes: tuple[str, ...] | None = None) -> None:
        self.name = name
        self.keys = keys
        self.prefixes = prefixes
        """Every key of the rule starts with one of these (up to its first ``:``), when known:
        rules with disjoint prefixes never share a block, so their blocks can be built apart."""

    def __repr__(self) -> str:
        return f"BlockingRule({self.name!r})"


def _strong_keys(rec: NormRecord) -> Iterable[str]:
    for e in rec.emails:
        yield "e:" + e
    for p in rec.phones:
        yield "p:" + p
    for h in rec.handles:
        yield "h:" + h
        # The same name on another platform (x:emilymoore, instagram:emilymoore).
        bare = h.partition(":")[2]
        if len(bare) >= 6:
            yield "hb:" + bare
    for col, v in rec.externals:
        yield f"x:{col}:{v}"


def _name_keys(rec: NormRecord) -> Iterable[str]:
    return _name_keys_of(rec.first, rec.last)


@functools.lru_cache(maxsize=1 << 17)
def _name_keys_of(first: str | None, last: str | None) -> tuple[str, ...]:
    # Cached: a name pair recurs (62,514 distinct among 200,000 contacts), and a cached key
    # string also keeps its hash for the block table.
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


def _email_local_keys(rec: NormRecord) -> Iterable[str]:
    for e in rec.emails:
        local = e.rpartition("@")[0]
        if len(local) >= 5:
            yield "el:" + local


def _phone_tail_keys(rec: NormRecord) -> Iterable[str]:
    for p in rec.phones:
        if len(p) >= 9:
            yield "pt:" + p[-7:]


@functools.lru_cache(maxsize=1 << 16)
def _formal_names(first: str) -> tuple[str, ...]:
    """The formal names a nickname stands for (chuck -> charles), at most four, in a stable order."""
    return tuple(sorted(nick_tables()[1].get(first, ())))[:4]


def _columns_of(fields: dict[str, FieldType], *types: FieldType) -> list[str]:
    return [c for c, t in fields.items() if t in types]


def default_rules(fields: dict[str, FieldType]) -> list[BlockingRule]:
    """Blocking rules for the columns present."""
    rules = [
        BlockingRule("strong-identifier", _strong_keys, ("e:", "p:", "h:", "hb:", "x:")),
        BlockingRule("name-phonetic", _name_keys, ("sl:", "mf:", "fl2:", "sw:")),
        BlockingRule("email-local-part", _email_local_keys, ("el:",)),
        BlockingRule("phone-last-7", _phone_tail_keys, ("pt:",)),
    ]
    dates = _columns_of(fields, FieldType.DATE)
    postcodes = _columns_of(fields, FieldType.POSTCODE)
    cities = _columns_of(fields, FieldType.CITY)
    exacts = _columns_of(fields, FieldType.EXACT)
    addresses = _columns_of(fields, FieldType.ADDRESS)

    if dates:
        # The whole date only. A date with a name part (the year and a surname's first letters,
        # the day and month and an initial) had made 30% of the candidate pairs at 200,000
        # contacts and found 4 of 208,000 links that no other key found; F1 on FEBRL3/4 and
        # on 20,000 to 1,000,000 contacts was unchanged without them.
        def date_keys(rec: NormRecord) -> Iterable[str]:
            for c in dates:
                d = rec.values.get(c)
                if d:
                    yield f"d:{c}:{d}"

        rules.append(BlockingRule("date", date_keys, ("d:",)))
    if postcodes or cities:
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

        rules.append(BlockingRule("place-and-name", place_keys, ("pf:", "pl:", "pj:", "pk:", "pn:")))
    if exacts:

        def code_keys(rec: NormRecord) -> Iterable[str]:
            for c in exacts:
                v = rec.values.get(c)
                # Long codes only (national ids): a state or a gender says nothing on its own.
                if v and len(v) >= 5:
                    yield f"c:{c}:{v}"

        rules.append(BlockingRule("code", code_keys, ("c:",)))
    if addresses:

        def address_keys(rec: NormRecord) -> Iterable[str]:
            parts = [rec.values.get(c) for c in addresses]
            text = " ".join(p for p in parts if p)
            if not text:
                return
            words = [w for w in text.split(" ") if not w.isdigit()]
            if words and rec.first:
                yield f"a:{_metaphone(words[0])}:{rec.first[:1]}"
            if words and rec.last:
                yield f"al:{_soundex(words[0])}:{rec.last[:1]}"

        rules.append(BlockingRule("address", address_keys, ("a:", "al:")))
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
