"""IdentityGraph.lookup: whose profile holds this email, phone, handle or external id. What an
application asks when a message comes in, without adding a record for every message."""

from __future__ import annotations

from pathlib import Path

import pytest

from omnilink import Customer, Identifier, InboundMessage, Message
from omnilink.exceptions import InvalidIdentifierError
from omnilink.identity import IdentityGraph, Resolver

ROWS = [
    {"id": "ann", "name": "Ann Lee", "email": "ann.lee@gmail.com", "phone": "+1 415 555 2671"},
    {"id": "bob", "name": "Bob Stone", "phone": "+1 202 555 0143", "email": "support@acme.com"},
    {"id": "cy", "name": "Cy Stone", "phone": "+1 202 555 0143"},  # Bob's household phone
]
ZED = Customer(
    id="cus_zed",
    display_name="Zed Ray",
    identifiers=(
        Identifier.parse("cus_9", kind="external", platform="stripe"),
        Identifier.parse("@zed.ray", platform="instagram"),
    ),
)


def _graph() -> IdentityGraph:
    graph = Resolver(region="US").graph()  # untrained: its map comes from the first record
    for row in ROWS:
        graph.add(row)
    graph.add(ZED)
    return graph


@pytest.mark.parametrize(
    ("identifier", "kwargs", "holder"),
    [
        ("Ann.Lee+news@GMAIL.com", {}, "ann"),  # canonicalized as the records were
        ("(415) 555-2671", {}, "ann"),  # a national number, in the graph's region
        ("https://www.instagram.com/zed.ray/", {}, "cus_zed"),
        ("zed.ray", {"platform": "instagram"}, "cus_zed"),
        ("cus_9", {"kind": "external", "platform": "stripe"}, "cus_zed"),
    ],
)
def test_lookup_finds_the_profile_holding_an_identifier(
    identifier: str, kwargs: dict[str, str], holder: str
) -> None:
    graph = _graph()
    assert graph.lookup(identifier, **kwargs) == (graph.profile_of(holder),)


@pytest.mark.parametrize(
    "identifier",
    [
        "nobody@example.net",  # no record holds it
        "support@acme.com",  # a role mailbox identifies no one
        "+1 202 555 0143",  # the household's phone: whose, it does not say
    ],
)
def test_lookup_finds_nothing_for_what_identifies_no_one(identifier: str) -> None:
    assert _graph().lookup(identifier) == ()


def test_a_webhook_events_sender_is_looked_up_and_a_bad_text_is_an_error() -> None:
    graph = _graph()
    event = InboundMessage(
        channel="twilio-sms",
        provider="twilio",
        sender=Identifier.parse("+14155552671"),
        message=Message(text="Is my order on its way?"),
    )
    assert graph.lookup(event.sender) == (graph.profile_of("ann"),)
    with pytest.raises(InvalidIdentifierError):
        graph.lookup("not a phone", kind="phone")
    assert Resolver().graph().lookup("ann.lee@gmail.com") == (), "an empty graph holds nothing"


def test_lookup_follows_merges_unmerges_and_a_reload(tmp_path: Path) -> None:
    graph = _graph()
    graph.add(
        Customer(id="cus_ann", display_name="Ann Lee", identifiers=(Identifier.parse("t.me/ann_lee_84"),))
    )
    ann, ann_tg = graph.profile_of("ann"), graph.profile_of("cus_ann")
    assert ann != ann_tg
    # Her direct message, with her email and her Telegram handle, bridges the two profiles.
    bridge = graph.add(
        {"id": "dm", "name": "Ann Lee", "email": "ann.lee@gmail.com", "handle": "telegram:ann_lee_84"}
    )
    assert bridge.merge is not None
    survivor = bridge.profile_id
    assert graph.lookup("ann.lee@gmail.com") == graph.lookup("t.me/ann_lee_84") == (survivor,)
    graph.unmerge(bridge.merge)
    assert {graph.lookup("ann.lee@gmail.com")[0], graph.lookup("t.me/ann_lee_84")[0]} == {ann, ann_tg}
    path = tmp_path / "graph.pkl"
    graph.save(path)
    again = IdentityGraph.load(path)
    assert again.lookup("t.me/ann_lee_84") == graph.lookup("t.me/ann_lee_84")
