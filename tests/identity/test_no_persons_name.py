"""Name cells that name no one person: an e-mail address, a chat widget's "Visitor 4821", a
couple ("Mr and Mrs Smith", "Jane & John Doe"), a household ("The Smith Family"). Read as names, their words
made first and last names: "john.smith@gmail.com" had the last name "com", and "Mr and Mrs
Smith" the first name "and"."""

from __future__ import annotations

import pytest

from omnilink.exceptions import InvalidIdentifierError
from omnilink.identity import Resolver
from omnilink.identity._normalize import is_placeholder_name, name_and_generation, split_full_name


def _parts(text: str) -> tuple[str | None, str | None, str | None] | None:
    canon, _ = name_and_generation(text)
    return None if canon is None else split_full_name(canon, text)


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("John Smith <john.smith@gmail.com>", ("john", "smith", None)),
        ("Smith, John (js@example.net)", ("john", "smith", None)),
        ("Mr and Mrs Smith", (None, "smith", None)),
        ("Mr. & Mrs. Smith", (None, "smith", None)),
        ("Herr und Frau Müller", (None, "muller", None)),
        ("The Smith Family", (None, "smith", None)),
        ("Smith household", (None, "smith", None)),
        ("Familia García", (None, "garcia", None)),
        # Two people named: the record is their household's, with the surname they share.
        ("John & Jane Smith", (None, "smith", None)),
        ("John and Jane Smith", (None, "smith", None)),
        ("Marie et Pierre Dupont", (None, "dupont", None)),
        ("Jane and John Doe-Smith", (None, "smith", "doe")),
        ("Doe, Jane & John", (None, "doe", None)),
        ("Mr John and Mrs Jane Smith", (None, "smith", None)),
        ("Jane Doe and John Smith", None),  # two full names: no one person's
        ("Jane & John", None),
        ("Johnson & Johnson", None),
        # A couple addressed by one name is that name.
        ("Mr & Mrs John Smith", ("john", "smith", None)),
        # ... unless its first word is no first name: the household's compound surname.
        ("Dr. and Mrs. García López", (None, "lopez", "garcia")),
        # Other languages' couples: Spanish, Italian, Dutch "and" join two salutations or
        # two first names; French "M." is Monsieur before "et Mme".
        ("Sr. y Sra. Martínez", (None, "martinez", None)),
        ("Sr. y Sra. García López", (None, "lopez", "garcia")),
        ("Sig. e Sig.ra Rossi", (None, "rossi", None)),
        ("Dhr. en Mevr. Jansen", (None, "jansen", None)),
        ("M. et Mme Dupont", (None, "dupont", None)),
        ("Juan y María García", (None, "garcia", None)),
        ("Giulia e Marco Rossi", (None, "rossi", None)),
        ("Sig. Rossi", (None, "rossi", None)),
        ("Dhr. Jansen", (None, "jansen", None)),
        # ... and nowhere else: an initial, or a word of a compound surname.
        ("John E Smith", ("john", "smith", None)),
        ("John Y Smith", ("john", "smith", None)),
        ("John E Smith Jones", ("john", "jones", "smith")),
        ("José Ortega y Gasset", ("jose", "gasset", "ortega")),
        ("Ana Costa e Silva", ("ana", "silva", "costa")),
        ("M. Dupont", ("m", "dupont", None)),
        ("Sr. y Sra.", None),
        ("Herr und Frau", None),
        ("Mr and Mrs", None),
        # Unchanged: the words are dropped as words, not as parts of one.
        ("Anderson", ("anderson", None, "anderson")),
        ("Andy Anderson", ("andy", "anderson", None)),
        ("Christopher Guest", ("christopher", "guest", None)),
        ("@johnsmith", ("johnsmith", None, "johnsmith")),  # a handle, not an address
        ("Family", None),
    ],
)
def test_how_a_name_cell_is_read(text: str, parts: tuple[str | None, ...] | None) -> None:
    assert _parts(text) == parts


@pytest.mark.parametrize(
    "text", ["john.smith@gmail.com", " A.Lee@Example.co.uk ", "ann.smith@example.com, Jr."]
)
def test_an_address_alone_is_no_name(text: str) -> None:
    with pytest.raises(InvalidIdentifierError, match="map its column as an email field") as err:
        name_and_generation(text)
    assert err.value.reason == "an e-mail address, not a name"
    assert err.value.value == text


@pytest.mark.parametrize(
    ("canon", "placeholder"),
    [
        ("guest", True),
        ("visitor", True),  # "Visitor 4821": the digits are gone
        ("valued customer", True),
        ("test user", True),
        ("no name", True),
        ("anonymous", True),
        ("guest ann", False),
        ("anon", False),  # a slip of Anton, and not a widget's word
        ("chat", False),  # a slip of Chad: the widget's words count beside a placeholder only
        ("new contact", False),
        ("christopher guest", False),
        ("ann", False),
    ],
)
def test_placeholder_names(canon: str, placeholder: bool) -> None:
    assert is_placeholder_name(canon) is placeholder


_ROWS = [
    # Two visitors of a chat widget, writing from one company's support inbox.
    {"id": "v1", "name": "Visitor 4821", "email": "support@acme.com", "postcode": "02119", "country": "US"},
    {"id": "v2", "name": "Visitor 9377", "email": "support@acme.com", "postcode": "02119", "country": "US"},
    {"id": "c1", "name": "Mr and Mrs Smith", "phone": "+1 202 555 0143"},
    {"id": "c2", "name": "John Smith", "phone": "+1 202 555 0143"},
    {"id": "e1", "name": "ann.lee84@gmail.com", "email": "ann.lee84@gmail.com"},
    {"id": "e2", "name": "Ann Lee", "email": "ann.lee84@gmail.com"},
    {"id": "f1", "first_name": "Guest", "last_name": "Guest", "city": "Leeds"},
]


def test_batch_and_online_read_such_names_alike() -> None:
    r = Resolver(id_field="id", region="US")
    result = r.resolve(_ROWS)
    p = result.profile_of
    # The couple's record shares the household phone with its husband, who has the surname.
    assert p["c1"] == p["c2"]
    (last,) = [e for e in r.explain("c1", "c2").evidence if e.comparator == "last_name"]
    assert last.level == "exact"
    # The address in the name cell is reported, and the record is kept and linked by it.
    assert p["e1"] == p["e2"]
    (reject,) = result.rejects
    assert (reject.record_id, reject.field, reject.value) == ("e1", "name", "ann.lee84@gmail.com")
    assert reject.reason == "an e-mail address, not a name"
    # The visitors have no first name to agree on; before, "visitor" was one, and rare.
    ex = r.explain("v1", "v2")
    assert p["v1"] != p["v2"]
    assert "first_name" not in {e.comparator for e in ex.evidence if e.level != "missing"}
    # A last-name column's "Guest" may be a surname (Christopher Guest); a first name is not.
    (first, last) = [e for e in r.explain("f1", "c2").evidence if e.comparator in ("first_name", "last_name")]
    assert first.level == "missing"
    assert last.level != "missing"

    graph = r.graph()
    added = [graph.add(row) for row in _ROWS]
    assert set(graph.clusters) == set(result.clusters)
    assert [x.reason for a in added for x in a.rejects] == ["an e-mail address, not a name"]


def test_a_couples_first_names_are_no_first_name() -> None:
    # A first-name column's "Jane & John" names two people; a surname column's "Smith &
    # Jones" two families.
    assert name_and_generation("Jane & John") == (None, None)
    assert name_and_generation("Smith & Jones") == (None, None)


def test_a_couples_record_is_the_households_not_the_first_named_persons() -> None:
    # "Jane & John Doe" was read as Jane Doe with the middle word "john": it agreed with Jane's
    # first name, and it made the phone John's records share look shared by two people (john
    # and jane), so the phone stopped linking them on its own.
    phone = "+1 202 555 0143"
    rows = [
        {"id": "j1", "name": "Jane Doe", "email": "jane.doe@gmail.com"},
        {"id": "h1", "name": "John Doe", "phone": phone},
        {"id": "c1", "name": "Jane & John Doe", "phone": phone},
        {"id": "h2", "name": "J. Doe", "phone": phone, "email": "jd1970@yahoo.com"},
    ]
    r = Resolver(id_field="id", region="US")
    result = r.resolve(rows)
    first = {e.comparator: e for e in r.explain("c1", "j1").evidence}["first_name"]
    assert (first.level, first.value_a) == ("missing", None)
    assert r.explain("h1", "h2").deterministic == "phone"
    assert result.profile_of["h1"] == result.profile_of["h2"] != result.profile_of["j1"]
    graph = r.graph()
    for row in rows:
        graph.add(row)
    assert set(graph.clusters) == set(result.clusters)


def test_a_spanish_couples_record_is_the_households() -> None:
    # "Sr. y Sra. Martínez" had the first name "y" and the middle word "sra": its phone,
    # shared with Carlos's own records, then looked shared by two people (y, carlos).
    phone = "+34 611 482 907"
    rows = [
        {"id": "c1", "name": "Carlos Martínez", "phone": phone},
        {"id": "h1", "name": "Sr. y Sra. Martínez", "phone": phone},
        {"id": "c2", "name": "Carlos Martínez", "phone": phone, "email": "cmartinez@gmail.com"},
        {"id": "l1", "name": "Lucía Martínez", "email": "lucia.martinez@gmail.com"},
    ]
    r = Resolver(id_field="id", region="ES")
    result = r.resolve(rows)
    first = {e.comparator: e for e in r.explain("h1", "c1").evidence}["first_name"]
    assert (first.level, first.value_a) == ("missing", None)
    assert r.explain("c1", "c2").deterministic == "phone"
    assert result.profile_of["c1"] == result.profile_of["c2"] != result.profile_of["l1"]


def test_every_joining_word_is_looked_for() -> None:
    # _couple_words looks for the joining words with a chain of `in` (faster than a regex):
    # a word added to the sets and not to the chain would never join anyone.
    from omnilink.identity._normalize import _JOINING_WORDS, _SHORT_JOINING_WORDS, _couple_words

    for word in _JOINING_WORDS | _SHORT_JOINING_WORDS:
        assert _couple_words(f"Ana {word} Luis Vega") is not None, word
    assert _couple_words("Ana Luis Vega") is None
