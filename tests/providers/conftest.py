"""Real servers on loopback for provider tests: an aiosmtpd SMTP server that records what it gets.

``smtp_server`` is a plain (no TLS) server offering AUTH and SMTPUTF8; ``smtp_server_factory``
builds variants (STARTTLS, implicit TLS, no SMTPUTF8); ``tls_files`` makes a self-signed
certificate for 127.0.0.1 with the ``openssl`` command line (``cryptography`` is not a test
dependency).
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

USERS = {"alice": "s3cret"}


@dataclass
class Received:
    """One message the server accepted (or, with ``accepted=False``, answered with an error at DATA)."""

    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    smtp_utf8: bool
    tls: bool
    login: str | None
    accepted: bool


@dataclass
class RecordingHandler:
    """aiosmtpd handler: stores envelopes; replies can be scripted per recipient and per DATA."""

    received: list[Received] = field(default_factory=list)
    rcpt_replies: dict[str, str] = field(default_factory=dict)
    """Recipient address -> the reply to RCPT TO (e.g. "550 5.1.1 user unknown")."""
    data_replies: list[str] = field(default_factory=list)
    """Replies to give at end of DATA, in order, before accepting (e.g. ["451 4.3.0 try later"])."""
    mail_reply: str | None = None

    @property
    def accepted(self) -> list[Received]:
        return [r for r in self.received if r.accepted]

    async def handle_MAIL(
        self, server: Any, session: Session, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:
        if self.mail_reply is not None:
            return self.mail_reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.rcpt_replies:
            return self.rcpt_replies[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        reply = self.data_replies.pop(0) if self.data_replies else None
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        self.received.append(
            Received(
                mail_from=str(envelope.mail_from),
                rcpt_tos=list(envelope.rcpt_tos),
                content=bytes(envelope.original_content or b""),
                smtp_utf8=envelope.smtp_utf8,
                tls=session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None,
                login=login,
                accepted=reply is None,
            )
        )
        return reply or f"250 2.0.0 Ok: queued as Q{len(self.received)}"


def authenticate(
    server: Any, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    if isinstance(auth_data, LoginPassword):
        user, password = auth_data.login.decode(), auth_data.password.decode()
        if USERS.get(user) == password:
            return AuthResult(success=True, auth_data=auth_data)
    return AuthResult(success=False, handled=False)


@dataclass
class SMTPServer:
    host: str
    port: int
    handler: RecordingHandler
    controller: Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@pytest.fixture
def smtp_server_factory() -> Iterator[Callable[..., SMTPServer]]:
    """Start aiosmtpd servers on 127.0.0.1 (stopped at teardown); kwargs go to aiosmtpd's SMTP."""
    started: list[Controller] = []

    def start(**kwargs: Any) -> SMTPServer:
        handler = RecordingHandler()
        options: dict[str, Any] = {
            "enable_SMTPUTF8": True,
            "authenticator": authenticate,
            "auth_require_tls": False,  # plain-loopback AUTH tests; auth stays optional (no warning)
        }
        options.update(kwargs)
        controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **options)
        controller.start()
        started.append(controller)
        return SMTPServer("127.0.0.1", controller.port, handler, controller)

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture
def smtp_server(smtp_server_factory: Callable[..., SMTPServer]) -> SMTPServer:
    return smtp_server_factory()


@dataclass(frozen=True)
class TLSFiles:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(self.cert, self.key)
        return ctx

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TLSFiles:
    """A self-signed certificate for 127.0.0.1 / localhost, valid for a day."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return TLSFiles(cert, key)
