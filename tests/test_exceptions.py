"""The error tree: hierarchy, builtin bases, messages that say what to do, retryable defaults."""

from __future__ import annotations

import pickle

import pytest

import omnilink
from omnilink import exceptions as exc_mod
from omnilink.exceptions import (
    AuthenticationError,
    BadRequestError,
    ChannelNotFoundError,
    ConfigurationError,
    InvalidIdentifierError,
    InvalidMessageError,
    MessageTooLongError,
    MissingDependencyError,
    OmnilinkError,
    PluginError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitError,
    RecipientRejectedError,
    ServerError,
    TransportError,
    UnsupportedFeatureError,
    WebhookPayloadError,
    WebhookVerificationError,
)

PARENTS: dict[type[BaseException], tuple[type[BaseException], ...]] = {
    ConfigurationError: (OmnilinkError,),
    MissingDependencyError: (ConfigurationError, ImportError),
    InvalidIdentifierError: (OmnilinkError, ValueError),
    ChannelNotFoundError: (OmnilinkError, LookupError),
    PluginError: (OmnilinkError,),
    UnsupportedFeatureError: (OmnilinkError,),
    InvalidMessageError: (OmnilinkError, ValueError),
    MessageTooLongError: (InvalidMessageError,),
    WebhookVerificationError: (OmnilinkError, ValueError),
    WebhookPayloadError: (OmnilinkError, ValueError),
    ProviderError: (OmnilinkError,),
    AuthenticationError: (ProviderError,),
    RateLimitError: (ProviderError,),
    RecipientRejectedError: (ProviderError,),
    BadRequestError: (ProviderError,),
    ServerError: (ProviderError,),
    TransportError: (ProviderError,),
    ProviderTimeoutError: (TransportError,),
}


def test_table_covers_every_exported_error() -> None:
    assert {c.__name__ for c in PARENTS} | {"OmnilinkError"} == set(exc_mod.__all__)


@pytest.mark.parametrize(("cls", "parents"), list(PARENTS.items()), ids=lambda c: getattr(c, "__name__", ""))
def test_hierarchy(cls: type[BaseException], parents: tuple[type[BaseException], ...]) -> None:
    assert cls.__bases__ == parents
    assert issubclass(cls, OmnilinkError)


def test_builtin_bases_where_they_matter() -> None:
    assert issubclass(InvalidIdentifierError, ValueError)
    assert issubclass(WebhookVerificationError, ValueError)
    assert issubclass(ChannelNotFoundError, LookupError)
    assert issubclass(MissingDependencyError, ImportError)
    assert not issubclass(ProviderError, ValueError)
    assert issubclass(OmnilinkError, Exception)


def test_the_docstring_tree_names_every_error() -> None:
    doc = exc_mod.__doc__ or ""
    for name in exc_mod.__all__:
        assert name in doc, name


def test_no_validation_error_name_anywhere() -> None:
    assert not hasattr(exc_mod, "ValidationError")
    assert "ValidationError" not in omnilink.__all__


def test_missing_dependency_names_the_pip_install_line() -> None:
    err = MissingDependencyError(package="typer", extra="cli", feature="The omnilink command")
    assert 'pip install "omnilink[cli]"' in str(err)
    assert "'typer'" in str(err)
    assert str(err).startswith("The omnilink command")
    assert (err.package, err.extra, err.feature) == ("typer", "cli", "The omnilink command")
    with pytest.raises(ImportError):
        raise err
    with pytest.raises(ConfigurationError):
        raise err


def test_invalid_identifier_error_carries_context() -> None:
    err = InvalidIdentifierError("not an email: no @", kind="email", value="nope", reason="no_at")
    assert (err.kind, err.value, err.reason) == ("email", "nope", "no_at")
    assert str(err) == "not an email: no @"
    with pytest.raises(ValueError, match="no @"):
        raise err


def test_channel_not_found_lists_what_is_available() -> None:
    err = ChannelNotFoundError("twilio", available=["fake", "smtp"])
    assert err.name == "twilio"
    assert err.available == ["fake", "smtp"]
    assert "'twilio'" in str(err)
    assert "fake, smtp" in str(err)
    assert "none" in str(ChannelNotFoundError("x", available=[]))
    with pytest.raises(LookupError):
        raise err


def test_plugin_error_names_the_plugin() -> None:
    err = PluginError("boom", plugin="acme-sms")
    assert err.plugin == "acme-sms"
    assert str(err) == "channel plugin 'acme-sms': boom"


def test_unsupported_and_too_long_carry_context() -> None:
    u = UnsupportedFeatureError("no attachments", channel="sms", feature="attachments")
    assert (u.channel, u.feature, str(u)) == ("sms", "attachments", "no attachments")
    t = MessageTooLongError("too long", channel="sms", length=2000, limit=1600)
    assert (t.channel, t.length, t.limit) == ("sms", 2000, 1600)
    assert isinstance(t, ValueError)
    assert isinstance(t, InvalidMessageError)  # one except clause for "this message cannot go"
    again = pickle.loads(pickle.dumps(t))  # noqa: S301 - our own bytes
    assert (type(again), again.channel, again.length, again.limit) == (MessageTooLongError, "sms", 2000, 1600)


def test_webhook_errors_prefix_the_provider() -> None:
    v = WebhookVerificationError("bad signature", provider="twilio", reason="mismatch")
    assert str(v) == "twilio: bad signature"
    assert (v.provider, v.reason) == ("twilio", "mismatch")
    p = WebhookPayloadError("not JSON", provider="meta")
    assert str(p) == "meta: not JSON"
    assert p.provider == "meta"


def test_provider_error_str_carries_everything() -> None:
    err = RateLimitError(
        "Too Many Requests", provider="twilio", status_code=429, provider_code="20429", retry_after=1.5
    )
    assert str(err) == "twilio: Too Many Requests status=429 code=20429 retry_after=1.5s"
    assert str(ServerError("x", provider="p", retry_after=30.0)) == "p: x retry_after=30s"


def test_provider_error_str_omits_what_is_missing() -> None:
    assert str(ProviderError("nope", provider="p")) == "p: nope"
    assert str(ProviderError("nope", provider="p", status_code=400)) == "p: nope status=400"
    assert str(ProviderError("nope", provider="p", provider_code="E1")) == "p: nope code=E1"


def test_provider_error_attributes_default_to_none() -> None:
    err = ProviderError("x", provider="p")
    assert err.provider == "p"
    assert err.status_code is None
    assert err.provider_code is None
    assert err.retry_after is None
    assert err.request is None
    assert err.response is None
    assert err.raw is None


RETRYABLE = {
    ProviderError: False,
    AuthenticationError: False,
    RateLimitError: True,
    RecipientRejectedError: False,
    BadRequestError: False,
    ServerError: True,
    TransportError: True,
    ProviderTimeoutError: True,
}


@pytest.mark.parametrize(
    ("cls", "expected"), list(RETRYABLE.items()), ids=lambda c: getattr(c, "__name__", "")
)
def test_retryable_defaults(cls: type[ProviderError], expected: bool) -> None:
    assert cls.retryable is expected
    assert cls("x", provider="p").retryable is expected


@pytest.mark.parametrize("cls", list(RETRYABLE), ids=lambda c: c.__name__)
def test_retryable_can_be_overridden_per_instance(cls: type[ProviderError]) -> None:
    flipped = not RETRYABLE[cls]
    assert cls("x", provider="p", retryable=flipped).retryable is flipped
    # The class default is untouched.
    assert cls("x", provider="p").retryable is RETRYABLE[cls]
    assert cls.retryable is RETRYABLE[cls]


def test_provider_error_survives_pickle() -> None:
    err = ServerError("down", provider="twilio", status_code=503, retry_after=2.0)
    again = pickle.loads(pickle.dumps(err))  # noqa: S301 - our own bytes
    assert type(again) is ServerError
    assert str(again) == str(err)
