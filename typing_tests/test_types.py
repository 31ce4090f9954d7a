"""Type-level tests: checked by ``mypy --strict typing_tests``, never run.

``assert_type`` fails type checking when the inferred type differs; each ``type: ignore[code]``
fails it (``warn_unused_ignores``) when the error it expects stops being reported.
"""

from __future__ import annotations

import sys
from collections.abc import Coroutine
from typing import Any

import httpx

from omnilink import (
    AsyncClient,
    Client,
    Customer,
    DeliveryStatus,
    Identifier,
    Message,
    ProviderError,
    SendResult,
    WebhookRequest,
    channels,
)
from omnilink.channels import Capabilities, Channel, ChannelRegistry, SegmentInfo, sms_segments
from omnilink.models import Event
from omnilink.providers._http import error_from_response, parse_retry_after
from omnilink.testing import FakeChannel

if sys.version_info >= (3, 11):
    from typing import assert_type
else:
    from typing_extensions import assert_type


def check_sync(client: Client, message: Message, request: WebhookRequest) -> None:
    assert_type(client.send(message, to="+14155550100", channel="fake"), SendResult)
    assert_type(client.send("text", to=Identifier(kind="phone", value="+1"), channel="fake"), SendResult)
    assert_type(client.send_many(message, to=["+1", "+2"], channel="fake"), list[SendResult])
    assert_type(client.parse_webhook("fake", request), list[Event])
    assert_type(client.channel("fake"), Channel)
    with Client(channels=[FakeChannel()]) as c:
        assert_type(c, Client)
    client.send(message, "+1", "fake")  # type: ignore[call-arg]  # recipient and channel are keyword-only


def check_async_returns_awaitable(client: AsyncClient, message: Message) -> None:
    coro = client.send(message, to="+1", channel="fake")
    _ = assert_type(coro, Coroutine[Any, Any, SendResult])
    coro.close()


async def check_async(client: AsyncClient, message: Message) -> None:
    assert_type(await client.send(message, to="+1", channel="fake"), SendResult)
    assert_type(await client.send_many(message, to=["+1"], channel="fake"), list[SendResult])
    async with AsyncClient(channels=[FakeChannel()]) as c:
        assert_type(c, AsyncClient)


def check_results(result: SendResult) -> None:
    assert_type(result.raise_for_error(), SendResult)
    assert_type(result.ok, bool)
    assert_type(result.status, DeliveryStatus)
    assert_type(result.provider_message_ids, tuple[str, ...])
    assert_type(result.status.advance(DeliveryStatus.DELIVERED), DeliveryStatus)


def check_channels() -> None:
    assert_type(channels.create("fake"), Channel)
    assert_type(channels.available(), list[str])
    assert_type(ChannelRegistry(discover=False).create("fake"), Channel)
    assert_type(sms_segments("hi"), SegmentInfo)
    assert_type(sms_segments("hi").segments, int)
    # FakeChannel satisfies the Channel protocol structurally, with no base class.
    channel: Channel = FakeChannel()
    assert_type(channel.capabilities, Capabilities)
    Client(channels=[FakeChannel(), channel])


def check_models(customer: Customer, message: Message) -> None:
    assert_type(customer.identifier("email"), Identifier | None)
    message.text = "changed"  # type: ignore[misc]  # frozen
    Message(txet="typo")  # type: ignore[call-arg]  # extra="forbid"


def check_http(response: httpx.Response) -> None:
    assert_type(error_from_response(response, provider="p"), ProviderError)
    assert_type(parse_retry_after("5"), float | None)
