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

__all__ = ["YOUNG_COLLECT_MIN", "gc_paused"]


class _Pause:
    """The count of runs inside :func:`gc_paused` and what the collector was before the first."""

    def __init__(self) -> None:
        # Re-entrant: a collection made while it is held may run finalizers, and one of them
        # could start a run of its own in this thread.
        self.lock = threading.RLock()
        self.depth = 0
        self.was_enabled = False
        self.old = 0
        """Objects runs had left when the last full collection was made here."""
        self.pending = 0
        """Objects runs have left since then."""


# Young objects left by a run above which it moves them on itself (see _settle).
YOUNG_COLLECT_MIN = 50_000

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
                _settle()
                gc.enable()


def _settle() -> None:
    """Move what a run left young to the old generation, the way the collector would have.

    Left young, it is walked all at once by the next collection, a few thousand allocations
    later in the caller's code: the first ``IdentityGraph.add`` after loading 60,000 records
    took 0.9 s. A young collection here moves it on. The collector also runs a *full*
    collection once the objects moved to the old generation since the last one exceed a
    quarter of it; that is done here too, so it does not land on the caller's next call
    either. A small run (a few rows) leaves little behind and is left to the collector: a
    full collection would walk the caller's whole heap.
    """
    young = gc.get_count()[0]  # tracked objects made and not freed since the pause began
    if young <= YOUNG_COLLECT_MIN:
        return
    if _PAUSE.pending + young > _PAUSE.old // 4:
        gc.collect()
        # What runs moved to the old generation (the caller's own objects are not counted, so
        # this errs towards collecting early, which only costs time).
        _PAUSE.old += _PAUSE.pending + young
        _PAUSE.pending = 0
    else:
        gc.collect(1)
        _PAUSE.pending += young
