"""The conformance checks, and the probe that drives a channel through the real clients.

Every check is a function ``check(harness) -> None`` that raises :class:`ConformanceFailure`
with a message naming what the channel did and what to change, or :class:`NotApplicable`.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import contextlib
import email.policy
import email.utils
import inspect
import json
import posixpath
import re
from collections.abc import Callable, Coroutine, Generator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Literal
from urllib.parse import quote, unquote, unquote_plus, unquote_to_bytes

import httpx
import phonenumbers

from omnilink.channels import Capabilities, Channel, ChannelKind, Delivery, Operation, validate_channel
from omnilink.client import AsyncClient, Client, RetryPolicy
from omnilink.exceptions import (
    AuthenticationError,
    MessageTooLongError,
    PluginError,
    ProviderError,
    RateLimitError,
    RecipientRejectedError,
    TransportError,
    WebhookPayloadError,
    WebhookVerificationError,
)
from omnilink.models import (
    Attachment,
    ConversationEvent,
    DeliveryStatus,
    InboundMessage,
    Message,
    OptOutEvent,
    SendResult,
    StatusUpdate,
)
from omnilink.testing._conformance_harness import (
    ChannelHarness,
    ConformanceFailure,
    NotApplicable,
    Outcome,
)
from omnilink.testing._conformance_io import FlowIOError, flow_code, io_attempts, io_tripwire
from omnilink.webhooks import WebhookRequest

__all__ = ["CHECKS", "Check"]

_AnyOutcome = Outcome | Literal["unreachable"]
"""The harness's outcomes, plus one only the kit simulates (an HTTP connect error)."""

ATTEMPTS = 3
"""Attempts the kit's clients make (RetryPolicy(attempts=3))."""

_EVENT_TYPES = (InboundMessage, StatusUpdate, OptOutEvent, ConversationEvent)
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True, slots=True)
class Check:
    """One conformance check: ``name`` (also the pytest test name, after ``test_``) and what it proves."""

    name: str
    func: Callable[[ChannelHarness], None]

    @property
    def description(self) -> str:
        return (inspect.getdoc(self.func) or self.name).splitlines()[0]


CHECKS: list[Check] = []


def _check(func: Callable[[ChannelHarness], None]) -> Callable[[ChannelHarness], None]:
    CHECKS.append(Check(func.__name__.removeprefix("check_"), func))
    return func


def _fail(channel: Channel | None, text: str) -> ConformanceFailure:
    who = f"channel {channel.name!r} ({type(channel).__name__})" if channel is not None else "the channel"
    return ConformanceFailure(f"{who}: {text}")


def _make(h: ChannelHarness) -> Channel:
    channel: Any = h.make_channel()
    if channel is None:
        raise ConformanceFailure(f"{type(h).__name__}.make_channel() returned None; return the channel")
    return channel  # type: ignore[no-any-return]


def _recipient(h: ChannelHarness) -> str:
    to = getattr(h, "recipient", None)
    if not isinstance(to, str) or not to:
        raise ConformanceFailure(
            f"{type(h).__name__} must set recipient = '...' (an address this channel can send to)"
        )
    return to


# --- driving a channel --------------------------------------------------------------------------


@dataclass
class _Attempt:
    """One call of ``send_flow`` (one attempt of one part) as the client made it."""

    key: str
    to: str
    message: Message
    outcome: _AnyOutcome
    steps: list[object] = field(default_factory=list)
    payloads: list[bytes | None] = field(default_factory=list)


@dataclass
class _Run:
    client: str
    result: SendResult | None
    raised: BaseException | None
    attempts: list[_Attempt]
    sleeps: list[float]

    def ok_result(self, channel: Channel, doing: str) -> SendResult:
        if self.raised is not None:
            raise _fail(
                channel,
                f"{self.client}.send raised {type(self.raised).__name__}: {self.raised} while {doing}. "
                "A flow must raise omnilink.ProviderError subclasses for provider failures (e.g. "
                "omnilink.providers._http.error_from_response(response, provider=self.name)), so the "
                "client can retry the retryable ones and return a failed SendResult for the rest",
            ) from self.raised
        assert self.result is not None
        return self.result

    @property
    def keys(self) -> list[str]:
        return [a.key for a in self.attempts]


def _payload(request: httpx.Request) -> bytes:
    """What one request carries, as raw bytes followed by the decoded views the kit searches."""
    try:
        body = request.read()
    except (RuntimeError, httpx.StreamError):
        body = b""
    text = body.decode("latin-1")
    url = str(request.url)
    headers = "\n".join(f"{k}: {v}" for k, v in request.headers.items())
    raw = "\n".join([url, unquote(url), headers, text, unquote_plus(text)]).encode("latin-1", "replace")
    # The percent-decoded URL and form body again, as bytes (unquote() above gives text, and latin-1
    # turns its non-latin-1 characters into "?"); a query string form-encoded, "+" for a space.
    unquoted = [
        unquote_to_bytes(url),
        unquote_to_bytes(url.replace("+", " ")),
        unquote_to_bytes(body.replace(b"+", b" ")),
    ]
    return b"\n".join([raw, *unquoted, _decoded(body, request.headers.get("content-type", ""))])


def _decoded(data: bytes, content_type: str | None) -> bytes:
    """The readable text inside a JSON or MIME (multipart, email) body, as UTF-8 bytes.

    A plugin may legitimately put a recipient or a text into the request in any ordinary encoding:
    a JSON string escapes non-ASCII and "/" characters, a MIME part may be base64 or
    quoted-printable, an email header RFC 2047-encoded. ``content_type`` None means "an
    Operation's bytes", which are tried as a whole MIME message (an email).
    """
    views: list[str] = []
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        pass
    else:
        views.extend(_json_strings(document))
    mime: bytes | None = None
    if content_type is None:
        mime = data
    elif content_type.lower().startswith("multipart/"):
        mime = b"Content-Type: " + content_type.encode("latin-1", "replace") + b"\r\n\r\n" + data
    if mime is not None:
        views.extend(_mime_text(mime))
    return "\n".join(views).encode("utf-8", "backslashreplace")


def _json_strings(document: object) -> list[str]:
    strings: list[str] = []
    stack = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            strings.append(value)
        elif isinstance(value, dict):
            strings.extend(str(k) for k in value)
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return strings


def _mime_text(data: bytes) -> list[str]:
    views: list[str] = []
    # Any bytes may come in, and the email package has raised assorted errors on odd input: what
    # cannot be parsed is simply not searched (what was read before the error still is).
    try:
        message = email.message_from_bytes(data, policy=email.policy.default)
        for part in message.walk():
            views.extend(f"{name}: {value}" for name, value in part.items())
            if part.is_multipart():
                continue
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                views.append(payload.decode("utf-8", "replace"))
                views.append(payload.decode("latin-1"))
    except Exception:
        return views
    return views


class _Intercepted:
    """Stands in for an Operation the flow yielded: runs it through the harness hooks."""

    def __init__(self, h: ChannelHarness, op: Operation, attempt: _Attempt, *, capture: bool) -> None:
        self._h = h
        self._op = op
        self._attempt = attempt
        self._capture = capture

    def _record(self, result: Any) -> None:
        if self._capture:
            try:
                data: bytes | None = self._h.transmitted(self._op, result)
            except NotApplicable:
                data = None
            if isinstance(data, str):
                data = data.encode("utf-8")
            self._attempt.payloads.append(None if data is None else data + b"\n" + _decoded(data, None))

    @property
    def _outcome(self) -> Outcome:
        # "unreachable" is simulated for HTTP only; an Operation gets the closest real outcome.
        return "timeout" if self._attempt.outcome == "unreachable" else self._attempt.outcome

    def run(self, *, timeout: float) -> Any:
        try:
            result = self._h.run_operation(self._op, self._outcome)
        except ProviderError:
            self._record(None)
            raise
        self._record(result)
        return result

    async def arun(self, *, timeout: float) -> Any:
        try:
            result = await self._h.arun_operation(self._op, self._outcome)
        except ProviderError:
            self._record(None)
            raise
        self._record(result)
        return result


def _start_flow(channel: Channel, message: Message, *, to: str, key: str) -> Generator[Any, Any, Any]:
    """Call ``send_flow`` under the I/O tripwire and check it returned a generator."""
    try:
        with flow_code():
            flow: Any = channel.send_flow(message, to=to, idempotency_key=key)
    except FlowIOError as exc:
        raise _fail(channel, f"calling send_flow() performed I/O before being iterated: {exc}") from None
    if io_attempts():
        raise _fail(channel, f"calling send_flow() attempted I/O ({', '.join(io_attempts())})")
    if not isinstance(flow, Generator):
        raise _fail(
            channel,
            f"send_flow() returned {type(flow).__name__}, not a generator; write it as a generator "
            "function (it yields httpx.Request or Operation objects and returns a Delivery), so that "
            "calling it does nothing until the client drives it",
        )
    return flow


def _advance(channel: Channel, flow: Generator[Any, Any, Any], reply: Any, *, first: bool) -> Any:
    try:
        with flow_code():
            step = next(flow) if first else flow.send(reply)
    except FlowIOError as exc:
        raise _fail(channel, f"send_flow performed I/O while being driven: {exc}") from None
    except StopIteration:
        _no_io(channel)
        raise
    _no_io(channel)
    return step


def _no_io(channel: Channel) -> None:
    """Fail if the flow attempted I/O, even if it swallowed the tripwire's exception."""
    if io_attempts():
        raise _fail(
            channel,
            f"send_flow attempted I/O itself ({', '.join(io_attempts())}); yield the request "
            "instead and let the client send it",
        )


def _check_step(channel: Channel, step: object) -> None:
    if not isinstance(step, httpx.Request | Operation):
        raise _fail(
            channel,
            f"send_flow yielded {type(step).__name__} ({step!r:.80}); it may only yield httpx.Request "
            "objects or Operation objects (with run(*, timeout) and async arun(*, timeout))",
        )


def _check_delivery(channel: Channel, value: object) -> Delivery:
    if not isinstance(value, Delivery):
        raise _fail(
            channel,
            f"send_flow returned {type(value).__name__} ({value!r:.80}); it must return "
            "omnilink.channels.Delivery(provider_message_id=..., status=...)",
        )
    if not isinstance(value.provider_message_id, str) or not value.provider_message_id:
        raise _fail(
            channel,
            f"the Delivery of a successful send has provider_message_id={value.provider_message_id!r}; "
            "return the provider's id for the message (status callbacks are matched on it)",
        )
    if not isinstance(value.status, DeliveryStatus) or value.status.is_failure:
        raise _fail(
            channel,
            f"the Delivery of a successful send has status={value.status!r}; use a DeliveryStatus "
            "such as QUEUED or SENT (failures are raised as ProviderError, not returned)",
        )
    return value


class _Probe:
    """Wraps the channel under test: records each attempt and routes its steps through the harness."""

    def __init__(
        self, h: ChannelHarness, inner: Channel, outcomes: Sequence[_AnyOutcome], *, capture: bool
    ) -> None:
        self.name = inner.name
        self.kind = inner.kind
        self.capabilities = inner.capabilities
        self.inner = inner
        self._h = h
        self._outcomes = outcomes
        self._capture = capture
        self.attempts: list[_Attempt] = []

    def send_flow(self, message: Message, *, to: str, idempotency_key: str) -> Generator[Any, Any, Delivery]:
        outcome = self._outcomes[min(len(self.attempts), len(self._outcomes) - 1)]
        attempt = _Attempt(key=idempotency_key, to=to, message=message, outcome=outcome)
        self.attempts.append(attempt)
        flow = _start_flow(self.inner, message, to=to, key=idempotency_key)
        reply: Any = None
        first = True
        try:
            while True:
                try:
                    step = _advance(self.inner, flow, reply, first=first)
                except StopIteration as stop:
                    return _check_delivery(self.inner, stop.value)
                first = False
                _check_step(self.inner, step)
                attempt.steps.append(step)
                if isinstance(step, httpx.Request):
                    reply = yield step
                else:
                    reply = yield _Intercepted(self._h, step, attempt, capture=self._capture)
        finally:
            flow.close()

    def verify_webhook(self, request: WebhookRequest) -> None:
        self.inner.verify_webhook(request)

    def parse_webhook(self, request: WebhookRequest) -> list[Any]:
        return self.inner.parse_webhook(request)

    def handler(self, request: httpx.Request) -> httpx.Response:
        """The MockTransport handler: the harness answers each request with the attempt's outcome."""
        attempt = self.attempts[-1]
        if self._capture:
            attempt.payloads.append(_payload(request))
        if attempt.outcome == "timeout":
            raise httpx.ReadTimeout("omnilink conformance: simulated timeout", request=request)
        if attempt.outcome == "unreachable":
            raise httpx.ConnectError("omnilink conformance: simulated connection refused", request=request)
        response = self._h.respond(request, attempt.outcome)
        if not isinstance(response, httpx.Response):
            raise ConformanceFailure(
                f"{type(self._h).__name__}.respond() returned {type(response).__name__}; return an "
                "httpx.Response"
            )
        return response


def _send(
    h: ChannelHarness,
    outcomes: Sequence[_AnyOutcome],
    *,
    asynchronous: bool,
    message: Message | None = None,
    channel: Channel | None = None,
    capture: bool = False,
    to: str | None = None,
) -> _Run:
    """Send one message through Client or AsyncClient, the provider answering with ``outcomes``."""
    inner = channel if channel is not None else _make(h)
    probe = _Probe(h, inner, outcomes, capture=capture)
    msg = message if message is not None else h.sample_message(inner)
    to = to if to is not None else _recipient(h)
    sleeps: list[float] = []
    policy = RetryPolicy(attempts=ATTEMPTS, initial_backoff=0.5, max_backoff=30.0)
    result: SendResult | None = None
    raised: BaseException | None = None
    with io_tripwire():
        try:
            if asynchronous:
                result = _run_coroutine(lambda: _asend(probe, policy, sleeps, msg, to))
            else:
                with (
                    httpx.Client(transport=httpx.MockTransport(probe.handler)) as http,
                    Client(channels=[probe], http=http, retry=policy, sleep=sleeps.append) as client,
                ):
                    result = client.send(msg, to=to, channel=probe.name)
        except (ConformanceFailure, NotApplicable):
            raise
        except Exception as exc:
            raised = exc
    return _Run("AsyncClient" if asynchronous else "Client", result, raised, probe.attempts, sleeps)


def _run_coroutine(make: Callable[[], Coroutine[Any, Any, SendResult]]) -> SendResult:
    """``asyncio.run`` it, in a worker thread if this thread already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


async def _asend(
    probe: _Probe, policy: RetryPolicy, sleeps: list[float], message: Message, to: str
) -> SendResult:
    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(probe.handler)) as http,
        AsyncClient(channels=[probe], http=http, retry=policy, sleep=sleep) as client,
    ):
        return await client.send(message, to=to, channel=probe.name)


def _both(h: ChannelHarness, outcomes: Sequence[_AnyOutcome], **kwargs: Any) -> list[_Run]:
    return [_send(h, outcomes, asynchronous=a, **kwargs) for a in (False, True)]


def _error(run: _Run, channel: Channel, doing: str) -> ProviderError:
    result = run.ok_result(channel, doing)
    if result.error is None:
        raise _fail(
            channel,
            f"{run.client}.send succeeded while {doing}: the provider's error response was taken for "
            f"a success (status={result.status.value}, id={result.provider_message_id!r}); check the "
            "response status before reading the body",
        )
    error: ProviderError = result.error
    return error


def _same_key(run: _Run, channel: Channel, result: SendResult) -> None:
    if len(set(run.keys)) != 1 or run.keys[0] != result.idempotency_key:
        raise _fail(channel, f"the attempts of one send saw different idempotency keys: {run.keys}")


def _uses_http(run: _Run) -> bool:
    return any(isinstance(s, httpx.Request) for a in run.attempts for s in a.steps)


# --- the channel object -------------------------------------------------------------------------


@_check
def check_protocol(h: ChannelHarness) -> None:
    """The channel satisfies the Channel protocol (validate_channel), with a usable name and kind."""
    channel = _make(h)
    try:
        validate_channel(channel, plugin=type(channel).__name__)
    except PluginError as exc:
        raise ConformanceFailure(str(exc)) from None
    if not _NAME.fullmatch(channel.name):
        raise _fail(
            channel,
            "the name must be letters, digits, '.', '_' or '-' (it is an entry-point name and a "
            "Client.send(channel=...) key), e.g. 'acme-sms'",
        )
    kinds = [k.value for k in ChannelKind]
    if channel.kind not in kinds:
        raise _fail(channel, f"kind {channel.kind!r} is not a ChannelKind value {kinds}; use 'other'")
    again = _make(h)
    if (again.name, again.kind) != (channel.name, channel.kind):
        raise _fail(channel, "two channels built with the same settings differ in name or kind")


@_check
def check_capabilities(h: ChannelHarness) -> None:
    """The declared Capabilities are consistent (types, positive limits, a known length policy)."""
    channel = _make(h)
    caps: Capabilities = channel.capabilities
    problems: list[str] = []
    for name in ("max_body", "max_attachment_bytes", "max_attachments"):
        value = getattr(caps, name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
            problems.append(f"{name}={value!r} must be None or a positive int")
    if caps.length_policy not in ("refuse", "split"):
        problems.append(f"length_policy={caps.length_policy!r} must be 'refuse' or 'split'")
    for name in (
        "attachments", "html", "subject", "templates", "rich_content", "threading", "read_receipts",
        "segmented", "attachments_by_url", "idempotency_keys",
    ):  # fmt: skip
        if not isinstance(getattr(caps, name), bool):
            problems.append(f"{name}={getattr(caps, name)!r} must be a bool")
    for name in ("max_attachment_bytes", "max_attachments", "attachments_by_url"):
        if getattr(caps, name) not in (None, False) and not caps.attachments:
            problems.append(f"{name} is set but attachments=False")
    window = caps.session_window
    if window is not None and (not isinstance(window, timedelta) or window <= timedelta(0)):
        problems.append(f"session_window={window!r} must be None or a positive timedelta")
    if problems:
        raise _fail(channel, "inconsistent Capabilities: " + "; ".join(problems))


# --- the send flow, driven by hand --------------------------------------------------------------


@_check
def check_send_flow_is_lazy(h: ChannelHarness) -> None:
    """send_flow() is a generator: calling it performs no I/O and does nothing until iterated."""
    channel = _make(h)
    with io_tripwire():
        flow = _start_flow(channel, h.sample_message(channel), to=_recipient(h), key="conformance-lazy")
    flow.close()


@_check
def check_send_flow_is_sans_io(h: ChannelHarness) -> None:
    """Driven by hand, the flow yields only httpx.Request/Operation, never does I/O itself, and
    returns a Delivery with the provider's message id."""
    channel = _make(h)
    to = _recipient(h)
    with io_tripwire():
        flow = _start_flow(channel, h.sample_message(channel), to=to, key="conformance-sans-io")
        reply: Any = None
        first = True
        steps = 0
        try:
            while True:
                try:
                    step = _advance(channel, flow, reply, first=first)
                except StopIteration as stop:
                    _check_delivery(channel, stop.value)
                    break
                first = False
                _check_step(channel, step)
                steps += 1
                if steps > 50:
                    raise _fail(channel, "send_flow yielded more than 50 steps for one plain message")
                if isinstance(step, httpx.Request):
                    reply = h.respond(step, "ok")
                    if not isinstance(reply, httpx.Response):
                        raise ConformanceFailure(
                            f"{type(h).__name__}.respond() returned {type(reply).__name__}; "
                            "return an httpx.Response"
                        )
                    reply.request = step
                    reply.read()
                else:
                    reply = h.run_operation(step, "ok")
        finally:
            flow.close()
    if steps == 0:
        raise _fail(channel, "send_flow returned without yielding anything: nothing would be sent")


# --- sending through the clients ----------------------------------------------------------------


@_check
def check_send_ok(h: ChannelHarness) -> None:
    """A successful send through Client and AsyncClient gives an ok SendResult with the provider id."""
    channel = _make(h)
    for run in _both(h, ["ok"], channel=channel):
        result = run.ok_result(channel, "sending a message the provider accepts")
        if not result.ok:
            raise _fail(channel, f"{run.client}.send of an accepted message failed: {result.error}")
        if not result.provider_message_id:
            raise _fail(channel, f"{run.client}.send gave no provider_message_id")
        if len(run.attempts) != 1 or result.attempts != 1:
            raise _fail(channel, f"{run.client}.send made {len(run.attempts)} attempts for one success")
        _same_key(run, channel, result)


_SCHEMES = ("whatsapp:", "tel:", "sms:", "mailto:")
_PHONE = re.compile(r"\+?[\d\s().-]{7,}")
_MARKS = ("ocx5d1b", "ocx8e4f")
"""Tokens that make each of the two messages of the recipient check recognisable."""


def _unscheme(address: str) -> str:
    for scheme in _SCHEMES:
        if address.lower().startswith(scheme):
            return address[len(scheme) :]
    return address


_PHONE_KINDS = frozenset({"sms", "mms", "whatsapp", "voice", "rcs"})
"""Channel kinds whose recipients are phone numbers, which a flow may write in another form."""


def _recipient_forms(to: str, kind: str) -> list[bytes]:
    """The ways an honest flow may write ``to`` into a request.

    As given; without a ``whatsapp:``/``tel:`` scheme (a flow may add its own); an email address
    without its display name, lower-cased, with an IDNA domain; on a phone channel (``kind`` sms,
    mms, whatsapp, voice, rcs), a phone number in E.164 with or without its ``+``, or as its national
    number (an API for one country may want that). On other channels digits are an id, written as
    given: a Telegram chat id ``-1001234567890`` sent as ``1001234567890`` is another chat.
    """
    core = _unscheme(to.strip())
    forms = {to, to.strip(), core, core.lower()}
    _, address = email.utils.parseaddr(core)
    if "@" in address:
        local, _, domain = address.rpartition("@")
        forms |= {address, address.lower()}
        with contextlib.suppress(UnicodeError):  # a domain IDNA cannot encode: no such form
            forms.add(f"{local}@{domain.encode('idna').decode('ascii')}")
    elif kind in _PHONE_KINDS and _PHONE.fullmatch(core):
        digits = re.sub(r"\D", "", core)
        forms |= {digits, "+" + digits}
        try:
            number = phonenumbers.parse("+" + digits)
        except phonenumbers.NumberParseException:
            pass
        else:
            forms.add(str(number.national_number))
    return sorted((f.encode("utf-8") for f in forms if f), key=len, reverse=True)


def _second_recipient(h: ChannelHarness, first: str) -> str:
    """The harness's ``other_recipient``, or one derived from ``first`` (``first`` if none can be)."""
    other = getattr(h, "other_recipient", None)
    if other is not None:
        if not isinstance(other, str) or not other or other == first:
            raise ConformanceFailure(
                f"{type(h).__name__}.other_recipient = {other!r}: set it to a second address, different "
                f"from recipient {first!r} (or None to let the kit derive one)"
            )
        return other
    core = _unscheme(first.strip())
    _, address = email.utils.parseaddr(core)
    local, at, domain = address.rpartition("@")
    if at and local and domain:  # an email address ("@acme_bot", a handle, has no local part)
        return first.replace(address, f"{local}-2@{domain}")
    # Anything else (a phone number, a chat id, a channel id, a handle): change the last ASCII
    # letter or digit, keeping the rest: "+1 415 555 0100" -> "+1 415 555 0101", "C024BE91L" ->
    # "C024BE91M", "@acme_bot" -> "@acme_bou". Only an address with neither is sent to twice.
    for i in range(len(first) - 1, -1, -1):
        c = first[i]
        if c.isascii() and c.isalnum():
            ring = "0123456789" if c.isdigit() else "abcdefghijklmnopqrstuvwxyz"
            nxt = ring[(ring.index(c.lower()) + 1) % len(ring)]
            return f"{first[:i]}{nxt.upper() if c.isupper() else nxt}{first[i + 1 :]}"
    return first


def _marked_text(limit: int | None, mark: str) -> str:
    for text in (f"Hello from the omnilink conformance kit ({mark})", f"omnilink {mark}", mark):
        if limit is None or len(text) <= limit:
            return text
    raise NotApplicable(f"max_body={limit} is too short for a text the kit can recognise ({mark!r})")


def _marked_attachment(attachment: Attachment, mark: str) -> Attachment:
    stem, extension = posixpath.splitext(attachment.filename)
    url = attachment.url
    if url is not None:
        url = f"{url}{'&' if '?' in url else '?'}omnilink={mark}"
    return attachment.model_copy(update={"filename": f"{stem}-{mark}{extension}", "url": url})


def _seen(run: _Run, channel: Channel, doing: str) -> list[list[bytes]]:
    """What each attempt of an ok send transmitted; NotApplicable if the kit cannot see it."""
    result = run.ok_result(channel, doing)
    if not result.ok:
        raise _fail(channel, f"{run.client}.send failed while {doing}: {result.error}")
    seen: list[list[bytes]] = []
    for attempt in run.attempts:
        payloads = [p for p in attempt.payloads if p is not None]
        if not payloads or len(payloads) != len(attempt.payloads):
            raise NotApplicable(
                "the kit cannot see what an operation sends; implement transmitted(operation, result)"
            )
        seen.append(payloads)
    return seen


def _shown(forms: Sequence[bytes]) -> str:
    """The forms the kit looked for, binary ones (an attachment's data) by their size."""
    shown = []
    for form in forms[:4]:
        text = form.decode("utf-8", "replace")
        printable = text.isprintable() and "\ufffd" not in text
        shown.append(repr(_show(form, 100)) if printable else f"its {len(form)} bytes of data")
    return ", ".join(shown)


@_check
def check_recipient_and_content_sent(h: ChannelHarness) -> None:
    """Two sends, to two recipients with two texts (and subjects, attachments if declared), each
    carry their own recipient and content to the provider."""
    channel = _make(h)
    caps = channel.capabilities
    first = _recipient(h)
    base = h.sample_message(channel)
    sends: list[tuple[str, Message, dict[str, list[bytes]]]] = []
    for to, mark in zip((first, _second_recipient(h, first)), _MARKS, strict=True):
        text = _marked_text(caps.max_body, mark)
        update: dict[str, object] = {"text": text}
        needles = {"recipient": _recipient_forms(to, channel.kind), "text": [text.encode()]}
        if caps.subject:
            subject = f"omnilink conformance subject {mark}"
            update["subject"] = subject
            needles["subject"] = [subject.encode()]
        if caps.attachments:
            att = _marked_attachment(h.sample_attachment(), mark)
            update["attachments"] = (att,)
            needles["attachment"] = [n.encode() for n in (att.url, att.filename) if n]
            if att.data:
                needles["attachment"] += [att.data, base64.b64encode(att.data)]
        sends.append((to, base.model_copy(update=update), needles))
    for asynchronous in (False, True):
        for to, message, needles in sends:
            run = _send(
                h, ["ok"], asynchronous=asynchronous, channel=channel, message=message, capture=True, to=to
            )
            sent = [p for payloads in _seen(run, channel, f"sending a message to {to!r}") for p in payloads]
            for what, forms in needles.items():
                if any(form in p for p in sent for form in forms):
                    continue
                if what == "recipient":
                    raise _fail(
                        channel,
                        f"{run.client}.send of a message to {to!r} sent the provider none of "
                        f"{_shown(forms)}; address each request to the `to` its send_flow is given (a "
                        "hard-coded or cached recipient sends every customer's messages to one person)",
                    )
                raise _fail(
                    channel,
                    f"{run.client}.send of a message with the {what} {_show(forms[0], 100)!r} sent the "
                    f"provider none of {_shown(forms)}; put the message's {what} into the request (the kit "
                    "reads the URL, the headers, and URL-encoded, form, JSON and MIME bodies, base64 parts "
                    "included)",
                )


@_check
def check_server_error_is_retried(h: ChannelHarness) -> None:
    """A provider failure raises a retryable ProviderError; each retry gets the same idempotency key."""
    channel = _make(h)
    for run in _both(h, ["server_error"], channel=channel):
        error = _error(run, channel, "the provider answered with a server error")
        if not error.retryable:
            raise _fail(
                channel,
                f"a server error became {type(error).__name__} with retryable=False; it must be "
                "retryable (ServerError), so the client tries again",
            )
        if len(run.attempts) != ATTEMPTS:
            raise _fail(channel, f"{run.client} made {len(run.attempts)} attempts, expected {ATTEMPTS}")
        if _uses_http(run) and error.status_code is None:
            raise _fail(channel, "the ProviderError has no status_code; pass the response along")
        _same_key(run, channel, run.ok_result(channel, ""))
    for run in _both(h, ["server_error", "ok"], channel=channel):
        result = run.ok_result(channel, "retrying after a server error")
        if not result.ok or result.attempts != 2:
            raise _fail(
                channel,
                f"after one server error and a success, {run.client}.send gave ok={result.ok} in "
                f"{result.attempts} attempts (expected ok after 2): {result.error}",
            )
        _same_key(run, channel, result)


@_check
def check_auth_error_is_not_retried(h: ChannelHarness) -> None:
    """Refused credentials raise AuthenticationError (retryable=False), tried exactly once."""
    channel = _make(h)
    for run in _both(h, ["auth_error"], channel=channel):
        error = _error(run, channel, "the provider refused the credentials")
        if not isinstance(error, AuthenticationError):
            raise _fail(
                channel,
                f"refused credentials raised {type(error).__name__}, expected AuthenticationError "
                "(error_from_response maps 401/403 to it)",
            )
        if error.retryable or len(run.attempts) != 1:
            raise _fail(
                channel,
                f"refused credentials were tried {len(run.attempts)} times (retryable="
                f"{error.retryable}); an auth failure is permanent and must not be retried",
            )


@_check
def check_rate_limit_honours_retry_after(h: ChannelHarness) -> None:
    """Rate limiting raises a retryable RateLimitError carrying the provider's retry_after,
    and the client waits exactly that long before retrying."""
    channel = _make(h)
    for run in _both(h, ["rate_limited"], channel=channel):
        error = _error(run, channel, "the provider rate-limited the send")
        if not isinstance(error, RateLimitError) or not error.retryable:
            raise _fail(
                channel,
                f"rate limiting raised {type(error).__name__} (retryable={error.retryable}), expected "
                "a retryable RateLimitError",
            )
        if h.retry_after is not None and error.retry_after != h.retry_after:
            raise _fail(
                channel,
                f"the RateLimitError has retry_after={error.retry_after!r}, but the provider asked for "
                f"{h.retry_after!r}s; read the provider's Retry-After (parse_retry_after)",
            )
    for run in _both(h, ["rate_limited", "ok"], channel=channel):
        result = run.ok_result(channel, "retrying after rate limiting")
        if not result.ok or result.attempts != 2:
            raise _fail(channel, f"{run.client} did not recover from one rate limit: {result.error}")
        if h.retry_after is not None and run.sleeps != [h.retry_after]:
            raise _fail(channel, f"{run.client} waited {run.sleeps} before retrying, not [{h.retry_after}]")
        _same_key(run, channel, result)


@_check
def check_rejected_recipient(h: ChannelHarness) -> None:
    """A refused recipient raises RecipientRejectedError: a REJECTED result, not retried."""
    channel = _make(h)
    for run in _both(h, ["rejected"], channel=channel):
        error = _error(run, channel, "the provider refused the recipient")
        if not isinstance(error, RecipientRejectedError):
            raise _fail(
                channel,
                f"a refused recipient raised {type(error).__name__}: {error}; raise "
                "RecipientRejectedError (error_from_response(..., provider_code=code, "
                "rejected_codes={...}) does it for the provider's recipient error codes)",
            )
        result = run.ok_result(channel, "")
        if result.status is not DeliveryStatus.REJECTED or len(run.attempts) != 1 or error.retryable:
            raise _fail(
                channel,
                f"a refused recipient gave status={result.status.value} after {len(run.attempts)} "
                "attempt(s); expected REJECTED after 1 (not retryable)",
            )


@_check
def check_transport_errors(h: ChannelHarness) -> None:
    """A request that never reached the provider is retried; one that timed out after being sent is
    retried (with the same key) only if the channel declares idempotency_keys."""
    channel = _make(h)
    idempotent = channel.capabilities.idempotency_keys
    for run in _both(h, ["timeout"], channel=channel):
        error = _error(run, channel, "the provider did not answer in time")
        if not isinstance(error, TransportError):
            raise _fail(
                channel,
                f"a timeout raised {type(error).__name__}; raise ProviderTimeoutError (a TransportError)",
            )
        http = _uses_http(run)
        if http and error.retryable != idempotent:
            raise _fail(
                channel,
                f"a read timeout was {'retried' if error.retryable else 'not retried'} although the "
                f"channel declares idempotency_keys={idempotent}",
            )
        if not error.retryable and len(run.attempts) != 1:
            raise _fail(channel, f"a non-retryable timeout was tried {len(run.attempts)} times")
        if error.retryable:
            recovered = _send(h, ["timeout", "ok"], asynchronous=run.client == "AsyncClient", channel=channel)
            result = recovered.ok_result(channel, "retrying after a timeout")
            if not result.ok or result.attempts != 2:
                raise _fail(channel, f"{run.client} did not recover from one timeout: {result.error}")
            _same_key(recovered, channel, result)
    if not _uses_http(run):
        return
    for run in _both(h, ["unreachable", "ok"], channel=channel):
        result = run.ok_result(channel, "retrying after a connection error")
        if not result.ok or result.attempts != 2:
            raise _fail(
                channel,
                f"{run.client} did not retry a request that never left (ConnectError): {result.error}",
            )
        _same_key(run, channel, result)


@_check
def check_idempotency_key_forwarded(h: ChannelHarness) -> None:
    """(idempotency_keys=True) Every attempt sends the same idempotency key to the provider."""
    channel = _make(h)
    if not channel.capabilities.idempotency_keys:
        raise NotApplicable("the channel does not declare idempotency_keys")
    for run in _both(h, ["server_error", "ok"], channel=channel, capture=True):
        result = run.ok_result(channel, "retrying after a server error")
        seen = 0
        for i, attempt in enumerate(run.attempts):
            payloads = [p for p in attempt.payloads if p is not None]
            if not payloads:
                continue
            seen += 1
            if not any(attempt.key.encode() in p for p in payloads):
                raise _fail(
                    channel,
                    f"attempt {i + 1} of {result.attempts} ({run.client}) did not send the idempotency "
                    f"key {attempt.key!r} to the provider",
                )
        if not seen:
            raise NotApplicable("the kit cannot see what an operation sends (implement transmitted)")


# --- webhooks -----------------------------------------------------------------------------------


def _examples(h: ChannelHarness, *, secret: str | None = None) -> list[WebhookRequest]:
    examples = list(h.signed_webhooks(secret=secret if secret is not None else h.webhook_secret))
    if not examples:
        raise NotApplicable("signed_webhooks() returned no examples, so webhook checks do not run")
    for i, ex in enumerate(examples):
        if not isinstance(ex, WebhookRequest):
            raise ConformanceFailure(
                f"signed_webhooks() item {i} is {type(ex).__name__}; return omnilink.WebhookRequest objects"
            )
    return examples


def _describe(request: WebhookRequest) -> str:
    return f"{request.method} {request.url} ({len(request.body)}-byte {request.content_type or 'body'})"


def _expect_refused(channel: Channel, request: WebhookRequest, what: str) -> None:
    try:
        returned: object = channel.verify_webhook(request)  # type: ignore[func-returns-value]
    except WebhookVerificationError:
        return
    except Exception as exc:
        raise _fail(
            channel,
            f"verify_webhook raised {type(exc).__name__}: {exc} for {what}; it must raise "
            "omnilink.WebhookVerificationError for anything the provider did not sign",
        ) from exc
    raise _fail(
        channel,
        f"verify_webhook accepted {what} (returned {returned!r}) for {_describe(request)}; it must "
        "raise WebhookVerificationError (check the signature over the raw body, with hmac.compare_digest)",
    )


def _with_body(request: WebhookRequest, body: bytes) -> WebhookRequest:
    return WebhookRequest(method=request.method, url=request.url, headers=request.headers, body=body)


@_check
def check_webhook_examples_verify(h: ChannelHarness) -> None:
    """Every signed example passes verify_webhook, which returns None."""
    channel = _make(h)
    for i, request in enumerate(_examples(h)):
        try:
            returned: object = channel.verify_webhook(request)  # type: ignore[func-returns-value]
        except Exception as exc:
            raise _fail(
                channel,
                f"verify_webhook refused signed example {i} ({_describe(request)}): {exc}. Either the "
                "example is not signed the way the provider signs, or the channel checks the wrong bytes",
            ) from exc
        if returned is not None:
            raise _fail(
                channel,
                f"verify_webhook returned {returned!r}; it must return None and raise "
                "WebhookVerificationError on failure (a returned False is easily ignored)",
            )


@_check
def check_webhook_tampered_body_refused(h: ChannelHarness) -> None:
    """A signed example with one byte of its body flipped is refused (WebhookVerificationError)."""
    if not getattr(h, "webhook_signs_body", True):
        raise NotApplicable("webhook_signs_body is False (a shared secret, not a signature over the body)")
    channel = _make(h)
    tried = 0
    for request in _examples(h):
        body = request.body
        for pos in sorted({0, len(body) // 2, len(body) - 1}):
            if not body:
                break
            tampered = body[:pos] + bytes([body[pos] ^ 0x01]) + body[pos + 1 :]
            _expect_refused(channel, _with_body(request, tampered), f"a body with byte {pos} flipped")
            tried += 1
    if not tried:
        raise NotApplicable("every example has an empty body")


@_check
def check_webhook_unsigned_refused(h: ChannelHarness) -> None:
    """A signed example stripped of its signature is refused (WebhookVerificationError)."""
    channel = _make(h)
    for request in _examples(h):
        _expect_refused(channel, h.unsigned_webhook(request), "a request without its signature")


@_check
def check_webhook_wrong_secret_refused(h: ChannelHarness) -> None:
    """Examples signed with a secret the channel does not have are refused."""
    channel = _make(h)
    for request in _examples(h, secret=h.wrong_webhook_secret):
        _expect_refused(
            channel,
            request,
            f"a request signed with the wrong secret {h.wrong_webhook_secret!r} (if signed_webhooks() "
            "ignores its secret argument, fix the harness)",
        )


@_check
def check_webhook_replay_refused(h: ChannelHarness) -> None:
    """(webhook_replay_window set) Examples signed longer ago than the replay window are refused."""
    if h.webhook_replay_window is None:
        raise NotApplicable("webhook_replay_window is None (the signature scheme has no timestamp)")
    channel = _make(h)
    clock = h.webhook_clock
    now = clock.now
    clock.now = now - h.webhook_replay_window - 60
    try:
        old = _examples(h)
    finally:
        clock.now = now
    for request in old:
        _expect_refused(
            channel, request, f"a request signed {h.webhook_replay_window + 60:.0f}s ago (a replay)"
        )


@_check
def check_webhook_redated_replay_refused(h: ChannelHarness) -> None:
    """(webhook_replay_window set) An expired example whose timestamp is rewritten to now, without
    re-signing, is refused: the signature must cover the timestamp."""
    if h.webhook_replay_window is None:
        raise NotApplicable("webhook_replay_window is None (the signature scheme has no timestamp)")
    channel = _make(h)
    clock = h.webhook_clock
    now = clock.now
    age = h.webhook_replay_window + 60
    clock.now = now - age
    try:
        old = _examples(h)
    finally:
        clock.now = now
    # The signing time as the examples may write it (_time_forms), in a header ("t=...,v1=..."
    # included) or in the URL. A timestamp in the body is covered by the tampered-body check.
    forms = list(zip(_time_forms(now - age), _time_forms(now), strict=True))
    tried = 0
    for request in old:
        source = httpx.Headers(request.headers)
        headers = list(source.raw)
        url = request.url
        for then, current in forms:
            headers = [(name, value.replace(then.encode(), current.encode())) for name, value in headers]
            url = url.replace(then, current).replace(quote(then, safe=""), quote(current, safe=""))
        where = [
            name.decode("latin-1")
            for (name, value), (_, was) in zip(headers, source.raw, strict=True)
            if value != was
        ]
        if url != request.url:
            where.append("the URL")
        if not where:
            continue
        tried += 1
        redated = WebhookRequest(
            method=request.method,
            url=url,
            headers=httpx.Headers(headers, encoding=source.encoding),
            body=request.body,
        )
        _expect_refused(
            channel,
            redated,
            f"a request signed {age:.0f}s ago whose timestamp (in {', '.join(where)}) was rewritten to now "
            "without re-signing (a captured request replayed with a fresh date; sign the timestamp with "
            "the body, e.g. f'{timestamp}.'.encode() + body)",
        )
    if not tried:
        raise NotApplicable(
            f"no signed example carries its signing time (self.webhook_clock() as Unix seconds, "
            f"{forms[0][0]}, ISO 8601, {forms[1][0]}, or an HTTP date, {forms[3][0]}) in a header or "
            "the URL, so the kit cannot re-date one"
        )


def _time_forms(t: float) -> tuple[str, ...]:
    """The ways a signature scheme writes the time ``t``, each a prefix of what it writes whatever
    follows (fractions of a second, a time zone): Unix seconds (milliseconds start with the same
    digits), ISO 8601 with a ``T`` or a space, and an HTTP date (RFC 9110)."""
    at = datetime.fromtimestamp(int(t), timezone.utc)
    return (
        str(int(t)),
        at.strftime("%Y-%m-%dT%H:%M:%S"),
        at.strftime("%Y-%m-%d %H:%M:%S"),
        email.utils.format_datetime(at, usegmt=True).removesuffix(" GMT"),
    )


def _check_events(channel: Channel, events: object, what: str, *, nonempty: bool) -> None:
    if not isinstance(events, list):
        raise _fail(channel, f"parse_webhook returned {type(events).__name__} for {what}; return a list")
    if nonempty and not events:
        raise _fail(
            channel,
            f"parse_webhook returned no events for {what}; signed_webhooks() should give requests that "
            "carry an inbound message or a status change",
        )
    for event in events:
        if not isinstance(event, _EVENT_TYPES):
            raise _fail(
                channel,
                f"parse_webhook returned a {type(event).__name__} for {what}; events must be "
                "InboundMessage, StatusUpdate, OptOutEvent or ConversationEvent",
            )
        if event.channel != channel.name:
            raise _fail(
                channel, f"an event from {what} has channel={event.channel!r}, expected {channel.name!r}"
            )
        if event.raw is None:
            raise _fail(
                channel,
                f"a {type(event).__name__} from {what} has raw=None; keep the provider's payload in "
                "raw (users need fields omnilink does not normalize)",
            )
        if not isinstance(event.provider, str) or not event.provider:
            raise _fail(channel, f"an event from {what} has no provider name")


@_check
def check_webhook_events_typed(h: ChannelHarness) -> None:
    """parse_webhook turns every example into typed Events, each keeping raw, with channel == name."""
    channel = _make(h)
    for i, request in enumerate(_examples(h)):
        try:
            events = channel.parse_webhook(request)
        except Exception as exc:
            raise _fail(
                channel, f"parse_webhook failed on signed example {i}: {type(exc).__name__}: {exc}"
            ) from exc
        _check_events(channel, events, f"signed example {i}", nonempty=True)


@_check
def check_webhook_oversized_body_refused(h: ChannelHarness) -> None:
    """A body one byte over max_webhook_bytes raises WebhookPayloadError before being parsed."""
    channel = _make(h)
    request = _examples(h)[0]
    pad = max(0, h.max_webhook_bytes + 1 - len(request.body))
    big = _with_body(request, request.body + b" " * pad)
    try:
        channel.parse_webhook(big)
    except WebhookPayloadError:
        return
    except Exception as exc:
        raise _fail(
            channel,
            f"parse_webhook raised {type(exc).__name__} for a {len(big.body)}-byte body; raise "
            "WebhookPayloadError (omnilink.webhooks.json_body/form_params check the size for you)",
        ) from exc
    raise _fail(
        channel,
        f"parse_webhook accepted a {len(big.body)}-byte body, over max_webhook_bytes="
        f"{h.max_webhook_bytes}; refuse oversized bodies with WebhookPayloadError before parsing",
    )


_MALFORMED = (
    b"",
    b"\xff\xfe\xfa\x00garbage",
    b"{",
    b'{"a": [1, 2',
    b"null",
    b"[]",
    b"42",
    b'"text"',
    b'{"unexpected": true}',
    b"=&=&%zz&a",
    b"<xml/>",
)


@_check
def check_webhook_malformed_body(h: ChannelHarness) -> None:
    """Malformed or truncated bodies give WebhookPayloadError or typed events, never another exception."""
    channel = _make(h)
    for request in _examples(h):
        body = request.body
        bodies = list(_MALFORMED) + [body[: len(body) * k // 4] for k in (1, 2, 3)] + [body + b"\x00{"]
        for candidate in bodies:
            what = f"the malformed body {candidate[:40]!r}"
            try:
                events = channel.parse_webhook(_with_body(request, candidate))
            except WebhookPayloadError:
                continue
            except Exception as exc:
                raise _fail(
                    channel,
                    f"parse_webhook raised {type(exc).__name__}: {exc} for {what}; catch what the "
                    "parser raises and raise WebhookPayloadError (a web framework answers it with 400 "
                    "instead of 500, and the provider stops retrying)",
                ) from exc
            _check_events(channel, events, what, nonempty=False)


# --- capabilities -------------------------------------------------------------------------------


def _sent_contains(
    h: ChannelHarness, channel: Channel, message: Message, needles: Sequence[bytes], feature: str
) -> None:
    for run in _both(h, ["ok"], channel=channel, message=message, capture=True):
        result = run.ok_result(channel, f"sending a message with {feature}")
        if not result.ok:
            raise _fail(channel, f"{run.client}.send of a message with {feature} failed: {result.error}")
        payloads = [p for a in run.attempts for p in a.payloads]
        if not payloads or any(p is None for p in payloads):
            raise NotApplicable(
                "the kit cannot see what an operation sends; implement transmitted(operation, result)"
            )
        if not any(n in p for p in payloads if p is not None for n in needles):
            raise _fail(
                channel,
                f"the channel declares {feature}, but none of {[_show(n) for n in needles]} appears "
                f"in what it sent ({run.client}); put the message's {feature} into the request",
            )


def _show(needle: bytes, limit: int = 60) -> str:
    return needle.decode("utf-8", "backslashreplace")[:limit]


@_check
def check_attachments(h: ChannelHarness) -> None:
    """(attachments=True) An attachment appears in the outgoing request (its URL, name or data)."""
    channel = _make(h)
    if not channel.capabilities.attachments:
        raise NotApplicable("the channel does not declare attachments")
    att = h.sample_attachment()
    message = h.sample_message(channel).model_copy(update={"attachments": (att,)})
    needles = [n.encode() for n in (att.url, att.filename) if n]
    if att.data:
        needles += [att.data, base64.b64encode(att.data)[:60]]
    _sent_contains(h, channel, message, needles, "attachments")


@_check
def check_templates(h: ChannelHarness) -> None:
    """(templates=True) A template message is sent, and the template's name is in the request."""
    channel = _make(h)
    if not channel.capabilities.templates:
        raise NotApplicable("the channel does not declare templates")
    template = h.sample_template()
    _sent_contains(h, channel, Message(template=template), [template.name.encode()], "templates")


@_check
def check_subject(h: ChannelHarness) -> None:
    """(subject=True) The message's subject is in the request."""
    channel = _make(h)
    if not channel.capabilities.subject:
        raise NotApplicable("the channel does not declare subject")
    message = h.sample_message(channel).model_copy(update={"subject": "omnilink conformance 7c1e"})
    _sent_contains(h, channel, message, [b"omnilink conformance 7c1e"], "a subject")


@_check
def check_html(h: ChannelHarness) -> None:
    """(html=True) The message's HTML body is in the request."""
    channel = _make(h)
    if not channel.capabilities.html:
        raise NotApplicable("the channel does not declare html")
    message = h.sample_message(channel).model_copy(update={"html": "<p>omnilink-conformance-html</p>"})
    _sent_contains(h, channel, message, [b"omnilink-conformance-html"], "an HTML body")


@_check
def check_threading(h: ChannelHarness) -> None:
    """(threading=True) Message.in_reply_to is in the request."""
    channel = _make(h)
    if not channel.capabilities.threading:
        raise NotApplicable("the channel does not declare threading")
    message = h.sample_message(channel).model_copy(
        update={"in_reply_to": "<omnilink-conformance-parent@example.com>"}
    )
    _sent_contains(h, channel, message, [b"omnilink-conformance-parent"], "in_reply_to (threading)")


def _numbered_text(length: int, letter: str) -> str:
    """``length`` characters of numbered words ("w0 w1 w2 ..."), ending in a letter.

    No stretch of it repeats another, so the kit can tell which part of a split body a request
    carries (a body of one repeated word would be found in any request that carries a little of it);
    two texts of different letters share no word either.
    """
    words: list[str] = []
    size = 0
    while size < length:
        words.append(f"{letter}{len(words)}")
        size += len(words[-1]) + 1
    return " ".join(words)[: length - 1] + "z"


@_check
def check_length_policy(h: ChannelHarness) -> None:
    """(max_body set) A body of max_body characters is sent whole, in one send; one longer is refused
    (MessageTooLongError) or split into several sends, each carrying its part, per length_policy."""
    channel = _make(h)
    caps = channel.capabilities
    if caps.max_body is None:
        raise NotApplicable("the channel declares no max_body")
    base = h.sample_message(channel)
    # What the client passed in is only half the story: the checks below also look for each text in
    # what the flow sent, so a flow that truncates, drops or rewrites the body does not pass.
    unseen = False
    exact = _numbered_text(caps.max_body, "w")
    message = base.model_copy(update={"text": exact})
    for run in _both(h, ["ok"], channel=channel, message=message, capture=True):
        result = run.ok_result(channel, f"sending a body of exactly max_body={caps.max_body} characters")
        if not result.ok or len(run.attempts) != 1:
            raise _fail(
                channel,
                f"a body of exactly max_body={caps.max_body} characters took {len(run.attempts)} sends "
                f"(ok={result.ok}: {result.error}); it must go in one",
            )
        try:
            (sent,) = _seen(run, channel, "")
        except NotApplicable:
            unseen = True
            continue
        if not any(exact.encode() in p for p in sent):
            raise _fail(
                channel,
                f"a body of exactly max_body={caps.max_body} characters ({_show(exact.encode())!r}...) does "
                f"not appear whole in what {run.client}.send sent; a body within max_body must reach the "
                "provider as given (not truncated, dropped or replaced)",
            )
    over = _numbered_text(caps.max_body + 2, "x")
    message = base.model_copy(update={"text": over})
    for run in _both(h, ["ok"], channel=channel, message=message, capture=True):
        if caps.length_policy == "refuse":
            if not isinstance(run.raised, MessageTooLongError) or run.attempts:
                raise _fail(
                    channel,
                    f"length_policy='refuse': a {len(over)}-character body gave {run.raised!r} after "
                    f"{len(run.attempts)} send(s); expected MessageTooLongError before any send",
                )
            continue
        result = run.ok_result(channel, f"sending a {len(over)}-character body with length_policy='split'")
        texts = [a.message.text or "" for a in run.attempts]
        if not result.ok or len(texts) < 2 or any(len(t) > caps.max_body for t in texts):
            raise _fail(
                channel,
                f"length_policy='split': a {len(over)}-character body went as {len(texts)} part(s) of "
                f"{[len(t) for t in texts]} characters (ok={result.ok}); expected several parts of at "
                f"most {caps.max_body}",
            )
        if len(result.provider_message_ids) != len(texts) or len(set(run.keys)) != len(texts):
            raise _fail(
                channel,
                f"length_policy='split': {len(texts)} parts gave ids {result.provider_message_ids} and "
                f"keys {run.keys}; each part needs its own id and key",
            )
        try:
            seen = _seen(run, channel, "")
        except NotApplicable:
            unseen = True
            continue
        for i, (text, sent) in enumerate(zip(texts, seen, strict=True)):
            if not any(text.encode() in p for p in sent):
                raise _fail(
                    channel,
                    f"length_policy='split': part {i + 1} of {len(texts)} ({_show(text.encode())!r}) does "
                    f"not appear in what {run.client}.send sent for it; each part's send must carry that "
                    "part's text (message.text as the flow receives it)",
                )
    if unseen:
        raise NotApplicable(
            "the parts were counted, but the kit cannot see what an operation sends, so it cannot tell "
            "that each text was sent whole; implement transmitted(operation, result)"
        )
