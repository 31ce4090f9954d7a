"""Every blocking rule's array form (``BlockingRule.arrays``, the batch path) makes the blocks its
string form (``BlockingRule.keys``, the online graph) makes."""

from __future__ import annotations

from collections import defaultdict

import pytest

from omnilink.identity import FieldType, _pairs
from omnilink.identity._blocking import BlockingRule, default_rules
from omnilink.identity._normalize import NormRecord
from omnilink.identity._table import Column, RecordTable, dense, pack

from ._data import FIELDS, messy_records


def _string_blocks(rule: BlockingRule, records: list[NormRecord]) -> tuple[int, list[tuple[int, ...]]]:
    members: dict[str, list[int]] = defaultdict(list)
    for rec in records:
        if not rec.empty:
            for key in dict.fromkeys(rule.keys(rec)):
                members[key].append(rec.index)
    return len(members), sorted(tuple(m) for m in members.values())


def _array_blocks(rule: BlockingRule, table: RecordTable) -> tuple[int, list[tuple[int, ...]]]:
    rows = _pairs._table_rows(rule, table)
    assert rows is not None
    bids, recs, n_blocks = rows
    members: dict[int, list[int]] = defaultdict(list)
    for b, r in zip(bids.tolist(), recs.tolist(), strict=True):
        members[b].append(r)
    assert len(members) == n_blocks
    return n_blocks, sorted(tuple(sorted(set(m))) for m in members.values())


@pytest.mark.parametrize("seed", [1, 2])
def test_every_array_form_makes_the_blocks_of_its_strings(seed: int) -> None:
    records = messy_records(3000, seed, FIELDS)
    rules = default_rules(FIELDS)
    assert {r.name for r in rules} == {
        "strong-identifier",
        "name-phonetic",
        "email-local-part",
        "phone-last-7",
        "date",
        "place-and-name",
        "code",
        "address",
    }
    table = RecordTable(records)
    for rule in rules:
        got, want = _array_blocks(rule, table), _string_blocks(rule, records)
        assert got == want, rule.name
        assert want[0] > 10, rule.name  # the rule made blocks to compare


def test_cities_without_postcodes_block_with_name_prefixes_and_name_pairs() -> None:
    fields: dict[str, FieldType] = {c: t for c, t in FIELDS.items() if t is not FieldType.POSTCODE}
    records = messy_records(2000, 3, fields)
    (rule,) = [r for r in default_rules(fields) if r.name == "place-and-name"]
    assert _array_blocks(rule, RecordTable(records)) == _string_blocks(rule, records)
    assert any(k.startswith("pn:") for rec in records for k in rule.keys(rec))
    assert any(k.startswith("pf:") for rec in records for k in rule.keys(rec))


def test_a_colon_in_a_value_or_a_column_leaves_the_rule_to_its_strings() -> None:
    """``pf:{c}:{v}:{s}`` is the pair (v, s) only while neither holds a ':'."""
    fields = {"first_name": FieldType.FIRST_NAME, "last_name": FieldType.LAST_NAME, "city": FieldType.CITY}
    rec = NormRecord(index=0, rid="a", first="ann", last="lee", values={"city": "a:b"})
    (rule,) = [r for r in default_rules(fields) if r.name == "place-and-name"]
    assert rule.arrays is not None
    assert rule.arrays(RecordTable([rec])) is None
    odd = {"first_name": FieldType.FIRST_NAME, "dob:x": FieldType.DATE}
    (dates,) = [r for r in default_rules(odd) if r.name == "date"]
    assert dates.arrays is None


def test_pairs_from_arrays_equal_pairs_from_strings() -> None:
    records = messy_records(3000, 4, FIELDS)
    rules = default_rules(FIELDS)
    keys = [
        list(dict.fromkeys(k for rule in rules for k in rule.keys(r))) if not r.empty else [] for r in records
    ]
    want = _pairs.candidate_pair_arrays(keys, max_block=5)
    got = _pairs.rule_pair_arrays(rules, records, max_block=5)
    assert got[0].tolist() == want[0].tolist()
    assert got[1].tolist() == want[1].tolist()
    assert got[2] == want[2]
    assert got[2]["capped_blocks"] > 0


def test_columns_and_packed_keys() -> None:
    col = Column(["b", None, "a", "b"])
    assert col.ids.tolist() == [0, -1, 1, 0]
    assert col.values == ["b", "a"]
    upper = col.map(lambda v: None if v == "a" else v.upper())
    assert upper.ids.tolist() == [0, -1, -1, 0]
    assert upper.values == ["B"]
    ids, k = dense(pack((col.ids.clip(0), 2), (upper.ids.clip(0), 2)))
    assert k == 2
    assert ids.tolist()[0] == ids.tolist()[3]


def test_a_year_or_a_month_alone_is_no_date_key() -> None:
    """A year would block every record born in it that gives only its year: a block too big to
    tell anything, capped or compared pair by pair. Whole dates still key, in both forms."""
    rule = next(r for r in default_rules({"dob": FieldType.DATE}) if r.name == "date")
    records = [
        NormRecord(i, str(i), first="ann", last="lee", values={"dob": d})
        for i, d in enumerate(["1984", "1984", "198403", "198403", "19840307", "19840307"])
    ]
    # The date's block, and the date's with the surname's initial ("dl:").
    assert _string_blocks(rule, records) == (2, [(4, 5), (4, 5)])
    assert _array_blocks(rule, RecordTable(records)) == (2, [(4, 5), (4, 5)])


def test_a_date_with_the_surnames_initial_is_a_key_of_its_own() -> None:
    """A date held by more records than a block pairs (max_block) still pairs those of one
    surname initial: its block with the initial is small."""
    rule = next(r for r in default_rules({"dob": FieldType.DATE}) if r.name == "date")
    records = [
        NormRecord(0, "0", first="ann", last="lee", values={"dob": "19840307"}),
        NormRecord(1, "1", first="bob", last="stone", values={"dob": "19840307"}),
        NormRecord(2, "2", first="ann", last="leigh", values={"dob": "19840307"}),
        NormRecord(3, "3", first="cy", last=None, values={"dob": "19840307"}),
    ]
    got = [k for rec in records for k in rule.keys(rec) if k.startswith("dl:")]
    assert got == ["dl:dob:19840307:l", "dl:dob:19840307:s", "dl:dob:19840307:l"]
    blocks = (3, [(0, 1, 2, 3), (0, 2), (1,)])
    assert _string_blocks(rule, records) == blocks
    assert _array_blocks(rule, RecordTable(records)) == blocks
