"""Framework-neutral webhook input and the verification mechanisms every provider shares.

Providers differ in *what* they sign, not in *how* to check a signature safely. The pieces
here are written once and used by every adapter:

* :class:`WebhookRequest`: method, URL, headers (case-insensitive) and the raw body bytes;
  signatures are always checked on the raw bytes, never on a re-serialized body;
* :func:`verify_hmac`: compute an HMAC under each of several secrets (rotation) and compare in
  constant time;
* :func:`check_timestamp`: reject a signed timestamp outside the replay window;
* :func:`form_params` / :func:`json_body`: bounded parsing of the two body encodings.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qsl

import httpx

from omnilink.exceptions import ConfigurationError, WebhookPayloadError, WebhookVerificationError

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "Secrets",
    "WebhookRequest",
    "bounded_body",
    "check_timestamp",
    "form_params",
    "json_body",
    "replay_window",
    "secrets_tuple",
    "verify_hmac",
    "verify_shared_secret",
]

DEFAULT_MAX_BODY_BYTES = 1_048_576
"""Bodies larger than 1 MiB are refused before parsing (providers send far less)."""

Secrets = str | bytes | Sequence[str | bytes]
"""One secret, or several while rotating: a signature valid under any of them passes."""


@dataclass(frozen=True, slots=True, init=False)
class WebhookRequest:
    """An incoming webhook as any web framework can describe it.

    >>> req = WebhookRequest(method="POST", url="https://x.test/hook",
    ...                      headers={"Content-Type": "application/json"}, body=b"{}")
    >>> req.header("content-type")
    'application/json'
    """

    method: str
    url: str
    headers: httpx.Headers
    """Case-insensitive, and a repeated header keeps every value (``headers.get_list(name)``)."""
    body: bytes
    """The raw body, as signed: any str or bytes-like body given is stored as bytes."""

    # A hand-written __init__, so that what it takes (any str mapping, a str or bytes-like body)
    # can be wider than what the attributes hold, and both are typed as they are.
    def __init__(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None = None,
        body: bytes | bytearray | memoryview | str = b"",
    ) -> None:
        object.__setattr__(self, "method", method)
        object.__setattr__(self, "url", url)
        # httpx.Headers gives case-insensitive lookup and keeps repeated headers.
        object.__setattr__(self, "headers", _headers(headers if headers is not None else {}))
        if isinstance(body, str):
            body = body.encode()
        elif not isinstance(body, bytes):
            if not isinstance(body, bytearray | memoryview):  # bytes(5) would be five zero bytes
                raise TypeError(f"WebhookRequest(body=...) takes bytes or str, not {type(body).__name__}")
            body = bytes(body)
        object.__setattr__(self, "body", body)

    def header(self, name: str, default: str | None = None) -> str | None:
        """A header value, looked up case-insensitively."""
        value = self.headers.get(name)
        return default if value is None else value

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").split(";", 1)[0].strip().lower()


def _header_bytes(text: str | bytes) -> tuple[bytes, bool]:
    """A header name or value as bytes, and whether latin-1 gave back the original text.

    ASGI servers (Starlette, FastAPI) decode header bytes as latin-1, so latin-1 turns such a str back
    into the bytes that were on the wire; only text latin-1 cannot hold (built by hand) goes as UTF-8.
    """
    if isinstance(text, bytes):
        return text, False
    try:
        return text.encode("latin-1"), True
    except UnicodeEncodeError:
        return text.encode("utf-8"), False


def _headers(headers: Mapping[str, str]) -> httpx.Headers:
    """Headers as httpx.Headers, without httpx's ASCII-only encoding of str values.

    httpx encodes str names and values as ASCII, so any header a client sent with a byte above 0x7F
    (``User-Agent: caf\xe9``) raised UnicodeEncodeError before the signature was even looked at.
    """
    if isinstance(headers, httpx.Headers):
        return httpx.Headers(headers)
    pairs = [(_header_bytes(k), _header_bytes(v)) for k, v in headers.items()]
    raw = [(key, value) for (key, _), (value, _) in pairs]
    # When every str went out as latin-1, decoding as latin-1 hands back exactly the str that came in;
    # otherwise httpx picks the decoding (ASCII, then UTF-8, then latin-1) as it does for bytes.
    exact = all(key_latin1 and value_latin1 for (_, key_latin1), (_, value_latin1) in pairs)
    return httpx.Headers(raw, encoding="iso-8859-1" if exact else None)


_BYTES_LIKE = (bytes, bytearray, memoryview)


def secrets_tuple(secrets: Secrets | None, *, provider: str, setting: str) -> tuple[bytes, ...]:
    """Normalize one-or-many secrets to bytes, refusing an empty configuration.

    A str is its UTF-8 bytes; a bytes, bytearray or memoryview is one secret, its bytes. Anything
    else (an int, ``None`` in a list), and an empty secret, raises :class:`~omnilink.ConfigurationError`
    naming ``setting``.
    """
    if secrets is None:
        return ()
    # A bytearray or memoryview iterates as ints, and bytes(int) is that many zero bytes: read as a
    # sequence of secrets, it became keys anyone could sign with. It is one secret, like bytes.
    one = isinstance(secrets, (str, *_BYTES_LIKE)) or not isinstance(secrets, Iterable)
    items: Iterable[object] = (secrets,) if one else secrets
    out: list[bytes] = []
    for item in items:
        if isinstance(item, str):
            out.append(item.encode())
        elif isinstance(item, _BYTES_LIKE):
            out.append(bytes(item))
        else:
            raise ConfigurationError(
                f"{provider}: {setting!r} holds a {type(item).__name__}; a secret is a str or bytes "
                "(or a list of them while rotating)"
            )
    if any(not s for s in out):
        # A bad setting, like a secret of the wrong type: it is found when the channel is built, not
        # when a webhook arrives. An empty HMAC key is one anyone can sign with, so it is never used.
        raise ConfigurationError(
            f"{provider}: an empty secret is configured in {setting!r} (anyone can sign with an empty "
            "key); remove it, or set the provider's signing secret"
        )
    return tuple(out)


def verify_hmac(
    payload: bytes | Sequence[bytes],
    signature: str | None,
    *,
    secrets: Sequence[bytes],
    provider: str,
    digest: Literal["sha1", "sha256", "sha512"] = "sha256",
    encoding: Literal["hex", "base64"] = "hex",
    prefix: str = "",
) -> None:
    """Check ``signature`` against the HMAC of ``payload`` under any of ``secrets``.

    ``payload`` may be several candidate byte strings when a scheme has equivalent forms (Twilio
    signs the URL as it was requested, with or without the default port): any one matching passes.
    Comparison is constant-time (:func:`hmac.compare_digest`); a header may carry several
    space- or comma-separated signatures (some providers send one per active secret).
    """
    _require_secrets(secrets, provider)
    if not signature:
        raise WebhookVerificationError(
            "the request carries no signature", provider=provider, reason="missing"
        )
    offered = [s.strip() for s in signature.replace(",", " ").split() if s.strip()]
    if prefix:
        offered = [s[len(prefix) :] for s in offered if s.startswith(prefix)]
    payloads = (payload,) if isinstance(payload, bytes) else tuple(payload)
    for secret in secrets:
        for body in payloads:
            mac = hmac.new(secret, body, getattr(hashlib, digest)).digest()
            expected = mac.hex() if encoding == "hex" else base64.b64encode(mac).decode()
            if any(hmac.compare_digest(expected.encode(), candidate.encode()) for candidate in offered):
                return
    raise WebhookVerificationError(
        "the signature does not match: the body was altered, or it was signed with a secret this "
        "channel does not have (check the secret, and list both while rotating)",
        provider=provider,
        reason="mismatch",
    )


def verify_shared_secret(token: str | None, *, secrets: Sequence[bytes], provider: str) -> None:
    """Check a shared secret sent as it is (Telegram's ``X-Telegram-Bot-Api-Secret-Token``,
    basic-auth style schemes) against any of ``secrets``, in constant time.

    Such a scheme signs nothing: it proves the sender knows the secret, not that the body is the
    one sent, so use :func:`verify_hmac` wherever the provider offers a signature.
    """
    _require_secrets(secrets, provider)
    if not token:
        raise WebhookVerificationError(
            "the request carries no secret token", provider=provider, reason="missing"
        )
    offered = token.encode("utf-8", "surrogateescape")
    # Every secret is compared, matched or not, so the time taken does not tell which one matched.
    matched = [hmac.compare_digest(secret, offered) for secret in secrets]
    if not any(matched):
        raise WebhookVerificationError(
            "the secret token does not match any secret this channel has (check the secret, and "
            "list both while rotating)",
            provider=provider,
            reason="mismatch",
        )


def _require_secrets(secrets: Sequence[bytes], provider: str) -> None:
    if not secrets:
        raise WebhookVerificationError(
            "no webhook secret is configured, so no request can be verified; set the channel's "
            "signing secret (or pass verify=False to trust the network, which is unsafe)",
            provider=provider,
            reason="no_secret",
        )


def replay_window(tolerance: object, *, provider: str, setting: str = "tolerance") -> float:
    """``tolerance`` as a replay window in seconds: a finite number above 0, else ConfigurationError."""
    if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or not 0 < tolerance < math.inf:
        raise ConfigurationError(
            f"{provider}: {setting!r} is {tolerance!r}; give the replay window in seconds, a finite "
            "number above 0 (300 is usual)"
        )
    return float(tolerance)


def check_timestamp(
    timestamp: str | float | None,
    *,
    provider: str,
    tolerance: float = 300.0,
    now: Callable[[], float] = time.time,
) -> None:
    """Reject a signed timestamp more than ``tolerance`` seconds away from now (replay).

    A ``tolerance`` that is not a finite number above 0 is a :class:`ConfigurationError`: NaN
    compares False with everything, so it had accepted a request of any age.
    """
    replay_window(tolerance, provider=provider)
    if timestamp is None or timestamp == "":
        raise WebhookVerificationError(
            "the request carries no timestamp", provider=provider, reason="missing"
        )
    try:
        ts = float(timestamp)
    except (TypeError, ValueError):
        ts = math.nan
    if math.isnan(ts):  # "nan" parses as a float and compares False with everything
        raise WebhookVerificationError(
            f"the timestamp {timestamp!r} is not a number", provider=provider, reason="timestamp"
        )
    if abs(now() - ts) > tolerance:
        raise WebhookVerificationError(
            f"the request was signed {now() - ts:.0f}s ago, outside the {tolerance:.0f}s replay window; "
            "it may be a replay (or the server clock is wrong)",
            provider=provider,
            reason="replay",
        )


def bounded_body(request: WebhookRequest, *, provider: str, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> bytes:
    """The raw body, or WebhookPayloadError when it is larger than ``max_bytes``."""
    if len(request.body) > max_bytes:
        raise WebhookPayloadError(
            f"body of {len(request.body)} bytes exceeds the {max_bytes}-byte limit", provider=provider
        )
    return request.body


def form_params(
    request: WebhookRequest, *, provider: str, max_bytes: int = DEFAULT_MAX_BODY_BYTES
) -> list[tuple[str, str]]:
    """The ``application/x-www-form-urlencoded`` body as ordered (key, value) pairs."""
    body = bounded_body(request, provider=provider, max_bytes=max_bytes)
    try:
        # errors="strict": percent-encoded bytes that are not UTF-8 (%FF) must not become U+FFFD.
        return parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError as exc:
        raise WebhookPayloadError(f"form body is not UTF-8: {exc}", provider=provider) from None


def json_body(request: WebhookRequest, *, provider: str, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> Any:
    """The JSON body, parsed; malformed or oversized bodies raise WebhookPayloadError."""
    body = bounded_body(request, provider=provider, max_bytes=max_bytes)
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WebhookPayloadError(f"body is not valid JSON: {exc}", provider=provider) from None
    except RecursionError:
        raise WebhookPayloadError("body is nested too deeply to parse", provider=provider) from None
