"""Client and AsyncClient: the same flows, policy and results, sync and async.

Every behavioural test runs twice (``mode`` is "sync" or "async") through :class:`Driver`, which
calls the real client of that mode and records the waits the retry policy asked for.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx
from hypothesis import given, settings
from hypothesis import strategies as st

import omnilink.client
from omnilink import (
    AsyncClient,
    Attachment,
    AuthenticationError,
    BadRequestError,
    ChannelNotFoundError,
    Client,
    ConfigurationError,
    DeliveryStatus,
    Identifier,
    InboundMessage,
    InvalidMessageError,
    Message,
    MessageTooLongError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitError,
    RecipientRejectedError,
    RetryPolicy,
    SendResult,
    ServerError,
    StatusUpdate,
    TemplateRef,
    TransportError,
    UnsupportedFeatureError,
    WebhookRequest,
    WebhookVerificationError,
)
from omnilink.channels import Capabilities, Delivery, SendFlow
from omnilink.models import Event
from omnilink.providers import error_from_response
from omnilink.testing import FakeChannel

API = "https://api.test"
REJECTED_CODE = "21610"


class HTTPChannel:
    """A tiny real HTTP channel: one JSON POST per message, errors mapped by the shared table."""

    kind = "sms"

    def __init__(
        self, *, name: str = "http", capabilities: Capabilities | None = None, idempotent: bool = True
    ) -> None:
        self.name = name
        self.capabilities = capabilities or Capabilities(max_body=1600, idempotency_keys=idempotent)

    def send_flow(self, message: Message, *, to: str, idempotency_key: str) -> SendFlow:
        request = httpx.Request(
            "POST",
            f"{API}/messages",
            json={"to": to, "text": message.text},
            headers={"Idempotency-Key": idempotency_key},
        )
        response: httpx.Response = yield request
        if response.status_code >= 400:
            code = response.json().get("code") if response.content else None
            raise error_from_response(
                response, provider=self.name, provider_code=code, rejected_codes={REJECTED_CODE}
            )
        data = response.json()
        return Delivery(provider_message_id=data["id"], status=DeliveryStatus.QUEUED, raw=data)

    def verify_webhook(self, request: WebhookRequest) -> None:
        if request.header("x-token") != "ok":
            raise WebhookVerificationError("bad token", provider=self.name, reason="mismatch")

    def parse_webhook(self, request: WebhookRequest) -> list[Event]:
        data = json.loads(request.body)
        return [
            StatusUpdate(channel=self.name, provider=self.name, provider_message_id=data["id"], status="sent")
        ]


class Script:
    """A MockTransport handler answering from a script and recording every request."""

    def __init__(
        self, *answers: httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]
    ) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            if isinstance(answer, httpx.RequestError):
                answer._request = request
            raise answer
        if callable(answer):
            return answer(request)
        return answer

    @property
    def keys(self) -> list[str]:
        return [r.headers["Idempotency-Key"] for r in self.requests]

    @property
    def bodies(self) -> list[Any]:
        return [json.loads(r.content) for r in self.requests]


def ok(msg_id: str = "m1") -> httpx.Response:
    return httpx.Response(201, json={"id": msg_id})


def fail(status: int, *, code: str | None = None, **headers: str) -> httpx.Response:
    return httpx.Response(status, json={"code": code} if code else {}, headers=headers)


class Driver:
    """One client of the given mode, with recorded waits; ``await``-able API for both modes."""

    def __init__(
        self,
        mode: str,
        *,
        channels: list[Any],
        handler: Callable[[httpx.Request], httpx.Response] | None = None,
        retry: RetryPolicy | None = None,
        **kwargs: Any,
    ) -> None:
        self.mode = mode
        self.waits: list[float] = []
        transport = httpx.MockTransport(handler) if handler is not None else None
        self.client: Client | AsyncClient
        if mode == "sync":
            http = httpx.Client(transport=transport) if transport else None
            self.client = Client(channels=channels, http=http, retry=retry, sleep=self.waits.append, **kwargs)
        else:

            async def sleep(seconds: float) -> None:
                self.waits.append(seconds)

            ahttp = httpx.AsyncClient(transport=transport) if transport else None
            self.client = AsyncClient(channels=channels, http=ahttp, retry=retry, sleep=sleep, **kwargs)

    async def _call(self, value: Any) -> Any:
        return await value if inspect.isawaitable(value) else value

    async def send(self, message: Message | str, **kwargs: Any) -> SendResult:
        result: SendResult = await self._call(self.client.send(message, **kwargs))
        return result

    async def send_many(self, message: Message | str, **kwargs: Any) -> list[SendResult]:
        results: list[SendResult] = await self._call(self.client.send_many(message, **kwargs))
        return results

    async def close(self) -> None:
        if isinstance(self.client, Client):
            self.client.close()
        else:
            await self.client.aclose()


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# --- success --------------------------------------------------------------------------------


async def test_send_with_fake_channel(mode: str) -> None:
    fake = FakeChannel()
    d = Driver(mode, channels=[fake])
    result = await d.send("hello", to="+14155550100", channel="fake")
    assert result.ok
    assert result.status is DeliveryStatus.SENT
    assert result.channel == "fake"
    assert result.recipient == "+14155550100"
    assert result.provider_message_id == "fake-1"
    assert result.provider_message_ids == ("fake-1",)
    assert result.attempts == 1
    assert result.error is None
    assert [(s.to, s.message.text, s.idempotency_key) for s in fake.sent] == [
        ("+14155550100", "hello", result.idempotency_key)
    ]
    await d.close()


async def test_send_accepts_an_identifier(mode: str) -> None:
    fake = FakeChannel()
    d = Driver(mode, channels=[fake])
    result = await d.send(
        Message(text="x"), to=Identifier(kind="phone", value="+14155550100"), channel="fake"
    )
    assert result.recipient == "+14155550100"
    assert fake.sent[0].to == "+14155550100"


async def test_send_over_http(mode: str) -> None:
    script = Script(ok("SM123"))
    d = Driver(mode, channels=[HTTPChannel()], handler=script)
    result = await d.send("hello", to="+14155550100", channel="http", idempotency_key="key-1")
    assert result.ok
    assert result.status is DeliveryStatus.QUEUED
    assert result.provider_message_id == "SM123"
    assert result.raw == {"id": "SM123"}
    assert result.idempotency_key == "key-1"
    assert script.keys == ["key-1"]
    assert script.bodies == [{"to": "+14155550100", "text": "hello"}]
    await d.close()


async def test_each_send_gets_a_fresh_idempotency_key(mode: str) -> None:
    script = Script(ok())
    d = Driver(mode, channels=[HTTPChannel()], handler=script)
    r1 = await d.send("a", to="1", channel="http")
    r2 = await d.send("a", to="1", channel="http")
    assert r1.idempotency_key
    assert r2.idempotency_key
    assert r1.idempotency_key != r2.idempotency_key
    assert script.keys == [r1.idempotency_key, r2.idempotency_key]


# --- retries --------------------------------------------------------------------------------


async def test_retry_then_success_keeps_the_idempotency_key(mode: str) -> None:
    script = Script(fail(503), fail(500), ok("SM9"))
    d = Driver(mode, channels=[HTTPChannel()], handler=script)
    result = await d.send("hi", to="+1", channel="http")
    assert result.ok
    assert result.attempts == 3
    assert result.provider_message_id == "SM9"
    assert len(script.requests) == 3
    assert script.keys == [result.idempotency_key] * 3
    assert d.waits == [0.5, 1.0]  # default exponential backoff


async def test_fake_channel_retry_is_recorded_once(mode: str) -> None:
    fake = FakeChannel()
    fake.fail_next(ServerError("down", provider="fake"))
    d = Driver(mode, channels=[fake])
    result = await d.send("hi", to="+1", channel="fake")
    assert result.ok
    assert result.attempts == 2
    assert len(fake.sent) == 1
    assert fake.sent[0].idempotency_key == result.idempotency_key


async def test_retries_exhausted(mode: str) -> None:
    script = Script(fail(503))
    d = Driver(mode, channels=[HTTPChannel()], handler=script, retry=RetryPolicy(attempts=4))
    result = await d.send("hi", to="+1", channel="http")
    assert not result.ok
    assert result.status is DeliveryStatus.FAILED
    assert result.attempts == 4
    assert isinstance(result.error, ServerError)
    assert result.error.status_code == 503
    assert len(script.requests) == 4
    assert len(set(script.keys)) == 1
    assert d.waits == [0.5, 1.0, 2.0]
    with pytest.raises(ServerError):
        result.raise_for_error()


async def test_backoff_is_capped(mode: str) -> None:
    script = Script(fail(503))
    policy = RetryPolicy(attempts=5, initial_backoff=1.0, max_backoff=3.0)
    d = Driver(mode, channels=[HTTPChannel()], handler=script, retry=policy)
    await d.send("hi", to="+1", channel="http")
    assert d.waits == [1.0, 2.0, 3.0, 3.0]


@pytest.mark.parametrize(
    ("status", "error"),
    [(400, BadRequestError), (401, AuthenticationError), (403, AuthenticationError), (404, BadRequestError)],
)
async def test_permanent_errors_are_not_retried(mode: str, status: int, error: type[ProviderError]) -> None:
    script = Script(fail(status), ok())
    d = Driver(mode, channels=[HTTPChannel()], handler=script)
    result = await d.send("hi", to="+1", channel="http")
    assert type(result.error) is error
    assert result.status is DeliveryStatus.FAILED
    assert result.attempts == 1
    assert len(script.requests) == 1
    assert d.waits == []


async def test_retry_after_is_honoured(mode: str) -> None:
    script = Script(fail(429, **{"Retry-After": "7"}), ok())
    d = Driver(mode, channels=[HTTPChannel()], handler=script)
    result = await d.send("hi", to="+1", channel="http")
    assert result.ok
    assert result.attempts == 2
    assert d.waits == [7.0]


async def test_retry_after_over_the_cap_returns_the_error_without_waiting(mode: str) -> None:
    script = Script(fail(429, **{"Retry-After": "600"}), ok())
    d = Driver(mode, channels=[HTTPChannel()], handler=script, retry=RetryPolicy(max_retry_after=60))
    result = await d.send("hi", to="+1", channel="http")
    assert isinstance(result.error, RateLimitError)
    assert result.error.retry_after == 600.0
    assert result.attempts == 1
    assert len(script.requests) == 1
    assert d.waits == []


async def test_retry_after_at_the_cap_is_waited_for(mode: str) -> None:
    script = Script(fail(503, **{"Retry-After": "60"}), ok())
    d = Driver(mode, channels=[HTTPChannel()], handler=script, retry=RetryPolicy(max_retry_after=60))
    result = await d.send("hi", to="+1", channel="http")
    assert result.ok
    assert d.waits == [60.0]


async def test_connect_timeout_becomes_provider_timeout(mode: str) -> None:
    script = Script(httpx.ConnectTimeout("timed out"))
    d = Driver(mode, channels=[HTTPChannel()], handler=script, retry=RetryPolicy(attempts=2))
    result = await d.send("hi", to="+1", channel="http")
    assert isinstance(result.error, ProviderTimeoutError)
    assert result.error.retryable
    assert result.error.provider == "http"
    assert result.error.request is script.requests[-1]
    assert isinstance(result.error.__cause__, httpx.ConnectTimeout)
    assert result.status is DeliveryStatus.FAILED
    assert result.attempts == 2
    assert len(script.requests) == 2


async def test_read_timeout_then_success_when_the_provider_takes_idempotency_keys(mode: str) -> None:
    script = Script(httpx.ReadTimeout("slow"), ok("SM2"))
    d = Driver(mode, channels=[HTTPChannel(idempotent=True)], handler=script)
    result = await d.send("hi", to="+1", channel="http")
    assert result.ok
    assert result.attempts == 2
    assert len(script.requests) == 2
    assert len(set(script.keys)) == 1


@pytest.mark.parametrize(
    ("exc", "error"),
    [
        (httpx.ReadTimeout("slow"), ProviderTimeoutError),
        (httpx.WriteTimeout("slow"), ProviderTimeoutError),
        (httpx.RemoteProtocolError("peer closed connection"), TransportError),
        (httpx.ReadError("reset"), TransportError),
    ],
)
async def test_may_have_been_sent_is_not_retried_without_idempotency_keys(
    mode: str, exc: Exception, error: type[ProviderError]
) -> None:
    script = Script(exc, ok())
    d = Driver(mode, channels=[HTTPChannel(idempotent=False)], handler=script)
    result = await d.send("hi", to="+1", channel="http")
    assert type(result.error) is error
    assert not result.error.retryable
    assert "not retried" in str(result.error)
    assert result.attempts == 1
    assert len(script.requests) == 1
    assert d.waits == []


@pytest.mark.parametrize(
    "exc", [httpx.ConnectError("refused"), httpx.ConnectTimeout("slow"), httpx.PoolTimeout("x")]
)
async def test_never_sent_is_retried_even_without_idempotency_keys(mode: str, exc: Exception) -> None:
    script = Script(exc, ok("SM3"))
    d = Driver(mode, channels=[HTTPChannel(idempotent=False)], handler=script)
    result = await d.send("hi", to="+1", channel="http")
    assert result.ok
    assert result.attempts == 2
    assert len(script.requests) == 2


async def test_connect_error_becomes_transport_error(mode: str) -> None:
    script = Script(httpx.ConnectError("refused"))
    d = Driver(mode, channels=[HTTPChannel()], handler=script, retry=RetryPolicy(attempts=1))
    result = await d.send("hi", to="+1", channel="http")
    assert type(result.error) is TransportError
    assert "refused" in str(result.error)
    assert result.attempts == 1


@pytest.mark.parametrize("idempotent", [False, True])
async def test_undecodable_answer_is_a_failed_result_not_retried(mode: str, idempotent: bool) -> None:
    # A 201 whose body does not match its Content-Encoding: httpx raises DecodingError, which is not
    # an httpx.TransportError. The provider answered, so the message may be out: fail, do not retry.
    # As a stream, so the body is decoded when the client reads it, as with a real transport.
    corrupt = httpx.Response(201, headers={"Content-Encoding": "gzip"}, stream=httpx.ByteStream(b"not gzip"))
    script = Script(corrupt, ok())
    d = Driver(mode, channels=[HTTPChannel(idempotent=idempotent)], handler=script)
    [result] = await d.send_many("hi", to=["+1"], channel="http")
    assert type(result.error) is TransportError
    assert isinstance(result.error.__cause__, httpx.DecodingError)
    assert not result.error.retryable
    assert "could not be read" in str(result.error)
    assert result.status is DeliveryStatus.FAILED
    assert result.attempts == 1
    assert len(script.requests) == 1
    assert d.waits == []


async def test_recipient_rejected(mode: str) -> None:
    script = Script(fail(400, code=REJECTED_CODE), ok())
    d = Driver(mode, channels=[HTTPChannel()], handler=script)
    result = await d.send("hi", to="+1", channel="http")
    assert isinstance(result.error, RecipientRejectedError)
    assert result.error.provider_code == REJECTED_CODE
    assert result.status is DeliveryStatus.REJECTED
    assert not result.ok
    assert len(script.requests) == 1
    with pytest.raises(RecipientRejectedError):
        result.raise_for_error()


@pytest.mark.parametrize("concurrency", [0, -1, 1.5, True])
def test_async_client_concurrency_must_be_at_least_one(concurrency: Any) -> None:
    # Semaphore(0) made send_many wait forever; a negative value raised only inside send_many.
    with pytest.raises(ConfigurationError, match="concurrency"):
        AsyncClient(channels=[FakeChannel()], concurrency=concurrency)


def test_retry_policy_needs_one_attempt() -> None:
    with pytest.raises(ConfigurationError):
        RetryPolicy(attempts=0)


# --- respx ----------------------------------------------------------------------------------


async def test_respx_retry_with_client_owned_http(mode: str) -> None:
    with respx.mock(assert_all_called=True) as router:
        route = router.post(f"{API}/messages").mock(side_effect=[fail(502), ok("SM7")])
        d = Driver(mode, channels=[HTTPChannel()])  # the client builds its own httpx client
        result = await d.send("hi", to="+1", channel="http", idempotency_key="k")
        await d.close()
    assert result.ok
    assert result.provider_message_id == "SM7"
    assert route.call_count == 2
    assert [c.request.headers["Idempotency-Key"] for c in route.calls] == ["k", "k"]


async def test_respx_transport_error(mode: str) -> None:
    with respx.mock() as router:
        router.post(f"{API}/messages").mock(side_effect=httpx.ConnectTimeout)
        d = Driver(mode, channels=[HTTPChannel()], retry=RetryPolicy(attempts=1))
        result = await d.send("hi", to="+1", channel="http")
        await d.close()
    assert isinstance(result.error, ProviderTimeoutError)


# --- message planning -----------------------------------------------------------------------


async def test_too_long_refused(mode: str) -> None:
    fake = FakeChannel(capabilities=Capabilities(max_body=10, length_policy="refuse"))
    d = Driver(mode, channels=[fake])
    await d.send("x" * 10, to="+1", channel="fake")  # exactly at the limit is fine
    with pytest.raises(MessageTooLongError) as info:
        await d.send("x" * 11, to="+1", channel="fake")
    assert (info.value.length, info.value.limit, info.value.channel) == (11, 10, "fake")
    assert len(fake.sent) == 1


async def test_too_long_split(mode: str) -> None:
    fake = FakeChannel(capabilities=Capabilities(max_body=10, length_policy="split", attachments=True))
    att = Attachment(filename="a.png", url="https://x.test/a.png")
    d = Driver(mode, channels=[fake])
    result = await d.send(
        Message(text="aaaa bbbb cccc dddd eeee", attachments=(att,)),
        to="+1",
        channel="fake",
        idempotency_key="k",
    )
    texts = [s.message.text for s in fake.sent]
    assert texts == ["aaaa bbbb", "cccc dddd", "eeee"]
    assert [s.message.attachments for s in fake.sent] == [(att,), (), ()]
    assert [s.idempotency_key for s in fake.sent] == ["k", "k-1", "k-2"]
    assert result.provider_message_ids == tuple(s.provider_message_id for s in fake.sent)
    assert len(result.provider_message_ids) == 3
    assert result.provider_message_id == fake.sent[0].provider_message_id
    assert result.ok
    assert result.idempotency_key == "k"


async def test_split_without_spaces_cuts_hard(mode: str) -> None:
    fake = FakeChannel(capabilities=Capabilities(max_body=4, length_policy="split"))
    d = Driver(mode, channels=[fake])
    await d.send("abcdefghij", to="+1", channel="fake")
    assert [s.message.text for s in fake.sent] == ["abcd", "efgh", "ij"]


async def test_split_part_failure_keeps_earlier_ids(mode: str) -> None:
    fake = FakeChannel(capabilities=Capabilities(max_body=4, length_policy="split"))
    d = Driver(mode, channels=[fake])
    # The first part succeeds; the second part fails permanently.
    original = fake._deliver
    calls = iter(range(100))

    def deliver(sent: Any) -> Any:
        if next(calls) == 1:
            raise BadRequestError("no", provider="fake")
        return original(sent)

    fake._deliver = deliver  # type: ignore[method-assign]  # on purpose: fail the second part
    result = await d.send("aaaa bbbb cccc", to="+1", channel="fake")
    assert isinstance(result.error, BadRequestError)
    assert result.status is DeliveryStatus.FAILED
    assert result.provider_message_ids == (fake.sent[0].provider_message_id,)
    assert [s.message.text for s in fake.sent] == ["aaaa"]


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(alphabet="ab \n\t", min_size=1, max_size=60).filter(lambda t: t.strip()),
    limit=st.integers(1, 12),
)
def test_split_parts_fit_and_keep_every_word(text: str, limit: int) -> None:
    parts = omnilink.client._split(text, limit)
    assert all(len(p) <= limit for p in parts)
    assert all(p.strip() for p in parts)  # never an empty (or blank) part
    # Only whitespace at the cuts may be dropped; every other character survives, in order.
    assert "".join("".join(parts).split()) == "".join(text.split())


async def test_split_never_sends_an_empty_part(mode: str) -> None:
    fake = FakeChannel(capabilities=Capabilities(max_body=10, length_policy="split"))
    d = Driver(mode, channels=[fake])
    await d.send("  " + "x" * 20, to="+1", channel="fake")
    assert all(s.message.text for s in fake.sent), [s.message.text for s in fake.sent]


@pytest.mark.parametrize(
    ("message", "feature"),
    [
        (Message(text="hi", attachments=(Attachment(filename="a", data=b"1"),)), "attachments"),
        (Message(template=TemplateRef(name="welcome")), "templates"),
        (Message(html="<b>hi</b>"), "html"),
    ],
)
async def test_unsupported_features(mode: str, message: Message, feature: str) -> None:
    fake = FakeChannel(capabilities=Capabilities())
    d = Driver(mode, channels=[fake])
    with pytest.raises(UnsupportedFeatureError) as info:
        await d.send(message, to="+1", channel="fake")
    assert info.value.feature == feature
    assert info.value.channel == "fake"
    assert fake.sent == []


async def test_supported_features_pass(mode: str) -> None:
    fake = FakeChannel(capabilities=Capabilities(attachments=True, templates=True, html=True))
    d = Driver(mode, channels=[fake])
    await d.send(Message(template=TemplateRef(name="welcome")), to="+1", channel="fake")
    await d.send(Message(html="<b>x</b>"), to="+1", channel="fake")
    await d.send(Message(attachments=(Attachment(filename="a", data=b"1"),)), to="+1", channel="fake")
    assert len(fake.sent) == 3


async def test_attachment_count_limit(mode: str) -> None:
    fake = FakeChannel(capabilities=Capabilities(attachments=True, max_attachments=2))
    d = Driver(mode, channels=[fake])
    two = tuple(Attachment(filename=f"{i}", url=f"https://x.test/{i}") for i in range(2))
    await d.send(Message(attachments=two), to="+1", channel="fake")
    with pytest.raises(UnsupportedFeatureError) as info:
        await d.send(Message(attachments=(*two, two[0])), to="+1", channel="fake")
    assert info.value.feature == "attachment count"
    assert len(fake.sent) == 1


async def test_attachments_by_url_only(mode: str) -> None:
    fake = FakeChannel(capabilities=Capabilities(attachments=True, attachments_by_url=True))
    d = Driver(mode, channels=[fake])
    await d.send(
        Message(attachments=(Attachment(filename="a", url="https://x.test/a"),)), to="+1", channel="fake"
    )
    with pytest.raises(UnsupportedFeatureError, match=r"inline\.png") as info:
        await d.send(
            Message(attachments=(Attachment(filename="inline.png", data=b"\x89PNG"),)),
            to="+1",
            channel="fake",
        )
    assert info.value.feature == "inline attachments"
    assert len(fake.sent) == 1


async def test_attachment_size_limit(mode: str) -> None:
    fake = FakeChannel(capabilities=Capabilities(attachments=True, max_attachment_bytes=4))
    d = Driver(mode, channels=[fake])
    await d.send(Message(attachments=(Attachment(filename="a", data=b"1234"),)), to="+1", channel="fake")
    with pytest.raises(UnsupportedFeatureError) as info:
        await d.send(Message(attachments=(Attachment(filename="a", data=b"12345"),)), to="+1", channel="fake")
    assert info.value.feature == "attachment size"


async def test_empty_message_is_refused(mode: str) -> None:
    fake = FakeChannel()
    d = Driver(mode, channels=[fake])
    for empty in (Message(), Message(subject="only a subject")):
        with pytest.raises(InvalidMessageError, match="empty") as info:
            await d.send(empty, to="+1", channel="fake")
        # A bad message, not bad settings: a ValueError, and not a ConfigurationError.
        assert isinstance(info.value, ValueError)
        assert not isinstance(info.value, ConfigurationError)
        assert info.value.channel == "fake"
    assert fake.sent == []


@pytest.mark.parametrize("text", ["", "   ", "\n\t", " " * 2000])
async def test_empty_text_is_refused(mode: str, text: str) -> None:
    fake = FakeChannel()
    d = Driver(mode, channels=[fake])
    with pytest.raises(InvalidMessageError, match="empty"):
        await d.send(text, to="+1", channel="fake")
    with pytest.raises(InvalidMessageError, match="empty"):
        await d.send(Message(text=text, html=""), to="+1", channel="fake")
    assert fake.sent == []


@pytest.mark.parametrize("text", ["  ", " \n" * 1000])
async def test_blank_text_beside_an_attachment_is_dropped_and_the_attachment_sent(
    mode: str, text: str
) -> None:
    # A blank body over max_body was split into no parts: nothing was sent, yet the result said
    # queued, ok, 0 attempts. Blank text is no text, whatever its length.
    fake = FakeChannel()
    d = Driver(mode, channels=[fake])
    photo = Attachment(filename="a.jpg", url="https://x.test/a.jpg")
    result = await d.send(Message(text=text, attachments=(photo,)), to="+1", channel="fake")
    assert (result.ok, result.attempts) == (True, 1)
    assert [(s.message.text, s.message.attachments) for s in fake.sent] == [(None, (photo,))]


async def test_blank_text_beside_html_leaves_an_html_message(mode: str) -> None:
    fake = FakeChannel(capabilities=Capabilities(max_body=10, length_policy="split", html=True))
    d = Driver(mode, channels=[fake])
    result = await d.send(Message(text=" " * 50, html="<p>hi</p>"), to="+1", channel="fake")
    assert (result.ok, result.attempts) == (True, 1)
    assert [(s.message.text, s.message.html) for s in fake.sent] == [(None, "<p>hi</p>")]
    without_html = FakeChannel(capabilities=Capabilities(max_body=10, length_policy="split"))
    with pytest.raises(UnsupportedFeatureError) as info:
        await Driver(mode, channels=[without_html]).send(
            Message(text=" " * 50, html="<p>hi</p>"), to="+1", channel="fake"
        )
    assert info.value.feature == "html"


# --- channels -------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [Client, AsyncClient])
def test_duplicate_channel_names(cls: type[Client] | type[AsyncClient]) -> None:
    with pytest.raises(ConfigurationError, match="'fake'"):
        cls(channels=[FakeChannel(), FakeChannel()])


async def test_unknown_channel(mode: str) -> None:
    d = Driver(mode, channels=[FakeChannel(), FakeChannel(name="other")])
    with pytest.raises(ChannelNotFoundError) as info:
        await d.send("hi", to="+1", channel="nope")
    assert info.value.available == ["fake", "other"]
    assert d.client.channels == ("fake", "other")


async def test_channel_lookup(mode: str) -> None:
    fake = FakeChannel()
    d = Driver(mode, channels=[fake])
    assert d.client.channel("fake") is fake


async def test_a_flow_yielding_garbage_is_a_type_error(mode: str) -> None:
    class Broken(FakeChannel):
        def send_flow(self, message: Message, *, to: str, idempotency_key: str) -> SendFlow:
            yield "not a request"
            return Delivery(provider_message_id=None)

    d = Driver(mode, channels=[Broken()])
    with pytest.raises(TypeError, match="yielded str"):
        await d.send("hi", to="+1", channel="fake")


# --- send_many ------------------------------------------------------------------------------


def _by_recipient(request: httpx.Request) -> httpx.Response:
    to = json.loads(request.content)["to"]
    if to.startswith("bad"):
        return fail(400, code=REJECTED_CODE)
    if to.startswith("down"):
        return fail(503)
    return ok(f"id-{to}")


async def test_send_many_keeps_order_and_every_recipient(mode: str) -> None:
    script = Script(_by_recipient)
    d = Driver(mode, channels=[HTTPChannel()], handler=script, retry=RetryPolicy(attempts=2))
    recipients: list[Any] = ["r1", "bad1", "r2", "down1", Identifier(kind="phone", value="r3"), "bad2"]
    results = await d.send_many("hi", to=recipients, channel="http")
    assert [r.recipient for r in results] == ["r1", "bad1", "r2", "down1", "r3", "bad2"]
    assert [r.ok for r in results] == [True, False, True, False, True, False]
    assert [r.status for r in results] == [
        DeliveryStatus.QUEUED,
        DeliveryStatus.REJECTED,
        DeliveryStatus.QUEUED,
        DeliveryStatus.FAILED,
        DeliveryStatus.QUEUED,
        DeliveryStatus.REJECTED,
    ]
    assert [r.provider_message_id for r in results if r.ok] == ["id-r1", "id-r2", "id-r3"]
    assert results[3].attempts == 2
    assert len({r.idempotency_key for r in results}) == len(results)


async def test_send_many_empty(mode: str) -> None:
    d = Driver(mode, channels=[FakeChannel()])
    assert await d.send_many("hi", to=[], channel="fake") == []


async def test_async_send_many_is_bounded() -> None:
    inflight = 0
    peak = 0

    class Op:
        async def arun(self, *, timeout: float) -> None:
            nonlocal inflight, peak
            inflight += 1
            peak = max(peak, inflight)
            await asyncio.sleep(0.01)
            inflight -= 1

        def run(self, *, timeout: float) -> None:
            raise AssertionError("sync path not expected")

    class Slow(FakeChannel):
        def send_flow(self, message: Message, *, to: str, idempotency_key: str) -> SendFlow:
            yield Op()
            return Delivery(provider_message_id=to)

    async with AsyncClient(channels=[Slow()], concurrency=2) as client:
        results = await client.send_many("hi", to=[str(i) for i in range(7)], channel="fake")
    assert [r.provider_message_id for r in results] == [str(i) for i in range(7)]
    assert peak == 2


# --- webhooks -------------------------------------------------------------------------------


async def test_parse_webhook_verifies(mode: str) -> None:
    fake = FakeChannel()
    d = Driver(mode, channels=[fake])
    request = fake.inbound_request(sender="+14155550100", text="hello")
    events = d.client.parse_webhook("fake", request)
    assert len(events) == 1
    assert isinstance(events[0], InboundMessage)
    assert events[0].message.text == "hello"
    assert events[0].raw["text"] == "hello"

    forged = WebhookRequest(
        method=request.method,
        url=request.url,
        headers={"Content-Type": "application/json", "X-Fake-Signature": "00" * 32},
        body=request.body,
    )
    with pytest.raises(WebhookVerificationError):
        d.client.parse_webhook("fake", forged)
    tampered = WebhookRequest(
        method=request.method,
        url=request.url,
        headers=request.headers,
        body=request.body.replace(b"hello", b"pwned"),
    )
    with pytest.raises(WebhookVerificationError):
        d.client.parse_webhook("fake", tampered)
    # Trusting the network skips verification.
    trusted = d.client.parse_webhook("fake", forged, verify=False)[0]
    assert isinstance(trusted, InboundMessage)
    assert trusted.message.text == "hello"


async def test_parse_webhook_unknown_channel(mode: str) -> None:
    d = Driver(mode, channels=[FakeChannel()])
    with pytest.raises(ChannelNotFoundError):
        d.client.parse_webhook("nope", FakeChannel().inbound_request(sender="x", text="y"))


async def test_parse_webhook_calls_verify_before_parse(mode: str) -> None:
    d = Driver(mode, channels=[HTTPChannel()])
    req = WebhookRequest(method="POST", url="u", headers={"X-Token": "ok"}, body=b'{"id": "m1"}')
    events = d.client.parse_webhook("http", req)
    assert isinstance(events[0], StatusUpdate)
    with pytest.raises(WebhookVerificationError):
        d.client.parse_webhook("http", WebhookRequest(method="POST", url="u", body=b"not even json"))


# --- owning the http client -----------------------------------------------------------------


@pytest.fixture
def created_http(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    created: list[Any] = []

    class RecordingClient(httpx.Client):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            created.append(self)

    class RecordingAsyncClient(httpx.AsyncClient):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            created.append(self)

    monkeypatch.setattr(httpx, "Client", RecordingClient)
    monkeypatch.setattr(httpx, "AsyncClient", RecordingAsyncClient)
    return created


def test_sync_client_closes_the_http_client_it_created(created_http: list[Any]) -> None:
    with Client(channels=[FakeChannel()], timeout=3.0):
        pass
    assert len(created_http) == 1
    assert created_http[0].is_closed
    assert created_http[0].timeout == httpx.Timeout(3.0)


async def test_async_client_closes_the_http_client_it_created(created_http: list[Any]) -> None:
    async with AsyncClient(channels=[FakeChannel()], timeout=3.0):
        pass
    assert len(created_http) == 1
    assert created_http[0].is_closed
    assert created_http[0].timeout == httpx.Timeout(3.0)


def test_sync_client_leaves_a_passed_http_client_open() -> None:
    script = Script(ok())
    with httpx.Client(transport=httpx.MockTransport(script)) as http:
        with Client(channels=[HTTPChannel()], http=http) as client:
            client.send("hi", to="+1", channel="http")
        assert not http.is_closed
        http.get(f"{API}/still-usable")
    assert len(script.requests) == 2


async def test_async_client_leaves_a_passed_http_client_open() -> None:
    script = Script(ok())
    async with httpx.AsyncClient(transport=httpx.MockTransport(script)) as http:
        async with AsyncClient(channels=[HTTPChannel()], http=http) as client:
            await client.send("hi", to="+1", channel="http")
        assert not http.is_closed
        await http.get(f"{API}/still-usable")
    assert len(script.requests) == 2


def test_a_flow_that_returns_no_delivery_gets_a_clear_error() -> None:
    class NoDelivery(FakeChannel):
        def send_flow(self, message: Message, *, to: str, idempotency_key: str) -> SendFlow:
            yield from ()
            return "sid-123"  # type: ignore[return-value]  # on purpose: not a Delivery

    with Client(channels=[NoDelivery()]) as client, pytest.raises(TypeError, match="not a Delivery"):
        client.send("hi", to="+14155550100", channel="fake")
