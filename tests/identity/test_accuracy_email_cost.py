"""The email comparator's cheap path gives exactly the levels of the straightforward one."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from omnilink.identity._comparators import (
    NULL,
    EmailComparator,
    EmailSet,
    _digits,
    _fold,
    _forms,
    _jw,
)


def _name_forms(names: list[tuple[str | None, str | None]]) -> set[str]:
    """The local parts a person's name makes, from names not yet folded."""
    return _forms({_fold(f) for f, _ in names if f}, {_fold(la) for _, la in names if la})


def reference(weak: set[str], a: Any, b: Any) -> int:
    """The comparator as it was before the precomputed local parts (kept as the specification)."""
    if not a or not b:
        return NULL
    if len(a) == 1 and len(b) == 1:
        c = (1 if a[0] in weak else 0) if a[0] == b[0] else 2
    else:
        common = set(a).intersection(b)
        c = 2 if not common else (1 if all(v in weak for v in common) else 0)
    if c < 2:
        return c
    if all(x in weak for x in a) or all(y in weak for y in b):
        return NULL  # a role mailbox or a shared inbox is not evidence against
    names_a = getattr(a, "names", (None, None))
    names_b = getattr(b, "names", (None, None))
    level = 4
    name_made = False
    for x in a:
        if x in weak:
            continue
        lx = x.rpartition("@")[0]
        for y in b:
            if y in weak:
                continue
            ly = y.rpartition("@")[0]
            if lx == ly and len(lx) >= 4:
                got = 2
            elif _jw(lx, ly) >= 0.88:
                got = 3
            else:
                continue
            if got >= level:
                continue
            forms = _name_forms([names_a, names_b])
            dx = _digits(lx)
            if _fold(lx) in forms and _fold(ly) in forms and not (dx and dx == _digits(ly)):
                name_made = True
                continue
            level = got
    if level == 4 and name_made:
        return NULL
    return level


FIRST = ["finn", "fin", "anna", "ann", "jürgen", "jurgen", "wolfgang", "wolfhang", "l", None]
LAST = ["schneider", "schnieder", "müller", "mueller", "muller", "lee", "o brien", None]
DOMAINS = ["gmail.com", "web.de", "info.org"]


@st.composite
def local_part(draw: st.DrawFn) -> str:
    f = draw(st.sampled_from([n for n in FIRST if n]))
    la = draw(st.sampled_from([n for n in LAST if n]))
    sep = draw(st.sampled_from(["", ".", "_"]))
    form = draw(st.sampled_from(["fl", "lf", "il", "f", "l", "fi", "x"]))
    body = {
        "fl": f + sep + la,
        "lf": la + sep + f,
        "il": f[0] + la,
        "f": f,
        "l": la,
        "fi": f + la[0],
        "x": draw(st.text(alphabet="abcdefxyz", min_size=1, max_size=8)),
    }[form].replace(" ", "")
    digits = draw(st.sampled_from(["", "", "7", "87", "1987"]))
    return body + digits


@st.composite
def email_value(draw: st.DrawFn) -> Any:
    emails = tuple(
        draw(
            st.lists(
                st.builds(lambda lp, d: f"{lp}@{d}", local_part(), st.sampled_from(DOMAINS)),
                min_size=1,
                max_size=3,
                unique=True,
            )
        )
    )
    if draw(st.booleans()):
        return emails  # a plain tuple: no names known
    return EmailSet.of(emails, draw(st.sampled_from(FIRST)), draw(st.sampled_from(LAST)))


@settings(max_examples=1500, deadline=None)
@given(email_value(), email_value(), st.booleans())
def test_email_levels_equal_the_reference(a: Any, b: Any, some_weak: bool) -> None:
    weak = {a[0]} if some_weak else set()
    comp = EmailComparator(weak)
    assert comp.compare(a, b) == reference(weak, a, b)
    assert comp.compare(b, a) == reference(weak, b, a)


def test_email_levels_equal_the_reference_on_near_names() -> None:
    # Hand-picked pairs that reach the name rule (similar local parts that spell the names).
    cases = [
        (("finn.schneider@web.de",), "finn", "schneider", ("finnschneider@gmail.com",), "finn", "schneider"),
        (
            ("wolfgang.schmidt87@web.de",),
            "wolfhang",
            "schmidt",
            ("wolfgang_schmidt@outlook.de",),
            "wolfgang",
            "schmidt",
        ),
        (("adam.robert11@free.fr",), "adam", "robert", ("adamrobert11@gmail.com",), "adam", "robert"),
        (("a.lee@x.org", "ann.lee@web.de"), "ann", "lee", ("annlee@gmail.com", "zz@y.com"), "anna", "lee"),
    ]
    comp = EmailComparator(set())
    for ea, fa, la, eb, fb, lb in cases:
        a, b = EmailSet.of(ea, fa, la), EmailSet.of(eb, fb, lb)
        assert comp.compare(a, b) == reference(set(), a, b)


def test_a_local_part_that_only_spells_the_name_is_recognized_across_the_fold() -> None:
    # jamessmith@ folds to "jamesmith" (ss -> s); the name forms fold the same way, so the two
    # inboxes of two James Smiths are no evidence either way, like james.smith@ and j.smith@.
    comp = EmailComparator(set())
    a = EmailSet.of(("james.smith@gmail.com",), "james", "smith")
    b = EmailSet.of(("jamessmith@yahoo.com",), "james", "smith")
    assert comp.compare(a, b) == NULL
    # Folding the joined name: "hans" + "schmidt" makes "hanschmidt", as hansschmidt@ does.
    c = EmailSet.of(("hansschmidt@web.de",), "hans", "schmidt")
    d = EmailSet.of(("hans.schmidt@gmx.de",), "hans", "schmidt")
    assert comp.compare(c, d) == NULL
