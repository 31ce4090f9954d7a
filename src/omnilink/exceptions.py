"""The omnilink error tree.

Every error omnilink raises on purpose derives from :class:`OmnilinkError`, and every
error says what went wrong *and* what to do about it::

    OmnilinkError
    ├── ConfigurationError                 bad settings, or a missing optional extra
    │   └── MissingDependencyError         names the ``pip install`` line to run
    ├── InvalidIdentifierError (ValueError)  an email / phone / handle that cannot be canonicalized
    ├── ChannelNotFoundError (LookupError)   no channel registered under that name
    ├── PluginError                        a channel plugin that fails to load or validate
    ├── UnsupportedFeatureError            the channel cannot do what the message asks
    ├── InvalidMessageError (ValueError)   a message that cannot be sent as it is (empty)
    │   └── MessageTooLongError            body over the channel's limit and its policy is "refuse"
    ├── WebhookVerificationError (ValueError)  forged, replayed or unsigned webhook
    ├── WebhookPayloadError (ValueError)   a verified webhook whose body cannot be parsed
    └── ProviderError                      the provider answered, and the answer was "no"
        ├── AuthenticationError            401/403: fix credentials (permanent)
        ├── RateLimitError                 429: retryable, honours ``retry_after``
        ├── RecipientRejectedError         the provider refuses this recipient (permanent)
        ├── BadRequestError                other 4xx (permanent)
        ├── ServerError                    5xx (retryable)
        └── TransportError                 no answer at all: connect error, timeout (retryable)
            └── ProviderTimeoutError

The name ``ValidationError`` is deliberately never used: it belongs to pydantic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

__all__ = [
    "AuthenticationError",
    "BadRequestError",
    "ChannelNotFoundError",
    "ConfigurationError",
    "InvalidIdentifierError",
    "InvalidMessageError",
    "MessageTooLongError",
    "MissingDependencyError",
    "OmnilinkError",
    "PluginError",
    "ProviderError",
    "RateLimitError",
    "RecipientRejectedError",
    "ServerError",
    "ProviderTimeoutError",
    "TransportError",
    "UnsupportedFeatureError",
    "WebhookPayloadError",
    "WebhookVerificationError",
]


def _rebuild(cls: type[OmnilinkError], args: tuple[Any, ...], state: dict[str, Any]) -> OmnilinkError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class OmnilinkError(Exception):
    """Root of every error omnilink raises on purpose."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Our errors take keyword-only context, which Exception's default pickling drops;
        # rebuild from args + attributes so errors cross process pools intact.
        state = {k: v for k, v in self.__dict__.items() if k not in ("request", "response")}
        return (_rebuild, (type(self), self.args, state))


class ConfigurationError(OmnilinkError):
    """A channel, client or store was configured wrongly; the message names the setting."""


class MissingDependencyError(ConfigurationError, ImportError):
    """An optional dependency is not installed; the message names the extra to install."""

    def __init__(self, *, package: str, extra: str, feature: str) -> None:
        self.package = package
        self.extra = extra
        self.feature = feature
        super().__init__(
            f"{feature} needs the {package!r} package, which is not installed. "
            f'Install it with: pip install "omnilink[{extra}]"'
        )


class InvalidIdentifierError(OmnilinkError, ValueError):
    """A value that cannot be turned into a canonical identifier.

    ``kind`` is the identifier kind tried (email, phone, handle, external), ``value`` the
    raw input and ``reason`` a short machine-stable explanation (also in the message).
    """

    def __init__(self, message: str, *, kind: str, value: object, reason: str) -> None:
        self.kind = kind
        self.value = value
        self.reason = reason
        super().__init__(message)


class ChannelNotFoundError(OmnilinkError, LookupError):
    """No channel of that name is registered or installed."""

    def __init__(self, name: str, *, available: list[str]) -> None:
        self.name = name
        self.available = available
        known = ", ".join(available) or "none"
        super().__init__(
            f"No channel named {name!r}. Installed channels: {known}. "
            "Install the plugin that provides it, or pass the channel instance to Client(channels=[...])."
        )


class PluginError(OmnilinkError):
    """A channel plugin failed to load or does not satisfy the Channel protocol."""

    def __init__(self, message: str, *, plugin: str) -> None:
        self.plugin = plugin
        super().__init__(f"channel plugin {plugin!r}: {message}")


class UnsupportedFeatureError(OmnilinkError):
    """The message needs something (attachments, templates, ...) the channel cannot do."""

    def __init__(self, message: str, *, channel: str, feature: str) -> None:
        self.channel = channel
        self.feature = feature
        super().__init__(message)


class InvalidMessageError(OmnilinkError, ValueError):
    """The message cannot be sent as it is: it is empty (no text, html, template or attachment),
    or too long for the channel (:class:`MessageTooLongError`). Nothing was sent.

    Not a :class:`ConfigurationError`: the settings are fine, this one message is not.
    """

    def __init__(self, message: str, *, channel: str) -> None:
        self.channel = channel
        super().__init__(message)


class MessageTooLongError(InvalidMessageError):
    """The body exceeds what the channel accepts and its length policy is to refuse."""

    def __init__(self, message: str, *, channel: str, length: int, limit: int) -> None:
        self.length = length
        self.limit = limit
        super().__init__(message, channel=channel)


class WebhookVerificationError(OmnilinkError, ValueError):
    """A webhook failed its signature check: forged, replayed, tampered or unsigned.

    Answer the provider with 401/403 and do not process the body.
    """

    def __init__(self, message: str, *, provider: str, reason: str) -> None:
        self.provider = provider
        self.reason = reason
        super().__init__(f"{provider}: {message}")


class WebhookPayloadError(OmnilinkError, ValueError):
    """A webhook body that cannot be parsed (malformed, oversized, wrong content type)."""

    def __init__(self, message: str, *, provider: str) -> None:
        self.provider = provider
        super().__init__(f"{provider}: {message}")


class ProviderError(OmnilinkError):
    """The provider refused or failed a request.

    Carries everything needed to act: ``provider``, HTTP ``status_code``, the provider's own
    ``provider_code``, whether the failure is ``retryable``, the ``retry_after`` delay in seconds
    the provider asked for, and the ``request``/``response`` where there were any.
    """

    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        status_code: int | None = None,
        provider_code: str | None = None,
        retryable: bool | None = None,
        retry_after: float | None = None,
        request: httpx.Request | None = None,
        response: httpx.Response | None = None,
        raw: Any = None,
    ) -> None:
        self.provider = provider
        self.status_code = status_code
        self.provider_code = provider_code
        if retryable is not None:
            self.retryable = retryable
        self.retry_after = retry_after
        self.request = request
        self.response = response
        self.raw = raw
        super().__init__(message)

    def __str__(self) -> str:
        parts = [f"{self.provider}: {super().__str__()}"]
        if self.status_code is not None:
            parts.append(f"status={self.status_code}")
        if self.provider_code is not None:
            parts.append(f"code={self.provider_code}")
        if self.retry_after is not None:
            parts.append(f"retry_after={self.retry_after:g}s")
        return " ".join(parts)


class AuthenticationError(ProviderError):
    """Credentials were refused (401/403). Check the channel's account settings."""


class RateLimitError(ProviderError):
    """Too many requests (429). Retryable; ``retry_after`` says when."""

    retryable = True


class RecipientRejectedError(ProviderError):
    """The provider will not deliver to this recipient (invalid, opted out, blocked)."""


class BadRequestError(ProviderError):
    """The provider rejected the request as malformed (4xx). Permanent: fix the message."""


class ServerError(ProviderError):
    """The provider failed (5xx). Retryable."""

    retryable = True


class TransportError(ProviderError):
    """No usable answer from the provider: connection refused, reset, or TLS failure. Retryable.

    Not retryable (``retryable=False``) when the request may have reached the provider and a retry
    could send twice: a read timeout or reset without idempotency keys, an answer that cannot be read.
    """

    retryable = True


class ProviderTimeoutError(TransportError):
    """The provider did not answer in time. Retryable."""
