"""A big mail provider's domain mistyped in a sign-up form (gmial.com, gmail.con, hotmal.com):
nobody but a squatter gets mail there, so the address is the person's own at the provider.
It had been another mailbox, whose local part (dots kept off gmail) was only "similar", and
with a name-made local part no evidence at all."""

from __future__ import annotations

import pytest

from omnilink.exceptions import InvalidIdentifierError
from omnilink.identity import Resolver
from omnilink.identity._normalize import mail_domain_typo, with_provider_tld, with_the_at


@pytest.mark.parametrize(
    ("domain", "provider"),
    [
        ("gmial.com", "gmail.com"),  # two letters swapped
        ("gmail.con", "gmail.com"),  # one changed
        ("gmai.com", "gmail.com"),  # one dropped
        ("gmaill.com", "gmail.com"),  # one added
        ("gmail.co", "gmail.com"),
        ("hotmal.com", "hotmail.com"),
        ("yahooo.com", "yahoo.com"),
        ("outlok.com", "outlook.com"),
        ("btinternet.co", "btinternet.com"),
        ("gmail.com", None),  # the provider itself
        ("mail.com", None),  # real domains one keystroke from a provider
        ("ymail.com", None),
        ("email.com", None),
        ("cloud.com", None),
        ("hotmail.co", None),  # hotmail.com, or hotmail.co.uk cut short: can't tell
        ("hotmail.fe", None),  # as near hotmail.fr as hotmail.de
        ("aol.co", None),  # short domains have too many real neighbours
        ("acme-corp.com", None),
    ],
)
def test_a_mistyped_provider_domain(domain: str, provider: str | None) -> None:
    assert mail_domain_typo(domain) == provider


ROWS = [
    {"id": "a", "name": "John Smith", "email": "john.smith@gmail.com", "city": "Denver"},
    {"id": "b", "name": "John Smith", "email": "John.Smith+shop@gmial.com", "phone": "+1 303 555 0187"},
    {"id": "c", "name": "Mary Jones", "email": "mary.jones@yahoo.com"},
    {"id": "d", "name": "Mary Jones", "email": "maryjones@yaho.com"},  # yahoo keeps dots: another box
    {"id": "e", "name": "Ray Cole", "email": "test@gmial.com"},  # a placeholder, typo or not
    {"id": "f", "name": "Ann Cole", "email": "test@gmail.com"},
]


def test_the_mistyped_address_is_the_persons_own() -> None:
    resolver = Resolver(region="US")
    result = resolver.resolve(ROWS)
    p = result.profile_of
    assert p["a"] == p["b"]
    why = resolver.explain("a", "b")
    assert why.deterministic == "email"
    email = next(e for e in why.evidence if e.comparator == "email")
    assert (email.value_b, email.level) == ("johnsmith@gmail.com", "exact")  # gmail's rules too
    # yaho.com is yahoo.com, whose addresses keep their dots: mary.jones and maryjones differ.
    assert next(e for e in resolver.explain("c", "d").evidence if e.comparator == "email").value_b == (
        "maryjones@yahoo.com"
    )
    assert p["e"] != p["f"]  # test@ stays a placeholder once its domain is read


def test_lookup_reads_a_mistyped_domain_as_the_records_were_read() -> None:
    graph = Resolver(region="US").graph()
    graph.add_many(ROWS)
    pid = graph.profile_of("a")
    assert graph.lookup("john.smith@gmial.com") == (pid,)
    assert graph.lookup("johnsmith@gmail.com") == (pid,)
    assert graph.lookup("test@gmial.com") == ()


@pytest.mark.parametrize(
    ("text", "completed"),
    [
        ("john@gmail", "john@gmail.com"),  # the TLD left off, as forms get it
        ("John@GMail", "John@gmail.com"),
        ("ann@icloud", "ann@icloud.com"),
        ("ann@googlemail", "ann@googlemail.com"),
        ("ann@orange", "ann@orange.fr"),
        ("ann@hotmail", None),  # hotmail.com, .co.uk, .fr...: can't tell
        ("ann@yahoo", None),
        ("ann@protonmail", None),  # .com or .ch
        ("ann@acme", None),  # no provider's name
        ("ann@gmail.com", None),  # a whole domain: nothing to add
        ("@gmail", None),
        ("gmail", None),
    ],
)
def test_a_providers_name_without_the_rest_of_its_domain(text: str, completed: str | None) -> None:
    assert with_provider_tld(text) == completed


@pytest.mark.parametrize(
    ("text", "completed"),
    [
        ("lewiswyahoo.com", "lewisw@yahoo.com"),  # the @ left out
        ("LILY11HOTMAIL.CO.UK", "LILY11@HOTMAIL.CO.UK"),
        ("jane.smith.gmail.com", "jane.smith@gmail.com"),  # a dot typed for it
        ("jorgemartin.ezgmail.com", "jorgemartin.ez@gmail.com"),
        (" annlee@orange.fr ", None),  # an @ already: nothing to add
        ("gmail.com", None),  # no one's address
        ("janehome.com", None),  # not a big provider's domain: a site, or janeho@me.com?
        ("jane smith gmail.com", None),
        ("jane", None),
    ],
)
def test_an_address_without_its_at_before_a_providers_domain(text: str, completed: str | None) -> None:
    assert with_the_at(text) == completed


@pytest.mark.parametrize(
    ("region", "written", "address", "other", "phone"),
    [
        # "john.smith@gmail" had no dot in its domain; at a provider with one domain of that
        # name, the address is not in doubt ("ann@hotmail": .com, .co.uk or .fr?).
        ("US", "john.smith@gmail", "johnsmith@gmail.com", "ann@hotmail", "+1 303 555 0187"),
        # "lily11hotmail.co.uk" had no @ (the contact benchmark's generator writes 1 in 600
        # addresses so); "annleehome.com" is at no big provider: a site, or annleeho@me.com?
        ("GB", "lily11hotmail.co.uk", "lily11@hotmail.co.uk", "annleehome.com", "+44 7975 169346"),
    ],
)
def test_an_address_completed_is_the_persons_own_in_batch_online_and_lookup(
    region: str, written: str, address: str, other: str, phone: str
) -> None:
    """Each had been a reject, so its record lost its strongest evidence."""
    rows = [
        {"id": "a", "name": "John Smith", "email": written},
        {"id": "b", "name": "John Smith", "email": address, "phone": phone},
        {"id": "c", "name": "Ann Lee", "email": other},  # still a reject
    ]
    resolver = Resolver(region=region)
    result = resolver.resolve(rows)
    assert result.profile_of["a"] == result.profile_of["b"]
    assert [(r.record_id, r.field) for r in result.rejects] == [("c", "email")]
    assert resolver.explain("a", "b").deterministic == "email"
    graph = resolver.graph()
    graph.add_many(rows)
    assert graph.profile_of("a") == graph.profile_of("b")
    assert graph.lookup(written) == (graph.profile_of("a"),)
    with pytest.raises(InvalidIdentifierError):
        graph.lookup(other)
