"""omnilink: one conversation with one person, on every channel."""

from __future__ import annotations

from omnilink.client import AsyncClient, Client, RetryPolicy
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
from omnilink.models import (
    Attachment,
    Conversation,
    ConversationEvent,
    ConversationState,
    Customer,
    DeliveryStatus,
    Direction,
    Event,
    Identifier,
    IdentifierKind,
    InboundMessage,
    Message,
    OptOutEvent,
    SendResult,
    StatusUpdate,
    TemplateRef,
    Touchpoint,
)
from omnilink.webhooks import WebhookRequest

__version__ = "0.1.0.dev0"

__all__ = [
    # sending and receiving
    "AsyncClient",
    "Client",
    "RetryPolicy",
    "WebhookRequest",
    # models
    "Attachment",
    "Conversation",
    "ConversationEvent",
    "ConversationState",
    "Customer",
    "DeliveryStatus",
    "Direction",
    "Event",
    "Identifier",
    "IdentifierKind",
    "InboundMessage",
    "Message",
    "OptOutEvent",
    "SendResult",
    "StatusUpdate",
    "TemplateRef",
    "Touchpoint",
    # errors
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
