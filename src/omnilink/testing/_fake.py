"""FakeChannel: a real Channel that records what it sends instead of calling a provider."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from omnilink.channels import Capabilities, ChannelKind, Delivery, SendFlow
from omnilink.exceptions import ProviderError, WebhookPayloadError
from omnilink.models import (
    DeliveryStatus,
    Event,
    Identifier,
    IdentifierKind,
    InboundMessage,
    Message,
    StatusUpdate,
)
from omnilink.webhooks import Secrets, WebhookRequest, json_body, secrets_tuple, verify_hmac

__all__ = ["FakeChannel", "SentMessage"]


@dataclass(frozen=True, slots=True)
class SentMessage:
    """One message the fake channel accepted."""

    to: str
    message: Message
    provider_message_id: str
    idempotency_key: str


class _Record:
    """The flow's one "I/O" step: append to the channel's outbox (no network)."""

    def __init__(self, channel: FakeChannel, sent: SentMessage) -> None:
        self._channel = channel
        self._sent = sent

    def run(self, *, timeout: float) -> SentMessage:
        return self._channel._deliver(self._sent)

    async def arun(self, *, timeout: float) -> SentMessage:
        return self._channel._deliver(self._sent)


class FakeChannel:
    """A channel for tests and demos: sends are recorded in :attr:`sent`, failures can be queued.

    It honours idempotency keys like a well-behaved provider (a retried send with the same key is
    recorded once) and verifies webhooks signed with ``X-Fake-Signature: <hex HMAC-SHA256 of
    the body>`` under ``secret`` (see :meth:`sign`), so it exercises the same paths as a real
    provider.

    >>> fake = FakeChannel()
    >>> fake.fail_next(ProviderError("down", provider="fake", retryable=True))
    """

    def __init__(
        self,
        *,
        name: str = "fake",
        kind: str = ChannelKind.SMS.value,
        capabilities: Capabilities | None = None,
        secret: Secrets = "fake-secret",  # noqa: S107 - a test double, not a credential
    ) -> None:
        self.name = name
        self.kind = kind
        self.capabilities = capabilities or Capabilities(
            max_body=1600,
            length_policy="split",
            attachments=True,
            threading=True,
            segmented=True,
            idempotency_keys=True,
        )
        self._secrets = secrets_tuple(secret, provider=name, setting="secret")
        self.sent: list[SentMessage] = []
        self._failures: list[ProviderError] = []
        self._ids: Iterator[int] = itertools.count(1)
        self._by_key: dict[str, SentMessage] = {}

    def fail_next(self, *errors: ProviderError) -> None:
        """Make the next sends fail with these errors, in order (one error per attempt)."""
        self._failures.extend(errors)

    def _deliver(self, sent: SentMessage) -> SentMessage:
        if self._failures:
            raise self._failures.pop(0)
        if sent.idempotency_key in self._by_key:
            return self._by_key[sent.idempotency_key]
        self._by_key[sent.idempotency_key] = sent
        self.sent.append(sent)
        return sent

    def send_flow(self, message: Message, *, to: str, idempotency_key: str) -> SendFlow:
        sent = SentMessage(to, message, f"fake-{next(self._ids)}", idempotency_key)
        recorded: SentMessage = yield _Record(self, sent)
        return Delivery(
            provider_message_id=recorded.provider_message_id, status=DeliveryStatus.SENT, raw=None
        )

    # --- webhooks ----------------------------------------------------------------------------

    def sign(self, body: bytes) -> str:
        """The signature header value for ``body`` under the first secret."""
        return hmac.new(self._secrets[0], body, hashlib.sha256).hexdigest()

    def inbound_request(self, *, sender: str, text: str, message_id: str = "in-1") -> WebhookRequest:
        """A signed webhook announcing an inbound message, as a provider would post it."""
        body = json.dumps({"type": "inbound", "from": sender, "text": text, "id": message_id}).encode()
        return WebhookRequest(
            method="POST",
            url="https://example.test/webhooks/fake",
            headers={"Content-Type": "application/json", "X-Fake-Signature": self.sign(body)},
            body=body,
        )

    def status_request(self, *, message_id: str, status: str) -> WebhookRequest:
        """A signed delivery-status callback."""
        body = json.dumps({"type": "status", "id": message_id, "status": status}).encode()
        return WebhookRequest(
            method="POST",
            url="https://example.test/webhooks/fake",
            headers={"Content-Type": "application/json", "X-Fake-Signature": self.sign(body)},
            body=body,
        )

    def verify_webhook(self, request: WebhookRequest) -> None:
        verify_hmac(
            request.body, request.header("x-fake-signature"), secrets=self._secrets, provider=self.name
        )

    def parse_webhook(self, request: WebhookRequest) -> list[Event]:
        payload: Any = json_body(request, provider=self.name)
        if not isinstance(payload, dict) or payload.get("type") not in ("inbound", "status"):
            raise WebhookPayloadError(
                "expected a JSON object with type 'inbound' or 'status'", provider=self.name
            )
        try:
            if payload["type"] == "inbound":
                sender = Identifier(
                    kind=IdentifierKind.EXTERNAL, value=str(payload["from"]), platform=self.name
                )
                return [
                    InboundMessage(
                        channel=self.name,
                        provider=self.name,
                        sender=sender,
                        message=Message(text=str(payload["text"])),
                        provider_message_id=str(payload["id"]),
                        event_id=str(payload["id"]),
                        raw=payload,
                    )
                ]
            return [
                StatusUpdate(
                    channel=self.name,
                    provider=self.name,
                    provider_message_id=str(payload["id"]),
                    status=DeliveryStatus(payload["status"]),
                    raw=payload,
                )
            ]
        except (KeyError, ValueError) as exc:
            raise WebhookPayloadError(
                f"malformed {payload['type']} payload: {exc!r}", provider=self.name
            ) from None
