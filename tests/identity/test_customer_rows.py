"""omnilink's own Customer as a row of the resolver and the online graph: its identifiers by
kind and its display name. As a plain pydantic model it gave one column, "identifiers", that no
field type reads: two Customers with one email were two people."""

from __future__ import annotations

from omnilink import Customer, Identifier
from omnilink.identity import Resolver
from omnilink.identity._normalize import customer_row

ANN = Customer(
    id="cus_ann",
    display_name="Ann Lee",
    identifiers=(Identifier.parse("ann.lee@gmail.com"), Identifier.parse("+1 415 555 2671", region="US")),
)
ANN_SHOP = Customer(
    id="cus_ann_shop",
    display_name="Ann",
    identifiers=(
        Identifier.parse("Ann.Lee+shop@gmail.com"),
        Identifier.parse("@annlee", platform="instagram"),
        Identifier.parse("cus_1", kind="external", platform="stripe"),
    ),
)
ANN_DM = Customer(id="cus_ann_dm", identifiers=(Identifier.parse("https://instagram.com/annlee"),))
BOB = Customer(id="cus_bob", display_name="Bob Stone", identifiers=(Identifier.parse("bob@stone.example"),))


def test_customer_row() -> None:
    assert customer_row(ANN_SHOP) == {
        "id": "cus_ann_shop",
        "name": "Ann",
        "email": ["annlee@gmail.com"],
        "handle": ["instagram:annlee"],
        "external_id": ["stripe:cus_1"],
    }
    assert customer_row(ANN_DM) == {"id": "cus_ann_dm", "handle": ["instagram:annlee"]}


def test_customers_resolve_by_their_identifiers_in_batch_and_online() -> None:
    rows: list[object] = [
        ANN,
        ANN_SHOP,
        ANN_DM,
        BOB,
        {"id": "crm-7", "email": "bob@stone.example", "name": "Bob Stone"},
    ]
    resolver = Resolver(region="US")
    result = resolver.resolve(rows)
    p = result.profile_of
    assert p["cus_ann"] == p["cus_ann_shop"] == p["cus_ann_dm"]
    assert p["cus_bob"] == p["crm-7"] != p["cus_ann"]
    assert not result.rejects
    reasons = {frozenset((link.a, link.b)): link.reason for link in result.links}
    assert reasons[frozenset(("cus_ann", "cus_ann_shop"))] == "email"
    assert reasons[frozenset(("cus_ann_shop", "cus_ann_dm"))] == "handle"
    (first,) = [
        e for e in resolver.explain("cus_ann", "cus_ann_shop").evidence if e.comparator == "first_name"
    ]
    assert first.level == "exact", "the display name is read as a full name"
    graph = resolver.graph()
    graph.add_many(rows)
    assert set(graph.clusters) == set(result.clusters)
