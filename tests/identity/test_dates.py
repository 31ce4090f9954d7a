"""Dates: read by the row's region, validated, and reported when they are no date."""

from __future__ import annotations

import pytest

from omnilink.exceptions import InvalidIdentifierError
from omnilink.identity import Resolver
from omnilink.identity._normalize import norm_date


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("1984-03-07", None, "19840307"),
        ("1984.03.07", None, "19840307"),
        ("19840307", None, "19840307"),
        ("1984-03-07T10:00:00Z", None, "19840307"),
        ("1984-03-07 10:00:00", None, "19840307"),
        ("07/03/1984", None, "19840307"),  # day first where the region does not say otherwise
        ("07.03.1984", "DE", "19840307"),
        ("07/03/1984", "GB", "19840307"),
        ("03/07/1984", "US", "19840307"),  # month first in the US
        ("07.03.1984", "US", "19840307"),  # ...but dots are the day-first countries' way
        ("13/03/1984", "US", "19840313"),  # ...unless only the other order is a date
        ("03/13/1984", "GB", "19840313"),
        ("03/07/84", "US", "19840307"),  # two-digit years: 84 -> 1984
        ("01/02/05", "GB", "20050201"),  # 05 -> 2005
        ("March 7, 1984", "US", "19840307"),
        ("7 March 1984", "GB", "19840307"),
        ("7th of March 1984", None, "19840307"),
        ("7-Mar-1984", None, "19840307"),
        ("07-MAR-84", None, "19840307"),  # Oracle's and spreadsheets' DD-MON-YY
        ("March 7, 05", "US", "20050307"),
        ("Sept 7 1984", None, "19840907"),
        ("1984", None, "1984"),  # a year alone is kept: it still compares
        ("03/1984", "US", "198403"),  # a month of a year: YYYYMM (it was "031984")
        ("3/1984", None, "198403"),
        ("1984-03", None, "198403"),
        ("March 1984", None, "198403"),
        ("Mar. 1984", "GB", "198403"),
        # month names in French, German, Spanish, Italian, Portuguese and Dutch, with their
        # fillers; the day of the week is passed over
        ("7 mars 1984", "FR", "19840307"),
        ("1er mars 1984", "FR", "19840301"),
        ("mercredi 7 mars 1984", "FR", "19840307"),
        ("7 févr. 1984", "FR", "19840207"),
        ("7 août 1984", "FR", "19840807"),
        ("7. März 1984", "DE", "19840307"),
        ("7 Jänner 1984", "AT", "19840107"),
        ("7 de marzo de 1984", "ES", "19840307"),
        ("7 settembre 1984", "IT", "19840907"),
        ("7 de março de 1984", "BR", "19840307"),
        ("7 de out de 1984", "PT", "19841007"),
        ("7-mrt-1984", "NL", "19840307"),
        ("Wednesday, March 7, 1984", "US", "19840307"),
        ("Wed 03/07/1984", "US", "19840307"),
        ("März 1984", "DE", "198403"),
        ("1984年3月7日", None, "19840307"),  # CJK: its numbers, as before
        ("84-03-07", "SE", "19840307"),  # a two-digit year first, as no day or month can be
        # a time after the date, as exports write one
        ("07-MAR-84 12.00.00.000000 AM", None, "19840307"),  # Oracle's TIMESTAMP
        ("19840307T000000Z", None, "19840307"),  # ISO 8601's basic form
        ("1984/3/7 上午 12:00:00", None, "19840307"),  # Excel in Chinese (it had been digits)
        ("Wed 07.03.84", "DE", "19840307"),  # dots after a word: a date, not a time
        ("84.3.7", None, "19840307"),
        ("07-03-84", "GB", "19840307"),  # 07 may be a day: day first, as before
        # a spreadsheet's date serial, as a date cell exported as its number gives it
        ("32874", None, "19900101"),
        ("32874.0", None, "19900101"),
        ("32874.75", "US", "19900101"),  # 6 p.m. that day
        ("45000", None, "20230315"),
        ("9999", None, "9999"),  # four digits: no serial (a year has four too)
        ("73051", None, "73051"),  # past 2099: kept as given, as before
        # a float column's number, as pandas writes a date column of numbers with gaps
        ("19840307.0", None, "19840307"),  # it had been the digits "198403070"
        ("1984.0", None, "1984"),
        ("0000-00-00", None, None),  # a database's "no date"
        ("00/00/0000", None, None),
        ("n/a", None, None),
    ],
)
def test_dates_are_read_by_region(text: str, region: str | None, expected: str | None) -> None:
    assert norm_date(text, region) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1984-13-45", "not a calendar date"),
        ("1984-02-30", "not a calendar date"),
        ("1900-02-29", "not a calendar date"),
        ("31/02/1990", "not a calendar date"),
        ("0000-03-07", "not a calendar date"),
        ("March", "not a date"),
        ("soon", "not a date"),
        ("March 7", "not a date"),  # no year: no date to compare
        ("13/1984", "not a calendar date"),  # no 13th month
        ("31-Feb-84", "not a calendar date"),
        ("7 Mar 84 99", "not a date"),
        ("mardi 7 1984", "not a date"),  # a day of the week is no month (it had been July)
        ("7 marzo março 1984", "not a date"),
    ],
)
def test_what_is_no_date_is_an_error_with_a_reason(text: str, reason: str) -> None:
    """They had been kept as given ("1984-13-45" -> "19841345"), or dropped without a word."""
    with pytest.raises(InvalidIdentifierError) as info:
        norm_date(text)
    assert info.value.reason == reason
    assert info.value.kind == "date"


def test_a_bad_date_is_a_reject_and_the_record_is_resolved_on_the_rest() -> None:
    rows = [
        {"id": "a", "name": "Bob Stone", "email": "bob.stone@gmail.com", "dob": "1984-13-45"},
        {"id": "b", "name": "Bob Stone", "email": "bob.stone@gmail.com", "dob": "March"},
    ]
    result = Resolver(region="US").resolve(rows)
    assert result.profile_of["a"] == result.profile_of["b"]
    assert sorted((r.record_id, r.field, r.reason) for r in result.rejects) == [
        ("a", "dob", "not a calendar date"),
        ("b", "dob", "not a date"),
    ]


def test_a_us_date_written_month_first_meets_the_same_date_written_iso() -> None:
    """Read day first, 03/07/84 had been 3 July 0084, a contradiction that split one person."""
    rows = [
        {"id": "a1", "name": "Bob Stone", "email": "bob.stone@gmail.com", "dob": "1984-03-07"},
        {"id": "a2", "name": "Bob Stone", "email": "bob.stone@gmail.com", "zip": "98101"},
        {"id": "b1", "name": "Bob Stone", "phone": "+1 206 283 9911", "dob": "03/07/84"},
        {"id": "b2", "name": "Bob Stone", "phone": "+1 206 283 9911", "zip": "98101"},
        {"id": "c", "name": "Bob Stone", "phone": "+1 206 283 9911", "email": "bob.stone@gmail.com"},
    ]
    resolver = Resolver(region="US")
    result = resolver.resolve(rows)
    assert len(set(result.profile_of.values())) == 1
    evidence = {e.comparator: e.level for e in resolver.explain("a1", "b1").evidence}
    assert evidence["dob"] == "exact"


def test_the_region_column_decides_the_order_per_row() -> None:
    rows = [
        {"id": "us", "name": "Ann Lee", "email": "ann@x.org", "dob": "03/07/1984", "country": "US"},
        {"id": "gb", "name": "Ann Lee", "email": "ann@y.org", "dob": "07/03/1984", "country": "GB"},
    ]
    resolver = Resolver(region_field="country")
    resolver.resolve(rows)
    evidence = {e.comparator: e.level for e in resolver.explain("us", "gb").evidence}
    assert evidence["dob"] == "exact"


def test_a_year_alone_links_with_the_whole_date_and_keeps_apart_from_another() -> None:
    """A partial date had been "different" from every whole one (-5 or so, and a contradiction
    to the cluster check), so a record giving only a birth year stayed away from its person."""
    place = {"name": "Dana Whitfield", "address": "12 Elm St", "postcode": "02139"}
    dobs = {"a": "1984-03-07", "b": "1984", "c": "March 1984", "d": "1991"}
    rows = [{"id": k, "dob": v, **place} for k, v in dobs.items()]
    resolver = Resolver(region="US")
    result = resolver.resolve(rows)
    p = result.profile_of
    assert p["a"] == p["b"] == p["c"]
    assert p["d"] != p["a"]
    evidence = {e.comparator: e.level for e in resolver.explain(rows[0], rows[1]).evidence}
    assert evidence["dob"] == "missing"  # no evidence: weight 0


def _people_with_whole_dates_and_years(n: int = 400) -> list[dict[str, str]]:
    """Strangers whose birth date column holds a whole date in half the rows, a year alone in
    the others (a form that asked for the year only, merged with a CRM's dates)."""
    import random

    rng = random.Random(7)
    firsts = ["James", "Mary", "John", "Linda", "Robert", "Susan", "Michael", "Karen", "David", "Nancy"]
    lasts = ["Okafor", "Lindqvist", "Moreau", "Tanaka", "Kowalski", "Haddad", "Novak", "Brennan", "Silva"]
    rows = []
    for k in range(n):
        year = rng.randint(1950, 2000)
        dob = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" if k % 2 else str(year)
        rows.append(
            {
                "id": f"r{k}",
                "first_name": rng.choice(firsts),
                "last_name": rng.choice(lasts),
                "dob": dob,
                "city": rng.choice(["Boston", "Denver", "Austin"]),
            }
        )
    return rows


def test_a_shared_birth_year_weighs_what_a_year_is_worth_not_what_a_date_is() -> None:
    """Two equal years had been "exact", the level of two equal whole dates. In a column of
    both, EM then gave "exact" a weight between the two (3.2): two namesakes of one city born
    the same year were one profile, and a shared whole date counted for little."""
    oliver = {"first_name": "Oliver", "last_name": "Brandt", "city": "Boston"}
    rows = [
        *_people_with_whole_dates_and_years(),
        {"id": "year-1", "dob": "1984", **oliver},
        {"id": "year-2", "dob": "1984", **oliver},
        {"id": "date-1", "dob": "1990-02-03", **oliver},
        {"id": "date-2", "dob": "1990-02-03", **oliver},
    ]
    resolver = Resolver(region="US")
    p = resolver.resolve(rows).profile_of
    assert p["year-1"] != p["year-2"]
    assert p["date-1"] == p["date-2"]
    year = next(e for e in resolver.explain("year-1", "year-2").evidence if e.comparator == "dob")
    date = next(e for e in resolver.explain("date-1", "date-2").evidence if e.comparator == "dob")
    assert (year.level, date.level) == ("same-partial-date", "exact")
    assert date.weight > 10 > 2 > year.weight  # one person in ~50 shares a year; in ~18,000, a date


def test_a_spreadsheets_date_serial_meets_the_written_date() -> None:
    """A workbook's birth dates exported as numbers (a column not formatted as dates, read by
    pandas or a JSON export) had been the digits "32874", which disagreed with 1990-01-01:
    a contradiction that kept one person's records in two profiles."""
    rows = [
        {"id": "crm", "name": "Ann Lee", "email": "ann.lee@gmail.com", "dob": "1990-01-01"},
        {"id": "xlsx", "name": "Ann Lee", "phone": "+1 206 283 9911", "dob": 32874},
        {"id": "json", "name": "Ann Lee", "phone": "+1 206 283 9911", "dob": 32874.0},
        {"id": "link", "name": "Ann Lee", "email": "ann.lee@gmail.com", "phone": "+1 206 283 9911"},
    ]
    resolver = Resolver(region="US")
    result = resolver.resolve(rows)
    evidence = {e.comparator: e for e in resolver.explain("crm", "xlsx").evidence}
    assert (evidence["dob"].level, evidence["dob"].value_b) == ("exact", "19900101")
    assert len(set(result.profile_of.values())) == 1
    assert not result.rejects
