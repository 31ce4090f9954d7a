"""The core value objects: customers, identifiers, messages, touchpoints, conversations, events.

Two kinds of model live here, and they differ on purpose:

* models *users build* (``Customer``, ``Identifier``, ``Message``, ``Attachment``, ``Touchpoint``,
  ``Conversation``) are frozen and **forbid** unknown fields, so a typo is an error, not data loss;
* models *parsed from providers* (the webhook events and ``SendResult``) are frozen but **allow**
  unknown fields, because providers add fields without notice, and they always keep ``raw``.

Every model round-trips through JSON (``Model.model_validate_json(m.model_dump_json()) == m``).

Frozen goes all the way down: a dict or list a model holds (``metadata``, ``attributes``,
``context``, ``variables``, ``raw``) is a read-only dict or list, so ``message.metadata["k"] = v``
raises ``TypeError`` like ``message.text = v`` raises, and equal models hash equal. The read-only
containers are subclasses of ``dict`` and ``list``: they still equal, print and serialize
(``json.dumps``, ``model_dump``) as the plain ones they were built from.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Annotated, Any, Literal, NoReturn

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_serializer

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self is 3.11+

__all__ = [
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
]


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


def _read_only(*_: Any, **__: Any) -> NoReturn:
    raise TypeError(
        "this container belongs to a frozen omnilink model and cannot be changed; build a new "
        "model instead, e.g. model.model_copy(update={...})"
    )


class _ReadOnlyDict(dict[Any, Any]):
    """A dict whose changing methods raise: what a frozen model's mapping fields hold.

    A subclass rather than a new Mapping type, so that code which expects the dict it passed in
    (``==``, ``json.dumps``, ``isinstance(x, dict)``) goes on working.
    """

    __slots__ = ()
    __setitem__ = __delitem__ = __ior__ = _read_only
    clear = pop = popitem = setdefault = update = _read_only

    def __hash__(self) -> int:  # type: ignore[override]  # dict sets __hash__ = None
        return hash(frozenset(self.items()))

    def __reduce__(self) -> tuple[Any, ...]:
        # The default protocol rebuilds a dict subclass item by item through __setitem__.
        return (type(self), (dict(self),))


class _ReadOnlyList(list[Any]):
    """A list whose changing methods raise (see :class:`_ReadOnlyDict`)."""

    __slots__ = ()
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _read_only
    append = extend = insert = pop = remove = clear = sort = reverse = _read_only

    def __hash__(self) -> int:  # type: ignore[override]  # list sets __hash__ = None
        return hash(tuple(self))

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (list(self),))


def _freeze(value: Any) -> Any:
    """``value`` with every dict, list and set in it made read-only (others are kept as they are)."""
    if isinstance(value, _ReadOnlyDict | _ReadOnlyList):
        return value  # built by this function, so frozen all the way down already
    if isinstance(value, dict):
        return _ReadOnlyDict({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return _ReadOnlyList([_freeze(v) for v in value])
    if type(value) is tuple:  # a namedtuple keeps its type: its fields are its own business
        return tuple(_freeze(v) for v in value)
    if isinstance(value, set):
        return frozenset(_freeze(v) for v in value)
    return value


_FrozenMapping = Annotated[Mapping[str, Any], AfterValidator(_freeze)]
_FrozenStrMapping = Annotated[Mapping[str, str], AfterValidator(_freeze)]
_FrozenAny = Annotated[Any, AfterValidator(_freeze)]

# Bytes travel as base64 in JSON: attachment data is binary, and UTF-8 cannot carry it.
_BYTES = ConfigDict(ser_json_bytes="base64", val_json_bytes="base64")


class _FrozenModel(BaseModel):
    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy with ``update`` applied; the new values are made read-only like validated ones
        (pydantic does not validate ``update``, so a dict given there would stay changeable)."""
        if update:
            update = {key: _freeze(value) for key, value in update.items()}
        return super().model_copy(update=update, deep=deep)


class _UserModel(_FrozenModel):
    model_config = ConfigDict(frozen=True, extra="forbid", **_BYTES)


class _ProviderModel(_FrozenModel):
    model_config = ConfigDict(frozen=True, extra="allow", arbitrary_types_allowed=True, **_BYTES)


class IdentifierKind(str, enum.Enum):
    EMAIL = "email"
    PHONE = "phone"
    HANDLE = "handle"
    EXTERNAL = "external"


class Identifier(_UserModel):
    """One way to reach or recognise a person, in canonical form.

    ``value`` is canonical (an email as ``canonical_email`` gives it, a phone in E.164, a handle
    as ``"<platform>:<handle>"``); ``raw`` keeps what was given. Build one with
    :meth:`Identifier.parse` rather than by hand, so the value is canonical.
    """

    kind: IdentifierKind
    value: str
    platform: str | None = None
    raw: str | None = None
    verified: bool = False
    role: bool = False
    """An email that names a function (info@, support@) rather than a person (RFC 2142)."""
    extension: str | None = None
    """A phone extension, kept apart from the E.164 number."""

    @classmethod
    def parse(
        cls,
        value: str,
        *,
        kind: IdentifierKind | str | None = None,
        platform: str | None = None,
        region: str | None = None,
        verified: bool = False,
    ) -> Identifier:
        """Canonicalize ``value`` into an Identifier; raises ``InvalidIdentifierError``.

        With no ``kind``, the kind is guessed: ``@`` inside an address is an email, a value
        that parses as a phone is a phone, ``platform`` given means a handle.
        """
        # Imported here because identifiers builds on this module, not the other way round.
        from omnilink.identifiers import parse_identifier

        return parse_identifier(value, kind=kind, platform=platform, region=region, verified=verified)

    def __str__(self) -> str:
        return self.value


class Customer(_UserModel):
    """One real person, with every identifier known for them."""

    id: str = Field(default_factory=lambda: _new_id("cus"))
    identifiers: tuple[Identifier, ...] = ()
    display_name: str | None = None
    locale: str | None = None
    time_zone: str | None = None
    attributes: _FrozenMapping = Field(default_factory=_ReadOnlyDict)

    def identifier(self, kind: IdentifierKind | str, *, platform: str | None = None) -> Identifier | None:
        """The first identifier of ``kind`` (and ``platform``), or None."""
        k = IdentifierKind(kind)
        for ident in self.identifiers:
            if ident.kind is k and (platform is None or ident.platform == platform):
                return ident
        return None


class Attachment(_UserModel):
    """A file sent with a message: inline ``data`` or a public ``url`` (what MMS/WhatsApp need)."""

    filename: str
    content_type: str = "application/octet-stream"
    data: bytes | None = None
    url: str | None = None

    # A plain property, not a computed field: serialized, it would be refused on the way back in.
    @property
    def size(self) -> int | None:
        return None if self.data is None else len(self.data)


class TemplateRef(_UserModel):
    """A provider-side template (WhatsApp template, Twilio Content SID, ...) and its variables."""

    name: str
    language: str | None = None
    variables: _FrozenStrMapping = Field(default_factory=_ReadOnlyDict)


class Message(_UserModel):
    """What to send. Channels use the parts they can; the client refuses what they cannot."""

    text: str | None = None
    html: str | None = None
    subject: str | None = None
    attachments: tuple[Attachment, ...] = ()
    template: TemplateRef | None = None
    in_reply_to: str | None = None
    """The provider message id this one answers (email threading, reply-to on chat apps)."""
    references: tuple[str, ...] = ()
    metadata: _FrozenStrMapping = Field(default_factory=_ReadOnlyDict)


class Direction(str, enum.Enum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class DeliveryStatus(str, enum.Enum):
    """Normalized delivery status. Statuses only move forward (see :meth:`advance`)."""

    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    UNDELIVERED = "undelivered"
    BOUNCED = "bounced"
    REJECTED = "rejected"
    RECEIVED = "received"

    @property
    def rank(self) -> int:
        return _STATUS_RANK[self]

    @property
    def is_failure(self) -> bool:
        return self in _FAILURES

    def advance(self, new: DeliveryStatus) -> DeliveryStatus:
        """The status after a callback saying ``new``: never moves backwards.

        Callbacks arrive out of order; a late "sent" must not undo "delivered". A failure
        after a delivery (a late bounce) does win, because it is news.
        """
        return new if new.rank > self.rank else self


# queued < sent < delivered < read; failures rank above sent and delivered (a bounce after
# "delivered" is real news), but below read, which only a person reading it can produce.
_STATUS_RANK = {
    DeliveryStatus.QUEUED: 0,
    DeliveryStatus.SENT: 1,
    DeliveryStatus.RECEIVED: 1,
    DeliveryStatus.DELIVERED: 2,
    DeliveryStatus.FAILED: 3,
    DeliveryStatus.UNDELIVERED: 3,
    DeliveryStatus.BOUNCED: 3,
    DeliveryStatus.REJECTED: 3,
    DeliveryStatus.READ: 4,
}
_FAILURES = frozenset(
    {DeliveryStatus.FAILED, DeliveryStatus.UNDELIVERED, DeliveryStatus.BOUNCED, DeliveryStatus.REJECTED}
)


class Touchpoint(_UserModel):
    """One interaction with a customer on one channel, in one direction."""

    id: str = Field(default_factory=lambda: _new_id("tp"))
    channel: str
    kind: str
    direction: Direction
    identifier: Identifier | None = None
    occurred_at: datetime = Field(default_factory=_utcnow)
    conversation_id: str | None = None
    message: Message | None = None
    status: DeliveryStatus | None = None
    provider_message_id: str | None = None
    raw: _FrozenAny = None


class ConversationState(str, enum.Enum):
    OPEN = "open"
    PENDING = "pending"
    CLOSED = "closed"


class Conversation(_UserModel):
    """One conversation with one customer, across every channel they used."""

    id: str = Field(default_factory=lambda: _new_id("conv"))
    customer_id: str
    touchpoints: tuple[Touchpoint, ...] = ()
    state: ConversationState = ConversationState.OPEN
    context: _FrozenMapping = Field(default_factory=_ReadOnlyDict)
    """What the conversation has learned (order number, topic, ...), carried across channels."""

    @property
    def channels(self) -> tuple[str, ...]:
        """Channels used, in order of first use."""
        return tuple(dict.fromkeys(t.channel for t in self.touchpoints))


# --- what providers tell us ---------------------------------------------------------------


class SendResult(_ProviderModel):
    """The outcome of sending one message to one recipient on one channel.

    A send that failed is still a result (``ok`` is False, ``error`` says why); a batch never
    loses a recipient to an exception.
    """

    channel: str
    recipient: str
    status: DeliveryStatus
    provider_message_id: str | None = None
    provider_message_ids: tuple[str, ...] = ()
    """All ids when the channel split the body into several messages."""
    idempotency_key: str | None = None
    attempts: int = 1
    error: Any = None
    """The :class:`~omnilink.ProviderError` of the last attempt, when it failed."""
    raw: _FrozenAny = None

    @property
    def ok(self) -> bool:
        return self.error is None and not self.status.is_failure

    @field_serializer("error", when_used="json")
    def _error_as_json(self, error: Any) -> Any:
        # An exception has no JSON form; keep what a log or a dead-letter queue needs to act.
        if not isinstance(error, BaseException):
            return error
        return {
            "type": type(error).__name__,
            "message": str(error),
            **{
                key: getattr(error, key)
                for key in ("provider", "status_code", "provider_code", "retryable", "retry_after")
                if hasattr(error, key)
            },
        }

    def raise_for_error(self) -> SendResult:
        """Raise the recorded error, if any; return self otherwise (for chaining)."""
        if self.error is not None:
            raise self.error
        return self


class _EventBase(_ProviderModel):
    channel: str
    provider: str
    occurred_at: datetime = Field(default_factory=_utcnow)
    event_id: str | None = None
    """A provider id for this delivery of the event, used to drop redeliveries."""
    raw: _FrozenAny = None


class InboundMessage(_EventBase):
    """A customer wrote to us."""

    type: Literal["inbound"] = "inbound"
    sender: Identifier
    recipient: str | None = None
    message: Message
    provider_message_id: str | None = None


class StatusUpdate(_EventBase):
    """A delivery status callback for a message we sent."""

    type: Literal["status"] = "status"
    provider_message_id: str
    status: DeliveryStatus
    recipient: str | None = None
    error_code: str | None = None
    error_message: str | None = None


class OptOutEvent(_EventBase):
    """The customer asked to stop (or start again) receiving messages on this channel."""

    type: Literal["opt_out"] = "opt_out"
    sender: Identifier
    opted_out: bool = True
    keyword: str | None = None


class ConversationEvent(_EventBase):
    """Any other conversation-level event (typing, conversation closed, handoff...)."""

    type: Literal["conversation"] = "conversation"
    name: str
    sender: Identifier | None = None


Event = Annotated[
    InboundMessage | StatusUpdate | OptOutEvent | ConversationEvent,
    Field(discriminator="type"),
]
"""A normalized webhook event: discriminated on ``type``."""
