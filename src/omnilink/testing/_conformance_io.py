"""The conformance kit's I/O tripwire: proves a send flow does no network I/O itself.

While :func:`io_tripwire` is installed, the usual ways out of the process (``socket.connect``,
``socket.create_connection``, ``socket.getaddrinfo`` and httpx's transports) are wrapped. The
wrappers do nothing unless the *current thread* is inside :func:`flow_code`, the window in which
the kit calls ``send_flow`` or advances the generator; there, the attempt is recorded and refused.
Drivers (the client's HTTP transport, an Operation's ``run``) run outside that window, so they
work normally, and other threads (a test SMTP server) are never affected.
"""

from __future__ import annotations

import contextlib
import functools
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx

__all__ = ["FlowIOError", "flow_code", "io_attempts", "io_tripwire"]

_state = threading.local()
_lock = threading.Lock()
_installed = 0
_saved: list[tuple[Any, str, bool, Any]] = []
_attempts: list[str] = []


class FlowIOError(RuntimeError):
    """Raised in place of the I/O a send flow tried to perform itself."""


def _targets() -> list[tuple[Any, str]]:
    return [
        (socket.socket, "connect"),
        (socket.socket, "connect_ex"),
        (socket, "create_connection"),
        (socket, "getaddrinfo"),
        (httpx.HTTPTransport, "handle_request"),
        (httpx.AsyncHTTPTransport, "handle_async_request"),
        (httpx.MockTransport, "handle_request"),
        (httpx.MockTransport, "handle_async_request"),
    ]


def _wrap(owner: Any, attr: str, original: Callable[..., Any]) -> Callable[..., Any]:
    what = f"{getattr(owner, '__name__', owner)}.{attr}"

    @functools.wraps(original)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if getattr(_state, "depth", 0):
            _attempts.append(what)
            raise FlowIOError(
                f"send_flow called {what}() itself; a flow must only yield httpx.Request or "
                "Operation objects and let the client perform the I/O"
            )
        return original(*args, **kwargs)

    return guarded


@contextlib.contextmanager
def io_tripwire() -> Iterator[None]:
    """Install the wrappers (re-entrant); they are removed when the outermost block exits."""
    global _installed
    with _lock:
        if _installed == 0:
            _attempts.clear()
            for owner, attr in _targets():
                own = attr in vars(owner)
                original = getattr(owner, attr)
                _saved.append((owner, attr, own, vars(owner).get(attr)))
                setattr(owner, attr, _wrap(owner, attr, original))
        _installed += 1
    try:
        yield
    finally:
        with _lock:
            _installed -= 1
            if _installed == 0:
                while _saved:
                    owner, attr, own, value = _saved.pop()
                    if own:
                        setattr(owner, attr, value)
                    else:
                        delattr(owner, attr)


@contextlib.contextmanager
def flow_code() -> Iterator[None]:
    """Mark the current thread as running send-flow code: I/O attempts are refused."""
    _state.depth = getattr(_state, "depth", 0) + 1
    try:
        yield
    finally:
        _state.depth -= 1


def io_attempts() -> list[str]:
    """The I/O calls refused since the tripwire was installed (even ones a flow swallowed)."""
    return list(_attempts)
