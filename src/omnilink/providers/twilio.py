"""Twilio Programmable Messaging: the ``twilio-sms`` (SMS + MMS) and ``twilio-whatsapp`` channels.

Both channels are one mechanism (:class:`TwilioChannel`) configured by class attributes: the
WhatsApp channel differs only in its address prefix (``whatsapp:``), its capabilities
(Content-SID templates, read receipts, the 24-hour session window) and the extra fields its
inbound webhooks carry (``ProfileName``, ``WaId``).

Where each shape comes from (the test fixtures in ``tests/providers/fixtures/twilio`` are copies
of these documented payloads):

* sending: ``POST {api_base}/2010-04-01/Accounts/{AccountSid}/Messages.json``, form-encoded, HTTP
  Basic auth, fields ``To``, ``From`` or ``MessagingServiceSid``, ``Body``, repeated ``MediaUrl``,
  ``ContentSid`` + ``ContentVariables``, ``StatusCallback``; the JSON Message resource answers
  (https://www.twilio.com/docs/messaging/api/message-resource; the example response is the one
  Twilio's OpenAPI spec ships, as reproduced in twilio-python's generated tests);
* errors: ``{"code": 21211, "message": ..., "more_info": ..., "status": 400}``
  (https://www.twilio.com/docs/usage/twilios-response; also the parsing in twilio-python's
  ``twilio/base/version.py``, which also accepts RFC 9457 ``title``/``detail`` bodies, as we do);
* incoming messages: https://www.twilio.com/docs/messaging/guides/webhook-request;
* status callbacks: https://www.twilio.com/docs/messaging/guides/outbound-message-status-in-status-callbacks
  and the Message resource's status values;
* signatures: https://www.twilio.com/docs/usage/security, cross-checked against the validator in
  twilio-python (``twilio/request_validator.py``) and its test vectors;
* opt-out keywords: Twilio's support article "Twilio support for opt-out keywords (SMS STOP
  filtering)" and "How to Track Opt-Out, Opt-In and Help Messages Using the OptOutType Parameter".

**Idempotency.** Twilio's Messages API documents no idempotency key: neither the Message
resource docs nor twilio-python's ``messages.create`` accept one (the ``idempotency_key``
parameter twilio-python has belongs to other resources, e.g. call payments), and
``I-Twilio-Idempotency-Token`` is a header Twilio *sends to your webhooks*, not one its REST API
reads. So the client's idempotency key is **not** forwarded, and ``idempotency_keys`` is not
declared: the client retries 429, 5xx and a connection that was never made, but not a timeout or
a dropped connection after the request went out (Twilio may have created the message). A 5xx
answered after Twilio created the message can still send it twice; lower
``RetryPolicy.attempts`` to 1 for sends that must never duplicate.

**Webhook signatures.** ``X-Twilio-Signature`` is base64(HMAC-SHA1(auth token, URL + each
form parameter name followed by its value, sorted by name; a repeated name contributes each of
its distinct values, sorted)). For JSON bodies Twilio adds a ``bodySHA256`` query parameter
(hex SHA-256 of the raw body) and signs the URL alone; both are checked. As Twilio's own SDK
validators do, the URL is tried as given, without its port, and with the scheme's default port.
The scheme has no timestamp, so there is no replay window to configure; redeliveries are
recognised by the stable ``event_id`` each event carries (derived from ``MessageSid``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import mimetypes
import posixpath
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx

from omnilink.channels import Capabilities, ChannelKind, Delivery, SendFlow
from omnilink.exceptions import (
    ConfigurationError,
    InvalidIdentifierError,
    ProviderError,
    UnsupportedFeatureError,
    WebhookPayloadError,
    WebhookVerificationError,
)
from omnilink.models import (
    Attachment,
    DeliveryStatus,
    Event,
    Identifier,
    IdentifierKind,
    InboundMessage,
    Message,
    OptOutEvent,
    StatusUpdate,
)
from omnilink.providers._http import basic_auth, error_from_response
from omnilink.providers._text import unencodable_error
from omnilink.webhooks import (
    WebhookRequest,
    bounded_body,
    form_params,
    json_body,
    secrets_tuple,
    verify_hmac,
)

__all__ = [
    "DEFAULT_API_BASE",
    "MAX_MEDIA",
    "OPT_IN_KEYWORDS",
    "OPT_OUT_KEYWORDS",
    "REJECTED_CODES",
    "STATUS_MAP",
    "TwilioChannel",
    "TwilioSMSChannel",
    "TwilioWhatsAppChannel",
    "compute_signature",
]

logger = logging.getLogger(__name__)

PROVIDER = "twilio"
DEFAULT_API_BASE = "https://api.twilio.com"
MAX_BODY = 1600
"""Twilio's documented maximum ``Body`` length, in characters (longer bodies are split)."""
MAX_MEDIA = 10
"""Most ``MediaUrl`` values one message may carry."""
_FORM = "application/x-www-form-urlencoded"

STATUS_MAP: Mapping[str, DeliveryStatus] = {
    # Not yet handed to the carrier.
    "accepted": DeliveryStatus.QUEUED,  # a Messaging Service accepted it
    "scheduled": DeliveryStatus.QUEUED,
    "queued": DeliveryStatus.QUEUED,
    "sending": DeliveryStatus.QUEUED,  # being dispatched; the carrier has not taken it yet
    # Handed over, then confirmed.
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "partially_delivered": DeliveryStatus.DELIVERED,  # some parts/recipients got it
    "read": DeliveryStatus.READ,  # WhatsApp (and other OTT) read receipts
    # Failures.
    "undelivered": DeliveryStatus.UNDELIVERED,
    "failed": DeliveryStatus.FAILED,
    "canceled": DeliveryStatus.FAILED,  # a scheduled message canceled before sending
    # Inbound messages.
    "receiving": DeliveryStatus.RECEIVED,
    "received": DeliveryStatus.RECEIVED,
}
"""Every Twilio message status (``MessageStatus`` / ``status``), normalized. The one table."""

REJECTED_CODES: Mapping[str, str] = {
    "21211": "invalid 'To' phone number",
    "21408": "sending to the 'To' number's region is not enabled on the account",
    "21608": "trial accounts can only send to verified numbers",
    "21610": "the recipient replied STOP (unsubscribed from this sender)",
    "21612": "the 'To' number is not reachable via this channel",
    "21614": "the 'To' number is not a valid mobile number",
    "63016": "WhatsApp: outside the 24-hour session window; send an approved template",
    "63024": "WhatsApp: invalid message recipient",
}
"""Twilio error codes that mean "this recipient is refused": they become
:class:`~omnilink.RecipientRejectedError` (a REJECTED result), never retried."""

OPT_OUT_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
"""Bodies that opt the sender out (Twilio's default list, plus REVOKE and OPTOUT, which US rules
require honouring). Matched against the whole body, case-insensitively, as Twilio does."""
OPT_IN_KEYWORDS = frozenset({"START", "YES", "UNSTOP"})
"""Bodies that opt the sender back in (Twilio's default list)."""


# --- signatures ------------------------------------------------------------------------------


def _signing_payload(url: str, params: Iterable[tuple[str, str]]) -> bytes:
    """The string Twilio signs: the URL, then ``name + value`` for each parameter sorted by
    name, a repeated name contributing each distinct value in sorted order."""
    grouped: dict[str, set[str]] = {}
    for name, value in params:
        grouped.setdefault(name, set()).add(value)
    parts = [url]
    for name in sorted(grouped):
        parts.extend(name + value for value in sorted(grouped[name]))
    return "".join(parts).encode("utf-8")


def compute_signature(
    auth_token: str, url: str, params: Mapping[str, str] | Iterable[tuple[str, str]] = ()
) -> str:
    """The ``X-Twilio-Signature`` Twilio sends for a request to ``url`` with ``params``.

    Useful to sign requests in your own tests:

    >>> compute_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", {
    ...     "CallSid": "CA1234567890ABCDE", "Caller": "+14158675310", "Digits": "1234",
    ...     "From": "+14158675310", "To": "+18005551212"})
    'GvWf1cFY/Q7PnoempGyD5oXAezc='
    """
    pairs = params.items() if isinstance(params, Mapping) else params
    mac = hmac.new(auth_token.encode("utf-8"), _signing_payload(url, pairs), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode("ascii")


_DEFAULT_PORTS = {"https": "443", "http": "80"}


def _url_variants(url: str) -> list[str]:
    """The URL as given, then without its port or with the scheme's default port added.

    Twilio's back end is inconsistent about ports, so its SDK validators accept either form.
    """
    scheme, netloc, path, query, fragment = urlsplit(url)
    userinfo, at, hostport = netloc.rpartition("@")
    host, port = hostport, ""
    if not hostport.endswith("]"):  # an IPv6 literal without a port ends with "]"
        head, sep, tail = hostport.rpartition(":")
        if sep and tail.isdigit():
            host, port = head, tail
    variants = [url]
    default = _DEFAULT_PORTS.get(scheme.lower())
    if port:
        variants.append(urlunsplit((scheme, f"{userinfo}{at}{host}", path, query, fragment)))
    elif default:
        variants.append(urlunsplit((scheme, f"{userinfo}{at}{host}:{default}", path, query, fragment)))
    return list(dict.fromkeys(variants))


# --- the channels ----------------------------------------------------------------------------


def _token_list(value: str | Sequence[str], *, setting: str, channel: str) -> list[str]:
    """One token or several, as str; a bytes-like token is one token (its UTF-8 text)."""
    # bytes, bytearray and memoryview iterate as ints, which secrets_tuple would have turned into
    # all-zero keys: each is one token. The API's Basic auth and the signature key are the token's text.
    one = isinstance(value, str | bytes | bytearray | memoryview) or not isinstance(value, Iterable)
    items: Iterable[object] = [value] if one else value
    out: list[str] = []
    for item in items:
        if isinstance(item, bytes | bytearray | memoryview):
            try:
                item = bytes(item).decode("utf-8")
            except UnicodeDecodeError:
                raise ConfigurationError(
                    f"channel {channel!r}: {setting!r} is bytes that are not UTF-8 text; a Twilio Auth "
                    "Token is 32 hex characters: pass it as a str"
                ) from None
        if not isinstance(item, str):
            raise ConfigurationError(
                f"channel {channel!r}: {setting!r} holds a {type(item).__name__}; pass the Auth Token as a "
                "str (or a list of them while rotating)"
            )
        out.append(item)
    return out


def _tokens(
    auth_token: str | Sequence[str], secondary: str | Sequence[str], *, channel: str
) -> tuple[str, tuple[bytes, ...]]:
    first = _token_list(auth_token, setting="auth_token", channel=channel)
    more = _token_list(secondary, setting="secondary_auth_tokens", channel=channel)
    tokens = [*first, *more]
    if not first or not first[0]:
        raise ConfigurationError(f"channel {channel!r}: 'auth_token' is required (the account's Auth Token)")
    secrets = secrets_tuple(
        tokens, provider=f"channel {channel!r}", setting="auth_token/secondary_auth_tokens"
    )
    return first[0], secrets


class TwilioChannel:
    """What the Twilio channels share; use :class:`TwilioSMSChannel` or :class:`TwilioWhatsAppChannel`.

    Settings (keyword-only):

    * ``account_sid``: the account (``AC...``) whose Messages resource is used;
    * ``auth_token``: the Auth Token; or several (a sequence) while rotating: the first
      authenticates API calls, every one verifies webhooks;
    * ``secondary_auth_tokens``: more tokens accepted for webhooks only (rotation);
    * ``from_number`` **or** ``messaging_service_sid`` (exactly one): the sender;
    * ``status_callback``: the URL Twilio posts status changes to (``StatusCallback``);
    * ``api_base``: default ``https://api.twilio.com`` (regional edges, test servers);
    * ``name``: the channel name, when one client uses several Twilio accounts.
    """

    default_name: ClassVar[str]
    channel_kind: ClassVar[ChannelKind]
    address_prefix: ClassVar[str] = ""
    """Prefix of this channel's addresses in Twilio (``whatsapp:``); none for SMS."""
    default_capabilities: ClassVar[Capabilities]
    inbound_fields: ClassVar[Mapping[str, str]] = {}
    """Channel-specific inbound webhook fields copied onto the InboundMessage (name -> attribute)."""

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str | Sequence[str],
        secondary_auth_tokens: str | Sequence[str] = (),
        from_number: str | None = None,
        messaging_service_sid: str | None = None,
        status_callback: str | None = None,
        api_base: str = DEFAULT_API_BASE,
        name: str | None = None,
    ) -> None:
        self.name = name or self.default_name
        self.kind = self.channel_kind.value
        self.capabilities = self.default_capabilities
        if not account_sid:
            raise ConfigurationError(f"channel {self.name!r}: 'account_sid' is required (it starts with AC)")
        if (from_number is None) == (messaging_service_sid is None) or not (
            from_number or messaging_service_sid
        ):
            raise ConfigurationError(
                f"channel {self.name!r}: set exactly one of 'from_number' (a Twilio number) or "
                "'messaging_service_sid' (MG...), not both and not neither"
            )
        self.account_sid = account_sid
        self._api_token, self._secrets = _tokens(auth_token, secondary_auth_tokens, channel=self.name)
        self.from_number = self._address(from_number) if from_number else None
        self.messaging_service_sid = messaging_service_sid
        self.status_callback = status_callback
        self.api_base = api_base.rstrip("/")
        self.messages_url = f"{self.api_base}/2010-04-01/Accounts/{account_sid}/Messages.json"

    def __repr__(self) -> str:
        sender = self.from_number or self.messaging_service_sid
        return (
            f"{type(self).__name__}(name={self.name!r}, account_sid={self.account_sid!r}, sender={sender!r})"
        )

    # --- addresses ---------------------------------------------------------------------------

    def _address(self, value: str) -> str:
        value = value.strip()
        prefix = self.address_prefix
        return value if not prefix or value.startswith(prefix) else prefix + value

    def _strip(self, value: str) -> str:
        prefix = self.address_prefix
        return value[len(prefix) :] if prefix and value.startswith(prefix) else value

    def _sender(self, address: str) -> Identifier:
        number = self._strip(address)
        try:
            ident = Identifier.parse(number, kind=IdentifierKind.PHONE)
        except InvalidIdentifierError:
            # Short codes and alphanumeric sender ids are not phone numbers: keep them as
            # Twilio addresses rather than refuse the webhook.
            logger.debug("sender %r is not a phone number; keeping it as an external id", address)
            return Identifier(
                kind=IdentifierKind.EXTERNAL, value=f"{PROVIDER}:{number}", platform=PROVIDER, raw=address
            )
        return ident.model_copy(update={"raw": address})

    # --- sending -----------------------------------------------------------------------------

    def _form(self, message: Message, to: str) -> list[tuple[str, str]]:
        form: list[tuple[str, str]] = [("To", self._address(to))]
        if self.messaging_service_sid:
            form.append(("MessagingServiceSid", self.messaging_service_sid))
        else:
            assert self.from_number is not None
            form.append(("From", self.from_number))
        if message.template is not None:
            if not self.capabilities.templates:
                raise UnsupportedFeatureError(
                    f"channel {self.name!r} does not support templates; use twilio-whatsapp",
                    channel=self.name,
                    feature="templates",
                )
            # Twilio: send ContentSid (+ ContentVariables) and no Body/MediaUrl with a template.
            form.append(("ContentSid", message.template.name))
            if message.template.variables:
                form.append(("ContentVariables", json.dumps(dict(message.template.variables))))
        else:
            if message.text:
                form.append(("Body", message.text))
            form.extend(("MediaUrl", url) for url in self._media_urls(message))
        if self.status_callback:
            form.append(("StatusCallback", self.status_callback))
        return form

    @staticmethod
    def _media_urls(message: Message) -> list[str]:
        # The client has already refused inline data and too many attachments, from the
        # capabilities (attachments_by_url, max_attachments).
        return [a.url for a in message.attachments if a.url]

    def send_flow(self, message: Message, *, to: str, idempotency_key: str) -> SendFlow:
        """One POST to the Messages resource. ``idempotency_key`` is not forwarded: Twilio's
        Messages API has no idempotency key (see the module docstring)."""
        form = self._form(message, to)
        for name, value in form:
            # urlencode would raise a bare UnicodeEncodeError from the middle of the client's send.
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise unencodable_error(exc, what=f"the {name} parameter", provider=self.name) from None
        request = httpx.Request(
            "POST",
            self.messages_url,
            content=urlencode(form).encode("ascii"),
            headers={
                "Authorization": basic_auth(self.account_sid, self._api_token),
                "Content-Type": _FORM,
                "Accept": "application/json",
            },
        )
        response: httpx.Response = yield request
        return self._delivery(response)

    def _delivery(self, response: httpx.Response) -> Delivery:
        try:
            payload: Any = response.json()
        except ValueError:
            payload = None
        if not response.is_success:
            code: str | None = None
            text: str | None = None
            if isinstance(payload, dict):
                if payload.get("code") is not None:
                    code = str(payload["code"])
                text = payload.get("message") or payload.get("detail") or payload.get("title")
                if text and payload.get("more_info"):
                    text = f"{text} (see {payload['more_info']})"
            raise error_from_response(
                response, provider=self.name, message=text, provider_code=code, rejected_codes=REJECTED_CODES
            )
        if not isinstance(payload, dict) or not payload.get("sid"):
            # The message may well have been created: never retry this one.
            raise ProviderError(
                f"Twilio answered {response.status_code} without a Message resource; check the "
                "Twilio console before sending again",
                provider=self.name,
                status_code=response.status_code,
                retryable=False,
                response=response,
                raw=payload if payload is not None else response.text,
            )
        status = STATUS_MAP.get(str(payload.get("status")), DeliveryStatus.QUEUED)
        return Delivery(provider_message_id=str(payload["sid"]), status=status, raw=payload)

    # --- webhooks: verification --------------------------------------------------------------

    def verify_webhook(self, request: WebhookRequest) -> None:
        """Check ``X-Twilio-Signature`` (and ``bodySHA256`` for JSON bodies) under every token.

        ``request.url`` must be the public URL Twilio requested, query string included.
        """
        signature = request.header("x-twilio-signature")
        try:
            split = urlsplit(request.url)
        except ValueError as exc:  # "http://[::1/hook": a broken IPv6 host, or a netloc that NFKC alters
            # Twilio signs the URL it requested, which is well formed: this one (often rebuilt from a
            # Host header the sender chose) cannot be the signed one, so the request cannot be checked.
            raise WebhookVerificationError(
                f"the request URL is malformed ({exc}): {request.url[:200]!r}; pass the public URL "
                "Twilio requested (behind a proxy, rebuild it from the configured host, not the Host header)",
                provider=self.name,
                reason="url",
            ) from None
        query = parse_qs(split.query, keep_blank_values=True)
        body_hash = query.get("bodySHA256")
        params: list[tuple[str, str]] = []
        if body_hash:
            bounded_body(request, provider=self.name)
        elif request.body:
            if request.content_type not in ("", _FORM):
                raise WebhookVerificationError(
                    f"a {request.content_type} body without a bodySHA256 URL parameter is not covered "
                    "by Twilio's signature",
                    provider=self.name,
                    reason="unsigned_body",
                )
            params = form_params(request, provider=self.name)
        self._check_signature(request.url, params, signature)
        if body_hash:
            actual = hashlib.sha256(request.body).hexdigest().encode()
            if not hmac.compare_digest(actual, body_hash[0].strip().lower().encode()):
                raise WebhookVerificationError(
                    "the body does not match the signed bodySHA256: it was altered in transit",
                    provider=self.name,
                    reason="body_hash",
                )

    def _check_signature(self, url: str, params: list[tuple[str, str]], signature: str | None) -> None:
        verify_hmac(
            [_signing_payload(candidate, params) for candidate in _url_variants(url)],
            signature,
            secrets=self._secrets,
            provider=self.name,
            digest="sha1",
            encoding="base64",
        )

    # --- webhooks: parsing -------------------------------------------------------------------

    def _params(self, request: WebhookRequest) -> dict[str, str]:
        if request.content_type == "application/json":
            payload = json_body(request, provider=self.name)
            if not isinstance(payload, dict):
                raise WebhookPayloadError("expected a JSON object", provider=self.name)
            return {str(k): "" if v is None else str(v) for k, v in payload.items()}
        if request.content_type not in ("", _FORM):
            raise WebhookPayloadError(
                f"unexpected content type {request.content_type!r}; Twilio posts {_FORM}",
                provider=self.name,
            )
        params = form_params(request, provider=self.name)
        if not params and request.method.upper() == "GET":
            try:
                query = urlsplit(request.url).query
            except ValueError as exc:  # reached with verify=False: verify_webhook refuses such a URL
                raise WebhookPayloadError(
                    f"the request URL is malformed ({exc}): {request.url[:200]!r}", provider=self.name
                ) from None
            params = [(k, v[-1]) for k, v in parse_qs(query).items()]
        return dict(params)

    def parse_webhook(self, request: WebhookRequest) -> list[Event]:
        """A status callback becomes one :class:`~omnilink.StatusUpdate`; an incoming message
        one :class:`~omnilink.InboundMessage`, followed by an :class:`~omnilink.OptOutEvent`
        when it is an opt-out or opt-in keyword."""
        data = self._params(request)
        if data.get("MessageStatus"):
            return [self._status_update(data)]
        if data.get("MessageSid") and data.get("From"):
            return self._inbound(data)
        raise WebhookPayloadError(
            "neither a status callback (no MessageStatus) nor an incoming message (no MessageSid/From)",
            provider=self.name,
        )

    def _status_update(self, data: dict[str, str]) -> StatusUpdate:
        sid = data.get("MessageSid") or data.get("SmsSid")
        if not sid:
            raise WebhookPayloadError("status callback without MessageSid", provider=self.name)
        raw_status = data["MessageStatus"].strip().lower()
        try:
            status = STATUS_MAP[raw_status]
        except KeyError:
            raise WebhookPayloadError(
                f"unknown MessageStatus {raw_status!r}; known: {', '.join(sorted(STATUS_MAP))}",
                provider=self.name,
            ) from None
        return StatusUpdate(
            channel=self.name,
            provider=PROVIDER,
            event_id=f"{sid}:{raw_status}",
            provider_message_id=sid,
            status=status,
            recipient=self._strip(data["To"]) if data.get("To") else None,
            error_code=data.get("ErrorCode") or None,
            error_message=data.get("ErrorMessage") or None,
            raw=data,
        )

    def _attachments(self, data: dict[str, str]) -> tuple[Attachment, ...]:
        try:
            count = int(data.get("NumMedia") or 0)
        except ValueError:
            raise WebhookPayloadError(
                f"NumMedia is not a number: {data['NumMedia']!r}", provider=self.name
            ) from None
        if not 0 <= count <= 100:
            raise WebhookPayloadError(f"NumMedia out of range: {count}", provider=self.name)
        out = []
        for i in range(count):
            url = data.get(f"MediaUrl{i}")
            if not url:
                raise WebhookPayloadError(
                    f"NumMedia is {count} but MediaUrl{i} is missing", provider=self.name
                )
            content_type = data.get(f"MediaContentType{i}") or "application/octet-stream"
            try:
                path = urlsplit(url).path
            except ValueError as exc:  # "http://[::1": urlsplit refuses a broken IPv6 host or port
                raise WebhookPayloadError(
                    f"MediaUrl{i} is not a URL ({exc}): {url[:200]!r}", provider=self.name
                ) from None
            stem = posixpath.basename(path) or f"media{i}"
            extension = "" if "." in stem else (mimetypes.guess_extension(content_type) or "")
            out.append(Attachment(filename=stem + extension, content_type=content_type, url=url))
        return tuple(out)

    def _inbound(self, data: dict[str, str]) -> list[Event]:
        sid = data["MessageSid"]
        sender = self._sender(data["From"])
        body = data.get("Body") or None
        extras = {attr: data[field] for field, attr in self.inbound_fields.items() if data.get(field)}
        events: list[Event] = [
            InboundMessage(
                channel=self.name,
                provider=PROVIDER,
                event_id=sid,
                sender=sender,
                recipient=self._strip(data["To"]) if data.get("To") else None,
                message=Message(text=body, attachments=self._attachments(data)),
                provider_message_id=sid,
                raw=data,
                **extras,
            )
        ]
        opted = _opt_change(data.get("OptOutType"), body)
        if opted is not None:
            opted_out, keyword = opted
            events.append(
                OptOutEvent(
                    channel=self.name,
                    provider=PROVIDER,
                    event_id=f"{sid}:opt-{'out' if opted_out else 'in'}",
                    sender=sender,
                    opted_out=opted_out,
                    keyword=keyword,
                    raw=data,
                )
            )
        return events


def _opt_change(opt_out_type: str | None, body: str | None) -> tuple[bool, str] | None:
    """``(opted_out, keyword)`` for an opt-out/opt-in message, else None.

    Twilio's ``OptOutType`` (sent with Advanced Opt-Out, which also knows custom keywords) wins;
    otherwise the whole body is matched against the default keywords. HELP changes nothing.
    """
    kind = (opt_out_type or "").strip().upper()
    word = (body or "").strip().upper()
    if kind == "STOP":
        return True, word or kind
    if kind == "START":
        return False, word or kind
    if kind:  # HELP, or a type Twilio adds later: not a consent change
        return None
    if word in OPT_OUT_KEYWORDS:
        return True, word
    if word in OPT_IN_KEYWORDS:
        return False, word
    return None


class TwilioSMSChannel(TwilioChannel):
    """SMS and MMS through Twilio (``twilio-sms``): bodies up to 1600 characters (longer ones
    are split), media by public URL (MMS, at most 10 per message).

    >>> sms = TwilioSMSChannel(account_sid="AC123", auth_token="token", from_number="+14155550100")
    >>> sms.name, sms.capabilities.max_body
    ('twilio-sms', 1600)
    """

    default_name = "twilio-sms"
    channel_kind = ChannelKind.SMS
    default_capabilities = Capabilities(
        max_body=MAX_BODY,
        length_policy="split",
        segmented=True,
        attachments=True,
        attachments_by_url=True,
        max_attachments=MAX_MEDIA,
    )


class TwilioWhatsAppChannel(TwilioChannel):
    """WhatsApp through Twilio (``twilio-whatsapp``): addresses get the ``whatsapp:`` prefix;
    templates are Content SIDs (``TemplateRef(name="HX...", variables={"1": "..."})``); free-form
    messages only within 24 hours of the customer's last message.

    >>> wa = TwilioWhatsAppChannel(account_sid="AC123", auth_token="token", from_number="+14155550100")
    >>> wa.from_number
    'whatsapp:+14155550100'
    """

    default_name = "twilio-whatsapp"
    channel_kind = ChannelKind.WHATSAPP
    address_prefix = "whatsapp:"
    default_capabilities = Capabilities(
        max_body=MAX_BODY,
        length_policy="split",
        attachments=True,
        attachments_by_url=True,
        max_attachments=MAX_MEDIA,
        templates=True,
        read_receipts=True,
        session_window=timedelta(hours=24),
    )
    inbound_fields: ClassVar[Mapping[str, str]] = {"ProfileName": "profile_name", "WaId": "wa_id"}
