"""The channel conformance kit: FakeChannel passes it, and deliberately broken channels fail it
with messages that say what to fix."""

from __future__ import annotations

import base64
import contextlib
import email.utils
import hashlib
import hmac
import json
import logging
import re
import sys
from collections.abc import Generator, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ClassVar

import httpx
import phonenumbers
import pytest

from omnilink import (
    AuthenticationError,
    Message,
    ProviderTimeoutError,
    RateLimitError,
    RecipientRejectedError,
    ServerError,
    WebhookRequest,
)
from omnilink.channels import Capabilities, Channel, Delivery, Operation
from omnilink.models import ConversationEvent, DeliveryStatus, Event
from omnilink.providers import error_from_response
from omnilink.testing import FakeChannel
from omnilink.testing.conformance import (
    CHECKS,
    ChannelConformance,
    ChannelHarness,
    ConformanceFailure,
    NotApplicable,
    Outcome,
    check_channel,
    run_check,
)
from omnilink.webhooks import check_timestamp, verify_hmac, verify_shared_secret

ROOT = Path(__file__).parent.parent


# --- FakeChannel passes the whole kit -------------------------------------------------------------


class FakeHarness(ChannelHarness):
    """Hooks for FakeChannel: its one Operation records the send; failures are raised as mapped."""

    recipient = "+14155550100"
    channel_class: type[FakeChannel] = FakeChannel

    def make_channel(self) -> Channel:
        return self.channel_class(secret=self.webhook_secret)

    def run_operation(self, operation: Operation, outcome: Outcome) -> Any:
        errors = {
            "server_error": ServerError("down", provider="fake", status_code=503),
            "auth_error": AuthenticationError("bad key", provider="fake", status_code=401),
            "rate_limited": RateLimitError("slow", provider="fake", status_code=429, retry_after=7),
            "rejected": RecipientRejectedError("no such number", provider="fake", status_code=400),
            "timeout": ProviderTimeoutError("no answer", provider="fake"),
        }
        if outcome in errors:
            raise errors[outcome]
        return operation.run(timeout=1)

    async def arun_operation(self, operation: Operation, outcome: Outcome) -> Any:
        return self.run_operation(operation, outcome)

    def transmitted(self, operation: Operation, result: Any) -> bytes:
        if result is None:
            raise NotApplicable("a failed FakeChannel send transmits nothing")
        return repr(result).encode()  # a SentMessage: recipient, message and idempotency key

    def signed_webhooks(self, *, secret: str) -> Sequence[WebhookRequest]:
        signer = FakeChannel(secret=secret)
        return [
            signer.inbound_request(sender="+14155550100", text="hello", message_id="in-1"),
            signer.status_request(message_id="fake-1", status="delivered"),
        ]


class TestFakeChannelConformance(FakeHarness, ChannelConformance):
    pass


def test_fake_channel_passes_check_channel() -> None:
    report = check_channel(FakeHarness())
    assert not report.failed
    assert set(report.skipped) == {
        "webhook_replay_refused",
        "webhook_redated_replay_refused",
        "templates",
        "subject",
        "html",
    }
    assert "webhook_malformed_body" in report.passed


def test_check_channel_with_a_factory_and_callables() -> None:
    report = check_channel(
        FakeChannel,
        recipient="+14155550100",
        signed_webhooks=lambda secret: [FakeChannel(secret=secret).inbound_request(sender="a", text="b")],
        webhook_secret="fake-secret",
        checks={"protocol", "webhook_wrong_secret_refused", "server_error_is_retried"},
    )
    assert report.passed == ["protocol", "webhook_wrong_secret_refused"]
    assert "server_error_is_retried" in report.skipped


def test_check_channel_refuses_unknown_names_and_mixed_hooks() -> None:
    with pytest.raises(KeyError, match="no_such_check"):
        check_channel(FakeHarness(), checks={"no_such_check"})
    with pytest.raises(TypeError, match="not both"):
        check_channel(FakeHarness(), recipient="x")
    with pytest.raises(TypeError, match="recipient"):
        check_channel(FakeChannel)
    with pytest.raises(TypeError, match="unexpected option 'retry_afterr'"):
        check_channel(FakeChannel, recipient="x", retry_afterr=None)
    with pytest.raises(KeyError, match="no conformance check"):
        run_check(FakeHarness(), "nope")


def test_every_check_is_a_test_method_with_a_description() -> None:
    names = [c.name for c in CHECKS]
    assert len(names) == len(set(names))
    for check in CHECKS:
        method = getattr(ChannelConformance, f"test_{check.name}")
        assert method.__doc__ == check.description
        assert check.description.endswith((".", ")")) or check.description


# --- broken channels fail, with a helpful message -------------------------------------------------


def _fails(harness: ChannelHarness, check: str, pattern: str) -> str:
    with pytest.raises(ConformanceFailure) as info:
        run_check(harness, check)
    message = str(info.value)
    assert re.search(pattern, message, flags=re.DOTALL), message
    return message


class NoCapabilities:
    name = "broken"
    kind = "sms"

    def send_flow(self, message: Message, *, to: str, idempotency_key: str) -> Any:
        yield from ()

    def verify_webhook(self, request: WebhookRequest) -> None:
        return None

    def parse_webhook(self, request: WebhookRequest) -> list[Event]:
        return []


def test_missing_capabilities_fails_protocol() -> None:
    harness = FakeHarness()
    # on purpose: a factory of channels without capabilities, for the protocol check to refuse
    harness.make_channel = NoCapabilities  # type: ignore[assignment,method-assign]
    _fails(harness, "protocol", r"'capabilities' must be an omnilink.channels.Capabilities")


def test_bad_capabilities_and_name_fail() -> None:
    class BadCaps(FakeChannel):
        def __init__(self, **kw: Any) -> None:
            super().__init__(
                name="my channel",
                # on purpose: "truncate" is not a length policy
                capabilities=Capabilities(max_body=0, length_policy="truncate", max_attachment_bytes=10),  # type: ignore[arg-type]
                **kw,
            )

    harness = FakeHarness()
    harness.channel_class = BadCaps
    _fails(harness, "protocol", r"'my channel'.*the name must be letters, digits")
    msg = _fails(harness, "capabilities", r"max_body=0 must be None or a positive int")
    assert "length_policy='truncate'" in msg
    assert "max_attachment_bytes is set but attachments=False" in msg


class AcceptsAnything(FakeChannel):
    def verify_webhook(self, request: WebhookRequest) -> None:
        return None


def test_verify_that_accepts_anything_fails_the_signature_checks() -> None:
    harness = FakeHarness()
    harness.channel_class = AcceptsAnything
    run_check(harness, "webhook_examples_verify")  # good examples still pass
    _fails(harness, "webhook_tampered_body_refused", r"accepted a body with byte 0 flipped.*raise Webhook")
    _fails(harness, "webhook_unsigned_refused", r"accepted a request without its signature")
    _fails(harness, "webhook_wrong_secret_refused", r"accepted a request signed with the wrong secret")


class VerifyReturnsBool(FakeChannel):
    # on purpose: returns a bool where the protocol says None, for the check to refuse
    def verify_webhook(self, request: WebhookRequest) -> bool:  # type: ignore[override]
        try:
            super().verify_webhook(request)
        except ValueError:
            return False
        return True


def test_verify_that_returns_a_bool_fails() -> None:
    harness = FakeHarness()
    harness.channel_class = VerifyReturnsBool
    _fails(harness, "webhook_examples_verify", r"returned True; it must return None")
    _fails(harness, "webhook_tampered_body_refused", r"accepted .* \(returned False\)")


class DropsRaw(FakeChannel):
    def parse_webhook(self, request: WebhookRequest) -> list[Event]:
        return [e.model_copy(update={"raw": None}) for e in super().parse_webhook(request)]


def test_parse_that_drops_raw_fails() -> None:
    harness = FakeHarness()
    harness.channel_class = DropsRaw
    _fails(harness, "webhook_events_typed", r"InboundMessage from signed example 0 has raw=None; keep")


class WrongChannelName(FakeChannel):
    def parse_webhook(self, request: WebhookRequest) -> list[Event]:
        return [e.model_copy(update={"channel": "sms"}) for e in super().parse_webhook(request)]


def test_parse_with_wrong_channel_name_fails() -> None:
    harness = FakeHarness()
    harness.channel_class = WrongChannelName
    _fails(harness, "webhook_events_typed", r"channel='sms', expected 'fake'")


class CrashesOnBadBodies(FakeChannel):
    def parse_webhook(self, request: WebhookRequest) -> list[Event]:
        payload = json.loads(request.body)  # no size limit, no WebhookPayloadError
        return [ConversationEvent(channel=self.name, provider=self.name, name="x", raw=payload)]


def test_parse_that_raises_other_exceptions_fails() -> None:
    harness = FakeHarness()
    harness.channel_class = CrashesOnBadBodies
    _fails(harness, "webhook_malformed_body", r"raised JSONDecodeError.*raise WebhookPayloadError")
    _fails(harness, "webhook_oversized_body_refused", r"accepted a 1048577-byte body")


class EagerIO(FakeChannel):
    def send_flow(self, message: Message, *, to: str, idempotency_key: str) -> Any:
        httpx.post("https://api.example.test/messages", json={"to": to})  # I/O before being driven
        return super().send_flow(message, to=to, idempotency_key=idempotency_key)


class IOInsideTheFlow(FakeChannel):
    def send_flow(self, message: Message, *, to: str, idempotency_key: str) -> Any:
        with contextlib.suppress(Exception):  # swallowing the refusal must not hide the attempt
            httpx.post("https://api.example.test/messages", json={"to": to})
        return (yield from super().send_flow(message, to=to, idempotency_key=idempotency_key))


class NotAGenerator(FakeChannel):
    def send_flow(self, message: Message, *, to: str, idempotency_key: str) -> Any:
        return [httpx.Request("POST", "https://api.example.test/messages")]


def test_flow_doing_io_eagerly_fails() -> None:
    harness = FakeHarness()
    harness.channel_class = EagerIO
    _fails(harness, "send_flow_is_lazy", r"calling send_flow\(\) performed I/O before being iterated")
    _fails(harness, "send_ok", r"performed I/O")
    harness.channel_class = IOInsideTheFlow
    run_check(harness, "send_flow_is_lazy")  # a generator: calling it does nothing yet
    _fails(harness, "send_flow_is_sans_io", r"attempted I/O itself \(HTTPTransport.handle_request\)")
    harness.channel_class = NotAGenerator
    _fails(harness, "send_flow_is_lazy", r"returned list, not a generator")


class YieldsJunk(FakeChannel):
    def send_flow(self, message: Message, *, to: str, idempotency_key: str) -> Any:
        yield {"method": "POST"}
        return Delivery(provider_message_id="x")


class ReturnsNoId(FakeChannel):
    def send_flow(self, message: Message, *, to: str, idempotency_key: str) -> Any:
        yield from super().send_flow(message, to=to, idempotency_key=idempotency_key)
        return Delivery(provider_message_id=None)


def test_flow_protocol_violations_fail() -> None:
    harness = FakeHarness()
    harness.channel_class = YieldsJunk
    _fails(harness, "send_flow_is_sans_io", r"yielded dict .* may only yield httpx.Request")
    harness.channel_class = ReturnsNoId
    _fails(harness, "send_flow_is_sans_io", r"provider_message_id=None; return the provider's id")


class MiniHTTP:
    """A small, correct HTTP channel; subclasses break one thing each."""

    name = "mini"
    kind = "sms"
    capabilities = Capabilities(max_body=20, attachments=True, templates=True, idempotency_keys=True)

    def send_flow(self, message: Message, *, to: str, idempotency_key: str) -> Generator[Any, Any, Delivery]:
        payload = {
            "to": to,
            "text": message.text,
            "media": [a.url for a in message.attachments],
            "template": message.template.name if message.template else None,
        }
        response = yield httpx.Request(
            "POST", "https://mini.test/send", json=payload, headers={"Idempotency-Key": idempotency_key}
        )
        if response.status_code >= 400:
            raise self.error(response)
        return Delivery(provider_message_id=response.json()["id"], status=DeliveryStatus.QUEUED)

    def error(self, response: httpx.Response) -> Exception:
        code = response.json().get("code")
        return error_from_response(
            response, provider=self.name, provider_code=code, rejected_codes={"bad_to"}
        )

    def verify_webhook(self, request: WebhookRequest) -> None:
        return None

    def parse_webhook(self, request: WebhookRequest) -> list[Event]:
        return []


class MiniHarness(ChannelHarness):
    recipient = "+14155550100"
    channel_class: type[MiniHTTP] = MiniHTTP

    def make_channel(self) -> Channel:
        return self.channel_class()

    def respond(self, request: httpx.Request, outcome: Outcome) -> httpx.Response:
        if outcome == "ok":
            return httpx.Response(201, json={"id": "m-1"})
        if outcome == "rejected":
            return httpx.Response(400, json={"code": "bad_to"})
        return super().respond(request, outcome)


class RetriesAuth(MiniHTTP):
    def error(self, response: httpx.Response) -> Exception:
        return ServerError(
            f"HTTP {response.status_code}", provider=self.name, status_code=response.status_code
        )


class RaisesForStatus(MiniHTTP):
    def send_flow(self, message: Message, *, to: str, idempotency_key: str) -> Generator[Any, Any, Delivery]:
        response = yield httpx.Request("POST", "https://mini.test/send", json={"to": to})
        response.raise_for_status()
        return Delivery(provider_message_id=response.json()["id"])


class IgnoresStatus(MiniHTTP):
    def send_flow(self, message: Message, *, to: str, idempotency_key: str) -> Generator[Any, Any, Delivery]:
        response = yield httpx.Request("POST", "https://mini.test/send", json={"to": to})
        return Delivery(provider_message_id=str(response.json().get("id", "?")))


class DropsRetryAfter(MiniHTTP):
    def error(self, response: httpx.Response) -> Exception:
        if response.status_code == 429:
            return RateLimitError("slow down", provider=self.name, status_code=429)
        return super().error(response)


class DropsContent(MiniHTTP):
    def send_flow(self, message: Message, *, to: str, idempotency_key: str) -> Generator[Any, Any, Delivery]:
        return (yield from super().send_flow(Message(text=message.text or "x"), to=to, idempotency_key="k"))


def test_mini_http_channel_passes() -> None:
    report = check_channel(MiniHarness())
    assert {
        "send_ok",
        "rate_limit_honours_retry_after",
        "rejected_recipient",
        "attachments",
        "templates",
    } <= set(report.passed)
    assert "length_policy" in report.passed  # refuse: MessageTooLongError before any request


def test_error_mapping_that_makes_401_retryable_fails() -> None:
    harness = MiniHarness()
    harness.channel_class = RetriesAuth
    _fails(harness, "auth_error_is_not_retried", r"raised ServerError, expected AuthenticationError")
    _fails(harness, "rejected_recipient", r"raised ServerError.*raise RecipientRejectedError")
    _fails(harness, "rate_limit_honours_retry_after", r"raised ServerError \(retryable=True\)")


def test_other_error_handling_mistakes_fail() -> None:
    harness = MiniHarness()
    harness.channel_class = RaisesForStatus
    _fails(harness, "server_error_is_retried", r"Client.send raised HTTPStatusError.*error_from_response")
    harness.channel_class = IgnoresStatus
    _fails(harness, "auth_error_is_not_retried", r"succeeded while the provider refused the credentials")
    harness.channel_class = DropsRetryAfter
    _fails(harness, "rate_limit_honours_retry_after", r"retry_after=None, but the provider asked for 7")


def test_declared_but_unsent_content_fails() -> None:
    harness = MiniHarness()
    harness.channel_class = DropsContent
    _fails(harness, "attachments", r"declares attachments, but none of .* appears in what it sent")
    _fails(harness, "templates", r"declares templates, but none of \['omnilink_conformance'\]")
    _fails(harness, "idempotency_key_forwarded", r"did not send the idempotency key")


def test_unimplemented_hooks_say_what_to_write() -> None:
    harness = MiniHarness()
    # on purpose: put back the base class's unimplemented hook
    harness.respond = ChannelHarness.respond.__get__(harness)  # type: ignore[method-assign]
    _fails(harness, "send_ok", r"respond\(request, 'ok'\) is not implemented")
    with pytest.raises(ConformanceFailure, match="must implement make_channel"):
        run_check(ChannelHarness(), "protocol")


# --- what is sent is what was asked: recipient, content, length, a signed timestamp ---------------


class HardCodedRecipient(MiniHTTP):
    def send_flow(self, message: Message, *, to: str, idempotency_key: str) -> Generator[Any, Any, Delivery]:
        return (yield from super().send_flow(message, to="+10000000000", idempotency_key=idempotency_key))


class RemembersFirstRecipient(MiniHTTP):
    first: str | None = None

    def send_flow(self, message: Message, *, to: str, idempotency_key: str) -> Generator[Any, Any, Delivery]:
        self.first = self.first or to  # a recipient cached on the instance: right once, then wrong
        return (yield from super().send_flow(message, to=self.first, idempotency_key=idempotency_key))


class DropsText(MiniHTTP):
    def send_flow(self, message: Message, *, to: str, idempotency_key: str) -> Generator[Any, Any, Delivery]:
        blank = message.model_copy(update={"text": ""})
        return (yield from super().send_flow(blank, to=to, idempotency_key=idempotency_key))


class RemembersFirstText(MiniHTTP):
    first: str | None = None

    def send_flow(self, message: Message, *, to: str, idempotency_key: str) -> Generator[Any, Any, Delivery]:
        self.first = self.first or message.text
        cached = message.model_copy(update={"text": self.first})
        return (yield from super().send_flow(cached, to=to, idempotency_key=idempotency_key))


def test_a_flow_that_ignores_its_recipient_fails() -> None:
    harness = MiniHarness()
    harness.channel_class = HardCodedRecipient
    run_check(harness, "send_ok")  # the provider's answer alone cannot tell
    _fails(
        harness,
        "recipient_and_content_sent",
        r"message to '\+14155550100' sent the provider none of '\+14155550100'.*hard-coded or cached",
    )
    harness.channel_class = RemembersFirstRecipient
    _fails(harness, "recipient_and_content_sent", r"message to '\+14155550101' sent the provider none of")


@pytest.mark.parametrize(
    ("recipient", "second"),
    [
        ("C024BE91L", "C024BE91M"),  # a Slack channel id
        ("123456789", "123456780"),  # a Telegram chat id
        ("@acme_bot", "@acme_bou"),  # a handle
        ("whatsapp:+14155550109", "whatsapp:+14155550100"),
        ("user-Z", "user-A"),
    ],
)
def test_a_chat_id_recipient_gets_a_second_one_derived(recipient: str, second: str) -> None:
    """For an address neither a phone nor an email the kit had sent both messages to one
    recipient, so a recipient cached by the plugin passed."""
    harness = MiniHarness()
    harness.recipient = recipient
    run_check(harness, "recipient_and_content_sent")  # an honest flow passes
    harness.channel_class = RemembersFirstRecipient
    _fails(
        harness, "recipient_and_content_sent", rf"message to '{re.escape(second)}' sent the provider none of"
    )


def test_an_address_without_letters_or_digits_is_sent_to_twice() -> None:
    harness = MiniHarness()
    harness.recipient = "@@"
    harness.channel_class = RemembersFirstRecipient
    run_check(harness, "recipient_and_content_sent")  # nothing to derive: other_recipient is the way


def test_a_flow_that_drops_or_reuses_the_text_fails() -> None:
    harness = MiniHarness()
    harness.channel_class = DropsText
    _fails(harness, "recipient_and_content_sent", r"with the text 'omnilink ocx5d1b' sent the provider none")
    _fails(harness, "length_policy", r"exactly max_body=20 characters .* does not appear whole")
    harness.channel_class = RemembersFirstText
    _fails(harness, "recipient_and_content_sent", r"with the text 'omnilink ocx8e4f' sent the provider none")


class MailHTTP(MiniHTTP):
    """Sends a subject too (subject=True), and attachments by URL."""

    capabilities = Capabilities(subject=True, attachments=True, attachments_by_url=True)
    fixed_subject: str | None = None
    fixed_media: str | None = None

    def send_flow(self, message: Message, *, to: str, idempotency_key: str) -> Generator[Any, Any, Delivery]:
        media = [self.fixed_media] if self.fixed_media else [a.url for a in message.attachments]
        payload = {
            "to": to,
            "text": message.text,
            "subject": self.fixed_subject or message.subject,
            "media": media,
        }
        response = yield httpx.Request("POST", "https://mini.test/mail", json=payload)
        if response.status_code >= 400:
            raise self.error(response)
        return Delivery(provider_message_id=response.json()["id"], status=DeliveryStatus.QUEUED)


class FixedSubject(MailHTTP):
    fixed_subject = "omnilink conformance 7c1e"  # the subject check's own string, sent whatever is asked


class FixedMedia(MailHTTP):
    fixed_media = "https://example.com/omnilink-conformance.png"  # the sample attachment's URL, always


def test_declared_content_must_be_the_messages_own() -> None:
    harness = MiniHarness()
    harness.channel_class = MailHTTP
    run_check(harness, "recipient_and_content_sent")
    harness.channel_class = FixedSubject
    run_check(harness, "subject")  # one fixed string cannot tell
    _fails(harness, "recipient_and_content_sent", r"with the subject 'omnilink conformance subject ocx5d1b'")
    harness.channel_class = FixedMedia
    run_check(harness, "attachments")
    _fails(harness, "recipient_and_content_sent", r"with the attachment 'https://example.com/.*ocx5d1b'")


class SplitHTTP(MiniHTTP):
    capabilities = Capabilities(max_body=30, length_policy="split")


class Truncates(SplitHTTP):
    def send_flow(self, message: Message, *, to: str, idempotency_key: str) -> Generator[Any, Any, Delivery]:
        cut = message.model_copy(update={"text": (message.text or "")[:29]})  # one short of its own max_body
        return (yield from super().send_flow(cut, to=to, idempotency_key=idempotency_key))


class SendsFirstTextAgain(SplitHTTP, RemembersFirstText):
    pass


def test_length_policy_looks_at_what_was_sent() -> None:
    harness = MiniHarness()
    harness.channel_class = SplitHTTP
    run_check(harness, "length_policy")
    harness.channel_class = Truncates
    _fails(harness, "length_policy", r"exactly max_body=30 characters \('w0 w1 .*'\.\.\.\) does not appear")
    harness.channel_class = SendsFirstTextAgain  # the 30-character body, then its parts: the first again
    _fails(harness, "length_policy", r"part 1 of 2 \('x0 x1 .*'\) does not appear in what Client.send sent")


def test_length_policy_without_a_view_of_what_was_sent_is_skipped() -> None:
    harness = FakeHarness()
    # on purpose: put back the base class's transmitted(), which cannot see what was sent
    harness.transmitted = ChannelHarness.transmitted.__get__(harness)  # type: ignore[method-assign]
    with pytest.raises(NotApplicable, match="the parts were counted, but the kit cannot see"):
        run_check(harness, "length_policy")


class TimestampedFake(FakeChannel):
    """FakeChannel with a replay window: ``X-Fake-Timestamp``, signed with the body as f"{ts}." + body."""

    def __init__(
        self, *, clock: Any, signs_timestamp: bool = True, stamp: str = "unix", **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.clock = clock
        self.signs_timestamp = signs_timestamp
        self.stamp = stamp

    def written(self, t: float) -> str:
        """The time as this scheme writes it (several providers use ISO 8601 or an HTTP date)."""
        at = datetime.fromtimestamp(t, timezone.utc)
        return {
            "unix": str(int(t)),
            "unix-ms": str(int(t * 1000)),
            "iso": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "iso-space": at.strftime("%Y-%m-%d %H:%M:%S+00:00"),
            "http-date": email.utils.format_datetime(at, usegmt=True),
        }[self.stamp]

    def read(self, written: str) -> float:
        if self.stamp.startswith("unix"):
            return float(written) / (1000 if self.stamp == "unix-ms" else 1)
        if self.stamp == "http-date":
            return email.utils.parsedate_to_datetime(written).timestamp()
        return datetime.fromisoformat(written.replace("Z", "+00:00")).timestamp()

    def signed_bytes(self, request: WebhookRequest) -> bytes:
        if not self.signs_timestamp:  # the bug: the timestamp is checked but not signed
            return request.body
        return f"{request.header('x-fake-timestamp')}.".encode() + request.body

    def verify_webhook(self, request: WebhookRequest) -> None:
        written = request.header("x-fake-timestamp")
        check_timestamp(written and self.read(written), provider=self.name, now=self.clock)
        verify_hmac(
            self.signed_bytes(request),
            request.header("x-fake-signature"),
            secrets=self._secrets,
            provider=self.name,
        )


class TimestampedHarness(FakeHarness):
    webhook_replay_window = 300
    signs_timestamp = True
    stamp = "unix"

    def make_channel(self) -> Channel:
        return TimestampedFake(
            secret=self.webhook_secret,
            clock=self.webhook_clock,
            signs_timestamp=self.signs_timestamp,
            stamp=self.stamp,
        )

    def signed_webhooks(self, *, secret: str) -> Sequence[WebhookRequest]:
        signer = TimestampedFake(
            secret=secret, clock=self.webhook_clock, signs_timestamp=self.signs_timestamp, stamp=self.stamp
        )
        requests = []
        for request in super().signed_webhooks(secret=secret):
            stamped = {**request.headers, "X-Fake-Timestamp": signer.written(self.webhook_clock())}
            unsigned = WebhookRequest(
                method=request.method, url=request.url, headers=stamped, body=request.body
            )
            digest = hmac.new(secret.encode(), signer.signed_bytes(unsigned), hashlib.sha256).hexdigest()
            stamped["X-Fake-Signature"] = digest
            requests.append(
                WebhookRequest(method=request.method, url=request.url, headers=stamped, body=request.body)
            )
        return requests


@pytest.mark.parametrize("stamp", ["unix", "unix-ms", "iso", "iso-space", "http-date"])
def test_a_timestamp_the_signature_does_not_cover_fails(stamp: str) -> None:
    """The kit had re-dated Unix seconds only: a scheme writing ISO 8601 or an HTTP date was skipped."""
    harness = TimestampedHarness()
    harness.stamp = stamp
    for check in ("webhook_examples_verify", "webhook_replay_refused", "webhook_redated_replay_refused"):
        run_check(harness, check)
    harness.signs_timestamp = False
    run_check(harness, "webhook_replay_refused")  # an old request as captured is refused...
    _fails(  # ...but not once its timestamp header says "now"
        harness,
        "webhook_redated_replay_refused",
        r"accepted a request signed 360s ago whose timestamp \(in X-Fake-Timestamp\) was rewritten to now",
    )


def test_redating_needs_a_timestamp_the_kit_can_find() -> None:
    harness = TimestampedHarness()
    # on purpose: signed examples that carry no signing time
    harness.signed_webhooks = FakeHarness().signed_webhooks  # type: ignore[method-assign]
    with pytest.raises(
        NotApplicable, match=r"no signed example carries its signing time \(self.webhook_clock\(\) as Unix"
    ):
        run_check(harness, "webhook_redated_replay_refused")


def test_the_reviewers_broken_plugin_fails_check_channel() -> None:
    """A flow with a hard-coded recipient and no text, and a signature without the timestamp, had
    passed every applicable check."""

    class Broken(TimestampedFake):
        def send_flow(self, message: Message, *, to: str, idempotency_key: str) -> Any:
            response = yield httpx.Request(
                "POST", "https://api.example.test/send", json={"to": "+10000000000", "text": ""}
            )
            if response.status_code >= 400:
                raise error_from_response(
                    response,
                    provider=self.name,
                    provider_code=response.json().get("code"),
                    rejected_codes={"bad_to"},
                )
            return Delivery(provider_message_id=response.json()["id"], status=DeliveryStatus.QUEUED)

    class Harness(TimestampedHarness):
        signs_timestamp = False

        def make_channel(self) -> Channel:
            return Broken(
                secret=self.webhook_secret,
                clock=self.webhook_clock,
                signs_timestamp=False,
                capabilities=Capabilities(max_body=1600, length_policy="split"),
            )

        def respond(self, request: httpx.Request, outcome: Outcome) -> httpx.Response:
            return MiniHarness().respond(request, outcome)

    with pytest.raises(AssertionError) as info:
        check_channel(Harness())
    failed = re.findall(r"^  - (\w+):", str(info.value), flags=re.MULTILINE)
    assert failed == ["recipient_and_content_sent", "webhook_redated_replay_refused", "length_policy"]


def test_other_recipient_must_differ() -> None:
    harness = MiniHarness()
    harness.other_recipient = "+14155550199"
    run_check(harness, "recipient_and_content_sent")
    harness.other_recipient = harness.recipient
    with pytest.raises(ConformanceFailure, match="other_recipient = '\\+14155550100': set it to a second"):
        run_check(harness, "recipient_and_content_sent")


class _Honest(MiniHTTP):
    capabilities = Capabilities(max_body=300, length_policy="split", attachments=True, subject=True)

    def request(self, message: Message, to: str) -> httpx.Request:
        raise NotImplementedError

    def send_flow(self, message: Message, *, to: str, idempotency_key: str) -> Generator[Any, Any, Delivery]:
        response = yield self.request(message, to)
        if response.status_code >= 400:
            raise self.error(response)
        return Delivery(provider_message_id=response.json()["id"], status=DeliveryStatus.QUEUED)


class DigitsAndBase64JSON(_Honest):
    """E.164 without its "+", ASCII-escaped JSON, attachments as base64 data without a name."""

    def request(self, message: Message, to: str) -> httpx.Request:
        body = {
            "msisdn": to.lstrip("+"),
            "content": {"body": message.text, "title": message.subject},
            "files": [base64.b64encode(a.data or b"").decode() for a in message.attachments],
        }
        return httpx.Request(
            "POST",
            "https://x.test/send",
            content=json.dumps(body).replace("/", "\\/").encode(),
            headers={"Content-Type": "application/json"},
        )


class MultipartForm(_Honest):
    def request(self, message: Message, to: str) -> httpx.Request:
        files = [("file", (a.filename, a.data or b"", a.content_type)) for a in message.attachments]
        fields = {"to": to, "text": message.text or "", "subject": message.subject or ""}
        return httpx.Request("POST", "https://x.test/send", data=fields, files=files)


class NationalNumberInPathTextInQuery(_Honest):
    def request(self, message: Message, to: str) -> httpx.Request:
        params = {"msg": message.text, "subj": message.subject, "media": [a.url for a in message.attachments]}
        return httpx.Request("GET", f"https://x.test/numbers/{to[-10:]}/send", params=params)


class WhatsAppAddress(_Honest):
    def request(self, message: Message, to: str) -> httpx.Request:
        payload = {
            "to": f"whatsapp:{to}",
            "text": message.text,
            "subject": message.subject,
            "media": [a.url for a in message.attachments],
        }
        return httpx.Request("POST", "https://x.test/send", json=payload)


@pytest.mark.parametrize(
    "cls", [DigitsAndBase64JSON, MultipartForm, NationalNumberInPathTextInQuery, WhatsAppAddress]
)
def test_honest_encodings_pass_the_content_checks(cls: type[MiniHTTP]) -> None:
    harness = MiniHarness()
    harness.channel_class = cls
    report = check_channel(
        harness, checks={"recipient_and_content_sent", "length_policy", "subject", "attachments"}
    )
    assert sorted(report.passed) == ["attachments", "length_policy", "recipient_and_content_sent", "subject"]


# --- the pytest route: subclassing ChannelConformance ---------------------------------------------


def test_subclassing_runs_one_test_per_check(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_plugin="""
        from omnilink.testing import FakeChannel
        from omnilink.testing.conformance import ChannelConformance


        class AcceptsAnything(FakeChannel):
            def verify_webhook(self, request):
                return None


        class TestBroken(ChannelConformance):
            recipient = "+14155550100"
            known_failures = {"webhook_unsigned_refused": "tracked in #12"}

            def make_channel(self):
                return AcceptsAnything(secret=self.webhook_secret)

            def signed_webhooks(self, *, secret):
                return [FakeChannel(secret=secret).inbound_request(sender="a", text="hi")]
        """
    )
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    result = pytester.runpytest("-rsfx")
    outcomes = result.parseoutcomes()
    assert outcomes["failed"] == 2, result.stdout.str()  # tampered body, wrong secret
    assert outcomes["xfailed"] == 1
    assert outcomes["passed"] + outcomes["skipped"] + 3 == len(CHECKS)
    result.stdout.fnmatch_lines(["*test_webhook_tampered_body_refused*", "*accepted a body with byte*"])
    result.stdout.fnmatch_lines(["*SKIPPED*server_error_is_retried: override run_operation()*"])


def test_the_plugins_guide_example_passes(pytester: pytest.Pytester) -> None:
    """docs/plugins.md: the plugin, its conformance test and the check_channel script run as written."""
    text = (ROOT / "docs" / "plugins.md").read_text()
    files = dict(re.findall(r"```python\n# (\S+\.py)\n(.*?)```", text, flags=re.DOTALL))
    assert set(files) == {"acme_sms/__init__.py", "tests/test_acme_conformance.py", "check_acme.py"}
    for path, code in files.items():
        target = pytester.path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(code)
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\nfilterwarnings = error\n")
    pytester.syspathinsert()
    result = pytester.runpytest("tests/test_acme_conformance.py", "-rs")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == 0, result.stdout.str()
    assert outcomes["skipped"] == 4, result.stdout.str()  # templates, subject, html, threading
    assert outcomes["passed"] == len(CHECKS) - 4
    script = pytester.run(sys.executable, "check_acme.py")
    assert script.ret == 0, script.stderr.str()


async def test_check_channel_works_inside_a_running_event_loop() -> None:
    report = check_channel(FakeHarness(), checks={"send_ok", "server_error_is_retried"})
    assert report.passed == ["send_ok", "server_error_is_retried"]


# --- from an integrator's Telegram plugin: shared secrets, chat ids, known failures -------------


class SharedSecretFake(FakeChannel):
    """FakeChannel authenticated the way Telegram is: the secret itself in a header, no signature."""

    kind = "telegram"

    def verify_webhook(self, request: WebhookRequest) -> None:
        verify_shared_secret(request.header("x-fake-token"), secrets=self._secrets, provider=self.name)


class SharedSecretHarness(FakeHarness):
    recipient = "-1001234567890"  # a Telegram supergroup chat id
    webhook_signs_body = False

    def make_channel(self) -> Channel:
        return SharedSecretFake(secret=self.webhook_secret)

    def signed_webhooks(self, *, secret: str) -> Sequence[WebhookRequest]:
        requests = []
        for request in super().signed_webhooks(secret=secret):
            headers = {k: v for k, v in request.headers.items() if k.lower() != "x-fake-signature"}
            headers["X-Fake-Token"] = secret
            requests.append(
                WebhookRequest(method="POST", url=request.url, headers=headers, body=request.body)
            )
        return requests

    def unsigned_webhook(self, request: WebhookRequest) -> WebhookRequest:
        headers = {k: v for k, v in request.headers.items() if k.lower() != "x-fake-token"}
        return WebhookRequest(method=request.method, url=request.url, headers=headers, body=request.body)


def test_a_shared_secret_scheme_passes_with_the_tampered_body_check_skipped() -> None:
    """A correct Telegram-style plugin could not pass: a flipped body byte cannot be detected
    when nothing signs the body."""
    report = check_channel(SharedSecretHarness())
    assert "webhook_tampered_body_refused" in report.skipped
    assert "webhook_signs_body is False" in report.skipped["webhook_tampered_body_refused"]
    for check in ("webhook_examples_verify", "webhook_unsigned_refused", "webhook_wrong_secret_refused"):
        assert check in report.passed
    harness = SharedSecretHarness()
    harness.webhook_signs_body = True  # the default: the check runs, and this scheme fails it
    _fails(harness, "webhook_tampered_body_refused", r"flipped")


class DropsTheMinus(MiniHTTP):
    kind = "telegram"

    def send_flow(self, message: Message, *, to: str, idempotency_key: str) -> Generator[Any, Any, Delivery]:
        return (yield from super().send_flow(message, to=to.lstrip("+-"), idempotency_key=idempotency_key))


class DropsTheFirstDigit(MiniHTTP):
    kind = "telegram"

    def send_flow(self, message: Message, *, to: str, idempotency_key: str) -> Generator[Any, Any, Delivery]:
        return (yield from super().send_flow(message, to=to[1:], idempotency_key=idempotency_key))


class TelegramMini(MiniHTTP):
    kind = "telegram"


@pytest.mark.parametrize(
    ("channel_class", "recipient"), [(DropsTheMinus, "-1001234567890"), (DropsTheFirstDigit, "123456789")]
)
def test_a_mangled_chat_id_fails_on_a_chat_channel(channel_class: type[MiniHTTP], recipient: str) -> None:
    """Digits had been read as a phone number on any channel, so a chat id sent without its
    minus, or without its first digit (its 'national number'), passed."""
    harness = MiniHarness()
    harness.recipient = recipient
    harness.channel_class = TelegramMini
    run_check(harness, "recipient_and_content_sent")
    harness.channel_class = channel_class
    _fails(harness, "recipient_and_content_sent", r"sent the provider none of")


def test_a_phone_channel_may_still_send_the_number_in_another_form() -> None:
    class NationalOnly(MiniHTTP):  # kind "sms": an API for one country wants the national number
        def send_flow(
            self, message: Message, *, to: str, idempotency_key: str
        ) -> Generator[Any, Any, Delivery]:
            national = str(phonenumbers.parse(to).national_number)
            return (yield from super().send_flow(message, to=national, idempotency_key=idempotency_key))

    harness = MiniHarness()
    harness.channel_class = NationalOnly
    run_check(harness, "recipient_and_content_sent")


def test_check_channel_reports_known_failures_as_the_pytest_class_does() -> None:
    class Known(SharedSecretHarness):
        webhook_signs_body = True
        known_failures: ClassVar[Mapping[str, str]] = {
            "webhook_tampered_body_refused": "the scheme does not sign the body"
        }

    report = check_channel(Known())
    assert report.known == {"webhook_tampered_body_refused": "the scheme does not sign the body"}
    assert "webhook_tampered_body_refused" not in report.failed

    class FixedNow(FakeHarness):
        known_failures: ClassVar[Mapping[str, str]] = {"send_ok": "flaky once"}

    with pytest.raises(
        AssertionError, match=r"send_ok: listed in known_failures \('flaky once'\) but passes now"
    ):
        check_channel(FixedNow())


def test_check_channel_keeps_the_clients_warnings_about_simulated_failures_to_itself(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level("WARNING", logger="omnilink.client"):
        check_channel(FakeHarness())
    assert [r for r in caplog.records if r.name == "omnilink.client"] == []
    assert not logging.getLogger("omnilink.client").disabled, "the logger is restored"
