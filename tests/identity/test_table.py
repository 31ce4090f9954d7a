"""The record table (``_table.RecordTable``) and the comparator columns made from it: each
comparator's ``input_ids`` says which records' values are equal, so ``value`` runs once per
distinct input; the column must be ``[value(r) for r in records]`` all the same."""

from __future__ import annotations

from typing import Any

import pytest

from omnilink.identity._comparators import Comparator, FirstNameComparator
from omnilink.identity._engine import build_comparators
from omnilink.identity._normalize import NormRecord
from omnilink.identity._pairs import column_by_inputs
from omnilink.identity._table import Multi, RecordTable

from ._data import FIELDS, messy_records


@pytest.mark.parametrize("seed", [1, 6])
def test_every_comparator_column_from_inputs_is_its_value_column(seed: int) -> None:
    records = messy_records(3000, seed, FIELDS)
    table = RecordTable(records)
    comparators = build_comparators(FIELDS, set())
    assert len(comparators) >= 12
    for comp in comparators:
        input_ids = comp.input_ids(table)
        assert input_ids is not None, comp.name
        column, ids, uniq = column_by_inputs(comp.value, records, input_ids)
        want = [comp.value(r) for r in records]
        assert column == want, comp.name
        # ids: -1 exactly where there is no value, and one id never stands for two values
        assert [k < 0 for k in ids.tolist()] == [v is None for v in want], comp.name
        held: dict[int, Any] = {}
        for k, v in zip(ids.tolist(), want, strict=True):
            if k >= 0:
                assert held.setdefault(k, v) == v, comp.name
        assert len(uniq) >= 1, comp.name


def test_a_subclass_that_reads_records_its_own_way_is_read_record_by_record() -> None:
    class Reversed(FirstNameComparator):
        def value(self, rec: NormRecord) -> Any:
            return (rec.first[::-1], rec.last) if rec.first else None

    class Restated(FirstNameComparator):
        def value(self, rec: NormRecord) -> Any:
            return super().value(rec)

        input_ids = FirstNameComparator.input_ids

    table = RecordTable([NormRecord(index=0, rid="a", first="ann")])
    assert Reversed().input_ids(table) is None
    assert Restated().input_ids(table) is not None
    assert Comparator().input_ids(table) is None


def test_tuple_ids_are_value_ids_for_one_value_and_shared_by_equal_tuples() -> None:
    m = Multi([("a",), (), ("b", "a"), ("a",), ("b", "a"), ("a", "b"), ("b",)])
    assert m.values == ["a", "b"]
    assert m.recs.tolist() == [0, 2, 2, 3, 4, 4, 5, 5, 6]
    ids = m.tuple_ids().tolist()
    assert ids[0] == ids[3] == 0  # ("a",): the id of "a"
    assert ids[6] == 1
    assert ids[1] == -1
    assert ids[2] == ids[4] != ids[5]
    assert min(ids[2], ids[5]) >= 2


@pytest.mark.parametrize(("seed", "max_block"), [(2, 25), (3, 2)])
def test_deterministic_candidates_from_arrays_equal_record_by_record(seed: int, max_block: int) -> None:
    """The strong values' holders, the attempts and the name guard, from the table: the same
    candidates, in the same order, with the same reasons, as one record at a time."""
    import dataclasses

    from omnilink.identity import Resolver
    from omnilink.identity._engine import Engine, SharedTracker
    from omnilink.identity._resolver import _det_candidate_arrays, _det_candidates

    records = messy_records(4000, seed, FIELDS)
    named = [r for r in records if r.first and r.last and r.first != r.last and (r.emails or r.phones)]
    for r in named[:150]:  # the same people with their names in the other order (Wei Wang)
        records.append(
            dataclasses.replace(r, index=len(records), rid=f"{r.rid}-swapped", first=r.last, last=r.first)
        )
    config = dataclasses.replace(Resolver()._config([dict.fromkeys(FIELDS)]), max_block=max_block)
    engine = Engine(config)
    tracker = SharedTracker(engine.weak, config.shared_after)
    for rec in records:
        tracker.see(rec)
    assert engine.weak  # household phones, role mailboxes: values that must not count
    want = _det_candidates(engine, records)
    got = _det_candidate_arrays(engine, RecordTable(records))
    assert got == want
    assert len(want[3]) > 100
    assert {"email", "phone", "handle", "external_id:crm_id"} <= set(want[3])
    assert len(set(want[2])) < len(want[3])  # some attempts found no candidate past the guard
    assert any(records[j].rid == f"{records[i].rid}-swapped" for i, j in zip(want[0], want[1], strict=True))


@pytest.mark.parametrize("seed", [2, 5])
def test_shared_values_from_the_table_on_contacts(seed: int) -> None:
    """Generated contacts (households, role mailboxes, several emails, nameless records): the
    values the tracker makes shared, record by record, are the ones read off the table."""
    from omnilink.identity import Resolver
    from omnilink.identity._engine import Engine, SharedTracker, shared_values

    records = messy_records(4000, seed, FIELDS)
    config = Resolver()._config([dict.fromkeys(FIELDS)])
    weak = set(Engine(config).weak) | {e for r in records[:50] for e in r.emails}  # some known already
    tracker = SharedTracker(set(weak), config.shared_after)
    for rec in records:
        tracker.see(rec)
    want = sorted(tracker.weak - weak)
    assert len(want) > 20
    assert sorted(shared_values(RecordTable(records), weak, config.shared_after)) == want
