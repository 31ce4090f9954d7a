"""Pausing Python's cyclic garbage collector while a batch run builds its indexes.

A batch run allocates millions of long-lived containers (records, tuples, index lists). Each
time enough of them pile up, CPython's collector walks *every* tracked object, so the walks
grow with the heap: at 1,000,000 contacts they took ~50 s of a ~175 s run. The run makes no
reference cycles that need collecting before it ends (reference counting frees its
temporaries), so the collector is switched off for its duration and restored afterwards.

The collector is process-wide, so the pause is counted: nested or concurrent runs (threads)
switch it off once and the last one out restores what it found. If the application itself
switched the collector off before the first run began, it stays off.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]


class _Pause:
    """The count of runs inside :func:`gc_paused` and what the collector was before the first."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.depth = 0
        self.was_enabled = False


# The collector is one per process, so what is known about pausing it must be too.
_PAUSE = _Pause()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Switch the cyclic garbage collector off inside the block; restore it on the way out."""
    with _PAUSE.lock:
        if _PAUSE.depth == 0:
            _PAUSE.was_enabled = gc.isenabled()
            gc.disable()
        _PAUSE.depth += 1
    try:
        yield
    finally:
        with _PAUSE.lock:
            _PAUSE.depth -= 1
            if _PAUSE.depth == 0 and _PAUSE.was_enabled:
                # Everything the run allocated is still young. Left so, a collection soon after
                # (a few thousand allocations later, in the caller's code) walks all of it at
                # once: the first IdentityGraph.add after loading 60,000 records took 0.9 s. One
                # full collection here moves the survivors to the old generation and records
                # its size, so it is walked again only after it has grown by a quarter.
                gc.collect()
                gc.enable()
