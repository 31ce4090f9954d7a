"""ResolveResult.links: a LinkTable, the links kept as columns and made as Links when read."""

from __future__ import annotations

import pickle

import pytest

from omnilink.identity import Link, Resolver
from omnilink.identity._types import LinkTable


def _prob(w: float) -> float:
    return w / 100


def _table() -> LinkTable:
    ids = ["r0", "r1", "r2", "r3"]
    return LinkTable(ids, [0, 2, 1], [1, 3, 3], [12.5, 7.0, 4.25], ["email", "fuzzy", "phone"], _prob)


EAGER = (
    Link("r0", "r1", 12.5, 0.125, "email"),
    Link("r2", "r3", 7.0, 0.07, "fuzzy"),
    Link("r1", "r3", 4.25, 0.0425, "phone"),
)


def test_reads_like_the_tuple_of_its_links() -> None:
    links = _table()
    assert len(links) == 3
    assert list(links) == list(EAGER)
    assert links == EAGER
    assert EAGER == links  # noqa: SIM300 - a tuple on the left: the reflected comparison
    assert links == list(EAGER)
    assert [links[k] for k in range(3)] == list(EAGER)
    assert links[-1] == EAGER[-1]
    assert links[1:] == EAGER[1:]
    assert links[::-1] == EAGER[::-1]
    assert links.index(EAGER[2]) == 2
    assert EAGER[1] in links
    with pytest.raises(IndexError):
        links[3]
    with pytest.raises(TypeError):
        hash(links)
    assert links != EAGER[:2]
    assert links != (*EAGER[:2], EAGER[0])
    assert links != "r0r1"
    assert repr(links) == "<LinkTable of 3 links>"


def test_columns_of_different_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="one value per link"):
        LinkTable(["a", "b"], [0], [1], [1.0, 2.0], ["email"], _prob)


def test_a_run_result_holds_links_that_pickle_and_compare() -> None:
    rows = [
        {"id": "a", "first_name": "Ann", "email": "ann.lee@gmail.com"},
        {"id": "b", "first_name": "Ann", "email": "annlee@gmail.com"},
        {"id": "c", "first_name": "Ann", "email": "annlee@gmail.com", "phone": "+14155552671"},
        {"id": "d", "first_name": "Zed", "email": "zed@yahoo.com"},
    ]
    res = Resolver().resolve(rows)
    assert isinstance(res.links, LinkTable)
    assert len(res.links) == res.stats["links"] == 2
    assert all(link.reason == "email" and 0 < link.probability <= 1 for link in res.links)
    assert {frozenset((link.a, link.b)) for link in res.links} <= {frozenset(p) for p in ("ab", "ac", "bc")}
    again = pickle.loads(pickle.dumps(res))  # noqa: S301 - our own bytes
    assert again == res
    assert again.links == res.links
    assert tuple(again.links) == tuple(res.links)


def test_columns_and_frames_hold_every_link_in_order() -> None:
    links = _table()
    cols = links.columns()
    assert cols == {
        "a": [x.a for x in EAGER],
        "b": [x.b for x in EAGER],
        "score": [x.score for x in EAGER],
        "probability": [x.probability for x in EAGER],
        "reason": [x.reason for x in EAGER],
    }
    pd = pytest.importorskip("pandas")
    frame = links.to_pandas()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.itertuples(index=False, name=None)) == [
        (x.a, x.b, x.score, x.probability, x.reason) for x in EAGER
    ]
    pl = pytest.importorskip("polars")
    assert links.to_polars().equals(pl.DataFrame(cols))


def test_a_frame_without_its_library_says_which_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from omnilink.exceptions import MissingDependencyError

    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now raises ImportError
    with pytest.raises(MissingDependencyError, match=r"LinkTable\.to_pandas"):
        _table().to_pandas()
