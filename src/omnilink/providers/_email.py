"""RFC 5322 email, written once for every email provider: building outbound MIME, reading inbound.

Sans-I/O and provider-neutral. :func:`build_mime` turns an omnilink :class:`~omnilink.Message`
into an :class:`email.message.EmailMessage` (text + HTML alternative, attachments, RFC 2047
encoded subject and display names, threading headers); :func:`parse_email` turns raw RFC 5322
bytes (an inbound relay, a mailbox poller, an ESP's "raw MIME" inbound webhook) into an
:class:`~omnilink.InboundMessage` whose ``message.in_reply_to`` / ``message.references`` thread
the reply onto the conversation it answers.

Message-IDs are kept *with* their angle brackets everywhere (``<id@domain>``), so the id a send
returns is byte-for-byte the id a reply names in ``In-Reply-To``.
"""

from __future__ import annotations

import contextlib
import email.errors
import email.policy
import email.utils
import hashlib
import logging
import mimetypes
import re
from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.message import Message as _MIMEPart
from email.parser import BytesParser
from email.policy import EmailPolicy
from html.parser import HTMLParser
from typing import Any

from omnilink.exceptions import InvalidIdentifierError, UnsupportedFeatureError, WebhookPayloadError
from omnilink.models import Attachment, Identifier, IdentifierKind, InboundMessage, Message

__all__ = [
    "DEFAULT_MAX_EMAIL_BYTES",
    "MAX_MIME_DEPTH",
    "IDEMPOTENCY_HEADER",
    "build_mime",
    "email_identifier",
    "html_to_text",
    "msg_id",
    "msg_ids",
    "parse_address",
    "parse_email",
    "stable_message_id",
]

logger = logging.getLogger(__name__)

DEFAULT_MAX_EMAIL_BYTES = 40 * 1024 * 1024
"""Inbound messages above 40 MiB are refused before parsing (25 MB of attachments, base64-encoded)."""

IDEMPOTENCY_HEADER = "X-Omnilink-Idempotency-Key"

_MSG_ID = re.compile(r"<[^<>\s]+>")
# Headers that can carry display names or subjects a sender must not smuggle line breaks into.
_LINE_BREAK = re.compile(r"[\r\n]")


# --- addresses and ids ----------------------------------------------------------------------


def parse_address(value: str, *, what: str) -> Address:
    """``"Name <addr@example.com>"`` or ``"addr@example.com"`` as an :class:`Address`.

    Raises ``ValueError`` naming ``what`` for anything that is not exactly one mailbox. A
    non-ASCII local part is allowed (it needs a server with SMTPUTF8).
    """
    if _LINE_BREAK.search(value):
        raise ValueError(f"{what} {value!r} contains a line break")
    try:
        header = email.policy.default.header_factory("To", value)
    except (ValueError, IndexError, email.errors.HeaderParseError) as exc:
        raise ValueError(f"{what} {value!r} is not a valid email address: {exc}") from None
    addresses: Sequence[Address] = getattr(header, "addresses", ())
    fatal = [d for d in header.defects if not isinstance(d, email.errors.NonASCIILocalPartDefect)]
    if fatal or len(addresses) != 1 or not addresses[0].domain or not addresses[0].username:
        raise ValueError(
            f"{what} {value!r} is not one email address "
            "(expected 'addr@example.com' or 'Name <addr@example.com>')"
        )
    return addresses[0]


def msg_id(value: str) -> str:
    """A message id in its canonical bracketed form: ``abc@x`` and ``<abc@x>`` both give ``<abc@x>``."""
    value = value.strip()
    found = _MSG_ID.search(value)
    if found:
        return found.group(0)
    if not value or any(c in value for c in "<> \t\r\n"):
        raise ValueError(f"{value!r} is not a message id")
    return f"<{value}>"


def msg_ids(value: str | None) -> tuple[str, ...]:
    """Every ``<id>`` token in a header value (``References`` lists several), in order, no repeats."""
    if not value:
        return ()
    return tuple(dict.fromkeys(_MSG_ID.findall(value)))


def stable_message_id(*, idempotency_key: str, sender: str, domain: str) -> str:
    """A Message-ID derived from the idempotency key, so every retry of one send carries the same id.

    Receivers and archives de-duplicate on Message-ID, so a send that was accepted but whose
    answer was lost, then retried, shows up once. The key is hashed with the sender address, so
    ids reveal nothing and two senders using the same key do not collide.
    """
    digest = hashlib.sha256(f"{sender}\0{idempotency_key}".encode()).hexdigest()[:40]
    return f"<omnilink.{digest}@{domain}>"


def email_identifier(address: str) -> Identifier:
    """The sender's email as an :class:`~omnilink.Identifier`, canonical where it can be.

    An address ``Identifier.parse`` refuses is kept (lower-cased, with ``raw`` as given) rather
    than dropped: the message still arrived from it.
    """
    try:
        return Identifier.parse(address, kind=IdentifierKind.EMAIL)
    except ImportError:  # pragma: no cover - omnilink.identifiers not available yet
        pass
    except InvalidIdentifierError as exc:
        logger.warning("inbound sender %r is not a valid email address (%s); kept as given", address, exc)
    return Identifier(kind=IdentifierKind.EMAIL, value=address.strip().lower(), raw=address)


# --- outbound ---------------------------------------------------------------------------------


def build_mime(
    message: Message,
    *,
    sender: Address,
    to: Address,
    message_id: str,
    idempotency_key: str | None = None,
    date: datetime | None = None,
    channel: str = "email",
) -> EmailMessage:
    """The MIME message for ``message``.

    * text only: ``text/plain``; HTML only: ``multipart/alternative`` with a text part derived
      from the HTML (mail clients and spam filters expect one); both: ``multipart/alternative``;
    * attachments make it ``multipart/mixed``; an attachment with only a ``url`` raises
      :class:`~omnilink.UnsupportedFeatureError` (email carries files, and a flow may not fetch);
    * subject and display names are RFC 2047 encoded when not ASCII (by :mod:`email.policy`);
    * ``In-Reply-To`` is ``message.in_reply_to``; ``References`` is ``message.references``
      followed by ``in_reply_to`` when not already listed (RFC 5322 §3.6.4).

    Raises ``ValueError`` for header values that cannot be sent (a subject with a line break).
    """
    mime = EmailMessage(policy=_OUTBOUND_POLICY)
    mime["From"] = sender
    mime["To"] = to
    if message.subject is not None:
        if _LINE_BREAK.search(message.subject):
            raise ValueError("the subject contains a line break; email subjects are one line")
        mime["Subject"] = _subject(message.subject)
    mime["Date"] = email.utils.format_datetime(date or datetime.now(timezone.utc))
    mime["Message-ID"] = message_id
    if message.in_reply_to:
        parent = msg_id(message.in_reply_to)
        mime["In-Reply-To"] = parent
        refs = [msg_id(r) for r in message.references]
        if parent not in refs:
            refs.append(parent)
        mime["References"] = " ".join(refs)
    elif message.references:
        mime["References"] = " ".join(msg_id(r) for r in message.references)
    if idempotency_key is not None:
        mime[IDEMPOTENCY_HEADER] = idempotency_key
    mime["MIME-Version"] = "1.0"

    text = message.text
    if text is None and message.html is not None:
        text = html_to_text(message.html)
    mime.set_content(text or "", cte=_cte(text or ""))
    if message.html is not None:
        mime.add_alternative(message.html, subtype="html", cte=_cte(message.html))
    for att in message.attachments:
        if att.data is None:
            raise UnsupportedFeatureError(
                f"attachment {att.filename!r} has only a url; email needs the file's bytes: "
                "download it and pass Attachment(data=...), or put the link in the text",
                channel=channel,
                feature="attachment url",
            )
        maintype, _, subtype = (att.content_type or "application/octet-stream").partition("/")
        if not subtype:
            maintype, subtype = "application", "octet-stream"
        mime.add_attachment(att.data, maintype=maintype, subtype=subtype, filename=att.filename)
    return mime


class _Folded(str):
    """A header value already encoded and folded; stored and written as is."""

    __slots__ = ()


class _OutboundPolicy(EmailPolicy):
    """``email.policy.SMTP`` that writes :class:`_Folded` values verbatim.

    CPython's folder drops a space that falls exactly where it splits a long non-ASCII value into
    two encoded words (RFC 2047 §6.2 makes white space *between* encoded words invisible), so
    long Unicode subjects lost spaces. :func:`_subject` encodes them with :class:`email.header.Header`,
    which keeps every space inside an encoded word, and this policy stores the result untouched.
    """

    def header_store_parse(self, name: str, value: Any) -> tuple[str, Any]:
        if isinstance(value, _Folded):
            return (name, str(value))
        return super().header_store_parse(name, value)


_OUTBOUND_POLICY = _OutboundPolicy(linesep="\r\n")


def _subject(subject: str) -> str:
    if subject.isascii() and "=?" not in subject:
        return subject
    return _Folded(Header(subject, "utf-8", header_name="Subject").encode(linesep="\r\n"))


def _cte(text: str) -> str:
    # quoted-printable keeps mostly-ASCII text readable and every line under 998 octets;
    # 8bit would need the server's 8BITMIME, and base64 hides the text from humans.
    return (
        "quoted-printable"
        if not text.isascii() or any(len(line) > 900 for line in text.splitlines())
        else "7bit"
    )


# --- inbound ----------------------------------------------------------------------------------


class _UTF8HeaderPolicy(EmailPolicy):
    """``email.policy.default`` that also reads raw UTF-8 in headers (RFC 6532, SMTPUTF8 mail).

    BytesParser decodes headers as ASCII with surrogate escapes; the stock policy hands those
    surrogates on, so ``jürgen@example.org`` would come out mangled.
    """

    def header_fetch_parse(self, name: str, value: str) -> Any:
        if not hasattr(value, "name") and not value.isascii():
            # A value with real non-ASCII text (not escaped bytes) cannot be re-encoded: keep it.
            with contextlib.suppress(UnicodeEncodeError):
                value = value.encode("ascii", "surrogateescape").decode("utf-8", "replace")
        return super().header_fetch_parse(name, value)


_INBOUND_POLICY = _UTF8HeaderPolicy()

MAX_MIME_DEPTH = 100
"""Inbound MIME parts (multipart and attached ``message/rfc822``) nested deeper than this are refused.

Real mail nests a few levels (a forward of a forward of an alternative); the stdlib parser and
walkers recurse once per level, so a hostile 56 KB message of 1000 levels hit RecursionError."""


def parse_email(
    raw: bytes,
    *,
    channel: str = "smtp",
    provider: str = "smtp",
    max_bytes: int = DEFAULT_MAX_EMAIL_BYTES,
) -> InboundMessage:
    """Read one raw RFC 5322 message (as received, CRLF or LF line ends) into an InboundMessage.

    * ``sender``: the ``From`` mailbox as an email :class:`~omnilink.Identifier`;
    * ``recipient``: ``Delivered-To`` (the envelope recipient, set by the final MTA), else
      ``X-Original-To``, else the first ``To``/``Cc`` address;
    * ``message.text`` from the ``text/plain`` body, or the HTML body reduced to text;
      ``message.html``, ``message.subject`` (encoded words decoded), ``message.attachments``
      (every other leaf part, and attached ``message/rfc822`` emails as ``.eml`` bytes);
    * ``message.in_reply_to`` / ``message.references`` from the headers, so the reply threads;
    * ``provider_message_id`` and ``event_id``: the ``Message-ID`` (``<...>`` kept);
    * ``occurred_at``: the ``Date`` header when it parses, else now;
    * ``raw``: JSON-serializable ``{"headers": [[name, value], ...], "size": n, "sha256": hex}``;
      the body is not copied (it can be tens of megabytes); keep the bytes yourself if needed.

    Raises :class:`~omnilink.WebhookPayloadError` for input that is not an email (no headers,
    no ``From`` address), is larger than ``max_bytes``, or nests MIME parts more than
    :data:`MAX_MIME_DEPTH` levels deep.
    """
    if not isinstance(raw, bytes | bytearray):
        raise WebhookPayloadError(
            f"expected the raw message as bytes, got {type(raw).__name__}", provider=provider
        )
    if len(raw) > max_bytes:
        raise WebhookPayloadError(
            f"message of {len(raw)} bytes exceeds the {max_bytes}-byte limit (raise max_inbound_bytes "
            "if such messages are expected)",
            provider=provider,
        )
    if not raw.strip():
        raise WebhookPayloadError("the body is empty; expected a raw RFC 5322 message", provider=provider)
    try:
        mime = BytesParser(_class=EmailMessage, policy=_INBOUND_POLICY).parsebytes(bytes(raw))
        assert isinstance(mime, EmailMessage)
        # Checked before anything walks the tree: get_body, the attachments and as_bytes recurse too.
        _check_depth(mime, provider=provider)
        return _inbound(mime, raw=bytes(raw), channel=channel, provider=provider)
    except WebhookPayloadError:
        raise
    except RecursionError:
        # The stdlib parser itself recurses per level, so a deep enough message fails before the check.
        raise WebhookPayloadError(
            f"the message's MIME parts are nested too deeply to read (the limit is {MAX_MIME_DEPTH} "
            "levels); real mail is never nested like this",
            provider=provider,
        ) from None
    except (ValueError, LookupError, IndexError, TypeError, AttributeError, email.errors.MessageError) as exc:
        # The stdlib parser is lenient, but header objects can still fail on hostile input.
        raise WebhookPayloadError(f"cannot read the message: {exc!r}", provider=provider) from None


def _check_depth(mime: _MIMEPart, *, provider: str) -> None:
    """WebhookPayloadError when parts nest more than MAX_MIME_DEPTH levels (walked without recursion)."""
    stack: list[tuple[_MIMEPart, int]] = [(mime, 0)]
    while stack:
        part, depth = stack.pop()
        if depth > MAX_MIME_DEPTH:
            raise WebhookPayloadError(
                f"the message's MIME parts are nested more than {MAX_MIME_DEPTH} levels deep; "
                "real mail is never nested like this",
                provider=provider,
            )
        payload = part.get_payload()  # a multipart's parts, or a message/rfc822's one message
        if isinstance(payload, list):
            stack.extend((sub, depth + 1) for sub in payload if isinstance(sub, _MIMEPart))


def _inbound(mime: EmailMessage, *, raw: bytes, channel: str, provider: str) -> InboundMessage:
    if not mime.keys():
        raise WebhookPayloadError(
            "no RFC 5322 headers found; expected a raw email message", provider=provider
        )
    senders = _addresses(mime, "From")
    if not senders:
        raise WebhookPayloadError(
            f"the message has no usable From address (From: {mime.get('From')!r})", provider=provider
        )
    recipient = next(
        (a[0] for h in ("Delivered-To", "X-Original-To", "To", "Cc") if (a := _addresses(mime, h))),
        None,
    )

    text_part = mime.get_body(preferencelist=("plain",))
    html_part = mime.get_body(preferencelist=("html",))
    text = _text_of(text_part) if text_part is not None else None
    html = _text_of(html_part) if html_part is not None else None
    if text is None and html is not None:
        text = html_to_text(html)
    bodies = {id(p) for p in (text_part, html_part) if p is not None}
    attachments = tuple(_attachments(mime, skip=bodies))

    subject = mime.get("Subject")
    message_id = _first_id(mime.get("Message-ID"))
    in_reply_to = _first_id(mime.get("In-Reply-To"))
    references = msg_ids(_header_str(mime.get("References")))

    return InboundMessage(
        channel=channel,
        provider=provider,
        sender=email_identifier(senders[0]),
        recipient=recipient.lower() if recipient else None,
        message=Message(
            text=text,
            html=html,
            subject=str(subject) if subject is not None else None,
            attachments=attachments,
            in_reply_to=in_reply_to,
            references=references,
        ),
        provider_message_id=message_id,
        event_id=message_id,
        occurred_at=_date(mime.get("Date")),
        raw={
            "headers": [[k, _header_str(v)] for k, v in mime.items()],
            "size": len(raw),
            "sha256": hashlib.sha256(raw).hexdigest(),
        },
    )


def _header_str(value: Any) -> str:
    return "" if value is None else str(value)


def _addresses(mime: EmailMessage, name: str) -> list[str]:
    out: list[str] = []
    for header in mime.get_all(name) or ():
        addresses: Sequence[Address] = getattr(header, "addresses", ())
        if addresses:
            out.extend(a.addr_spec for a in addresses if a.addr_spec and "@" in a.addr_spec)
        else:  # an unstructured header (Delivered-To) or one the registry could not parse
            addr = email.utils.parseaddr(str(header))[1]
            if addr and "@" in addr:
                out.append(addr)
    return out


def _first_id(value: Any) -> str | None:
    ids = msg_ids(_header_str(value))
    if ids:
        return ids[0]
    text = _header_str(value).strip()
    return text or None


def _date(value: Any) -> datetime:
    try:
        when = email.utils.parsedate_to_datetime(_header_str(value))
    except (TypeError, ValueError, IndexError):
        return datetime.now(timezone.utc)
    return when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)


def _text_of(part: _MIMEPart) -> str:
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    charset = part.get_content_charset() or "utf-8"
    try:
        text = data.decode(charset, errors="replace")
    except LookupError:  # an unknown charset name: UTF-8 is the likeliest truth
        text = data.decode("utf-8", errors="replace")
    # Line ends as Python writes them; the transport's trailing newline is not part of the text.
    return text.replace("\r\n", "\n").rstrip()


def _attachments(part: _MIMEPart, *, skip: set[int]) -> Iterator[Attachment]:
    for index, leaf in enumerate(_leaves(part), start=1):
        if id(leaf) in skip:
            continue
        ctype = leaf.get_content_type()
        filename = leaf.get_filename()
        if ctype == "message/rfc822":
            inner = leaf.get_payload()
            first = inner[0] if isinstance(inner, list) and inner else None
            data = first.as_bytes() if isinstance(first, _MIMEPart) else b""
            yield Attachment(filename=filename or f"message-{index}.eml", content_type=ctype, data=data)
            continue
        disposition = leaf.get_content_disposition()
        if ctype in ("text/plain", "text/html") and filename is None and disposition != "attachment":
            continue  # a further body part (e.g. a footer added by a list server), not a file
        payload = leaf.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        ext = mimetypes.guess_extension(ctype) or ".bin"
        yield Attachment(filename=filename or f"attachment-{index}{ext}", content_type=ctype, data=data)


def _leaves(part: _MIMEPart) -> Iterator[_MIMEPart]:
    """Leaf parts, depth first, with an attached email (message/rfc822) as one leaf."""
    if part.get_content_type() == "message/rfc822" or not part.is_multipart():
        yield part
        return
    payload = part.get_payload()
    for sub in payload if isinstance(payload, list) else ():
        if isinstance(sub, _MIMEPart):
            yield from _leaves(sub)


# --- HTML to text -----------------------------------------------------------------------------


class _TextExtractor(HTMLParser):
    _BLOCK = frozenset(
        {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "hr"}
    )
    _SKIP = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCK:
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCK:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.chunks.append(data)


def html_to_text(html: str) -> str:
    """HTML reduced to readable plain text: tags, scripts and styles dropped, blocks on their own lines.

    >>> html_to_text("<p>Hello <b>there</b></p><p>Bye&nbsp;now</p>")
    'Hello there\\nBye now'
    """
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.chunks).replace("\xa0", " ").splitlines())
    return "\n".join(line for line in lines if line)
