"""Words in brackets or quotes in a full name are an aside: a nickname (Robert "Bob" Smith), a
maiden name (Jane (Doe) Smith), a note (John Smith (deceased)). Read as words of the name, a
note at the end became the last name: "John Smith (deceased)" was a John Deceased, whom the
household guard kept off John Smith's own phone."""

from __future__ import annotations

import pytest

from omnilink.identity import Resolver
from omnilink.identity._normalize import norm_name, split_full_name


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ('Robert "Bob" Smith', ("robert", "smith", "bob")),
        ("Robert (Bob) Smith", ("robert", "smith", "bob")),
        ("Robert 'Bob' Smith", ("robert", "smith", "bob")),
        ("María \u201cMajo\u201d García López", ("maria", "lopez", "garcia majo")),
        ("Smith, Robert (Bob)", ("robert", "smith", "bob")),
        ("JOHN SMITH (DECEASED)", ("john", "smith", "deceased")),
        ("Ann Lee [work]", ("ann", "lee", "work")),
        ("Jane (Doe) Smith", ("jane", "smith", "doe")),  # a maiden name: a surname she had
        ("Mr. Smith (old account)", (None, "smith", "old account")),
        ("Bob (Robert)", ("bob", None, "bob")),  # a first name alone: the aside is no surname
        ("(Bob)", ("bob", None, "bob")),  # nothing but the aside: read as written
        ("O'Brien, Seán", ("sean", "obrien", None)),  # an apostrophe in a word is no quote
        ("Seán O'Brien", ("sean", "obrien", None)),
    ],
)
def test_asides(text: str, parts: tuple[str | None, ...]) -> None:
    canon = norm_name(text)
    assert canon is not None
    assert split_full_name(canon, text) == parts


def test_a_note_after_the_name_is_not_the_surname_in_batch_and_online() -> None:
    rows = [
        {"id": "a", "name": "John Smith", "phone": "+1 415 555 2671", "email": "jsmith@example.net"},
        {"id": "b", "name": "JOHN SMITH (DECEASED)", "phone": "+1 415 555 2671"},
        {"id": "c", "name": 'Robert "Bob" Jones', "phone": "+1 202 555 0143"},
        {"id": "d", "name": "Bob Jones", "phone": "+1 202 555 0143"},
    ]
    r = Resolver(id_field="id", region="US")
    p = r.resolve(rows).profile_of
    assert p["a"] == p["b"]
    assert p["c"] == p["d"]
    assert p["a"] != p["c"]
    (last,) = [e for e in r.explain("a", "b").evidence if e.comparator == "last_name"]
    assert last.level == "exact"
    graph = r.graph()
    ids = [a.profile_id for a in graph.add_many(rows)]
    assert ids[0] == ids[1] != ids[2] == ids[3]


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        # letters after a name: in capitals, dotted, after a comma; Esq. in any case
        ("Jane Doe, CPA", ("jane", "doe", None)),  # had been the comma form: a Ms. Cpa
        ("Jane Doe, CPA, CFA", ("jane", "doe", None)),
        ("Jane Doe MBA", ("jane", "doe", None)),
        ("Jane Doe, M.B.A.", ("jane", "doe", None)),
        ("John Smith Esq.", ("john", "smith", None)),
        ("Jane Mba", ("jane", "mba", None)),  # a surname: no capitals, no comma
        ("Jane MBA", ("jane", "mba", None)),  # one word left: kept
        # ranks and German doctorates before a name
        ("Rev. John Smith", ("john", "smith", None)),
        ("Capt. Jack Sparrow", ("jack", "sparrow", None)),
        ("Col Smith", (None, "smith", None)),  # a rank, then a surname
        ("Ann Col", ("ann", "col", None)),  # a surname after a name
        ("Dr. med. Hans Müller", ("hans", "muller", None)),
        ("Dr. rer. nat. Eva Klein", ("eva", "klein", None)),
        # pronouns, and a company or a role after a bar or a dash
        ("Jane Doe (she/her)", ("jane", "doe", None)),
        ("Alex Kim [they/them]", ("alex", "kim", None)),
        ("Jane Doe | Acme", ("jane", "doe", None)),
        ("Jane Doe \u2013 Sales", ("jane", "doe", None)),
        ("Smith - Jones", ("smith", "jones", None)),  # a spaced hyphen: a surname, kept
    ],
)
def test_what_display_names_carry_besides_the_name(text: str, parts: tuple[str | None, ...]) -> None:
    """Slack and LinkedIn display names, signatures and CRM exports: "Jane Doe, CPA" had been
    the comma form (first name "cpa"), "Rev. John Smith" had the first name "rev", "(she/her)"
    and "| Acme" were middle or last names."""
    canon = norm_name(text)
    assert canon is not None
    assert split_full_name(canon, text) == parts
