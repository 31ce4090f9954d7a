"""The core value objects: JSON round-trips, frozenness, extra-field policy, status ordering."""

from __future__ import annotations

import copy
import itertools
import json
import pickle
from datetime import datetime, timezone
from typing import Any

import pydantic
import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnilink import (
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
    ServerError,
    StatusUpdate,
    TemplateRef,
    Touchpoint,
)

# --- strategies ---------------------------------------------------------------------------

text = st.text(max_size=20)
opt_text = st.none() | text
json_scalar = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | text
aware_dt = st.datetimes(timezones=st.just(timezone.utc))

identifiers = st.builds(
    Identifier,
    kind=st.sampled_from(IdentifierKind),
    value=text,
    platform=opt_text,
    raw=opt_text,
    verified=st.booleans(),
    role=st.booleans(),
    extension=opt_text,
)
customers = st.builds(
    Customer,
    id=text,
    identifiers=st.lists(identifiers, max_size=3).map(tuple),
    display_name=opt_text,
    locale=opt_text,
    time_zone=opt_text,
    attributes=st.dictionaries(text, json_scalar, max_size=3),
)
templates = st.builds(
    TemplateRef, name=text, language=opt_text, variables=st.dictionaries(text, text, max_size=3)
)
attachments = st.builds(
    Attachment,
    filename=text,
    content_type=text,
    data=st.none() | st.binary(max_size=64),
    url=opt_text,
)
messages = st.builds(
    Message,
    attachments=st.lists(attachments, max_size=2).map(tuple),
    text=opt_text,
    html=opt_text,
    subject=opt_text,
    template=st.none() | templates,
    in_reply_to=opt_text,
    references=st.lists(text, max_size=3).map(tuple),
    metadata=st.dictionaries(text, text, max_size=3),
)
touchpoints = st.builds(
    Touchpoint,
    id=text,
    channel=text,
    kind=text,
    direction=st.sampled_from(Direction),
    identifier=st.none() | identifiers,
    occurred_at=aware_dt,
    conversation_id=opt_text,
    message=st.none() | messages,
    status=st.none() | st.sampled_from(DeliveryStatus),
    provider_message_id=opt_text,
    raw=json_scalar,
)
send_results = st.builds(
    SendResult,
    channel=text,
    recipient=text,
    status=st.sampled_from(DeliveryStatus),
    provider_message_id=opt_text,
    provider_message_ids=st.lists(text, max_size=3).map(tuple),
    idempotency_key=opt_text,
    attempts=st.integers(1, 10),
    raw=st.none() | st.dictionaries(text, json_scalar, max_size=3),
)
_event_common = {"channel": text, "provider": text, "occurred_at": aware_dt, "event_id": opt_text}
events = st.one_of(
    st.builds(
        InboundMessage,
        sender=identifiers,
        recipient=opt_text,
        message=messages,
        provider_message_id=opt_text,
        raw=st.dictionaries(text, json_scalar, max_size=3),
        **_event_common,
    ),
    st.builds(
        StatusUpdate,
        provider_message_id=text,
        status=st.sampled_from(DeliveryStatus),
        error_code=opt_text,
        error_message=opt_text,
        **_event_common,
    ),
    st.builds(OptOutEvent, sender=identifiers, opted_out=st.booleans(), keyword=opt_text, **_event_common),
    st.builds(ConversationEvent, name=text, sender=st.none() | identifiers, **_event_common),
)


def _roundtrip(model: pydantic.BaseModel) -> None:
    again = type(model).model_validate_json(model.model_dump_json())
    assert again == model
    assert again.model_dump() == model.model_dump()


# --- JSON round-trips ---------------------------------------------------------------------


@given(identifiers)
def test_identifier_roundtrip(m: Identifier) -> None:
    _roundtrip(m)


@given(customers)
def test_customer_roundtrip(m: Customer) -> None:
    _roundtrip(m)


@given(templates)
def test_template_roundtrip(m: TemplateRef) -> None:
    _roundtrip(m)


@given(messages)
def test_message_roundtrip(m: Message) -> None:
    _roundtrip(m)


@given(touchpoints)
def test_touchpoint_roundtrip(m: Touchpoint) -> None:
    _roundtrip(m)


@given(send_results)
def test_send_result_roundtrip(m: SendResult) -> None:
    _roundtrip(m)


@given(events)
def test_event_roundtrip_through_the_union(event: Any) -> None:
    adapter: pydantic.TypeAdapter[Event] = pydantic.TypeAdapter(Event)
    again = adapter.validate_json(adapter.dump_json(event))
    assert type(again) is type(event)
    assert again == event


def test_attachment_roundtrip() -> None:
    _roundtrip(Attachment(filename="a.txt", content_type="text/plain", data=b"hello"))


def test_message_with_attachment_roundtrip() -> None:
    _roundtrip(Message(text="hi", attachments=(Attachment(filename="a.txt", url="https://x.test/a"),)))


def test_conversation_roundtrip() -> None:
    conv = Conversation(
        customer_id="cus_1",
        touchpoints=(Touchpoint(channel="sms", kind="sms", direction=Direction.INBOUND),),
        context={"order": "42"},
    )
    _roundtrip(conv)


def test_binary_attachment_dumps_to_json() -> None:
    att = Attachment(filename="a.jpg", content_type="image/jpeg", data=b"\xff\xd8\xff\xe0")
    assert json.loads(att.model_dump_json())["filename"] == "a.jpg"


def test_failed_send_result_dumps_to_json() -> None:
    result = SendResult(
        channel="x", recipient="r", status=DeliveryStatus.FAILED, error=ServerError("down", provider="p")
    )
    assert json.loads(result.model_dump_json())["status"] == "failed"


# --- frozen, extra fields -----------------------------------------------------------------

ALL_INSTANCES: list[pydantic.BaseModel] = [
    Identifier(kind=IdentifierKind.EMAIL, value="a@example.com"),
    Customer(),
    Attachment(filename="a"),
    TemplateRef(name="t"),
    Message(text="hi"),
    Touchpoint(channel="sms", kind="sms", direction=Direction.OUTBOUND),
    Conversation(customer_id="c"),
    SendResult(channel="c", recipient="r", status=DeliveryStatus.SENT),
    InboundMessage(
        channel="c", provider="p", sender=Identifier(kind="external", value="x"), message=Message(text="x")
    ),
    StatusUpdate(channel="c", provider="p", provider_message_id="m", status=DeliveryStatus.SENT),
    OptOutEvent(channel="c", provider="p", sender=Identifier(kind="external", value="x")),
    ConversationEvent(channel="c", provider="p", name="typing"),
]


@pytest.mark.parametrize("model", ALL_INSTANCES, ids=lambda m: type(m).__name__)
def test_every_model_is_frozen(model: pydantic.BaseModel) -> None:
    field = next(iter(type(model).model_fields))
    before = getattr(model, field)
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        setattr(model, field, before)
    assert getattr(model, field) == before


# Every container a model holds, with a way to try to change it in place.
CONTAINERS: list[tuple[pydantic.BaseModel, str]] = [
    (Customer(attributes={"tier": "gold", "tags": ["vip"]}), "attributes"),
    (TemplateRef(name="t", variables={"1": "Ada"}), "variables"),
    (Message(text="hi", metadata={"campaign": "c1"}), "metadata"),
    (Conversation(customer_id="c", context={"order": {"id": 7, "items": [1, 2]}}), "context"),
    (Touchpoint(channel="sms", kind="sms", direction=Direction.INBOUND, raw={"Body": "hi"}), "raw"),
    (SendResult(channel="c", recipient="r", status=DeliveryStatus.SENT, raw={"sid": "SM1"}), "raw"),
    (StatusUpdate(channel="c", provider="p", provider_message_id="m", status="sent", raw={"a": [1]}), "raw"),
]


def _container_id(x: object) -> str:
    return x if isinstance(x, str) else type(x).__name__


MUTATIONS = {
    "setitem": lambda d: d.__setitem__("new", "x"),
    "delitem": lambda d: d.__delitem__(next(iter(d))),
    "update": lambda d: d.update(new="x"),
    "setdefault": lambda d: d.setdefault("new", "x"),
    "pop": lambda d: d.pop(next(iter(d))),
    "popitem": lambda d: d.popitem(),
    "clear": lambda d: d.clear(),
    "ior": lambda d: d.__ior__({"new": "x"}),
}


@pytest.mark.parametrize("mutation", MUTATIONS.values(), ids=list(MUTATIONS))
@pytest.mark.parametrize(
    ("model", "field"), CONTAINERS, ids=lambda x: x if isinstance(x, str) else type(x).__name__
)
def test_containers_are_frozen_too(model: pydantic.BaseModel, field: str, mutation: Any) -> None:
    held = getattr(model, field)
    before = dict(held)
    with pytest.raises(TypeError, match="frozen omnilink model"):
        mutation(held)
    assert getattr(model, field) == before


LIST_MUTATIONS = {
    "setitem": lambda x: x.__setitem__(0, "x"),
    "delitem": lambda x: x.__delitem__(0),
    "append": lambda x: x.append("x"),
    "extend": lambda x: x.extend(["x"]),
    "insert": lambda x: x.insert(0, "x"),
    "pop": lambda x: x.pop(),
    "remove": lambda x: x.remove(x[0]),
    "clear": lambda x: x.clear(),
    "sort": lambda x: x.sort(),
    "reverse": lambda x: x.reverse(),
    "iadd": lambda x: x.__iadd__(["x"]),
    "imul": lambda x: x.__imul__(2),
}


@pytest.mark.parametrize("mutation", LIST_MUTATIONS.values(), ids=list(LIST_MUTATIONS))
def test_nested_lists_and_dicts_are_frozen(mutation: Any) -> None:
    conversation = Conversation(customer_id="c", context={"order": {"id": 7, "items": [2, 1]}})
    items = conversation.context["order"]["items"]
    with pytest.raises(TypeError, match="frozen omnilink model"):
        mutation(items)
    with pytest.raises(TypeError, match="frozen omnilink model"):
        conversation.context["order"]["id"] = 8
    assert conversation.context == {"order": {"id": 7, "items": [2, 1]}}


def test_frozen_containers_still_behave_as_the_dicts_and_lists_given() -> None:
    given = {"tags": ["vip", "beta"], "score": 3, "nested": {"a": [1, {"b": None}]}}
    customer = Customer(attributes=given)
    assert customer.attributes == given  # a list inside equals the list given, not a tuple
    assert isinstance(customer.attributes, dict)
    assert isinstance(customer.attributes["tags"], list)
    assert json.loads(json.dumps(customer.attributes)) == given
    assert repr(customer.attributes) == repr(given)
    dumped = customer.model_dump()["attributes"]
    assert type(dumped) is dict
    assert dumped == given
    dumped["score"] = 4  # what model_dump gives is the caller's to change
    assert customer.attributes["score"] == 3
    assert {**customer.attributes, "score": 4}["score"] == 4  # building a new one is the way
    given["score"] = 5  # the caller's own dict stays theirs, and the model does not follow it
    assert customer.attributes["score"] == 3


def test_equal_models_hash_equal() -> None:
    a = Message(text="hi", metadata={"k": "v", "j": "w"})
    b = Message(text="hi", metadata={"j": "w", "k": "v"})
    assert a == b
    assert hash(a) == hash(b)
    assert hash(a) != hash(Message(text="hi", metadata={"k": "other", "j": "w"}))
    customer = Customer(id="c1", attributes={"tags": ["a", {"b": [1]}], "seen": {"sms", "email"}})
    assert hash(customer) == hash(Customer.model_validate(customer.model_dump()))
    assert len({a, b, customer}) == 2  # models can be set members and dict keys


@pytest.mark.parametrize(
    ("model", "field"), CONTAINERS, ids=lambda x: x if isinstance(x, str) else type(x).__name__
)
def test_frozen_containers_survive_pickle_and_copy(model: pydantic.BaseModel, field: str) -> None:
    pickled = pickle.loads(pickle.dumps(model))  # noqa: S301 - our own bytes
    for clone in (pickled, copy.copy(model), copy.deepcopy(model)):
        assert clone == model
        with pytest.raises(TypeError, match="frozen omnilink model"):
            getattr(clone, field).clear()


def test_model_copy_freezes_the_values_it_brings() -> None:
    # pydantic does not validate model_copy(update=...): without a hook, a dict given there
    # would stay changeable inside a frozen model.
    message = Message(text="hi").model_copy(update={"metadata": {"k": "v"}})
    with pytest.raises(TypeError, match="frozen omnilink model"):
        message.metadata["k"] = "changed"  # type: ignore[index]  # on purpose: a read-only mapping
    conversation = Conversation(customer_id="c").model_copy(update={"context": {"items": [1]}})
    with pytest.raises(TypeError, match="frozen omnilink model"):
        conversation.context["items"].append(2)
    assert conversation.context == {"items": [1]}


USER_MODELS: list[tuple[type[pydantic.BaseModel], dict[str, Any]]] = [
    (Identifier, {"kind": "email", "value": "a@example.com"}),
    (Customer, {}),
    (Attachment, {"filename": "a"}),
    (TemplateRef, {"name": "t"}),
    (Message, {"text": "hi"}),
    (Touchpoint, {"channel": "sms", "kind": "sms", "direction": "inbound"}),
    (Conversation, {"customer_id": "c"}),
]


@pytest.mark.parametrize(("cls", "kwargs"), USER_MODELS, ids=lambda x: getattr(x, "__name__", ""))
def test_user_models_forbid_unknown_fields(cls: type[pydantic.BaseModel], kwargs: dict[str, Any]) -> None:
    cls(**kwargs)  # the valid baseline builds
    with pytest.raises(pydantic.ValidationError, match=r"extra_forbidden|Extra inputs"):
        cls(**kwargs, txet="typo")


def test_message_typo_is_an_error_not_data_loss() -> None:
    with pytest.raises(pydantic.ValidationError):
        Message.model_validate_json('{"txt": "hello"}')


PROVIDER_PAYLOADS: list[tuple[type[pydantic.BaseModel], dict[str, Any]]] = [
    (SendResult, {"channel": "c", "recipient": "r", "status": "sent"}),
    (
        InboundMessage,
        {
            "channel": "c",
            "provider": "p",
            "sender": {"kind": "external", "value": "x"},
            "message": {"text": "x"},
        },
    ),
    (StatusUpdate, {"channel": "c", "provider": "p", "provider_message_id": "m", "status": "sent"}),
    (OptOutEvent, {"channel": "c", "provider": "p", "sender": {"kind": "phone", "value": "+1"}}),
    (ConversationEvent, {"channel": "c", "provider": "p", "name": "closed"}),
]


@pytest.mark.parametrize(("cls", "payload"), PROVIDER_PAYLOADS, ids=lambda x: getattr(x, "__name__", ""))
def test_provider_models_keep_unknown_fields(cls: type[pydantic.BaseModel], payload: dict[str, Any]) -> None:
    model = cls.model_validate_json(json.dumps({**payload, "vendor_flag": "new"}))
    assert model.model_extra == {"vendor_flag": "new"}
    assert json.loads(model.model_dump_json())["vendor_flag"] == "new"
    assert cls.model_validate_json(model.model_dump_json()) == model


# --- the Event union ------------------------------------------------------------------------

EVENT_JSON: dict[type[pydantic.BaseModel], dict[str, Any]] = {
    InboundMessage: {
        "type": "inbound",
        "channel": "fake",
        "provider": "fake",
        "sender": {"kind": "phone", "value": "+14155550100"},
        "message": {"text": "hello"},
        "raw": {"Body": "hello"},
    },
    StatusUpdate: {
        "type": "status",
        "channel": "fake",
        "provider": "fake",
        "provider_message_id": "SM1",
        "status": "delivered",
    },
    OptOutEvent: {
        "type": "opt_out",
        "channel": "fake",
        "provider": "fake",
        "sender": {"kind": "phone", "value": "+14155550100"},
        "keyword": "STOP",
    },
    ConversationEvent: {"type": "conversation", "channel": "fake", "provider": "fake", "name": "typing"},
}


@pytest.mark.parametrize(
    ("cls", "payload"), list(EVENT_JSON.items()), ids=lambda x: getattr(x, "__name__", "")
)
def test_event_union_dispatches_on_type(cls: type[pydantic.BaseModel], payload: dict[str, Any]) -> None:
    event = pydantic.TypeAdapter(Event).validate_json(json.dumps(payload))
    assert type(event) is cls
    assert event.channel == "fake"
    assert event.raw == payload.get("raw")


def test_event_union_parses_a_list() -> None:
    events = pydantic.TypeAdapter(list[Event]).validate_python(list(EVENT_JSON.values()))
    assert [type(e) for e in events] == list(EVENT_JSON)


@pytest.mark.parametrize("bad_type", ["nope", None, 3])
def test_event_union_rejects_unknown_type(bad_type: object) -> None:
    payload = {**EVENT_JSON[StatusUpdate], "type": bad_type}
    with pytest.raises(pydantic.ValidationError):
        pydantic.TypeAdapter(Event).validate_python(payload)


def test_event_union_requires_type() -> None:
    payload = dict(EVENT_JSON[StatusUpdate])
    del payload["type"]
    with pytest.raises(pydantic.ValidationError):
        pydantic.TypeAdapter(Event).validate_python(payload)


def test_status_update_status_is_normalized_enum() -> None:
    event = pydantic.TypeAdapter(Event).validate_json(json.dumps(EVENT_JSON[StatusUpdate]))
    assert isinstance(event, StatusUpdate)
    assert event.status is DeliveryStatus.DELIVERED


def test_event_occurred_at_defaults_to_aware_now() -> None:
    before = datetime.now(timezone.utc)
    event = StatusUpdate(channel="c", provider="p", provider_message_id="m", status=DeliveryStatus.SENT)
    assert event.occurred_at.tzinfo is not None
    assert before <= event.occurred_at <= datetime.now(timezone.utc)


# --- DeliveryStatus -------------------------------------------------------------------------

ORDER = {
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


def test_order_table_covers_every_status() -> None:
    assert set(ORDER) == set(DeliveryStatus)


@pytest.mark.parametrize(
    ("current", "new"), list(itertools.product(DeliveryStatus, repeat=2)), ids=lambda s: s.value
)
def test_advance_never_moves_backwards(current: DeliveryStatus, new: DeliveryStatus) -> None:
    after = current.advance(new)
    assert after in (current, new)
    assert ORDER[after] == max(ORDER[current], ORDER[new])
    if ORDER[new] > ORDER[current]:
        assert after is new
    else:
        assert after is current
    # Applying the same callback twice changes nothing more.
    assert after.advance(new) is after


@given(st.lists(st.sampled_from(DeliveryStatus), min_size=1), st.randoms(use_true_random=False))
def test_final_rank_does_not_depend_on_callback_order(callbacks: list[DeliveryStatus], rnd: Any) -> None:
    def fold(seq: list[DeliveryStatus]) -> DeliveryStatus:
        state = DeliveryStatus.QUEUED
        for s in seq:
            state = state.advance(s)
        return state

    shuffled = list(callbacks)
    rnd.shuffle(shuffled)
    assert ORDER[fold(callbacks)] == ORDER[fold(shuffled)] == max(ORDER[s] for s in callbacks)


def test_named_transitions() -> None:
    D = DeliveryStatus
    assert D.DELIVERED.advance(D.SENT) is D.DELIVERED  # late "sent" does not undo delivered
    assert D.DELIVERED.advance(D.QUEUED) is D.DELIVERED
    assert D.DELIVERED.advance(D.BOUNCED) is D.BOUNCED  # late bounce is news
    assert D.DELIVERED.advance(D.UNDELIVERED) is D.UNDELIVERED
    assert D.SENT.advance(D.DELIVERED) is D.DELIVERED
    assert D.READ.advance(D.DELIVERED) is D.READ
    assert D.FAILED.advance(D.SENT) is D.FAILED


def test_is_failure() -> None:
    failures = {s for s in DeliveryStatus if s.is_failure}
    assert failures == {
        DeliveryStatus.FAILED,
        DeliveryStatus.UNDELIVERED,
        DeliveryStatus.BOUNCED,
        DeliveryStatus.REJECTED,
    }


# --- SendResult -----------------------------------------------------------------------------


def test_send_result_ok_and_raise_for_error() -> None:
    ok = SendResult(channel="c", recipient="r", status=DeliveryStatus.SENT)
    assert ok.ok
    assert ok.raise_for_error() is ok
    err = ServerError("down", provider="p")
    bad = SendResult(channel="c", recipient="r", status=DeliveryStatus.FAILED, error=err)
    assert not bad.ok
    with pytest.raises(ServerError) as info:
        bad.raise_for_error()
    assert info.value is err


def test_send_result_failure_status_without_error_is_not_ok() -> None:
    assert not SendResult(channel="c", recipient="r", status=DeliveryStatus.BOUNCED).ok


# --- Conversation, Customer ---------------------------------------------------------------


def test_conversation_channels_in_order_of_first_use() -> None:
    tps = tuple(
        Touchpoint(channel=ch, kind="x", direction=Direction.INBOUND)
        for ch in ["sms", "email", "sms", "whatsapp", "email"]
    )
    conv = Conversation(customer_id="c", touchpoints=tps)
    assert conv.channels == ("sms", "email", "whatsapp")
    assert Conversation(customer_id="c").channels == ()
    assert conv.state is ConversationState.OPEN


def test_default_ids_are_unique_and_prefixed() -> None:
    a, b = Customer(), Customer()
    assert a.id != b.id
    assert a.id.startswith("cus_")
    assert Conversation(customer_id="c").id.startswith("conv_")
    assert Touchpoint(channel="c", kind="k", direction="inbound").id.startswith("tp_")


def test_customer_identifier_lookup() -> None:
    email1 = Identifier(kind=IdentifierKind.EMAIL, value="a@example.com")
    email2 = Identifier(kind=IdentifierKind.EMAIL, value="b@example.com")
    phone = Identifier(kind=IdentifierKind.PHONE, value="+14155550100")
    tg = Identifier(kind=IdentifierKind.HANDLE, value="telegram:ann", platform="telegram")
    ig = Identifier(kind=IdentifierKind.HANDLE, value="instagram:ann", platform="instagram")
    cus = Customer(identifiers=(email1, phone, email2, tg, ig))
    assert cus.identifier(IdentifierKind.EMAIL) is email1
    assert cus.identifier("email") is email1
    assert cus.identifier("phone") is phone
    assert cus.identifier("handle") is tg
    assert cus.identifier("handle", platform="instagram") is ig
    assert cus.identifier("handle", platform="slack") is None
    assert cus.identifier("external") is None
    with pytest.raises(ValueError, match="nope"):
        cus.identifier("nope")


def test_customer_identifier_lookup_after_json_roundtrip() -> None:
    cus = Customer(identifiers=(Identifier(kind="phone", value="+14155550100"),))
    again = Customer.model_validate_json(cus.model_dump_json())
    assert again.identifier("phone") == cus.identifiers[0]


def test_identifier_str_is_value() -> None:
    assert str(Identifier(kind="email", value="a@example.com", raw="A@Example.com")) == "a@example.com"


def test_attachment_size() -> None:
    assert Attachment(filename="a", data=b"12345").size == 5
    assert Attachment(filename="a", url="https://x.test/a").size is None
