"""An email cell that holds several addresses, as exports write a multi-valued field ("a@x.com;
b@y.com"): each address is read on its own. The whole cell had been one invalid address, so the
record lost both."""

from __future__ import annotations

import pytest

from omnilink.identity import Resolver
from omnilink.identity._normalize import addresses


@pytest.mark.parametrize(
    ("cell", "parts"),
    [
        ("ann@x.com; bob@y.com", ["ann@x.com", "bob@y.com"]),
        ("ann@x.com,bob@y.com", ["ann@x.com", "bob@y.com"]),
        ("ann@x.com / bob@y.com", ["ann@x.com", "bob@y.com"]),
        ("ann@x.com | bob@y.com", ["ann@x.com", "bob@y.com"]),
        ("Ann Lee <ann@x.com>, Bob <bob@y.com>", ["<ann@x.com>", "<bob@y.com>"]),
    ],
)
def test_addresses(cell: str, parts: list[str]) -> None:
    assert addresses(cell) == parts


_ROWS = [
    {"id": "both", "name": "Ann Lee", "email": "ann.lee@gmail.com; a.lee@acme-corp.com"},
    {"id": "home", "name": "Ann Lee", "email": "ann.lee@gmail.com"},
    {"id": "work", "name": "A. Lee", "email": "A.Lee@acme-corp.com", "phone": "+1 415 555 2671"},
    {"id": "bad", "name": "Bob Stone", "email": "bob.stone@gmail.com, bob@@stone"},
    {"id": "bob", "name": "Bob Stone", "email": "bob.stone@gmail.com"},
]


def test_each_address_of_a_cell_links_in_batch_and_online() -> None:
    r = Resolver(id_field="id", region="US")
    result = r.resolve(_ROWS)
    p = result.profile_of
    assert p["both"] == p["home"] == p["work"]
    assert p["bad"] == p["bob"]  # its good address still counts
    (reject,) = result.rejects  # and the bad one is reported on its own
    assert (reject.record_id, reject.field, reject.value) == ("bad", "email", "bob@@stone")
    graph = r.graph()
    ids = {a.record_id: a.profile_id for a in graph.add_many(_ROWS)}
    assert ids["both"] == ids["home"] == ids["work"]
    assert ids["bad"] == ids["bob"]
    assert len({ids["both"], ids["bob"]}) == 2
