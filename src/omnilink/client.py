"""Client and AsyncClient: drive channels' send flows over httpx, with retries and idempotency.

Both clients share everything but the I/O: choosing the channel, checking the message against
its capabilities, splitting long bodies, the retry policy, and turning errors into results. Only
``_drive`` differs (``httpx.Client.send`` vs ``await httpx.AsyncClient.send``).

Retries: only :class:`~omnilink.ProviderError` with ``retryable=True`` is retried (429, 5xx, a
connection that was never made; a timeout or a dropped connection after the request went out only
on channels that declare ``idempotency_keys``); a ``Retry-After`` the provider sent wins over the
backoff; the same idempotency key is passed to every attempt so a provider that supports one never
sends twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
)

from omnilink.channels import Channel, Delivery, Operation, SendFlow
from omnilink.exceptions import (
    ChannelNotFoundError,
    ConfigurationError,
    InvalidMessageError,
    MessageTooLongError,
    ProviderError,
    ProviderTimeoutError,
    RecipientRejectedError,
    TransportError,
    UnsupportedFeatureError,
)
from omnilink.models import DeliveryStatus, Event, Identifier, Message, SendResult
from omnilink.webhooks import WebhookRequest

__all__ = ["AsyncClient", "Client", "RetryPolicy"]

logger = logging.getLogger(__name__)

Recipient = str | Identifier
T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """How often and how patiently to retry retryable provider errors.

    Waits grow as ``initial_backoff * 2**(attempt-1)``, capped at ``max_backoff``; a provider's
    ``Retry-After`` replaces the computed wait (capped at ``max_retry_after``, beyond which the
    error is returned rather than waited for).
    """

    attempts: int = 3
    initial_backoff: float = 0.5
    max_backoff: float = 30.0
    max_retry_after: float = 120.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ConfigurationError("RetryPolicy.attempts must be at least 1")

    def wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        if isinstance(exc, ProviderError) and exc.retry_after is not None:
            return min(exc.retry_after, self.max_retry_after)
        return float(min(self.initial_backoff * 2 ** (state.attempt_number - 1), self.max_backoff))

    def should_retry(self, exc: BaseException) -> bool:
        if not isinstance(exc, ProviderError) or not exc.retryable:
            return False
        return exc.retry_after is None or exc.retry_after <= self.max_retry_after


def _recipient(to: Recipient) -> str:
    return to.value if isinstance(to, Identifier) else to


def _split(text: str, limit: int) -> list[str]:
    """Split at whitespace where possible; never yields an empty part."""
    parts: list[str] = []
    text = text.strip()
    while len(text) > limit:
        cut = text.rfind(" ", 0, limit + 1)
        if cut <= 0:  # one word longer than the limit: cut it hard
            cut = limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        parts.append(text)
    return parts


@dataclass(slots=True, kw_only=True)
class _Send:
    """One send in progress: what both clients track while driving its parts."""

    channel: Channel
    recipient: str
    key: str
    parts: list[tuple[Message, str]]
    deliveries: list[Delivery] = field(default_factory=list)
    attempts: int = 0

    def flow(self, part: Message, part_key: str) -> SendFlow:
        self.attempts += 1
        return self.channel.send_flow(part, to=self.recipient, idempotency_key=part_key)

    def result(self, error: ProviderError | None = None) -> SendResult:
        name, deliveries = self.channel.name, self.deliveries
        if error is not None:
            status = (
                DeliveryStatus.REJECTED
                if isinstance(error, RecipientRejectedError)
                else DeliveryStatus.FAILED
            )
            logger.warning(
                "send on %s to %s failed after %d attempt(s): %s", name, self.recipient, self.attempts, error
            )
        else:
            status = deliveries[0].status if deliveries else DeliveryStatus.QUEUED
        ids = tuple(d.provider_message_id for d in deliveries if d.provider_message_id)
        return SendResult(
            channel=name,
            recipient=self.recipient,
            status=status,
            provider_message_id=ids[0] if ids else None,
            provider_message_ids=ids,
            idempotency_key=self.key,
            attempts=self.attempts,
            error=error,
            raw=[d.raw for d in deliveries]
            if len(deliveries) > 1
            else (deliveries[0].raw if deliveries else None),
        )


class _ClientBase:
    """Everything the sync and async clients share."""

    def __init__(self, *, channels: Iterable[Channel], retry: RetryPolicy, timeout: float) -> None:
        self._channels: dict[str, Channel] = {}
        for channel in channels:
            if channel.name in self._channels:
                raise ConfigurationError(
                    f"two channels are named {channel.name!r}; channel names must be unique"
                )
            self._channels[channel.name] = channel
        self.retry = retry
        self.timeout = timeout

    @property
    def channels(self) -> Sequence[str]:
        return tuple(self._channels)

    def channel(self, name: str) -> Channel:
        try:
            return self._channels[name]
        except KeyError:
            raise ChannelNotFoundError(name, available=list(self._channels)) from None

    def _plan(self, channel: Channel, message: Message | str) -> list[Message]:
        """Check the message against the channel and return the message(s) to send."""
        if isinstance(message, str):
            message = Message(text=message)
        if message.text is not None and not message.text.strip():
            # Blank text carries nothing, so it is no text: a message of it alone is refused below as
            # empty, and next to attachments, html or a template it is dropped. Kept, a blank body over
            # max_body was split into no parts at all: nothing was sent, and the send reported success.
            message = message.model_copy(update={"text": None})
        text = message.text
        if not text and message.template is None and not message.html and not message.attachments:
            raise InvalidMessageError(
                "the message is empty (no text, or text that is only whitespace): give it text, html, "
                "a template or attachments",
                channel=channel.name,
            )
        caps = channel.capabilities
        needs = {
            "attachments": bool(message.attachments) and not caps.attachments,
            "templates": message.template is not None and not caps.templates,
            "html": message.html is not None and message.text is None and not caps.html,
        }
        for feature, missing in needs.items():
            if missing:
                raise UnsupportedFeatureError(
                    f"channel {channel.name!r} does not support {feature}; "
                    "send a plain-text message or choose another channel",
                    channel=channel.name,
                    feature=feature,
                )
        if caps.max_attachments is not None and len(message.attachments) > caps.max_attachments:
            raise UnsupportedFeatureError(
                f"channel {channel.name!r} accepts at most {caps.max_attachments} attachments per message, "
                f"got {len(message.attachments)}",
                channel=channel.name,
                feature="attachment count",
            )
        inline = [a.filename for a in message.attachments if a.url is None]
        if caps.attachments_by_url and inline:
            raise UnsupportedFeatureError(
                f"channel {channel.name!r} sends attachments by public URL only (the provider fetches them); "
                f"{inline} carry inline data: upload them and pass Attachment(url=...)",
                channel=channel.name,
                feature="inline attachments",
            )
        if caps.max_attachment_bytes is not None:
            for att in message.attachments:
                if att.data is not None and len(att.data) > caps.max_attachment_bytes:
                    raise UnsupportedFeatureError(
                        f"attachment {att.filename!r} is {len(att.data)} bytes; channel {channel.name!r} "
                        f"accepts at most {caps.max_attachment_bytes}",
                        channel=channel.name,
                        feature="attachment size",
                    )
        if caps.max_body is None or text is None or len(text) <= caps.max_body:
            return [message]
        if caps.length_policy == "refuse":
            raise MessageTooLongError(
                f"the body is {len(text)} characters; channel {channel.name!r} accepts at most "
                f"{caps.max_body} and refuses longer bodies: shorten it",
                channel=channel.name,
                length=len(text),
                limit=caps.max_body,
            )
        parts = _split(text, caps.max_body)
        # Attachments travel with the first part only.
        return [
            message.model_copy(update={"text": part, "attachments": message.attachments if i == 0 else ()})
            for i, part in enumerate(parts)
        ]

    def _retrying_kwargs(self) -> dict[str, Any]:
        return {
            "stop": stop_after_attempt(self.retry.attempts),
            "wait": self.retry.wait,
            "retry": retry_if_exception(self.retry.should_retry),
            "reraise": True,
        }

    def _start(
        self, message: Message | str, *, to: Recipient, channel: str, idempotency_key: str | None
    ) -> _Send:
        ch = self.channel(channel)
        key = idempotency_key or uuid.uuid4().hex
        parts = self._plan(ch, message)
        # One key per part: a split body is several provider messages, each sent at most once.
        keyed = [(part, key if i == 0 else f"{key}-{i}") for i, part in enumerate(parts)]
        return _Send(channel=ch, recipient=_recipient(to), key=key, parts=keyed)

    def parse_webhook(self, channel: str, request: WebhookRequest, *, verify: bool = True) -> list[Event]:
        """Verify (unless ``verify=False``) and normalize a webhook addressed to ``channel``."""
        ch = self.channel(channel)
        if verify:
            ch.verify_webhook(request)
        return ch.parse_webhook(request)


def _delivery(channel: Channel, value: object) -> Delivery:
    if not isinstance(value, Delivery):
        raise TypeError(
            f"channel {channel.name!r}: send_flow returned {type(value).__name__}, not a Delivery; "
            "end the flow with `return Delivery(provider_message_id=..., status=...)`"
        )
    return value


# The request provably never reached the provider: always safe to retry.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def _wrap_request_error(exc: httpx.RequestError, channel: Channel, request: httpx.Request) -> ProviderError:
    """Map an httpx failure to our tree; retry it only when a retry cannot send twice."""
    if not isinstance(exc, httpx.TransportError):
        # DecodingError (a body that does not match its Content-Encoding) or TooManyRedirects: the
        # provider answered, so it very likely sent the message; a retry would send it again, and
        # even under an idempotency key it would most likely replay the same unreadable answer.
        return TransportError(
            f"the provider answered, but its answer could not be read: {exc!r} (not retried: the "
            "message may have been sent; check with the provider before sending it again)",
            provider=channel.name,
            request=request,
            retryable=False,
        )
    retryable = isinstance(exc, _NOT_SENT) or channel.capabilities.idempotency_keys
    hint = "" if retryable else " (not retried: the provider may have sent it, and takes no idempotency key)"
    if isinstance(exc, httpx.TimeoutException):
        return ProviderTimeoutError(
            f"no answer within the timeout ({type(exc).__name__}){hint}",
            provider=channel.name,
            request=request,
            retryable=retryable,
        )
    return TransportError(
        f"could not reach the provider: {exc!r}{hint}",
        provider=channel.name,
        request=request,
        retryable=retryable,
    )


class Client(_ClientBase):
    """Send messages and read webhooks, synchronously.

    >>> from omnilink.testing import FakeChannel
    >>> with Client(channels=[FakeChannel()]) as client:
    ...     client.send("hi", to="+14155550100", channel="fake").status.value
    'sent'
    """

    def __init__(
        self,
        *,
        channels: Iterable[Channel] = (),
        http: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(channels=channels, retry=retry or RetryPolicy(), timeout=timeout)
        self._owns_http = http is None
        self._http = http or httpx.Client(timeout=timeout)
        self._sleep = sleep

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def _drive(self, channel: Channel, flow: SendFlow) -> Delivery:
        try:
            step = next(flow)
            while True:
                if isinstance(step, httpx.Request):
                    try:
                        response = self._http.send(step)
                        response.read()
                    except httpx.RequestError as exc:
                        raise _wrap_request_error(exc, channel, step) from exc
                    step = flow.send(response)
                elif isinstance(step, Operation):
                    step = flow.send(step.run(timeout=self.timeout))
                else:
                    raise TypeError(f"channel {channel.name!r} yielded {type(step).__name__}, not a request")
        except StopIteration as stop:
            return _delivery(channel, stop.value)
        finally:
            flow.close()

    def send(
        self,
        message: Message | str,
        *,
        to: Recipient,
        channel: str,
        idempotency_key: str | None = None,
    ) -> SendResult:
        """Send ``message`` to one recipient on ``channel``.

        Provider failures do not raise: they come back as a result with ``ok`` False and the
        error attached (``result.raise_for_error()`` raises it). A message the channel cannot
        carry raises at once (:class:`~omnilink.UnsupportedFeatureError`,
        :class:`~omnilink.InvalidMessageError` for an empty one,
        :class:`~omnilink.MessageTooLongError`).
        """
        send = self._start(message, to=to, channel=channel, idempotency_key=idempotency_key)
        for part, part_key in send.parts:
            try:
                for attempt in Retrying(sleep=self._sleep, **self._retrying_kwargs()):
                    with attempt:
                        delivery = self._drive(send.channel, send.flow(part, part_key))
            except ProviderError as exc:
                return send.result(exc)
            send.deliveries.append(delivery)
        return send.result()

    def send_many(self, message: Message | str, *, to: Iterable[Recipient], channel: str) -> list[SendResult]:
        """Send to each recipient; one result per recipient, in order, whatever fails."""
        return [self.send(message, to=recipient, channel=channel) for recipient in to]


class AsyncClient(_ClientBase):
    """The asynchronous twin of :class:`Client`: same flows, same policy, ``await``-ed I/O."""

    def __init__(
        self,
        *,
        channels: Iterable[Channel] = (),
        http: httpx.AsyncClient | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 10.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        concurrency: int = 10,
    ) -> None:
        # Checked first, before an httpx client is made: Semaphore(0) would make send_many wait forever.
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise ConfigurationError(
                f"AsyncClient(concurrency={concurrency!r}): concurrency is how many sends of one send_many "
                "run at once, a whole number of at least 1 (the default is 10)"
            )
        super().__init__(channels=channels, retry=retry or RetryPolicy(), timeout=timeout)
        self._owns_http = http is None
        self._http = http or httpx.AsyncClient(timeout=timeout)
        self._sleep = sleep
        self._concurrency = concurrency

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def _drive(self, channel: Channel, flow: SendFlow) -> Delivery:
        try:
            step = next(flow)
            while True:
                if isinstance(step, httpx.Request):
                    try:
                        response = await self._http.send(step)
                        await response.aread()
                    except httpx.RequestError as exc:
                        raise _wrap_request_error(exc, channel, step) from exc
                    step = flow.send(response)
                elif isinstance(step, Operation):
                    step = flow.send(await step.arun(timeout=self.timeout))
                else:
                    raise TypeError(f"channel {channel.name!r} yielded {type(step).__name__}, not a request")
        except StopIteration as stop:
            return _delivery(channel, stop.value)
        finally:
            flow.close()

    async def send(
        self,
        message: Message | str,
        *,
        to: Recipient,
        channel: str,
        idempotency_key: str | None = None,
    ) -> SendResult:
        """Send ``message`` to one recipient; see :meth:`Client.send`."""
        send = self._start(message, to=to, channel=channel, idempotency_key=idempotency_key)
        for part, part_key in send.parts:
            try:
                async for attempt in AsyncRetrying(sleep=self._sleep, **self._retrying_kwargs()):
                    with attempt:
                        delivery = await self._drive(send.channel, send.flow(part, part_key))
            except ProviderError as exc:
                return send.result(exc)
            send.deliveries.append(delivery)
        return send.result()

    async def send_many(
        self, message: Message | str, *, to: Iterable[Recipient], channel: str
    ) -> list[SendResult]:
        """Send to each recipient concurrently (bounded); one result per recipient, in order."""
        gate = asyncio.Semaphore(self._concurrency)

        async def one(recipient: Recipient) -> SendResult:
            async with gate:
                return await self.send(message, to=recipient, channel=channel)

        return list(await asyncio.gather(*(one(r) for r in to)))
