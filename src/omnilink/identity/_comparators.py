"""Comparators: each maps a pair of canonical values to a discrete agreement level.

A comparator never raises and is symmetric: ``compare(a, b) == compare(b, a)``. Level 0 is
the strongest agreement, the last level is "different", and ``NULL`` (-1) means a value is
missing on either side, which is no evidence at all (weight 0).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from typing import Any

from rapidfuzz.distance import Hamming, JaroWinkler, Levenshtein
from rapidfuzz.fuzz import token_set_ratio

from omnilink.identity._normalize import NormRecord

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
    "one_digit_apart",
    "date_swapped",
]

NULL = -1

_jw = JaroWinkler.normalized_similarity
_lev = Levenshtein.distance
_ham = Hamming.distance


@functools.cache
def _nick_tables() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """(canonical -> nicknames, nickname -> canonicals), read-only once built."""
    from nicknames import NickNamer

    namer = NickNamer()
    nicks = {k: frozenset(v) for k, v in namer.nickname_lookup.items()}
    canon: dict[str, set[str]] = {}
    for c, ns in nicks.items():
        for n in ns:
            canon.setdefault(n, set()).add(c)
    return nicks, {k: frozenset(v) for k, v in canon.items()}


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
    diffs = [i for i in range(len(a)) if a[i] != b[i]]
    if len(diffs) == 1:
        return True
    return (
        len(diffs) == 2
        and diffs[1] == diffs[0] + 1
        and a[diffs[0]] == b[diffs[1]]
        and a[diffs[1]] == b[diffs[0]]
    )


def date_swapped(a: str, b: str) -> bool:
    """``YYYYMMDD`` dates equal once day and month are swapped."""
    return len(a) == 8 and len(b) == 8 and a[:4] == b[:4] and a[4:6] == b[6:8] and a[6:8] == b[4:6] and a != b


def _short_form(a: str, b: str) -> bool:
    """An initial or a short form of the other name (j ~ john, art ~ arthur, matt ~ matthew)."""
    if len(a) > len(b):
        a, b = b, a
    return a[0] == b[0] and (len(a) == 1 or (len(a) >= 3 and b.startswith(a)))


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

    def value(self, rec: NormRecord) -> Any:
        raise NotImplementedError

    def compare(self, a: Any, b: Any) -> int:
        raise NotImplementedError

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
    """First names: exact / nickname or initial / swapped with the surname / Jaro-Winkler bands."""

    name = "first_name"
    levels = ("exact", "nickname", "jw>=0.92", "swapped", "jw>=0.80", "different")
    default_m = (0.85, 0.03, 0.06, 0.01, 0.02, 0.03)
    default_u = (0.01, 0.004, 0.002, 0.001, 0.006, 0.977)
    tf = True

    def value(self, rec: NormRecord) -> Any:
        return (rec.first, rec.last) if rec.first else None

    def tf_key(self, value: Any) -> Hashable | None:
        return value[0] if value else None

    def display(self, value: Any) -> Any:
        return value[0] if value else None

    def compare(self, a: Any, b: Any) -> int:
        if not a or not b:
            return NULL
        fa, la = a
        fb, lb = b
        if fa == fb:
            return 0
        if nickname_equivalent(fa, fb) or _short_form(fa, fb):
            return 1
        s = _jw(fa, fb)
        if s >= 0.92:
            return 2
        if (lb and fa == lb) or (la and fb == la):
            return 3
        if s >= 0.80:
            return 4
        return 5


class LastNameComparator(Comparator):
    """Surnames: exact / swapped with the first name / Jaro-Winkler bands."""

    name = "last_name"
    levels = ("exact", "jw>=0.92", "swapped", "jw>=0.80", "different")
    default_m = (0.85, 0.08, 0.01, 0.03, 0.03)
    default_u = (0.008, 0.002, 0.001, 0.005, 0.984)
    tf = True

    def value(self, rec: NormRecord) -> Any:
        return (rec.last, rec.first) if rec.last else None

    def tf_key(self, value: Any) -> Hashable | None:
        return value[0] if value else None

    def display(self, value: Any) -> Any:
        return value[0] if value else None

    def compare(self, a: Any, b: Any) -> int:
        if not a or not b:
            return NULL
        la, fa = a
        lb, fb = b
        if la == lb:
            return 0
        s = _jw(la, lb)
        if s >= 0.92:
            return 1
        if (fb and la == fb) or (fa and lb == fa):
            return 2
        if s >= 0.80:
            return 3
        # Double-barrelled and changed surnames: one contains the other as a word.
        if " " in la or " " in lb or "-" in la or "-" in lb:
            wa, wb = set(la.replace("-", " ").split()), set(lb.replace("-", " ").split())
            if wa & wb:
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
        self.locals_ = tuple(e.rpartition("@")[0] for e in self)
        self.folded = tuple(_fold(lp) for lp in self.locals_)
        self.digits = tuple(_digits(lp) for lp in self.locals_)
        first, last = self.names
        self.name_parts = (_fold(first) if first else "", _fold(last) if last else "")


def _as_email_set(value: Any) -> EmailSet:
    """A plain tuple of emails as an :class:`EmailSet` without names."""
    if isinstance(value, EmailSet):
        return value
    out = EmailSet(value)
    out._prepare()
    return out


def _fold(text: str) -> str:
    """Letters only, with the transliterations people use in addresses folded (ue -> u, ss -> s)."""
    t = "".join(ch for ch in text if "a" <= ch <= "z")
    return t.replace("ae", "a").replace("oe", "o").replace("ue", "u").replace("ss", "s")


@functools.lru_cache(maxsize=8192)
def _forms_of(fa: str, la: str, fb: str, lb: str) -> frozenset[str]:
    """:func:`_name_forms` of two records' names, already folded ("" when missing)."""
    firsts = {fa, fb}
    lasts = {la, lb}
    firsts.discard("")
    lasts.discard("")
    forms = firsts | lasts
    for f in firsts:
        for la_ in lasts:
            forms.update((f + la_, la_ + f, f[0] + la_, la_ + f[0], f + la_[0]))
    return frozenset(forms)


def _name_forms(names: list[tuple[str | None, str | None]]) -> set[str]:
    """The local parts a person's name makes: first.last, firstlast, flast, lastf, first, last..."""
    firsts = {_fold(f) for f, _ in names if f}
    lasts = {_fold(la) for _, la in names if la}
    firsts.discard("")
    lasts.discard("")
    forms = firsts | lasts
    for f in firsts:
        for la in lasts:
            forms.update((f + la, la + f, f[0] + la, la + f[0], f + la[0]))
    return forms


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


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
    default_u = (0.0003, 0.0001, 0.00003, 0.0003, 0.99927)

    def value(self, rec: NormRecord) -> Any:
        return EmailSet.of(rec.emails, rec.first, rec.last) if rec.emails else None

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
                return 4
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
    default_u = (0.0003, 0.0001, 0.00003, 0.00003, 0.99954)

    def value(self, rec: NormRecord) -> Any:
        return rec.phones or None

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
        locals_ = tuple("".join(ch for ch in e.rpartition("@")[0] if ch.isalpha()) for e in rec.emails)
        return (locals_, (rec.first or "").replace(" ", ""), (rec.last or "").replace(" ", ""))

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


class ExactComparator(_Column):
    """Codes (national ids, states, genders): exact / one edit (long codes only) / different."""

    levels = ("exact", "one-edit", "different")
    default_m = (0.9, 0.05, 0.05)
    default_u = (0.25, 0.001, 0.749)
    tf = True

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
    default_u = (0.05, 0.02, 0.93)
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

    def tf_key(self, value: Any) -> Hashable | None:
        return value[0] if value else None

    def display(self, value: Any) -> Any:
        return value[0] if value else None

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
    """Dates: exact / day and month swapped / one typed digit or a day apart / year off by one / different."""

    levels = ("exact", "day-month-swapped", "one-edit", "year-off-by-one", "different")
    default_m = (0.85, 0.02, 0.08, 0.02, 0.03)
    default_u = (0.0006, 0.00005, 0.002, 0.00005, 0.9973)

    def compare(self, a: Any, b: Any) -> int:
        if not a or not b:
            return NULL
        if a == b:
            return 0
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
        return 4


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
