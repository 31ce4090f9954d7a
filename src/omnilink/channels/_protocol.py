"""The Channel protocol: what every provider adapter implements.

Adapters are *sans-I/O*: ``send_flow`` is a generator that yields the requests to make and
receives their responses, the way ``httpx.Auth.auth_flow`` does. The :class:`~omnilink.Client`
and :class:`~omnilink.AsyncClient` drive the same generator over ``httpx.Client`` or
``httpx.AsyncClient``, so each provider is written once and works in both worlds.

A flow yields either an ``httpx.Request`` (answered with an ``httpx.Response``) or any object
satisfying :class:`Operation`, for transports that are not HTTP (SMTP); the operation carries its
own small driver, and the flow receives whatever the operation returns.
"""

from __future__ import annotations

import enum
from collections.abc import Generator
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from omnilink.models import DeliveryStatus, Event, Message

if TYPE_CHECKING:
    from omnilink.webhooks import WebhookRequest

__all__ = [
    "Capabilities",
    "Channel",
    "ChannelKind",
    "Delivery",
    "LengthPolicy",
    "Operation",
    "SendFlow",
]


class ChannelKind(str, enum.Enum):
    SMS = "sms"
    MMS = "mms"
    WHATSAPP = "whatsapp"
    EMAIL = "email"
    MESSENGER = "messenger"
    INSTAGRAM = "instagram"
    TELEGRAM = "telegram"
    SLACK = "slack"
    VOICE = "voice"
    WEBCHAT = "webchat"
    OTHER = "other"


LengthPolicy = Literal["refuse", "split"]
"""What the client does with a body over ``Capabilities.max_body``: raise, or send several messages."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Capabilities:
    """What a channel can do. The client refuses messages that need more; the conformance
    suite tests only what is declared."""

    max_body: int | None = None
    """Most characters one send accepts (None: no limit the channel knows of)."""
    length_policy: LengthPolicy = "refuse"
    attachments: bool = False
    max_attachment_bytes: int | None = None
    max_attachments: int | None = None
    attachments_by_url: bool = False
    """Attachments must carry a public ``url`` the provider fetches (MMS, WhatsApp); no inline data."""
    html: bool = False
    subject: bool = False
    templates: bool = False
    rich_content: bool = False
    threading: bool = False
    """Replies can point at an earlier message (``Message.in_reply_to``)."""
    read_receipts: bool = False
    session_window: timedelta | None = None
    """How long after the customer's last message free-form messages are allowed (WhatsApp: 24h)."""
    segmented: bool = False
    """Bodies travel as SMS segments (GSM-7 / UCS-2), so length is also counted in segments."""
    idempotency_keys: bool = False
    """The provider honours the idempotency key, so a send that may already have reached it (a read
    timeout, a dropped connection after the request went out) is safe to retry. Without it, only
    failures that prove the request never arrived (connect errors) are retried."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Delivery:
    """What a send flow returns: the provider's id for the message and its first status."""

    provider_message_id: str | None
    status: DeliveryStatus = DeliveryStatus.QUEUED
    raw: Any = None


@runtime_checkable
class Operation(Protocol):
    """A non-HTTP step of a send flow, carrying its own driver (e.g. one SMTP transaction).

    Raise :class:`~omnilink.ProviderError` subclasses for failures so the client can retry
    the retryable ones.
    """

    def run(self, *, timeout: float) -> Any: ...

    async def arun(self, *, timeout: float) -> Any: ...


SendFlow = Generator[Any, Any, Delivery]
"""Yields ``httpx.Request`` or :class:`Operation`; receives ``httpx.Response`` or the operation's
result; returns a :class:`Delivery`, or raises :class:`~omnilink.ProviderError`."""


@runtime_checkable
class Channel(Protocol):
    """The protocol every channel implements (a Protocol: no base class needed).

    ``name`` is unique per registry (``"twilio-sms"``), ``kind`` is a :class:`ChannelKind` value,
    ``capabilities`` says what the channel can do.

    ``send_flow`` must not perform I/O: it yields requests and gets responses. It is called
    afresh for every attempt with the *same* ``idempotency_key``, which adapters forward to
    providers that support one.

    ``verify_webhook`` raises :class:`~omnilink.WebhookVerificationError` for anything not
    signed by the provider; ``parse_webhook`` turns a verified request into normalized events
    (raising :class:`~omnilink.WebhookPayloadError` for bodies it cannot read), each keeping the
    raw provider payload.
    """

    name: str
    kind: str
    capabilities: Capabilities

    def send_flow(self, message: Message, *, to: str, idempotency_key: str) -> SendFlow: ...

    def verify_webhook(self, request: WebhookRequest) -> None: ...

    def parse_webhook(self, request: WebhookRequest) -> list[Event]: ...
