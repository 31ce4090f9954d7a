"""Which identifiers count as shared by several people, and when a shared one may link alone."""

from __future__ import annotations

import pytest

from omnilink.identity import Resolver
from omnilink.identity._engine import Engine, SharedTracker, names_compatible
from omnilink.identity._normalize import NormRecord

FIELDS = {
    "first_name": "first_name",
    "last_name": "last_name",
    "email": "email",
    "phone": "phone",
    "dob": "date",
}


def _records(rows: list[dict[str, str]]) -> list[NormRecord]:
    cfg = Resolver(fields=FIELDS, region="US")._config(rows)
    normalizer = Engine(cfg).normalizer()
    return [normalizer.normalize(r) for r in rows]


def _shared(firsts: list[str]) -> bool:
    rows = [{"id": str(k), "first_name": f, "email": "m.lang@web.de"} for k, f in enumerate(firsts)]
    weak: set[str] = set()
    tracker = SharedTracker(weak, shared_after=2)
    for rec in _records(rows):
        tracker.see(rec)
    return "m.lang@web.de" in weak


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ncik", "nicholas"),
        ("riiky", "richard"),
        ("wiolly", "william"),
        ("gbariel", "gabe"),
        ("bkll", "william"),
    ],
)
def test_a_typo_of_a_nickname_is_the_same_first_name(a: str, b: str) -> None:
    assert names_compatible(a, b)
    assert names_compatible(b, a)


@pytest.mark.parametrize(
    ("a", "b"), [("ben", "leon"), ("john", "jane"), ("natalie", "william"), ("ursula", "anna")]
)
def test_different_first_names_stay_different(a: str, b: str) -> None:
    assert not names_compatible(a, b)


def test_a_typo_and_a_nickname_of_one_name_do_not_make_an_inbox_shared() -> None:
    # "Mike" and "Michagl" are not alike, but both are Michael: one person, in any order.
    for order in (
        ["Mike", "Michagl", "Michael"],
        ["Michael", "Mike", "Michagl"],
        ["Mike", "Michael", "Michagl"],
    ):
        assert not _shared(order), order


def test_two_people_make_an_identifier_shared() -> None:
    assert _shared(["Leon", "Ben"])
    assert _shared(["Natalie", "William", "Will"])


def test_more_spellings_than_one_person_has_make_an_identifier_shared() -> None:
    many = [
        "Michael",
        "Mike",
        "Mikey",
        "Micky",
        "Mick",
        "Michal",
        "Micheal",
        "Mikel",
        "Mich",
        "Michae",
        "Mihael",
    ]
    many += ["Mickey", "Michaal"]
    assert len(many) > SharedTracker.MAX_SPELLINGS
    assert _shared(many)


def test_a_shared_phone_against_two_disagreements_does_not_link_alone() -> None:
    # A household: one record of the husband without a first name shares the wife's phone,
    # with another birth date and another inbox. Same surname, nothing else in common.
    rows = [
        {"id": "w1", "first_name": "Celine", "last_name": "Guerin", "email": "celine.guerin@gmail.com",
         "phone": "+33610056351", "dob": "2004-07-19"},
        {"id": "w2", "first_name": "Celine", "last_name": "Guerin", "email": "celine.guerin@gmail.com",
         "dob": "2004-07-19"},
        {"id": "h1", "last_name": "Guerin", "email": "guerin.s24@orange.fr", "phone": "+33610056351",
         "dob": "1972-04-11"},
    ]  # fmt: skip
    result = Resolver(id_field="id", fields=FIELDS, region="FR").resolve(rows)
    assert result.profile_of["w1"] == result.profile_of["w2"]
    assert result.profile_of["h1"] != result.profile_of["w1"]
    # One disagreement is not enough to refuse: the same phone and birth date, another inbox.
    rows[2] = {**rows[2], "dob": "2004-07-19"}
    result = Resolver(id_field="id", fields=FIELDS, region="FR").resolve(rows)
    assert result.profile_of["h1"] == result.profile_of["w1"]


def test_a_record_without_a_first_name_speaks_through_its_inbox() -> None:
    # Natalie's record has no first name, but her inbox says it: the phone she shares with
    # William is shared, and her record does not link to his through it.
    rows = [
        {"id": "w1", "first_name": "William", "last_name": "Anderson", "phone": "+442079460000"},
        {
            "id": "n1",
            "last_name": "Anderson",
            "email": "natalie.anderson@outlook.com",
            "phone": "+442079460000",
        },
    ]
    weak: set[str] = set()
    tracker = SharedTracker(weak, shared_after=2)
    for rec in _records(rows):
        tracker.see(rec)
    assert weak == {"+442079460000"}
    result = Resolver(id_field="id", fields=FIELDS, region="GB").resolve(rows)
    assert result.profile_of["w1"] != result.profile_of["n1"]
    # An inbox that does not open with a name says nothing: no first name to compare.
    rows[1] = {**rows[1], "email": "n.anderson@outlook.com"}
    weak.clear()
    tracker = SharedTracker(weak, shared_after=2)
    for rec in _records(rows):
        tracker.see(rec)
    assert weak == set()
