"""The ``smtp`` email channel: send through any SMTP server, read inbound mail as raw RFC 5322.

Sending is one SMTP transaction per message: the send flow builds the MIME message (sans-I/O)
and yields a single :class:`SMTPTransaction` operation, which carries its own small driver over
:mod:`smtplib` (``run``) and runs that driver in a worker thread for the async client (``arun``).

Inbound mail reaches omnilink either through a relay that POSTs the raw message to a webhook
(signed with ``X-Omnilink-Signature``, see :meth:`SMTPChannel.verify_webhook`) or through a
mailbox poller that calls :func:`parse_email` itself.

>>> ch = SMTPChannel(host="smtp.example.com", from_address="Support <help@example.com>")
>>> (ch.port, ch.security)
(587, 'starttls')
"""

from __future__ import annotations

import asyncio
import email.policy
import hashlib
import hmac
import logging
import math
import re
import smtplib
import ssl as _ssl
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Literal

from omnilink.channels import Capabilities, ChannelKind, Delivery, SendFlow
from omnilink.exceptions import (
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitError,
    RecipientRejectedError,
    ServerError,
    TransportError,
    WebhookPayloadError,
    WebhookVerificationError,
)
from omnilink.models import DeliveryStatus, Event, InboundMessage, Message
from omnilink.providers._email import (
    DEFAULT_MAX_EMAIL_BYTES,
    build_mime,
    parse_address,
    parse_email,
    stable_message_id,
)
from omnilink.providers._text import unencodable_error
from omnilink.webhooks import (
    Secrets,
    WebhookRequest,
    check_timestamp,
    replay_window,
    secrets_tuple,
    verify_hmac,
)

__all__ = [
    "INBOUND_CONTENT_TYPES",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "SMTPChannel",
    "SMTPTransaction",
    "parse_email",
    "sign_inbound",
]

logger = logging.getLogger(__name__)

PROVIDER = "smtp"
SIGNATURE_HEADER = "X-Omnilink-Signature"
TIMESTAMP_HEADER = "X-Omnilink-Timestamp"
INBOUND_CONTENT_TYPES = frozenset({"message/rfc822", "text/plain", "application/octet-stream", ""})
"""Content types ``parse_webhook`` accepts for a raw message ("" : no Content-Type header)."""

Security = Literal["plain", "starttls", "ssl"]
_DEFAULT_PORTS: dict[Security, int] = {"plain": 25, "starttls": 587, "ssl": 465}
_ENHANCED = re.compile(r"^\s*([245]\.\d{1,3}\.\d{1,3})\b")
_AUTH_CODES = frozenset({530, 534, 535, 538})
# Longer than any timestamp a relay sends (a float's repr is at most 24 characters).
_MAX_TIMESTAMP_CHARS = 64


def sign_inbound(body: bytes, *, secret: str | bytes, timestamp: int | str | None = None) -> dict[str, str]:
    """The headers an inbound relay adds to its POST so :meth:`SMTPChannel.verify_webhook` accepts it.

    With a ``timestamp`` (seconds since the epoch) the signature covers ``f"{timestamp}.".encode()
    + body`` and the request is only valid inside the channel's replay window; without one it covers
    the body alone (accepted only with ``webhook_require_timestamp=False``, and only for a body that
    does not start with a number and a ``.``: those bytes are a timestamped signature's, so such a
    request could be an old timestamped one replayed without its timestamp; a raw message, which
    starts with a header field, never does).

    >>> sorted(sign_inbound(b"From: a@b.test\\r\\n\\r\\nhi", secret="s", timestamp=1700000000))
    ['X-Omnilink-Signature', 'X-Omnilink-Timestamp']
    """
    key = secret.encode() if isinstance(secret, str) else secret
    headers: dict[str, str] = {}
    signed = body
    if timestamp is not None:
        headers[TIMESTAMP_HEADER] = str(timestamp)
        signed = f"{timestamp}.".encode() + body
    headers[SIGNATURE_HEADER] = hmac.new(key, signed, hashlib.sha256).hexdigest()
    return headers


def _starts_with_timestamp(body: bytes) -> bool:
    """Whether ``body`` is ``f"{ts}." + rest`` for some ``ts`` a timestamp header could have carried.

    Such a ``ts`` is whatever :func:`check_timestamp` reads as a finite number (``1700000000``,
    ``1700000000.25``, ``1.7e9``), so the check asks ``float`` itself, for each ``.`` in the text
    before the first ``:`` or line end (no number contains either; every header line has a ``:``).
    """
    end = min((i for i in (body.find(b":"), body.find(b"\n")) if i >= 0), default=len(body))
    head = body[: min(end, _MAX_TIMESTAMP_CHARS + 1)]
    for dot in (i for i, byte in enumerate(head) if byte == ord(".")):
        try:
            number = float(head[:dot].decode("utf-8"))  # float() also reads non-ASCII digits
        except ValueError:  # UnicodeDecodeError is a ValueError
            continue
        if math.isfinite(number):  # check_timestamp never accepts nan or inf
            return True
    return False


# --- the operation ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class SMTPReply:
    """What the server said when it accepted the message (``250 ... queued as X``)."""

    code: int
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SMTPTransaction:
    """One SMTP transaction (connect, TLS, AUTH, MAIL, RCPT, DATA, QUIT): the flow's only step.

    ``run`` drives it with :mod:`smtplib`; ``arun`` runs ``run`` in a worker thread
    (:func:`asyncio.to_thread`): smtplib is blocking, and an SMTP send is one short exchange, so
    a thread costs less than a second SMTP implementation. Cancelling ``arun`` stops waiting but
    not the thread, which finishes or times out on its own. Failures raise
    :class:`~omnilink.ProviderError` subclasses (see the module's error table in the docs).
    """

    host: str
    port: int
    security: Security
    username: str | None
    password: str | None = field(repr=False)
    tls_context: _ssl.SSLContext | None
    local_hostname: str | None
    timeout: float | None
    """The channel's own timeout; ``None`` uses the client's."""
    envelope_from: str
    recipients: tuple[str, ...]
    message: EmailMessage
    provider: str = PROVIDER

    def run(self, *, timeout: float) -> SMTPReply:
        limit = self.timeout if self.timeout is not None else timeout
        conn: smtplib.SMTP | None = None
        stage = "connect"
        try:
            context = self.tls_context or _ssl.create_default_context()
            if self.security == "ssl":
                conn = smtplib.SMTP_SSL(
                    self.host, self.port, local_hostname=self.local_hostname, timeout=limit, context=context
                )
            else:
                conn = smtplib.SMTP(self.host, self.port, local_hostname=self.local_hostname, timeout=limit)
            stage = "ehlo"
            conn.ehlo_or_helo_if_needed()
            if self.security == "starttls":
                stage = "starttls"
                conn.starttls(context=context)
                conn.ehlo()
            if self.username is not None:
                stage = "auth"
                conn.login(self.username, self.password or "")
            stage = "mail"
            reached: list[str] = []
            reply = self._transact(conn, reached)
        except ProviderError:
            _close(conn, polite=True)
            raise
        except (smtplib.SMTPException, OSError) as exc:
            _close(conn, polite=not isinstance(exc, OSError | smtplib.SMTPServerDisconnected))
            if stage == "mail" and reached:
                stage = reached[-1]
            raise self._error(exc, stage) from exc
        _close(conn, polite=True)
        return reply

    async def arun(self, *, timeout: float) -> SMTPReply:
        return await asyncio.to_thread(self.run, timeout=timeout)

    def _transact(self, conn: smtplib.SMTP, reached: list[str]) -> SMTPReply:
        utf8 = not all(a.isascii() for a in (self.envelope_from, *self.recipients))
        policy = email.policy.SMTPUTF8 if utf8 else email.policy.SMTP
        data = self.message.as_bytes(policy=policy)
        options: list[str] = []
        if utf8:
            if not conn.has_extn("smtputf8"):
                raise BadRequestError(
                    "an address is not ASCII and the server does not offer SMTPUTF8; "
                    "use an ASCII address or a server that supports internationalized email",
                    provider=self.provider,
                )
            options += ["SMTPUTF8", "BODY=8BITMIME"]
        if conn.has_extn("size"):
            options.append(f"SIZE={len(data)}")
        code, text = conn.mail(self.envelope_from, options)
        if code != 250:
            raise self._reply_error(code, text, "mail")
        for rcpt in self.recipients:
            code, text = conn.rcpt(rcpt)
            if code not in (250, 251):
                raise self._reply_error(code, text, "rcpt", recipient=rcpt)
        reached.append("data")
        code, text = conn.data(data)  # raises SMTPDataError if DATA itself is refused
        if code != 250:
            raise self._reply_error(code, text, "data")
        return SMTPReply(code=code, text=_decode(text))

    # --- error mapping -----------------------------------------------------------------------

    def _error(self, exc: BaseException, stage: str) -> ProviderError:
        where = f"{self.host}:{self.port}"
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return AuthenticationError(
                f"the server at {where} refused the username/password ({_decode(exc.smtp_error)}); "
                "check the channel's username and password",
                provider=self.provider,
                status_code=exc.smtp_code,
                provider_code=_enhanced(exc.smtp_error),
            )
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            rcpt, (code, text) = next(iter(exc.recipients.items()))
            return self._reply_error(code, text, "rcpt", recipient=rcpt)
        if isinstance(exc, smtplib.SMTPSenderRefused):
            return self._reply_error(exc.smtp_code, exc.smtp_error, "mail")
        if isinstance(exc, smtplib.SMTPResponseException):
            return self._reply_error(exc.smtp_code, exc.smtp_error, stage)
        if isinstance(exc, smtplib.SMTPNotSupportedError):
            hint = {
                "starttls": "set starttls=False (only on a trusted network) or use ssl=True on port 465",
                "auth": "remove username/password if the server needs none, or enable starttls: "
                "many servers offer AUTH only over TLS",
            }.get(stage, "check the channel's settings against what the server offers")
            cls = AuthenticationError if stage == "auth" else BadRequestError
            return cls(f"the server at {where} does not support this: {exc}; {hint}", provider=self.provider)
        if isinstance(exc, smtplib.SMTPServerDisconnected) and isinstance(exc.__context__, TimeoutError):
            exc = exc.__context__  # smtplib reports a read timeout as a disconnect
        if stage == "data" and isinstance(exc, smtplib.SMTPServerDisconnected | TimeoutError):
            # The message may already be queued for delivery: SMTP has no idempotency key, so a
            # retry could deliver it twice (the same rule the client applies to HTTP read timeouts).
            cls_ = ProviderTimeoutError if isinstance(exc, TimeoutError) else TransportError
            return cls_(
                f"the server at {where} stopped answering after the message was sent ({exc!r}); not "
                "retried because it may have been delivered: check the mailbox before sending again",
                provider=self.provider,
                retryable=False,
            )
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            return TransportError(
                f"the server at {where} closed the connection during {stage} ({exc}); the client retries",
                provider=self.provider,
            )
        if isinstance(exc, smtplib.SMTPException):  # e.g. "No suitable authentication method found."
            cls = AuthenticationError if stage == "auth" else BadRequestError
            return cls(
                f"SMTP {stage} failed at {where}: {exc}; check the channel's settings", provider=self.provider
            )
        if isinstance(exc, TimeoutError):  # socket.timeout is TimeoutError since 3.10
            return ProviderTimeoutError(
                f"no answer from {where} within the timeout during {stage}; the client retries "
                "(raise the timeout if the server is slow)",
                provider=self.provider,
            )
        if isinstance(exc, _ssl.SSLCertVerificationError):
            return TransportError(
                f"the TLS certificate of {where} is not trusted ({exc.verify_message}); check the host "
                "name, or pass tls_context= with the server's CA (never disable verification)",
                provider=self.provider,
                retryable=False,
            )
        return TransportError(
            f"could not talk to the SMTP server at {where} during {stage}: {exc!r}; check host, port "
            "and security settings (the client retries)",
            provider=self.provider,
        )

    def _reply_error(
        self, code: int, text: bytes | str, stage: str, *, recipient: str | None = None
    ) -> ProviderError:
        reply = _decode(text)
        enhanced = _enhanced(reply)
        subject = {"mail": "the sender", "rcpt": f"recipient {recipient!r}", "data": "the message"}.get(
            stage, f"the {stage} step"
        )
        cls: type[ProviderError]
        if 400 <= code < 500:
            # 4.7.x is policy: throttling, greylisting; anything else 4xx is a transient failure.
            cls = RateLimitError if enhanced is not None and enhanced.startswith("4.7.") else ServerError
            hint = f"the server deferred {subject}: {code} {reply} (temporary; the client retries)"
        elif code in _AUTH_CODES or (stage != "data" and "relay" in reply.lower() and code >= 500):
            cls = AuthenticationError
            hint = (
                f"the server requires authentication or will not relay for this account: {code} {reply}; "
                "set username and password (and check from_address is allowed)"
            )
        elif stage == "rcpt" and code >= 500:
            cls = RecipientRejectedError
            hint = f"the server refused {subject}: {code} {reply}; this address cannot receive mail here"
        elif stage == "mail" and code >= 500:
            cls = BadRequestError
            hint = (
                f"the server refused the sender {self.envelope_from!r}: {code} {reply}; check that "
                "from_address is allowed for this account"
            )
        elif code >= 500:
            cls = BadRequestError
            hint = f"the server refused {subject}: {code} {reply}; fix the message"
        else:
            cls = TransportError
            hint = f"unexpected SMTP reply during {stage}: {code} {reply} (the client retries)"
        return cls(
            hint,
            provider=self.provider,
            status_code=code,
            provider_code=enhanced,
            raw={"code": code, "reply": reply, "stage": stage, "recipient": recipient},
        )


def _close(conn: smtplib.SMTP | None, *, polite: bool) -> None:
    if conn is None:
        return
    try:
        if polite:
            conn.quit()
    except (smtplib.SMTPException, OSError):
        pass
    finally:
        conn.close()


def _decode(text: bytes | str) -> str:
    return text.decode("utf-8", errors="replace") if isinstance(text, bytes) else str(text)


def _enhanced(text: bytes | str) -> str | None:
    found = _ENHANCED.match(_decode(text))
    return found.group(1) if found else None


# --- the channel -----------------------------------------------------------------------------


class SMTPChannel:
    """Email through any SMTP server (``name="smtp"``, ``kind="email"``).

    Settings are keyword-only:

    * ``host``, ``port``: the server; ``port`` defaults to 465 with ``ssl``, 587 with
      ``starttls``, 25 with neither;
    * ``from_address``: the sender, ``"addr@example.com"`` or ``"Name <addr@example.com>"``
      (display names may be any Unicode);
    * ``starttls`` (default: on unless ``ssl``) / ``ssl`` (implicit TLS): mutually exclusive;
      ``starttls=False, ssl=False`` sends in clear text, for a relay on a trusted network only;
      ``tls_context`` replaces :func:`ssl.create_default_context` (e.g. a private CA);
    * ``username`` / ``password``: AUTH (both or neither);
    * ``local_hostname``: the EHLO name (default: the machine's FQDN);
    * ``timeout``: seconds per socket operation, overriding the client's timeout;
    * ``message_id_domain``: the right-hand side of generated Message-IDs (default: the
      ``from_address`` domain, so no internal host name leaks);
    * ``webhook_secret``: one secret or several (rotation) for inbound webhook signatures;
      ``webhook_require_timestamp`` (default True) and ``webhook_tolerance`` (seconds, 300) set
      the replay protection; ``max_inbound_bytes`` bounds inbound messages (40 MiB);
    * ``name``: the channel name, when several SMTP channels are configured.
    """

    kind: str = ChannelKind.EMAIL.value

    def __init__(
        self,
        *,
        host: str,
        from_address: str,
        port: int | None = None,
        username: str | None = None,
        password: str | None = None,
        starttls: bool | None = None,
        ssl: bool = False,
        tls_context: _ssl.SSLContext | None = None,
        local_hostname: str | None = None,
        timeout: float | None = None,
        message_id_domain: str | None = None,
        webhook_secret: Secrets | None = None,
        webhook_require_timestamp: bool = True,
        webhook_tolerance: float = 300.0,
        max_inbound_bytes: int = DEFAULT_MAX_EMAIL_BYTES,
        max_attachment_bytes: int = 25_000_000,
        name: str = "smtp",
    ) -> None:
        if not host:
            raise ConfigurationError("smtp: 'host' is required (the SMTP server's host name)")
        if ssl and starttls:
            raise ConfigurationError(
                "smtp: 'ssl' and 'starttls' are mutually exclusive: use ssl=True for implicit TLS "
                "(port 465) or starttls=True to upgrade a plain connection (port 587)"
            )
        security: Security = "ssl" if ssl else ("plain" if starttls is False else "starttls")
        if tls_context is not None and security == "plain":
            raise ConfigurationError("smtp: 'tls_context' is given but neither ssl nor starttls is enabled")
        if (username is None) != (password is None):
            raise ConfigurationError("smtp: give both 'username' and 'password' for AUTH, or neither")
        if port is not None and not 0 < port < 65536:
            raise ConfigurationError(f"smtp: 'port' {port} is not a TCP port")
        if timeout is not None and timeout <= 0:
            raise ConfigurationError("smtp: 'timeout' must be a positive number of seconds")
        try:
            self._from = parse_address(from_address, what="from_address")
        except ValueError as exc:
            raise ConfigurationError(f"smtp: {exc}") from None
        domain = message_id_domain or self._from.domain
        try:
            domain.encode("ascii")
        except UnicodeEncodeError:
            domain = domain.encode("idna").decode("ascii")
        if not domain or any(c in domain for c in "<>@ \t\r\n"):
            raise ConfigurationError(f"smtp: 'message_id_domain' {domain!r} is not a domain")
        if security == "plain" and username is not None:
            logger.warning(
                "smtp channel %r sends its password to %s without TLS; enable starttls or ssl", name, host
            )

        self.name = name
        self.host = host
        self.security: Security = security
        self.port = port if port is not None else _DEFAULT_PORTS[security]
        self.username = username
        self._password = password
        self._tls_context = tls_context
        self.local_hostname = local_hostname
        self.timeout = timeout
        self.message_id_domain = domain
        self._secrets = secrets_tuple(webhook_secret, provider=name, setting="webhook_secret")
        self.webhook_require_timestamp = webhook_require_timestamp
        self.webhook_tolerance = replay_window(webhook_tolerance, provider=name, setting="webhook_tolerance")
        self.max_inbound_bytes = max_inbound_bytes
        self.capabilities = Capabilities(
            html=True,
            subject=True,
            attachments=True,
            max_attachment_bytes=max_attachment_bytes,
            threading=True,
        )

    @property
    def from_address(self) -> str:
        return str(self._from)

    def __repr__(self) -> str:
        return (
            f"SMTPChannel(name={self.name!r}, host={self.host!r}, port={self.port}, "
            f"security={self.security!r})"
        )

    # --- sending -----------------------------------------------------------------------------

    def send_flow(self, message: Message, *, to: str, idempotency_key: str) -> SendFlow:
        """Build the message and yield one :class:`SMTPTransaction`; return its Message-ID.

        The Message-ID is derived from ``idempotency_key``, so every retry of one send carries
        the same id (and the ``X-Omnilink-Idempotency-Key`` header), and receivers that
        de-duplicate on Message-ID show a retried message once.
        """
        try:
            rcpt = parse_address(to, what="recipient")
        except ValueError as exc:
            raise RecipientRejectedError(
                f"{exc}; email channels need an email address", provider=self.name
            ) from None
        message_id = stable_message_id(
            idempotency_key=idempotency_key, sender=self._from.addr_spec, domain=self.message_id_domain
        )
        try:
            mime = build_mime(
                message,
                sender=self._from,
                to=rcpt,
                message_id=message_id,
                idempotency_key=idempotency_key,
                channel=self.name,
            )
        except UnicodeEncodeError as exc:
            raise unencodable_error(exc, what="a header or part of the email", provider=self.name) from None
        except ValueError as exc:
            raise BadRequestError(f"cannot build the email: {exc}", provider=self.name) from None
        reply: SMTPReply = yield SMTPTransaction(
            host=self.host,
            port=self.port,
            security=self.security,
            username=self.username,
            password=self._password,
            tls_context=self._tls_context,
            local_hostname=self.local_hostname,
            timeout=self.timeout,
            envelope_from=self._from.addr_spec,
            recipients=(rcpt.addr_spec,),
            message=mime,
            provider=self.name,
        )
        return Delivery(
            provider_message_id=message_id,
            status=DeliveryStatus.SENT,
            raw={
                "message_id": message_id,
                "envelope_from": self._from.addr_spec,
                "recipients": [rcpt.addr_spec],
                "reply_code": reply.code,
                "reply": reply.text,
            },
        )

    # --- inbound -----------------------------------------------------------------------------

    def verify_webhook(self, request: WebhookRequest) -> None:
        """Check ``X-Omnilink-Signature``: hex HMAC-SHA256 under any ``webhook_secret``.

        With ``X-Omnilink-Timestamp: <unix seconds>`` the signed bytes are
        ``f"{timestamp}.".encode() + body`` and the timestamp must be within
        ``webhook_tolerance`` seconds of now; without it the signed bytes are the body, which is
        accepted only when ``webhook_require_timestamp=False`` and the body does not start with a
        number and a ``.`` (``reason="timestamp_in_body"``: see :func:`sign_inbound`). SMTP itself
        signs nothing, so the relay that posts the message must sign it (:func:`sign_inbound`).
        """
        if not self._secrets:
            raise WebhookVerificationError(
                "no webhook_secret is configured, so inbound email webhooks cannot be verified; "
                "pass SMTPChannel(webhook_secret=...) with the secret your relay signs with",
                provider=self.name,
                reason="no_secret",
            )
        signature = request.header(SIGNATURE_HEADER)
        timestamp = request.header(TIMESTAMP_HEADER)
        if timestamp is None:
            if self.webhook_require_timestamp:
                raise WebhookVerificationError(
                    f"the request carries no {TIMESTAMP_HEADER} header; sign f'{{timestamp}}.{{body}}' "
                    "(or set webhook_require_timestamp=False to accept body-only signatures)",
                    provider=self.name,
                    reason="missing",
                )
            verify_hmac(request.body, signature, secrets=self._secrets, provider=self.name)
            if _starts_with_timestamp(request.body):
                # f"{ts}." + body is what a timestamped signature covers: this is, byte for byte, a
                # timestamped request (captured, however old) with its timestamp moved into the body.
                raise WebhookVerificationError(
                    f"the request has no {TIMESTAMP_HEADER} and its body starts with a number and a '.', "
                    "as the bytes a timestamped signature covers do: it may be a timestamped request "
                    "replayed without its timestamp, so it is refused (a raw RFC 5322 message starts with "
                    "a header field, never with a number); the relay should sign with a timestamp",
                    provider=self.name,
                    reason="timestamp_in_body",
                )
            return
        verify_hmac(
            f"{timestamp}.".encode() + request.body, signature, secrets=self._secrets, provider=self.name
        )
        check_timestamp(timestamp, provider=self.name, tolerance=self.webhook_tolerance, now=time.time)

    def parse_webhook(self, request: WebhookRequest) -> list[Event]:
        """One :class:`~omnilink.InboundMessage` from a raw RFC 5322 body (see :func:`parse_email`)."""
        if request.content_type not in INBOUND_CONTENT_TYPES:
            raise WebhookPayloadError(
                f"expected a raw RFC 5322 message (Content-Type message/rfc822, text/plain or "
                f"application/octet-stream), got {request.content_type!r}",
                provider=self.name,
            )
        return [self.parse_email(request.body)]

    def parse_email(self, raw: bytes) -> InboundMessage:
        """:func:`parse_email` with this channel's name and size limit (for mailbox pollers)."""
        return parse_email(raw, channel=self.name, provider=self.name, max_bytes=self.max_inbound_bytes)
