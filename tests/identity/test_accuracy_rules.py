"""Accuracy rules: each test is a small hand-made case that fails without its rule."""

from __future__ import annotations

from typing import Any

from omnilink.identity._comparators import NULL, Comparator, DateComparator, EmailComparator, EmailSet
from omnilink.identity._normalize import norm_name


def level(comp: Comparator, a: Any, b: Any) -> str:
    got = comp.compare(a, b)
    return "null" if got == NULL else comp.levels[got]


def test_local_part_that_only_spells_the_name_is_no_evidence() -> None:
    # Two different Finn Schneiders: finn.schneider@ and finnschneider@ only repeat the name.
    c = EmailComparator(set())
    a = EmailSet.of(("finn.schneider@web.de",), "finn", "schneider")
    b = EmailSet.of(("finnschneider@gmail.com",), "finn", "schneider")
    assert level(c, a, b) == "null"
    # Initial + surname, and transliterated umlauts (müller -> mueller) count as the name too.
    a = EmailSet.of(("lmartin@orange.fr",), "louis", "martin")
    b = EmailSet.of(("lmartin1155@gmail.com",), "louis", "martin")
    assert level(c, a, b) == "null"
    a = EmailSet.of(("finn_mueller@t-online.de",), "finn", "muller")
    b = EmailSet.of(("finn.mueller@gmx.de",), "finn", "muller")
    assert level(c, a, b) == "null"
    # A typo in one record's name does not hide that the local part is the (other) name.
    a = EmailSet.of(("wolfgang.schmidt87@web.de",), "wolfhang", "schmidt")
    b = EmailSet.of(("wolfgang_schmidt@outlook.de",), "wolfgang", "schmidt")
    assert level(c, a, b) == "null"


def test_local_part_with_something_of_its_own_still_counts() -> None:
    c = EmailComparator(set())
    # The same digits after the name: chosen by the person, not given by the name.
    a = EmailSet.of(("adam.robert11@free.fr",), "adam", "robert")
    b = EmailSet.of(("adamrobert11@gmail.com",), "adam", "robert")
    assert level(c, a, b) == "local-jw>=0.88"
    # A local part that is not the name at all.
    a = EmailSet.of(("calridge@hotmail.com",), "lizzie", "miller")
    b = EmailSet.of(("calridge@gmail.com",), "elizabeth", "miller")
    assert level(c, a, b) == "same-local-part"
    # The same mailbox is the same mailbox, name or not.
    a = EmailSet.of(("finn.schneider@web.de",), "finn", "schneider")
    assert level(c, a, EmailSet.of(("finn.schneider@web.de",), "finn", "schneider")) == "exact"
    # Without names (plain tuples) the comparator behaves as before.
    assert level(c, ("finn.schneider@web.de",), ("finnschneider@gmail.com",)) == "local-jw>=0.88"


def test_role_mailboxes_never_agree_on_their_local_part() -> None:
    weak = {"contact@apexpartners.com", "contact@lumenstudio.com"}
    c = EmailComparator(weak)
    # Not "same-local-part": two firms' contact@ inboxes are not one person's choice.
    assert level(c, ("contact@apexpartners.com",), ("contact@lumenstudio.com",)) == "null"


def test_a_role_mailbox_is_no_evidence_against_a_personal_address() -> None:
    # A customer who wrote from office@ at work and from their own inbox at home: the role
    # mailbox says nothing about which address is theirs, so the pair is not "different".
    c = EmailComparator({"office@harborlabs.com"})
    assert level(c, ("office@harborlabs.com",), ("laura_fischer@t-online.de",)) == "null"
    assert level(c, ("laura_fischer@t-online.de",), ("office@harborlabs.com",)) == "null"
    # Two personal addresses that differ still count against.
    assert level(c, ("lf@web.de",), ("laura_fischer@t-online.de",)) == "different"
    # A record with a role mailbox *and* a personal one is compared on the personal one.
    assert level(c, ("office@harborlabs.com", "lf@web.de"), ("laura_fischer@t-online.de",)) == "different"


def test_birth_dates_a_day_apart_are_a_slip() -> None:
    d = DateComparator("dob")
    assert level(d, "19801010", "19801009") == "one-edit"
    assert level(d, "19801020", "19801019") == "one-edit"
    assert level(d, "19801020", "19801018") == "different"
    assert level(d, "19801101", "19801031") == "different"


def test_letters_without_a_decomposition_are_kept() -> None:
    assert norm_name("Weiß") == "weiss"
    assert norm_name("Jørgen Łukasz") == "jorgen lukasz"


def test_email_values_with_other_names_are_other_values() -> None:
    # Code that compares each distinct value pair once (interning a column) must not give one
    # record's names to another: the names are part of the value.
    a = EmailSet.of(("finn.schneider@web.de",), "finn", "schneider")
    b = EmailSet.of(("finn.schneider@web.de",), "feinn", "schneider")
    assert a != b
    assert len({a, b, EmailSet.of(("finn.schneider@web.de",), "finn", "schneider")}) == 2
    assert a == ("finn.schneider@web.de",)
