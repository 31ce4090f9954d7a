"""A shared phone links on its own only when the surnames do not differ (household phones)."""

from __future__ import annotations

from omnilink.identity import Resolver

FIELDS = {"first_name": "first_name", "last_name": "last_name", "phone": "phone", "email": "email"}


def test_a_household_phone_does_not_link_other_surnames() -> None:
    r = Resolver(fields=FIELDS, region="GB")
    rows = [
        {"id": "a", "last_name": "Smith", "phone": "07911 123456"},
        {"id": "b", "first_name": "Nicky", "last_name": "Jones", "phone": "+44 7911 123456"},
    ]
    res = r.resolve(rows)
    assert res.profile_of["a"] != res.profile_of["b"]
    assert r.explain("a", "b").deterministic is None


def test_a_phone_still_links_the_same_surname_or_a_mailbox_other_surnames() -> None:
    r = Resolver(fields=FIELDS, region="GB")
    rows = [
        {"id": "a", "last_name": "Smyth", "phone": "07911 123456"},  # a typo is not "different"
        {"id": "b", "first_name": "Nicky", "last_name": "Smith", "phone": "+44 7911 123456"},
        # A personal mailbox keeps linking across a surname change.
        {"id": "c", "first_name": "Jane", "last_name": "Doe", "email": "jane.x@gmail.com"},
        {"id": "d", "first_name": "Jane", "last_name": "Roe", "email": "jane.x@gmail.com"},
    ]
    res = r.resolve(rows)
    assert res.profile_of["a"] == res.profile_of["b"]
    assert res.profile_of["c"] == res.profile_of["d"]
