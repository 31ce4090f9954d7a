"""``ForkedItems``: a child process's items arrive in order, and nothing is lost if it fails."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import pytest

from omnilink.identity._fork import ForkedItems


def _squares(parent: int, die_after: int | None = None) -> Iterator[tuple[int, int]]:
    for k in range(5):
        if die_after is not None and k == die_after and os.getpid() != parent:
            os._exit(3)  # the child dies mid-way (the parent never does)
        yield k, k * k


def test_items_come_from_the_child_in_order() -> None:
    parent = os.getpid()
    with ForkedItems(lambda: ((k, v, os.getpid()) for k, v in _squares(parent))) as forked:
        got = list(forked)
    assert [(k, v) for k, v, _ in got] == [(k, k * k) for k in range(5)]
    assert {pid for *_, pid in got} != {parent}  # made in another process


def test_a_background_child_runs_at_a_lower_priority() -> None:
    """``nice``: the child yields the core to this process (the resolver's critical path);
    this process's own priority is untouched."""
    here = os.nice(0)
    with ForkedItems(lambda: [(os.getpid(), os.nice(0))], nice=5) as forked:
        ((pid, niceness),) = list(forked)
    assert pid != os.getpid()
    assert niceness == min(here + 5, 19)
    assert os.nice(0) == here
    with ForkedItems(lambda: [os.nice(0)]) as forked:
        assert list(forked) == [here]


def test_without_fork_the_items_are_made_here() -> None:
    parent = os.getpid()
    with ForkedItems(lambda: ((k, os.getpid()) for k, _ in _squares(parent)), fork=False) as forked:
        got = list(forked)
    assert got == [(k, parent) for k in range(5)]


def test_a_child_that_dies_leaves_its_remaining_items_here(caplog: pytest.LogCaptureFixture) -> None:
    parent = os.getpid()
    with (
        caplog.at_level(logging.WARNING, logger="omnilink.identity._fork"),
        ForkedItems(lambda: _squares(parent, die_after=2)) as forked,
    ):
        got = list(forked)
    assert got == [(k, k * k) for k in range(5)]
    assert "failed" in caplog.text


def test_leaving_early_stops_the_child() -> None:
    parent = os.getpid()
    forked = ForkedItems(lambda: ((k, bytes(1 << 20)) for k, _ in _squares(parent)))
    first = next(iter(forked))
    assert first[0] == 0
    forked.close()
    assert forked._proc is None
