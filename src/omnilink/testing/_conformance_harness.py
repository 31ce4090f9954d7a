"""The hooks a plugin author fills in for the conformance kit (see :mod:`omnilink.testing.conformance`)."""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal

import httpx

from omnilink.channels import Channel, Operation
from omnilink.models import Attachment, Message, TemplateRef
from omnilink.webhooks import DEFAULT_MAX_BODY_BYTES, WebhookRequest

__all__ = [
    "OUTCOMES",
    "RETRY_AFTER",
    "ChannelHarness",
    "ConformanceClock",
    "ConformanceFailure",
    "NotApplicable",
    "Outcome",
]

Outcome = Literal["ok", "server_error", "auth_error", "rate_limited", "rejected", "timeout"]
"""What the provider should answer to one send attempt:

* ``ok``: the message is accepted (the provider's documented success response);
* ``server_error``: a transient provider failure (HTTP 5xx; SMTP 451);
* ``auth_error``: the credentials are refused (HTTP 401/403; SMTP 535);
* ``rate_limited``: too many requests (HTTP 429 asking to retry after :attr:`ChannelHarness.retry_after`);
* ``rejected``: the provider refuses this recipient (invalid number, opted out, unknown mailbox);
* ``timeout``: no answer in time (for HTTP the kit simulates it, and a connection error too;
  an Operation must raise :class:`~omnilink.ProviderTimeoutError`).
"""

OUTCOMES: tuple[Outcome, ...] = ("ok", "server_error", "auth_error", "rate_limited", "rejected", "timeout")

RETRY_AFTER = 7
"""The delay, in seconds, the default ``rate_limited`` response asks for (``Retry-After: 7``)."""


class ConformanceFailure(AssertionError):
    """A conformance check failed; the message says what the channel did and what to change."""


class NotApplicable(Exception):
    """Raise from a hook to say that a situation does not exist for this channel.

    The check that needed it is skipped (reported as skipped, with your reason), not failed.
    """


class ConformanceClock:
    """A settable clock for webhook timestamps (replay-window tests).

    It starts at the real time. Sign your example webhooks at ``clock()``; if your channel takes a
    clock setting (``now=``), pass the same object so the kit can move time for both.
    """

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a1e90000000049454e44ae426082"
)


class ChannelHarness:
    """The hooks the conformance kit calls: subclass this (or :class:`ChannelConformance`) and fill them in.

    Required: :attr:`recipient` and :meth:`make_channel`. HTTP channels implement :meth:`respond`;
    Operation-based channels (SMTP...) implement :meth:`run_operation` / :meth:`arun_operation`.
    Webhook checks run when :meth:`signed_webhooks` returns examples. Checks whose situation
    cannot arise for a channel are skipped when a hook raises :class:`NotApplicable`.
    """

    recipient: str
    """An address this channel sends to (``"+14155550100"``, ``"ada@example.com"``...)."""

    other_recipient: str | None = None
    """A second address, different from :attr:`recipient`, for the check that each send goes to its
    own recipient. None derives one: an email address with ``-2`` added to its local part, any
    other address (a phone number, a chat or channel id, a handle) with its last ASCII letter or
    digit moved on by one (``C024BE91L`` -> ``C024BE91M``). Set it when the provider's double
    would refuse such an address, or when the address has no letter or digit to change."""

    webhook_secret: str = "omnilink-conformance-secret"  # noqa: S105 - a test value, not a credential
    """The webhook signing secret: configure the channel with it in :meth:`make_channel`."""

    wrong_webhook_secret: str = "omnilink-conformance-other-secret"  # noqa: S105 - a test value
    """A secret the channel does not have; examples signed with it must be refused."""

    retry_after: float | None = RETRY_AFTER
    """The whole seconds your ``rate_limited`` answer asks to wait; None if the provider never says."""

    webhook_replay_window: float | None = None
    """Seconds a signed webhook stays valid, if the scheme carries a timestamp (enables the replay check)."""

    webhook_signs_body: bool = True
    """Whether the webhook scheme signs the body. False for a shared secret sent as it is (Telegram's
    ``X-Telegram-Bot-Api-Secret-Token``): a flipped body byte cannot be detected, so the tampered
    body check is skipped, and the other webhook checks still run."""

    max_webhook_bytes: int = DEFAULT_MAX_BODY_BYTES
    """The largest webhook body the channel parses; one byte more must raise WebhookPayloadError."""

    operation_timeout: float = 5.0
    """The timeout the default :meth:`run_operation` passes to ``Operation.run``."""

    known_failures: ClassVar[Mapping[str, str]] = {}
    """Check name -> reason, for checks known to fail (reported as xfail; a fixed one fails loudly)."""

    # --- required ------------------------------------------------------------------------------

    def make_channel(self) -> Channel:
        """A configured channel instance (a fresh one per call), signing secret :attr:`webhook_secret`."""
        raise ConformanceFailure(
            f"{type(self).__name__} must implement make_channel() -> Channel, returning a configured "
            "instance of the channel under test"
        )

    # --- sending -------------------------------------------------------------------------------

    def respond(self, request: httpx.Request, outcome: Outcome) -> httpx.Response:
        """The provider's answer to ``request`` for ``outcome`` (HTTP channels).

        Build it in the provider's documented shape. The default covers the generic HTTP cases
        (503, 401, 429 with ``Retry-After``) and must be overridden for ``ok`` and ``rejected``;
        call ``super().respond(request, outcome)`` for the cases you do not specialise.
        """
        if outcome == "server_error":
            return httpx.Response(503, json={"error": "service unavailable (omnilink conformance)"})
        if outcome == "auth_error":
            return httpx.Response(401, json={"error": "invalid credentials (omnilink conformance)"})
        if outcome == "rate_limited":
            headers = {} if self.retry_after is None else {"Retry-After": f"{self.retry_after:.0f}"}
            return httpx.Response(429, headers=headers, json={"error": "too many requests"})
        raise ConformanceFailure(
            f"{type(self).__name__}.respond(request, {outcome!r}) is not implemented: return the "
            f"provider's documented response for {outcome!r} to {request.method} {request.url} "
            "(raise NotApplicable if the provider has no such answer)"
        )

    def run_operation(self, operation: Operation, outcome: Outcome) -> Any:
        """Perform ``operation`` so that it ends in ``outcome`` (non-HTTP channels).

        Point the channel at a test backend (a local SMTP server...) told to answer with
        ``outcome``, then return ``operation.run(timeout=...)``; the operation must raise the
        mapped :class:`~omnilink.ProviderError`. The default runs it as is for ``ok`` only.
        """
        if outcome != "ok":
            raise NotApplicable(
                f"override run_operation() to make a {type(operation).__name__} end in {outcome!r}"
            )
        return operation.run(timeout=self.operation_timeout)

    async def arun_operation(self, operation: Operation, outcome: Outcome) -> Any:
        """The asynchronous twin of :meth:`run_operation` (what :class:`~omnilink.AsyncClient` calls)."""
        if outcome != "ok":
            raise NotApplicable(
                f"override arun_operation() to make a {type(operation).__name__} end in {outcome!r}"
            )
        return await operation.arun(timeout=self.operation_timeout)

    def transmitted(self, operation: Operation, result: Any) -> bytes:
        """What ``operation`` delivered to the backend (e.g. the raw email a test server received).

        Used by the checks that read what was sent (the recipient, the text and its length,
        attachments, templates, subjects...); they are skipped without it. ``result`` is what the
        operation returned, or None when it raised (a failed attempt). HTTP channels need not
        implement it: the kit reads their requests.
        """
        raise NotApplicable(
            f"implement transmitted(operation, result) to let the kit inspect what a "
            f"{type(operation).__name__} sends"
        )

    def sample_message(self, channel: Channel) -> Message:
        """The plain message the sending checks send."""
        text = "Hello from the omnilink conformance kit"
        limit = channel.capabilities.max_body
        return Message(
            text=text if limit is None else text[:limit],
            subject="omnilink conformance" if channel.capabilities.subject else None,
        )

    def sample_attachment(self) -> Attachment:
        """The attachment the attachment check sends (inline data and a public URL)."""
        return Attachment(
            filename="omnilink-conformance.png",
            content_type="image/png",
            data=_PNG,
            url="https://example.com/omnilink-conformance.png",
        )

    def sample_template(self) -> TemplateRef:
        """The template the template check sends; its ``name`` must appear in the request."""
        return TemplateRef(name="omnilink_conformance", language="en", variables={"1": "Ada"})

    # --- webhooks ------------------------------------------------------------------------------

    def signed_webhooks(self, *, secret: str) -> Sequence[WebhookRequest]:
        """Webhook requests as the provider posts them (inbound messages, status callbacks),
        signed with ``secret`` at ``self.webhook_clock()``. Empty: the webhook checks are skipped."""
        return ()

    def unsigned_webhook(self, request: WebhookRequest) -> WebhookRequest:
        """``request`` without its signature. The default drops every header but Content-Type;
        override it if the signature travels in the body or the URL."""
        kept = {k: v for k, v in request.headers.items() if k.lower() == "content-type"}
        return WebhookRequest(method=request.method, url=request.url, headers=kept, body=request.body)

    @functools.cached_property
    def webhook_clock(self) -> ConformanceClock:
        """The clock to sign examples with (and to give the channel, if it takes one)."""
        return ConformanceClock()
