"""Comparators: each maps a pair of canonical values to a discrete agreement level.

A comparator never raises and is symmetric: ``compare(a, b) == compare(b, a)``. Level 0 is
the strongest agreement, the last level is "different", and ``NULL`` (-1) means a value is
missing on either side, which is no evidence at all (weight 0).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Hashable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from rapidfuzz.distance import Hamming, JaroWinkler, Levenshtein, Prefix
from rapidfuzz.fuzz import token_set_ratio

from omnilink.identity._normalize import (
    NormRecord,
    known_first_name,
    letters,
    partial_date,
    particle_suffixes,
)
from omnilink.identity._normalize import nick_tables as _nick_tables

if TYPE_CHECKING:
    import numpy.typing as npt

    from omnilink.identity._table import RecordTable

    IntArray = npt.NDArray[Any]
    BoolArray = npt.NDArray[Any]
    FloatArray = npt.NDArray[Any]
    VectorFn = Callable[[IntArray, IntArray], IntArray]

__all__ = [
    "NULL",
    "AddressComparator",
    "CityComparator",
    "Comparator",
    "DateComparator",
    "EmailComparator",
    "EmailNameComparator",
    "EmailSet",
    "ExactComparator",
    "ExternalIdComparator",
    "FirstNameComparator",
    "HandleComparator",
    "LastNameComparator",
    "PhoneComparator",
    "PostcodeComparator",
    "TextComparator",
    "nickname_equivalent",
    "nickname_forms",
    "one_digit_apart",
    "date_swapped",
]

NULL = -1

_jw = JaroWinkler.normalized_similarity
_lev = Levenshtein.distance
_ham = Hamming.distance


def nickname_equivalent(a: str, b: str) -> bool:
    """Whether one name is a known nickname of the other (bob ~ robert, liz ~ elizabeth),
    or both are nicknames of one name (bob ~ rob)."""
    if a == b:
        return True
    nicks, canon = _nick_tables()
    na = nicks.get(a)
    if na is not None and b in na:
        return True
    nb = nicks.get(b)
    if nb is not None and a in nb:
        return True
    ca = canon.get(a)
    cb = canon.get(b)
    if ca is None or cb is None:
        return False
    # Two short forms of one longer name (dan ~ danny via daniel); the nickname data also lists
    # short names as "canonical" (bill), which must not make william ~ robert.
    longest = max(len(a), len(b))
    return any(len(c) > longest for c in ca & cb)


@functools.lru_cache(maxsize=8192)
def nickname_forms(name: str) -> tuple[str, ...]:
    """Every name :func:`nickname_equivalent` to ``name`` (itself excluded), sorted: its
    nicknames, the names it is a nickname of, and their other nicknames."""
    nicks, canon = _nick_tables()
    near = set(nicks.get(name, ()))
    for c in canon.get(name, ()):
        near.add(c)
        near.update(nicks.get(c, ()))
    return tuple(sorted(x for x in near if x != name and nickname_equivalent(name, x)))


def one_digit_apart(a: str, b: str) -> bool:
    """Same length and one substituted character, or two adjacent characters transposed."""
    if len(a) != len(b) or a == b:
        return False
    # Most pairs differ in many places: the C Hamming distance settles them without a loop.
    d = _ham(a, b, score_cutoff=2)
    if d == 1:
        return True
    if d != 2:
        return False
    # Two differences: a transposition of neighbours counts as one typo.
    diffs = [i for i in range(len(a)) if a[i] != b[i]]
    return diffs[1] == diffs[0] + 1 and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]]


def date_swapped(a: str, b: str) -> bool:
    """``YYYYMMDD`` dates equal once day and month are swapped."""
    return len(a) == 8 and len(b) == 8 and a[:4] == b[:4] and a[4:6] == b[6:8] and a[6:8] == b[4:6] and a != b


def _unspaced_equal(a: str, b: str) -> bool:
    """One name written two ways: with and without spaces ("De Luca" and "DeLuca", "van der
    Berg" and "Vanderberg", "Mary Ann" and "Maryann"; a hyphen is a space by now: "Mary-Ann"),
    or with an umlaut written out or dropped (:func:`name_key`: "Müller", "Mueller" and
    "Muller"; "Jürgen" and "Juergen")."""
    if " " in a or " " in b or "e" in a or "e" in b:
        return name_key(a) == name_key(b)
    return False


_UMLAUT_DIGRAPH = re.compile(r"(?:([ou])e(?=[b-df-hj-np-tv-z])|(a)e(?=[b-df-hj-km-np-tv-z]))")
"""ae, oe and ue before a consonant: how German, Danish and Norwegian names write ä, ö, ü, ø and
æ in ASCII (Mueller, Schroeder, Jaeger, Soeren); not at a name's end (Joe, Zoe, Mae are
names), nor ae before an l (Michael is no Michal, Rafael no Rafal)."""


@functools.lru_cache(maxsize=65536)
def name_key(name: str) -> str:
    """A name as :func:`_unspaced_equal` compares it: without spaces, and with an umlaut's
    digraph as its vowel (:data:`_UMLAUT_DIGRAPH`), as accents are already dropped: "Müller"
    (muller), "Mueller" and "Muller" are one key. Cached: names recur, and a candidate pair
    whose names differ asks for two keys (a regex substitution each, ~1 µs)."""
    key = name.replace(" ", "")
    return _UMLAUT_DIGRAPH.sub(lambda m: m.group(1) or m.group(2), key) if "e" in key else key


def _particle_variant(a: str, b: str) -> bool:
    """One surname with and without its particles: "DeLuca" and the "Luca" a full name "Anna De
    Luca" keeps (:func:`split_full_name` leaves particles out), "van der Berg" and "Berg"; the
    rule of :func:`particle_suffixes`, which the vectorized form reads too."""
    if a[-1:] != b[-1:]:  # most pairs end apart: no other test
        return False
    return b.replace(" ", "") in particle_suffixes(a) or a.replace(" ", "") in particle_suffixes(b)


def _short_form(a: str, b: str) -> bool:
    """An initial or a short form of the other name (j ~ john, art ~ arthur, matt ~ matthew),
    or the initial of a longer name it is a nickname of (c ~ kit, Christopher; r ~ bob, Robert:
    :func:`initial_of_a_form`)."""
    if len(a) > len(b):
        a, b = b, a
    if len(a) == 1:
        return initial_fits(a, b)
    return len(a) >= 3 and b.startswith(a)


def initial_fits(initial: str, name: str) -> bool:
    """Whether a one-letter first name fits ``name``: its initial, or the initial of a longer
    name it is a nickname of (:func:`initial_of_a_form`). The comparator's and the name
    guard's one rule for an initial."""
    return initial == name[0] or initial_of_a_form(initial, name)


def initial_of_a_form(initial: str, name: str) -> bool:
    """Whether ``initial`` begins a longer name that ``name`` is a nickname of: an address's
    initial ("rsmith@", "c.davis@", which a record without a first name takes its first name
    from) beside the nickname its owner goes by elsewhere (Bob, Kit). They had disagreed
    outright, and made the inbox look shared by two people.

    Only the longer names: a name's own nicknames are too many and too far (Margaret's Rita,
    Peggy and Daisy would make "r" a Margaret, and join her with a Robert at a household's
    phone)."""
    return initial in _form_initials(name)


@functools.lru_cache(maxsize=8192)
def _form_initials(name: str) -> frozenset[str]:
    _, canon = _nick_tables()
    return frozenset(x[0] for x in canon.get(name, ()) if len(x) > len(name))


class Comparator:
    """Base class: ``value`` reads a record, ``compare`` maps two values to a level."""

    name: str = ""
    levels: tuple[str, ...] = ()
    tf: bool = False
    """Whether the exact level (0) is term-frequency adjusted: agreeing on a common value is weaker."""
    default_m: tuple[float, ...] = ()
    """Starting m probabilities for EM (one per level), and the m used without enough data to train."""
    default_u: tuple[float, ...] = ()
    """u probabilities (two different people agreeing like this) used without enough data to
    estimate them: typical of contact data (a first name shared by ~1% of random pairs, an email
    or phone by ~0.03%), measured on synthetic contacts and FEBRL and rounded to the cautious side."""

    missing: ClassVar[int] = 0
    """What ``compare`` promises for a missing value: 1, NULL when either value is falsy; 2,
    NULL when either is None; 0, nothing (the pair is always compared). The online graph's
    score bound skips a comparator whose value is missing on either side on this promise. A
    subclass that redefines ``compare`` without restating it promises nothing."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "compare" in cls.__dict__ and "missing" not in cls.__dict__:
            cls.missing = 0
        if "value" in cls.__dict__ and "input_ids" not in cls.__dict__:
            cls.input_ids = Comparator.input_ids  # type: ignore[method-assign]

    def input_ids(self, table: RecordTable) -> IntArray | None:
        """For a batch's column: an id per record of what :meth:`value` reads from it (equal ids,
        equal values; ``-1``: no value), so that ``value`` runs once per distinct input and the
        column is interned as it is made. None: ``value`` runs for every record. A subclass that
        redefines ``value`` without restating this reads every record."""
        return None

    def value(self, rec: NormRecord) -> Any:
        raise NotImplementedError

    def compare(self, a: Any, b: Any) -> int:
        raise NotImplementedError

    def vectorized(self, values: list[Any]) -> VectorFn | None:
        """A function giving ``compare(values[x], values[y])`` for two arrays of indexes into
        ``values``, as an ``int8`` array, or None (then pairs are compared one by one).

        Built once per batch over a column's distinct values (needs numpy); the levels are
        exactly those of ``compare`` (see "Vectorized comparisons" below).
        """
        return None

    def tf_key(self, value: Any) -> Hashable | None:
        """The value whose frequency adjusts the exact level (None: no adjustment)."""
        return value if isinstance(value, str) else None

    def display(self, value: Any) -> Any:
        return value

    def safe_compare(self, a: Any, b: Any) -> int:
        """``compare`` that cannot raise: any failure counts as "no evidence"."""
        try:
            return self.compare(a, b)
        except Exception:  # comparators must never stop a run
            return NULL

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class _Fuzzy(Comparator):
    """exact / jw >= hi / jw >= lo / different."""

    levels = ("exact", "jw>=0.92", "jw>=0.80", "different")
    default_m = (0.85, 0.08, 0.04, 0.03)
    default_u = (0.01, 0.01, 0.05, 0.93)
    hi = 0.92
    lo = 0.80

    def vectorized(self, values: list[Any]) -> VectorFn | None:
        return _vec_fuzzy(self, values) if _own_compare(self, _Fuzzy) else None

    missing = 1

    def compare(self, a: Any, b: Any) -> int:
        if not a or not b:
            return NULL
        if a == b:
            return 0
        s = _jw(a, b)
        if s >= self.hi:
            return 1
        if s >= self.lo:
            return 2
        return 3


class FirstNameComparator(Comparator):
    """First names: exact / nickname or initial / swapped with the surname / Jaro-Winkler bands.

    The value is ``(first, last)``, or ``(first, last, middle)`` for a record with middle words
    (:attr:`NormRecord.middle`). "Swapped" is also a first name that is no known first name and
    is one of the other record's middle words: a surname read as a first name, in a full name
    that holds only surnames ("López Gómez", or "Sánchez", beside "Marta López Gómez" and
    "Alejandro Sánchez Álvarez": their first surnames). A known first name among the other's
    middle words stays what it was ("James Smith" and his son "John James Smith")."""

    name = "first_name"
    levels = ("exact", "nickname", "jw>=0.92", "swapped", "jw>=0.80", "different")
    default_m = (0.85, 0.03, 0.06, 0.01, 0.02, 0.03)
    default_u = (0.01, 0.004, 0.002, 0.001, 0.006, 0.977)
    tf = True

    def value(self, rec: NormRecord) -> Any:
        if not rec.first:
            return None
        return (rec.first, rec.last) if rec.middle is None else (rec.first, rec.last, rec.middle)

    def input_ids(self, table: RecordTable) -> IntArray | None:
        import numpy as np

        return np.where(table.first.ids >= 0, table.name_parts.ids, -1)

    def tf_key(self, value: Any) -> Hashable | None:
        return value[0] if value else None

    def display(self, value: Any) -> Any:
        return value[0] if value else None

    def vectorized(self, values: list[Any]) -> VectorFn | None:
        return _vec_names(self, values, first=True) if _own_compare(self, FirstNameComparator) else None

    missing = 1

    def compare(self, a: Any, b: Any) -> int:
        if not a or not b:
            return NULL
        fa = a[0]
        fb = b[0]
        if fa == fb or _unspaced_equal(fa, fb):
            return 0
        if nickname_equivalent(fa, fb) or _short_form(fa, fb):
            return 1
        s = _jw(fa, fb)
        if s >= 0.92:
            return 2
        la = a[1]
        lb = b[1]
        if (
            (lb and fa == lb)
            or (la and fb == la)
            or (len(b) == 3 and _surname_in_middle(fa, b[2]))
            or (len(a) == 3 and _surname_in_middle(fb, a[2]))
        ):
            return 3
        if s >= 0.80:
            return 4
        return 5


def _surname_in_middle(first: str, middle: str | None) -> bool:
    """Whether ``first`` is among the middle words ``middle`` and no known first name: a
    surname read as a first name."""
    return middle is not None and first in middle.split() and not known_first_name(first)


class LastNameComparator(Comparator):
    """Surnames: exact / Jaro-Winkler >= 0.92 / swapped with the first name / Jaro-Winkler >= 0.80,
    an initial of the other or a shared word / different.

    An initial is how chat widgets, support desks and privacy-minded forms show a surname
    ("Jane D."); against a surname with another first letter it is different.

    A shared word is one word of a double-barrelled surname ("García López" and "García"), or
    one surname among the middle words of a full name ("María García López", whose last name
    is "López", and "María García"). The value is ``(last, first)``, or ``(last, first,
    middle)`` for a record with middle words (:attr:`NormRecord.middle`)."""

    name = "last_name"
    levels = ("exact", "jw>=0.92", "swapped", "jw>=0.80", "different")
    default_m = (0.85, 0.08, 0.01, 0.03, 0.03)
    default_u = (0.008, 0.002, 0.001, 0.005, 0.984)
    tf = True

    def value(self, rec: NormRecord) -> Any:
        if not rec.last:
            return None
        return (rec.last, rec.first) if rec.middle is None else (rec.last, rec.first, rec.middle)

    def input_ids(self, table: RecordTable) -> IntArray | None:
        import numpy as np

        return np.where(table.last.ids >= 0, table.name_parts.ids, -1)

    def tf_key(self, value: Any) -> Hashable | None:
        return value[0] if value else None

    def display(self, value: Any) -> Any:
        if not value:
            return None
        # The middle words too, in the order written: "garcia lopez" shows why "garcia" agrees.
        return value[0] if len(value) < 3 or not value[2] else f"{value[2]} {value[0]}"

    def vectorized(self, values: list[Any]) -> VectorFn | None:
        return _vec_names(self, values, first=False) if _own_compare(self, LastNameComparator) else None

    missing = 1

    def compare(self, a: Any, b: Any) -> int:
        if not a or not b:
            return NULL
        la, fa, *ma = a
        lb, fb, *mb = b
        if la == lb or _unspaced_equal(la, lb):
            return 0
        s = _jw(la, lb)
        if s >= 0.92 or _particle_variant(la, lb):
            return 1
        if (fb and la == fb) or (fa and lb == fa):
            return 2
        if s >= 0.80 or ((len(la) == 1 or len(lb) == 1) and la[0] == lb[0]):
            return 3  # or an initial of the other ("Jane D.", as chat widgets show a name)
        # Double-barrelled and changed surnames: one contains the other as a word, or has it
        # among its full name's middle words (never middle word against middle word: two
        # sisters' "García López" and "García Pérez" share one). Single words without middle
        # words, nearly every pair that gets here, cannot share one: no sets made for them.
        if not (ma or mb or " " in la or " " in lb or "-" in la or "-" in lb):
            return 4
        wa, wb = _words(la), _words(lb)
        if (
            wa & wb
            or (mb and mb[0] and wa & set(mb[0].split()))
            or (ma and ma[0] and wb & set(ma[0].split()))
        ):
            return 3
        return 4


class _StrongSet(Comparator):
    """Sets of canonical identifiers: exact (some value in common) / exact but weak / different.

    ``weak`` is a set owned by the engine (role mailboxes, placeholders, identifiers seen with
    many different people): agreeing on one of those is evidence with its own, smaller weight.
    """

    def __init__(self, weak: set[str]) -> None:
        self.weak = weak

    def value(self, rec: NormRecord) -> Any:
        raise NotImplementedError

    def display(self, value: Any) -> Any:
        return ", ".join(value) if value else None

    def _common(self, a: tuple[str, ...], b: tuple[str, ...]) -> int:
        """0: a strong common value, 1: only weak common values, 2: none in common."""
        if len(a) == 1 and len(b) == 1:
            if a[0] == b[0]:
                return 1 if a[0] in self.weak else 0
            return 2
        common = set(a).intersection(b)
        if not common:
            return 2
        return 1 if all(v in self.weak for v in common) else 0


class EmailSet(tuple[str, ...]):
    """A record's canonical emails, carrying the record's first and last name.

    The names let :class:`EmailComparator` tell a local part that merely spells the name
    (``finn.schneider@``) from one that says something of its own (``fs1987@``). A plain
    tuple of emails is accepted too (no names known). The local parts are split off once
    here, so comparing two values does no string surgery.
    """

    names: tuple[str | None, str | None] = (None, None)
    locals_: tuple[str, ...] = ()
    folded: tuple[str, ...] = ()
    """Each local part as letters only, transliterations folded (what the name rule compares)."""
    digits: tuple[str, ...] = ()
    name_parts: tuple[str, str] = ("", "")
    """The first and last name folded the same way ("" when missing)."""
    _hash: int = 0

    # The names are part of the value: code that shares work between equal values (interning
    # a column) must not hand one record's names to another.
    def __eq__(self, other: object) -> bool:
        if isinstance(other, EmailSet):
            return tuple.__eq__(self, other) and self.names == other.names
        return tuple.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        h = self._hash
        if not h:
            h = self._hash = hash((tuple(self), self.names)) or 1
        return h

    def __reduce__(self) -> tuple[Any, ...]:  # the string hash is per process: rebuild it
        return (EmailSet.of, (tuple(self), *self.names))

    @classmethod
    def of(cls, emails: tuple[str, ...], first: str | None, last: str | None) -> EmailSet:
        out = cls(emails)
        out.names = (first, last)
        out._prepare()
        return out

    def _prepare(self) -> None:
        # Built for every record with an e-mail (a million in a large batch): one e-mail, by far
        # the most common, skips the generators, and names repeat, so their folding is cached.
        if len(self) == 1:
            lp = self[0].rpartition("@")[0]
            self.locals_ = (lp,)
            self.folded = (_fold(lp),)
            self.digits = (_digits(lp),)
        else:
            self.locals_ = tuple(e.rpartition("@")[0] for e in self)
            self.folded = tuple(_fold(lp) for lp in self.locals_)
            self.digits = tuple(_digits(lp) for lp in self.locals_)
        first, last = self.names
        self.name_parts = (_fold_name(first) if first else "", _fold_name(last) if last else "")


def _as_email_set(value: Any) -> EmailSet:
    """A plain tuple of emails as an :class:`EmailSet` without names."""
    if isinstance(value, EmailSet):
        return value
    out = EmailSet(value)
    out._prepare()
    return out


_NOT_A_TO_Z = re.compile("[^a-z]+")
_NOT_0_TO_9 = re.compile("[^0-9]+")


def _fold(text: str) -> str:
    """Letters only, with the transliterations people use in addresses folded (ue -> u, ss -> s)."""
    return _fold_pairs(_NOT_A_TO_Z.sub("", text))


@functools.lru_cache(maxsize=65536)
def _fold_name(name: str) -> str:
    """:func:`_fold` of a first or last name; a name recurs across a data set's records."""
    return _fold(name)


def _fold_pairs(t: str) -> str:
    return t.replace("ae", "a").replace("oe", "o").replace("ue", "u").replace("ss", "s")


def _joins(f: str, la: str) -> tuple[str, ...]:
    """The local parts a first and a last name make, folded as a whole the way a local part is
    (james + smith: "jamesmith", which is what jamessmith@ folds to)."""
    return tuple(_fold_pairs(x) for x in (f + la, la + f, f[0] + la, la + f[0], f + la[0]))


def _forms(firsts: set[str], lasts: set[str]) -> set[str]:
    """The local parts folded first and last names make: first, last, firstlast, lastfirst,
    flast, lastf, firstl ("" names left out)."""
    firsts.discard("")
    lasts.discard("")
    forms = firsts | lasts
    for f in firsts:
        for la in lasts:
            forms.update(_joins(f, la))
    return forms


@functools.lru_cache(maxsize=8192)
def _forms_of(fa: str, la: str, fb: str, lb: str) -> frozenset[str]:
    """:func:`_forms` of two records' names, already folded ("" when missing)."""
    return frozenset(_forms({fa, fb}, {la, lb}))


def _digits(text: str) -> str:
    """The digits of ``text`` (any script's, as ``str.isdigit`` says)."""
    if text.isascii():  # one regex pass; the same as the loop below for ASCII text
        return _NOT_0_TO_9.sub("", text)
    return "".join(ch for ch in text if ch.isdigit())


def _with_names(tuple_ids: IntArray, table: RecordTable) -> IntArray:
    """Ids of (a record's tuple of values, ``-1`` for none, and its first and last name)."""
    from omnilink.identity._table import pack

    names = table.names
    size = int(tuple_ids.max(initial=-1)) + 2
    return pack((tuple_ids + 1, size), (names.ids + 1, len(names.values) + 1))


class EmailComparator(_StrongSet):
    """Emails: the same mailbox / a guarded one / the same local part elsewhere / similar / different.

    The local-part levels compare what people chose for themselves. Two different people called
    Finn Schneider both own ``finn.schneider@`` somewhere, so when both local parts are only the
    record's name (and any digits do not agree), their similarity repeats what the name
    comparators already counted: the comparator then gives no evidence (NULL) instead of
    counting the name a third time. Role mailboxes and placeholders never agree on a local part
    (``info@a.com`` and ``info@b.com`` are not one person).
    """

    name = "email"
    levels = ("exact", "exact-guarded", "same-local-part", "local-jw>=0.88", "different")
    default_m = (0.6, 0.01, 0.1, 0.09, 0.2)
    # No partial level outweighs "exact" (test_online_defaults): the same mailbox name at
    # another domain is rarer in one person's records and commoner among strangers.
    default_u = (0.0003, 0.0001, 0.0001, 0.0003, 0.9992)

    def value(self, rec: NormRecord) -> Any:
        return EmailSet.of(rec.emails, rec.first, rec.last) if rec.emails else None

    def input_ids(self, table: RecordTable) -> IntArray | None:
        import numpy as np

        emails = table.emails.tuple_ids()
        return np.where(emails >= 0, _with_names(emails, table), -1)

    def vectorized(self, values: list[Any]) -> VectorFn | None:
        return _vec_email(self, values) if _own_compare(self, EmailComparator) else None

    missing = 1

    def compare(self, a: Any, b: Any) -> int:
        if not a or not b:
            return NULL
        weak = self.weak
        if len(a) == 1 and len(b) == 1:
            # The usual case, without sets: one address on each side.
            x = a[0]
            y = b[0]
            if x == y:
                return 1 if x in weak else 0
            if x in weak or y in weak:
                return NULL
            if type(a) is not EmailSet:
                a = _as_email_set(a)
            if type(b) is not EmailSet:
                b = _as_email_set(b)
            lx = a.locals_[0]
            ly = b.locals_[0]
            if lx == ly and len(lx) >= 4:
                got = 2
            elif _jw(lx, ly, score_cutoff=0.88):
                got = 3
            else:
                return 4
            return NULL if _name_made(a, 0, b, 0) else got
        c = self._common(a, b)
        if c < 2:
            return c
        if all(x in weak for x in a) or all(y in weak for y in b):
            return NULL
        a = _as_email_set(a)
        b = _as_email_set(b)
        level = 4
        name_made = False
        for k, (x, lx) in enumerate(zip(a, a.locals_, strict=True)):
            if x in weak:
                continue
            for m, (y, ly) in enumerate(zip(b, b.locals_, strict=True)):
                if y in weak:
                    continue
                if lx == ly and len(lx) >= 4:
                    got = 2
                elif _jw(lx, ly, score_cutoff=0.88):
                    got = 3
                else:
                    continue
                if got >= level:
                    continue
                if _name_made(a, k, b, m):
                    name_made = True
                    continue
                level = got
        if level == 4 and name_made:
            return NULL
        return level


def _name_made(a: EmailSet, k: int, b: EmailSet, m: int) -> bool:
    """Local parts ``a[k]`` and ``b[m]`` both only spell the records' names (digits not agreeing)."""
    dx = a.digits[k]
    if dx and dx == b.digits[m]:
        return False
    fa, la = a.name_parts
    fb, lb = b.name_parts
    forms = _forms_of(fa, la, fb, lb)
    return a.folded[k] in forms and b.folded[m] in forms


class PhoneComparator(_StrongSet):
    name = "phone"
    levels = ("exact", "exact-guarded", "one-digit-typo", "same-last-7", "different")
    default_m = (0.6, 0.01, 0.08, 0.01, 0.3)
    # A number has dozens of numbers one digit away: strangers are one typo apart more often
    # than they share one, so the typo weighs less than the exact number.
    default_u = (0.0003, 0.0001, 0.0001, 0.00003, 0.99947)

    def value(self, rec: NormRecord) -> Any:
        return rec.phones or None

    def input_ids(self, table: RecordTable) -> IntArray | None:
        return table.phones.tuple_ids()

    def vectorized(self, values: list[Any]) -> VectorFn | None:
        return _vec_phone(self, values) if _own_compare(self, PhoneComparator) else None

    missing = 1

    def compare(self, a: Any, b: Any) -> int:
        if not a or not b:
            return NULL
        c = self._common(a, b)
        if c < 2:
            return c
        last7 = False
        for x in a:
            for y in b:
                if one_digit_apart(x, y):
                    return 2
                if len(x) >= 8 and len(y) >= 8 and x[-7:] == y[-7:]:
                    last7 = True
        return 3 if last7 else 4


class HandleComparator(_StrongSet):
    name = "handle"
    levels = ("exact", "exact-guarded", "same-handle-other-platform", "different")
    default_m = (0.6, 0.01, 0.1, 0.29)
    default_u = (0.0001, 0.0001, 0.001, 0.9988)

    def value(self, rec: NormRecord) -> Any:
        return rec.handles or None

    def input_ids(self, table: RecordTable) -> IntArray | None:
        return table.handles.tuple_ids()

    def vectorized(self, values: list[Any]) -> VectorFn | None:
        return _vec_handle(self, values) if _own_compare(self, HandleComparator) else None

    missing = 1

    def compare(self, a: Any, b: Any) -> int:
        if not a or not b:
            return NULL
        c = self._common(a, b)
        if c < 2:
            return c
        ha = {h.partition(":")[2] or h for h in a}
        hb = {h.partition(":")[2] or h for h in b}
        return 2 if ha & hb else 3


class EmailNameComparator(Comparator):
    """An email local part against the other record's name (jsmith@ ~ John Smith).

    Only speaks when the record holding the email has no full name of its own and the other
    record has no email: otherwise the name and email comparators already compare the same
    facts, and counting them twice would overstate the evidence.
    """

    name = "email_vs_name"
    levels = ("local-part-is-name", "local-part-has-surname", "different")
    default_m = (0.3, 0.3, 0.4)
    default_u = (0.001, 0.015, 0.984)

    def value(self, rec: NormRecord) -> Any:
        emails = rec.emails
        if len(emails) == 1:
            locals_: tuple[str, ...] = (letters(emails[0].rpartition("@")[0]),)
        else:
            locals_ = tuple(letters(e.rpartition("@")[0]) for e in emails)
        return (locals_, (rec.first or "").replace(" ", ""), (rec.last or "").replace(" ", ""))

    def input_ids(self, table: RecordTable) -> IntArray | None:
        return _with_names(table.emails.tuple_ids(), table)

    def display(self, value: Any) -> Any:
        if not value:
            return None
        locals_, first, last = value
        return ", ".join(locals_) if locals_ else f"{first} {last}".strip() or None

    @staticmethod
    def _score(locals_: tuple[str, ...], first: str, last: str) -> int:
        best = 2
        for lp in locals_:
            if len(last) >= 3 and last in lp:
                rest = lp.replace(last, "", 1)
                if first and (
                    rest == first or rest == first[0] or rest.startswith(first) or rest == first[0] * 1
                ):
                    return 0
                best = 1
        return best

    def vectorized(self, values: list[Any]) -> VectorFn | None:
        return _vec_email_name(self, values) if _own_compare(self, EmailNameComparator) else None

    missing = 1

    def compare(self, a: Any, b: Any) -> int:
        if not a or not b:
            return NULL
        la, fa, sa = a
        lb, fb, sb = b
        if la and not lb and fb and sb and not (fa and sa):
            return self._score(la, fb, sb)
        if lb and not la and fa and sa and not (fb and sb):
            return self._score(lb, fa, sa)
        return NULL


class ExternalIdComparator(Comparator):
    """An id from another system: equal or not."""

    levels = ("exact", "different")
    default_m = (0.9, 0.1)
    default_u = (0.0001, 0.9999)

    def __init__(self, column: str) -> None:
        self.column = column
        self.name = f"external_id:{column}"

    def value(self, rec: NormRecord) -> Any:
        for col, v in rec.externals:
            if col == self.column:
                return v
        return None

    def input_ids(self, table: RecordTable) -> IntArray | None:
        import numpy as np

        x = table.externals
        mine = np.array([col == self.column for col, _ in x.values] + [False], dtype=bool)
        rows = np.flatnonzero(mine[x.ids])
        recs, first = np.unique(x.recs[rows], return_index=True)  # a record's first such id
        out = np.full(table.n, -1, dtype=np.int64)
        out[recs] = x.ids[rows[first]]
        return out

    missing = 2

    def compare(self, a: Any, b: Any) -> int:
        if a is None or b is None:
            return NULL
        return 0 if a == b else 1


class _Column(Comparator):
    def __init__(self, column: str) -> None:
        self.column = column
        self.name = column

    def value(self, rec: NormRecord) -> Any:
        return rec.values.get(self.column)

    def input_ids(self, table: RecordTable) -> IntArray | None:
        return table.value(self.column).ids


class ExactComparator(_Column):
    """Codes (national ids, states, genders): exact / one edit (long codes only) / different."""

    levels = ("exact", "one-edit", "different")
    default_m = (0.9, 0.05, 0.05)
    # "exact" is the average code's (a state, a gender: common); "one-edit" applies to long
    # codes only, but must not weigh more than their exact agreement does untrained.
    default_u = (0.25, 0.03, 0.72)
    tf = True

    def vectorized(self, values: list[Any]) -> VectorFn | None:
        return _vec_edits(self, values, min_len=5) if _own_compare(self, ExactComparator) else None

    missing = 1

    def compare(self, a: Any, b: Any) -> int:
        if not a or not b:
            return NULL
        if a == b:
            return 0
        if len(a) >= 5 and len(b) >= 5 and (one_digit_apart(a, b) or _lev(a, b, score_cutoff=1) <= 1):
            return 1
        return 2


class PostcodeComparator(_Column):
    levels = ("exact", "one-edit", "different")
    default_m = (0.85, 0.08, 0.07)
    default_u = (0.001, 0.005, 0.994)
    tf = True

    def vectorized(self, values: list[Any]) -> VectorFn | None:
        return _vec_edits(self, values, min_len=0) if _own_compare(self, PostcodeComparator) else None

    missing = 1

    def compare(self, a: Any, b: Any) -> int:
        if not a or not b:
            return NULL
        if a == b:
            return 0
        if one_digit_apart(a, b) or _lev(a, b, score_cutoff=1) <= 1:
            return 1
        return 2


class CityComparator(_Column):
    """Cities. With a postcode column, the city speaks only when a postcode is missing on one
    side: a postcode already implies its city, and counting both would count one fact twice."""

    levels = ("exact", "jw>=0.90", "different")
    default_m = (0.85, 0.08, 0.07)
    # Without data to measure it, a city is assumed shared by 1 in 5 random pairs: a local
    # business's customers mostly live in one or two (at 1 in 20, two namesakes in one city
    # linked in an untrained graph, against the promise of FSModel.default).
    default_u = (0.20, 0.04, 0.76)
    tf = True

    def __init__(self, column: str, postcode_column: str | None = None) -> None:
        super().__init__(column)
        self.postcode_column = postcode_column

    def value(self, rec: NormRecord) -> Any:
        city = rec.values.get(self.column)
        if city is None:
            return None
        if self.postcode_column is None:
            return (city, False)
        return (city, self.postcode_column in rec.values)

    def input_ids(self, table: RecordTable) -> IntArray | None:
        import numpy as np

        city = table.value(self.column).ids
        if self.postcode_column is None:
            return city
        has_postcode = table.value(self.postcode_column).ids >= 0
        return np.where(city >= 0, city * 2 + has_postcode, -1)

    def tf_key(self, value: Any) -> Hashable | None:
        return value[0] if value else None

    def display(self, value: Any) -> Any:
        return value[0] if value else None

    def vectorized(self, values: list[Any]) -> VectorFn | None:
        return _vec_city(self, values) if _own_compare(self, CityComparator) else None

    missing = 1

    def compare(self, a: Any, b: Any) -> int:
        if not a or not b:
            return NULL
        if a[1] and b[1]:
            return NULL
        ca, cb = a[0], b[0]
        if ca == cb:
            return 0
        return 1 if _jw(ca, cb) >= 0.90 else 2


class DateComparator(_Column):
    """Dates: exact / day and month swapped / one typed digit or a day apart / year off by one /
    the same year or month / different.

    A month of a year (``YYYYMM``) or a year alone (``YYYY``) against a longer date gives no
    evidence (NULL) when the longer date falls in it and is "different" when it does not: "1984"
    says nothing against 7 March 1984, and much against any day of 1990; against another of its
    length, it is "different" unless equal (no typo levels). Two equal partial
    dates have a level of their own, "same-partial-date": one person in 60 or so shares a
    birth year, one in 20,000 a birth date, so in a column that holds both, "exact" would give
    a shared year the weight of a shared day. (It is no birth date agreeing for the household
    rule either: two members of a family may share a year.)
    """

    levels = ("exact", "day-month-swapped", "one-edit", "year-off-by-one", "same-partial-date", "different")
    default_m = (0.84, 0.02, 0.08, 0.02, 0.01, 0.03)
    default_u = (0.0006, 0.00005, 0.002, 0.00005, 0.0002, 0.9971)

    def vectorized(self, values: list[Any]) -> VectorFn | None:
        return _vec_date(self, values) if _own_compare(self, DateComparator) else None

    missing = 1

    def compare(self, a: Any, b: Any) -> int:
        if not a or not b:
            return NULL
        if a == b:
            return 4 if partial_date(a) else 0
        if len(a) != len(b):
            short, whole = (a, b) if len(a) < len(b) else (b, a)
            if partial_date(short):
                return NULL if whole.startswith(short) else 5
        elif partial_date(a) or partial_date(b):
            # No typo levels: of strangers, one in six has a birth year one digit from yours.
            return 5
        if date_swapped(a, b):
            return 1
        if one_digit_apart(a, b) or _lev(a, b, score_cutoff=1) <= 1 or _day_apart(a, b):
            return 2
        if (
            len(a) == 8
            and len(b) == 8
            and a[4:] == b[4:]
            and a[:4].isdigit()
            and b[:4].isdigit()
            and abs(int(a[:4]) - int(b[:4])) <= 1
        ):
            return 3
        return 5


def _day_apart(a: str, b: str) -> bool:
    """``YYYYMMDD`` dates of one month a day apart (10th vs 9th is two typed digits, one slip).

    A birth date stored as a timestamp and read back in another time zone comes out a day
    early, and people misremember or mistype a day by one; two edits apart, so the one-edit
    test alone misses 09 vs 10, 19 vs 20, 29 vs 30.
    """
    if len(a) != 8 or len(b) != 8 or a[:6] != b[:6] or not (a[6:].isdigit() and b[6:].isdigit()):
        return False
    return abs(int(a[6:]) - int(b[6:])) == 1


class AddressComparator(_Column):
    """Street addresses: exact / very similar / similar / different (Jaro-Winkler or token sets)."""

    levels = ("exact", "sim>=0.92", "sim>=0.80", "different")
    default_m = (0.75, 0.12, 0.06, 0.07)
    default_u = (0.0005, 0.0005, 0.004, 0.995)

    missing = 1

    def compare(self, a: Any, b: Any) -> int:
        if not a or not b:
            return NULL
        if a == b:
            return 0
        s = max(_jw(a, b), token_set_ratio(a, b) / 100.0)
        if s >= 0.92:
            return 1
        if s >= 0.80:
            return 2
        return 3


class TextComparator(_Fuzzy, _Column):
    def __init__(self, column: str) -> None:
        _Column.__init__(self, column)


ComparatorFactory = Callable[[str], Comparator]


# --- Vectorized comparisons -------------------------------------------------------------------
#
# The batch path (:mod:`omnilink.identity._pairs`) compares millions of pairs. A comparator may
# offer ``vectorized(values)``: built once per batch over the column's distinct values, it returns
# a function mapping two arrays of indexes into ``values`` to the levels ``compare`` gives, as an
# ``int8`` array. ``compare`` stays the specification: a vectorized function settles with array
# operations the pairs whose level it can tell for certain (equal interned strings, Jaro-Winkler
# scores from the batch scorer, exact near a threshold; edit distances; nickname pairs listed
# per column) and hands the others (sets of several values, values of an unusual shape, emails
# whose local parts may only spell the names, double-barrelled surnames) to ``compare`` itself.
# tests/identity/test_vector_compare.py holds each of them to ``compare``.

_OPEN = -3  # not settled yet
_SCALAR = -2  # settled by ``compare`` itself
_NEAR = 1e-9
"""A Jaro-Winkler score this close to a threshold is recomputed as ``compare`` computes it: the
batch scorer may sum in another order, and a ``score_cutoff`` changes the scalar result."""


class _Strings:
    """Interns strings into one id space: equal strings, equal ids; ``None`` is ``-1``.

    The per-string arrays have one more slot, at the end, so that indexing them with ``-1``
    (a missing string, in pairs that earlier rules have settled) is harmless.
    """

    def __init__(self) -> None:
        self.table: dict[str, int] = {}

    def ids(self, strings: Sequence[str | None]) -> IntArray:
        import numpy as np

        table = self.table
        return np.array(
            [-1 if s is None else table.setdefault(s, len(table)) for s in strings], dtype=np.int64
        )

    def objects(self) -> Any:
        """The distinct strings as an object array, indexed by id."""
        import numpy as np

        out = np.empty(len(self.table) + 1, dtype=object)
        out[:-1] = list(self.table)
        out[-1] = ""
        return out

    def lengths(self) -> IntArray:
        import numpy as np

        return np.array([len(s) for s in self.table] + [-1], dtype=np.int64)

    def flags(self, test: Callable[[str], bool]) -> BoolArray:
        import numpy as np

        return np.array([bool(test(s)) for s in self.table] + [False], dtype=bool)

    def char_counts(self) -> IntArray:
        """How often each string holds each of a-z, 0-9 and any other character (one column
        for all others), then its length; one row per id: what bounds how many characters two
        strings can match."""
        import numpy as np

        strings = list(self.table)
        joined = "".join(strings)
        row = np.repeat(np.arange(len(strings)), [len(s) for s in strings])
        code = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
        col = np.full(code.size, 36, dtype=np.int64)
        letter = (code >= ord("a")) & (code <= ord("z"))
        col[letter] = code[letter] - ord("a")
        digit = (code >= ord("0")) & (code <= ord("9"))
        col[digit] = code[digit] - ord("0") + 26
        out = np.bincount(row * 37 + col, minlength=(len(strings) + 1) * 37).reshape(len(strings) + 1, 37)
        out = np.concatenate([out, np.array([len(s) for s in strings] + [0])[:, None]], axis=1)
        # Narrow rows are cheaper to gather; counts are exact either way.
        return out.astype(np.uint8 if out.max(initial=0) < 256 else np.int64)

    def chars(self, max_width: int = 24) -> Any:
        """The strings as a matrix of code points (one row per id, padded with zeros; the
        narrowest unsigned type that holds them), or None when one is longer than ``max_width``
        or cannot be encoded."""
        import numpy as np

        strings = list(self.table)
        width = max(max((len(s) for s in strings), default=0), 1)
        if width > max_width:
            return None
        try:
            raw = "".join(s.ljust(width, "\0") for s in strings).encode("utf-32-le", "surrogatepass")
        except UnicodeError:  # pragma: no cover - the batch scorer handles these instead
            return None
        out = np.zeros((len(strings) + 1, width), dtype=np.uint32)
        out[:-1] = np.frombuffer(raw, dtype=np.uint32).reshape(len(strings), width)
        top = int(out.max(initial=0))
        return out.astype(np.uint8 if top < 256 else np.uint16 if top < 65536 else np.uint32)


def _flags(values: list[Any], test: Callable[[Any], bool]) -> BoolArray:
    import numpy as np

    return np.array([bool(test(v)) for v in values], dtype=bool)


class _Settle:
    """The levels of a batch of pairs, settled rule by rule in the order ``compare`` tests them.

    ``rule(mask, level)`` gives ``level`` to the pairs of ``mask`` not settled by an earlier rule;
    pairs left open or given ``_SCALAR`` are compared by ``compare`` at the end (once per
    distinct pair of values).
    """

    def __init__(self, comp: Comparator, values: list[Any], xs: IntArray, ys: IntArray) -> None:
        import numpy as np

        self.comp = comp
        self.values = values
        self.xs = xs
        self.ys = ys
        self.out = np.full(xs.size, _OPEN, dtype=np.int8)
        self.open = np.ones(xs.size, dtype=bool)

    def rule(self, mask: BoolArray, level: int) -> None:
        hit = self.open & mask
        self.out[hit] = level
        self.open &= ~hit

    def rest(self, level: int) -> IntArray:
        """Every pair still open gets ``level``; returns the levels of all pairs."""
        self.out[self.open] = level
        self.open[:] = False
        return self.done()

    def done(self) -> IntArray:
        import numpy as np

        out = self.out
        todo = np.flatnonzero(out < NULL)
        if todo.size:
            out[todo] = _scalar_levels(self.comp, self.values, self.xs[todo], self.ys[todo])
        return out

    def jw(
        self,
        strings: Any,
        a: IntArray,
        b: IntArray,
        cuts: tuple[float, ...],
        *,
        score_cutoff: float | None = None,
        counts: IntArray | None = None,
    ) -> FloatArray:
        """Jaro-Winkler scores of ``strings[a[k]], strings[b[k]]`` for the open pairs, NaN for the
        others (which compares false), for comparing with ``cuts``. One score per distinct pair
        of strings.

        Scores within ``_NEAR`` of a cut are recomputed as ``compare`` computes them (with
        ``score_cutoff`` if it passes one): only those can land on the other side of the cut.
        With ``counts`` (:meth:`_Strings.char_counts`), pairs that surely score below the lowest
        cut (:func:`_jw_below`) are not scored but given 0.
        """
        import numpy as np

        out = np.full(a.size, np.nan)
        idx = np.flatnonzero(self.open)
        if not idx.size:
            return out
        k = max(len(strings), 1)
        code, inv = np.unique(a[idx] * k + b[idx], return_inverse=True)
        x = code // k
        y = code % k
        scores = np.zeros(code.size)
        todo = np.flatnonzero(~_jw_below(counts, x, y, min(cuts))) if counts is not None else slice(None)
        scores[todo] = _jw_scores(strings, x[todo], y[todo], cuts, score_cutoff)
        out[idx] = scores[inv.ravel()]
        return out

    def one_edit(
        self,
        strings: Any,
        lengths: IntArray,
        a: IntArray,
        b: IntArray,
        where: BoolArray,
        *,
        insert: bool,
        chars: Any = None,
    ) -> BoolArray:
        """For the open pairs of ``where`` (two different strings ``strings[a[k]], strings[b[k]]``):
        ``one_digit_apart(x, y)``, or with ``insert`` ``one_digit_apart(x, y) or _lev(x, y,
        score_cutoff=1) <= 1``. False for the other pairs.

        Equal lengths: one substitution, or two adjacent characters transposed (with ``chars``,
        :meth:`_Strings.chars`, from the positions that differ; else an optimal string alignment
        distance of 1). A Levenshtein distance of 1 between equal lengths is a substitution.
        Lengths one apart: one insertion, a Levenshtein distance of 1. All exact: no scores.
        """
        import numpy as np
        from rapidfuzz.distance import OSA
        from rapidfuzz.process import cpdist

        out = np.zeros(a.size, dtype=bool)
        la = lengths[a]
        lb = lengths[b]
        where = self.open & where
        idx = np.flatnonzero(where & (la == lb))
        if idx.size and chars is not None:
            step = 1 << 19  # bounded temporaries
            for s in range(0, idx.size, step):
                part = idx[s : s + step]
                out[part] = _one_apart(chars[a[part]], chars[b[part]])
        elif idx.size:
            d = cpdist(strings[a[idx]], strings[b[idx]], scorer=OSA.distance, score_cutoff=1, workers=1)
            out[idx] = d <= 1
        if insert:
            idx = np.flatnonzero(where & (np.abs(la - lb) == 1))
            if idx.size:
                d = cpdist(strings[a[idx]], strings[b[idx]], scorer=_lev, score_cutoff=1, workers=1)
                out[idx] = d <= 1
        return out


def _jw_scores(
    strings: Any, x: IntArray, y: IntArray, cuts: tuple[float, ...], score_cutoff: float | None
) -> FloatArray:
    """Jaro-Winkler scores of ``strings[x[k]], strings[y[k]]``, exact near the ``cuts``: the batch
    scorer sums in another order than the scalar one, so scores within ``_NEAR`` of a cut are
    recomputed as ``compare`` computes them (with ``score_cutoff`` if it passes one)."""
    import numpy as np
    from rapidfuzz.process import cpdist

    xs = strings[x]
    ys = strings[y]
    # workers=1: the batch already runs one process per core.
    got: FloatArray = cpdist(xs, ys, scorer=_jw, dtype=np.float64, workers=1)
    near = np.zeros(got.size, dtype=bool)
    for cut in cuts:
        near |= np.abs(got - cut) <= _NEAR
    for q in np.flatnonzero(near).tolist():
        if score_cutoff is None:
            got[q] = _jw(xs[q], ys[q])
        else:
            got[q] = _jw(xs[q], ys[q], score_cutoff=score_cutoff)
    return got


def _jw_below(counts: IntArray, a: IntArray, b: IntArray, cut: float) -> BoolArray:
    """Pairs whose Jaro-Winkler score is surely below ``cut``.

    Jaro is ``(m / |x| + m / |y| + (m - t) / m) / 3`` with ``m`` matching characters, at most
    ``c``, the characters the two strings share (counted per kind, :meth:`_Strings.char_counts`,
    whose last column is the length), and the Winkler boost adds at most ``0.4 * (1 - jaro)``:
    a bound that needs no alignment. A margin keeps rounding on the safe side.
    """
    import numpy as np

    out = np.zeros(a.size, dtype=bool)
    step = 1 << 18  # bounded temporaries
    for s in range(0, a.size, step):
        ca = counts[a[s : s + step]]
        cb = counts[b[s : s + step]]
        lx = ca[:, -1].astype(np.float64)
        ly = cb[:, -1].astype(np.float64)
        c = np.minimum(ca[:, :-1], cb[:, :-1]).sum(axis=1, dtype=np.int64)
        jaro = (c / np.maximum(lx, 1) + c / np.maximum(ly, 1) + 1.0) / 3.0
        # Two empty strings score 1.
        out[s : s + step] = (jaro + 0.4 * (1.0 - jaro) < cut - 1e-6) & ((lx > 0) | (ly > 0))
    return out


def _one_apart(ca: Any, cb: Any) -> BoolArray:
    """:func:`one_digit_apart` of rows of code points of equal-length, different strings (equal
    padding): one position differs, or two adjacent ones hold each other's character."""
    import numpy as np

    diff = ca != cb
    n_diff = diff.sum(axis=1)
    out: BoolArray = n_diff == 1
    two = np.flatnonzero(n_diff == 2)
    if two.size:
        d = diff[two]
        first = d.argmax(axis=1)
        last = d.shape[1] - 1 - d[:, ::-1].argmax(axis=1)
        rows = np.arange(two.size)
        x = ca[two]
        y = cb[two]
        swap = (x[rows, first] == y[rows, last]) & (x[rows, last] == y[rows, first])
        out[two] = (last == first + 1) & swap
    return out


def _scalar_levels(comp: Comparator, values: list[Any], xs: IntArray, ys: IntArray) -> IntArray:
    """``comp.compare(values[x], values[y])`` for each pair, once per distinct pair, as ``int8``."""
    import numpy as np

    k = max(len(values), 1)
    code, inv = np.unique(xs.astype(np.int64) * k + ys, return_inverse=True)
    pairs = [(values[x], values[y]) for x, y in zip((code // k).tolist(), (code % k).tolist(), strict=True)]
    f = comp.compare
    try:
        res = [f(x, y) for x, y in pairs]
    except Exception:  # a comparator must never stop a run: one at a time, failures are NULL
        res = [comp.safe_compare(x, y) for x, y in pairs]
    return np.array(res, dtype=np.int8)[inv.ravel()]


def _is_str(v: Any) -> bool:
    # Exactly str: a subclass could redefine equality, which interning would not see.
    return type(v) is str


def _own_compare(comp: Comparator, cls: type[Comparator]) -> bool:
    """Whether ``comp`` compares with ``cls.compare`` (a subclass redefining it has no vector path)."""
    return type(comp).compare is cls.compare


def _missing_and_odd(values: list[Any], good: Callable[[Any], bool]) -> tuple[IntArray, BoolArray]:
    """Per value: 1 when falsy (``compare`` gives NULL), 2 when present but not of the usual
    shape (left to ``compare``, whatever it makes of it), else 0; and the 0s, as a mask."""
    import numpy as np

    flag = np.array([(2 if not good(v) else 0) if v else 1 for v in values], dtype=np.int8)
    return flag, flag == 0


def _start(comp: Comparator, values: list[Any], flag: IntArray, xs: IntArray, ys: IntArray) -> _Settle:
    st = _Settle(comp, values, xs, ys)
    f = flag[xs] | flag[ys]
    if f.any():
        st.rule((f & 1).astype(bool), NULL)  # missing on either side first, as compare tests it
        st.rule(f != 0, _SCALAR)
    return st


def _words(name: str) -> set[str]:
    return set(name.replace("-", " ").split())


def _vec_names(comp: Comparator, values: list[Any], *, first: bool) -> VectorFn:
    """First or last names: values ``(name, other name)``; ``first`` selects the level order."""
    import numpy as np
    from rapidfuzz.process import cpdist

    # (name, other name) or (name, other name, middle words)

    def good(v: Any) -> bool:
        # An empty name would make _short_form fail: compare settles it.
        return (
            type(v) is tuple
            and len(v) in (2, 3)
            and _is_str(v[0])
            and v[0] != ""
            and (v[1] is None or _is_str(v[1]))
            and (len(v) == 2 or (_is_str(v[2]) and v[2] != ""))
        )

    flag, good_mask = _missing_and_odd(values, good)
    strs = _Strings()
    ok = good_mask.tolist()
    key = strs.ids([v[0] if g else None for v, g in zip(values, ok, strict=True)])
    unspaced = _Strings().ids([name_key(v[0]) if g else None for v, g in zip(values, ok, strict=True)])
    # The swapped test reads the other name only when it is not empty.
    other = strs.ids([(v[1] or None) if g else None for v, g in zip(values, ok, strict=True)])
    # Middle words, as codes (middle id, word id) in a sorted array: a surname found among the
    # other record's middle words is the shared-word level (last names), a first name that is
    # no known one found there the swapped level (first names: _surname_in_middle).
    mstrs = _Strings()
    middle = mstrs.ids([v[2] if g and len(v) == 3 else None for v, g in zip(values, ok, strict=True)])
    word_ids = [strs.ids(m.split()) for m in mstrs.table]
    n_words = len(strs.table) + 1
    mid_codes = np.unique(
        np.concatenate([m * n_words + w for m, w in enumerate(word_ids)] or [np.zeros(0, dtype=np.int64)])
    )

    def in_middle(m: IntArray, w: IntArray) -> BoolArray:
        """Whether name ``w`` is one of the middle words ``m`` (``-1``: none)."""
        code = m * n_words + w
        pos = np.minimum(np.searchsorted(mid_codes, code), max(mid_codes.size - 1, 0))
        found: BoolArray = (m >= 0) & (w >= 0) & (mid_codes.size > 0) & (mid_codes[pos] == code)
        return found

    names = strs.objects()
    lengths = strs.lengths()
    initial = np.array([ord(s[0]) if s else -1 for s in names], dtype=np.int64)
    if first:
        known = strs.flags(known_first_name) if mid_codes.size else None
        nick_pairs = _nickname_pairs(strs, key)
        in_pairs = np.zeros(len(names), dtype=bool)
        in_pairs[nick_pairs // len(names)] = True  # (both orders are listed)
    else:
        words = strs.flags(lambda s: " " in s or "-" in s)
        # _particle_variant: codes (name id, id of a surname it holds after particles), sorted,
        # and each name's id without spaces, in one id space.
        ustrs = _Strings()
        name_unspaced = ustrs.ids([s.replace(" ", "") for s in names])
        held = [(k, suffix) for k, s in enumerate(names) for suffix in particle_suffixes(s)]
        held_ids = ustrs.ids([suffix for _, suffix in held])
        n_uns = len(ustrs.table) + 1
        held_codes = np.unique(np.array([k for k, _ in held], dtype=np.int64) * n_uns + held_ids)

        def holds(x: IntArray, y: IntArray) -> BoolArray:
            """Whether name ``x`` is name ``y`` after particles."""
            code = x * n_uns + name_unspaced[y]
            pos = np.minimum(np.searchsorted(held_codes, code), max(held_codes.size - 1, 0))
            found: BoolArray = (held_codes.size > 0) & (held_codes[pos] == code)
            return found

    n_names = len(names)

    def name_levels(x: IntArray, y: IntArray) -> IntArray:
        """The level of distinct pairs of different names, leaving out the swapped test."""
        if first:
            # Nicknames; _short_form: the same initial, and the shorter name one letter long,
            # or at least three and a prefix of the other.
            code = x * n_names + y
            one = np.zeros(x.size, dtype=bool)
            sel = np.flatnonzero(in_pairs[x] & in_pairs[y])
            if sel.size and nick_pairs.size:
                pos = np.minimum(np.searchsorted(nick_pairs, code[sel]), nick_pairs.size - 1)
                one[sel] = nick_pairs[pos] == code[sel]
            short = np.minimum(lengths[x], lengths[y])
            same_initial = initial[x] == initial[y]
            one |= same_initial & (short == 1)
            sel = np.flatnonzero(~same_initial & (short == 1))
            if sel.size:  # an initial of a name the other is a nickname of (few pairs)
                pairs = zip(x[sel].tolist(), y[sel].tolist(), strict=True)
                one[sel] = [_short_form(names[i], names[j]) for i, j in pairs]
            sel = np.flatnonzero(same_initial & (short >= 3) & ~one)
            if sel.size:
                prefix = cpdist(names[x[sel]], names[y[sel]], scorer=Prefix.similarity, workers=1)
                one[sel] = prefix == short[sel]
            g = np.full(x.size, 5, dtype=np.int8)
            g[one] = 1
            rest = np.flatnonzero(~one)
            s = _jw_scores(names, x[rest], y[rest], (0.92, 0.80), None)
            g[rest[s >= 0.80]] = 4
            g[rest[s >= 0.92]] = 2
            return g
        s = _jw_scores(names, x, y, (0.92, 0.80), None)
        g = np.full(x.size, 4, dtype=np.int8)
        g[(s >= 0.80) | ((np.minimum(lengths[x], lengths[y]) == 1) & (initial[x] == initial[y]))] = 3
        g[s >= 0.92] = 1
        if held_codes.size:
            g[holds(x, y) | holds(y, x)] = 1
        # Double-barrelled names below 0.80: compare looks for a shared word.
        g[(g == 4) & (words[x] | words[y])] = _SCALAR
        return g

    def levels(xs: IntArray, ys: IntArray) -> IntArray:
        st = _start(comp, values, flag, xs, ys)
        a = key[xs]
        b = key[ys]
        st.rule(a == b, 0)
        st.rule((unspaced[xs] == unspaced[ys]) & (a >= 0), 0)  # _unspaced_equal
        # The other levels depend on the two names only (but for the swapped test): one
        # computation per distinct pair of names.
        idx = np.flatnonzero(st.open)
        if idx.size:
            pa = a[idx]
            pb = b[idx]
            code, inv = np.unique(pa * n_names + pb, return_inverse=True)
            lv = name_levels(code // n_names, code % n_names)[inv.ravel()]
            # Swapped with the other name comes before the 0.80 band (first names), before the
            # 0.80 band and the shared word (last names). -1 (no other name) equals no name.
            swapped = (other[ys[idx]] == pa) | (other[xs[idx]] == pb)
            if first:
                if known is not None:
                    xi, yi = xs[idx], ys[idx]
                    swapped |= in_middle(middle[yi], pa) & ~known[pa]
                    swapped |= in_middle(middle[xi], pb) & ~known[pb]
                lv[swapped & (lv >= 4)] = 3
            else:
                lv[swapped & (lv != 1)] = 2
                if mid_codes.size:
                    sel = np.flatnonzero(lv == 4)
                    xi, yi = xs[idx[sel]], ys[idx[sel]]
                    shared = in_middle(middle[xi], key[yi]) | in_middle(middle[yi], key[xi])
                    lv[sel[shared]] = 3
            st.out[idx] = lv
            st.open[idx] = False
        return st.done()

    return levels


def _nickname_pairs(strs: _Strings, key: IntArray) -> IntArray:
    """Codes ``a * n + b`` (``n``: the size of ``strs.objects()``), sorted, of the pairs of
    different names of ``key`` that are ``nickname_equivalent``.

    Every such pair is found from either name: a nickname of it, a name it is a nickname of, or
    another nickname of such a name.
    """
    import numpy as np

    n = len(strs.table) + 1
    names = list(strs.table)
    id_of = {names[i]: i for i in set(key.tolist()) if i >= 0}
    codes = []
    for name, i in id_of.items():
        for other in nickname_forms(name):
            j = id_of.get(other)
            if j is not None:
                codes.append(i * n + j)
    return np.array(sorted(codes), dtype=np.int64)


def _single_str(v: Any) -> bool:
    return len(v) == 1 and _is_str(v[0])


def _vec_email(comp: EmailComparator, values: list[Any]) -> VectorFn:
    """One address on each side settled with arrays; sets of several go to ``compare``."""
    import numpy as np

    def good(v: Any) -> bool:
        if isinstance(v, EmailSet):
            return _single_str(v) and len(v.locals_) == 1
        return type(v) is tuple and _single_str(v)

    flag, good_mask = _missing_and_odd(values, good)
    weak = comp.weak
    ok = good_mask.tolist()
    addr = [v[0] if g else None for v, g in zip(values, ok, strict=True)]
    local = [
        (v.locals_[0] if isinstance(v, EmailSet) else v[0].rpartition("@")[0]) if g else None
        for v, g in zip(values, ok, strict=True)
    ]
    aid = _Strings().ids(addr)
    is_weak = _flags(addr, lambda x: x is not None and x in weak)
    lstrs = _Strings()
    lid = lstrs.ids(local)
    long = _flags(local, lambda x: x is not None and len(x) >= 4)
    locals_ = lstrs.objects()
    counts = lstrs.char_counts()
    # For _name_made: the digits of each local part (an id; -1 when none), the local part folded
    # (an id), and per distinct name the forms it makes (ids of folded local parts, -1 for the
    # others; computed for the names that need them, a row of -2 meaning not yet).
    emails = [_as_email_set(v) if g else None for v, g in zip(values, ok, strict=True)]
    digits = _Strings().ids([(e.digits[0] or None) if e is not None else None for e in emails])
    fstrs = _Strings()
    folded = fstrs.ids([e.folded[0] if e is not None else None for e in emails])
    name_of: dict[tuple[str, str], int] = {}
    name = np.array(
        [name_of.setdefault(e.name_parts, len(name_of)) if e is not None else -1 for e in emails],
        dtype=np.int64,
    )
    names = list(name_of)
    del name_of
    forms = np.full((len(names) + 1, 7), -2, dtype=np.int64)
    forms[-1] = -1  # no email: no forms
    nstrs = _Strings()
    first = nstrs.ids([(e.name_parts[0] or None) if e is not None else None for e in emails])
    last = nstrs.ids([(e.name_parts[1] or None) if e is not None else None for e in emails])

    def own_forms(idx: IntArray) -> IntArray:
        n = name[idx]
        table = fstrs.table
        for k in np.unique(n[forms[n, 0] == -2]).tolist():
            row = [table.get(f, -1) for f in _forms_of(*names[k], "", "")]
            forms[k] = -1
            forms[k, : len(row)] = row
        got: IntArray = forms[n]
        return got

    def levels(xs: IntArray, ys: IntArray) -> IntArray:
        st = _start(comp, values, flag, xs, ys)
        eq = aid[xs] == aid[ys]
        st.rule(eq & is_weak[xs], 1)
        st.rule(eq, 0)
        st.rule(is_weak[xs] | is_weak[ys], NULL)
        la = lid[xs]
        lb = lid[ys]
        # The same (2) or a similar (3) local part, unless both only spell the names: NULL.
        # _name_made is false when the digits agree. Otherwise it is true when each local part
        # is among the forms either record's own name makes (the names of both records make
        # those and more), and false when not if the names of both make no more: that is, when
        # they share the first or the last name, or a mixed pair (one's first name, the other's
        # last name) is missing a part. compare settles the rest.
        agree = (digits[xs] == digits[ys]) & (digits[xs] >= 0)
        fa, fb, la_, lb_ = first[xs], first[ys], last[xs], last[ys]
        shared = (fa == fb) | (la_ == lb_)
        no_more = (shared | (fa < 0) | (lb_ < 0)) & (shared | (fb < 0) | (la_ < 0))

        def both_own(mask: BoolArray) -> BoolArray:
            out = np.zeros(mask.size, dtype=bool)
            idx = np.flatnonzero(st.open & mask)
            if idx.size:
                fa = own_forms(xs[idx])
                fb = own_forms(ys[idx])
                xa = folded[xs[idx]][:, None]
                xb = folded[ys[idx]][:, None]
                out[idx] = ((fa == xa) | (fb == xa)).any(axis=1) & ((fa == xb) | (fb == xb)).any(axis=1)
            return out

        same = (la == lb) & long[xs]
        st.rule(same & agree, 2)
        st.rule(both_own(same), NULL)
        st.rule(same & no_more, 2)
        st.rule(same, _SCALAR)
        s = st.jw(locals_, la, lb, (0.88,), score_cutoff=0.88, counts=counts)
        similar = s >= 0.88
        st.rule(similar & agree, 3)
        st.rule(both_own(similar), NULL)
        st.rule(similar & no_more, 3)
        st.rule(similar, _SCALAR)
        return st.rest(4)

    return levels


def _single_values(comp: _StrongSet, values: list[Any]) -> tuple[IntArray, list[str | None], BoolArray]:
    """For a set comparator: (missing/odd flags, each value's one element or None when it holds
    none or several, whether that element is weak)."""

    def good(v: Any) -> bool:
        return type(v) is tuple and _single_str(v)

    flag, good_mask = _missing_and_odd(values, good)
    weak = comp.weak
    firsts = [v[0] if g else None for v, g in zip(values, good_mask.tolist(), strict=True)]
    return flag, firsts, _flags(firsts, lambda x: x is not None and x in weak)


def _vec_phone(comp: PhoneComparator, values: list[Any]) -> VectorFn:
    """One number on each side settled with arrays; sets of several go to ``compare``."""

    flag, num, is_weak = _single_values(comp, values)
    strs = _Strings()
    pid = strs.ids(num)
    nums = strs.objects()
    lengths = strs.lengths()
    chars = strs.chars()
    last7 = _Strings().ids([x[-7:] if x is not None and len(x) >= 8 else None for x in num])

    def levels(xs: IntArray, ys: IntArray) -> IntArray:
        st = _start(comp, values, flag, xs, ys)
        a = pid[xs]
        b = pid[ys]
        eq = a == b
        st.rule(eq & is_weak[xs], 1)
        st.rule(eq, 0)
        st.rule(st.one_edit(nums, lengths, a, b, ~eq, insert=False, chars=chars), 2)
        st.rule((last7[xs] == last7[ys]) & (last7[xs] >= 0), 3)
        return st.rest(4)

    return levels


def _vec_handle(comp: HandleComparator, values: list[Any]) -> VectorFn:
    flag, h, is_weak = _single_values(comp, values)
    hid = _Strings().ids(h)
    bare = _Strings().ids([None if x is None else (x.partition(":")[2] or x) for x in h])

    def levels(xs: IntArray, ys: IntArray) -> IntArray:
        st = _start(comp, values, flag, xs, ys)
        eq = hid[xs] == hid[ys]
        st.rule(eq & is_weak[xs], 1)
        st.rule(eq, 0)
        st.rule(bare[xs] == bare[ys], 2)
        return st.rest(3)

    return levels


def _vec_email_name(comp: EmailNameComparator, values: list[Any]) -> VectorFn:
    """Only pairs where one side has emails and no full name and the other a full name and no
    email can score: those go to ``compare``, every other pair is NULL."""

    def good(v: Any) -> bool:
        return type(v) is tuple and len(v) == 3 and type(v[0]) is tuple and _is_str(v[1]) and _is_str(v[2])

    flag, good_mask = _missing_and_odd(values, good)
    ok = good_mask.tolist()
    has_email = _flags([v[0] if g else () for v, g in zip(values, ok, strict=True)], bool)
    full = _flags([bool(v[1] and v[2]) if g else False for v, g in zip(values, ok, strict=True)], bool)

    def levels(xs: IntArray, ys: IntArray) -> IntArray:
        st = _start(comp, values, flag, xs, ys)
        ea, eb = has_email[xs], has_email[ys]
        fa, fb = full[xs], full[ys]
        st.rule((ea & ~eb & fb & ~fa) | (eb & ~ea & fa & ~fb), _SCALAR)
        return st.rest(NULL)

    return levels


def _str_column(values: list[Any]) -> tuple[IntArray, _Strings, IntArray]:
    flag, good = _missing_and_odd(values, _is_str)
    strs = _Strings()
    sid = strs.ids([v if g else None for v, g in zip(values, good.tolist(), strict=True)])
    return flag, strs, sid


def _vec_edits(comp: Comparator, values: list[Any], *, min_len: int) -> VectorFn:
    """exact / one_digit_apart or one edit (both at least ``min_len`` long) / different."""
    flag, strs, sid = _str_column(values)
    texts = strs.objects()
    lengths = strs.lengths()
    chars = strs.chars()

    def levels(xs: IntArray, ys: IntArray) -> IntArray:
        st = _start(comp, values, flag, xs, ys)
        a = sid[xs]
        b = sid[ys]
        st.rule(a == b, 0)
        la = lengths[a]
        lb = lengths[b]
        long = (la >= min_len) & (lb >= min_len)
        st.rule(st.one_edit(texts, lengths, a, b, long, insert=True, chars=chars), 1)
        return st.rest(2)

    return levels


def _vec_date(comp: DateComparator, values: list[Any]) -> VectorFn:
    import numpy as np

    def plain_digits(t: str) -> bool:
        return t.isdigit() and t.isascii()

    def good(v: Any) -> bool:
        # Digits other than 0-9 (say "²") can make int() fail: compare settles those.
        if not _is_str(v):
            return False
        return len(v) != 8 or (
            v[:4].isdigit() == plain_digits(v[:4]) and v[6:].isdigit() == plain_digits(v[6:])
        )

    flag, good_mask = _missing_and_odd(values, good)
    strs = _Strings()
    dates = [v if g else None for v, g in zip(values, good_mask.tolist(), strict=True)]
    sid = strs.ids(dates)
    eight = [d if d is not None and len(d) == 8 else None for d in dates]
    swapped = strs.ids([None if d is None else d[:4] + d[6:8] + d[4:6] for d in eight])
    texts = strs.objects()
    lengths = strs.lengths()
    partial_of = strs.flags(partial_date)
    chars = strs.chars()
    month_day = _Strings().ids([None if d is None else d[4:] for d in eight])
    year_month = _Strings().ids([None if d is None else d[:6] for d in eight])
    year4 = _Strings().ids([None if d is None else d[:4] for d in dates])
    month6 = _Strings().ids([None if d is None or len(d) < 6 else d[:6] for d in dates])
    year = np.array([int(d[:4]) if d is not None and d[:4].isdigit() else -9 for d in eight], dtype=np.int64)
    day = np.array([int(d[6:]) if d is not None and d[6:].isdigit() else -9 for d in eight], dtype=np.int64)

    def levels(xs: IntArray, ys: IntArray) -> IntArray:
        st = _start(comp, values, flag, xs, ys)
        a = sid[xs]
        b = sid[ys]
        st.rule((a == b) & partial_of[a], 4)
        st.rule(a == b, 0)
        # A partial date against a longer one: NULL inside it, else different (as compare).
        la = lengths[a]
        lb = lengths[b]
        short = np.minimum(la, lb)
        partial = (a >= 0) & (b >= 0) & (la != lb) & np.where(la < lb, partial_of[a], partial_of[b])
        inside = np.where(short == 4, year4[xs] == year4[ys], month6[xs] == month6[ys])
        st.rule(partial & inside, NULL)
        st.rule(partial, 5)
        st.rule((a >= 0) & (b >= 0) & (la == lb) & (partial_of[a] | partial_of[b]), 5)  # no typo levels
        st.rule((swapped[xs] == b) & (b >= 0), 1)  # date_swapped: b is a with day and month swapped
        da = day[xs]
        db = day[ys]
        day_apart = (year_month[xs] == year_month[ys]) & (year_month[xs] >= 0) & (da >= 0) & (db >= 0)
        day_apart &= np.abs(da - db) == 1
        st.rule(day_apart, 2)
        st.rule(st.one_edit(texts, lengths, a, b, a != b, insert=True, chars=chars), 2)
        ya = year[xs]
        yb = year[ys]
        year_off = (month_day[xs] == month_day[ys]) & (month_day[xs] >= 0) & (ya >= 0) & (yb >= 0)
        year_off &= np.abs(ya - yb) <= 1
        st.rule(year_off, 3)
        return st.rest(5)

    return levels


def _vec_city(comp: CityComparator, values: list[Any]) -> VectorFn:
    def good(v: Any) -> bool:
        return type(v) is tuple and len(v) == 2 and _is_str(v[0]) and type(v[1]) is bool

    flag, good_mask = _missing_and_odd(values, good)
    ok = good_mask.tolist()
    strs = _Strings()
    cid = strs.ids([v[0] if g else None for v, g in zip(values, ok, strict=True)])
    cities = strs.objects()
    postcode = _flags([g and v[1] for v, g in zip(values, ok, strict=True)], bool)

    def levels(xs: IntArray, ys: IntArray) -> IntArray:
        st = _start(comp, values, flag, xs, ys)
        st.rule(postcode[xs] & postcode[ys], NULL)
        a = cid[xs]
        b = cid[ys]
        st.rule(a == b, 0)
        s = st.jw(cities, a, b, (0.90,))
        st.rule(s >= 0.90, 1)
        return st.rest(2)

    return levels


def _vec_fuzzy(comp: _Fuzzy, values: list[Any]) -> VectorFn:
    flag, strs, sid = _str_column(values)
    texts = strs.objects()
    hi, lo = comp.hi, comp.lo

    def levels(xs: IntArray, ys: IntArray) -> IntArray:
        st = _start(comp, values, flag, xs, ys)
        a = sid[xs]
        b = sid[ys]
        st.rule(a == b, 0)
        s = st.jw(texts, a, b, (hi, lo))
        st.rule(s >= hi, 1)
        st.rule(s >= lo, 2)
        return st.rest(3)

    return levels
