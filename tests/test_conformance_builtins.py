"""omnilink's own channels pass the conformance kit they ask plugin authors to pass.

Twilio answers with its documented payloads (tests/providers/fixtures/twilio); the SMTP channel
talks to a real aiosmtpd server on loopback whose replies each attempt scripts.
"""

from __future__ import annotations

import dataclasses
import json
import socket
import threading
from collections.abc import Iterator, Sequence
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session

from omnilink import WebhookRequest
from omnilink.channels import Channel, Operation
from omnilink.providers.smtp import SMTPChannel, SMTPTransaction, sign_inbound
from omnilink.providers.twilio import TwilioSMSChannel, TwilioWhatsAppChannel, compute_signature
from omnilink.testing.conformance import ChannelConformance, Outcome
from omnilink.webhooks import DEFAULT_MAX_BODY_BYTES

TWILIO = Path(__file__).parent / "providers" / "fixtures" / "twilio"


# --- Twilio ---------------------------------------------------------------------------------------


def _twilio_json(name: str, status: int) -> httpx.Response:
    return httpx.Response(status, json=json.loads((TWILIO / name).read_text()))


class _TwilioConformance(ChannelConformance):
    recipient = "+14155550134"
    retry_after = None  # Twilio's 429 (error 20429) documents no Retry-After
    webhook_url = "https://example.com/twilio/webhook"
    inbound_fixture = "inbound_sms.form"
    channel_class: type[TwilioSMSChannel] | type[TwilioWhatsAppChannel] = TwilioSMSChannel

    def make_channel(self) -> Channel:
        return self.channel_class(
            account_sid="ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            auth_token=self.webhook_secret,  # Twilio signs webhooks with the Auth Token
            from_number="+14155550100",
        )

    def respond(self, request: httpx.Request, outcome: Outcome) -> httpx.Response:
        if outcome == "ok":
            return _twilio_json("message_create_response.json", 201)
        if outcome == "auth_error":
            return _twilio_json("error_20003.json", 401)
        if outcome == "rate_limited":
            return _twilio_json("error_20429.json", 429)
        if outcome == "rejected":
            return _twilio_json("error_21211.json", 400)
        # https://www.twilio.com/docs/errors/20500
        return httpx.Response(
            500,
            json={
                "code": 20500,
                "message": "Internal Server Error",
                "more_info": "https://www.twilio.com/docs/errors/20500",
                "status": 500,
            },
        )

    def signed_webhooks(self, *, secret: str) -> Sequence[WebhookRequest]:
        requests = []
        for fixture in (self.inbound_fixture, "status_delivered.form"):
            body = (TWILIO / fixture).read_bytes().strip()
            params = parse_qsl(body.decode(), keep_blank_values=True)
            requests.append(
                WebhookRequest(
                    method="POST",
                    url=self.webhook_url,
                    headers={
                        "Content-Type": "application/x-www-form-urlencoded",
                        "X-Twilio-Signature": compute_signature(secret, self.webhook_url, params),
                    },
                    body=body,
                )
            )
        return requests


class TestTwilioSMSConformance(_TwilioConformance):
    pass


class TestTwilioWhatsAppConformance(_TwilioConformance):
    channel_class = TwilioWhatsAppChannel
    inbound_fixture = "inbound_whatsapp.form"

    def sample_template(self) -> Any:
        template = super().sample_template()
        return template.model_copy(update={"name": "HXb5b62575e6e4ff6129ad7c8efe1f983e"})  # a Content SID


# --- SMTP -----------------------------------------------------------------------------------------


REPLIES: dict[str, tuple[str, str]] = {
    # outcome -> (SMTP stage, reply)
    "server_error": ("DATA", "451 4.3.0 Temporary local problem, try again later"),
    "auth_error": ("MAIL", "530 5.7.0 Authentication required"),
    "rate_limited": ("RCPT", "451 4.7.1 Too many messages, slow down"),
    "rejected": ("RCPT", "550 5.1.1 <ada@example.com>: Recipient address rejected: User unknown"),
}


@dataclasses.dataclass
class ScriptedHandler:
    """aiosmtpd handler answering each transaction as ``outcome`` says; keeps what it accepted."""

    outcome: str = "ok"
    received: list[bytes] = dataclasses.field(default_factory=list)

    def _reply(self, stage: str) -> str | None:
        scripted = REPLIES.get(self.outcome)
        return scripted[1] if scripted is not None and scripted[0] == stage else None

    async def handle_MAIL(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        envelope.mail_from = address
        return self._reply("MAIL") or "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        envelope.rcpt_tos.append(address)
        return self._reply("RCPT") or "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        reply = self._reply("DATA")
        if reply is None:
            self.received.append(bytes(envelope.original_content or b""))
        return reply or f"250 2.0.0 Ok: queued as Q{len(self.received)}"


@pytest.fixture
def smtp_backend() -> Iterator[tuple[Controller, ScriptedHandler]]:
    handler = ScriptedHandler()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield controller, handler
    controller.stop()


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never says a word (an SMTP greeting that never comes)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


INBOUND = (
    b"From: Ada Lovelace <ada@example.com>\r\n"
    b"To: help@example.com\r\n"
    b"Subject: Re: your order\r\n"
    b"Message-ID: <reply-1@example.com>\r\n"
    b"In-Reply-To: <order-1@example.com>\r\n"
    b"Date: Mon, 04 Aug 2025 17:12:00 +0000\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"\r\n"
    b"Make it 3 people?\r\n"
)


class TestSMTPConformance(ChannelConformance):
    recipient = "ada@example.com"
    retry_after = None  # SMTP has no Retry-After
    webhook_replay_window = 300.0  # the channel's default webhook_tolerance
    max_webhook_bytes = DEFAULT_MAX_BODY_BYTES

    @pytest.fixture(autouse=True)
    def _backend(self, smtp_backend: tuple[Controller, ScriptedHandler], silent_port: int) -> None:
        self.controller, self.handler = smtp_backend
        self.silent_port = silent_port
        self.lock = threading.Lock()

    def make_channel(self) -> Channel:
        return SMTPChannel(
            host="127.0.0.1",
            port=self.controller.port,
            starttls=False,
            from_address="Support <help@example.com>",
            webhook_secret=self.webhook_secret,
            max_inbound_bytes=self.max_webhook_bytes,
        )

    def _prepare(self, operation: Operation, outcome: Outcome) -> Operation:
        assert isinstance(operation, SMTPTransaction)
        self.handler.outcome = outcome
        if outcome == "timeout":
            return dataclasses.replace(operation, port=self.silent_port, timeout=0.3)
        return operation

    def run_operation(self, operation: Operation, outcome: Outcome) -> Any:
        return self._prepare(operation, outcome).run(timeout=5)

    async def arun_operation(self, operation: Operation, outcome: Outcome) -> Any:
        return await self._prepare(operation, outcome).arun(timeout=5)

    def transmitted(self, operation: Operation, result: Any) -> bytes:
        if result is not None:
            return self.handler.received[-1]  # what the server got
        assert isinstance(operation, SMTPTransaction)
        message: EmailMessage = operation.message
        return message.as_bytes()  # a refused attempt: what it tried to send

    def signed_webhooks(self, *, secret: str) -> Sequence[WebhookRequest]:
        headers = sign_inbound(INBOUND, secret=secret, timestamp=int(self.webhook_clock()))
        return [
            WebhookRequest(
                method="POST",
                url="https://example.com/hooks/email",
                headers={"Content-Type": "message/rfc822", **headers},
                body=INBOUND,
            )
        ]
