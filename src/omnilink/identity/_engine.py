"""What the batch resolver and the online graph share: configuration, comparators, the rules.

Both call the same functions here for canonicalization, blocking keys, deterministic links,
guards, comparison and scoring, so they cannot drift apart.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from rapidfuzz.distance import OSA, JaroWinkler

from omnilink.identity._blocking import BlockingRule, default_rules
from omnilink.identity._cluster import Constraints
from omnilink.identity._comparators import (
    NULL,
    AddressComparator,
    CityComparator,
    Comparator,
    DateComparator,
    EmailComparator,
    EmailNameComparator,
    ExactComparator,
    ExternalIdComparator,
    FirstNameComparator,
    HandleComparator,
    LastNameComparator,
    PhoneComparator,
    PostcodeComparator,
    TextComparator,
    initial_fits,
    nickname_equivalent,
    nickname_forms,
)
from omnilink.identity._fields import FieldType
from omnilink.identity._model import FSModel
from omnilink.identity._normalize import (
    CUSTOMER_EXTERNAL_COLUMN,
    Normalizer,
    NormRecord,
    known_first_name,
    leading_first_name,
    run_in_first_name,
)

if TYPE_CHECKING:
    from omnilink.identity._table import IntArray, RecordTable

__all__ = [
    "GENERATION",
    "Config",
    "Engine",
    "first_name_hints",
    "lone_surname",
    "names_alike",
    "names_compatible",
    "names_fit",
    "names_swapped",
    "shared_values",
    "surnames_differ",
]

_jw = JaroWinkler.normalized_similarity

GENERATION = "\x00generation"
"""The key under which a record's generational suffix (``NormRecord.generation``) joins the
exclusive values of its constraints: like two values of an exclusive field, "Jr." and "Sr."
never end in one profile (it starts with a NUL, as the graph's separation tags do, to stay
apart from the column names of a field map)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Config:
    id_field: str
    fields: Mapping[str, FieldType]
    region: str | None
    region_field: str | None
    exclusive: tuple[str, ...]
    threshold: float
    max_block: int
    max_field_length: int
    shared_after: int
    max_per_profile: int
    deterministic: bool
    tf_adjustment: bool
    u_pairs: int
    em_iterations: int
    seed: int
    contradiction_floor: float = -7.0
    """A shared email or phone does not link on its own when the weights against the pair add up
    below this: two independent disagreements (a different birth date, -5, and a different
    e-mail, -2.8) say a shared household number, not one person. At -20 (the first default),
    household partners without a first name on one record linked through their phone."""


def names_compatible(a: str | None, b: str | None) -> bool:
    """First names that could belong to one person: missing, equal, nickname, initial (of a name
    the other is a nickname of too: c ~ kit), a typo away, a typo away from a nickname
    (ncik ~ nicholas), or the consonants of one (kt ~ kit ~ christopher: :func:`_consonants_of`)."""
    if not a or not b or a == b:
        return True
    if (len(a) == 1 and initial_fits(a, b)) or (len(b) == 1 and initial_fits(b, a)):
        return True
    return (
        nickname_equivalent(a, b)
        or _jw(a, b) >= 0.88
        or OSA.distance(a, b, score_cutoff=1) <= 1
        or _typo_of_a_nickname(a, b)
        or _typo_of_a_nickname(b, a)
        or _consonants_of(a, b)
        or _consonants_of(b, a)
    )


_VOWELS = frozenset("aeiouy")


def _consonants_of(a: str, b: str) -> bool:
    """``a`` is two or three consonants, no name the tables know, that ``b`` or one of its
    nickname forms holds in order from its first letter, or (three letters) with one letter
    changed after it: a name typed without its vowels, with letters dropped or with a slip
    ("kt" for Kit, so Christopher; "jn" for Jon; "bb" for Bob, so Robert; "mck" for Mick, so
    Michael; "tzm" for Tim, "nrt" for Nat). Such a token is no one's name, but as a first name
    of its own it had made one person's inbox or phone look shared by two people, and refused
    its own records' links (the contact generator's typos of nicknames: 14 of the 41 guarded
    values that split a person at 20,000 records, seed 2, and more after them).

    Two or three letters only, and never two such tokens together. "jn" fits John, Jon, Jane
    and Jen alike, "tzm" Tim, Tom and Tam: such a token joins no two groups of names
    (:func:`_name_groups`)."""
    if not _consonants(a) or len(b) < len(a) or _VOWELS.isdisjoint(b):
        return False
    forms = (b, *nickname_forms(b))
    return any(_in_order(a, f) or (len(a) == 3 == len(f) and _one_letter_off(a, f)) for f in forms)


def _one_letter_off(a: str, b: str) -> bool:
    """Same initial and one other letter changed: "tzm" for Tim, "nrt" for Nat."""
    return a[0] == b[0] and (a[1] == b[1]) != (a[2] == b[2])


def _consonants(name: str) -> bool:
    """Whether a first name is two or three consonants that are no name the tables know."""
    return 2 <= len(name) <= 3 and _VOWELS.isdisjoint(name) and not known_first_name(name)


def _short_hint(name: str) -> bool:
    """A first name that fits too many names to tell two people apart: an initial, or two or
    three consonants (:func:`_consonants_of`)."""
    return len(name) == 1 or _consonants(name)


def _in_order(letters: str, name: str) -> bool:
    """Whether ``letters`` begin ``name``'s first letter and follow in it in order."""
    if not name or letters[0] != name[0]:
        return False
    rest = iter(name[1:])
    return all(ch in rest for ch in letters[1:])


def _typo_of_a_nickname(a: str, b: str) -> bool:
    """``a`` is one typo (an edit or two letters swapped) away from a nickname of ``b``:
    "ncik" and "riiky" are Nick and Ricky typed in a hurry, so Nicholas and Richard. Four
    letters or more on both sides: one edit turns too many three-letter names into others
    (ben is one letter from len, a Leon); three-letter ones only by the slips of
    :func:`_slipped_short_nickname`."""
    if len(a) < 3:
        return False
    if len(a) <= 4 and _slipped_short_nickname(a, b):
        return True
    if len(a) == 3:
        return False
    return any(len(x) >= 4 and OSA.distance(a, x, score_cutoff=1) <= 1 for x in nickname_forms(b))


def _slipped_short_nickname(a: str, b: str) -> bool:
    """``a`` is a three-letter nickname of ``b`` with its last two letters swapped (tmo: Tom,
    so Thomas; mge: Meg, so Megan) or with a letter slipped in after its initial (hjob: Hob,
    so Robert; jiim: Jim, so James), and not a name of its own. Only these slips: a changed
    letter makes other names of three-letter ones (ben, len), while a swap or an added letter
    that keeps the initial hardly ever does, and a name the tables know (ina, ian; abel, abe)
    is that name."""
    if known_first_name(a):
        return False
    forms = nickname_forms(b)
    if len(a) == 3:
        return a[0] + a[2] + a[1] in forms
    return any(len(x) == 3 and x[0] == a[0] and OSA.distance(a, x, score_cutoff=1) == 1 for x in forms)


def build_comparators(
    fields: Mapping[str, FieldType], weak: set[str], *, couple_city_postcode: bool = True
) -> list[Comparator]:
    types = set(fields.values())
    comps: list[Comparator] = []
    if types & {FieldType.FIRST_NAME, FieldType.FULL_NAME}:
        comps.append(FirstNameComparator())
    if types & {FieldType.LAST_NAME, FieldType.FULL_NAME}:
        comps.append(LastNameComparator())
    if FieldType.EMAIL in types:
        comps.append(EmailComparator(weak))
        if types & {FieldType.FIRST_NAME, FieldType.LAST_NAME, FieldType.FULL_NAME}:
            comps.append(EmailNameComparator())
    if FieldType.PHONE in types:
        comps.append(PhoneComparator(weak))
    if FieldType.HANDLE in types:
        comps.append(HandleComparator(weak))
    postcodes = [c for c, t in fields.items() if t is FieldType.POSTCODE]
    for col, ft in fields.items():
        if ft is FieldType.EXTERNAL_ID:
            comps.append(ExternalIdComparator(col))
        elif ft is FieldType.DATE:
            comps.append(DateComparator(col))
        elif ft is FieldType.ADDRESS:
            comps.append(AddressComparator(col))
        elif ft is FieldType.CITY:
            comps.append(CityComparator(col, postcodes[0] if postcodes and couple_city_postcode else None))
        elif ft is FieldType.POSTCODE:
            comps.append(PostcodeComparator(col))
        elif ft is FieldType.EXACT:
            comps.append(ExactComparator(col))
        elif ft is FieldType.TEXT:
            comps.append(TextComparator(col))
    return comps


class SharedTracker:
    """Finds identifiers used by several different people (household phones, shared inboxes).

    A value becomes *shared* once the first names seen with it fall into ``shared_after``
    groups of names that could be one person (:func:`names_compatible`, taken transitively:
    a garbled "Michagl" is one person with "Michael", and so with "Mike"); shared values are
    added to the weak set, so they stop linking on their own and agree at the weaker
    "exact-guarded" level. Comparing each new name only with one representative per group
    made a person's own inbox "shared" as soon as a typo and a nickname of one name met.

    An address that spells a first name (harry.anderson@) joins the names it is compatible
    with into one group: Henry and Harold are both a Harry, and two nicknames of one name
    (Jem, Jimmie) are not each other's, so without it the owner's own inbox looked shared.
    One name in both orders (Wang Wei, Wei Wang: :func:`names_swapped`) is one group too.
    """

    MAX_SPELLINGS = 12
    """Distinct first names kept per value; a value seen with more is shared (a role inbox)."""

    def __init__(self, weak: set[str], shared_after: int) -> None:
        self.weak = weak
        self.shared_after = shared_after
        # Value -> the first record seen with it under each first name (first_name_hint): one
        # record as itself, a reference that makes no object for the cyclic GC to walk (most
        # values are seen once; an online graph holds one entry per value). A record, not its
        # name, so that its surname is there for names_swapped.
        self._names: dict[str, NormRecord | list[NormRecord]] = {}

    def see(self, rec: NormRecord) -> None:
        first = first_name_hint(rec)
        if not first:
            return
        for v in (*rec.emails, *rec.phones, *rec.handles):
            if v in self.weak:
                continue
            names = self._names.get(v)
            if names is None:
                self._names[v] = rec
                continue
            if not isinstance(names, list):
                if first_name_hint(names) == first:
                    continue
                names = self._names[v] = [names, rec]
            elif any(first_name_hint(r) == first for r in names):
                continue
            else:
                names.append(rec)
            if len(names) > self.MAX_SPELLINGS:
                groups = self.shared_after
            else:
                owner = mailbox_first_name(v) if "@" in v else None
                groups = _name_groups([_entry(r) for r in names], owner)
            if groups >= self.shared_after:
                self.weak.add(v)
                del self._names[v]


NameEntry = tuple[str, str | None, str | None, str | None]
"""What the shared-value rule reads of a record: (first-name hint, first name, last name,
middle words)."""


def _entry(rec: NormRecord) -> NameEntry:
    return (first_name_hint(rec) or "", rec.first, rec.last, rec.middle)


def names_swapped(
    fa: str | None,
    la: str | None,
    fb: str | None,
    lb: str | None,
    ma: str | None = None,
    mb: str | None = None,
) -> bool:
    """Whether two records write one name in both orders (Wang Wei and Wei Wang): family name
    first, as Chinese, Japanese, Korean, Hungarian and Vietnamese names are, in one record, and
    given name first in the other. The name comparators score it (their "swapped" levels); the
    name guard and the shared-value rule take it for one person's name too.

    With a full name's middle words (``ma``, ``mb``: :attr:`NormRecord.middle`), three words
    or more: the family name first in one is the other's surname or one of its middle words
    ("García López María" and "María García López"), and the given name last in one is the
    other's first name, whole or in two words ("Wang Xiao Ming" and "Xiaoming Wang")."""
    if not (fa and la and fb and lb) or fa == la:
        return False
    if fa == lb and la == fb:
        return True
    return _surname_first(fa, la, ma, fb, lb, mb) or _surname_first(fb, lb, mb, fa, la, ma)


def _surname_first(fa: str, la: str, ma: str | None, fb: str, lb: str, mb: str | None) -> bool:
    """:func:`names_swapped` for a record ``a`` written family name first, of three words or more."""
    if not (ma or mb):
        return False
    family = fa == lb or (mb is not None and fa in mb.split())
    given = la == fb or (ma is not None and ma.split()[-1] + la == fb)
    return family and given


def lone_surname(
    first: str | None,
    last: str | None,
    middle: str | None,
    other_last: str | None,
    other_middle: str | None = None,
) -> bool:
    """Whether a record's name is only another record's surname or surnames.

    A one-word full name is read as a first name: "Smith" beside "John Smith" is his surname,
    or that surname with a slip, and "Sánchez" beside "Alejandro Sánchez Álvarez" is his first
    surname, one of his middle words, when it is no known first name (a first-name column's
    "Thomas" beside "Jacob Thomas" stays a first name). A full name of two words or more, the
    first no known first name, all of them the other's surnames ("López Gómez" beside "Marta
    López Gómez": a record whose first name was missing) is one too. The first-name comparator
    scores such a first name at its "swapped" level; the name guard and the shared-value rule
    read such a record as one without a first name (:func:`names_fit`, :func:`_name_groups`)."""
    if not first or not other_last:
        return False
    if last:  # two words or more
        if not other_middle or known_first_name(first):
            return False
        words = {first, last, *(middle.split() if middle else ())}
        return words <= {other_last, *other_middle.split()}
    if middle != first:
        return False
    if first == other_last:
        return True
    if other_middle and first in other_middle.split() and not known_first_name(first):
        return True
    # A slip in the surname ("Willaims" beside "John Williams"), unless the word is a first name
    # of its own: a lone "Paul" beside "Anna Pauls" is more likely her husband.
    return (
        len(first) >= 4
        and not known_first_name(first)
        and OSA.distance(first, other_last, score_cutoff=1) <= 1
    )


def names_alike(a: tuple[str | None, ...], b: tuple[str | None, ...]) -> bool:
    """Whether two records' names, given as (first, last) or (first, last, middle words), are
    one person's name written two ways: in both orders (:func:`names_swapped`), or one's only
    name the other's surname (:func:`lone_surname`). What the shared-value rule and the name
    guard accept beside compatible first names, in their scalar and array forms."""
    fa, la, ma = (*a, None)[:3]
    fb, lb, mb = (*b, None)[:3]
    return (
        names_swapped(fa, la, fb, lb, ma, mb)
        or lone_surname(fa, la, ma, lb, mb)
        or lone_surname(fb, lb, mb, la, ma)
    )


def _entries_fit(
    a: NameEntry, b: NameEntry, compatible: Callable[[str | None, str | None], bool] = names_compatible
) -> bool:
    """The shared-value rule's test of two names: compatible first names (``compatible``: a memo
    of :func:`names_compatible`, say), or one name written two ways (:func:`names_alike`)."""
    return compatible(a[0], b[0]) or names_alike(a[1:], b[1:])


def names_fit(a: NormRecord, b: NormRecord) -> bool:
    """The name guard of a deterministic link (:meth:`Engine.deterministic_ok`): first names
    that could be one person's, or one name in both orders. A record whose only name is the
    other's surname (:func:`lone_surname`) has no first name here, so it speaks through its
    inbox, as a record with only a surname does (isabellapatel@ is not John Smith's)."""
    ha, hb = first_name_hint(a), first_name_hint(b)
    if names_compatible(ha, hb) or names_swapped(a.first, a.last, b.first, b.last, a.middle, b.middle):
        return True
    if lone_surname(a.first, a.last, a.middle, b.last, b.middle):
        return names_compatible(_inbox_first_name(a, a.first), hb)
    if lone_surname(b.first, b.last, b.middle, a.last, a.middle):
        return names_compatible(ha, _inbox_first_name(b, b.first))
    return False


def first_name_hints(table: RecordTable) -> tuple[IntArray, list[str]]:
    """Every record's :func:`first_name_hint` as an id into the returned names (``-1``: none):
    its first name, or for a record without one, the name its inbox spells (computed for those
    records only). What the array forms of the name guard and the shared-value rule read."""
    import numpy as np

    first = table.first
    names: list[str] = list(first.values)
    name_id = {n: k for k, n in enumerate(names)}
    hint = first.ids.copy()
    records = table.records
    with_email = np.bincount(table.emails.recs, minlength=table.n) > 0
    for k in np.flatnonzero((hint < 0) & with_email).tolist():  # no email, no hint
        h = first_name_hint(records[k])
        if h:
            i = name_id.get(h)
            if i is None:
                i = name_id[h] = len(names)
                names.append(h)
            hint[k] = i
    return hint, names


def shared_values(table: RecordTable, weak: Collection[str], shared_after: int) -> list[str]:
    """The values :meth:`SharedTracker.see` over the table's records, in order, would make
    shared (those not already in ``weak``), read off the table's columns.

    A value's fate depends only on the first names seen with it, in record order, so each
    value is settled on its own: most are seen with one name and need no Python at all; the
    rest (236,742 of 1,013,650 values in 1,000,000 generated contacts, whose people's records
    carry nicknames and typos) replay the tracker's rule on their names in order. The tracker's
    loop over every record took ~5 s of a forked child's time there, while this process built
    the comparator columns, and the two competed for the second core.
    """
    import numpy as np

    hint, names = first_name_hints(table)
    emails = table.emails
    # (value, record, hint) rows of every strong value, values numbered across the three kinds
    # (their canonical forms never meet: an e-mail has "@", a phone is "+digits", a handle
    # "platform:name").
    strings: list[str] = []
    vals, recs = [], []
    for multi in (emails, table.phones, table.handles):
        vals.append(multi.ids + len(strings))
        recs.append(multi.recs)
        strings += multi.values
    val = np.concatenate(vals)
    rec = np.concatenate(recs)
    name = hint[rec]
    keep = name >= 0
    if weak:
        known = [k for k, v in enumerate(strings) if v in weak]
        keep &= ~np.isin(val, known)
    val, rec, name = val[keep], rec[keep], name[keep]
    # The distinct names of each value in the order they were first seen: the first row of each
    # (value, name), ordered by value, then record.
    order = np.lexsort((rec, val))
    val, rec, name = val[order], rec[order], name[order]
    _, first_row = np.unique(val * (len(names) + 1) + name, return_index=True)
    first_row.sort()  # rows are in (value, record) order already
    val, name = val[first_row], name[first_row]
    starts = np.flatnonzero(np.concatenate(([True], val[1:] != val[:-1])))
    counts = np.diff(np.append(starts, val.size))
    out: list[str] = []
    name_list, val_list, rec_list = name.tolist(), val.tolist(), rec[first_row].tolist()
    records = table.records
    # names_compatible of each pair of first names once: the same pairs of common names meet at
    # many values. Surnames are read only for names_swapped, and only when the first names do
    # not fit: a memo keyed on (first, last) entries, made for every value, took this step from
    # 0.85 s to 1.76 s at 1,000,000 contacts (now 0.96-1.22 s).
    memo: dict[tuple[str | None, str | None], bool] = {}

    def compatible(a: str | None, b: str | None) -> bool:
        got = memo.get((a, b))
        if got is None:
            got = memo[a, b] = names_compatible(a, b)
        return got

    def fits(a: NameEntry, b: NameEntry) -> bool:
        return _entries_fit(a, b, compatible)

    def alike(i: int, j: int) -> bool:
        a, b = records[i], records[j]
        return names_alike((a.first, a.last, a.middle), (b.first, b.last, b.middle))

    def entries(start: int, count: int) -> list[NameEntry]:
        return [
            (names[k], records[r].first, records[r].last, records[r].middle)
            for k, r in zip(name_list[start : start + count], rec_list[start : start + count], strict=True)
        ]

    several = counts >= 2
    for start, count in zip(starts[several].tolist(), counts[several].tolist(), strict=True):
        seen: list[NameEntry] | None = None
        # As SharedTracker.see: checked each time a second or later distinct name arrives. The
        # name the address spells only ever joins groups, so it is read (for an e-mail) only
        # when the names alone make enough groups.
        for n in range(2, count + 1):
            if n == 2:  # the usual case: one call, no union-find, and surnames read only if needed
                one = compatible(names[name_list[start]], names[name_list[start + 1]]) or alike(
                    rec_list[start], rec_list[start + 1]
                )
                groups = 1 if one else 2
            else:
                seen = seen or entries(start, count)
                groups = _name_groups(seen[:n], None, fits)
            if n <= SharedTracker.MAX_SPELLINGS and groups < shared_after:
                continue
            v = strings[val_list[start]]
            if n <= SharedTracker.MAX_SPELLINGS and "@" in v:
                owner = mailbox_first_name(v)
                seen = seen or entries(start, count)
                if owner and _name_groups(seen[:n], owner, fits) < shared_after:
                    continue
            out.append(v)
            break
    return out


def first_name_hint(rec: NormRecord) -> str | None:
    """The record's first name, or when it has none, a known first name that opens the local
    part of its e-mail address (:func:`leading_first_name`, natalie.anderson@ -> natalie): a
    household partner's record without a name otherwise looks compatible with everyone at the
    shared phone. (A record *with* a surname already took a first name from its inbox when it
    could: :func:`first_from_email`.)"""
    return rec.first or _inbox_first_name(rec, rec.last)


def _inbox_first_name(rec: NormRecord, last: str | None) -> str | None:
    """The first name one of the record's addresses spells for an owner named ``last``."""
    for email in rec.emails:
        hint = mailbox_first_name(email, last)
        if hint:
            return hint
    return None


def mailbox_first_name(email: str, last: str | None = None) -> str | None:
    """The first name an address spells, for an owner with surname ``last`` (if known): a known
    name opening its local part as a token (natalie.anderson@), else run into the rest
    (isabellapatel@: a household partner's own inbox, whose record has only the surname)."""
    local = email.partition("@")[0]
    hint = leading_first_name(local)
    if hint and hint != last:  # anderson77@ is Mr Anderson, not a man named Anderson
        return hint
    hint = run_in_first_name(local)
    if hint and not (last and last.startswith(hint)):  # jamesonfamily@ is the Jamesons
        return hint
    return None


def _name_groups(
    names: Sequence[NameEntry],
    owner: str | None = None,
    compatible: Callable[[NameEntry, NameEntry], bool] | None = None,
) -> int:
    """How many groups the names form when compatible names are one group (transitively), and
    the names compatible with ``owner`` (the name the address spells) are one group too.
    ``compatible`` stands in for :func:`_entries_fit` (a memo of it, say).

    A lone name that is another entry's surname ("Smith" beside "John Smith",
    :func:`lone_surname`) is left out: it fits its person, but taken transitively it would join
    John and Jane Smith of one household phone into one group, as a record without a name would
    (which the tracker skips). An initial or a few consonants (:func:`_short_hint`: "J", "Jn")
    joins no two groups for the same reason: it goes with the first name it fits."""
    fits = compatible or _entries_fit
    surnames = {(e[2], e[3]) for e in names if e[1] and e[2]}
    if surnames:
        names = [e for e in names if not any(lone_surname(e[1], e[2], e[3], la, m) for la, m in surnames)]
    parent = list(range(len(names)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join_fitting(idx: list[int]) -> None:
        """Join each pair of these names that fit, transitively."""
        for n, i in enumerate(idx):
            for j in idx[:n]:
                ri, rj = find(i), find(j)
                if ri != rj and fits(names[i], names[j]):
                    parent[ri] = rj

    short = [_short_hint(e[0]) for e in names]
    full = [k for k, s in enumerate(short) if not s]
    join_fitting(full)
    # An initial or a few consonants fits many names ("j" and "jn": John and Jane), so it joins
    # no two groups: it goes with the first full name it fits, and those that fit none group
    # among themselves.
    strays: list[int] = []
    for k in (k for k, s in enumerate(short) if s):
        home = next((m for m in full if fits(names[k], names[m])), None)
        if home is None:
            strays.append(k)
        else:
            parent[find(k)] = find(home)
    join_fitting(strays)
    if owner:
        spelled: NameEntry = (owner, None, None, None)
        same = [i for i, name in enumerate(names) if fits(spelled, name)]
        for i in same[1:]:
            parent[find(i)] = find(same[0])
    return len({find(i) for i in range(len(names))})


_LAST = LastNameComparator()
_LAST_DIFFERENT = len(LastNameComparator.levels) - 1


def surnames_differ(a: tuple[str | None, ...], b: tuple[str | None, ...]) -> bool:
    """Whether two records, given as (first name, last name) or (first name, last name, middle
    words), both have a surname and the surnames are different (the last-name comparator's
    "different" level): the phone guard."""
    fa, la, *ma = a
    fb, lb, *mb = b
    return bool(la and lb) and _LAST.compare((la, fa, *ma), (lb, fb, *mb)) == _LAST_DIFFERENT


def _by_index(rec: NormRecord) -> int:
    return rec.index


class Engine:
    """Comparators, blocking rules and guards for one configuration (and one weak-value set)."""

    # Cluster-level check (see :meth:`bind`).
    CLUSTER_MEAN_MIN = 2.0
    """Least average match weight (log2 odds, prior included) over the pairs across two groups of
    two or more records for one link to join them: on average, each cross pair must be at least
    4:1 the same person. A single strong link (a typo'd phone, a shared name and postcode) then
    cannot pull two people's records into one profile when the other members disagree."""
    CLUSTER_PAIRS_MAX = 20
    """Members per side compared by the cluster-level check (the earliest records), to bound its cost."""
    DATE_CONTRADICTION = -3.0
    """A date comparator whose "different" level weighs this or less (the data says one person's
    records almost never disagree on it: a birth date) makes two different dates a contradiction."""

    def __init__(self, config: Config, weak: set[str] | None = None) -> None:
        self.config = config
        self.model: FSModel | None = None
        self._contra: list[tuple[int, int]] = []
        self.weak: set[str] = set() if weak is None else weak
        self.comparators = build_comparators(config.fields, self.weak)
        self._compare = [c.compare for c in self.comparators]
        self.rules: list[BlockingRule] = default_rules(dict(config.fields))
        self.exclusive = tuple(config.exclusive)
        self.caps = {"email": config.max_per_profile, "phone": config.max_per_profile}

    # Pickling (an IdentityGraph saved by an application): the rules are closures over the
    # field map, which pickle cannot store by reference, and are always default_rules of it.
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["rules"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.rules = default_rules(dict(self.config.fields))

    def bind(self, model: FSModel) -> None:
        """Give the clustering the trained weights: from now on :meth:`constraints` carries the
        record, and two groups of two or more records each are joined only when
        :meth:`clusters_agree` says so. The batch resolver binds before clustering and the
        online graph when it is made, so both apply the same check in the same order."""
        self.model = model
        self._contra = []
        for ci, comp in enumerate(self.comparators):
            if isinstance(comp, DateComparator):
                diff = len(comp.levels) - 1
                if model.weights[ci][diff] <= self.DATE_CONTRADICTION:
                    self._contra.append((ci, diff))

    def clusters_agree(self, a: Sequence[NormRecord], b: Sequence[NormRecord]) -> bool:
        """Whether one link may join two groups of records (two or more each).

        Single linkage lets one strong link (a mistyped phone that happens to be someone else's,
        two namesakes in one postcode) join two people's records. Before two groups are joined,
        the pairs across them are scored with the trained weights; the join is refused when

        * two members disagree outright on a date the model says a person keeps (a birth date:
          its typos, day/month swaps and a day off have levels of their own), or
        * the groups share no strong identifier (an email, phone, handle or external id that is
          not guarded) and the average cross-pair match weight is below
          :attr:`CLUSTER_MEAN_MIN`. A shared strong identifier is the classic bridge (a web
          sign-up with the email, a shop record with the phone, then an order with both), whose
          cross pairs have little evidence but nothing against them: only a contradiction stops it.

        The result depends only on the two sets of members (pairs are scored earlier record
        first, summed exactly), so batch and online runs decide alike whatever the merge order.
        """
        model = self.model
        if model is None:
            return True
        cap = self.CLUSTER_PAIRS_MAX
        ra = sorted(a, key=_by_index)[:cap]
        rb = sorted(b, key=_by_index)[:cap]
        va = [self.values(r) for r in ra]
        vb = [self.values(r) for r in rb]
        contra = self._contra
        bridged = False
        if self.config.deterministic:
            keys = {k for r in a for _, k in self.strong_values(r)}
            bridged = any(k in keys for r in b for _, k in self.strong_values(r))
        scores: list[float] = []
        for x, rx in zip(va, ra, strict=True):
            for y, ry in zip(vb, rb, strict=True):
                first, second = (x, y) if rx.index <= ry.index else (y, x)
                pat = self.pattern(first, second)
                for ci, diff in contra:
                    if pat[ci] == diff:
                        return False
                if not bridged:
                    scores.append(self.score(model, pat, first))
        return bridged or math.fsum(scores) / len(scores) >= self.CLUSTER_MEAN_MIN

    def normalizer(self) -> Normalizer:
        norm = Normalizer(
            id_field=self.config.id_field,
            fields=self.config.fields,
            region=self.config.region,
            region_field=self.config.region_field,
            max_field_length=self.config.max_field_length,
        )
        norm.weak = self.weak
        return norm

    def values(self, rec: NormRecord) -> list[Any]:
        return [c.value(rec) for c in self.comparators]

    def pattern(self, va: Sequence[Any], vb: Sequence[Any]) -> tuple[int, ...]:
        """The agreement level of every comparator for a pair of records."""
        try:
            return tuple([f(x, y) for f, x, y in zip(self._compare, va, vb, strict=True)])
        except Exception:  # a comparator must never stop a run: fall back to one at a time
            return tuple(c.safe_compare(x, y) for c, x, y in zip(self.comparators, va, vb, strict=True))

    def constraints(self, rec: NormRecord) -> Constraints | None:
        excl: dict[str, str] | None = None
        if rec.generation is not None:  # Jr. and Sr.: as an exclusive field (GENERATION)
            excl = {GENERATION: rec.generation}
        if self.exclusive:
            for col in self.exclusive:
                v = rec.values.get(col)
                if v is None:
                    for c, x in rec.externals:
                        if c == col:
                            v = x
                            break
                if v is not None:
                    if excl is None:
                        excl = {}
                    excl[col] = v
        capped: dict[str, Collection[str]] | None = None
        if rec.emails or rec.phones:
            # The record's own tuples (their values are distinct): a set is made only when
            # another record's values join them (Constraints.absorb).
            capped = {}
            if rec.emails:
                capped["email"] = rec.emails
            if rec.phones:
                capped["phone"] = rec.phones
        if self.model is not None:
            return Constraints(excl, capped, [rec], self.clusters_agree)
        if excl is None and capped is None:
            return None
        return Constraints(excl, capped)

    _STRONG_KEY: ClassVar[dict[str, str]] = {
        "email": "e:",
        "phone": "p:",
        "handle": "h:",
        "external": f"x:{CUSTOMER_EXTERNAL_COLUMN}:",
    }
    """The key prefix :meth:`strong_values` gives each kind of identifier (an external id under
    the column a :class:`~omnilink.models.Customer` row gives it)."""

    @classmethod
    def strong_key(cls, kind: str, value: str) -> str:
        """The key :meth:`strong_values` gives a canonical ``value`` of ``kind`` (``email``,
        ``phone``, ``handle``, ``external``), for looking an identifier up."""
        return cls._STRONG_KEY[kind] + value

    def strong_values(self, rec: NormRecord) -> list[tuple[str, str]]:
        """(reason, value) of the record's strong identifiers that may link on their own."""
        out: list[tuple[str, str]] = []
        if not self.config.deterministic:
            return out
        for col, v in rec.externals:
            out.append((f"external_id:{col}", f"x:{col}:{v}"))
        for e in rec.emails:
            if e not in self.weak:
                out.append(("email", "e:" + e))
        for p in rec.phones:
            if p not in self.weak:
                out.append(("phone", "p:" + p))
        for h in rec.handles:
            if h not in self.weak and not h.startswith("any:"):
                out.append(("handle", "h:" + h))
        return out

    @staticmethod
    def deterministic_ok(reason: str, a: NormRecord, b: NormRecord) -> bool:
        """The guard on a deterministic link: external ids link alone, others need compatible names
        (or one name written in both orders, :func:`names_swapped`).

        A phone also needs surnames that are not different. A phone is often a household's
        (partners and flatmates with other surnames share it), while a personal mailbox is not:
        on contact data, phone links between records whose surnames differ were wrong 23 times
        out of 25 (all 14 where one record had no first name), email links never.
        """
        if reason.startswith("external_id:"):
            return True
        if not names_fit(a, b):
            return False
        return not (
            reason == "phone" and surnames_differ((a.first, a.last, a.middle), (b.first, b.last, b.middle))
        )

    def contradicted(self, model: FSModel, pattern: tuple[int, ...]) -> bool:
        """Whether the evidence *against* a pair outweighs any single shared identifier.

        A shared email or phone links on its own only when the rest does not contradict it
        (different country, different phone and different postcode: a recycled number or a
        truncated handle, not one person).
        """
        against = 0.0
        for ci, level in enumerate(pattern):
            if level != NULL:
                w = model.weights[ci][level]
                if w < 0:
                    against += w
        return against < self.config.contradiction_floor

    def score(self, model: FSModel, pattern: tuple[int, ...], va: Sequence[Any]) -> float:
        w = model.prior + model.pattern_weight(pattern)
        if self.config.tf_adjustment:
            w += model.tf_correction(pattern, va)
        return w
