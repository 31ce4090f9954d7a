"""The shared HTTP error table and Retry-After parsing every HTTP provider uses."""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Iterator

import httpx
import pytest

from omnilink.exceptions import (
    AuthenticationError,
    BadRequestError,
    ProviderError,
    RateLimitError,
    RecipientRejectedError,
    ServerError,
)
from omnilink.providers import basic_auth, error_from_response, parse_retry_after

REQUEST = httpx.Request("POST", "https://api.test/messages")


def _response(status: int, *, json: object = None, text: str | None = None, **headers: str) -> httpx.Response:
    if json is not None:
        return httpx.Response(status, json=json, headers=headers, request=REQUEST)
    return httpx.Response(status, text=text or "", headers=headers, request=REQUEST)


@pytest.mark.parametrize(
    ("status", "cls", "retryable"),
    [
        (400, BadRequestError, False),
        (401, AuthenticationError, False),
        (403, AuthenticationError, False),
        (404, BadRequestError, False),
        (409, BadRequestError, False),
        (422, BadRequestError, False),
        (429, RateLimitError, True),
        (500, ServerError, True),
        (502, ServerError, True),
        (503, ServerError, True),
        (504, ServerError, True),
    ],
)
def test_status_families(status: int, cls: type[ProviderError], retryable: bool) -> None:
    err = error_from_response(_response(status, json={"message": "x"}), provider="acme")
    assert type(err) is cls
    assert err.retryable is retryable
    assert err.status_code == status
    assert err.provider == "acme"
    assert err.request is REQUEST
    assert err.response is not None
    assert err.response.status_code == status


@pytest.mark.parametrize("status", [400, 404, 500])
def test_rejected_codes_win(status: int) -> None:
    err = error_from_response(
        _response(status, json={"code": 21610}),
        provider="twilio",
        provider_code="21610",
        rejected_codes={"21610", "21211"},
    )
    assert type(err) is RecipientRejectedError
    assert not err.retryable
    assert err.provider_code == "21610"


def test_rejected_says_a_recipient_where_the_code_cannot() -> None:
    # Telegram: 403 "Forbidden: bot was blocked by the user" is about the recipient, not the token.
    description = "Forbidden: bot was blocked by the user"
    response = _response(403, json={"ok": False, "error_code": 403, "description": description})
    assert type(error_from_response(response, provider="telegram")) is AuthenticationError
    err = error_from_response(response, provider="telegram", rejected="blocked" in description)
    assert type(err) is RecipientRejectedError
    assert not err.retryable


def test_retry_after_from_the_body_is_used_and_wins_over_no_header() -> None:
    body = {"ok": False, "error_code": 429, "parameters": {"retry_after": 14}}
    err = error_from_response(_response(429, json=body), provider="telegram", retry_after=14)
    assert type(err) is RateLimitError
    assert err.retry_after == 14
    assert error_from_response(_response(429, json=body), provider="telegram").retry_after is None
    with_header = _response(429, json=body, **{"Retry-After": "3"})
    assert error_from_response(with_header, provider="telegram").retry_after == 3
    assert error_from_response(with_header, provider="telegram", retry_after=14).retry_after == 14


def test_a_code_not_in_rejected_codes_uses_the_status() -> None:
    err = error_from_response(
        _response(400), provider="twilio", provider_code="21604", rejected_codes={"21610"}
    )
    assert type(err) is BadRequestError
    assert err.provider_code == "21604"


def test_message_and_hint() -> None:
    err = error_from_response(_response(401), provider="p", message="Authenticate")
    assert str(err).startswith("p: Authenticate (check the channel's credentials)")
    err = error_from_response(_response(503), provider="p")
    assert "Service Unavailable" in str(err)  # the reason phrase when no message is given
    assert "status=503" in str(err)
    err = error_from_response(httpx.Response(599, request=REQUEST), provider="p")
    assert "HTTP 599" in str(err)


def test_raw_keeps_json_or_text() -> None:
    assert error_from_response(_response(400, json={"a": [1]}), provider="p").raw == {"a": [1]}
    assert error_from_response(_response(502, text="<html>bad gateway</html>"), provider="p").raw == (
        "<html>bad gateway</html>"
    )


def test_hand_built_response_has_no_request() -> None:
    err = error_from_response(httpx.Response(500), provider="p")
    assert err.request is None
    assert type(err) is ServerError


def test_retry_after_header_is_parsed() -> None:
    err = error_from_response(_response(429, **{"Retry-After": "12"}), provider="p")
    assert err.retry_after == 12.0
    assert "retry_after=12s" in str(err)
    assert error_from_response(_response(429), provider="p").retry_after is None


# --- parse_retry_after ----------------------------------------------------------------------

# Sun, 06 Nov 1994 08:49:37 GMT (RFC 9110's example date)
NOW = 784111777.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0", 0.0), ("1", 1.0), ("120", 120.0), (" 30 ", 30.0), ("86400", 86400.0)],
)
def test_delta_seconds(value: str, expected: float) -> None:
    assert parse_retry_after(value, now=NOW) == expected


@pytest.mark.parametrize("value", [None, "", "soon", "-5", "1.5", "1e3", "12 s", "Sun, 99 Foo 1994"])
def test_unusable_values(value: str | None) -> None:
    assert parse_retry_after(value, now=NOW) is None


@pytest.mark.parametrize(
    "value",
    [
        "Sun, 06 Nov 1994 08:50:37 GMT",  # IMF-fixdate
        "Sunday, 06-Nov-94 08:50:37 GMT",  # obsolete RFC 850
    ],
)
def test_http_date(value: str) -> None:
    assert parse_retry_after(value, now=NOW) == 60.0


def test_http_date_in_the_past_is_zero() -> None:
    assert parse_retry_after("Sun, 06 Nov 1994 08:48:37 GMT", now=NOW) == 0.0


def test_http_date_default_clock() -> None:
    soon = time.time() + 100
    value = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(soon))
    waited = parse_retry_after(value)
    assert waited is not None
    assert 95 <= waited <= 101


@pytest.fixture
def non_utc_local_time() -> Iterator[None]:
    old = os.environ.get("TZ")
    os.environ["TZ"] = "EST+05"  # POSIX form: needs no tz database
    time.tzset()
    try:
        yield
    finally:
        if old is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = old
        time.tzset()


def test_http_date_ignores_local_time_zone(non_utc_local_time: None) -> None:
    assert parse_retry_after("Sun, 06 Nov 1994 08:50:37 GMT", now=NOW) == 60.0


def test_asctime_http_date_is_utc(non_utc_local_time: None) -> None:
    assert parse_retry_after("Sun Nov  6 08:50:37 1994", now=NOW) == 60.0


def test_non_ascii_digit_retry_after_is_ignored() -> None:
    response = httpx.Response(429, headers=[(b"Retry-After", b"\xb2")], request=REQUEST)
    assert error_from_response(response, provider="p").retry_after is None


def test_basic_auth() -> None:
    header = basic_auth("AC123", "tok:en")
    scheme, token = header.split(" ")
    assert scheme == "Basic"
    assert base64.b64decode(token) == b"AC123:tok:en"
