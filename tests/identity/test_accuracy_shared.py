"""Which identifiers count as shared by several people, and when a shared one may link alone."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omnilink.identity import Resolver
from omnilink.identity._engine import Engine, SharedTracker, _name_groups, names_compatible
from omnilink.identity._normalize import NormRecord, first_from_email

from ._data import contacts

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
        ("aav", "ava"),  # two letters swapped: one typo, as for longer names
        ("tmo", "thomas"),  # Tom with its last letters swapped
        ("mge", "megan"),
        ("kti", "christopher"),
        ("hjob", "robert"),  # Hob with a letter slipped in
        ("jimx", "james"),
    ],
)
def test_a_typo_of_a_nickname_is_the_same_first_name(a: str, b: str) -> None:
    assert names_compatible(a, b)
    assert names_compatible(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ben", "leon"),
        ("john", "jane"),
        ("natalie", "william"),
        ("ursula", "anna"),
        # Ina swapped is Ian, a John; but Ina is a name of her own, not a slip.
        ("ina", "john"),
        # Only a swap that keeps the initial makes a three-letter nickname: "nle" is not Len.
        ("nle", "leonard"),
        # A letter slipped into a three-letter nickname keeps its initial: "xjim" is not Jim.
        ("xjim", "james"),
        # ...and makes no name of its own: Abel is not an Abe (Abraham) with an extra letter.
        ("abel", "abraham"),
    ],
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
    # One disagreement is not enough to refuse: the same phone and birth date, another inbox
    # (one that does not name anybody).
    rows[2] = {**rows[2], "dob": "2004-07-19", "email": "guerin24@orange.fr"}
    result = Resolver(id_field="id", fields=FIELDS, region="FR").resolve(rows)
    assert result.profile_of["h1"] == result.profile_of["w1"]
    # The same record with an inbox of S. Guerin: the initial is not Celine's.
    rows[2] = {**rows[2], "email": "guerin.s24@orange.fr"}
    result = Resolver(id_field="id", fields=FIELDS, region="FR").resolve(rows)
    assert result.profile_of["h1"] != result.profile_of["w1"]


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
    # An inbox that names nobody says nothing: no first name to compare.
    rows[1] = {**rows[1], "email": "anderson77@outlook.com"}
    weak.clear()
    tracker = SharedTracker(weak, shared_after=2)
    for rec in _records(rows):
        tracker.see(rec)
    assert weak == set()
    # An initial next to the record's own surname is a first name to compare: N. is not William.
    rows[1] = {**rows[1], "email": "n.anderson@outlook.com"}
    weak.clear()
    tracker = SharedTracker(weak, shared_after=2)
    for rec in _records(rows):
        tracker.see(rec)
    assert weak == {"+442079460000"}


def _weak_after(rows: list[dict[str, str]]) -> set[str]:
    weak: set[str] = set()
    tracker = SharedTracker(weak, shared_after=2)
    for rec in _records(rows):
        tracker.see(rec)
    return weak


def test_an_inbox_that_spells_a_name_joins_the_names_it_fits() -> None:
    # Henry and Harold are different names, but both are a Harry: harry.anderson@ is one
    # person's inbox. Jem and Jimmie are two nicknames of James, which james.smith54@ spells.
    for firsts, email in (
        (["Henry", "Harold"], "harry.anderson@outlook.com"),
        (["Jem", "Jimmie"], "james.smith54@yahoo.com"),
        (["Jimmie", "Jem", "James"], "jamessmith@gmail.com"),  # run into the surname
    ):
        rows = [{"id": str(k), "first_name": f, "email": email} for k, f in enumerate(firsts)]
        assert _weak_after(rows) == set(), (firsts, email)
    # The same two names at an address that names nobody, or somebody else, are two people.
    for email in ("h.anderson@outlook.com", "susan.anderson@outlook.com"):
        rows = [{"id": str(k), "first_name": f, "email": email} for k, f in enumerate(["Henry", "Harold"])]
        assert _weak_after(rows) == {email}
    # A name the address fits joins only the names that fit it: Jem and Mary are two people.
    email = "james.smith54@yahoo.com"
    rows = [{"id": str(k), "first_name": f, "email": email} for k, f in enumerate(["Jem", "Mary"])]
    assert _weak_after(rows) == {email}


def test_a_first_name_run_into_the_surname_speaks_for_a_record_without_one() -> None:
    # Daniel Smith and a record with only the surname share a phone; the second one's inbox
    # is Isabella Patel's (with a stray dot), so the phone is shared and does not link them.
    rows = [
        {"id": "d1", "first_name": "Daniel", "last_name": "Smith", "phone": "+12133596077"},
        {"id": "i1", "last_name": "Smith", "email": "is.abellapatel@gmail.com", "phone": "+12133596077"},
    ]
    assert _weak_after(rows) == {"+12133596077"}
    result = Resolver(id_field="id", fields=FIELDS, region="US").resolve(rows)
    assert result.profile_of["d1"] != result.profile_of["i1"]
    # Too short a name, too few letters after it, or the record's own surname: no first name.
    for email, last in (
        ("thomasg@gmail.com", "Green"),
        ("jameson77@gmail.com", "Smith"),
        ("jamesonfamily@gmail.com", "Jameson"),  # the Jamesons, not a James
    ):
        rows[1] = {**rows[1], "last_name": last, "email": email}
        assert _weak_after(rows) == set(), email


@pytest.mark.parametrize(
    ("email", "last", "first"),
    [
        ("lschmidt@gmx.de", "schmidt", "l"),
        ("schmidt.l@gmx.de", "schmidt", "l"),
        ("lucas.richot@orange.fr", "richot", "lucas"),  # a known first name is kept whole
        ("jurgenfuchs@web.de", "fuchs", "j"),  # an unknown one as its initial
        ("smithd9408@gmail.com", "smith", "d"),
        ("van.dijk.m@ziggo.nl", "van dijk", "m"),
        ("anderson77@outlook.com", "anderson", None),  # nothing next to the surname
        ("thesmiths@aol.com", "smiths", None),  # not a first name
        ("jsmith@aol.com", "jones", None),  # not the record's surname
        ("li.w@qq.com", "li", None),  # too short a surname to anchor on
    ],
)
def test_a_first_name_is_read_next_to_the_surname_in_the_inbox(
    email: str, last: str, first: str | None
) -> None:
    assert first_from_email([email], last) == first


def test_a_record_with_a_first_name_keeps_it() -> None:
    rec = _records([{"id": "1", "first_name": "Anna", "last_name": "Schmidt", "email": "lschmidt@gmx.de"}])[0]
    assert rec.first == "anna"
    rec = _records([{"id": "1", "last_name": "Schmidt", "email": "lschmidt@gmx.de"}])[0]
    assert rec.first == "l"


PHONE = "+16178638161"


def _household() -> list[dict[str, str]]:
    # A family phone: Anthony and Maria Young both give it; Anthony gives it twice.
    rows = [
        {"id": "a1", "first_name": "Anthony", "last_name": "Young", "phone": PHONE, "dob": "1972-08-27"},
        {"id": "m1", "first_name": "Maria", "last_name": "Young", "phone": PHONE, "dob": "1975-03-02"},
        {"id": "m2", "first_name": "Maria", "last_name": "Young", "email": "maria.young@gmail.com"},
        {"id": "a2", "first_name": "Anthony", "last_name": "Young", "phone": PHONE},
    ]  # fmt: skip
    return [{**r, "country": "US"} for r in rows]


@pytest.fixture(scope="module")
def trained() -> Resolver:
    """A resolver whose weights were trained on generated contacts, as in a real run."""
    return Resolver(id_field="id", region="US", region_field="country").fit(contacts(3000, seed=5))


def test_a_shared_phone_is_personal_again_between_records_of_one_first_name(trained: Resolver) -> None:
    result = trained.resolve(_household())
    assert result.profile_of["a1"] == result.profile_of["a2"]
    assert result.profile_of["a1"] != result.profile_of["m1"]
    ex = trained.explain("a1", "a2")
    assert ex.guards  # the phone is still shared...
    phone = next(e for e in ex.evidence if e.comparator == "phone")
    assert phone.level == "exact-guarded"
    assert phone.weight > 1.0  # ...but between two Anthonys it weighs more than guarded_max
    assert ex.total == pytest.approx(ex.prior + sum(e.weight for e in ex.evidence))
    other = next(e for e in trained.explain("a1", "m1").evidence if e.comparator == "phone")
    assert other.level == "exact-guarded"
    assert other.weight <= 1.0  # between Anthony and Maria it stays capped


def test_the_graph_links_what_the_batch_links_through_a_shared_phone(trained: Resolver) -> None:
    rows = _household()
    batch = trained.resolve(rows)
    graph = trained.graph()
    for row in rows:
        graph.add(row)
    ids = [r["id"] for r in rows]
    for x in ids:
        for y in ids:
            same_batch = batch.profile_of[x] == batch.profile_of[y]
            assert (graph.profile_of(x) == graph.profile_of(y)) == same_batch


def test_a_shared_phone_is_personal_again_between_records_of_one_birth_date(trained: Resolver) -> None:
    # "Tam" is a slip for Thomas: the first names differ, and the phone is shared with Maria,
    # but the birth date is Thomas's. Maria, born another day, stays apart.
    rows = [
        {"id": "t1", "first_name": "Thomas", "last_name": "Hartfield", "phone": PHONE, "dob": "1960-04-04"},
        {"id": "t2", "first_name": "Tam", "last_name": "Hartfield", "phone": PHONE, "dob": "04/04/1960"},
        {"id": "m1", "first_name": "Maria", "last_name": "Hartfield", "phone": PHONE, "dob": "1963-11-20"},
    ]  # fmt: skip
    result = trained.resolve([{**r, "country": "US"} for r in rows])
    assert result.profile_of["t1"] == result.profile_of["t2"]
    assert result.profile_of["t1"] != result.profile_of["m1"]
    ex = trained.explain("t1", "t2")
    phone = next(e for e in ex.evidence if e.comparator == "phone")
    assert phone.level == "exact-guarded"
    assert phone.weight > 1.0
    assert ex.total == pytest.approx(ex.prior + sum(e.weight for e in ex.evidence))


def _johnsons(first_b: str | None) -> list[dict[str, str]]:
    # One household: a phone and a postcode, two people born on different days. The second
    # record has no first name, so nothing but the birth date tells them apart.
    a = {
        "id": "w",
        "first_name": "William",
        "last_name": "Johnson",
        "phone": "+447973791677",
        "dob": "1985-07-05",
        "city": "London",
        "postcode": "N1 7CY",
        "country": "GB",
    }
    b = {
        "id": "j",
        "last_name": "Johnson",
        "email": "jamestaylor@gmail.com",
        "phone": "+44 7973 791677",
        "dob": "1986-07-06",
        "city": "London",
        "postcode": "n17cy",
        "country": "GB",
    }
    if first_b:
        b["first_name"] = first_b
    return [a, b]  # fmt: skip


def test_a_place_adds_little_to_a_shared_phone_between_household_members(trained: Resolver) -> None:
    result = trained.resolve(_johnsons(None))
    assert result.profile_of["w"] != result.profile_of["j"]
    ex = trained.explain("w", "j")
    postcode = next(e for e in ex.evidence if e.comparator == "postcode")
    assert postcode.level == "exact"
    assert postcode.weight <= 1.0  # household_location_max
    assert ex.total == pytest.approx(ex.prior + sum(e.weight for e in ex.evidence))
    assert ex.total < ex.threshold


def test_a_place_weighs_in_full_between_records_of_one_first_name(trained: Resolver) -> None:
    ex = trained.explain(*_johnsons("William"))
    postcode = next(e for e in ex.evidence if e.comparator == "postcode")
    assert postcode.weight > 5.0
    assert ex.total == pytest.approx(ex.prior + sum(e.weight for e in ex.evidence))
    assert ex.total >= ex.threshold


def test_a_couple_sharing_an_inbox_a_phone_and_an_address_stays_two_people(trained: Resolver) -> None:
    # Two shared values of two kinds in common look like one person with a garbled first name
    # ("Dn White" at Daniel's inbox and phone), but just as much like a couple who give the
    # family inbox and the landline: the first names decide, and they differ.
    family = {
        "last_name": "Smith",
        "email": "smithfamily@gmail.com",
        "phone": "+1 617 555 0142",
        "city": "Boston",
        "postcode": "02135",
        "country": "US",
    }
    rows = [{"id": "john", "first_name": "John", **family}, {"id": "mary", "first_name": "Mary", **family}]
    result = trained.resolve(rows)
    assert result.profile_of["john"] != result.profile_of["mary"]
    ex = trained.explain("john", "mary")
    assert {e.comparator: e.level for e in ex.evidence}["email"] == "exact-guarded"
    assert ex.total < ex.threshold
    graph = trained.graph()
    assert graph.add(rows[0]) != graph.add(rows[1])


# -- properties of the name rules ------------------------------------------------------------

_POOL = sorted(
    {"robert", "bob", "hob", "rob", "william", "bill", "will", "james", "jem", "jim", "jimmie", "abe", "abel"}
    | {"abraham", "harry", "henry", "harold", "thomas", "tom", "megan", "meg", "ben", "len", "leon", "anna"}
)


@st.composite
def _first_names(draw: st.DrawFn) -> str:
    """A name from the pool, sometimes garbled the way the data garbles them."""
    name = draw(st.sampled_from(_POOL))
    edit = draw(st.sampled_from(["none", "insert", "delete", "swap"]))
    i = draw(st.integers(min_value=1, max_value=max(1, len(name) - 1)))
    if edit == "insert":
        return name[:i] + draw(st.sampled_from("aejkoxz")) + name[i:]
    if edit == "delete" and len(name) > 2:
        return name[:i] + name[i + 1 :]
    if edit == "swap" and i < len(name) - 1:
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    return name


@given(_first_names(), _first_names())
@settings(max_examples=300, deadline=None)
def test_first_name_compatibility_is_symmetric(a: str, b: str) -> None:
    assert names_compatible(a, b) == names_compatible(b, a)
    assert names_compatible(a, a)


@given(
    st.lists(
        st.tuples(_first_names(), st.sampled_from([None, "james", "tom", "thomas", "bob"])),
        min_size=1,
        max_size=6,
        unique_by=lambda e: e[0],
    ),
    st.sampled_from([None, *_POOL]),
    st.randoms(),
)
@settings(max_examples=200, deadline=None)
def test_name_groups_do_not_depend_on_the_order_of_the_names(
    pairs: list[tuple[str, str | None]], owner: str | None, rnd: Any
) -> None:
    # (hint, first, last, middle): swaps meet, and a lone name is a one-word full name's
    names = [(first, first, last, None if last else first) for first, last in pairs]
    shuffled = list(names)
    rnd.shuffle(shuffled)
    groups = _name_groups(names, owner)
    assert groups == _name_groups(shuffled, owner)
    # The owner's name only ever joins groups: never more than without it, never fewer than one.
    assert 1 <= groups <= _name_groups(names)


# Names that meet in traps: a bridge arriving last (Jem, Jimmie, James), two names one inbox
# spells (Henry, Harold at harry.anderson@), nameless records whose inbox names them.
_NAME_SETS: list[list[str | None]] = [
    ["jem", "jimmie", "james"],
    ["henry", "harold", "harry"],
    ["mike", "michagl", "michael", "mick"],
    [None, "emma", "isabella", "natalie"],
    ["tom", "tmo", "thomas", "ava", "aav"],
    ["wang", "wei", "li"],  # with the surnames below: one name in both orders
]
_POOL_VALUES = [
    "harry.anderson@x.com",
    "james.smith54@x.com",
    "isabellapatel@x.com",
    "natalie.anderson@x.com",
    "anderson77@x.com",
    "info@x.com",
    "+14155552671",
    "+14155552672",
    "x:jdoe",
    "instagram:jdoe",
]


@st.composite
def _tracked_records(draw: st.DrawFn) -> list[NormRecord]:
    # A few values and names per example, so that records meet at a value with names in
    # every order (Jem, Jimmie, then James; Henry and Harold at harry.anderson@).
    values_pool = draw(st.lists(st.sampled_from(_POOL_VALUES), min_size=1, max_size=3, unique=True))
    names_pool = draw(st.sampled_from(_NAME_SETS)) + draw(
        st.lists(st.sampled_from(_NAME_SETS[3]), max_size=2)
    )
    out = []
    for k in range(draw(st.integers(1, 30))):
        values = draw(st.lists(st.sampled_from(values_pool), min_size=1, max_size=2, unique=True))
        first = draw(st.sampled_from(names_pool))
        last = draw(st.sampled_from([None, "", "anderson", "patel", "smith", "wang", "wei", "li"]))
        out.append(
            NormRecord(
                k,
                str(k),
                emails=tuple(v for v in values if "@" in v),
                phones=tuple(v for v in values if v.startswith("+")),
                handles=tuple(v for v in values if ":" in v),
                first=first,
                last=last,
                # A one-word full name ("Li"): its word may be a surname (lone_surname).
                middle=first if not last and draw(st.booleans()) else None,
            )
        )
    return out


@settings(max_examples=300, deadline=None)
@given(
    records=_tracked_records(),
    weak=st.sets(st.sampled_from(_POOL_VALUES), max_size=2),
    shared_after=st.integers(2, 3),
)
def test_shared_values_from_the_table_are_the_trackers(
    records: list[NormRecord], weak: set[str], shared_after: int
) -> None:
    """The batch path reads shared values off the table's columns (``shared_values``); record by
    record, the tracker decides each value as its names arrive (in order: Jem and Jimmie make
    a phone shared before a James could join them). The same values either way."""
    from omnilink.identity._engine import shared_values
    from omnilink.identity._table import RecordTable

    tracker = SharedTracker(set(weak), shared_after)
    for rec in records:
        tracker.see(rec)
    want = sorted(tracker.weak - weak)
    assert sorted(shared_values(RecordTable(records), weak, shared_after)) == want


def test_shared_values_follow_the_order_names_arrive() -> None:
    from omnilink.identity._engine import shared_values
    from omnilink.identity._table import RecordTable

    def run(firsts: Sequence[str | None], value: str = "+14155552671", last: str | None = None) -> list[str]:
        phones = (value,) if value.startswith("+") else ()
        emails = (value,) if "@" in value else ()
        recs = [NormRecord(k, str(k), emails, phones, first=f, last=last) for k, f in enumerate(firsts)]
        return shared_values(RecordTable(recs), set(), 2)

    assert run(["jem", "jimmie", "james"]) == ["+14155552671"]  # shared before James bridges them
    assert run(["jem", "james", "jimmie"]) == []  # one person throughout
    assert run(["henry", "harold"], "harry.anderson@x.com") == []  # both a Harry
    assert run(["henry", "harold"]) == ["+14155552671"]
    assert run([None, None, "emma"], "isabellapatel@x.com", last="patel") == ["isabellapatel@x.com"]
    assert run(["mike"] * 3) == []
    spellings = [f"name{chr(97 + k)}" for k in range(SharedTracker.MAX_SPELLINGS + 1)]  # one person's
    assert run(spellings[:-1]) == []
    assert run(spellings) == ["+14155552671"]  # more spellings than a person has: a role inbox


def test_one_name_in_both_orders_is_one_person() -> None:
    """Wang Wei and Wei Wang at one inbox and phone: family name first in one record, given name
    first in the others. The inbox and the phone were taken as shared by two people ("wang" and
    "wei") and the name guard refused them, so one person was three profiles."""
    from .conftest import make_people

    rows: list[dict[str, Any]] = list(make_people(300, seed=3)[0])
    rows += [
        {
            "id": "w1",
            "first_name": "Wang",
            "last_name": "Wei",
            "email": "wangwei.sh@163.com",
            "phone": "+86 138 0013 8000",
        },
        {"id": "w2", "first_name": "Wei", "last_name": "Wang", "email": "wangwei.sh@163.com"},
        {"id": "w3", "first_name": "Wei", "last_name": "Wang", "phone": "+86 138 0013 8000"},
        # Two people whose names share a word, at one family phone: still two.
        {"id": "h1", "first_name": "Li", "last_name": "Wei", "phone": "+86 139 0013 9000"},
        {"id": "h2", "first_name": "Wei", "last_name": "Zhang", "phone": "+86 139 0013 9000"},
    ]
    resolver = Resolver(region="US")
    result = resolver.resolve(rows)
    p = result.profile_of
    assert p["w1"] == p["w2"] == p["w3"]
    assert p["h1"] != p["h2"]
    why = resolver.explain("w1", "w2")
    assert why.deterministic == "email"
    assert not why.guards
    graph = resolver.graph()
    graph.add_many(rows)
    assert sorted(map(sorted, graph.clusters)) == sorted(map(sorted, result.clusters))


@pytest.mark.parametrize(
    ("a", "b", "swapped"),
    [
        (("wang", "wei"), ("wei", "wang"), True),
        (("wei", "wei"), ("wei", "wei"), False),  # the same both ways: nothing swapped
        (("wang", "wei"), ("wang", "wei"), False),
        (("wang", None), (None, "wang"), False),
        (("li", "wei"), ("wei", "zhang"), False),
    ],
)
def test_names_swapped(
    a: tuple[str | None, str | None], b: tuple[str | None, str | None], swapped: bool
) -> None:
    from omnilink.identity._engine import names_swapped

    assert names_swapped(*a, *b) is swapped
    assert names_swapped(*b, *a) is swapped


@pytest.mark.parametrize(
    ("a", "b", "swapped"),
    [
        (("garcia", "maria", "lopez"), ("maria", "lopez", "garcia"), True),  # García López María
        (("wang", "ming", "xiao"), ("xiaoming", "wang", None), True),  # Wang Xiao Ming, Xiaoming Wang
        (("nguyen", "mai", "thi"), ("mai", "nguyen", None), True),  # the two-word rule already
        (("garcia", "ana", "lopez"), ("jose", "lopez", "garcia"), False),  # her brother José
        (("jose", "garcia", "maria"), ("maria", "lopez", "garcia"), False),  # José María García
        (("wang", "ming", "xiao"), ("ming", "li", None), False),  # another family name
    ],
)
def test_names_swapped_in_full_names_of_three_words(
    a: tuple[str, str, str | None], b: tuple[str, str, str | None], swapped: bool
) -> None:
    """A surname-first full name of three words had been no swap: its first word is the other's
    surname only among that name's middle words, or its given name is written in two words."""
    from omnilink.identity._engine import names_swapped

    (fa, la, ma), (fb, lb, mb) = a, b
    assert names_swapped(fa, la, fb, lb, ma, mb) is swapped
    assert names_swapped(fb, lb, fa, la, mb, ma) is swapped


def test_a_surname_first_full_name_keeps_its_inbox_and_phone() -> None:
    """ "García López María" (a form that asks the surnames first) and "María García López" at
    one inbox and phone: two name groups to the shared-value rule, so the inbox and the phone
    became shared, and the name guard refused the link."""
    from .conftest import make_people

    rows: list[dict[str, Any]] = list(make_people(300, seed=5)[0])
    rows += [
        {"id": "m1", "name": "García López María", "email": "mgarcial@correo.es", "phone": "+34 655 917 203"},
        {"id": "m2", "name": "María García López", "email": "mgarcial@correo.es"},
        {"id": "m3", "name": "María García López", "phone": "+34 655 917 203"},
        {"id": "x1", "name": "Wang Xiao Ming", "email": "xmwang@163.com"},
        {"id": "x2", "name": "Xiaoming Wang", "email": "xmwang@163.com"},
    ]
    resolver = Resolver(region="US")
    result = resolver.resolve(rows)
    p = result.profile_of
    assert p["m1"] == p["m2"] == p["m3"]
    assert p["x1"] == p["x2"]
    for pair in (("m1", "m2"), ("m1", "m3"), ("x1", "x2")):
        why = resolver.explain(*pair)
        assert why.deterministic in ("email", "phone"), pair
        assert not why.guards, pair
    graph = resolver.graph()
    graph.add_many(rows)
    assert sorted(map(sorted, graph.clusters)) == sorted(map(sorted, result.clusters))
