"""Missing-value markers that are names too: the Korean surname Na, the first name Nan, the
Turkish Nil. Exports write "NA" (R) or "nan" (pandas) for an empty cell, so those stay
missing; written as a name, capitalised, they are the name."""

from __future__ import annotations

import pytest

from omnilink.identity import Resolver
from omnilink.identity._normalize import norm_name


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Na", "na"),
        (" Na ", "na"),
        ("NA", None),
        ("na", None),
        ("N/A", None),
        ("n.a.", None),
        ("Nan", "nan"),
        ("nan", None),
        ("NaN", None),
        ("NAN", None),
        ("Nil", "nil"),
        ("NIL", None),
        ("None", None),  # str(None): no name called None
        ("Null", None),
    ],
)
def test_a_marker_written_as_a_name_is_the_name(text: str, name: str | None) -> None:
    assert norm_name(text) == name


def test_the_na_family_are_compared_on_their_surname() -> None:
    rows = [
        {"id": "a", "first_name": "Ji-woo", "last_name": "Na", "email": "jiwoo.na@hanmail.net"},
        {"id": "b", "first_name": "Ji-woo", "last_name": "Na", "email": "jiwoo.na@hanmail.net"},
        {"id": "c", "first_name": "Ji-woo", "last_name": "NA", "dob": "1990-01-01"},
    ]
    r = Resolver(id_field="id", region="KR")
    r.resolve(rows)
    (last,) = [e for e in r.explain("a", "b").evidence if e.comparator == "last_name"]
    assert last.level == "exact"
    (last,) = [e for e in r.explain("a", "c").evidence if e.comparator == "last_name"]
    assert last.level == "missing"  # "NA" is R's empty cell
