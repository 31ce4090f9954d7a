"""The channel conformance kit: run omnilink's contract checks against your own channel plugin.

Two ways to run it, both gated by the capabilities the channel declares (a channel without
attachments is not tested for attachments):

* **with pytest**: subclass :class:`ChannelConformance` in a test module (name it ``Test...``),
  fill in its hooks, and every check becomes one test (``test_send_ok``,
  ``test_webhook_tampered_body_refused``...); checks that do not apply are skipped with the reason;
* **without classes**: :func:`check_channel` runs every check and raises one AssertionError
  listing each failure, like scikit-learn's ``check_estimator``.

>>> from omnilink.testing import FakeChannel
>>> report = check_channel(FakeChannel, recipient="+14155550100")
>>> report.passed[:2]
['protocol', 'capabilities']

See docs/plugins.md for a complete example with an HTTP channel.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from omnilink.channels import Channel, Operation
from omnilink.testing._conformance_checks import CHECKS, Check
from omnilink.testing._conformance_harness import (
    OUTCOMES,
    RETRY_AFTER,
    ChannelHarness,
    ConformanceClock,
    ConformanceFailure,
    NotApplicable,
    Outcome,
)
from omnilink.webhooks import WebhookRequest

__all__ = [
    "CHECKS",
    "OUTCOMES",
    "RETRY_AFTER",
    "ChannelConformance",
    "ChannelHarness",
    "Check",
    "ConformanceClock",
    "ConformanceFailure",
    "ConformanceReport",
    "NotApplicable",
    "Outcome",
    "check_channel",
    "run_check",
]


def run_check(harness: ChannelHarness, name: str) -> None:
    """Run one check by name (``"send_ok"``...); raises ConformanceFailure or NotApplicable."""
    for check in CHECKS:
        if check.name == name:
            check.func(harness)
            return
    raise KeyError(f"no conformance check named {name!r}; known: {[c.name for c in CHECKS]}")


def _fixed(reason: str) -> str:
    """What a check listed in ``known_failures`` that passes now is told (by both runners)."""
    return f"listed in known_failures ({reason!r}) but passes now; remove it from known_failures"


def _pytest_test(check: Check) -> Callable[[ChannelConformance], None]:
    def test(self: ChannelConformance) -> None:
        import pytest  # only needed when run by pytest

        reason = self.known_failures.get(check.name)
        try:
            check.func(self)
        except NotApplicable as exc:
            pytest.skip(f"{check.name}: {exc}")
        except AssertionError:
            if reason is None:
                raise
            pytest.xfail(f"known failure: {reason}")
        if reason is not None:
            pytest.fail(f"check {check.name!r} is {_fixed(reason)}")

    test.__name__ = test.__qualname__ = f"test_{check.name}"
    test.__doc__ = check.description
    return test


class ChannelConformance(ChannelHarness):
    """Subclass in a pytest module (``class TestMyChannel(ChannelConformance)``) and fill in the hooks
    of :class:`ChannelHarness`; each conformance check runs as one test.

    pytest makes a fresh instance per test, so hooks may keep per-test state on ``self``; an
    autouse fixture method can attach fixtures (a local SMTP server...) to ``self``.
    """


for _check in CHECKS:
    setattr(ChannelConformance, f"test_{_check.name}", _pytest_test(_check))
del _check


@dataclass(frozen=True, slots=True)
class ConformanceReport:
    """What :func:`check_channel` found: check names that passed, were skipped (with why), failed,
    or failed as the harness's ``known_failures`` expect (with the reason given there)."""

    passed: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    known: dict[str, str] = field(default_factory=dict)


class _FunctionHarness(ChannelHarness):
    """A harness built from plain callables (what :func:`check_channel` uses for a factory)."""

    def __init__(
        self,
        make_channel: Callable[[], Channel],
        *,
        recipient: str,
        respond: Callable[[httpx.Request, Outcome], httpx.Response] | None,
        run_operation: Callable[[Operation, Outcome], Any] | None,
        arun_operation: Callable[[Operation, Outcome], Awaitable[Any]] | None,
        signed_webhooks: Callable[[str], Sequence[WebhookRequest]] | None,
        options: dict[str, Any],
    ) -> None:
        self._make = make_channel
        self.recipient = recipient
        self._respond = respond
        self._run = run_operation
        self._arun = arun_operation
        self._signed = signed_webhooks
        for key, value in options.items():
            if not hasattr(ChannelHarness, key):
                raise TypeError(f"check_channel() got an unexpected option {key!r}")
            setattr(self, key, value)

    def make_channel(self) -> Channel:
        return self._make()

    def respond(self, request: httpx.Request, outcome: Outcome) -> httpx.Response:
        if self._respond is None:
            return super().respond(request, outcome)
        return self._respond(request, outcome)

    def run_operation(self, operation: Operation, outcome: Outcome) -> Any:
        if self._run is None:
            return super().run_operation(operation, outcome)
        return self._run(operation, outcome)

    async def arun_operation(self, operation: Operation, outcome: Outcome) -> Any:
        if self._arun is None:
            return await super().arun_operation(operation, outcome)
        return await self._arun(operation, outcome)

    def signed_webhooks(self, *, secret: str) -> Sequence[WebhookRequest]:
        return () if self._signed is None else self._signed(secret)


def check_channel(
    subject: ChannelHarness | Callable[[], Channel],
    /,
    *,
    recipient: str | None = None,
    respond: Callable[[httpx.Request, Outcome], httpx.Response] | None = None,
    run_operation: Callable[[Operation, Outcome], Any] | None = None,
    arun_operation: Callable[[Operation, Outcome], Awaitable[Any]] | None = None,
    signed_webhooks: Callable[[str], Sequence[WebhookRequest]] | None = None,
    checks: Collection[str] | None = None,
    **options: Any,
) -> ConformanceReport:
    """Run the conformance checks; raise one AssertionError listing every failure.

    ``subject`` is a :class:`ChannelHarness` (hooks as methods) or a channel factory; with a
    factory, give ``recipient`` and the hooks as callables (``signed_webhooks(secret)``) and any
    harness attribute as a keyword (``retry_after=None``, ``webhook_secret=...``). ``checks``
    limits the run to those check names. Returns the report when nothing failed.
    """
    if isinstance(subject, ChannelHarness):
        given = [recipient, respond, run_operation, arun_operation, signed_webhooks]
        if any(v is not None for v in given) or options:
            raise TypeError("pass hooks either on the ChannelHarness or as keywords with a factory, not both")
        harness = subject
    else:
        if recipient is None:
            raise TypeError("check_channel(factory, ...) needs recipient='...', an address to send to")
        harness = _FunctionHarness(
            subject,
            recipient=recipient,
            respond=respond,
            run_operation=run_operation,
            arun_operation=arun_operation,
            signed_webhooks=signed_webhooks,
            options=options,
        )
    if checks is not None:
        unknown = set(checks) - {c.name for c in CHECKS}
        if unknown:
            raise KeyError(f"unknown conformance checks {sorted(unknown)}; known: {[c.name for c in CHECKS]}")
    report = ConformanceReport()
    known_failures = getattr(harness, "known_failures", {})
    with _quiet_client():
        for check in CHECKS:
            if checks is not None and check.name not in checks:
                continue
            reason = known_failures.get(check.name)
            try:
                check.func(harness)
            except NotApplicable as exc:
                report.skipped[check.name] = str(exc)
            except Exception as exc:
                if reason is not None and isinstance(exc, AssertionError):  # as the pytest class does
                    report.known[check.name] = reason
                    continue
                kind = "" if isinstance(exc, AssertionError) else f"{type(exc).__name__}: "
                report.failed[check.name] = f"{kind}{exc}"
            else:
                if reason is not None:
                    report.failed[check.name] = _fixed(reason)
                    continue
                report.passed.append(check.name)
    if report.failed:
        lines = "\n".join(f"  - {name}: {why}" for name, why in report.failed.items())
        raise AssertionError(
            f"{len(report.failed)} of {len(report.failed) + len(report.passed)} conformance checks "
            f"failed:\n{lines}"
        )
    return report


@contextlib.contextmanager
def _quiet_client() -> Iterator[None]:
    """The client's warnings about the failures the checks simulate (one per failed send) are
    noise in a conformance run: they are held back while it runs, and the logger restored."""
    logger = logging.getLogger("omnilink.client")
    was = logger.disabled
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = was
