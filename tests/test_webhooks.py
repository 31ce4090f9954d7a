"""Webhook input, HMAC verification, replay windows and bounded body parsing."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import math
from typing import Any

import httpx
import pytest

from omnilink.exceptions import ConfigurationError, WebhookPayloadError, WebhookVerificationError
from omnilink.webhooks import (
    DEFAULT_MAX_BODY_BYTES,
    WebhookRequest,
    bounded_body,
    check_timestamp,
    form_params,
    json_body,
    replay_window,
    secrets_tuple,
    verify_hmac,
    verify_shared_secret,
)

BODY = b'{"event":"delivered","id":"m1"}'


def _sig(secret: bytes, body: bytes = BODY, *, digest: str = "sha256", encoding: str = "hex") -> str:
    mac = hmac.new(secret, body, getattr(hashlib, digest)).digest()
    return mac.hex() if encoding == "hex" else base64.b64encode(mac).decode()


def _req(body: bytes | str = b"", **headers: str) -> WebhookRequest:
    return WebhookRequest(method="POST", url="https://x.test/hook", headers=headers, body=body)


# --- WebhookRequest -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["X-Signature", "x-signature", "X-SIGNATURE", "x-SiGnAtUrE"])
def test_header_lookup_is_case_insensitive(name: str) -> None:
    req = WebhookRequest(method="POST", url="u", headers={"X-Signature": "abc"})
    assert req.header(name) == "abc"
    assert req.headers[name] == "abc"


def test_missing_header_uses_default() -> None:
    req = WebhookRequest(method="POST", url="u")
    assert req.header("x-nope") is None
    assert req.header("x-nope", "d") == "d"


def test_str_body_becomes_bytes() -> None:
    req = _req("héllo")
    assert req.body == "héllo".encode()
    assert isinstance(req.body, bytes)


def test_bytes_body_is_kept_as_is() -> None:
    raw = b"\x00\xff raw"
    assert _req(raw).body == raw


@pytest.mark.parametrize("body", [bytearray(b"\x00raw"), memoryview(b"\x00raw")])
def test_a_bytes_like_body_is_stored_as_bytes(body: bytearray | memoryview) -> None:
    req = WebhookRequest(method="POST", url="u", body=body)
    assert type(req.body) is bytes
    assert req.body == b"\x00raw"
    verify_hmac(req.body, _sig(b"k", b"\x00raw"), secrets=(b"k",), provider="t")


@pytest.mark.parametrize("body", [5, None, ["a"]])
def test_a_body_that_is_no_bytes_or_str_is_refused(body: object) -> None:
    # bytes(5) is five zero bytes: a number must not become a body that verifies against nothing.
    with pytest.raises(TypeError, match=r"takes bytes or str, not"):
        WebhookRequest(method="POST", url="u", body=body)  # type: ignore[arg-type]  # on purpose


def test_the_request_types_what_it_holds() -> None:
    req = WebhookRequest("POST", "u", {"X-A": "1"}, "b")  # positional, as before
    assert (req.method, req.url, req.body) == ("POST", "u", b"b")
    assert isinstance(req.headers, httpx.Headers)
    assert req == WebhookRequest(method="POST", url="u", headers={"x-a": "1"}, body=b"b")
    assert dataclasses.replace(req, body=b"c").body == b"c"


def test_content_type_is_normalized() -> None:
    assert _req(**{"Content-Type": "Application/JSON; charset=utf-8"}).content_type == "application/json"
    assert _req().content_type == ""


def test_non_ascii_header_values_round_trip_to_the_wire_bytes() -> None:
    # What Starlette/ASGI hands over: the header bytes decoded as latin-1 (here one latin-1 byte, and
    # UTF-8 bytes read as latin-1). The request is built, lookups give the same str back, the bytes
    # are the wire bytes, and a signature in the same request still verifies.
    wire = [
        (b"User-Agent", "Mozilla caf\xe9".encode("latin-1")),
        (b"X-Name", "Zo\xeb".encode()),
        (b"X-Signature", _sig(b"k").encode()),
    ]
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in wire}
    req = WebhookRequest(method="POST", url="https://x.test/hook", headers=headers, body=BODY)
    assert req.header("user-agent") == "Mozilla caf\xe9"
    assert req.header("x-name") == headers["X-Name"]
    assert req.headers.raw == wire
    verify_hmac(req.body, req.header("x-signature"), secrets=(b"k",), provider="t")


def test_header_value_latin1_cannot_hold_goes_as_utf8() -> None:
    req = _req(**{"X-Name": "\u65e5\u672c"})
    assert req.header("x-name") == "\u65e5\u672c"
    assert req.headers.raw == [(b"X-Name", "\u65e5\u672c".encode())]


def test_repeated_headers_of_an_httpx_headers_are_kept() -> None:
    headers = httpx.Headers([("X-A", "1"), ("X-A", "2")])
    req = WebhookRequest(method="POST", url="u", headers=headers)
    assert req.headers.get_list("x-a") == ["1", "2"]


def test_request_is_frozen() -> None:
    req = _req(b"x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        req.body = b"y"  # type: ignore[misc]  # on purpose: the dataclass is frozen


# --- secrets_tuple --------------------------------------------------------------------------


def test_secrets_tuple_normalizes() -> None:
    assert secrets_tuple(None, provider="p", setting="s") == ()
    assert secrets_tuple("abc", provider="p", setting="s") == (b"abc",)
    assert secrets_tuple(b"abc", provider="p", setting="s") == (b"abc",)
    assert secrets_tuple(["new", b"old"], provider="p", setting="s") == (b"new", b"old")


@pytest.mark.parametrize("secret", [bytearray(b"s3cret"), memoryview(b"s3cret")])
def test_bytes_like_secret_is_one_secret_not_zero_keys(secret: Any) -> None:
    # Iterated, a bytearray was ints and bytes(int) all-zero keys: a signature made with a zero key
    # of the right length passed.
    assert secrets_tuple(secret, provider="p", setting="s") == (b"s3cret",)
    assert secrets_tuple([secret, "old"], provider="p", setting="s") == (b"s3cret", b"old")
    keys = secrets_tuple(secret, provider="p", setting="s")
    with pytest.raises(WebhookVerificationError):
        verify_hmac(BODY, _sig(bytes(ord("s"))), secrets=keys, provider="p")
    verify_hmac(BODY, _sig(b"s3cret"), secrets=keys, provider="p")


@pytest.mark.parametrize("secrets", [[115, 51], [None], 7])
def test_secret_of_another_type_is_a_configuration_error(secrets: Any) -> None:
    with pytest.raises(ConfigurationError, match="'signing_secret' holds a"):
        secrets_tuple(secrets, provider="p", setting="signing_secret")


@pytest.mark.parametrize("secrets", ["", b"", ["good", ""], [b"", b"good"], bytearray()])
def test_empty_secret_is_a_configuration_error(secrets: Any) -> None:
    # A bad setting, found when the channel is built: the same error as a secret of the wrong type,
    # not a WebhookVerificationError (which a web app answers with 403 as if a request were forged).
    with pytest.raises(ConfigurationError, match="empty secret is configured in 'signing_secret'") as info:
        secrets_tuple(secrets, provider="p", setting="signing_secret")
    assert not isinstance(info.value, WebhookVerificationError)
    assert str(info.value).startswith("p: ")


# --- verify_hmac ----------------------------------------------------------------------------


@pytest.mark.parametrize("digest", ["sha1", "sha256", "sha512"])
@pytest.mark.parametrize("encoding", ["hex", "base64"])
def test_valid_signature_passes(digest: Any, encoding: Any) -> None:
    sig = _sig(b"s3cret", digest=digest, encoding=encoding)
    verify_hmac(BODY, sig, secrets=[b"s3cret"], provider="p", digest=digest, encoding=encoding)


@pytest.mark.parametrize("digest", ["sha1", "sha256"])
@pytest.mark.parametrize("encoding", ["hex", "base64"])
def test_wrong_digest_or_encoding_fails(digest: Any, encoding: Any) -> None:
    other_digest = "sha1" if digest == "sha256" else "sha256"
    other_encoding = "base64" if encoding == "hex" else "hex"
    for sig in (_sig(b"k", digest=other_digest, encoding=encoding), _sig(b"k", encoding=other_encoding)):
        if sig == _sig(b"k", digest=digest, encoding=encoding):
            continue
        with pytest.raises(WebhookVerificationError) as info:
            verify_hmac(BODY, sig, secrets=[b"k"], provider="p", digest=digest, encoding=encoding)
        assert info.value.reason == "mismatch"


def test_tampered_body_fails() -> None:
    sig = _sig(b"k")
    with pytest.raises(WebhookVerificationError, match="does not match") as info:
        verify_hmac(BODY + b" ", sig, secrets=[b"k"], provider="acme")
    assert info.value.reason == "mismatch"
    assert info.value.provider == "acme"


def test_rotation_accepts_any_configured_secret() -> None:
    secrets = [b"new", b"old"]
    verify_hmac(BODY, _sig(b"new"), secrets=secrets, provider="p")
    verify_hmac(BODY, _sig(b"old"), secrets=secrets, provider="p")
    with pytest.raises(WebhookVerificationError):
        verify_hmac(BODY, _sig(b"retired"), secrets=secrets, provider="p")


@pytest.mark.parametrize("sep", [" ", ",", ", ", " , "])
def test_several_offered_signatures(sep: str) -> None:
    header = sep.join([_sig(b"other"), _sig(b"k"), "garbage"])
    verify_hmac(BODY, header, secrets=[b"k"], provider="p")
    header_bad = sep.join([_sig(b"other"), "garbage"])
    with pytest.raises(WebhookVerificationError):
        verify_hmac(BODY, header_bad, secrets=[b"k"], provider="p")


def test_prefix_is_required_and_stripped() -> None:
    sig = _sig(b"k")
    verify_hmac(BODY, f"sha256={sig}", secrets=[b"k"], provider="p", prefix="sha256=")
    # The bare digest is not accepted when the scheme says it is prefixed ...
    with pytest.raises(WebhookVerificationError):
        verify_hmac(BODY, sig, secrets=[b"k"], provider="p", prefix="sha256=")
    # ... and a wrong prefix is not accepted either.
    with pytest.raises(WebhookVerificationError):
        verify_hmac(BODY, f"sha1={sig}", secrets=[b"k"], provider="p", prefix="sha256=")
    # Several prefixed signatures, one valid.
    verify_hmac(BODY, f"sha256={_sig(b'x')},sha256={sig}", secrets=[b"k"], provider="p", prefix="sha256=")


def test_several_candidate_payloads() -> None:
    # Equivalent signed forms (e.g. a URL with and without its default port): any one may match.
    forms = [b"https://x.test:443/hook", b"https://x.test/hook"]
    verify_hmac(forms, _sig(b"k", forms[1]), secrets=[b"k"], provider="p")
    verify_hmac(forms, _sig(b"k", forms[0]), secrets=[b"k"], provider="p")
    with pytest.raises(WebhookVerificationError):
        verify_hmac(forms, _sig(b"k", b"https://evil.test/hook"), secrets=[b"k"], provider="p")
    with pytest.raises(WebhookVerificationError):
        verify_hmac([], _sig(b"k"), secrets=[b"k"], provider="p")


@pytest.mark.parametrize("signature", [None, ""])
def test_missing_signature(signature: str | None) -> None:
    with pytest.raises(WebhookVerificationError, match="no signature") as info:
        verify_hmac(BODY, signature, secrets=[b"k"], provider="p")
    assert info.value.reason == "missing"


@pytest.mark.parametrize("signature", ["   ", ",", " , , "])
def test_blank_signature_is_a_mismatch(signature: str) -> None:
    with pytest.raises(WebhookVerificationError):
        verify_hmac(BODY, signature, secrets=[b"k"], provider="p")


def test_no_secret_configured_refuses_everything() -> None:
    with pytest.raises(WebhookVerificationError, match="no webhook secret") as info:
        verify_hmac(BODY, _sig(b"k"), secrets=[], provider="p")
    assert info.value.reason == "no_secret"


def test_non_ascii_signature_is_a_mismatch_not_a_crash() -> None:
    with pytest.raises(WebhookVerificationError):
        verify_hmac(BODY, "é" * 64, secrets=[b"k"], provider="p")


def test_comparison_is_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    good = _sig(b"k")
    verify_hmac(BODY, f"{_sig(b'x')} {_sig(b'y')} {good}", secrets=[b"k"], provider="p")
    assert (good.encode(), good.encode()) in calls
    assert len(calls) == 3  # every offered value compared through compare_digest

    calls.clear()
    with pytest.raises(WebhookVerificationError):
        verify_hmac(BODY, _sig(b"x"), secrets=[b"k", b"k2"], provider="p")
    assert len(calls) == 2  # one comparison per secret


# --- check_timestamp ------------------------------------------------------------------------

NOW = 1_700_000_000.0


def _clock() -> float:
    return NOW


@pytest.mark.parametrize("ts", [NOW, NOW - 299, NOW + 299, NOW - 300, NOW + 300, str(int(NOW)), f"{NOW}"])
def test_timestamp_inside_window(ts: Any) -> None:
    check_timestamp(ts, provider="p", now=_clock)


@pytest.mark.parametrize("tolerance", [math.nan, math.inf, 0, -1, "300", True, None])
def test_a_tolerance_that_is_no_replay_window_is_a_configuration_error(tolerance: Any) -> None:
    # NaN compared False with every age: a request signed in 2001 was inside the "window".
    with pytest.raises(ConfigurationError, match="replay window in seconds"):
        check_timestamp(1_000_000_000, provider="p", tolerance=tolerance, now=_clock)
    with pytest.raises(ConfigurationError, match="'webhook_tolerance' is"):
        replay_window(tolerance, provider="p", setting="webhook_tolerance")


def test_replay_window_gives_the_seconds_as_a_float() -> None:
    assert replay_window(600, provider="p") == 600.0
    assert type(replay_window(600, provider="p")) is float


@pytest.mark.parametrize("ts", [NOW - 301, NOW + 301, 0, str(int(NOW - 3600)), "inf", "-inf"])
def test_timestamp_outside_window(ts: Any) -> None:
    with pytest.raises(WebhookVerificationError) as info:
        check_timestamp(ts, provider="p", now=_clock)
    assert info.value.reason == "replay"


def test_tolerance_is_configurable() -> None:
    check_timestamp(NOW - 20, provider="p", tolerance=30, now=_clock)
    with pytest.raises(WebhookVerificationError, match="30s replay window"):
        check_timestamp(NOW - 40, provider="p", tolerance=30, now=_clock)


def test_default_clock_is_real_time() -> None:
    import time

    check_timestamp(time.time(), provider="p")
    with pytest.raises(WebhookVerificationError):
        check_timestamp(time.time() - 3600, provider="p")


@pytest.mark.parametrize("ts", [None, ""])
def test_missing_timestamp(ts: Any) -> None:
    with pytest.raises(WebhookVerificationError) as info:
        check_timestamp(ts, provider="p", now=_clock)
    assert info.value.reason == "missing"


@pytest.mark.parametrize("ts", ["abc", "12:00", "1e", "0x10", "2023-11-14T22:13:20Z"])
def test_garbage_timestamp(ts: str) -> None:
    with pytest.raises(WebhookVerificationError, match="not a number") as info:
        check_timestamp(ts, provider="p", now=_clock)
    assert info.value.reason == "timestamp"


@pytest.mark.parametrize("ts", ["nan", "NaN", float("nan")])
def test_nan_timestamp_is_refused(ts: Any) -> None:
    # float("nan") parses, and compares False with everything: it must not pass the window.
    with pytest.raises(WebhookVerificationError) as info:
        check_timestamp(ts, provider="p", now=_clock)
    assert info.value.reason == "timestamp"


# --- form_params ----------------------------------------------------------------------------


def test_form_params_keep_order_repeats_and_blanks() -> None:
    req = _req(b"b=2&a=1&b=3&empty=&To=%2B14155550100&Body=hello+world%21")
    assert form_params(req, provider="p") == [
        ("b", "2"),
        ("a", "1"),
        ("b", "3"),
        ("empty", ""),
        ("To", "+14155550100"),
        ("Body", "hello world!"),
    ]


def test_form_params_decode_utf8() -> None:
    assert form_params(_req("Body=h%C3%A9llo&x=é"), provider="p") == [("Body", "héllo"), ("x", "é")]


def test_form_params_empty_body() -> None:
    assert form_params(_req(b""), provider="p") == []


def test_form_params_non_utf8_body() -> None:
    with pytest.raises(WebhookPayloadError, match="UTF-8") as info:
        form_params(_req(b"Body=\xff\xfe"), provider="acme")
    assert info.value.provider == "acme"


def test_form_params_percent_encoded_non_utf8() -> None:
    # Percent-encoded bytes that are not UTF-8 must not silently become U+FFFD.
    with pytest.raises(WebhookPayloadError):
        form_params(_req(b"Body=%FF%FE"), provider="p")


def test_form_params_size_limit() -> None:
    body = b"a=" + b"x" * 98  # 100 bytes
    assert form_params(_req(body), provider="p", max_bytes=100) == [("a", "x" * 98)]
    with pytest.raises(WebhookPayloadError, match="101 bytes exceeds the 100-byte limit"):
        form_params(_req(body + b"x"), provider="p", max_bytes=100)


def test_bounded_body() -> None:
    assert bounded_body(_req(b"12345"), provider="p", max_bytes=5) == b"12345"
    with pytest.raises(WebhookPayloadError, match="6 bytes exceeds the 5-byte limit"):
        bounded_body(_req(b"123456"), provider="p", max_bytes=5)


def test_default_body_limit_is_one_mebibyte() -> None:
    assert DEFAULT_MAX_BODY_BYTES == 1024 * 1024
    with pytest.raises(WebhookPayloadError):
        form_params(_req(b"a=" + b"x" * DEFAULT_MAX_BODY_BYTES), provider="p")


# --- json_body ------------------------------------------------------------------------------


def test_json_body_parses() -> None:
    assert json_body(_req(BODY), provider="p") == {"event": "delivered", "id": "m1"}
    assert json_body(_req('["é"]'), provider="p") == ["é"]


@pytest.mark.parametrize("body", [b"", b"{", b"{'a': 1}", b"not json", b"\xff\xfe\xfd", b'{"a": 1} trailing'])
def test_json_body_malformed(body: bytes) -> None:
    with pytest.raises(WebhookPayloadError, match="not valid JSON") as info:
        json_body(_req(body), provider="acme")
    assert info.value.provider == "acme"


def test_json_body_size_limit() -> None:
    body = b'"' + b"x" * 8 + b'"'  # 10 bytes
    assert json_body(_req(body), provider="p", max_bytes=10) == "x" * 8
    with pytest.raises(WebhookPayloadError, match="exceeds"):
        json_body(_req(body + b" "), provider="p", max_bytes=10)


def test_json_body_deeply_nested() -> None:
    # Well under the size limit, but deep enough to exhaust the parser's recursion.
    with pytest.raises(WebhookPayloadError):
        json_body(_req(b"[" * 100_000), provider="p")


# --- verify_shared_secret -----------------------------------------------------------------------


def test_a_shared_secret_matches_any_of_the_secrets() -> None:
    secrets = secrets_tuple(["new-token", "old-token"], provider="p", setting="secret_token")
    verify_shared_secret("new-token", secrets=secrets, provider="p")
    verify_shared_secret("old-token", secrets=secrets, provider="p")  # during rotation


@pytest.mark.parametrize(
    ("token", "secrets", "reason"),
    [
        ("wrong", (b"new-token",), "mismatch"),
        ("new-toke", (b"new-token",), "mismatch"),  # a prefix is no match
        ("new-token\u00e9", (b"new-token",), "mismatch"),
        (None, (b"new-token",), "missing"),
        ("", (b"new-token",), "missing"),
        ("new-token", (), "no_secret"),
    ],
)
def test_a_shared_secret_that_does_not_match_is_refused(
    token: str | None, secrets: tuple[bytes, ...], reason: str
) -> None:
    with pytest.raises(WebhookVerificationError) as info:
        verify_shared_secret(token, secrets=secrets, provider="p")
    assert info.value.reason == reason
    assert info.value.provider == "p"
