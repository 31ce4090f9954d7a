"""Seeded synthetic contact data with ground truth, for identity-resolution benchmarks.

Each generated *person* (``entity_id``, the ground truth) gets one or more *records* (``id``)
as different systems would have captured them: a CRM, a web sign-up form, a point of sale, a
support inbox. Records carry realistic noise:

- e-mail: upper/title case, Gmail dot variants and ``googlemail.com``, ``+tag`` sub-addressing,
  a second (work) address for some people, role mailboxes (``info@company.com``) shared by
  several people, and a small share of syntactically invalid addresses;
- phone: E.164, international with spaces, national with spaces/dashes/parentheses, ``00``
  prefix, bare digits, household numbers shared by two different people, and invalid numbers;
- social handle: ``@foo``, ``foo``, ``https://x.com/Foo``, ``twitter.com/foo``,
  ``instagram.com/foo/`` ...;
- names: casing, typos (transpose / delete / substitute / insert), nicknames (Bob for Robert,
  Liz for Elizabeth, from the ``nicknames`` package), missing values;
- date of birth in several formats, city and postcode with casing/spacing noise.

Invalid values are kept in the data on purpose: a resolver should *reject* the value (and say
so) but still place the record.

Usage::

    python -m benchmarks.contactgen -n 100000 -o contacts.parquet --seed 1

or from Python::

    from benchmarks.contactgen import generate
    data = generate(10_000, seed=1)          # dict of column -> list
    records = list(iter_records(data))       # list of dicts

The output is a pure function of ``(n, seed)`` (and of this file and the ``nicknames`` data).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "COLUMNS",
    "NOISE",
    "Noise",
    "generate",
    "iter_records",
    "main",
    "write",
]

COLUMNS: tuple[str, ...] = (
    "id",
    "entity_id",
    "source",
    "country",
    "first_name",
    "last_name",
    "email",
    "phone",
    "handle",
    "dob",
    "city",
    "postcode",
)

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
ObjArray = npt.NDArray[np.object_]


@dataclass(frozen=True)
class Noise:
    """Rates of the noise the generator applies (per record unless said otherwise)."""

    mean_records_per_person: float = 2.5
    max_records_per_person: int = 8
    # missing values
    missing_first_name: float = 0.03
    missing_last_name: float = 0.03
    missing_email: float = 0.15
    missing_phone: float = 0.25
    missing_handle: float = 0.40  # of records of people who have a handle
    missing_dob: float = 0.45
    missing_location: float = 0.30
    # names
    name_typo: float = 0.07
    nickname: float = 0.20  # of records of people whose first name has nicknames
    name_upper: float = 0.08
    name_lower: float = 0.06
    # e-mail
    work_email_person: float = 0.15  # share of people with a second address
    work_email_use: float = 0.35  # share of those people's records that use it
    role_mailbox: float = 0.03
    email_upper: float = 0.04
    email_title: float = 0.04
    gmail_dots: float = 0.35  # of records with a gmail address
    googlemail: float = 0.05  # of records with a gmail address
    plus_tag: float = 0.08  # of records whose provider supports sub-addressing
    invalid_email: float = 0.01
    # phone
    household_person: float = 0.06  # share of people sharing a phone with another person
    invalid_phone: float = 0.01
    # social handle
    handle_person: float = 0.55
    # date of birth
    dob_off_by_one: float = 0.03


NOISE = Noise()

# --------------------------------------------------------------------------------------------
# pools
# --------------------------------------------------------------------------------------------

REGIONS: tuple[str, ...] = ("US", "GB", "DE", "FR", "ES")
REGION_WEIGHTS: tuple[float, ...] = (0.40, 0.22, 0.18, 0.12, 0.08)
CALLING_CODE: dict[str, str] = {"US": "1", "GB": "44", "DE": "49", "FR": "33", "ES": "34"}

_EN_FIRST = [
    "robert",
    "william",
    "james",
    "john",
    "michael",
    "david",
    "richard",
    "joseph",
    "thomas",
    "charles",
    "christopher",
    "daniel",
    "matthew",
    "anthony",
    "andrew",
    "joshua",
    "nicholas",
    "jonathan",
    "benjamin",
    "samuel",
    "alexander",
    "edward",
    "henry",
    "timothy",
    "steven",
    "patrick",
    "peter",
    "oliver",
    "harry",
    "jack",
    "george",
    "noah",
    "liam",
    "ethan",
    "mason",
    "logan",
    "lucas",
    "jacob",
    "gabriel",
    "elizabeth",
    "margaret",
    "katherine",
    "patricia",
    "jennifer",
    "susan",
    "jessica",
    "sarah",
    "rebecca",
    "deborah",
    "stephanie",
    "victoria",
    "emily",
    "olivia",
    "sophia",
    "isabella",
    "abigail",
    "madison",
    "charlotte",
    "amelia",
    "emma",
    "ava",
    "mia",
    "chloe",
    "grace",
    "lily",
    "hannah",
    "alice",
    "samantha",
    "jacqueline",
    "christina",
    "natalie",
    "megan",
    "rachel",
    "amanda",
]
_FIRST: dict[str, list[str]] = {
    "US": _EN_FIRST,
    "GB": _EN_FIRST,
    "DE": [
        "lukas",
        "leon",
        "finn",
        "jonas",
        "paul",
        "felix",
        "maximilian",
        "elias",
        "noah",
        "luis",
        "ben",
        "emil",
        "anton",
        "jakob",
        "moritz",
        "thomas",
        "michael",
        "andreas",
        "stefan",
        "jürgen",
        "wolfgang",
        "klaus",
        "uwe",
        "frank",
        "matthias",
        "christian",
        "alexander",
        "tobias",
        "florian",
        "hannah",
        "emma",
        "mia",
        "sophia",
        "lena",
        "lea",
        "marie",
        "anna",
        "laura",
        "lina",
        "johanna",
        "katharina",
        "sabine",
        "petra",
        "ursula",
        "monika",
        "katrin",
        "julia",
        "sandra",
        "elisabeth",
        "margarete",
        "susanne",
    ],
    "FR": [
        "lucas",
        "hugo",
        "louis",
        "gabriel",
        "arthur",
        "jules",
        "adam",
        "raphaël",
        "léo",
        "nathan",
        "thomas",
        "nicolas",
        "julien",
        "pierre",
        "antoine",
        "alexandre",
        "françois",
        "philippe",
        "mathieu",
        "guillaume",
        "camille",
        "chloé",
        "manon",
        "léa",
        "inès",
        "jade",
        "louise",
        "emma",
        "alice",
        "sarah",
        "marie",
        "claire",
        "julie",
        "isabelle",
        "nathalie",
        "sophie",
        "céline",
        "amélie",
        "élise",
        "catherine",
    ],
    "ES": [
        "alejandro",
        "pablo",
        "javier",
        "carlos",
        "david",
        "daniel",
        "sergio",
        "manuel",
        "antonio",
        "josé",
        "francisco",
        "miguel",
        "jorge",
        "alberto",
        "lucía",
        "maría",
        "carmen",
        "laura",
        "marta",
        "elena",
        "paula",
        "sofía",
        "ana",
        "isabel",
        "cristina",
        "raquel",
        "patricia",
        "beatriz",
        "rosa",
    ],
}
_EN_LAST = [
    "smith",
    "johnson",
    "williams",
    "brown",
    "jones",
    "garcia",
    "miller",
    "davis",
    "wilson",
    "anderson",
    "thomas",
    "taylor",
    "moore",
    "jackson",
    "martin",
    "lee",
    "thompson",
    "white",
    "harris",
    "clark",
    "lewis",
    "robinson",
    "walker",
    "young",
    "allen",
    "king",
    "wright",
    "scott",
    "hill",
    "green",
    "adams",
    "nelson",
    "baker",
    "hall",
    "campbell",
    "mitchell",
    "carter",
    "roberts",
    "nguyen",
    "evans",
    "edwards",
    "hughes",
    "patel",
    "wood",
    "turner",
    "cooper",
    "ward",
    "morris",
    "morgan",
    "phillips",
    "watson",
    "parker",
    "price",
    "bennett",
    "griffiths",
    "davies",
]
_LAST: dict[str, list[str]] = {
    "US": _EN_LAST,
    "GB": _EN_LAST,
    "DE": [
        "müller",
        "schmidt",
        "schneider",
        "fischer",
        "weber",
        "meyer",
        "wagner",
        "becker",
        "schulz",
        "hoffmann",
        "schäfer",
        "koch",
        "bauer",
        "richter",
        "klein",
        "wolf",
        "schröder",
        "neumann",
        "schwarz",
        "zimmermann",
        "braun",
        "krüger",
        "hofmann",
        "hartmann",
        "lange",
        "schmitt",
        "werner",
        "schmitz",
        "krause",
        "meier",
        "lehmann",
        "schmid",
        "schulze",
        "maier",
        "köhler",
        "herrmann",
        "könig",
        "walter",
        "mayer",
        "huber",
        "kaiser",
        "fuchs",
        "peters",
        "lang",
        "scholz",
        "möller",
        "weiß",
        "jung",
        "hahn",
        "vogel",
    ],
    "FR": [
        "martin",
        "bernard",
        "thomas",
        "petit",
        "robert",
        "richard",
        "durand",
        "dubois",
        "moreau",
        "laurent",
        "simon",
        "michel",
        "lefebvre",
        "leroy",
        "roux",
        "david",
        "bertrand",
        "morel",
        "fournier",
        "girard",
        "bonnet",
        "dupont",
        "lambert",
        "fontaine",
        "rousseau",
        "vincent",
        "muller",
        "lefèvre",
        "faure",
        "andré",
        "mercier",
        "blanc",
        "guérin",
        "boyer",
        "garnier",
        "chevalier",
        "françois",
        "legrand",
        "gauthier",
        "garcia",
    ],
    "ES": [
        "garcía",
        "fernández",
        "gonzález",
        "rodríguez",
        "lópez",
        "martínez",
        "sánchez",
        "pérez",
        "gómez",
        "martín",
        "jiménez",
        "ruiz",
        "hernández",
        "díaz",
        "moreno",
        "álvarez",
        "romero",
        "navarro",
        "torres",
        "domínguez",
        "vázquez",
        "ramos",
        "gil",
        "ramírez",
        "serrano",
        "blanco",
        "molina",
        "morales",
        "suárez",
        "ortega",
    ],
}
# syllables for a long tail of rarer surnames
_TAIL: dict[str, list[str]] = {
    "EN": [
        "ash",
        "brad",
        "cal",
        "dun",
        "el",
        "fair",
        "gold",
        "hart",
        "kings",
        "lang",
        "mar",
        "north",
        "pem",
        "rad",
        "stan",
        "thorn",
        "wal",
        "whit",
        "york",
        "bar",
        "hol",
        "crom",
    ],
    "DE": [
        "alt",
        "berg",
        "brand",
        "eck",
        "eisen",
        "fein",
        "gross",
        "hage",
        "kirch",
        "lind",
        "mittel",
        "neu",
        "ober",
        "rosen",
        "stein",
        "wald",
        "weiss",
        "winter",
        "zeller",
        "adler",
    ],
    "FR": [
        "beau",
        "bel",
        "ber",
        "char",
        "dela",
        "duma",
        "fav",
        "gir",
        "lach",
        "mar",
        "mont",
        "pel",
        "rich",
        "roch",
        "val",
        "vill",
    ],
    "ES": [
        "al",
        "bel",
        "cas",
        "cor",
        "esc",
        "gal",
        "mor",
        "nav",
        "par",
        "ram",
        "riv",
        "sal",
        "tor",
        "val",
        "vill",
    ],
}
_TAIL_SUFFIX: dict[str, list[str]] = {
    "EN": ["ford", "ley", "ton", "wood", "field", "worth", "by", "well", "more", "ridge", "combe", "ham"],
    "DE": ["mann", "hoff", "berger", "er", "ling", "bach", "feld", "hauser", "meier", "stadt"],
    "FR": ["ard", "eau", "el", "et", "ier", "in", "on", "ot", "oux", "and"],
    "ES": ["ado", "ales", "ero", "ez", "ino", "ona", "uela", "illo", "ares", "anes"],
}
_TAIL_KEY: dict[str, str] = {"US": "EN", "GB": "EN", "DE": "DE", "FR": "FR", "ES": "ES"}

# city -> postcode stem; the generator appends random digits / an inward code
_CITIES: dict[str, list[tuple[str, str]]] = {
    "US": [
        ("New York", "100"),
        ("Los Angeles", "900"),
        ("Chicago", "606"),
        ("Houston", "770"),
        ("Phoenix", "850"),
        ("Philadelphia", "191"),
        ("San Antonio", "782"),
        ("San Diego", "921"),
        ("Dallas", "752"),
        ("Seattle", "981"),
        ("Boston", "021"),
        ("Denver", "802"),
    ],
    "GB": [
        ("London", "SW1"),
        ("London", "E1"),
        ("London", "N1"),
        ("Manchester", "M1"),
        ("Birmingham", "B1"),
        ("Leeds", "LS1"),
        ("Glasgow", "G1"),
        ("Bristol", "BS1"),
        ("Liverpool", "L1"),
        ("Edinburgh", "EH1"),
    ],
    "DE": [
        ("Berlin", "10"),
        ("Hamburg", "20"),
        ("München", "80"),
        ("Köln", "50"),
        ("Frankfurt am Main", "60"),
        ("Stuttgart", "70"),
        ("Düsseldorf", "40"),
        ("Leipzig", "04"),
    ],
    "FR": [
        ("Paris", "750"),
        ("Marseille", "130"),
        ("Lyon", "690"),
        ("Toulouse", "310"),
        ("Nice", "060"),
        ("Nantes", "440"),
        ("Bordeaux", "330"),
    ],
    "ES": [("Madrid", "280"), ("Barcelona", "080"), ("Valencia", "460"), ("Sevilla", "410")],
}

_DOMAINS: dict[str, list[tuple[str, float]]] = {
    "US": [
        ("gmail.com", 0.45),
        ("yahoo.com", 0.15),
        ("outlook.com", 0.15),
        ("icloud.com", 0.1),
        ("hotmail.com", 0.1),
        ("aol.com", 0.05),
    ],
    "GB": [
        ("gmail.com", 0.4),
        ("hotmail.co.uk", 0.2),
        ("outlook.com", 0.15),
        ("btinternet.com", 0.1),
        ("yahoo.co.uk", 0.1),
        ("icloud.com", 0.05),
    ],
    "DE": [("gmail.com", 0.3), ("web.de", 0.25), ("gmx.de", 0.25), ("t-online.de", 0.1), ("outlook.de", 0.1)],
    "FR": [
        ("gmail.com", 0.4),
        ("orange.fr", 0.2),
        ("free.fr", 0.15),
        ("hotmail.fr", 0.15),
        ("laposte.net", 0.1),
    ],
    "ES": [("gmail.com", 0.5), ("hotmail.es", 0.25), ("yahoo.es", 0.15), ("telefonica.net", 0.1)],
}
_PLUS_DOMAINS = frozenset({"gmail.com", "outlook.com", "outlook.de", "icloud.com"})
_COMPANY_WORDS = [
    "acme",
    "blue",
    "north",
    "apex",
    "pixel",
    "river",
    "summit",
    "bright",
    "nova",
    "vertex",
    "harbor",
    "cedar",
    "atlas",
    "orbit",
    "lumen",
    "quartz",
    "maple",
    "falcon",
    "zen",
    "prime",
]
_COMPANY_SUFFIX = [
    "labs",
    "works",
    "group",
    "tech",
    "systems",
    "media",
    "studio",
    "partners",
    "consulting",
    "digital",
]
_COMPANY_TLD: dict[str, str] = {"US": "com", "GB": "co.uk", "DE": "de", "FR": "fr", "ES": "es"}
_ROLES = ("info", "sales", "contact", "office", "hello", "admin", "support")
_SOURCES = ("crm", "web", "pos", "support", "newsletter")
_SOURCE_WEIGHTS = (0.3, 0.3, 0.15, 0.15, 0.1)
_TAGS = ("news", "shop", "promo", "work", "2024", "amazon", "x")
_INVALID_PHONES = ("12345", "+1 555", "000-000-0000", "n/a", "call me", "99999999999999999", "+44 12")

# mobile national significant numbers: (prefixes, total length)
_MOBILE: dict[str, tuple[tuple[str, ...], int]] = {
    "GB": (("74", "75", "78", "795", "797"), 10),
    "DE": (("151", "152", "157", "160", "162", "176", "177"), 11),
    "FR": (("61", "62", "64", "65", "66", "67", "68", "75", "76", "77", "78"), 9),
    "ES": (("6", "6", "6", "71", "72", "73", "74"), 9),
}
_US_AREA = (
    *("212", "415", "312", "617", "206", "303", "512", "305", "404", "702", "213", "646"),
    *("718", "214", "602", "215"),
)


def _ascii(s: str) -> str:
    """Fold a name to ASCII the way people do in e-mail addresses (ü -> ue, é -> e, ß -> ss)."""
    s = s.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode("ascii")


def _nickname_table() -> dict[str, list[str]]:
    """First name -> sorted nicknames (sorted: set order would break determinism)."""
    from nicknames import NickNamer

    nn = NickNamer()
    names = {n for pool in _FIRST.values() for n in pool}
    table: dict[str, list[str]] = {}
    for name in sorted(names):
        nicks = sorted(n for n in nn.nicknames_of(_ascii(name)) if len(n) >= 2 and n != _ascii(name))
        if nicks:
            table[name] = nicks
    return table


def _zipf(k: int, s: float = 0.9) -> npt.NDArray[np.float64]:
    w = 1.0 / np.arange(1, k + 1, dtype=np.float64) ** s
    out: npt.NDArray[np.float64] = w / w.sum()
    return out


def _pick(rng: np.random.Generator, pool: Sequence[str], n: int, p: Any = None) -> ObjArray:
    arr = np.empty(len(pool), dtype=object)
    arr[:] = list(pool)
    out: ObjArray = arr[rng.choice(len(pool), size=n, p=p)]
    return out


# --------------------------------------------------------------------------------------------
# noise helpers (scalar; applied only to the subset of rows that get the noise)
# --------------------------------------------------------------------------------------------

_ALPHA = "abcdefghijklmnopqrstuvwxyz"


def _typo(s: str, op: int, r: float, c: int) -> str:
    """One edit: 0 transpose, 1 delete, 2 substitute, 3 insert, at relative position ``r``."""
    if len(s) < 3:
        return s
    i = 1 + int(r * (len(s) - 2))  # keep the first letter: people rarely get it wrong
    ch = _ALPHA[c % 26]
    if op == 0 and i + 1 < len(s):
        return s[:i] + s[i + 1] + s[i] + s[i + 2 :]
    if op == 1:
        return s[:i] + s[i + 1 :]
    if op == 2:
        return s[:i] + (ch if s[i] != ch else _ALPHA[(c + 1) % 26]) + s[i + 1 :]
    return s[:i] + ch + s[i:]


def _gmail_dots(local: str, r: int) -> str:
    """Re-dot a Gmail local part: drop all dots, or put one at a pseudo-random position."""
    bare = local.replace(".", "")
    if r % 3 == 0 or len(bare) < 3:
        return bare
    i = 1 + r % (len(bare) - 1)
    return bare[:i] + "." + bare[i:]


def _format_phone(region: str, nsn: str, style: int) -> str:
    """Format a national significant number; ``style`` 0..7 picks one of the common forms."""
    cc = CALLING_CODE[region]
    if style == 0:  # E.164
        return f"+{cc}{nsn}"
    if style == 1 and region != "US":  # 00 prefix (in North America it is 011: left out)
        return f"00{cc}{nsn}" if int(nsn[-1]) % 2 else f"00 {cc} {nsn}"
    if region == "US":
        a, b, c = nsn[:3], nsn[3:6], nsn[6:]
        forms = (
            f"+1 {a}-{b}-{c}",
            f"({a}) {b}-{c}",
            f"{a}-{b}-{c}",
            f"{a}.{b}.{c}",
            f"{a} {b} {c}",
            f"1{nsn}",
        )
    elif region == "GB":
        forms = (
            f"+44 {nsn[:4]} {nsn[4:]}",
            f"0{nsn[:4]} {nsn[4:]}",
            f"0{nsn}",
            f"(0{nsn[:4]}) {nsn[4:]}",
            f"0{nsn[:4]}-{nsn[4:]}",
            f"+44 (0){nsn[:4]} {nsn[4:]}",
        )
    elif region == "DE":
        forms = (
            f"+49 {nsn[:3]} {nsn[3:]}",
            f"0{nsn[:3]} {nsn[3:]}",
            f"0{nsn[:3]}/{nsn[3:]}",
            f"0{nsn[:3]}-{nsn[3:]}",
            f"(0{nsn[:3]}) {nsn[3:]}",
            f"0{nsn}",
        )
    elif region == "FR":
        pairs = " ".join(nsn[i : i + 2] for i in range(1, 9, 2))
        forms = (
            f"+33 {nsn[0]} {pairs}",
            f"0{nsn[0]} {pairs}",
            f"0{nsn[0]}.{pairs.replace(' ', '.')}",
            f"0{nsn}",
            f"0{nsn[0]}-{pairs.replace(' ', '-')}",
            f"+33 (0){nsn[0]} {pairs}",
        )
    else:  # ES
        forms = (
            f"+34 {nsn[:3]} {nsn[3:6]} {nsn[6:]}",
            f"{nsn[:3]} {nsn[3:6]} {nsn[6:]}",
            f"{nsn[:3]} {nsn[3:5]} {nsn[5:7]} {nsn[7:]}",
            f"{nsn}",
            f"{nsn[:3]}-{nsn[3:6]}-{nsn[6:]}",
            f"(+34) {nsn}",
        )
    return forms[(style - 2) % len(forms)]


def _format_handle(h: str, style: int) -> str:
    low = h.lower()
    forms = (
        f"@{h}",
        f"@{low}",
        low,
        f"https://x.com/{h}",
        f"https://twitter.com/{low}",
        f"x.com/{low}",
        f"instagram.com/{low}/",
        f"https://www.instagram.com/{low}/",
        f"@{h}",
        f"http://twitter.com/{h}",
    )
    return forms[style % len(forms)]


def _format_dob(region: str, y: int, m: int, d: int, style: int) -> str:
    if style < 7:
        return f"{y:04d}-{m:02d}-{d:02d}"
    if style < 9:
        if region == "US":
            return f"{m:02d}/{d:02d}/{y:04d}"
        if region == "DE":
            return f"{d:02d}.{m:02d}.{y:04d}"
        return f"{d:02d}/{m:02d}/{y:04d}"
    return f"{y:04d}{m:02d}{d:02d}"


# --------------------------------------------------------------------------------------------
# the generator
# --------------------------------------------------------------------------------------------


def _key(value: str) -> str:
    """What makes two identifiers the same: case never matters, Gmail ignores dots."""
    v = value.lower()
    user, at, host = v.partition("@")
    if at and host in ("gmail.com", "googlemail.com"):
        return user.replace(".", "") + "@gmail.com"
    return v


def _unique(values: ObjArray, rng: np.random.Generator, *, max_len: int | None = None) -> ObjArray:
    """Make values unique by appending digits to repeats (before the ``@`` of an address).

    Uniqueness is on :func:`_key`, so two people never get ``robert.smith@gmail.com`` and
    ``robertsmith@gmail.com`` (one mailbox) or ``RobertSmith`` and ``robertsmith``. With
    ``max_len``, a value without ``@`` is shortened so that it stays within it with its digits
    (handles: X allows 15 characters).
    """
    seen: set[str] = set()
    out: ObjArray = values.copy()
    extra = rng.integers(1, 10_000, size=len(values))
    for i, v in enumerate(values.tolist()):
        cand = v
        k = int(extra[i])
        while _key(cand) in seen:
            if "@" in v:
                user, _, host = v.partition("@")
                cand = f"{user}{k}@{host}"
            else:
                base = v if max_len is None else v[: max_len - len(str(k))]
                cand = f"{base}{k}"
            k += 7
        seen.add(_key(cand))
        out[i] = cand
    return out


def generate(n: int, seed: int = 1, noise: Noise = NOISE) -> dict[str, list[Any]]:
    """Generate ``n`` contact records; returns a dict of column -> list (see :data:`COLUMNS`).

    ``entity_id`` is the ground truth (the person); ``id`` is the record id (``0..n-1``,
    in shuffled order so that records of one person are not adjacent).
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    rng = np.random.default_rng(seed)
    nick = _nickname_table()

    # ---- people -------------------------------------------------------------------------
    extra = noise.mean_records_per_person - 1.0
    n_people = max(1, int(n / noise.mean_records_per_person * 1.05) + 8)
    counts = 1 + np.minimum(rng.poisson(extra, size=n_people), noise.max_records_per_person - 1)
    while counts.sum() < n:  # pragma: no cover - only for tiny n with unlucky draws
        counts = np.concatenate([counts, 1 + rng.poisson(extra, size=n_people)])
    ends = np.cumsum(counts)
    n_people = int(np.searchsorted(ends, n) + 1) if n else 0
    counts = counts[:n_people].copy()
    if n_people:
        counts[-1] -= int(ends[n_people - 1] - n)
    E = n_people

    region_idx = rng.choice(len(REGIONS), size=E, p=np.array(REGION_WEIGHTS))
    country = np.array(REGIONS, dtype=object)[region_idx]

    first = np.empty(E, dtype=object)
    last = np.empty(E, dtype=object)
    city = np.empty(E, dtype=object)
    postcode = np.empty(E, dtype=object)
    nsn = np.empty(E, dtype=object)
    domain = np.empty(E, dtype=object)
    for r, region in enumerate(REGIONS):
        idx = np.flatnonzero(region_idx == r)
        k = len(idx)
        if not k:
            continue
        fpool = _FIRST[region]
        first[idx] = _pick(rng, fpool, k, _zipf(len(fpool), 0.6))
        common = _LAST[region]
        pre = _TAIL[_TAIL_KEY[region]]
        suf = _TAIL_SUFFIX[_TAIL_KEY[region]]
        tail = [a + b for a in pre for b in suf]
        lastv = _pick(rng, common, k, _zipf(len(common), 0.9))
        use_tail = rng.random(k) < 0.3
        lastv[use_tail] = _pick(rng, tail, int(use_tail.sum()))
        last[idx] = lastv
        cities = _CITIES[region]
        ci = rng.integers(0, len(cities), size=k)
        city[idx] = np.array([c for c, _ in cities], dtype=object)[ci]
        stems = [s for _, s in cities]
        if region == "GB":
            digits = rng.integers(0, 10, size=k)
            l1 = rng.integers(0, 26, size=k)
            l2 = rng.integers(0, 26, size=k)
            postcode[idx] = [
                f"{stems[c]} {d}{_ALPHA[a].upper()}{_ALPHA[b].upper()}"
                for c, d, a, b in zip(ci.tolist(), digits.tolist(), l1.tolist(), l2.tolist(), strict=True)
            ]
        else:
            width = 5 - len(stems[0])
            tails = rng.integers(0, 10**width, size=k)
            postcode[idx] = [
                f"{stems[c]}{t:0{width}d}" for c, t in zip(ci.tolist(), tails.tolist(), strict=True)
            ]
        if region == "US":
            area = _pick(rng, _US_AREA, k)
            exch = rng.integers(200, 1000, size=k)
            line = rng.integers(0, 10_000, size=k)
            nsn[idx] = [
                f"{a}{e}{x:04d}" for a, e, x in zip(area.tolist(), exch.tolist(), line.tolist(), strict=True)
            ]
        else:
            prefixes, length = _MOBILE[region]
            pfx = _pick(rng, prefixes, k)
            body = rng.integers(0, 10**8, size=k)
            nsn[idx] = [
                f"{p}{b:08d}"[:length].ljust(length, "0")
                for p, b in zip(pfx.tolist(), body.tolist(), strict=True)
            ]
        doms = _DOMAINS[region]
        w = np.array([x for _, x in doms])
        domain[idx] = _pick(rng, [d for d, _ in doms], k, w / w.sum())

    nsn = _unique(nsn, rng)  # two people share a number only through households (below)

    # Household partners, per country, drawn from people not themselves re-assigned. Families
    # do not give two members one first name: a member drawn with the partner's name gets
    # another one (independent draws made ~3-5% of households two "Louis Marin" at one phone
    # and postcode, which nothing in the data could tell apart). Done here, before the names
    # make e-mail addresses and handles.
    household = rng.random(E) < noise.household_person
    households: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]] = []
    if E > 1:
        for r in range(len(REGIONS)):
            members = np.flatnonzero((region_idx == r) & household)
            donors = np.flatnonzero((region_idx == r) & ~household)
            if not len(members) or not len(donors):
                household[members] = False
                continue
            partner = donors[rng.integers(0, len(donors), size=len(members))]
            households.append((members, partner))
            fpool = _FIRST[REGIONS[r]]
            for m, q in zip(members.tolist(), partner.tolist(), strict=True):
                while _ascii(first[m]).lower() == _ascii(first[q]).lower():
                    first[m] = fpool[int(rng.integers(0, len(fpool)))]

    # e-mail local part: first.last, firstlast, flast, first_last, first.last84, lastf ...
    fa = [_ascii(x) for x in first.tolist()]
    la = [_ascii(x).replace(" ", "") for x in last.tolist()]
    yy = rng.integers(0, 100, size=E).tolist()
    pat = rng.integers(0, 7, size=E).tolist()
    local = np.empty(E, dtype=object)
    local[:] = [
        (
            f"{f}.{la_}",
            f"{f}{la_}",
            f"{f[0]}{la_}",
            f"{f}_{la_}",
            f"{f}.{la_}{y:02d}",
            f"{la_}{f[0]}",
            f"{f}{y:02d}",
        )[p]
        for f, la_, y, p in zip(fa, la, yy, pat, strict=True)
    ]
    email_addr = _unique(
        np.array([f"{lo}@{d}" for lo, d in zip(local.tolist(), domain.tolist(), strict=True)], dtype=object),
        rng,
    )

    # work address for some people (company domain)
    n_companies = max(5, E // 400)
    cw = _pick(rng, _COMPANY_WORDS, n_companies)
    cs = _pick(rng, _COMPANY_SUFFIX, n_companies)
    company_of = rng.integers(0, n_companies, size=E)
    company_dom = [
        f"{a}{b}.{_COMPANY_TLD[c]}"
        for a, b, c in zip(cw[company_of].tolist(), cs[company_of].tolist(), country.tolist(), strict=True)
    ]
    has_work = rng.random(E) < noise.work_email_person
    work_addr = np.array(
        [
            f"{f[0]}.{la_}@{d}" if h else None
            for f, la_, d, h in zip(fa, la, company_dom, has_work.tolist(), strict=True)
        ],
        dtype=object,
    )
    work_addr[has_work] = _unique(work_addr[has_work], rng)

    # social handles
    has_handle = rng.random(E) < noise.handle_person
    hpat = rng.integers(0, 6, size=E).tolist()
    handle = np.array(
        [
            (
                f"{f}{la_}",
                f"{f}_{la_}",
                f"{f[0]}{la_}{y:02d}",
                f"{f.capitalize()}{la_.capitalize()}",
                f"the_{f}",
                f"{la_}_{f}",
            )[p][:15]
            if h
            else None
            for f, la_, y, p, h in zip(fa, la, yy, hpat, has_handle.tolist(), strict=True)
        ],
        dtype=object,
    )
    # Each handle is shown as an X and as an Instagram profile: letters, digits and "_" within
    # 15 characters are valid on both (dotted or longer handles were 10% invalid on X).
    handle[has_handle] = _unique(handle[has_handle], rng, max_len=15)

    # date of birth
    dob_y = rng.integers(1940, 2006, size=E)
    dob_m = rng.integers(1, 13, size=E)
    dob_d = rng.integers(1, 29, size=E)

    # households: some people share a phone (and usually surname and city) with another person
    # of the same country (partners drawn above).
    if E > 1:
        for members, partner in households:
            nsn[members] = nsn[partner]
            city[members] = city[partner]
            postcode[members] = postcode[partner]
            same_name = rng.random(len(members)) < 0.7
            last[members[same_name]] = last[partner[same_name]]

    # ---- records ----------------------------------------------------------------------------
    ent = np.repeat(np.arange(E, dtype=np.int64), counts)
    ent = ent[rng.permutation(n)]
    rc = country[ent]

    def rand() -> npt.NDArray[np.float64]:
        return rng.random(n)

    # names
    fn = first[ent].copy()
    ln = last[ent].copy()
    nick_mask = rand() < noise.nickname
    nick_pick = rng.integers(0, 1 << 30, size=n)
    for i in np.flatnonzero(nick_mask).tolist():
        options = nick.get(fn[i])
        if options:
            fn[i] = options[int(nick_pick[i]) % len(options)]
    for col in (fn, ln):
        m = np.flatnonzero(rand() < noise.name_typo)
        ops = rng.integers(0, 4, size=len(m)).tolist()
        pos = rng.random(len(m)).tolist()
        chs = rng.integers(0, 26, size=len(m)).tolist()
        col[m] = [_typo(s, o, p, c) for s, o, p, c in zip(col[m].tolist(), ops, pos, chs, strict=True)]
    case = rand()
    for col in (fn, ln):
        title = case >= noise.name_upper + noise.name_lower
        col[title] = [s.title() for s in col[title].tolist()]
        up = case < noise.name_upper
        col[up] = [s.upper() for s in col[up].tolist()]
    fn[rand() < noise.missing_first_name] = None
    ln[rand() < noise.missing_last_name] = None

    # e-mail
    em = email_addr[ent].copy()
    use_work = (rand() < noise.work_email_use) & has_work[ent]
    em[use_work] = work_addr[ent[use_work]]
    dom = np.array([e.rsplit("@", 1)[1] for e in em.tolist()], dtype=object)
    is_gmail = (dom == "gmail.com") & ~use_work
    g = np.flatnonzero(is_gmail & (rand() < noise.gmail_dots))
    gr = rng.integers(0, 1 << 30, size=len(g)).tolist()
    em[g] = [
        _gmail_dots(e.rsplit("@", 1)[0], r) + "@gmail.com" for e, r in zip(em[g].tolist(), gr, strict=True)
    ]
    g = np.flatnonzero(is_gmail & (rand() < noise.googlemail))
    em[g] = [e.rsplit("@", 1)[0] + "@googlemail.com" for e in em[g].tolist()]
    plus_ok = np.array([d in _PLUS_DOMAINS for d in dom.tolist()], dtype=bool) & ~use_work
    t = np.flatnonzero(plus_ok & (rand() < noise.plus_tag))
    tags = _pick(rng, _TAGS, len(t)).tolist()
    em[t] = [
        e.rsplit("@", 1)[0] + "+" + tag + "@" + e.rsplit("@", 1)[1]
        for e, tag in zip(em[t].tolist(), tags, strict=True)
    ]
    # role mailboxes: a small pool shared by many people
    n_roles = max(3, E // 300)
    role_pool = [
        f"{_ROLES[i % len(_ROLES)]}@{_COMPANY_WORDS[(i * 7) % len(_COMPANY_WORDS)]}"
        f"{_COMPANY_SUFFIX[(i * 3) % len(_COMPANY_SUFFIX)]}.com"
        for i in range(n_roles)
    ]
    rm = rand() < noise.role_mailbox
    em[rm] = _pick(rng, role_pool, int(rm.sum()), _zipf(n_roles, 0.7))
    case = rand()
    up = case < noise.email_upper
    em[up] = [e.upper() for e in em[up].tolist()]
    tt = (case >= noise.email_upper) & (case < noise.email_upper + noise.email_title)
    em[tt] = [e[:1].upper() + e[1:] for e in em[tt].tolist()]
    bad = np.flatnonzero(rand() < noise.invalid_email)
    kinds = rng.integers(0, 6, size=len(bad)).tolist()
    em[bad] = [
        (
            e.split("@")[0] + "@",
            e.replace("@", "@@"),
            e.replace("@", " at "),
            e.rsplit(".", 1)[0],
            "n/a",
            e.replace("@", ""),
        )[k]
        for e, k in zip(em[bad].tolist(), kinds, strict=True)
    ]
    em[rand() < noise.missing_email] = None

    # phone
    ph = np.empty(n, dtype=object)
    ph_nsn = nsn[ent]
    style = rng.choice(8, size=n, p=np.array([0.28, 0.08, 0.14, 0.14, 0.12, 0.1, 0.08, 0.06]))
    ph[:] = [
        _format_phone(r, s, st) for r, s, st in zip(rc.tolist(), ph_nsn.tolist(), style.tolist(), strict=True)
    ]
    bad_phone = rand() < noise.invalid_phone
    ph[bad_phone] = _pick(rng, _INVALID_PHONES, int(bad_phone.sum()))
    ph[rand() < noise.missing_phone] = None

    # handle
    hd = handle[ent].copy()
    has = np.flatnonzero(has_handle[ent])
    hs = rng.integers(0, 10, size=len(has)).tolist()
    hd[has] = [_format_handle(h, s) for h, s in zip(hd[has].tolist(), hs, strict=True)]
    hd[rand() < noise.missing_handle] = None

    # date of birth
    y = dob_y[ent]
    mo = dob_m[ent]
    d = dob_d[ent].copy()
    off = rand() < noise.dob_off_by_one
    d[off] = np.where(d[off] > 1, d[off] - 1, d[off] + 1)
    ds = rng.integers(0, 10, size=n)
    dob = np.empty(n, dtype=object)
    dob[:] = [
        _format_dob(r, a, b, c, s)
        for r, a, b, c, s in zip(rc.tolist(), y.tolist(), mo.tolist(), d.tolist(), ds.tolist(), strict=True)
    ]
    dob[rand() < noise.missing_dob] = None

    # location
    ct = city[ent].copy()
    pc = postcode[ent].copy()
    lc = rand()
    up = lc < 0.06
    ct[up] = [c.upper() for c in ct[up].tolist()]
    gb_loose = (rc == "GB") & (lc > 0.9)
    pc[gb_loose] = [p.replace(" ", "").lower() for p in pc[gb_loose].tolist()]
    gone = rand() < noise.missing_location
    ct[gone] = None
    pc[gone & (rand() < 0.8)] = None

    src = _pick(rng, _SOURCES, n, np.array(_SOURCE_WEIGHTS))

    return {
        "id": list(range(n)),
        "entity_id": ent.tolist(),
        "source": src.tolist(),
        "country": rc.tolist(),
        "first_name": fn.tolist(),
        "last_name": ln.tolist(),
        "email": em.tolist(),
        "phone": ph.tolist(),
        "handle": hd.tolist(),
        "dob": dob.tolist(),
        "city": ct.tolist(),
        "postcode": pc.tolist(),
    }


def iter_records(
    data: dict[str, list[Any]], columns: Sequence[str] | None = None
) -> Iterator[dict[str, Any]]:
    """Rows of :func:`generate`'s output as dicts (optionally only some columns)."""
    cols = list(columns) if columns is not None else list(data)
    lists = [data[c] for c in cols]
    for row in zip(*lists, strict=True):
        yield dict(zip(cols, row, strict=True))


def write(data: dict[str, list[Any]], path: str | Path, fmt: str | None = None) -> Path:
    """Write generated data as ``csv``, ``jsonl`` or ``parquet`` (from the suffix by default)."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    cols = list(data)
    if fmt == "csv":
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(cols)
            w.writerows(zip(*(data[c] for c in cols), strict=True))
    elif fmt in ("jsonl", "ndjson"):
        dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        with path.open("w", encoding="utf-8") as fh:
            for rec in iter_records(data):
                fh.write(dumps(rec))
                fh.write("\n")
    elif fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table({c: pa.array(data[c]) for c in cols})
        pq.write_table(table, path)
    else:
        raise ValueError(f"unknown format {fmt!r}: use .csv, .jsonl or .parquet")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.contactgen", description="Generate noisy contact records."
    )
    parser.add_argument("-n", type=int, default=100_000, help="number of records (default 100000)")
    parser.add_argument("-o", "--output", required=True, help="output file: .csv, .jsonl or .parquet")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--format", choices=("csv", "jsonl", "parquet"), default=None)
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    data = generate(args.n, seed=args.seed)
    t1 = time.perf_counter()
    out = write(data, args.output, args.format)
    t2 = time.perf_counter()
    people = len(set(data["entity_id"]))
    print(
        f"{args.n} records of {people} people -> {out} (generate {t1 - t0:.1f}s, write {t2 - t1:.1f}s)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
