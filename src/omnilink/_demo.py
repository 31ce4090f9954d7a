"""``omnilink demo``: the main job on embedded defaults, with nothing to configure.

It starts a real SMTP server (aiosmtpd) on loopback inside this process, sends a customer an
email through the ``smtp`` channel and an SMS through a fake SMS channel, and reports what each
side actually received. It grows with the library: each capability that lands adds a step.
"""

from __future__ import annotations

import email
import email.policy
import socket
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from omnilink.channels import sms_segments
from omnilink.client import Client
from omnilink.exceptions import MissingDependencyError
from omnilink.models import Customer, Identifier, Message
from omnilink.testing import FakeChannel

__all__ = ["DemoReport", "DemoRow", "run_demo"]


@dataclass(frozen=True, slots=True)
class DemoRow:
    channel: str
    to: str
    status: str
    provider_message_id: str | None
    content: str


@dataclass(frozen=True, slots=True)
class DemoReport:
    rows: list[DemoRow]
    notes: list[str] = field(default_factory=list)
    received_emails: list[EmailMessage] = field(default_factory=list)


class _Inbox:
    """aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def run_demo() -> DemoReport:
    """Run the demo and return what was sent and received (the CLI prints it)."""
    try:
        from aiosmtpd.controller import Controller
    except ImportError as exc:
        raise MissingDependencyError(package="aiosmtpd", extra="cli", feature="omnilink demo") from exc
    from omnilink.providers.smtp import SMTPChannel

    ada = Customer(
        display_name="Ada Lovelace",
        identifiers=(
            Identifier.parse("Ada.Lovelace+newsletter@GMail.com"),
            Identifier.parse("+44 20 7946 0958"),
        ),
    )
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        # Plain SMTP is fine on loopback; real servers get the channel's default, STARTTLS.
        smtp = SMTPChannel(
            host="127.0.0.1",
            port=controller.port,
            starttls=False,
            from_address="Omnilink Demo <demo@omnilink.test>",
        )
        sms = FakeChannel(name="fake-sms")
        email_to, phone_to = ada.identifier("email"), ada.identifier("phone")
        assert email_to is not None
        assert phone_to is not None
        text = "Hi Ada, your order #1843 has shipped. Reply here or by SMS: we keep the thread."
        with Client(channels=[smtp, sms]) as client:
            sent_mail = client.send(
                Message(subject="Your order #1843 has shipped", text=text), to=email_to, channel="smtp"
            )
            sent_sms = client.send(Message(text=text), to=phone_to, channel="fake-sms")
    finally:
        controller.stop()
    rows = [
        DemoRow("smtp", email_to.value, sent_mail.status.value, sent_mail.provider_message_id, text),
        DemoRow("fake-sms", phone_to.value, sent_sms.status.value, sent_sms.provider_message_id, text),
    ]
    seg = sms_segments(text)
    notes = [f"SMTP server on 127.0.0.1:{controller.port} received {len(inbox.messages)} message(s):"]
    notes += [f"  From: {m['From']}  To: {m['To']}  Subject: {m['Subject']}" for m in inbox.messages]
    notes.append(
        f"Fake SMS outbox holds {len(sms.sent)} message(s); {seg.segments} segment(s), {seg.encoding}."
    )
    notes.append(f"{email_to.raw!r} was canonicalized to {email_to.value!r}.")
    for result in (sent_mail, sent_sms):
        if not result.ok:
            notes.append(f"{result.channel} failed: {result.error}")
    notes += _identity_step()
    return DemoReport(rows=rows, notes=notes, received_emails=list(inbox.messages))


# Records as three systems saw Ada (web chat, SMS, CRM) and one other customer.
DEMO_RECORDS = (
    {"id": "chat-1", "first_name": "Ada", "last_name": "Lovelace", "email": "Ada.Lovelace@gmail.com"},
    {"id": "sms-7", "first_name": "Ada", "phone": "020 7946 0958"},  # a national number: region="GB"
    {
        "id": "crm-3",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "adalovelace+orders@googlemail.com",
        "phone": "+44 20 7946 0958",
    },
    {"id": "crm-4", "first_name": "Charles", "last_name": "Babbage", "email": "charles@babbage.example"},
)


def _identity_step() -> list[str]:
    """Online identity resolution: the CRM record bridges the chat and SMS profiles.

    The graph starts empty and untrained, as in an app's first minute: it uses the default
    contact-data weights until a resolver is fitted on real data.
    """
    from omnilink.identity import Resolver

    graph = Resolver(region="GB").graph()
    notes = ["Identity graph, one record at a time:"]
    for record in DEMO_RECORDS:
        added = graph.add(record)
        line = f"  {added.record_id:7} -> {added.profile_id}"
        if added.merge is not None:
            reasons = ", ".join(sorted({link.reason for link in added.merge.links}))
            line += f"  (merged {', '.join(added.merge.absorbed)} on {reasons})"
        notes.append(line)
    notes.append(f"{len(DEMO_RECORDS)} records, {len(graph)} people.")
    return notes
