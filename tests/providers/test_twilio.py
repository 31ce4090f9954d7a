"""The Twilio channels against Twilio's documented shapes (fixtures/twilio/README.md says where
each payload comes from). No network: respx answers every request."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest
import respx

import omnilink
from omnilink import (
    Attachment,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    DeliveryStatus,
    IdentifierKind,
    InboundMessage,
    InvalidMessageError,
    Message,
    OptOutEvent,
    ProviderTimeoutError,
    RateLimitError,
    RecipientRejectedError,
    ServerError,
    StatusUpdate,
    TemplateRef,
    UnsupportedFeatureError,
    WebhookPayloadError,
    WebhookRequest,
    WebhookVerificationError,
)
from omnilink.channels import Channel, create, validate_channel
from omnilink.providers.twilio import (
    STATUS_MAP,
    TwilioSMSChannel,
    TwilioWhatsAppChannel,
    compute_signature,
)

FIXTURES = Path(__file__).parent / "fixtures" / "twilio"
SID = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
TOKEN = "auth-token-1"
OLD_TOKEN = "auth-token-0"
MESSAGES_URL = f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json"
HOOK = "https://hooks.example.com/twilio/sms?tenant=7"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str) -> object:
    return json.loads(fixture(name))


def sms(**settings: object) -> TwilioSMSChannel:
    options: dict[str, object] = {"account_sid": SID, "auth_token": TOKEN, "from_number": "+14155550100"}
    options.update(settings)
    # on purpose: tests pass settings of any type, some wrong (int or bytes tokens) to check the errors
    return TwilioSMSChannel(**options)  # type: ignore[arg-type]


def whatsapp() -> TwilioWhatsAppChannel:
    return TwilioWhatsAppChannel(account_sid=SID, auth_token=TOKEN, from_number="+14155550100")


def no_sleep(_: float) -> None:
    return None


async def no_async_sleep(_: float) -> None:
    return None


def form_of(request: httpx.Request) -> list[tuple[str, str]]:
    return parse_qsl(request.content.decode(), keep_blank_values=True)


def oracle_signature(token: str, url: str, body: bytes = b"") -> str:
    """Twilio's algorithm written out independently of the module under test."""
    pairs = sorted(set(parse_qsl(body.decode(), keep_blank_values=True)))
    data = url + "".join(k + v for k, v in pairs)
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def signed(
    body: bytes, *, url: str = HOOK, token: str = TOKEN, content_type: str | None = None
) -> WebhookRequest:
    return WebhookRequest(
        method="POST",
        url=url,
        headers={
            "Content-Type": content_type or "application/x-www-form-urlencoded",
            "X-Twilio-Signature": oracle_signature(token, url, body if content_type is None else b""),
        },
        body=body,
    )


def created(sid: str = "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", status: str = "queued") -> httpx.Response:
    payload = fixture_json("message_create_response.json")  # a fresh dict on every call
    assert isinstance(payload, dict)
    payload.update(sid=sid, status=status)
    return httpx.Response(201, json=payload)


# --- configuration ---------------------------------------------------------------------------


def test_channels_satisfy_the_protocol_and_load_by_entry_point() -> None:
    for channel in (sms(), whatsapp()):
        assert isinstance(channel, Channel)
        validate_channel(channel, plugin=channel.name)
    built = create("twilio-sms", account_sid=SID, auth_token=TOKEN, from_number="+14155550100")
    assert isinstance(built, TwilioSMSChannel)
    assert isinstance(
        create("twilio-whatsapp", account_sid=SID, auth_token=TOKEN, messaging_service_sid="MG1"),
        TwilioWhatsAppChannel,
    )


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"from_number": None}, "from_number"),
        ({"messaging_service_sid": "MG123"}, "messaging_service_sid"),
        ({"account_sid": ""}, "account_sid"),
        ({"auth_token": ""}, "auth_token"),
        ({"secondary_auth_tokens": [""]}, "auth_token"),
    ],
)
def test_bad_settings_name_the_setting(settings: dict[str, object], named: str) -> None:
    with pytest.raises(ConfigurationError, match=named):
        sms(**settings)


def test_empty_secondary_token_names_the_channel_once() -> None:
    with pytest.raises(ConfigurationError) as info:
        sms(secondary_auth_tokens=["", "other"])
    assert str(info.value).startswith("channel 'twilio-sms': an empty secret is configured in 'auth_token/")


def test_capabilities() -> None:
    caps = sms().capabilities
    assert (caps.max_body, caps.length_policy, caps.segmented, caps.attachments) == (
        1600,
        "split",
        True,
        True,
    )
    assert not caps.templates
    assert caps.session_window is None
    assert not caps.read_receipts
    wa = whatsapp().capabilities
    assert wa.templates
    assert wa.read_receipts
    assert wa.session_window is not None
    assert wa.session_window.total_seconds() == 24 * 3600
    assert (sms().kind, whatsapp().kind) == ("sms", "whatsapp")


# --- sending ---------------------------------------------------------------------------------


@respx.mock
def test_send_sms_exact_request() -> None:
    route = respx.post(MESSAGES_URL).mock(return_value=created())
    with omnilink.Client(
        channels=[sms(status_callback="https://hooks.example.com/status")], sleep=no_sleep
    ) as client:
        result = client.send("Your table is ready", to="+14155550134", channel="twilio-sms")
    assert result.ok
    assert result.status is DeliveryStatus.QUEUED
    assert result.provider_message_id == "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    request = route.calls.last.request
    assert request.url == MESSAGES_URL
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.headers["authorization"] == "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    assert form_of(request) == [
        ("To", "+14155550134"),
        ("From", "+14155550100"),
        ("Body", "Your table is ready"),
        ("StatusCallback", "https://hooks.example.com/status"),
    ]
    assert request.content == (
        b"To=%2B14155550134&From=%2B14155550100&Body=Your+table+is+ready"
        b"&StatusCallback=https%3A%2F%2Fhooks.example.com%2Fstatus"
    )
    assert "idempotency" not in " ".join(request.headers).lower()  # Twilio documents none


@respx.mock
def test_documented_response_is_parsed() -> None:
    respx.post(MESSAGES_URL).mock(
        return_value=httpx.Response(201, json=fixture_json("message_create_response.json"))
    )
    with omnilink.Client(channels=[sms()], sleep=no_sleep) as client:
        result = client.send("Hello! 👍", to="+14155552345", channel="twilio-sms")
    assert result.status is DeliveryStatus.SENT  # the documented example says "sent"
    assert result.raw["tags"]["campaign_name"] == "Spring Sale 2022"


@respx.mock
def test_send_mms_with_media_urls() -> None:
    route = respx.post(MESSAGES_URL).mock(return_value=created("MMaaaa"))
    message = Message(
        text="Menu",
        attachments=(
            Attachment(
                filename="menu.jpg", content_type="image/jpeg", url="https://cdn.example.com/menu.jpg"
            ),
            Attachment(filename="map.png", content_type="image/png", url="https://cdn.example.com/map.png"),
        ),
    )
    with omnilink.Client(channels=[sms()], sleep=no_sleep) as client:
        assert client.send(message, to="+14155550134", channel="twilio-sms").ok
    assert form_of(route.calls.last.request)[2:] == [
        ("Body", "Menu"),
        ("MediaUrl", "https://cdn.example.com/menu.jpg"),
        ("MediaUrl", "https://cdn.example.com/map.png"),
    ]


def test_inline_attachments_and_too_many_media_are_refused_before_any_request() -> None:
    inline = Message(text="x", attachments=(Attachment(filename="a.bin", data=b"123"),))
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(MESSAGES_URL)
        with omnilink.Client(channels=[sms()], sleep=no_sleep) as client:
            with pytest.raises(UnsupportedFeatureError, match="public URL") as info:
                client.send(inline, to="+14155550134", channel="twilio-sms")
            assert info.value.feature == "inline attachments"
            many = Message(
                attachments=tuple(
                    Attachment(filename=f"{i}.jpg", url=f"https://c/{i}.jpg") for i in range(11)
                )
            )
            with pytest.raises(UnsupportedFeatureError, match="at most 10"):
                client.send(many, to="+14155550134", channel="twilio-sms")
        assert not route.called


@respx.mock
def test_messaging_service_sid_replaces_from() -> None:
    route = respx.post(MESSAGES_URL).mock(return_value=created(status="accepted"))
    channel = sms(from_number=None, messaging_service_sid="MGbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")
    with omnilink.Client(channels=[channel], sleep=no_sleep) as client:
        result = client.send("hi", to="+14155550134", channel="twilio-sms")
    assert result.status is DeliveryStatus.QUEUED
    form = dict(form_of(route.calls.last.request))
    assert form["MessagingServiceSid"] == "MGbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
    assert "From" not in form


@respx.mock
def test_whatsapp_prefixes_addresses() -> None:
    route = respx.post(MESSAGES_URL).mock(return_value=created())
    with omnilink.Client(channels=[whatsapp()], sleep=no_sleep) as client:
        client.send("hi", to="+14155550134", channel="twilio-whatsapp").raise_for_error()
        client.send("again", to="whatsapp:+14155550134", channel="twilio-whatsapp").raise_for_error()
    for call in route.calls:
        form = dict(form_of(call.request))
        assert (form["To"], form["From"]) == ("whatsapp:+14155550134", "whatsapp:+14155550100")


@respx.mock
def test_whatsapp_template_sends_content_sid_and_variables_only() -> None:
    route = respx.post(MESSAGES_URL).mock(return_value=created())
    message = Message(
        text="fallback text",
        template=TemplateRef(name="HXb5b62575e6e4ff6129ad7c8efe1f983e", variables={"1": "12/1", "2": "3pm"}),
    )
    with omnilink.Client(channels=[whatsapp()], sleep=no_sleep) as client:
        client.send(message, to="+14155550134", channel="twilio-whatsapp").raise_for_error()
    form = form_of(route.calls.last.request)
    assert form == [
        ("To", "whatsapp:+14155550134"),
        ("From", "whatsapp:+14155550100"),
        ("ContentSid", "HXb5b62575e6e4ff6129ad7c8efe1f983e"),
        ("ContentVariables", '{"1": "12/1", "2": "3pm"}'),
    ]


def test_sms_refuses_templates() -> None:
    message = Message(template=TemplateRef(name="HX1"))
    with omnilink.Client(channels=[sms()], sleep=no_sleep) as client, pytest.raises(UnsupportedFeatureError):
        client.send(message, to="+14155550134", channel="twilio-sms")
    with pytest.raises(UnsupportedFeatureError):  # the flow itself refuses too, for direct drivers
        next(sms().send_flow(message, to="+1", idempotency_key="k"))


@respx.mock
async def test_async_client_sends_the_same_request() -> None:
    route = respx.post(MESSAGES_URL).mock(return_value=created())
    async with omnilink.AsyncClient(channels=[sms()], sleep=no_async_sleep) as client:
        results = await client.send_many("hi", to=["+14155550134", "+14155550135"], channel="twilio-sms")
    assert [r.ok for r in results] == [True, True]
    assert sorted(dict(form_of(c.request))["To"] for c in route.calls) == ["+14155550134", "+14155550135"]


@respx.mock
def test_long_body_is_split_into_several_messages() -> None:
    route = respx.post(MESSAGES_URL).mock(side_effect=[created("SM1"), created("SM2")])
    text = ("word " * 400).strip()  # 1999 characters
    with omnilink.Client(channels=[sms()], sleep=no_sleep) as client:
        result = client.send(text, to="+14155550134", channel="twilio-sms")
    bodies = [dict(form_of(c.request))["Body"] for c in route.calls]
    assert len(bodies) == 2
    assert all(len(b) <= 1600 for b in bodies)
    assert " ".join(bodies) == text
    assert result.provider_message_ids == ("SM1", "SM2")


# --- send errors -----------------------------------------------------------------------------


@respx.mock
def test_invalid_to_is_rejected_not_retried() -> None:
    route = respx.post(MESSAGES_URL).mock(
        return_value=httpx.Response(400, json=fixture_json("error_21211.json"))
    )
    with omnilink.Client(channels=[sms()], sleep=no_sleep) as client:
        result = client.send("hi", to="+1555", channel="twilio-sms")
    assert result.status is DeliveryStatus.REJECTED
    assert not result.ok
    assert isinstance(result.error, RecipientRejectedError)
    assert result.error.provider_code == "21211"
    assert result.error.status_code == 400
    assert "not a valid phone number" in str(result.error)
    assert "https://www.twilio.com/docs/errors/21211" in str(result.error)
    assert route.call_count == 1
    assert result.attempts == 1


@respx.mock
def test_text_with_a_lone_surrogate_is_a_bad_request_not_sent() -> None:
    # json.loads accepts "\ud83d" (half an emoji); urlencode raised a bare UnicodeEncodeError.
    route = respx.post(MESSAGES_URL).mock(return_value=created())
    text = json.loads('"Your code \\ud83d"')
    with omnilink.Client(channels=[sms()], sleep=no_sleep) as client:
        result = client.send(text, to="+14155550134", channel="twilio-sms")
    assert type(result.error) is BadRequestError
    assert not result.error.retryable
    assert "the Body parameter contains U+D83D at position 10, a lone surrogate" in str(result.error)
    assert result.status is DeliveryStatus.FAILED
    assert route.call_count == 0


@pytest.mark.parametrize("code", ["21610", "21614", "21408", "63016"])
@respx.mock
def test_recipient_refusal_codes(code: str) -> None:
    body = {
        "code": int(code),
        "message": "refused",
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": 400,
    }
    respx.post(MESSAGES_URL).mock(return_value=httpx.Response(400, json=body))
    with omnilink.Client(channels=[whatsapp()], sleep=no_sleep) as client:
        result = client.send("hi", to="+14155550134", channel="twilio-whatsapp")
    assert isinstance(result.error, RecipientRejectedError)
    assert result.status is DeliveryStatus.REJECTED


@respx.mock
def test_401_is_an_authentication_error() -> None:
    route = respx.post(MESSAGES_URL).mock(
        return_value=httpx.Response(401, json=fixture_json("error_20003.json"))
    )
    with omnilink.Client(channels=[sms()], sleep=no_sleep) as client:
        result = client.send("hi", to="+14155550134", channel="twilio-sms")
    assert isinstance(result.error, AuthenticationError)
    assert result.error.provider_code == "20003"
    assert result.status is DeliveryStatus.FAILED
    assert route.call_count == 1


@respx.mock
def test_429_is_retried_after_retry_after_with_the_same_request() -> None:
    waits: list[float] = []
    route = respx.post(MESSAGES_URL).mock(
        side_effect=[
            httpx.Response(429, json=fixture_json("error_20429.json"), headers={"Retry-After": "7"}),
            created(),
        ]
    )
    with omnilink.Client(channels=[sms()], sleep=waits.append) as client:
        result = client.send("hi", to="+14155550134", channel="twilio-sms", idempotency_key="order-42")
    assert result.ok
    assert result.attempts == 2
    assert result.idempotency_key == "order-42"
    assert waits == [7.0]
    first, second = (c.request for c in route.calls)
    assert first.content == second.content
    assert first.headers == second.headers


@respx.mock
def test_429_exhausting_retries_is_a_rate_limit_error() -> None:
    respx.post(MESSAGES_URL).mock(return_value=httpx.Response(429, json=fixture_json("error_20429.json")))
    with omnilink.Client(channels=[sms()], sleep=no_sleep) as client:
        result = client.send("hi", to="+14155550134", channel="twilio-sms")
    assert isinstance(result.error, RateLimitError)
    assert result.attempts == 3


@respx.mock
def test_500_is_retried() -> None:
    route = respx.post(MESSAGES_URL).mock(side_effect=[httpx.Response(500, text="oops"), created()])
    with omnilink.Client(channels=[sms()], sleep=no_sleep) as client:
        result = client.send("hi", to="+14155550134", channel="twilio-sms")
    assert result.ok
    assert result.attempts == 2
    assert route.call_count == 2


@respx.mock
def test_500_every_time_is_a_server_error() -> None:
    respx.post(MESSAGES_URL).mock(
        return_value=httpx.Response(503, json={"code": 20500, "message": "down", "status": 503})
    )
    with omnilink.Client(channels=[sms()], sleep=no_sleep) as client:
        result = client.send("hi", to="+14155550134", channel="twilio-sms")
    assert isinstance(result.error, ServerError)
    assert result.error.provider_code == "20500"


@respx.mock
def test_connect_timeouts_become_provider_timeout_after_retries() -> None:
    route = respx.post(MESSAGES_URL).mock(side_effect=httpx.ConnectTimeout("unreachable"))
    with omnilink.Client(channels=[sms()], sleep=no_sleep) as client:
        result = client.send("hi", to="+14155550134", channel="twilio-sms")
    assert isinstance(result.error, ProviderTimeoutError)
    assert result.error.retryable
    assert result.attempts == 3
    assert route.call_count == 3


@respx.mock
def test_read_timeouts_are_not_retried_because_twilio_takes_no_idempotency_key() -> None:
    # The request may have created the message; a retry could text the customer twice.
    route = respx.post(MESSAGES_URL).mock(side_effect=httpx.ReadTimeout("slow"))
    with omnilink.Client(channels=[sms()], sleep=no_sleep) as client:
        result = client.send("hi", to="+14155550134", channel="twilio-sms")
    assert isinstance(result.error, ProviderTimeoutError)
    assert not result.error.retryable
    assert "not retried" in str(result.error)
    assert result.attempts == 1
    assert route.call_count == 1


@respx.mock
async def test_async_retries_then_succeeds() -> None:
    route = respx.post(MESSAGES_URL).mock(
        side_effect=[httpx.ConnectTimeout("x"), httpx.Response(500), created()]
    )
    async with omnilink.AsyncClient(channels=[sms()], sleep=no_async_sleep) as client:
        result = await client.send("hi", to="+14155550134", channel="twilio-sms")
    assert result.ok
    assert result.attempts == 3
    assert route.call_count == 3


@respx.mock
def test_a_blank_body_over_the_limit_with_media_sends_the_media() -> None:
    # " " * 2000 was split into no parts: no request, yet status=queued, ok=True, attempts=0.
    route = respx.post(MESSAGES_URL).mock(return_value=created())
    photo = Attachment(filename="a.jpg", url="https://x.test/a.jpg")
    with omnilink.Client(channels=[sms()], sleep=no_sleep) as client:
        result = client.send(
            Message(text=" " * 2000, attachments=(photo,)), to="+14155550134", channel="twilio-sms"
        )
        assert (result.ok, result.attempts, route.call_count) == (True, 1, 1)
        assert ("MediaUrl", "https://x.test/a.jpg") in form_of(route.calls[0].request)
        assert "Body" not in dict(form_of(route.calls[0].request))
        with pytest.raises(InvalidMessageError, match="empty"):
            client.send(" " * 2000, to="+14155550134", channel="twilio-sms")
    assert route.call_count == 1


@respx.mock
def test_success_without_a_sid_is_not_retried() -> None:
    route = respx.post(MESSAGES_URL).mock(return_value=httpx.Response(201, text="<html>proxy</html>"))
    with omnilink.Client(channels=[sms()], sleep=no_sleep) as client:
        result = client.send("hi", to="+14155550134", channel="twilio-sms")
    assert not result.ok
    assert route.call_count == 1
    assert not result.error.retryable


@respx.mock
def test_rfc9457_error_bodies_are_read() -> None:
    body = {
        "type": "https://www.twilio.com/docs/errors/21211",
        "title": "Invalid To",
        "status": 400,
        "code": 21211,
        "detail": "bad number",
    }
    respx.post(MESSAGES_URL).mock(return_value=httpx.Response(400, json=body))
    with omnilink.Client(channels=[sms()], sleep=no_sleep) as client:
        result = client.send("hi", to="+1", channel="twilio-sms")
    assert isinstance(result.error, RecipientRejectedError)
    assert "bad number" in str(result.error)


# --- signatures ------------------------------------------------------------------------------

DOC_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
DOC_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+14158675310",
    "Digits": "1234",
    "From": "+14158675310",
    "To": "+18005551212",
}


def test_documented_signature_example() -> None:
    # https://www.twilio.com/docs/usage/security: token 12345, this URL and these parameters.
    assert compute_signature("12345", DOC_URL, DOC_PARAMS) == "GvWf1cFY/Q7PnoempGyD5oXAezc="


@pytest.mark.parametrize(
    ("url", "caller", "expected"),
    [
        # twilio-python tests/unit/test_request_validator.py vectors (From/Caller +14158675309).
        (DOC_URL, "+14158675309", "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
        ("https://mycompany.com:1234/myapp.php?foo=1&bar=2", "+14158675309", "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
        ("http://mycompany.com:1234/myapp.php?foo=1&bar=2", "+14158675309", "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="),
        (DOC_URL, "+14158675309", "kvajT1Ptam85bY51eRf/AJRuM3w="),  # signed with :443
        ("http://mycompany.com/myapp.php?foo=1&bar=2", "+14158675309", "0ZXoZLH/DfblKGATFgpif+LLRf4="),  # :80
        (DOC_URL, "+14158675310", "GvWf1cFY/Q7PnoempGyD5oXAezc="),
    ],
)
def test_verification_vectors_with_port_variants(url: str, caller: str, expected: str) -> None:
    params = {**DOC_PARAMS, "Caller": caller, "From": caller}
    body = "&".join(f"{k}={v}" for k, v in params.items()).replace("+", "%2B").encode()
    request = WebhookRequest(method="POST", url=url, headers={"X-Twilio-Signature": expected}, body=body)
    sms(auth_token="12345").verify_webhook(request)


def test_repeated_parameters_vector() -> None:
    # twilio-python's duplicate-parameter vector: names sorted, values sorted, duplicates once.
    body = b"Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234&Digits=1234"
    request = WebhookRequest(
        method="POST", url=DOC_URL, headers={"X-Twilio-Signature": "IK+Dwps556ElfBT0I3Rgjkr1wJU="}, body=body
    )
    sms(auth_token="12345").verify_webhook(request)


def test_json_body_sha256_vector() -> None:
    # twilio-python: body '{"property": "value", "boolean": true}', its SHA-256 in the URL.
    body = b'{"property": "value", "boolean": true}'
    url = DOC_URL + "&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
    headers = {"Content-Type": "application/json", "X-Twilio-Signature": "a9nBmqA0ju/hNViExpshrM61xv4="}
    channel = sms(auth_token="12345")
    channel.verify_webhook(WebhookRequest(method="POST", url=url, headers=headers, body=body))
    with pytest.raises(WebhookVerificationError) as info:
        channel.verify_webhook(WebhookRequest(method="POST", url=url, headers=headers, body=body + b" "))
    assert info.value.reason == "body_hash"


def test_json_body_without_body_sha256_is_refused() -> None:
    request = WebhookRequest(
        method="POST",
        url=HOOK,
        headers={"Content-Type": "application/json", "X-Twilio-Signature": oracle_signature(TOKEN, HOOK)},
        body=b"{}",
    )
    with pytest.raises(WebhookVerificationError) as info:
        sms().verify_webhook(request)
    assert info.value.reason == "unsigned_body"


def test_form_webhook_verifies() -> None:
    sms().verify_webhook(signed(fixture("inbound_sms.form")))


def test_forged_tampered_and_unsigned_requests_fail() -> None:
    body = fixture("inbound_sms.form")
    channel = sms()
    forged = signed(body, token="not-the-token")
    tampered = signed(body)
    tampered = WebhookRequest(
        method="POST", url=HOOK, headers=dict(tampered.headers), body=body.replace(b"Hello", b"Hellp")
    )
    other_url = WebhookRequest(
        method="POST", url=HOOK.replace("7", "8"), headers=dict(signed(body).headers), body=body
    )
    for request in (forged, tampered, other_url):
        with pytest.raises(WebhookVerificationError) as info:
            channel.verify_webhook(request)
        assert info.value.reason == "mismatch"
    missing = WebhookRequest(
        method="POST", url=HOOK, headers={"Content-Type": "application/x-www-form-urlencoded"}, body=body
    )
    with pytest.raises(WebhookVerificationError) as info:
        channel.verify_webhook(missing)
    assert info.value.reason == "missing"


def test_rotated_tokens_are_accepted() -> None:
    body = fixture("status_delivered.form")
    rotated = sms(auth_token=TOKEN, secondary_auth_tokens=[OLD_TOKEN])
    rotated.verify_webhook(signed(body, token=OLD_TOKEN))
    rotated.verify_webhook(signed(body, token=TOKEN))
    as_sequence = sms(auth_token=[TOKEN, OLD_TOKEN])
    as_sequence.verify_webhook(signed(body, token=OLD_TOKEN))
    with pytest.raises(WebhookVerificationError):
        sms().verify_webhook(signed(body, token=OLD_TOKEN))


@pytest.mark.parametrize("wrap", [bytes, bytearray, memoryview])
@respx.mock
def test_bytes_like_auth_token_is_one_token(wrap: Callable[[bytes], object]) -> None:
    # A bytes-like token was iterated as ints, and every int became an all-zero webhook key.
    route = respx.post(MESSAGES_URL).mock(return_value=created())
    body = fixture("status_delivered.form")
    channel = sms(auth_token=wrap(TOKEN.encode()), secondary_auth_tokens=[wrap(OLD_TOKEN.encode())])
    channel.verify_webhook(signed(body))
    channel.verify_webhook(signed(body, token=OLD_TOKEN))
    with pytest.raises(WebhookVerificationError):
        channel.verify_webhook(signed(body, token="\0" * ord(TOKEN[0])))  # the key it had become
    with omnilink.Client(channels=[channel], sleep=no_sleep) as client:
        client.send("hi", to="+14155550134", channel="twilio-sms").raise_for_error()
    assert (
        route.calls.last.request.headers["authorization"]
        == "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    )


@pytest.mark.parametrize("token", [b"\xff\xfe", [TOKEN, 7], 12345])
def test_auth_token_that_is_not_text_is_a_configuration_error(token: object) -> None:
    with pytest.raises(ConfigurationError, match="auth_token"):
        sms(auth_token=token)


@respx.mock
def test_only_the_first_token_authenticates_api_calls() -> None:
    route = respx.post(MESSAGES_URL).mock(return_value=created())
    channel = sms(auth_token=[TOKEN, OLD_TOKEN])
    with omnilink.Client(channels=[channel], sleep=no_sleep) as client:
        client.send("hi", to="+14155550134", channel="twilio-sms").raise_for_error()
    assert (
        route.calls.last.request.headers["authorization"]
        == "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    )


def test_client_parse_webhook_verifies_first() -> None:
    body = fixture("inbound_sms.form")
    with omnilink.Client(channels=[sms()], sleep=no_sleep) as client:
        events = client.parse_webhook("twilio-sms", signed(body))
        assert isinstance(events[0], InboundMessage)
        with pytest.raises(WebhookVerificationError):
            client.parse_webhook("twilio-sms", signed(body, token="forged"))


# --- status callbacks ------------------------------------------------------------------------


def status_request(status: str, **extra: str) -> WebhookRequest:
    params = {
        "MessageSid": "SMaaaa",
        "MessageStatus": status,
        "To": "+14155550134",
        "From": "+14155550100",
        **extra,
    }
    body = "&".join(f"{k}={v}" for k, v in params.items()).replace("+", "%2B").encode()
    return signed(body)


@pytest.mark.parametrize(("twilio_status", "expected"), sorted(STATUS_MAP.items()))
def test_every_status_is_mapped(twilio_status: str, expected: DeliveryStatus) -> None:
    (event,) = sms().parse_webhook(status_request(twilio_status))
    assert isinstance(event, StatusUpdate)
    assert event.status is expected
    assert event.event_id == f"SMaaaa:{twilio_status}"


def test_documented_status_callbacks() -> None:
    channel = sms()
    (delivered,) = channel.parse_webhook(signed(fixture("status_delivered.form")))
    assert isinstance(delivered, StatusUpdate)
    assert (delivered.provider_message_id, delivered.status, delivered.recipient) == (
        "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        DeliveryStatus.DELIVERED,
        "+14155550134",
    )
    assert delivered.raw["RawDlrDoneDate"] == "2508041712"
    assert delivered.provider == "twilio"
    (undelivered,) = channel.parse_webhook(signed(fixture("status_undelivered.form")))
    assert isinstance(undelivered, StatusUpdate)
    assert undelivered.status is DeliveryStatus.UNDELIVERED
    assert undelivered.error_code == "30003"


def test_out_of_order_callbacks_never_move_back() -> None:
    channel = whatsapp()
    status = DeliveryStatus.QUEUED
    for twilio_status in ("sent", "read", "delivered", "sent", "queued"):
        (event,) = channel.parse_webhook(status_request(twilio_status))
        assert isinstance(event, StatusUpdate)
        status = status.advance(event.status)
    assert status is DeliveryStatus.READ


def test_unknown_status_is_a_payload_error() -> None:
    with pytest.raises(WebhookPayloadError, match="teleported"):
        sms().parse_webhook(status_request("teleported"))


# --- inbound ---------------------------------------------------------------------------------


def test_inbound_sms() -> None:
    (event,) = sms().parse_webhook(signed(fixture("inbound_sms.form")))
    assert isinstance(event, InboundMessage)
    assert event.sender.kind is IdentifierKind.PHONE
    assert event.sender.value == "+14155550134"
    assert event.recipient == "+14155550100"
    assert event.message.text == "Hello there!"
    assert event.message.attachments == ()
    assert event.provider_message_id == event.event_id == "SM1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d"
    assert event.raw["FromCity"] == "SAN FRANCISCO"
    assert event.channel == "twilio-sms"


def test_inbound_mms_attachments() -> None:
    (event,) = sms().parse_webhook(signed(fixture("inbound_mms.form")))
    assert isinstance(event, InboundMessage)
    first, second = event.message.attachments
    assert first.content_type == "image/jpeg"
    assert first.url is not None
    assert first.url.endswith("/ME11111111111111111111111111111111")
    assert first.filename == "ME11111111111111111111111111111111.jpg"
    assert second.content_type == "image/png"
    assert second.filename.endswith(".png")


def test_inbound_whatsapp() -> None:
    (event,) = whatsapp().parse_webhook(signed(fixture("inbound_whatsapp.form")))
    assert isinstance(event, InboundMessage)
    assert event.sender.value == "+14155550134"
    assert event.sender.raw == "whatsapp:+14155550134"
    assert event.recipient == "+14155550100"
    assert event.message.text == "Is my table ready?"
    extra = event.model_extra or {}
    assert extra["profile_name"] == "Ada Lovelace"
    assert extra["wa_id"] == "14155550134"


def test_non_phone_sender_is_kept_as_an_external_id() -> None:
    body = b"MessageSid=SM1&From=MyShop&To=%2B14155550100&Body=hi"
    (event,) = sms().parse_webhook(signed(body))
    assert isinstance(event, InboundMessage)
    assert event.sender.kind is IdentifierKind.EXTERNAL
    assert event.sender.value == "twilio:MyShop"


@pytest.mark.parametrize(
    ("body", "opt_out_type", "opted_out"),
    [
        ("STOP", None, True),
        (" stopall ", None, True),
        ("Unsubscribe", None, True),
        ("cancel", None, True),
        ("END", None, True),
        ("quit", None, True),
        ("START", None, False),
        ("yes", None, False),
        ("UNSTOP", None, False),
        ("arret", "STOP", True),  # Advanced Opt-Out custom keyword: OptOutType wins
        ("reprendre", "START", False),
    ],
)
def test_opt_out_keywords(body: str, opt_out_type: str | None, opted_out: bool) -> None:
    params = {"MessageSid": "SMkw", "From": "+14155550134", "To": "+14155550100", "Body": body}
    if opt_out_type:
        params["OptOutType"] = opt_out_type
    raw = httpx.QueryParams(params).__str__().encode()
    inbound, opt = sms().parse_webhook(signed(raw))
    assert isinstance(inbound, InboundMessage)
    assert inbound.message.text == body
    assert isinstance(opt, OptOutEvent)
    assert opt.opted_out is opted_out
    assert opt.keyword == body.strip().upper()
    assert opt.sender.value == "+14155550134"
    assert opt.event_id != inbound.event_id


@pytest.mark.parametrize(
    ("body", "opt_out_type"), [("stop please", None), ("HELP", None), ("HELP", "HELP"), ("hi", None)]
)
def test_not_opt_outs(body: str, opt_out_type: str | None) -> None:
    params = {"MessageSid": "SMkw", "From": "+14155550134", "To": "+14155550100", "Body": body}
    if opt_out_type:
        params["OptOutType"] = opt_out_type
    events = sms().parse_webhook(signed(str(httpx.QueryParams(params)).encode()))
    assert [type(e) for e in events] == [InboundMessage]


def test_whatsapp_opt_out() -> None:
    body = (
        b"MessageSid=SMwa&From=whatsapp%3A%2B14155550134&To=whatsapp%3A%2B14155550100"
        b"&Body=STOP&OptOutType=STOP"
    )
    _, opt = whatsapp().parse_webhook(signed(body))
    assert isinstance(opt, OptOutEvent)
    assert opt.channel == "twilio-whatsapp"
    assert opt.sender.value == "+14155550134"


def test_events_round_trip_through_json() -> None:
    from pydantic import TypeAdapter

    from omnilink.models import Event

    adapter: TypeAdapter[list[Event]] = TypeAdapter(list[Event])
    events = sms().parse_webhook(signed(b"MessageSid=SM1&From=%2B14155550134&To=%2B14155550100&Body=STOP"))
    assert adapter.validate_json(adapter.dump_json(events)) == events


# --- malformed -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"", None),
        (b"AccountSid=AC1", None),
        (b"MessageSid=SM1&From=%2B14155550134&NumMedia=two", None),
        (b"MessageSid=SM1&From=%2B14155550134&NumMedia=1", None),
        (b"MessageStatus=sent", None),
        (b"\xff\xfe", None),
        (b"[1, 2]", "application/json"),
        (b"{not json", "application/json"),
        (b"<xml/>", "text/xml"),
    ],
)
def test_malformed_bodies(body: bytes, content_type: str | None) -> None:
    request = WebhookRequest(
        method="POST",
        url=HOOK,
        headers={"Content-Type": content_type or "application/x-www-form-urlencoded"},
        body=body,
    )
    with pytest.raises(WebhookPayloadError):
        sms().parse_webhook(request)


@pytest.mark.parametrize("url", ["http://[::1", "https://h.example]/a.jpg"])
def test_malformed_media_url_is_a_payload_error(url: str) -> None:
    # urlsplit raised a bare ValueError ("Invalid IPv6 URL") out of parse_webhook.
    body = urlencode({"MessageSid": "SM1", "From": "+14155550134", "NumMedia": "1", "MediaUrl0": url})
    with pytest.raises(WebhookPayloadError, match="MediaUrl0 is not a URL"):
        sms().parse_webhook(signed(body.encode()))


@pytest.mark.parametrize("url", ["http://[::1/hook", "https://h.example]/hook", "https://h\uff03x.example/h"])
def test_malformed_request_url_is_a_verification_error(url: str) -> None:
    # urlsplit raised a bare ValueError out of verify_webhook for a URL built from a hostile Host header.
    body = urlencode({"MessageSid": "SM1", "From": "+14155550134", "Body": "hi"}).encode()
    request = signed(body, url=url)
    with pytest.raises(WebhookVerificationError, match="request URL is malformed") as info:
        sms().verify_webhook(request)
    assert info.value.reason == "url"
    with pytest.raises(WebhookVerificationError):
        omnilink.Client(channels=[sms()]).parse_webhook("twilio-sms", request)
    get = WebhookRequest(method="GET", url=url + "?MessageSid=SM1&From=%2B14155550134", headers={})
    with pytest.raises(WebhookPayloadError, match="request URL is malformed"):
        sms().parse_webhook(get)


def test_oversized_bodies() -> None:
    huge = b"Body=" + b"a" * (1024 * 1024 + 1)
    request = WebhookRequest(method="POST", url=HOOK, headers={"X-Twilio-Signature": "x"}, body=huge)
    with pytest.raises(WebhookPayloadError):
        sms().verify_webhook(request)
    with pytest.raises(WebhookPayloadError):
        sms().parse_webhook(request)
    json_request = WebhookRequest(
        method="POST", url=HOOK + "&bodySHA256=00", headers={"Content-Type": "application/json"}, body=huge
    )
    with pytest.raises(WebhookPayloadError):
        sms().verify_webhook(json_request)


def test_json_payloads_with_the_same_fields_parse() -> None:
    body = json.dumps({"MessageSid": "SMj", "MessageStatus": "delivered", "ErrorCode": None}).encode()
    request = WebhookRequest(method="POST", url=HOOK, headers={"Content-Type": "application/json"}, body=body)
    (event,) = sms().parse_webhook(request)
    assert isinstance(event, StatusUpdate)
    assert event.status is DeliveryStatus.DELIVERED
    assert event.error_code is None


# --- the docs ----------------------------------------------------------------------------------


def _error_table_rows() -> list[list[str]]:
    page = (Path(__file__).parents[2] / "docs" / "providers" / "twilio.md").read_text()
    table = page.split("| answer | error | retried | result status |", 1)[1].split("\n\n", 1)[0]
    return [[c.strip() for c in line.strip("|").split("|")] for line in table.splitlines()[2:]]


# Every httpx failure a send can meet on the way to Twilio; the docs must say of each whether it is retried.
_TRANSPORT_FAILURES = (
    "ConnectError", "ConnectTimeout", "PoolTimeout", "ReadTimeout", "WriteTimeout", "ReadError",
    "WriteError", "RemoteProtocolError",
)  # fmt: skip


def test_docs_error_table_says_which_transport_failures_are_retried() -> None:
    # The table had said "no answer / timeout ... retried: yes"; without an idempotency key the client
    # retries only a request that never reached Twilio, so a read timeout is never sent twice.
    documented: dict[str, bool] = {}
    for cells in _error_table_rows():
        for name in re.findall(r"`(\w+)`", cells[0]):
            if name in _TRANSPORT_FAILURES:
                documented[name] = cells[2].startswith("yes")
    assert set(documented) == set(_TRANSPORT_FAILURES)
    for name, retried in documented.items():
        with respx.mock, omnilink.Client(channels=[sms()], sleep=no_sleep) as client:
            route = respx.post(MESSAGES_URL).mock(side_effect=getattr(httpx, name)("simulated"))
            result = client.send("hi", to="+14155550134", channel="twilio-sms")
        assert result.error is not None
        assert (route.call_count > 1, result.error.retryable) == (retried, retried), name


def test_docs_examples_run() -> None:
    """Every python block of docs/providers/twilio.md runs, in order, in one namespace."""
    page = (Path(__file__).parents[2] / "docs" / "providers" / "twilio.md").read_text()
    blocks = [part.split("```", 1)[0] for part in page.split("```python\n")[1:]]
    assert len(blocks) >= 2
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, "docs/providers/twilio.md", "exec"), namespace)  # noqa: S102 - our own docs
