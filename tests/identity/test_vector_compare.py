"""Vectorized comparisons (``Comparator.vectorized``) give exactly the levels of ``compare``.

``compare`` is the specification: for every comparator with a vectorized path, random and edge
values (missing, empty, equal, unicode, near the Jaro-Winkler thresholds, several values in a
set, weak values, emails spelling the names) are compared both ways, every pair of them; and the
batch path gives the same patterns with and without the vectorized functions.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omnilink.identity import _pairs
from omnilink.identity._comparators import (
    CityComparator,
    Comparator,
    DateComparator,
    EmailComparator,
    EmailNameComparator,
    EmailSet,
    ExactComparator,
    FirstNameComparator,
    HandleComparator,
    LastNameComparator,
    PhoneComparator,
    PostcodeComparator,
    TextComparator,
)

from ._data import candidate_arrays
from ._data import contacts as _contacts

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Near-threshold Jaro-Winkler scores come from short strings over few letters (0.8 exactly...).
_tiny = st.text(alphabet="abc", min_size=0, max_size=9)
_names = st.sampled_from(
    [
        "bob",
        "robert",
        "rob",
        "bobby",
        "liz",
        "elizabeth",
        "beth",
        "dan",
        "danny",
        "daniel",
        "bill",
        "william",
        "j",
        "jo",
        "joh",
        "john",
        "jon",
        "jonathan",
        "art",
        "arthur",
        "matt",
        "matthew",
        "smith",
        "smyth",
        "smith-jones",
        "jones smith",
        "garcia",
        "lopez",
        "garcia lopez",
        "garcialopez",  # one name with and without its space
        "de luca",
        "deluca",
        "d eluca",
        "luca",  # ...and without its particles
        "van der berg",
        "berg",
        "delgado",
        "müller",
        "mueller",
        "muller",  # an umlaut written out or dropped: one name key
        "jurgen",
        "juergen",
        "michael",
        "michal",
        "joe",
        "jo",
        "weiß",
        "øst",
        "名前",
        "a",
        "r",  # Robert's initial, so Bob's
        "w",
        "kit",
        "c",  # Kit is a Christopher
    ]
)
_word = st.one_of(_names, _tiny, st.text(min_size=0, max_size=6))


def _check(comp: Comparator, values: list[Any]) -> None:
    """The vectorized levels of every pair of ``values`` (both orders) equal ``compare``'s."""
    fn = comp.vectorized(values)
    assert fn is not None
    n = len(values)
    grid_x, grid_y = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    xs = grid_x.ravel()
    ys = grid_y.ravel()
    got = fn(xs, ys).tolist()
    want = [comp.safe_compare(values[x], values[y]) for x, y in zip(xs.tolist(), ys.tolist(), strict=True)]
    assert got == want


def _values(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[list[Any]]:
    return st.lists(st.one_of(st.none(), strategy), min_size=1, max_size=24)


_middle = st.one_of(_names, st.sampled_from(["garcia", "smith jones", "lopez garcia", "bob", ""]))


@SETTINGS
@given(
    _values(
        st.one_of(
            st.tuples(_word, st.one_of(st.none(), _word)),
            st.tuples(_word, st.one_of(st.none(), _word), st.one_of(st.none(), _middle)),
        )
    )
)
def test_first_name(values: list[Any]) -> None:
    """Also with middle words: a first name that is no known one ("garcia") among the other's
    is the swapped level; a known one ("bob", "john") is not."""
    _check(FirstNameComparator(), values)


def test_first_name_middle_words() -> None:
    values: list[Any] = [
        ("lopez", "gomez"),  # "López Gómez": a record whose first name was missing
        ("marta", "gomez", "lopez"),  # "Marta López Gómez"
        ("sanchez", None, "sanchez"),  # a one-word full name
        ("alejandro", "alvarez", "sanchez"),
        ("james", "smith"),
        ("john", "smith", "james"),  # his son, named after him
        ("garcia", "lopez"),
        None,
    ]
    _check(FirstNameComparator(), values)
    comp = FirstNameComparator()
    swapped = comp.levels.index("swapped")
    assert comp.compare(values[0], values[1]) == swapped
    assert comp.compare(values[3], values[2]) == swapped
    assert comp.levels[comp.compare(values[4], values[5])] == "different"


@SETTINGS
@given(
    _values(
        st.one_of(
            st.tuples(_word, st.one_of(st.none(), _word)),
            st.tuples(_word, st.one_of(st.none(), _word), st.one_of(st.none(), _middle)),
        )
    )
)
def test_last_name(values: list[Any]) -> None:
    """Also with a full name's middle words (a third part): "garcia" among them is the
    shared-word level with a last name "garcia"."""
    _check(LastNameComparator(), values)


def test_last_name_middle_words() -> None:
    values: list[Any] = [
        ("lopez", "maria", "garcia"),
        ("garcia", "maria"),
        ("perez", "ana", "garcia"),
        ("garcia lopez", "maria"),
        ("lopez", "maria", "jose garcia"),
        ("smith", "john"),
        ("smith", "john", "michael"),
        ("michael", "john"),
    ]
    _check(LastNameComparator(), values)
    comp = LastNameComparator()
    assert comp.compare(values[0], values[1]) == 3  # García in María García López's middle words
    assert comp.compare(values[4], values[1]) == 3
    assert comp.compare(values[0], values[2]) == 4  # sisters: never middle word against middle word
    assert comp.compare(values[5], values[6]) == 0
    assert comp.compare(values[3], values[2]) == 3  # "garcia lopez" as a last-name column


def test_names_edges() -> None:
    """Initials and short forms, nicknames, swapped names, double-barrelled surnames."""
    names = ["a", "abc", "ab", "j", "jxyz", "jo", "john", "jon", "bob", "robert", "rob", "bill", "william"]
    names += ["smith", "smith-jones", "jones smith", "jones", "art", "arthur", "artie", "r", "w", "kit", "c"]
    values: list[Any] = [(f, la) for f in names for la in (None, "", "smith", "jones", "john")]
    _check(FirstNameComparator(), values)
    _check(LastNameComparator(), [(la, f) for f, la in values if la] + [("smith", None)])


def test_scores_off_in_the_last_bits(monkeypatch: pytest.MonkeyPatch) -> None:
    """The batch Jaro-Winkler scorer may sum in another order than the scalar one: scores near a
    threshold are recomputed, so a last-bit difference cannot move a pair across it."""
    import rapidfuzz.process

    real = rapidfuzz.process.cpdist

    def nudged(*args: Any, **kwargs: Any) -> Any:
        out = real(*args, **kwargs)
        if out.dtype == np.float64:
            out[0::2] += 1e-12
            out[1::2] -= 1e-12
        return out

    monkeypatch.setattr(rapidfuzz.process, "cpdist", nudged)
    # Over three letters many pairs score exactly 0.8, 0.9 or 0.92.
    words = ["".join(w) for n in range(1, 6) for w in itertools.product("abc", repeat=n)][::3]
    _check(FirstNameComparator(), [(w, None) for w in words])
    _check(CityComparator("city"), [(w, False) for w in words])
    _check(TextComparator("notes"), words)
    _check(EmailComparator(set()), [EmailSet.of((w + "@a.com",), None, None) for w in words])


def test_names_odd_shapes() -> None:
    """Values not of the usual shape are left to ``compare`` (which may say NULL)."""
    values: list[Any] = [("", "x"), (), ("a",), ("bob", "smith"), ("robert", None), ("smith", "bob"), 3]
    values += [("bob", "smith", ""), ("bob", None, None), ("bob", "x", "y", "z"), ("smith", "bob", 3)]
    _check(FirstNameComparator(), values)
    _check(LastNameComparator(), values)


_local = st.one_of(
    st.sampled_from(
        ["finn.schneider", "fschneider", "schneider", "finn", "fs1987", "info", "jsmith", "ab", ""]
    ),
    st.builds(
        lambda a, b, d: a + b + d, _names, st.sampled_from(["", ".", "_"]), st.sampled_from(["", "7", "1987"])
    ),
    st.builds(lambda a, b: a + "." + b, _names, _names),
    _tiny,
)
_address = st.builds(lambda lp, dom: f"{lp}@{dom}", _local, st.sampled_from(["a.com", "b.org", "gmail.com"]))
_WEAK = {"info@a.com", "info@b.org", "ab@a.com", "jsmith@gmail.com"}


@st.composite
def _email_value(draw: st.DrawFn) -> Any:
    emails = tuple(
        draw(st.lists(st.one_of(_address, st.sampled_from(sorted(_WEAK))), min_size=0, max_size=3))
    )
    if draw(st.booleans()):
        return emails  # a plain tuple: no names known
    first = draw(st.one_of(st.none(), _names, st.just("")))
    last = draw(st.one_of(st.none(), _names, st.just("")))
    return EmailSet.of(emails, first, last)


@SETTINGS
@given(_values(_email_value()))
def test_email(values: list[Any]) -> None:
    _check(EmailComparator(set(_WEAK)), values)


def test_email_name_forms() -> None:
    """Local parts that only spell the names, with and without agreeing digits, shared names."""
    values = [
        EmailSet.of((e,), f, la)
        for e, f, la in [
            ("finn.schneider@a.com", "finn", "schneider"),
            ("finn.schneider@b.org", "finn", "schneider"),
            ("finnschneider@gmail.com", "finn", "schneider"),
            ("fschneider@a.com", "finn", "schneider"),
            ("fschneider@b.org", "frank", "schneider"),
            ("fschneider1987@a.com", "finn", "schneider"),
            ("fschneider1987@b.org", None, None),
            ("james.smith@a.com", "james", "smith"),
            ("jamessmith@b.org", "james", "smith"),
            ("m.smith@a.com", "mia", "holfield"),
            ("m.smith@b.org", "michael", "smith"),
            ("leon.mueller31@a.com", "leon", "muller"),
            ("leon_mueller98@b.org", "leon", "mulelr"),
            ("rsmith1807@a.com", "robert", "smith"),
            ("rsmith2747@b.org", "robert", "smith"),
            ("coolguy@a.com", "finn", "schneider"),
            ("coolguy@b.org", "finn", None),
            ("@a.com", None, None),  # empty local parts: Jaro-Winkler 1
            ("@b.org", "finn", None),
            ("c@a.com", None, None),
            ("c@b.org", None, None),
        ]
    ]
    _check(EmailComparator(set()), values)


_digits = st.text(alphabet="0123456789", min_size=6, max_size=11)


@st.composite
def _number(draw: st.DrawFn) -> str:
    base = draw(
        st.sampled_from(["4915112345678", "4915112345687", "4915112345670", "15551234567", "1555123"])
    )
    edit = draw(st.sampled_from(["none", "sub", "swap", "prefix", "random"]))
    k = draw(st.integers(0, len(base) - 2))
    if edit == "sub":
        return base[:k] + str((int(base[k]) + 1) % 10) + base[k + 1 :]
    if edit == "swap":
        return base[:k] + base[k + 1] + base[k] + base[k + 2 :]
    if edit == "prefix":
        return "33" + base[-9:]
    if edit == "random":
        return draw(_digits)
    return base


@SETTINGS
@given(_values(st.lists(_number(), min_size=0, max_size=2).map(tuple)))
def test_phone(values: list[Any]) -> None:
    _check(PhoneComparator({"4915112345678"}), values)


_handle = st.builds(
    lambda p, h: p + h,
    st.sampled_from(["", "twitter:", "github:", "x:"]),
    st.sampled_from(["jdoe", "j.doe", "", "x"]),
)


@SETTINGS
@given(_values(st.lists(_handle, min_size=0, max_size=2).map(tuple)))
def test_handle(values: list[Any]) -> None:
    _check(HandleComparator({"twitter:jdoe"}), values)


@SETTINGS
@given(
    _values(
        st.tuples(
            st.lists(st.sampled_from(["jsmith", "johnsmith", "smithj", "smith", "xyz", ""]), max_size=2).map(
                tuple
            ),
            st.sampled_from(["", "john", "j", "jo"]),
            st.sampled_from(["", "smith", "sm", "smithson"]),
        )
    )
)
def test_email_vs_name(values: list[Any]) -> None:
    _check(EmailNameComparator(), values)


@st.composite
def _date(draw: st.DrawFn) -> str:
    base = draw(
        st.sampled_from(["19870312", "19871203", "19880312", "19870313", "19870309", "19870310", "20000229"])
    )
    edit = draw(st.sampled_from(["none", "sub", "swap", "drop", "odd", "partial"]))
    k = draw(st.integers(0, 6))
    if edit == "sub":
        return base[:k] + draw(st.sampled_from("0123456789x")) + base[k + 1 :]
    if edit == "swap":
        return base[:k] + base[k + 1] + base[k] + base[k + 2 :]
    if edit == "drop":
        return base[:k] + base[k + 1 :]
    if edit == "partial":  # a year alone or a month of a year, as norm_date gives them
        return base[: draw(st.sampled_from([4, 6]))]
    if edit == "odd":  # digits int() may refuse, other scripts' digits, short dates
        return draw(
            st.sampled_from(
                [
                    "\u00b2\uff19\uff18\uff170312",  # a superscript two, full-width digits
                    "\u0661\u0669\u0668\u06670312",  # Arabic-Indic digits
                    "198703\u0661\u0662",
                    "1987031\u00b2",
                    "1987",
                    "120387",  # digits kept as given (a day, month and two-digit year): not partial
                    "19870",  # shorter than a month of a year, one digit from several
                    "9999",
                    "abcd0312",
                    "",
                ]
            )
        )
    return base


@SETTINGS
@given(_values(_date()))
def test_date(values: list[Any]) -> None:
    _check(DateComparator("dob"), values)


def test_date_partial_and_kept_digits_every_pair() -> None:
    """Years, months of a year, and digits kept as given (no partial date) of every length
    around them, each pair: the rules for partial dates look at which side is shorter."""
    values = ["1987", "1988", "198703", "198713", "19870", "198", "0307", "030787", "19870312", "1987031"]
    _check(DateComparator("dob"), [*values, None])


_code = st.one_of(
    st.sampled_from(["10115", "10117", "10151", "1011", "101155", "SW1A1AA", "SW1A1AB", "US", "DE", "10511"]),
    st.text(alphabet="015AB", min_size=0, max_size=7),
)


@SETTINGS
@given(_values(_code))
def test_postcode(values: list[Any]) -> None:
    _check(PostcodeComparator("postcode"), values)


@SETTINGS
@given(_values(_code))
def test_exact(values: list[Any]) -> None:
    _check(ExactComparator("code"), values)


@SETTINGS
@given(_values(st.builds(lambda c: "0123456789abcdefghijklmnopq" + c, _code)))
def test_postcode_long(values: list[Any]) -> None:
    """Strings too long for a matrix of code points: the batch edit distances instead."""
    _check(PostcodeComparator("postcode"), values)


@SETTINGS
@given(_values(st.tuples(_word, st.booleans())))
def test_city(values: list[Any]) -> None:
    _check(CityComparator("city", "postcode"), values)


@SETTINGS
@given(_values(_word))
def test_text(values: list[Any]) -> None:
    _check(TextComparator("notes"), values)


def test_a_redefined_compare_has_no_vectorized_path() -> None:
    class Mine(FirstNameComparator):
        def compare(self, a: Any, b: Any) -> int:
            return 0

    assert Mine().vectorized([("bob", None)]) is None
    assert FirstNameComparator().vectorized([("bob", None)]) is not None


@pytest.mark.parametrize(("workers", "chunk", "seed"), [(1, 1 << 21, 3), (2, 2500, 7)])
def test_pair_patterns_same_with_and_without_vectors(
    workers: int, chunk: int, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_pairs, "PARALLEL_MIN_PAIRS", 0)
    rows = _contacts(3000, seed=seed)
    engine, prep, i_arr, j_arr = candidate_arrays(rows)
    assert i_arr.size > 5_000
    assert prep.interned is not None
    # Every comparator of the contact data has a vectorized path: the comparison is not vacuous.
    assert all(c.vectorized(prep.interned[k].uniq) is not None for k, c in enumerate(engine.comparators))

    def run() -> tuple[Any, ...]:
        return _pairs.pair_patterns(
            engine.comparators,
            prep.columns,
            i_arr,
            j_arr,
            workers=workers,
            chunk=chunk,
            interned=prep.interned,
        )

    pats, of_pair, counts = run()
    monkeypatch.setattr(_pairs, "VECTORIZED", False)
    pats0, of_pair0, counts0 = run()
    assert pats == pats0
    assert of_pair.tolist() == of_pair0.tolist()
    assert counts.tolist() == counts0.tolist()


def test_pair_patterns_even_chunks_for_two_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two processes share an even number of equal chunks: the same result as one process."""
    monkeypatch.setattr(_pairs, "PARALLEL_MIN_PAIRS", 0)
    monkeypatch.setattr(_pairs, "CHUNK_PAIRS", 3001)  # an odd number of chunks before rounding
    rows = _contacts(2000, seed=5)
    engine, prep, i_arr, j_arr = candidate_arrays(rows)
    one = _pairs.pair_patterns(engine.comparators, prep.columns, i_arr, j_arr, workers=1)
    two = _pairs.pair_patterns(engine.comparators, prep.columns, i_arr, j_arr, workers=2)
    assert one[0] == two[0]
    assert one[1].tolist() == two[1].tolist()
    assert one[2].tolist() == two[2].tolist()
