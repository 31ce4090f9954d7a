"""A second process for a batch run's share of per-record work, streamed back item by item.

The batch loops that build Python objects per record (blocking keys) cannot be sped up by
threads, so the records are split: a forked child takes one part and sends its results back
through a pipe while this process works on the other part. ``fork`` shares the parent's
records copy-on-write, so nothing but the results crosses the pipe.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from types import TracebackType
from typing import Any, Generic, TypeVar

__all__ = ["PARALLEL_MIN_RECORDS", "ForkedItems", "worth_forking"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

PARALLEL_MIN_RECORDS = 50_000
"""Below this many records a batch step stays in this process: a second one costs more than
it saves."""


def worth_forking(workers: int, n_records: int) -> bool:
    """Whether a batch step over ``n_records`` records hands a share to a forked child (the one
    rule for every :class:`ForkedItems` user)."""
    return workers >= 2 and n_records >= PARALLEL_MIN_RECORDS


def _child(make: Callable[[], Iterable[Any]], conn: Any, nice: int) -> None:
    if nice:
        with contextlib.suppress(OSError):  # a sandbox may refuse: the work is the same
            os.nice(nice)
    for item in make():
        conn.send((True, item))
    conn.send((False, None))  # the end: a closed pipe without it means the child failed
    conn.close()


class ForkedItems(Generic[T]):
    """The items of ``make()``, computed in a forked child process and read here in order.

    The child starts at once, so it works while this process does its own share. ``make``
    must give the same items every time it is called: if the child cannot be started (no
    ``fork``) or dies, the items it did not deliver are made here, with a warning, and the
    result is the same. Use it as a context manager so the child is always reaped.

    ``nice`` lowers the child's scheduling priority by that much: for work that runs beside
    this process's own and is not waited for until later, so that where cores are fewer than
    runnable processes this process, the critical path, keeps its core.
    """

    def __init__(self, make: Callable[[], Iterable[T]], *, fork: bool = True, nice: int = 0) -> None:
        self._make = make
        self._conn: Any = None
        self._proc: Any = None
        self._finished = False
        if not fork or "fork" not in multiprocessing.get_all_start_methods():
            return
        ctx = multiprocessing.get_context("fork")
        parent, child = ctx.Pipe(duplex=False)
        try:
            proc = ctx.Process(target=_child, args=(make, child, nice), daemon=True)
            proc.start()
        except OSError:  # pragma: no cover - fork refused (memory): the items are made here
            parent.close()
            return
        finally:
            child.close()
        self._conn, self._proc = parent, proc

    def __iter__(self) -> Iterator[T]:
        received = 0
        if self._conn is not None:
            while True:
                try:
                    more, item = self._conn.recv()
                except (EOFError, OSError):  # pragma: no cover - the child died
                    logger.warning("batch worker process failed; finishing its share in-process")
                    break
                if not more:
                    self._finished = True
                    self.close()
                    return
                received += 1
                yield item
        self.close()
        yield from islice(self._make(), received, None)

    def close(self) -> None:
        """Stop and reap the child (if any)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._proc is not None:
            if not self._finished:  # left early (an error here): its items are not wanted
                self._proc.terminate()
            with contextlib.suppress(Exception):
                self._proc.join(timeout=10)
            self._proc = None

    def __enter__(self) -> ForkedItems[T]:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
