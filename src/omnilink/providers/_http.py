"""What every HTTP provider shares: turning an error response into the right ProviderError.

One table maps status families to exception classes; adapters only add what is specific to
them (their error-code field, and which of their codes mean "this recipient is refused").
"""

from __future__ import annotations

import base64
import email.utils
import time
from collections.abc import Collection
from datetime import timezone

import httpx

from omnilink.exceptions import (
    AuthenticationError,
    BadRequestError,
    ProviderError,
    RateLimitError,
    RecipientRejectedError,
    ServerError,
)

__all__ = ["basic_auth", "error_from_response", "parse_retry_after"]


def basic_auth(username: str, password: str) -> str:
    """The value of an ``Authorization: Basic`` header."""
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # str.isdigit alone accepts "²"
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # the asctime form has no zone; RFC 9110 says HTTP dates are UTC
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def error_from_response(
    response: httpx.Response,
    *,
    provider: str,
    message: str | None = None,
    provider_code: str | None = None,
    rejected_codes: Collection[str] = (),
    rejected: bool = False,
    retry_after: float | None = None,
) -> ProviderError:
    """The ProviderError subclass for an error response, with all its context attached.

    ``rejected`` says the provider refused this recipient when its code alone cannot (Telegram
    answers 403 "bot was blocked by the user": a recipient, not the credentials);
    ``retry_after`` is the wait the provider asked for in its body (Telegram's
    ``parameters.retry_after``), used instead of a ``Retry-After`` header.
    """
    status = response.status_code
    cls: type[ProviderError]
    if rejected or (provider_code is not None and provider_code in rejected_codes):
        cls = RecipientRejectedError
    elif status in (401, 403):
        cls = AuthenticationError
    elif status == 429:
        cls = RateLimitError
    elif status >= 500:
        cls = ServerError
    else:
        cls = BadRequestError
    hint = {
        AuthenticationError: "check the channel's credentials",
        RateLimitError: "slow down; the client retries after retry_after",
        ServerError: "the provider failed; the client retries",
        RecipientRejectedError: "this recipient cannot be reached on this channel",
        BadRequestError: "the provider rejected the request; fix the message or settings",
    }[cls]
    text = message or response.reason_phrase or f"HTTP {status}"
    return cls(
        f"{text} ({hint})",
        provider=provider,
        status_code=status,
        provider_code=provider_code,
        retry_after=retry_after
        if retry_after is not None
        else parse_retry_after(response.headers.get("retry-after")),
        request=_request_of(response),
        response=response,
        raw=_raw(response),
    )


def _request_of(response: httpx.Response) -> httpx.Request | None:
    try:
        return response.request
    except RuntimeError:  # a Response built by hand has no request
        return None


def _raw(response: httpx.Response) -> object:
    try:
        return response.json()
    except ValueError:
        return response.text
