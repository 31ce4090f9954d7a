"""The online early exit reuses the levels it computed and still changes nothing."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from omnilink.identity import Resolver
from omnilink.identity._comparators import one_digit_apart

from ._data import contacts as _contacts


def test_levels_are_the_engine_pattern_when_not_pruned() -> None:
    rows = _contacts(1500, seed=3)
    graph = Resolver(id_field="id", region="US", region_field="country").fit(rows).graph()
    graph.add_many(rows)
    engine, bound, vals = graph._engine, graph._bound, graph._vals
    kept = 0
    for i in range(len(vals) - 1):
        for j in (i + 1, (i * 7919) % len(vals)):
            pat = bound.levels(vals[i], vals[j])
            if pat is not None:
                kept += 1
                assert pat == engine.pattern(vals[i], vals[j])
    assert kept


def _one_digit_apart_reference(a: str, b: str) -> bool:
    if len(a) != len(b) or a == b:
        return False
    diffs = [i for i in range(len(a)) if a[i] != b[i]]
    if len(diffs) == 1:
        return True
    return (
        len(diffs) == 2
        and diffs[1] == diffs[0] + 1
        and a[diffs[0]] == b[diffs[1]]
        and a[diffs[1]] == b[diffs[0]]
    )


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="0123", max_size=7), st.data())
def test_one_digit_apart_equals_the_plain_scan(a: str, data: st.DataObject) -> None:
    b = list(a)
    for _ in range(data.draw(st.integers(0, 3))):
        if len(b) > 0 and data.draw(st.booleans()):
            b[data.draw(st.integers(0, len(b) - 1))] = data.draw(st.sampled_from("0123"))
        elif len(b) > 1:
            i = data.draw(st.integers(0, len(b) - 2))
            b[i], b[i + 1] = b[i + 1], b[i]
    other = "".join(b) + data.draw(st.sampled_from(["", "", "", "1"]))
    assert one_digit_apart(a, other) == _one_digit_apart_reference(a, other)
