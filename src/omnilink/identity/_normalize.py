"""Per-row canonicalization: raw records in, comparable records and per-row rejects out.

Every value goes through a per-run cache, so a value repeated across a million rows (a
city, a first name, a household phone) is canonicalized once. A batch is read a chunk of rows
at a time, column by column (:class:`_Chunk`); one row at a time (:meth:`Normalizer.normalize`,
the online graph) gives the same records and rejects.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import importlib
import itertools
import logging
import math
import multiprocessing
import numbers
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import Any, cast

from omnilink.exceptions import InvalidIdentifierError
from omnilink.identity._fields import FieldType, column_platform, column_system, names_a_country
from omnilink.identity._frames import Batches, Columns
from omnilink.identity._types import Reject
from omnilink.models import Customer, IdentifierKind

__all__ = ["NormRecord", "Normalizer", "id_text", "region_code", "row_mapping"]

logger = logging.getLogger(__name__)

_MISSING_TEXT = frozenset(
    {
        "",
        "n/a",
        "na",
        "n.a.",
        "none",
        "null",
        "nil",
        "nan",
        "unknown",
        "unk",
        "-",
        "--",
        "?",
        ".",
        "x",
        "xx",
        "xxx",
    }
)
_PLACEHOLDER_EMAIL_LOCAL = frozenset(
    {
        "test",
        "none",
        "noemail",
        "no-email",
        "no.email",
        "noreply",
        "no-reply",
        "donotreply",
        "na",
        "n/a",
        "unknown",
        "email",
        "abc",
        "asdf",
        "xxx",
        "null",
        "fake",
        "dummy",
        "nobody",
        "a",
        "x",
    }
)
_PLACEHOLDER_EMAIL_DOMAIN = frozenset(
    {
        "example.com",
        "example.org",
        "example.net",
        "test.com",
        "none.com",
        "noemail.com",
        "domain.com",
        "email.com.invalid",
        "invalid",
        "localhost",
        "mailinator.com",
    }
)
_MAIL_PROVIDERS = frozenset(
    {
        *("gmail.com", "googlemail.com", "yahoo.com", "hotmail.com", "outlook.com", "icloud.com"),
        *("protonmail.com", "protonmail.ch", "comcast.net", "sbcglobal.net", "verizon.net"),
        *("hotmail.co.uk", "yahoo.co.uk", "btinternet.com", "hotmail.fr", "hotmail.es", "hotmail.it"),
        *("hotmail.de", "yahoo.fr", "yahoo.es", "outlook.de", "outlook.fr", "t-online.de"),
        *("laposte.net", "orange.fr", "wanadoo.fr", "libero.it", "bigpond.com", "rogers.com"),
    }
)
"""Big consumer mail domains, whose one-keystroke misspellings people type into sign-up forms
(:func:`mail_domain_typo`); none shorter than 8 characters: aol.com or gmx.de have too many
real neighbours."""
_NOT_TYPOS = frozenset({"mail.com", "email.com", "ymail.com", "cloud.com", "rogers.ca"})
"""Real domains one keystroke from a provider of :data:`_MAIL_PROVIDERS`."""


@functools.lru_cache(maxsize=4096)
def mail_domain_typo(domain: str) -> str | None:
    """The provider of :data:`_MAIL_PROVIDERS` that ``domain`` misspells by one keystroke (a
    letter added, dropped, changed, or two swapped: gmial.com, gmail.con, hotmal.com), or None.

    None too when two providers are that near, or when the domain begins one with a dot after it
    ("hotmail.co" may be hotmail.com or a hotmail.co.uk cut short). Nobody but a squatter gets
    mail at gmial.com, so its address is the person's gmail.com address, mistyped."""
    if domain in _MAIL_PROVIDERS or domain in _NOT_TYPOS or len(domain) < 7:
        return None
    from rapidfuzz.distance import OSA

    hits = [p for p in _MAIL_PROVIDERS if OSA.distance(domain, p, score_cutoff=1) <= 1]
    if len(hits) != 1 or any(p.startswith(domain + ".") for p in _MAIL_PROVIDERS):
        return None
    return hits[0]


def with_provider_tld(text: str) -> str | None:
    """``text`` with the rest of its domain when the domain is a big provider's name alone, as
    forms get it (``john@gmail``, ``ann@icloud``), and only one provider of
    :data:`_MAIL_PROVIDERS` has that name (not ``hotmail``: .com, .co.uk, .fr...); else None."""
    local, at, domain = text.strip().rpartition("@")
    if not at or not local or "." in domain:
        return None
    provider = _PROVIDER_OF_NAME.get(domain.lower())
    return None if provider is None else f"{local}@{provider}"


def with_the_at(text: str) -> str | None:
    """``text`` with the ``@`` it lost before a big provider's domain (:data:`_MAIL_PROVIDERS`),
    as forms get an address typed without it (``lewiswyahoo.com``) or with a dot for it
    (``jane.smith.gmail.com``); else None. Those domains only: no other address or web site
    ends in ``gmail.com``, while ``janehome.com`` may be a site, not ``janeho@me.com``."""
    t = text.strip()
    if "@" in t or " " in t or "." not in t:
        return None
    low = t.lower()
    for provider in _PROVIDERS_LONGEST_FIRST:
        if low.endswith(provider):
            local = t[: -len(provider)]
            local = local[:-1] if local.endswith(".") else local
            return f"{local}@{t[-len(provider) :]}" if local else None
    return None


def completed_address(text: str) -> str | None:
    """A big provider's address that ``text`` left incomplete: its domain only named
    (:func:`with_provider_tld`) or its ``@`` left out (:func:`with_the_at`); else None. The one
    repair the resolver's reading (:func:`read_email`) and ``IdentityGraph.lookup`` share."""
    return with_provider_tld(text) or with_the_at(text)


_PROVIDERS_LONGEST_FIRST = sorted(_MAIL_PROVIDERS, key=len, reverse=True)
"""(So that a name that ends another's is tried after it: none does today.)"""


def _providers_by_name() -> dict[str, str]:
    by_name: dict[str, list[str]] = {}
    for provider in sorted(_MAIL_PROVIDERS):
        by_name.setdefault(provider.split(".", 1)[0], []).append(provider)
    return {name: found[0] for name, found in by_name.items() if len(found) == 1}


_PROVIDER_OF_NAME = _providers_by_name()
"""The providers of :data:`_MAIL_PROVIDERS` by the name before their first dot, when only one
has that name (gmail: gmail.com; not hotmail)."""


def read_email(text: str, canonical: Callable[[str], str]) -> str:
    """An address as the resolver, the graph and ``IdentityGraph.lookup`` read it: canonical
    (``canonical`` raises for one that is none), at its provider when its domain misspells a big
    one's (:func:`at_provider`) or is a big one's name without the rest (:func:`with_provider_tld`),
    or when the ``@`` before a big one's domain was left out (:func:`with_the_at`)."""
    try:
        email = canonical(text)
    except InvalidIdentifierError:
        completed = completed_address(text)
        if completed is None:
            raise
        email = canonical(completed)
    return at_provider(email, canonical)


def at_provider(email: str, canonical: Callable[[str], str]) -> str:
    """A canonical ``email`` whose domain misspells a big provider's (:func:`mail_domain_typo`)
    as the address at that provider, canonicalized again by ``canonical`` for its rules (gmail
    drops dots); any other ``email`` as it is. How the resolver, the graph and
    ``IdentityGraph.lookup`` read an address."""
    domain = email[email.rindex("@") + 1 :]
    if domain in _MAIL_PROVIDERS:
        return email
    fixed = mail_domain_typo(domain)
    return email if fixed is None else canonical(f"{email[: -len(domain)]}{fixed}")


_ROLE_LOCALS = frozenset(
    {
        "info",
        "support",
        "sales",
        "admin",
        "administrator",
        "contact",
        "hello",
        "help",
        "office",
        "billing",
        "accounts",
        "hr",
        "jobs",
        "careers",
        "marketing",
        "team",
        "webmaster",
        "postmaster",
        "abuse",
        "security",
        "service",
        "enquiries",
        "inquiries",
        "reception",
        "mail",
        "orders",
        "noc",
        "hostmaster",
    }
)
_TITLES = frozenset(
    {"mr", "mrs", "ms", "miss", "dr", "prof", "sir", "mx", "jr", "sr", "ii", "iii", "iv", "phd", "md"}
)
_SALUTATIONS = frozenset(
    {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "sr", "sra", "srta", "dra"}
    | {"herr", "frau", "mme", "mlle", "dhr", "mevr", "sig", "sigra", "sigg"}
    | {"rev", "revd", "capt", "cpt", "maj", "sgt", "cmdr", "adm", "lt", "col"}
)
"""Words that open a name to address its holder: after one, a lone word is the surname ("Mr
Smith", "Herr Müller", "Sra. García", "Dhr. Jansen", "Sig. Rossi", "Capt. Smith"). A leading
"Sr." is Spanish for Mr."""
_LEADING_TITLES = _SALUTATIONS - _TITLES
"""Salutations dropped only in front of a name: Herr and Frau, Major and Col are surnames too."""
_DEGREE_WORDS = frozenset({"med", "dent", "vet", "rer", "nat", "jur", "phil", "oec", "pol", "ing", "habil"})
"""The field of a German doctorate after its "Dr." ("Dr. med.", "Dr. rer. nat.", "Dr.-Ing."),
dropped there only."""
_CREDENTIALS = frozenset(
    {"esq", "esquire", "dds", "dmd", "dvm", "jd", "rn", "cpa", "cfa", "cfp", "mba", "mph", "msn", "bsn"}
    | {"lcsw", "pmp", "facs", "frcs", "obe", "mbe", "cbe", "qc", "kc", "ret"}
)
"""Letters after a name (degrees, professions, honours), dropped at its end when written in
capitals or after a comma ("Jane Doe, CPA", "John Smith Esq."): read as words, "Jane Doe, CPA"
had been the comma form, a Ms. Cpa whose surname is "jane doe"."""
_PRONOUNS = re.compile(
    r"[(\[]\s*(?:she|he|they|xe|ze)\s*/\s*(?:her|him|them|hers|his|theirs|xem|zir|she|he|they)"
    r"(?:\s*/\s*[a-z]+)?\s*[)\]]",
    re.IGNORECASE,
)
"""Pronouns a display name carries ("Jane Doe (she/her)"): no words of the name."""
_NAME_NOTE = re.compile(r"\s(?:\||\u2013|\u2014)\s.*", re.DOTALL)
"""What follows a bar or a dash between spaces in a display name: a company or a role ("Jane
Doe | Acme", "Jane Doe \u2013 Sales"). A spaced hyphen is left: "Smith - Jones" is a surname."""
_NON_LETTER = re.compile(r"[^a-z ]+")
_SPACES = re.compile(r"\s+")
_NON_ALNUM = re.compile(r"[^0-9a-z ]+")
_STREET_ABBREV = {
    "street": "st",
    "road": "rd",
    "avenue": "ave",
    "av": "ave",
    "drive": "dr",
    "court": "ct",
    "place": "pl",
    "crescent": "cres",
    "lane": "ln",
    "terrace": "tce",
    "boulevard": "blvd",
    "highway": "hwy",
    "circuit": "cct",
    "parade": "pde",
    "close": "cl",
    "square": "sq",
    "apartment": "apt",
    "unit": "u",
    "bd": "blvd",
    "avenida": "ave",
    "avda": "ave",
    "strasse": "str",
    "straat": "str",
    **{"first": "1st", "second": "2nd", "third": "3rd", "fourth": "4th", "fifth": "5th"},
    **{"sixth": "6th", "seventh": "7th", "eighth": "8th", "ninth": "9th", "tenth": "10th"},
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "northeast": "ne",
    "northwest": "nw",
    "southeast": "se",
    "southwest": "sw",
}
_UNIT_WORDS = frozenset({"apt", "u", "suite", "ste", "flat", "rm", "room", "no", "nr"})
"""Designators of a unit (or a number) that addresses write before it, or not: "Apt 4B", "#4B"."""
_STREET_SUFFIXES = ("strasse", "straat")
"""German and Dutch street words, ending a street's name or abbreviated: Hauptstraße, Hauptstr."""
_CALLE = re.compile(r"(?<![^\W\d_])[cC]/\s*")
"""Spanish "C/" for Calle (C/ Mayor 12), which loses its "/" with the punctuation."""
_PO_BOX = re.compile(r"\b(?:p o|post office) box\b")
"""A post office box as addresses write it apart from "PO Box" (P.O. Box, Post Office Box)."""

_CITY_WORDS = {"st": "saint", "ste": "sainte", "ft": "fort", "mt": "mount"}
"""Abbreviated words of city names, written out: St. Louis is Saint Louis, Ft. Worth Fort Worth."""
_CITY_NAMES = {
    "nyc": "new york",
    "new york city": "new york",
    "washington d c": "washington",
    "washington dc": "washington",
}
"""Other names of one city, as the people of a contact list write them."""
_EXONYMS: dict[str, tuple[str, str]] = {
    form: (region, city)
    for region, city, forms in (
        ("DE", "munchen", ("munich", "muenchen")),
        ("DE", "koln", ("cologne", "koeln")),
        ("DE", "nurnberg", ("nuremberg", "nuernberg")),
        ("DE", "frankfurt", ("frankfurt am main",)),
        ("DE", "hannover", ("hanover",)),
        ("AT", "wien", ("vienna",)),
        ("CH", "geneve", ("geneva", "genf")),
        ("CH", "zurich", ("zuerich",)),
        ("CH", "luzern", ("lucerne",)),
        ("CH", "bern", ("berne",)),
        ("IT", "roma", ("rome",)),
        ("IT", "milano", ("milan",)),
        ("IT", "napoli", ("naples",)),
        ("IT", "firenze", ("florence",)),
        ("IT", "venezia", ("venice",)),
        ("IT", "torino", ("turin",)),
        ("IT", "genova", ("genoa",)),
        ("IT", "padova", ("padua",)),
        ("ES", "sevilla", ("seville",)),
        ("PT", "lisboa", ("lisbon",)),
        ("PT", "porto", ("oporto",)),
        ("FR", "marseille", ("marseilles",)),
        ("FR", "lyon", ("lyons",)),
        ("BE", "bruxelles", ("brussels", "brussel")),
        ("BE", "antwerpen", ("antwerp", "anvers")),
        ("BE", "gent", ("ghent", "gand")),
        ("NL", "den haag", ("the hague", "s gravenhage")),
        ("DK", "kobenhavn", ("copenhagen", "koebenhavn")),
        ("SE", "goteborg", ("gothenburg", "goeteborg")),
        ("CZ", "praha", ("prague",)),
        ("PL", "warszawa", ("warsaw",)),
        ("PL", "krakow", ("cracow",)),
        ("RU", "moskva", ("moscow",)),
        ("RU", "sankt peterburg", ("saint petersburg",)),
        ("UA", "kyiv", ("kiev",)),
        ("RO", "bucuresti", ("bucharest",)),
        ("RS", "beograd", ("belgrade",)),
        ("GR", "athina", ("athens", "athinai")),
        ("IN", "mumbai", ("bombay",)),
        ("IN", "kolkata", ("calcutta",)),
        ("IN", "chennai", ("madras",)),
        ("CN", "beijing", ("peking",)),
        ("MX", "ciudad de mexico", ("mexico city", "cdmx", "mexico df", "mexico d f")),
    )
    for form in forms
}
"""Other languages' names of a city (Munich, Muenchen) as its own (munchen, as transliteration
gives München), in rows of its country or of no region only: Rome, Georgia and Florence,
Alabama are not Roma and Firenze."""


@dataclasses.dataclass(slots=True)
class NormRecord:
    """A record in canonical form: what blocking and comparators read."""

    index: int
    rid: str
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    externals: tuple[tuple[str, str], ...] = ()
    first: str | None = None
    last: str | None = None
    values: dict[str, str] = dataclasses.field(default_factory=dict)
    """Canonical values of the other compared columns (dates, addresses, cities, codes, text)."""
    empty: bool = False
    generation: str | None = None
    """The generational suffix of its name (``"jr"``, ``"sr"``, ``"iii"``, ``"iv"``), or None:
    two records with different ones are never one profile (see :func:`name_and_generation`)."""
    middle: str | None = None
    """The surname-like words of a full name that are not its last name
    (:func:`split_full_name`): those between its first and last name, when they gave the
    record's last name (the last-name comparator finds "García" in "María García López"), or
    the one word of a one-word full name, read as the first name, which may be a surname
    (:func:`~omnilink.identity._engine.lone_surname`)."""


# Letters that do not decompose into a base letter and an accent: without this table "Weiß"
# became "wei" and "Øst" became "st" (the letter was dropped as punctuation).
_LETTERS = str.maketrans(
    {
        "ß": "ss",
        "ẞ": "ss",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ø": "o",
        "Ø": "o",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "Ð": "d",
        "þ": "th",
        "Þ": "th",
        "\u0131": "i",  # dotless i
    }
)


def _strip_accents(text: str) -> str:
    if text.isascii():
        return text
    text = text.translate(_LETTERS)
    # Symbols (emoji, ™, ®, ★) are no letters, and the format characters that join emoji or
    # mark a text's direction (U+200D, U+200F) are none either. Transliterated, a messaging
    # app's display name "Ann Lee ❤️" had the last name "heart", and "Ann™" was "anntm".
    text = "".join(
        " " if (cat := unicodedata.category(c))[0] == "S" else "" if cat == "Cf" else c for c in text
    )
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    if not text.isascii():
        # Another script (Cyrillic, Greek, Arabic, CJK...): its Latin transliteration, lower
        # case, so that "Иван" is compared (with "Ivan" too) instead of dropped as no letters.
        from anyascii import anyascii  # here: its import takes ~20 ms, and most data is Latin

        if _GREEK.search(text):
            text = _greek_digraphs(text)
        text = anyascii(text).lower()
    return text


_GREEK = re.compile("[\u0370-\u03ff]")
# Greek letters, which look like Latin ones (RUF001): written so on purpose.
_GREEK_DIGRAPHS = re.compile(r"ου|[αεη]υ|γ[γξχ]|\bμπ|\bντ")  # noqa: RUF001
_GREEK_DIGRAPH_LATIN = {"ου": "ou", "γγ": "ng", "γξ": "nx", "γχ": "nch", "μπ": "b", "ντ": "d"}  # noqa: RUF001
_GREEK_U_VOWEL = {"α": "a", "ε": "e", "η": "i"}  # noqa: RUF001
_GREEK_VOICELESS = frozenset("θκξπστφχψ")


def _greek_digraphs(text: str) -> str:
    """Greek letter pairs in their ELOT 743 Latin form, as Greek passports and most Latin
    spellings write names: ου is ou (Papadopoulos, not "Papadopoylos" letter by letter), αυ,
    ευ and ηυ are av, ev, iv (af, ef, if before a voiceless consonant or at a word's end:
    Evangelos, Efthymios), γγ is ng, μπ and ντ begin a name as b and d (Babis, Dinos). The
    rest is letter by letter (anyascii)."""  # noqa: RUF002
    lower = text.lower()

    def latin(m: re.Match[str]) -> str:
        pair = m.group(0)
        vowel = _GREEK_U_VOWEL.get(pair[0])
        if vowel is None:
            return _GREEK_DIGRAPH_LATIN[pair]
        after = lower[m.end() : m.end() + 1]
        return vowel + ("f" if not after.isalpha() or after in _GREEK_VOICELESS else "v")

    return _GREEK_DIGRAPHS.sub(latin, lower)


def norm_name(text: str) -> str | None:
    """Lower-case, accents and punctuation removed, titles dropped; None when nothing is left."""
    return name_and_generation(text)[0]


_GENERATIONS = {"sr": "sr", "jr": "jr", "ii": "jr", "iii": "iii", "iv": "iv"}
"""Generational suffixes, as the generation they name: "II" is read as "Jr." (one person's
records write either), and "I" and "V" are left out (more often an initial)."""
_ORDINALS = {"2nd": "ii", "3rd": "iii", "4th": "iv"}
"""Ordinals that stand for a suffix, as it: read before a name loses its digits."""
_ORDINAL = re.compile(r"\b(?:2nd|3rd|4th)\b")
_DIGIT = re.compile(r"\d")


_NAMES_THAT_SAY_MISSING = frozenset({"na", "nan", "nil"})
"""Missing-value markers that are names too: the Korean surname Na, the first name Nan, the
Turkish Nil. Exports write them for "no value" in lower or upper case (pandas' ``nan``, R's
``NA``); written as a name ("Na", "Nan"), they are the name."""


def _written_as_a_name(text: str) -> bool:
    t = text.strip()
    return t[:1].isupper() and t[1:].islower() and t.lower() in _NAMES_THAT_SAY_MISSING


_ADDRESS_IN_NAME = re.compile(r"[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\"]+")
"""An e-mail address written in a name cell: the cell itself, or "John Smith <john@x.com>"."""

_JOINING_WORDS = frozenset({"and", "und", "et"})
"""Words that join two people in one name ("Mr and Mrs Smith", "Herr und Frau Müller"; "&" goes
with the punctuation). No name is one of them."""
_SHORT_JOINING_WORDS = frozenset({"y", "e", "en"})
"""Spanish, Italian and Portuguese, and Dutch "and": they join two people only between two
salutations ("Sr. y Sra. García", "Sig. e Sig.ra Rossi", "Dhr. en Mevr. Jansen") or two first
names ("Juan y María García"), as elsewhere they are an initial ("John E. Smith") or a word of
a name. French "M." is Monsieur in front of "et Mme" only ("M. et Mme Dupont"; else an initial)."""
_HOUSEHOLD_WORDS = frozenset({"family", "household", "familie", "famille", "familia"})
"""Words that make a name a household's: "The Smith Family", "Familia García" name a surname."""
_NO_NAME_WORDS = _JOINING_WORDS | _HOUSEHOLD_WORDS

_PLACEHOLDER_NAMES = frozenset(
    {"customer", "guest", "visitor", "anonymous", "user", "client", "test", "noname"}
)
"""The names that forms and chat widgets give people who gave none: "Guest", "Visitor 4821". A
first or full name made of them, and of :data:`_PLACEHOLDER_QUALIFIERS` beside one ("Valued
Customer", "Test User"), is no name (two visitors are not one person); a last-name column's
"Guest" may be a surname."""
_PLACEHOLDER_QUALIFIERS = frozenset(
    {"valued", "new", "site", "website", "web", "chat", "contact", "lead", "unknown", "sample", "no", "name"}
)
"""Words of such names that are no placeholder alone: "Chat" is a slip of "Chad"."""


def is_placeholder_name(canon: str) -> bool:
    """Whether a canonical first or full name is one a form or chat widget made up
    (:data:`_PLACEHOLDER_NAMES`)."""
    if canon == "no name":
        return True
    words = canon.split(" ")
    return not _PLACEHOLDER_NAMES.isdisjoint(words) and all(
        w in _PLACEHOLDER_NAMES or w in _PLACEHOLDER_QUALIFIERS for w in words
    )


def name_and_generation(text: str) -> tuple[str | None, str | None]:
    """:func:`norm_name` of ``text``, and the generational suffix it held (``"jr"``, ``"sr"``,
    ``"iii"``, ``"iv"``; see :data:`_GENERATIONS`) or None.

    A suffix is dropped from the name, as a title is, but kept apart: "John Smith Jr." and "John
    Smith Sr." are a father and a son, who often share an address and a phone. A suffix counts
    after a name word only: a leading "Sr." is Spanish for Mr. The words that join a couple
    ("Mr and Mrs Smith") and those that name a household ("The Smith Family") are dropped too.

    An e-mail address is no name: its words would be read as names ("john.smith@gmail.com" had
    the last name "com"). The name beside one is read without it ("John Smith <john@x.com>");
    a cell with no name beside it (exports fill an empty name with the address) raises
    :class:`InvalidIdentifierError`, so the row's reject names the cell.

    What display names carry besides the name goes first: pronouns in brackets ("(she/her)"),
    a company or role after a bar or a spaced dash ("Jane Doe | Acme"), letters after the name
    (:func:`_without_credentials`: "Jane Doe, CPA"), then ranks in front of it ("Rev.", "Capt.")
    and a German doctorate's field after its "Dr." ("Dr. med.").
    """
    if "@" in text:
        bare = _ADDRESS_IN_NAME.sub(" ", text)
        if bare != text:
            name = name_and_generation(bare)
            if name[0] is None:
                raise InvalidIdentifierError(
                    f"{text[:60]!r} is an e-mail address, not a name: map its column as an email "
                    "field, or leave the name empty",
                    kind="name",
                    value=text,
                    reason="an e-mail address, not a name",
                )
            return name
    if "/" in text and _PRONOUNS.search(text):
        text = _PRONOUNS.sub(" ", text)
    if " " in text and ("|" in text or "\u2013" in text or "\u2014" in text):
        text = _NAME_NOTE.sub("", text) or text
    if " " in text:
        text = _without_credentials(text)
    t = text.lower()
    named = _written_as_a_name(text)
    if t.strip() in _MISSING_TEXT and not named:  # before punctuation goes: "N/A" is no name "n a"
        return None, None
    if _DIGIT.search(t):  # before digits go: "John Smith 3rd" had the surname "rd"
        t = _ORDINAL.sub(lambda m: _ORDINALS[m.group(0)], t)
    t = _strip_accents(t).replace("'", "").replace("\u2019", "")
    t = _joins_spelled(t)
    t = _SPACES.sub(" ", _NON_LETTER.sub(" ", t)).strip()
    if not t or (t in _MISSING_TEXT and not named):
        return None, None
    words = t.split(" ")
    if not _SHORT_JOINING_WORDS.isdisjoint(words) or (words[0] == "m" and "et" in words):
        words = _joined(words, text)
    if not _NO_NAME_WORDS.isdisjoint(words):
        # Rare, so tested before the work: a couple's or a household's name.
        words = _household_name(words, text)
        if not words:
            return None, None
    while len(words) > 1 and words[0] in _LEADING_TITLES:  # "Herr und Frau Müller": both
        words = words[1:]
    if words[0] in ("dr", "prof") and len(words) > 2 and words[1] in _DEGREE_WORDS:
        words = [words[0], *(w for w in words[1:3] if w not in _DEGREE_WORDS), *words[3:]]
    parts = [p for p in words if p not in _TITLES]
    generation = None
    if len(parts) != len(words):  # a title was dropped: it may be a suffix (rare, so looked at here)
        generation = next((_GENERATIONS[w] for w in words[1:] if w in _GENERATIONS), None)
    return " ".join(parts) or None, generation


def _household_name(words: list[str], text: str) -> list[str]:
    """The words of a name that names a couple or a household (``words``, the canonical words of
    ``text``, hold a joining or a household word) that say whose: their surname.

    A couple only addressed ("Mr and Mrs Smith", "Herr und Frau Müller") and a household ("The
    Smith Family") keep the name without those words. Two people named ("Jane & John Doe",
    "Doe, Jane and John") keep the surname they share and no first name: the record is the
    household's, not the first-named person's (whose name it had been, so it took Jane's
    profile and made John's phone look shared). Two full names ("Jane Doe and John Smith") and
    two single words ("Jane & John", "Johnson & Johnson") name no one person: no name."""
    j = _named_pair(words)
    if j < 0:
        couple = not _JOINING_WORDS.isdisjoint(words)
        words = [w for w in words if w not in _NO_NAME_WORDS]
        if couple:  # every salutation of the pair goes ("Sr. y Sra.": Sr. is also a suffix)
            k = 0
            while k < len(words) and words[k] in _SALUTATIONS:  # ("Sr. y Sra." alone: no name)
                k += 1
            words = words[k:]
        return words[1:] if len(words) > 1 and words[0] == "the" else words
    if "," in text:  # "Doe, Jane and John": the surname before the comma
        head = (norm_name(text.split(",", 1)[0]) or "").split()
        if 0 < len(head) < j:
            return head
    after = [w for w in words[j + 1 :] if w not in _NO_NAME_WORDS and w not in _SALUTATIONS]
    before = [w for w in words[:j] if w not in _SALUTATIONS]
    return after[1:] if len(before) == 1 and len(after) >= 2 else []


def _named_pair(words: list[str]) -> int:
    """The index of the word that joins two people named in a name ("Jane and John Doe"), or
    -1: no joining word, or one after salutations only ("Mr and Mrs Smith", "Mr & Mrs John
    Smith": addressed as one name)."""
    for i, w in enumerate(words):
        if w in _JOINING_WORDS:
            return i if any(x not in _SALUTATIONS for x in words[:i]) else -1
    return -1


def _joins_spelled(low: str) -> str:
    """A name's lower-case text with what punctuation would lose spelled out: "&" joins two
    people as "and" does ("Jane & John Doe"), "sig.ra" is one word (Signora)."""
    if "&" in low:
        low = low.replace("&", " and ")
    return low.replace("sig.ra", "sigra") if "sig.ra" in low else low


def _joined(words: list[str], raw: str) -> list[str]:
    """``words`` (of ``raw``, the name as written) with each of :data:`_SHORT_JOINING_WORDS`
    that joins two people as "and", and the "m" of "m et mme" as "mr".

    Between two salutations such a word joins. Between two first names it joins when it follows
    the first word and a surname follows ("Juan y María García"; not Ortega y Gasset's "José
    Ortega y Gasset", nor "Ana Costa e Silva"), written in lower case in a name that is not
    (a capital "Y" or "E" is an initial); in a name all in one case, when both names are first
    names the nickname tables know."""
    out = list(words)
    cased = not raw.islower() and not raw.isupper()
    for i in range(1, len(out) - 1):
        before, w, after = out[i - 1], out[i], out[i + 1]
        if w not in _SHORT_JOINING_WORDS:
            continue
        if (before in _SALUTATIONS and after in _SALUTATIONS) or (
            i == 1
            and len(out) > 3
            and (f" {w} " in raw if cased else known_first_name(before) and known_first_name(after))
        ):
            out[i] = "and"
    if len(out) > 2 and out[0] == "m" and out[1] == "et" and out[2] in _SALUTATIONS:
        out[0] = "mr"
    return out


def _couple_words(raw: str) -> list[str] | None:
    """The words of a name as written, as :func:`name_and_generation` reads a couple's (two
    people joined by "and", "&", "y", ...), or None when no word could join two people."""
    low = raw.lower()
    if (  # most names: the rest is not run (a chain of `in` is faster than a regex here)
        "&" not in low
        and " and " not in low
        and " und " not in low
        and " et " not in low
        and " y " not in low
        and " e " not in low
        and " en " not in low
    ):
        return None
    low = _joins_spelled(_strip_accents(low))
    return _joined(_NON_LETTER.sub(" ", low).split(), raw)


def _addressed_couple(raw: str) -> bool:
    """Whether a name addresses a couple by salutations only ("Mr and Mrs Smith", "Sr. y Sra.
    García López"): its words after them are one name, or the household's surname."""
    words = _couple_words(raw)
    return words is not None and not _JOINING_WORDS.isdisjoint(words) and _named_pair(words) < 0


def _without_credentials(text: str) -> str:
    """``text`` without the letters after its name (:data:`_CREDENTIALS`, written in capitals,
    dotted or not, or after a comma; "Esq." in any case), as long as two words are left."""
    for _ in range(3):  # "Jane Doe, CPA, CFA"
        body = text.rstrip(" .")
        head, _sep, tail = body.rpartition(" ")
        word = tail.replace(".", "")
        if word.lower() not in _CREDENTIALS or len(head.split()) < 2:
            break
        if not (word.isupper() or head.rstrip().endswith(",") or word.lower() in ("esq", "esquire")):
            break
        text = head.rstrip(" ,")
    return text


_SUFFIXES = {
    **_GENERATIONS,
    **{ordinal: _GENERATIONS[roman] for ordinal, roman in _ORDINALS.items()},
    "i": "sr",
    "junior": "jr",
    "senior": "sr",
}
"""What a suffix column may say, as the generation it names (alone, "I" is the first)."""
_OTHER_SUFFIXES = _TITLES | frozenset(
    {"esq", "esquire", "dds", "dmd", "do", "dvm", "jd", "rn", "cpa", "mba", "ret", "pe", "np", "pa"}
)
"""Suffixes that name no generation (degrees, professions): no suffix, and no error either."""


def norm_suffix(text: str) -> str | None:
    """The generation a name-suffix column's value names (``"jr"``, ``"sr"``, ``"iii"``,
    ``"iv"``: see :data:`_SUFFIXES`), None for none or for a degree (``MD``, ``Esq.``). Anything
    else raises :class:`InvalidIdentifierError`, so that a shifted column is reported, not read."""
    words = _NON_ALNUM.sub(" ", _strip_accents(text.lower()).replace(".", "")).split()  # M.D. is md
    if not words or text.strip().lower() in _MISSING_TEXT:
        return None
    for word in words:
        if word in _SUFFIXES:
            return _SUFFIXES[word]
    if all(word in _OTHER_SUFFIXES for word in words):
        return None
    raise InvalidIdentifierError(
        f"name suffix {text[:40]!r} is not a generational suffix: write Jr., Sr., II, III or IV",
        kind="name_suffix",
        value=text,
        reason="not a name suffix",
    )


def without_float_tail(text: str) -> str:
    """A number's text without the ".0" a float column gave it: pandas reads an id, phone or
    postcode column with gaps as floats, and a CSV it writes keeps "4155552671.0", "2119.0",
    "12345.0". Only digits and ".0" are touched."""
    return text[:-2] if text.endswith(".0") and text[:-2].isdigit() else text


_SCIENTIFIC = re.compile(r"\s*([0-9])(?:\.([0-9]+))?[eE]\+?([0-9]{1,2})\s*")


def number_text(text: str, kind: str) -> str:
    """A number's text as a column of ``kind`` (phone, id, postcode) means it: without what a
    spreadsheet put around it to keep it text (``="00123"``, ``'00123``), without the ".0"
    a float column gave it (:func:`without_float_tail`), and out of scientific notation
    (``4.47911123456E+11`` is 447911123456).

    Excel writes a number of 12 digits or more that is not formatted as text with six
    significant ones: ``4.47911E+11``. Its other digits are lost, and two customers' ids
    (123456789012 and 123457000000) would be one value, so such a value raises
    :class:`InvalidIdentifierError` (the row's reject says what to do) instead of becoming a
    wrong phone, id or postcode."""
    if text[:1] in ("=", "'", '"'):
        from omnilink.identifiers import _unquoted

        text = _unquoted(text)
    text = without_float_tail(text)
    if "e" not in text and "E" not in text:
        return text
    m = _SCIENTIFIC.fullmatch(text)
    if m is None:
        return text
    lead, digits, exponent = m.group(1), m.group(2) or "", int(m.group(3))
    if len(digits) == exponent:
        return lead + digits
    if len(digits) > exponent:  # a fraction: no number of this kind; left to its own checks
        return text
    raise InvalidIdentifierError(
        f"{kind} {text!r} is a number in scientific notation that lost its last digits, as "
        "spreadsheets write long numbers: format the column as text and export it again",
        kind=kind,
        value=text,
        reason="scientific notation, digits lost",
    )


def external_id(text: str, system: str | None) -> str:
    """An external id as its column (of ``system``: :func:`column_system`) means it: a number's
    text as :func:`number_text` reads it, and a Salesforce record id, in a Salesforce column or
    written ``salesforce:<id>`` as a ``Customer`` holds one, in its 18-character form (a
    report's 15-character id is the API's 18-character one: ``_salesforce_id``)."""
    from omnilink.identifiers import SALESFORCE_PLATFORMS, _salesforce_id

    ident = number_text(text, "external_id")
    if system in SALESFORCE_PLATFORMS:
        return _salesforce_id(ident) or ident
    head, colon, rest = ident.partition(":")
    if colon and head.lower() in SALESFORCE_PLATFORMS and (sf := _salesforce_id(rest.strip())):
        return f"{head.lower()}:{sf}"
    return ident


def norm_text(text: str) -> str | None:
    if text.strip().lower() in _MISSING_TEXT:  # before punctuation goes: "N/A" is no city "n a"
        return None
    text = without_float_tail(text)
    t = _SPACES.sub(" ", _NON_ALNUM.sub(" ", _strip_accents(text.lower()))).strip()
    return None if t in _MISSING_TEXT else t


def norm_address(text: str) -> str | None:
    """A street address as :func:`norm_text` gives it, written one way: street types and
    directions short (:data:`_STREET_ABBREV`: Street is St, North N; "Hauptstraße" is
    "hauptstr", "C/ Mayor" Calle Mayor), ordinal words as numbers (First Ave is 1st Ave), a
    unit's designator left out before its number (Apt 4B, Unit 4B, Suite 4B, #4B: 4b), and
    P.O. Box as PO Box."""
    if "/" in text:
        text = _CALLE.sub("calle ", text)
    t = norm_text(text)
    if t is None:
        return None
    if " box" in t:
        t = _PO_BOX.sub("po box", t)
    words = [_STREET_ABBREV.get(w, w) for w in t.split(" ")]
    out: list[str] = []
    for k, w in enumerate(words):
        if w in _UNIT_WORDS and k + 1 < len(words) and any(ch.isdigit() for ch in words[k + 1]):
            continue  # a designator before a unit's number
        if len(w) > 6 and w.endswith(_STREET_SUFFIXES):  # hauptstrasse, kerkstraat
            w = w[: -len(next(x for x in _STREET_SUFFIXES if w.endswith(x)))] + "str"
        out.append(w)
    return " ".join(out)


def norm_city(text: str, region: str | None = None) -> str | None:
    """A city as :func:`norm_text` gives it, with its abbreviated words written out (St. Louis,
    Ft. Worth, Mt. Vernon) and a few other names of one city as that city (NYC, New York City:
    New York; Washington, D.C.: Washington). In a row of the city's country, or of no region,
    another language's name of a major city is the city's own (:data:`_EXONYMS`: Munich and
    Muenchen are München). A state or country after it is left out (:func:`_city_alone`:
    "Boston, MA", "Portland, Oregon", "Lyon, France")."""
    if "," in text or text[-3:-2] == " " or text[-4:-3] == " ":
        text = _city_alone(text, region)
    t = norm_text(text)
    if t is None:
        return None
    words = t.split(" ")
    if len(words) > 1 and words[0] in _CITY_WORDS:
        t = " ".join([_CITY_WORDS[words[0]], *words[1:]])
    t = _CITY_NAMES.get(t, t)
    exonym = _EXONYMS.get(t)
    if exonym is not None and (region is None or region == exonym[0]):
        return exonym[1]
    return t


def _city_alone(text: str, region: str | None) -> str:
    """``text`` without the state or country written after the city, as one field of an export
    holds both: after a comma, a state or province of the US, Canada or Australia by its code
    or name ("Boston, MA", "Portland, Oregon", "Toronto, ON") or a country ("Lyon, France",
    "Boston, MA, USA"); without a comma, such a code in capitals ("Boston MA"). The row's
    region, when it has one of those three, decides whose states count."""
    states = _STATES.get(region) if region is not None else None
    if states is None:
        states = _ALL_STATES
    for _ in range(2):
        head, comma, tail = text.rpartition(",")
        if comma:
            key = _country_key(tail)  # "N.C.": "n c"
            if head.strip() and (
                key in states or key.replace(" ", "") in states or _country_named(tail.strip()) is not None
            ):
                text = head
                continue
            break
        head, _space, code = text.strip().rpartition(" ")
        if head.strip() and code.isupper() and code.isalpha() and code.lower() in states:
            text = head
        break
    return text


_STATE_TEXT = {
    "US": "al alabama ak alaska az arizona ar arkansas ca california co colorado ct connecticut "
    "de delaware fl florida ga georgia hi hawaii id idaho il illinois in indiana ia iowa ks kansas "
    "ky kentucky la louisiana me maine md maryland ma massachusetts mi michigan mn minnesota "
    "ms mississippi mo missouri mt montana ne nebraska nv nevada nh|new_hampshire nj|new_jersey "
    "nm|new_mexico ny|new_york nc|north_carolina nd|north_dakota oh ohio ok oklahoma or oregon "
    "pa pennsylvania ri|rhode_island sc|south_carolina sd|south_dakota tn tennessee tx texas "
    "ut utah vt vermont va virginia wa washington wv|west_virginia wi wisconsin wy wyoming "
    "dc pr|puerto_rico",
    "CA": "ab alberta bc|british_columbia mb manitoba nb|new_brunswick nl newfoundland "
    "ns|nova_scotia nt nu nunavut on ontario pe pei qc quebec sk saskatchewan yt yukon",
    "AU": "nsw|new_south_wales vic victoria qld queensland wa sa|south_australia tas tasmania "
    "act nt|northern_territory",
}
_STATES = {
    region: frozenset(word.replace("_", " ") for part in text.split() for word in part.split("|"))
    for region, text in _STATE_TEXT.items()
}
"""The states and provinces of the US, Canada and Australia, by their codes and names (lower
case, as :func:`_country_key` writes them), which an export writes after a city."""
_ALL_STATES = frozenset().union(*_STATES.values())


_POSTCODE_DIGITS = {
    **dict.fromkeys(("US", "PR", "VI", "GU", "AS", "MP", "DE", "FR", "ES", "IT", "MX", "FI"), 5),
    **dict.fromkeys(("AU", "NZ", "NO"), 4),
}
"""Regions whose postcodes are this many digits, some of them with a leading zero (Boston's
02119, Barcelona's 08001, Darwin's 0800)."""
_ZIP_PLUS_4 = frozenset(("US", "PR", "VI", "GU", "AS", "MP"))
_POSTCODE_COUNTRY = re.compile(r"\s*([A-Za-z]{1,3})\s*-\s*(?=\d)")
_POSTCODE_COUNTRY_CODES = frozenset(
    {"A", "B", "D", "E", "F", "H", "I", "L", "N", "P", "S", "FIN"}
    | {"AT", "BE", "CH", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IT", "LT"}
    | {"LU", "LV", "NL", "NO", "PL", "PT", "SE", "SI", "SK"}
)
"""The letters European mail wrote before a postcode for its country: the old vehicle codes
(D, F, A, CH...) and ISO codes."""
_POSTCODE_AND_PLACE = re.compile(r"\s*(\d{3,5}(?:-\d{4})?)\s+[^\W\d_][^\d]*")


def norm_postcode(text: str, region: str | None = None) -> str | None:
    """A postcode in upper case without spaces or punctuation (``SW1A 1AA``: ``SW1A1AA``).

    In the regions of :data:`_POSTCODE_DIGITS`, a code that lost its leading zeros on the way
    through a number column (``2119``, ``2119.0``) gets them back, and a US ZIP+4
    (``02119-1234``) is its ZIP code, as most records hold only that.

    A country's letters before it, as European mail wrote a code (``D-10115``, ``NL-1012 AB``,
    ``CH-8001``), are left out, and so, in those regions, is a place written after the
    digits (``75001 Paris``), as one field of an export holds both.
    """
    prefix = _POSTCODE_COUNTRY.match(text) if "-" in text[:5] else None
    if prefix is not None and prefix.group(1).upper() in _POSTCODE_COUNTRY_CODES:
        text = text[prefix.end() :]
    size = _POSTCODE_DIGITS.get(region) if region is not None else None
    if size is not None and " " in text and (place := _POSTCODE_AND_PLACE.fullmatch(text)) is not None:
        text = place.group(1)
    t = "".join(ch for ch in without_float_tail(text).upper() if ch.isalnum())
    if t.lower() in _MISSING_TEXT:
        return None
    if size is not None and t.isdigit():
        if size - 2 <= len(t) < size:
            return t.zfill(size)
        if len(t) == 9 and region in _ZIP_PLUS_4:
            return t[:5]
    return t


_MONTH_FIRST = frozenset({"US", "PR", "VI", "GU", "AS", "MP", "UM", "PH", "FM", "MH", "PW"})
"""Regions that write a numeric date month first (03/07/1984 is March 7)."""

_MONTHS = {
    name: i
    for i, names in enumerate(
        (
            # English, French, German, Spanish, Italian, Portuguese and Dutch names and their
            # usual short forms, without accents (März is "marz"): no short form is two months.
            (
                *("january", "jan", "janvier", "janv", "januar", "janner", "enero", "ene"),
                *("gennaio", "gen", "janeiro", "januari"),
            ),
            (
                *("february", "feb", "fevrier", "fevr", "fev", "februar", "febrero", "febbraio"),
                *("fevereiro", "februari"),
            ),
            ("march", "mar", "mars", "marz", "maerz", "marzo", "marco", "maart", "mrt"),
            ("april", "apr", "avril", "avr", "abril", "abr", "aprile"),
            ("may", "mai", "mayo", "maggio", "mag", "maio", "mei"),
            ("june", "jun", "juin", "juni", "junio", "giugno", "giu", "junho"),
            ("july", "jul", "juillet", "juil", "juli", "julio", "luglio", "lug", "julho"),
            ("august", "aug", "aout", "agosto", "ago", "augustus"),
            (
                *("september", "sep", "sept", "septembre", "septiembre", "setiembre", "set"),
                *("settembre", "setembro"),
            ),
            ("october", "oct", "octobre", "oktober", "okt", "octubre", "ottobre", "ott", "outubro", "out"),
            ("november", "nov", "novembre", "noviembre", "novembro"),
            ("december", "dec", "decembre", "dezember", "dez", "diciembre", "dic", "dicembre", "dezembro"),
        ),
        start=1,
    )
    for name in names
}
_DATE_TOKENS = re.compile(r"[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]+|\d+")
"""A date's words and numbers; its words in Latin letters (accented ones: "März", "août"), so
that "1984年3月7日" is its numbers, as before month names of other languages were read."""
_TWO_DIGIT_PIVOT = 30
"""A two-digit year below this is 20yy, else 19yy (84 -> 1984, 07 -> 2007): fixed, so that the
same input gives the same profiles in every year."""


def norm_date(value: object, region: str | None = None) -> str | None:
    """A date as ``YYYYMMDD``; a month of a year as ``YYYYMM``, a year alone as ``YYYY``
    (:class:`DateComparator` compares them with the dates they hold); other digits are kept as given.

    Numeric dates are read day first (07/03/1984 is 7 March), month first in the regions that
    write them so (:data:`_MONTH_FIRST`: the US) unless dots separate them (07.03.1984 is the
    day-first countries' way), and either way when only one order is a date
    (the comparator scores swapped day and month too). A five-digit number is a
    spreadsheet's date serial (``32874`` is 1 January 1990: :data:`_SERIALS`). Two-digit years pivot at
    :data:`_TWO_DIGIT_PIVOT`; month names are read, in English, French, German, Spanish,
    Italian, Portuguese and Dutch (``March 7, 1984``, ``7 Mar 1984``, ``07-MAR-84``: a
    two-digit year comes last; ``7 mars 1984``, ``7. März 1984``, ``7 de marzo de 1984``).
    A value that is no calendar date (``1984-13-45``, ``March``) raises
    :class:`InvalidIdentifierError`, so it is reported, not dropped or kept as it was; an
    all-zero date (``0000-00-00``, a database's "none") is missing.
    """
    if isinstance(value, datetime):
        return value.strftime("%Y%m%d")
    if isinstance(value, date):
        return value.strftime("%Y%m%d")
    text = str(value).strip()
    iso = _ISO_DATE.fullmatch(text)
    if iso is not None:  # the common form first, without the general parse (this runs per value)
        year, month, day = iso.groups()
        if year == "0000" and month == day == "00":
            return None  # a database's "no date"
        return _calendar(int(year), int(month), int(day), text)
    if text.lower() in _MISSING_TEXT:
        return None
    if text.endswith(".0"):  # a float column's number, as pandas writes one: 19840307.0, 1984.0
        text = without_float_tail(text)
    time = _TIME.search(text) if ":" in text or "T" in text or "." in text else None  # (most dates: none)
    head = text[: time.start()] if time is not None else text
    tokens = _DATE_TOKENS.findall(head)
    numbers = [t for t in tokens if t.isdigit()]
    words = [w for t in tokens if not t.isdigit() and (w := _strip_accents(t).lower()) not in _DATE_FILLERS]
    if words and not _WEEKDAYS.isdisjoint(words):
        words = [w for w in words if w not in _WEEKDAYS]
        if not words and len(numbers) != 3:  # "Tuesday 7 1984" is no July
            raise _not_a_date(text, "not a date")
    if numbers and all(int(n) == 0 for n in numbers) and not words:
        return None
    if words:
        months = [_MONTHS[w] for w in words if w in _MONTHS]
        years = [n for n in numbers if len(n) == 4]
        days = [n for n in numbers if len(n) <= 2]
        if len(months) == 1 and len(words) == 1 and len(years) == 1 and len(days) == 1:
            return _calendar(int(years[0]), months[0], int(days[0]), text)
        if len(months) == 1 and len(words) == 1 and len(years) == 1 == len(numbers):
            return f"{int(years[0]):04d}{months[0]:02d}"  # "March 1984": the month of a year
        if len(months) == 1 and len(words) == 1 and not years and len(days) == 2 == len(numbers):
            # Day, month and a two-digit year: "7-Mar-84", as Oracle and spreadsheets write it.
            yy = int(numbers[1])
            return _calendar((2000 if yy < _TWO_DIGIT_PIVOT else 1900) + yy, months[0], int(numbers[0]), text)
        raise _not_a_date(text, "not a date")
    if len(numbers) == 3:
        a, b, c = numbers
        if len(a) == 4:
            return _calendar(int(a), int(b), int(c), text)
        if len(a) == 2 and int(a) > 31 and len(b) <= 2 and len(c) <= 2:
            # A two-digit year first, as no day or month can be ("84-03-07", as Swedish,
            # Korean and Japanese records write one): year, month, day.
            year = (2000 if int(a) < _TWO_DIGIT_PIVOT else 1900) + int(a)
            return _calendar(year, int(b), int(c), text)
        if len(c) in (2, 4) and len(a) <= 2 and len(b) <= 2:
            year = int(c) if len(c) == 4 else (2000 if int(c) < _TWO_DIGIT_PIVOT else 1900) + int(c)
            first, second = int(a), int(b)
            # Dots are the day-first countries' way (07.03.1984 in Germany, Russia, Brazil...),
            # whatever region a row has; the US writes slashes.
            month_first = region in _MONTH_FIRST and "." not in head
            if first > 12 >= second:
                month_first = False
            elif second > 12 >= first:
                month_first = True
            day, month = (second, first) if month_first else (first, second)
            return _calendar(year, month, day, text)
    if len(numbers) == 2 and sorted(map(len, numbers)) in ([1, 4], [2, 4]):
        # A month and a year ("03/1984", "1984-03"), as forms and exports ask for a card's or
        # a birth's month: YYYYMM, so it compares with the dates of that month.
        year, month = sorted(numbers, key=len, reverse=True)
        if not (int(year) >= 1000 and 1 <= int(month) <= 12):
            raise _not_a_date(text, "not a calendar date")
        return f"{int(year):04d}{int(month):02d}"
    digits = "".join(numbers)
    if len(numbers) == 1 and len(digits) == 8 and digits[:2] in ("19", "20"):
        return _calendar(int(digits[:4]), int(digits[4:6]), int(digits[6:]), text)
    if (serial := _SERIAL_DATE.fullmatch(text)) is not None and _SERIALS[0] <= int(serial[1]) <= _SERIALS[1]:
        # A spreadsheet's date serial: a date cell exported as its number (32874, 32874.0,
        # or 32874.5 with the time), which had been kept as digits that no written date met.
        return (_SPREADSHEET_EPOCH + timedelta(days=int(serial[1]))).strftime("%Y%m%d")
    return digits or None


_SERIAL_DATE = re.compile(r"(\d{5})(?:\.\d*)?")
_SPREADSHEET_EPOCH = date(1899, 12, 30)
"""Day 0 of the serials of Excel (1900 date system), LibreOffice and Google Sheets: day 60
is Excel's 29 February 1900, which never was, so later serials count from here."""
_SERIALS = (10_000, 73_050)
"""The serials read as dates: five digits, 18 May 1927 to 31 December 2099. Four digits are
a year ("1984"); a workbook in the 1904 date system (old Mac Excel) reads four years early."""


def partial_date(text: str) -> bool:
    """Whether a date as :func:`norm_date` gives it is partial: a year alone (``YYYY``) or a
    month of a year (``YYYYMM``), of the years 1800-2099, rather than a whole date or digits
    kept as given (``030784``, a day, month and two-digit year, is no month 84 of year 307)."""
    n = len(text)
    return (
        (n == 4 or (n == 6 and "01" <= text[4:] <= "12"))
        and text[:2] in ("18", "19", "20")
        and text.isdigit()
        and text.isascii()
    )


_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_TIME = re.compile(r"(?<=\d)T\d{2}:?\d{2}|(?<=\s)\d{1,2}:\d{2}|(?<=\d\s)\d{1,2}\.\d{2}\.\d{2}")
"""A time after a date, not part of it: ``1984-03-07T10:00``, ``19840307T100000Z``, ``1984-03-07
10:00:00``, after a word too (``1984/3/7 上午 12:00``, as Excel writes one in Chinese), and
Oracle's dotted ``07-MAR-84 12.00.00`` (not ``Wed 07.03.84``, a date)."""
_DATE_FILLERS = frozenset({"st", "nd", "rd", "th", "of", "the", "er", "le", "de", "del", "do", "da"})
"""Words a written date may hold besides its month: "7th of March", "1er mars", "7 de marzo de
1984"."""
_WEEKDAYS = frozenset(
    {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
    | {"mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun"}
    | {"lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"}
    | {"montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonnabend", "sonntag"}
    | {"lunes", "martes", "miercoles", "jueves", "viernes", "sabado", "domingo"}
    | {"lunedi", "martedi", "mercoledi", "giovedi", "venerdi", "sabato", "domenica"}
    | {"segunda", "terca", "quarta", "quinta", "sexta", "feira"}
    | {"maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"}
)
"""The days of the week, which a written date may begin with ("Wednesday, March 7, 1984"), in
the languages of :data:`_MONTHS`: in full (their short forms, "mar" for mardi, are months)."""


def _calendar(year: int, month: int, day: int, text: str) -> str:
    if not (year >= 1 and 1 <= month <= 12 and 1 <= day <= 28) and not _is_date(year, month, day):
        raise _not_a_date(text, "not a calendar date")
    return f"{year:04d}{month:02d}{day:02d}"  # strftime costs ~1 us more, per value


def _is_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _not_a_date(text: str, reason: str) -> InvalidIdentifierError:
    return InvalidIdentifierError(
        f"date {text[:40]!r} is {reason}: write it as YYYY-MM-DD", kind="date", value=text, reason=reason
    )


@functools.cache
def nick_tables() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """(canonical -> nicknames, nickname -> canonicals), read-only once built: the
    ``nicknames`` package's English names and :data:`MORE_NICKNAMES` (Paco, Sepp, Sasha...)."""
    from nicknames import NickNamer

    from omnilink.identity._nicknames import MORE_NICKNAMES

    namer = NickNamer()
    nicks = {k: frozenset(v) for k, v in namer.nickname_lookup.items()}
    for name, forms in MORE_NICKNAMES.items():
        nicks[name] = nicks.get(name, frozenset()) | frozenset(forms)
    canon: dict[str, set[str]] = {}
    for c, ns in nicks.items():
        for n in ns:
            canon.setdefault(n, set()).add(c)
    return nicks, {k: frozenset(v) for k, v in canon.items()}


# What may stand next to a surname in a mailbox without being its owner's first name.
_NOT_FIRST = _TITLES | frozenset({"the", "family", "fam", "home", "house", "team", "info", "mail", "contact"})


def known_first_name(token: str) -> bool:
    """Whether ``token`` is a first name or nickname the nickname tables know."""
    nicks, canon = nick_tables()
    return token in nicks or token in canon


_NOT_ASCII_LETTERS = re.compile("[^A-Za-z]+")


def letters(text: str) -> str:
    """The letters of ``text`` (``str.isalpha``), in order: one regex pass for ASCII text,
    which is nearly every e-mail local part (a character generator costs ~3x as much)."""
    if text.isascii():
        return _NOT_ASCII_LETTERS.sub("", text)
    return "".join(ch for ch in text if ch.isalpha())


@functools.lru_cache(maxsize=65536)
def leading_first_name(local: str) -> str | None:
    """The known first name that opens an e-mail local part as a whole token
    (``natalie.anderson`` -> natalie), else None: a name run into a surname (``thomasg``) is
    too often the surname."""
    token = ""
    for ch in local:
        if not ch.isalpha():
            break
        token += ch
    return token if len(token) >= 3 and known_first_name(token) else None


@functools.lru_cache(maxsize=65536)
def run_in_first_name(local: str) -> str | None:
    """The longest known first name of five letters or more that opens the letters of an
    e-mail local part with three letters or more after it (``is.abellapatel`` -> isabella),
    else None. Shorter names, or fewer letters after, are too often the start of a surname
    (``thomasg``, ``jameson``)."""
    run = letters(local)
    for k in range(len(run) - 3, 4, -1):
        if known_first_name(run[:k]):
            return run[:k]
    return None


def first_from_email(emails: Iterable[str], last: str) -> str | None:
    """The first name (or initial) a record's own mailbox spells next to its surname, for a
    record that has no first name: ``lschmidt@`` or ``schmidt.l@`` with surname Schmidt is an
    L., ``lucasrichot@`` with surname Richot a Lucas. A known first name is kept whole, anything
    else as its initial. Without it, a household partner's nameless record sharing the phone
    and surname looked like the other partner; with it the first names disagree."""
    surname = last.replace(" ", "")
    if len(surname) < 3:
        return None
    for email in emails:
        run = letters(email.partition("@")[0])
        if run.startswith(surname):
            rest = run[len(surname) :]
        elif run.endswith(surname):
            rest = run[: -len(surname)]
        else:
            continue
        if not rest or len(rest) > 15 or rest in _NOT_FIRST:
            continue
        return rest if len(rest) > 1 and known_first_name(rest) else rest[0]
    return None


@functools.cache
def _phone_handles() -> tuple[str, ...]:
    """The prefixes of canonical handles that are phone numbers (``whatsapp:``)."""
    from omnilink.identifiers import HANDLE_PLATFORMS

    return tuple(f"{name}:" for name, platform in HANDLE_PLATFORMS.items() if platform.phone)


def weak_reason(value: str, is_role_local: Callable[[str], bool]) -> str | None:
    """Why a canonical email or phone is weak evidence by its own nature, in words, or None: a
    role mailbox, a placeholder address or number. (A value shared by several people is found
    later, across records.) The one rule for the normalizer and for ``explain``."""
    if "@" in value:
        local = value.rpartition("@")[0]
        if is_role_local(local) or local in _ROLE_LOCALS:
            return "a role mailbox (info@, support@...)"
        return "a placeholder address" if is_placeholder_email(value) else None
    return "a placeholder number" if _is_placeholder_phone(value) else None


def _load_identifiers() -> tuple[
    Callable[..., str], Callable[[str], bool], Callable[..., str], Callable[..., str]
]:
    mod = importlib.import_module("omnilink.identifiers")
    # The role test reads the local part of an address already canonical: ``is_role_email``
    # would parse it a second time (a third of the cost of a new address).
    return mod.canonical_email, mod._is_role_local, mod.canonical_phone, mod.canonical_handle


# Seven digits in a row, up or down: what people type when a form insists on a number.
_DIGIT_RUNS = tuple("0123456789"[k : k + 7] for k in range(4)) + tuple(
    "9876543210"[k : k + 7] for k in range(4)
)
_DIGIT_RUN = re.compile("|".join(_DIGIT_RUNS))


_MISS: Any = object()  # a cache miss (None is a cached value: "nothing usable")

# Where :meth:`Normalizer.normalize` puts a column's canonical values: the first five index its
# lists (emails, phones, handles, first names, last names), the others say what to do.
_EMAILS, _PHONES, _HANDLES, _FIRSTS, _LASTS, _VALUE, _EXTERNAL, _FULL, _SUFFIX = range(9)
_SLOTS = {
    FieldType.EMAIL: _EMAILS,
    FieldType.PHONE: _PHONES,
    FieldType.HANDLE: _HANDLES,
    FieldType.FIRST_NAME: _FIRSTS,
    FieldType.LAST_NAME: _LASTS,
    FieldType.EXTERNAL_ID: _EXTERNAL,
    FieldType.FULL_NAME: _FULL,
    FieldType.NAME_SUFFIX: _SUFFIX,
}
"""Field types not listed (dates, addresses, cities, postcodes, codes, text) are kept as one value
per column in :attr:`NormRecord.values` (``_VALUE``)."""

_Column = tuple[str, FieldType, str | None, int, bool, str]
"""A column as :class:`Normalizer` reads it: (name, type, the platform its name gives, slot,
whether it holds phones, the type's cache-key tag)."""

_Lists = tuple[list[str], list[str], list[str], list[str], list[str], list[tuple[str, str]], list[str]]
"""A row's values while it is read: emails, phones, handles, first names, last names (indexed by
their slots), external ids, and the words of one-word full names (which may be surnames)."""


def _place(rec: NormRecord, lists: _Lists, column: str, slot: int, canon: str) -> None:
    """Put a canonical value where its column's slot says (not a full name: see ``_cell``); an
    email column's phone number with the phones, a phone column's address with the emails
    (:func:`_crossed`)."""
    if slot <= _PHONES:
        cast("list[str]", lists[_slot_of(slot, canon)]).append(canon)
    elif slot < _VALUE:
        cast("list[str]", lists[slot]).append(canon)
    elif slot == _VALUE:
        rec.values.setdefault(column, canon)
    else:  # _EXTERNAL
        lists[5].append((column, canon))


def _slot_of(slot: int, canon: str) -> int:
    """The slot of an email or phone column's canonical value: an address (it has an ``@``) is
    an email, anything else a phone number, whichever column it was in."""
    return _EMAILS if "@" in canon else _PHONES


def _crossed(slot: int, canon: object) -> bool:
    """Whether an email or phone column's canonical value belongs to the other slot."""
    return type(canon) is str and slot <= _PHONES and _slot_of(slot, canon) != slot


_PHONE_LIKE = re.compile(r"\+?[\d\s().-]{7,}")
"""What a phone number typed into an address field looks like: digits and their punctuation."""


def _number_in_address(text: str) -> bool:
    """Whether an email column's text is a phone number (an "Email or phone" field's): read
    as one, in the row's region, so its cache key carries the region."""
    return "@" not in text and _PHONE_LIKE.fullmatch(text) is not None


_NAME_TYPES = frozenset({FieldType.FIRST_NAME, FieldType.LAST_NAME, FieldType.FULL_NAME})
_NAME_SLOTS = frozenset({_FIRSTS, _LASTS, _FULL})
"""Slots whose values may hold a generational suffix (``Normalizer._generation``)."""

_MULTI_VALUED = frozenset({FieldType.EMAIL, FieldType.PHONE})
"""Field types whose cells may hold several values in one text (:func:`several_values`)."""

_BY_REGION = frozenset({FieldType.PHONE, FieldType.DATE, FieldType.POSTCODE, FieldType.CITY})
"""Field types whose canonical form depends on the row's region (a phone's country, a date's
day-month order, a postcode's digits, a city's other names): the region is part of their cache key."""


def _cache_key(tag: str, text: str, context: str | None) -> tuple[str, str]:
    """A value's key in :attr:`Normalizer._cache`. ``tag`` is the field type's string value
    (not the enum member: a tuple of two strings is not tracked by the cyclic GC, and an online
    graph keeps up to :data:`_CACHE_MAX` of these keys). ``context`` is what else the canonical
    form depends on: a phone's region, or the platform a handle column names
    (:func:`column_platform`); None for every other value, which depends on its text alone."""
    return (tag, text) if context is None else (tag, f"{context}\x00{text}")


_ADDRESS_SEPARATORS = re.compile(r"[;|]|,(?![a-z]{2,6}(?:$|[\s;,|]))", re.IGNORECASE)
"""What separates addresses in a cell; not a comma before a TLD ("ann@x,com", a typo for the
dot that ``canonical_email`` reads)."""
_BETWEEN_PHONES = re.compile(r"\s*[;,|]\s*|\s+/\s+")
_DIGITS = re.compile(r"\d")


def several_values(ftype: FieldType, cell: str) -> list[str] | None:
    """The values of an email or phone cell that holds several, as exports write a multi-valued
    field ("a@x.com; b@y.com", "Ann <a@x.com>, Bob <b@y.com>", "415-555-2671 / 415-555-2672"),
    each to be read (and rejected) on its own; None for a cell of one value (or another type),
    which was one invalid value. A phone cell splits at ``;``, ``,``, ``|`` or a spaced ``/``
    ("030/1234567" is one Berlin number), and only into parts of six digits or more ("+1 415
    555 2671, ext. 12" is one number). An address with its ``@`` spelled out between
    separators ("a@x.com; b at y.com") is one of them, kept whole.

    A part that is no value ("a@x.com, foo", "415 555 2671; n/a") is a part of its own, to be
    rejected (or skipped, as a missing marker) while the cell's good values are kept: read as
    one value, the whole cell had been rejected. Not in a cell of display names ("Doe, Jane
    <jane@x.com>"), whose words between separators are names. In a phone cell, a part with a
    few digits ("ext. 12") makes the cell one number, and a label apart from its number
    ("Mobile, 415 555 2671") is left out."""
    if ftype is FieldType.EMAIL:
        ats = cell.count("@")
        if ats < 2 and not ("," in cell or ";" in cell or "|" in cell):
            return None  # one address, the usual cell: no splitting
        from omnilink.identifiers import _spelled_out

        named = "<" in cell
        parts: list[str] = []
        addresses = 0
        for chunk in _ADDRESS_SEPARATORS.split(cell):
            if "@" in chunk:
                found = [part for part in chunk.split() if "@" in part]
                parts += found
                addresses += len(found)
            elif _spelled_out(chunk) is not None:
                parts.append(chunk.strip())
                addresses += 1
            elif not named and chunk.strip():
                parts.append(chunk.strip())
        return parts if len(parts) > 1 and addresses else None
    if ftype is not FieldType.PHONE or not ("," in cell or ";" in cell or "|" in cell or " /" in cell):
        return None
    from omnilink.identifiers import _LABEL_ONLY

    parts = [part for part in _BETWEEN_PHONES.split(cell) if part]
    digits = [len(_DIGITS.findall(part)) for part in parts]
    if len(parts) < 2 or not any(digits) or any(0 < count < 6 for count in digits):
        return None
    # A label apart from its number ("Mobile, 415 555 2671") says what the number is: no value.
    return [part for part in parts if _LABEL_ONLY.fullmatch(part) is None]


_MASKABLE = frozenset({FieldType.EMAIL, FieldType.PHONE, FieldType.EXTERNAL_ID, FieldType.EXACT})
"""The types of values that exports mask to hide them (``j***@gmail.com``, ``***-**-6789``)."""
_MASKED_STARS = re.compile(r"[*\u2022\u25cf]{2,}")
_MASKED_XS = re.compile(r"(?<![A-Za-z])[xX]{3,}(?![A-Za-z])")


def _refuse_masked(ftype: FieldType, text: str) -> None:
    """Raise for a value masked to hide it, as exports of personal data write one: stars or
    bullets in place of its characters (``j***@gmail.com``, ``(***) ***-2671``), or X's in a
    number or an id (``XXX-XX-6789``). What is left identifies no one: two customers masked to
    ``j***@gmail.com`` are not one person, and ``6789`` is no SSN that differs from a whole one
    (which, in an exclusive column, kept the person's records apart)."""
    if _MASKED_STARS.search(text) or (ftype is not FieldType.EMAIL and _MASKED_XS.search(text)):
        raise InvalidIdentifierError(
            f"{ftype.value} {text!r} is masked: only part of it is given, so it identifies no one; "
            "export the column unmasked to use it",
            kind=ftype.value,
            value=text,
            reason="masked",
        )


def _is_placeholder_phone(e164: str) -> bool:
    digits = e164.lstrip("+")
    national = digits[-10:] if len(digits) >= 10 else digits
    return (
        len(set(national)) <= 2
        or national.endswith(("5550100", "5550000"))
        or _DIGIT_RUN.search(national) is not None
    )


def is_placeholder_email(email: str) -> bool:
    local, _, domain = email.rpartition("@")
    return (
        local in _PLACEHOLDER_EMAIL_LOCAL or domain in _PLACEHOLDER_EMAIL_DOMAIN or domain.startswith("test.")
    )


def _without_tracebacks(exc: InvalidIdentifierError) -> InvalidIdentifierError:
    """``exc`` and the errors it was raised from, without their tracebacks.

    A cached error would otherwise keep the frames that raised it alive, and through them the
    normalizer whose cache holds it: a reference cycle, so the whole cache outlived the run
    until the cyclic collector found it (and the collector is paused during a run).
    """
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        err = todo.pop()
        if err is None or id(err) in seen:
            continue
        seen.add(id(err))
        err.__traceback__ = None
        todo += (err.__cause__, err.__context__)
    return exc


def _is_missing(value: object) -> bool:
    """None, NaN, and pandas' missing markers (``pd.NA``, ``pd.NaT``), without importing pandas."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return type(value).__name__ in ("NAType", "NaTType")


def _plain_number(value: numbers.Number) -> int | float | numbers.Number:
    """A numpy scalar as the Python int or float it holds (anything else unchanged)."""
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return value


CUSTOMER_EXTERNAL_COLUMN = "external_id"
"""Where a :func:`customer_row` puts a Customer's external ids (``IdentityGraph.lookup`` finds
them there)."""
_IDENTIFIER_COLUMNS = {
    IdentifierKind.EMAIL: "email",
    IdentifierKind.PHONE: "phone",
    IdentifierKind.HANDLE: "handle",
    IdentifierKind.EXTERNAL: CUSTOMER_EXTERNAL_COLUMN,
}
"""The column of a :func:`customer_row` that holds each kind of identifier."""


def customer_row(customer: Customer) -> dict[str, Any]:
    """A :class:`~omnilink.models.Customer` as a row: its id, its display name (``name``) and
    its identifiers by kind (``email``, ``phone``, ``handle``, ``external_id``: lists of their
    canonical values, ``"stripe:cus_123"`` for an external id). Its model fields would give the
    identifiers as one column no field type reads."""
    row: dict[str, Any] = {"id": customer.id}
    if customer.display_name:
        row["name"] = customer.display_name
    for ident in customer.identifiers:
        row.setdefault(_IDENTIFIER_COLUMNS[ident.kind], []).append(ident.value)
    return row


def row_mapping(row: object) -> Mapping[str, Any] | None:
    """A row as a mapping: a dict (any mapping) as it is, a :class:`~omnilink.models.Customer`
    as :func:`customer_row`, another pydantic model, a dataclass or a namedtuple
    (``DataFrame.itertuples()``) as its fields; None for anything else."""
    if isinstance(row, Mapping):
        return row
    if isinstance(row, Customer):
        return customer_row(row)
    dump = getattr(row, "model_dump", None)
    if callable(dump):
        out = dump()
        return out if isinstance(out, Mapping) else None
    if dataclasses.is_dataclass(row) and not isinstance(row, type):
        return {f.name: getattr(row, f.name) for f in dataclasses.fields(row)}
    asdict = getattr(row, "_asdict", None)
    if callable(asdict):
        out = asdict()
        return out if isinstance(out, Mapping) else None
    return None


def region_code(value: object) -> str | None:
    """A country as a phone region: a two-letter code (upper case, trimmed), a country's
    name or three-letter code as a region column of an export holds it ("United States", "USA",
    "Deutschland", "España", :func:`_country_named`), or its calling code, as a "country_code"
    column of phone data holds it ("+44", "44": GB; "1": US, the main region of the code);
    None when ``value`` is none of these (an int is a calling code: JSON's ``"country_code": 44``).
    "UK" is the United Kingdom to people and in much data, but ISO 3166 (and so phonenumbers)
    calls it GB."""
    if type(value) is int:
        value = str(value)
    if not isinstance(value, str):
        return None
    code = value.strip()
    if len(code) != 2 or not (code.isascii() and code.isalpha()):
        if code[-1:].isdigit() and _CALLING_CODE.fullmatch(code):
            return _calling_code_region(int(code.lstrip("+0")))
        return _country_named(code) if 2 <= len(code) <= 60 else None  # (中国 has two letters)
    code = code.upper()
    return "GB" if code == "UK" else code


_CALLING_CODE = re.compile(r"(?:\+|00)?[1-9]\d{0,2}")
"""A country's calling code, as a "country_code" column of phone data holds it ("+44", "44")."""


@functools.lru_cache(maxsize=256)
def _calling_code_region(code: int) -> str | None:
    """The main region of a calling code (1: US, 44: GB, 7: RU), None for one no country has."""
    import phonenumbers

    region = phonenumbers.region_code_for_country_code(code)
    return None if region == phonenumbers.UNKNOWN_REGION or region == "001" else region


@functools.lru_cache(maxsize=4096)
def _country_named(text: str) -> str | None:
    """The region a country's name or three-letter code names: its names in the languages
    phonenumbers' geocoding data has (English, German, Spanish, French, Italian, Dutch,
    Portuguese, Polish, Swedish, Russian, Chinese, Japanese...; a name two regions share in
    some language is left out), and :data:`_COUNTRY_ALIASES`. Accents, case, punctuation and a
    leading "the" do not count."""
    return _country_names().get(_country_key(text))


def _country_key(text: str) -> str:
    key = " ".join(_NON_LETTER.sub(" ", _strip_accents(text.lower())).split())
    return key[4:] if key.startswith("the ") else key


@functools.cache
def _country_names() -> dict[str, str]:
    import phonenumbers
    from phonenumbers.geodata.locale import LOCALE_DATA  # loaded once, when first needed: 0.3 s

    regions: dict[str, set[str]] = {}
    for region, names in LOCALE_DATA.items():
        if region not in phonenumbers.SUPPORTED_REGIONS:
            continue
        for name in names.values():
            if not name.startswith("*"):  # "*xx": as in language xx
                regions.setdefault(_country_key(name), set()).add(region)
    table = {key: next(iter(found)) for key, found in regions.items() if len(found) == 1 and key}
    table.update({_country_key(alias): region for alias, region in _COUNTRY_ALIASES.items()})
    table.update({_country_key(code): region for code, region in (p.split(":") for p in _ALPHA3.split())})
    return table


_COUNTRY_ALIASES = {
    **dict.fromkeys(("USA", "U.S.A.", "U.S.", "United States of America", "America"), "US"),
    **dict.fromkeys(("U.K.", "Great Britain", "Britain", "England", "Scotland", "Wales"), "GB"),
    **{"Northern Ireland": "GB", "Holland": "NL", "Korea": "KR", "Republic of Korea": "KR"},
    **{"Czechia": "CZ", "UAE": "AE"},
}
"""Names of countries that phonenumbers' data does not give (see :func:`_country_named`)."""
_ALPHA3 = (
    "GBR:GB DEU:DE FRA:FR ESP:ES ITA:IT MEX:MX CAN:CA BRA:BR IND:IN CHN:CN JPN:JP AUS:AU "
    "NZL:NZ NLD:NL BEL:BE CHE:CH AUT:AT SWE:SE NOR:NO DNK:DK FIN:FI IRL:IE PRT:PT POL:PL "
    "RUS:RU ARG:AR COL:CO CHL:CL PER:PE ZAF:ZA KOR:KR SGP:SG HKG:HK TWN:TW ISR:IL TUR:TR "
    "GRC:GR CZE:CZ HUN:HU ROU:RO UKR:UA ARE:AE SAU:SA EGY:EG NGA:NG KEN:KE PHL:PH IDN:ID "
    "MYS:MY THA:TH VNM:VN PAK:PK BGD:BD LUX:LU ISL:IS"
)
"""ISO 3166 alpha-3 codes of the countries most customer lists hold, as ``CODE:region``."""


def id_text(raw_id: object) -> str | None:
    """A record id as the text records are known by: a str as it is, an integer (numpy's too)
    or an integral float as its digits; None for any other type. ``IdentityGraph`` looks ids up
    through it, so ``graph.profile_of(7)`` finds the record added with ``"id": 7``."""
    if isinstance(raw_id, str):
        return raw_id
    if isinstance(raw_id, numbers.Number) and not isinstance(raw_id, int | float):
        raw_id = _plain_number(raw_id)
    if isinstance(raw_id, int):
        return str(raw_id)
    if isinstance(raw_id, float) and raw_id.is_integer():
        return str(int(raw_id))
    return None


class Normalizer:
    """Turns raw rows into :class:`NormRecord`; collects rejects; caches canonical values per run."""

    def __init__(
        self,
        *,
        id_field: str,
        fields: Mapping[str, FieldType],
        region: str | None,
        max_field_length: int,
        region_field: str | None = None,
    ) -> None:
        self.id_field = id_field
        self.fields = dict(fields)
        # Per column: its type, the platform a handle or external id column names (part of a
        # value's cache key: it reads the value), where normalize puts its
        # values (_SLOTS), and whether the region is part of a value's cache key (_BY_REGION). Read
        # once here: an enum member read costs ~0.1 µs, and normalize runs for every row.
        self._columns: list[_Column] = [
            (
                c,
                t,
                column_platform(c)
                if t is FieldType.HANDLE
                else column_system(c)
                if t is FieldType.EXTERNAL_ID
                else None,
                _SLOTS.get(t, _VALUE),
                t in _BY_REGION,
                t.value,  # the type's part of a cache key (_cache_key)
            )
            for c, t in self.fields.items()
        ]
        self.region = region
        self.region_field = region_field
        self.max_field_length = max_field_length
        self.numbered = False
        """The rows have no id column: a row without an id is known by its position, ``#<index>``,
        and that is no reject."""
        self._canon_email, self._is_role_local, self._canon_phone, self._canon_handle = _load_identifiers()
        self._cache: dict[tuple[str, str], str | InvalidIdentifierError | None] = {}
        self._generation: dict[str, str] = {}
        """Name texts of the cache that hold a generational suffix -> the suffix (a name's
        canonical value in the cache is its text without it). Emptied with the cache."""
        self.cache_max = _CACHE_MAX
        """Canonical values kept at most; the cache starts over when full (an online graph
        meets new values for as long as it runs: its memory must not grow with them)."""
        self.weak: set[str] = set()
        """Canonical email/phone values that are placeholders or role mailboxes: evidence, never proof."""
        self.rejects: list[Reject] = []
        self._seen_ids: set[str] = set()
        self._index = 0
        self.workers = 1
        """Processes for :meth:`normalize_all` (2: a forked helper parses emails and phones)."""
        self.known_columns: set[str] | None = None
        """The columns of an iterator's first rows (see ``Resolver._known_columns``): rows read
        by :meth:`normalize_all` that bring others add them to :attr:`late_columns`."""
        self.late_columns: dict[str, None] = {}

    # A saved graph (IdentityGraph.save) carries its normalizer: the cache of canonical values
    # is not state, and at up to a million values it would be most of a small graph's file.
    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_cache": {}, "_generation": {}}

    # -- values -------------------------------------------------------------------------------

    def _as_text(self, rid: str, index: int, column: str, value: object) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str | bytes | int | float | date) and isinstance(value, numbers.Number):
            # numpy's scalars (a value taken from an array): numpy.int64 is no int, and
            # numpy.float32 no float; they read as the Python number they hold.
            value = _plain_number(value)
        elif _is_missing(value):  # pandas' NA and NaT
            return None
        if isinstance(value, str):
            text = value
        elif isinstance(value, bytes | bytearray | memoryview):
            raw = bytes(value)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                self.rejects.append(Reject(rid, index, column, value, "not valid UTF-8"))
                return None
        elif isinstance(value, bool):
            self.rejects.append(Reject(rid, index, column, value, f"wrong type: {type(value).__name__}"))
            return None
        elif isinstance(value, int):
            text = str(value)
        elif isinstance(value, float):
            if math.isnan(value):
                return None
            text = str(int(value)) if value.is_integer() else repr(value)
        elif isinstance(value, date | datetime):
            text = value.isoformat()
        else:
            self.rejects.append(Reject(rid, index, column, value, f"wrong type: {type(value).__name__}"))
            return None
        if len(text) > self.max_field_length:
            self.rejects.append(
                Reject(
                    rid, index, column, value, f"too long: {len(text)} characters > {self.max_field_length}"
                )
            )
            return None
        text = text.strip()
        if "\x00" in text:
            text = text.replace("\x00", "")
        return text or None

    def _make_room(self, n: int) -> None:
        """Start the cache over if ``n`` more values would take it past :attr:`cache_max`."""
        if len(self._cache) + n > self.cache_max:
            self._cache.clear()
            self._generation.clear()

    def _canon(
        self, ftype: FieldType, text: str, column: str, region: str | None, key: tuple[str, str]
    ) -> str | InvalidIdentifierError | None:
        """Canonicalize a value the cache does not hold (``key``: its :func:`_cache_key`) and
        cache the result: the canonical value, None, or the error."""
        result: str | InvalidIdentifierError | None
        generation = None
        try:
            if ftype in _NAME_TYPES:
                result, generation = name_and_generation(text)
                if result is not None and ftype is not FieldType.LAST_NAME and is_placeholder_name(result):
                    result = generation = None  # "Guest", "Visitor 4821": nobody's name
            else:
                result = self._canon_uncached(ftype, text, column, region)
        except InvalidIdentifierError as exc:
            result = _without_tracebacks(exc)
        except ValueError as exc:  # defensive: a canonicalizer that raised a plain ValueError
            result = InvalidIdentifierError(str(exc), kind=ftype.value, value=text, reason=str(exc))
        self._make_room(1)
        self._cache[key] = result
        if generation is not None:
            self._generation[text] = generation
        return result

    def _canon_uncached(self, ftype: FieldType, text: str, column: str, region: str | None) -> str | None:
        """The canonical form of a value that is not a name (``_canon`` reads names, whose
        suffix it keeps aside); also what the helper process runs (:data:`_HELPED`)."""
        if ftype in _MASKABLE and ("*" in text or "\u2022" in text or "x" in text or "X" in text):
            _refuse_masked(ftype, text)
        if ftype is FieldType.EMAIL:
            if text.lower() in _MISSING_TEXT:
                return None
            if _number_in_address(text):
                # A phone number in an address column, as an "Email or phone" field of a sign-up
                # form holds one: the record's phone, read in the row's region (its cache key
                # has the region: _cell). _place puts it with the phones.
                try:
                    return self._canon_uncached(FieldType.PHONE, text, column, region or self.region)
                except InvalidIdentifierError:
                    pass  # no number either: the address's own error below
            email = read_email(text, self._canon_email)
            if weak_reason(email, self._is_role_local) is not None:
                self.weak.add(email)
            return email
        if ftype is FieldType.PHONE:
            if text.lower() in _MISSING_TEXT:
                return None
            if "@" in text:  # an address in a phone column ("Email or Phone": its last word)
                return self._canon_uncached(FieldType.EMAIL, text, column, None)
            phone = self._canon_phone(number_text(text, "phone"), region=region)
            if weak_reason(phone, self._is_role_local) is not None:
                self.weak.add(phone)
            return phone
        if ftype is FieldType.HANDLE:
            if text.lower() in _MISSING_TEXT:
                return None
            try:
                return self._canon_handle(text, platform=column_platform(column))
            except InvalidIdentifierError as exc:
                if exc.reason != "no_platform":
                    raise
                # A bare handle in a generic column: kept on an unknown platform, so it can still
                # agree with the same handle seen as a profile URL (level "same handle, other platform").
                bare = text.lstrip("@").strip().lower()
                if not bare or not all(ch.isalnum() or ch in "._-" for ch in bare):
                    raise
                return "any:" + bare
        if ftype is FieldType.EXTERNAL_ID:
            return None if text.lower() in _MISSING_TEXT else external_id(text, column_system(column))
        if ftype is FieldType.NAME_SUFFIX:
            return norm_suffix(text)
        if ftype is FieldType.DATE:
            return norm_date(text, region)
        if ftype is FieldType.ADDRESS:
            return norm_address(text)
        if ftype is FieldType.CITY:
            return norm_city(text, region)
        if ftype is FieldType.POSTCODE:
            return norm_postcode(number_text(text, "postcode"), region)
        if ftype is FieldType.EXACT:
            if column == self.region_field or names_a_country(column):
                # "USA", "United States" and "US" are one country (a region column, "Country").
                return region_code(text) or norm_text(text)
            text = number_text(text, "exact")  # an SSN, a national id: Excel's 1.23457E+11
            t = norm_text(text)
            # An id's separators are its formatting: 123-45-6789 is the SSN 123456789, and
            # "AB 12 34 56 C" the National Insurance number AB123456C.
            return t.replace(" ", "") if t is not None and " " in t and _DIGITS.search(t) else t
        return norm_text(text)

    # -- rows ---------------------------------------------------------------------------------

    def _record_id(self, raw_id: object, index: int) -> tuple[str, str | None]:
        if _is_missing(raw_id):
            return f"#{index}", None if self.numbered else "missing id"
        if isinstance(raw_id, bytes):
            try:
                rid = raw_id.decode("utf-8")
            except UnicodeDecodeError:
                return f"#{index}", "id is not valid UTF-8"
        else:
            as_id = id_text(raw_id)
            if as_id is None:
                return f"#{index}", f"wrong id type: {type(raw_id).__name__}"
            rid = as_id
        if not rid.strip() or len(rid) > self.max_field_length:
            return f"#{index}", "empty or oversized id"
        return rid, None

    def _row_region(self, mapping: Mapping[str, Any]) -> str | None:
        """The phone region of a row: its region column when that names a country
        (:func:`region_code`), else the default (one rule for :meth:`normalize` and
        :class:`_Chunk`, which must agree on a phone's cache key)."""
        if self.region_field is not None:
            code = region_code(mapping.get(self.region_field))
            if code is not None:
                return code
        return self.region

    def _begin(self, row: object, mapping: Mapping[str, Any] | None) -> tuple[int, str]:
        """The index and id of the next row (``mapping``: the row as a mapping, None when it is
        of a wrong type, which is rejected whole)."""
        if mapping is not None:
            return self._next_id(mapping.get(self.id_field))
        index = self._index
        self._index += 1
        rid = f"#{index}"
        while rid in self._seen_ids:
            rid += "'"
        self._seen_ids.add(rid)
        self.rejects.append(Reject(rid, index, None, row, f"wrong row type: {type(row).__name__}"))
        return index, rid

    def _next_id(self, raw_id: object) -> tuple[int, str]:
        """The index and id of the next row, whose id column holds ``raw_id``: id problems are
        rejected and a repeated id is made unique."""
        index = self._index
        self._index += 1
        # The usual case first: a new id, an int or a non-blank text (the rules of _record_id).
        fast = str(raw_id) if type(raw_id) is int else raw_id
        if (
            type(fast) is str
            and fast not in self._seen_ids
            and fast.strip()
            and len(fast) <= self.max_field_length
        ):
            self._seen_ids.add(fast)
            return index, fast
        rid, problem = self._record_id(raw_id, index)
        if problem is not None:
            self.rejects.append(Reject(rid, index, self.id_field, raw_id, problem))
        if rid in self._seen_ids:
            new = f"{rid}#{index}"
            while new in self._seen_ids:
                new += "'"
            self.rejects.append(
                Reject(new, index, self.id_field, rid, f"duplicate id {rid!r}: kept as {new!r}")
            )
            rid = new
        self._seen_ids.add(rid)
        return index, rid

    def _cell(self, rec: NormRecord, spec: _Column, raw: Any, region: str | None, lists: _Lists) -> bool:
        """Canonicalize one cell (a value, or a list of values) into ``lists`` and ``rec.values``,
        rejecting what cannot be used; whether the cell held anything (a value or an error)."""
        column, ftype, platform, slot, by_region, tag = spec
        rid, index = rec.rid, rec.index
        if isinstance(raw, str):
            items: Iterable[Any] = (
                (raw,) if ftype not in _MULTI_VALUED else several_values(ftype, raw) or (raw,)
            )
        elif isinstance(raw, set | frozenset):
            # In a stable order: a set's order follows string hashes, which change per process,
            # and the order of a record's values decides e.g. which e-mail names it.
            items = sorted(raw, key=repr)
        else:
            items = raw if isinstance(raw, list | tuple) else (raw,)
        cache = self._cache
        generations = self._generation
        max_length = self.max_field_length
        found = False
        for item in items:
            if type(item) is str and len(item) <= max_length:
                # What _as_text does with a str of allowed length, without the call: most
                # values are one, and this runs for every value of every row.
                text = item.strip()
                if "\x00" in text:
                    text = text.replace("\x00", "")
                if not text:
                    continue
            else:
                as_text = self._as_text(rid, index, column, item)
                if as_text is None:
                    continue
                text = as_text
            # _cache_key, inline (``platform`` is None but for a handle or external id column
            # named after its platform or system).
            context = region if by_region else platform
            if slot == _EMAILS and _number_in_address(text):
                context = region  # a phone number: read in the row's region (_canon_uncached)
            key = (tag, text) if context is None else (tag, f"{context}\x00{text}")
            canon = cache.get(key, _MISS)
            if canon is _MISS:
                canon = self._canon(ftype, text, column, region, key)
            if isinstance(canon, InvalidIdentifierError):
                self.rejects.append(Reject(rid, index, column, item, canon.reason or str(canon)))
                found = True
                continue
            if canon is None:
                continue
            found = True
            if generations and rec.generation is None and slot in _NAME_SLOTS:
                rec.generation = generations.get(text)
            if slot == _SUFFIX:
                if rec.generation is None:
                    rec.generation = canon
            elif slot == _FULL:
                first, last, middle = split_full_name(canon, text)
                if first:
                    lists[3].append(first)  # _FIRSTS
                if last:
                    lists[4].append(last)  # _LASTS
                    if len(lists[4]) == 1:  # the record's last name: its middle words too
                        rec.middle = middle
                elif middle:
                    lists[6].append(middle)  # a one-word full name
            else:
                _place(rec, lists, column, slot, canon)
        return found

    def handle_phones(self, handles: Iterable[str]) -> list[str]:
        """The phone numbers that canonical ``handles`` are (a WhatsApp handle is its number:
        a wa.me link in a handle column links with the number in another record's phone
        column), each weak when a number of its own would be (a placeholder)."""
        phones = []
        for handle in handles:
            if handle.startswith(_phone_handles()):
                phone = "+" + handle.partition(":")[2]
                if weak_reason(phone, self._is_role_local) is not None:
                    self.weak.add(phone)
                phones.append(phone)
        return phones

    def _finish(self, rec: NormRecord, lists: _Lists, found: bool) -> NormRecord:
        """Give ``rec`` the values gathered in ``lists`` (each once, in order); an empty row is
        rejected (and still a record)."""
        emails, phones, handles, firsts, lasts, externals, lone = lists
        if handles:
            phones += self.handle_phones(handles)
        rec.emails = tuple(dict.fromkeys(emails)) if len(emails) > 1 else tuple(emails)
        rec.phones = tuple(dict.fromkeys(phones)) if len(phones) > 1 else tuple(phones)
        rec.handles = tuple(dict.fromkeys(handles)) if len(handles) > 1 else tuple(handles)
        rec.externals = tuple(dict.fromkeys(externals))
        rec.first = firsts[0] if firsts else None
        rec.last = lasts[0] if lasts else None
        if lone and rec.last is None and rec.first == lone[0]:
            rec.middle = lone[0]  # its one name may be a surname
        if rec.first is None and rec.last is not None and rec.emails:
            rec.first = first_from_email(rec.emails, rec.last)
        if not found:
            rec.empty = True
            self.rejects.append(Reject(rec.rid, rec.index, None, None, "empty row: no usable value"))
        return rec

    def normalize(self, row: object) -> NormRecord:
        """Canonicalize one row. Never raises: problems become :class:`Reject` entries."""
        mapping = row_mapping(row)
        index, rid = self._begin(row, mapping)
        rec = NormRecord(index=index, rid=rid)
        if mapping is None:
            rec.empty = True
            return rec
        region = self._row_region(mapping)
        lists: _Lists = ([], [], [], [], [], [], [])
        found = False
        for spec in self._columns:
            raw = mapping.get(spec[0])
            if raw is not None and self._cell(rec, spec, raw, region, lists):
                found = True
        return self._finish(rec, lists, found)

    def normalize_all(self, rows: Iterable[object] | Batches) -> list[NormRecord]:
        """:meth:`normalize` every row: the same records, rejects and weak values, made a chunk
        of rows at a time, column by column (:class:`_Chunk`). ``rows`` may also come as
        batches of columns (:class:`~omnilink.identity._frames.Batches`, from a DataFrame or an
        Arrow table), which are read without making a row.

        With ``workers >= 2`` (and ``fork``), a forked helper canonicalizes the next chunk's
        distinct new emails and phones (the costly parsing) while this process turns the
        current chunk into records.
        """
        if isinstance(rows, Batches):
            batches = iter(rows.batches)

            def take() -> _Chunk:
                return _Chunk(self, next(batches, _NO_BATCH))

        else:
            it = iter(rows)

            def take() -> _Chunk:
                return _Chunk(self, list(itertools.islice(it, _BATCH)))

        chunk = take()
        helper = None
        if self.workers >= 2 and "fork" in multiprocessing.get_all_start_methods() and len(chunk) == _BATCH:
            helper = _CanonHelper(self)
        out: list[NormRecord] = []
        try:
            if helper is not None:
                helper.request(chunk.pending())
            while len(chunk):
                nxt = take()
                if helper is not None:
                    self._apply(helper.todo, helper.result())
                    if len(nxt):
                        helper.request(nxt.pending())
                out += chunk.records()
                chunk = nxt
        finally:
            if helper is not None:
                helper.close()
        return out

    # -- the helper process ---------------------------------------------------------------------

    def _apply(self, todo: list[_Todo], answer: _Answer) -> None:
        """Store the helper's results for ``todo`` in the cache and its weak values
        (placeholders, role mailboxes) in :attr:`weak`, as canonicalizing them here would have."""
        results, weak_at = answer
        self._make_room(len(results))
        cache = self._cache
        for (_ftype, _text, _column, _region, key), res in zip(todo, results, strict=True):
            if key in cache:
                continue
            if isinstance(res, tuple):
                message, kind, value, reason = res
                cache[key] = InvalidIdentifierError(message, kind=kind, value=value, reason=reason)
            else:
                cache[key] = res
        self.weak.update(results[k] for k in weak_at)


# The value types the helper canonicalizes: mostly new values (one per person, so the cache
# saves little) and the costliest to parse. Handles and dates too made the helper the slower
# of the two processes (200,000 contacts: this process waited 1.2 s for it instead of 0.4 s).
_HELPED = frozenset({FieldType.EMAIL, FieldType.PHONE})

# What the helper is asked: (type, text, column, region, cache key). The cache key stays here:
# the helper gets the first four and answers with the results in the same order.
_Todo = tuple[FieldType, str, str, str | None, tuple[str, str]]

_Answer = tuple[list[Any], list[int]]
"""The helper's answer: per text, the canonical value (or None), or the error as ``(message,
kind, value, reason)``; and the positions of the weak values (placeholders, role mailboxes)."""

_BATCH = 16_384

# About 1M canonical values (~250 MB): a few distinct values per record of a million-row run.
_CACHE_MAX = 1 << 20


def _helper_batch(norm: Normalizer, todo: list[tuple[FieldType, str, str, str | None]]) -> _Answer:
    """The helper's answer to one request (:data:`_Answer`): what :meth:`Normalizer._canon`
    would cache for each text."""
    out: list[Any] = []
    weak_at: list[int] = []
    weak = norm.weak
    canon = norm._canon_uncached
    for k, (ftype, text, column, region) in enumerate(todo):
        try:
            value = canon(ftype, text, column, region)
        except InvalidIdentifierError as exc:
            out.append((str(exc), exc.kind, exc.value, exc.reason))
            continue
        except ValueError as exc:  # defensive, as in Normalizer._canon
            out.append((str(exc), ftype.value, text, str(exc)))
            continue
        if value is not None and value in weak:
            weak_at.append(k)
        out.append(value)
    return out, weak_at


def _helper_main(norm: Normalizer, conn: Any) -> None:
    while True:
        todo = conn.recv()
        if todo is None:
            break
        conn.send(_helper_batch(norm, todo))


class _CanonHelper:
    """A forked process canonicalizing batches of new values (:data:`_HELPED`) for a :class:`Normalizer`.

    One request is in flight at a time; if the process fails, the texts are canonicalized here.
    """

    def __init__(self, norm: Normalizer) -> None:
        self.norm = norm
        self.proc: Any = None
        self.conn: Any = None
        self.todo: list[_Todo] = []
        ctx = multiprocessing.get_context("fork")
        parent, child = ctx.Pipe()
        try:
            proc = ctx.Process(target=_helper_main, args=(norm, child), daemon=True)
            proc.start()
        except OSError:  # pragma: no cover - no fork today
            return
        child.close()
        self.proc, self.conn = proc, parent

    def request(self, todo: list[_Todo]) -> None:
        self.todo = todo
        if self.conn is not None:
            try:
                self.conn.send([t[:4] for t in todo])
            except (OSError, ValueError):  # pragma: no cover - the helper is gone
                self._lost()

    def result(self) -> _Answer:
        """The answer to the last request (made here if the helper is gone)."""
        if self.conn is not None:
            try:
                out: _Answer = self.conn.recv()
                return out
            except (OSError, EOFError):  # pragma: no cover - the helper died: do its share here
                self._lost()
        return _helper_batch(self.norm, [t[:4] for t in self.todo])

    def _lost(self) -> None:  # pragma: no cover - the helper died
        logger.warning("canonicalization helper failed; finishing in-process")
        self.close()

    def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(OSError, ValueError):
                self.conn.send(None)
            self.conn.close()
            self.conn = None
        if self.proc is not None:
            self.proc.join(timeout=10)
            if self.proc.is_alive():  # pragma: no cover - stuck
                self.proc.terminate()
            self.proc = None


_SLOW: Any = object()
"""A cell the column-wise reading leaves to the row rules (``Normalizer._cell``): a list of
values, a value that is not text, an oversized one. Its row is read the usual way."""

_NO_ROW: Mapping[str, Any] = MappingProxyType({})
_NO_BATCH = Columns({}, 0)


class _Chunk:
    """A chunk of rows for :meth:`Normalizer.normalize_all`, read column by column.

    Each distinct cell of a column (with the row's region, for phones) is stripped, keyed and
    canonicalized once, and the records are assembled from whole columns; per row, only its id
    is read on its own. A row that is not a mapping, or has a cell the column reading leaves to
    the row rules (:data:`_SLOW`), goes through :meth:`Normalizer.normalize` in its turn, so the
    records, the rejects (in row order) and the weak values are those of one row at a time.
    Row by row, the per-value strip, cache key and lookup cost most of ~13 us a row at
    1,000,000 contacts.
    """

    def __init__(self, norm: Normalizer, rows: list[object] | Columns) -> None:
        self.norm = norm
        self.crossed: set[int] = set()
        """Email and phone columns with a value of the other kind (see :func:`_place`)."""
        self.phone_handles = False
        """Whether a handle column holds a handle that is a phone number (a WhatsApp one): only
        then are the rows' handles read for phones, as :meth:`Normalizer._finish` reads them."""
        if isinstance(rows, Columns):
            # Given as columns (a DataFrame, an Arrow table): no row is made, but for the rows
            # left to the row rules (Columns.row).
            self.n = len(rows)
            self.rows: Sequence[object] = rows.rows()
            self.maps: list[Mapping[str, Any] | None] | None = None
            cells_of: Callable[[str], list[Any]] = rows.column
        else:
            self.n = len(rows)
            self.rows = rows
            maps = [row if type(row) is dict else row_mapping(row) for row in rows]
            self.maps = maps
            known = norm.known_columns
            if known is not None:  # a column that first comes now was not typed: say so
                for m in maps:
                    if m is not None and not m.keys() <= known:
                        late = [str(c) for c in m if c not in known]  # in the row's order
                        known.update(late)
                        norm.late_columns.update(dict.fromkeys(late))
            readable = [m if m is not None else _NO_ROW for m in maps]

            def read(column: str) -> list[Any]:
                return [m.get(column) for m in readable]

            cells_of = read

        self.ids = cells_of(norm.id_field)
        self.regions = self._regions(cells_of)
        # Per column: what its distinct values are read from (the cells, or (region, cell) pairs
        # for phones and dates) and, per distinct entry, (text, cache key), None (nothing) or _SLOW.
        self.seqs: list[list[Any]] = []
        self.keys: list[dict[Any, Any]] = []
        limit = norm.max_field_length
        for column, ftype, platform, _slot, by_region, tag in norm._columns:
            several = ftype in _MULTI_VALUED  # a cell of several values: the row rules split it
            cells = cells_of(column)
            seq: list[Any] = list(zip(self.regions, cells, strict=True)) if by_region else cells
            try:
                distinct = dict.fromkeys(seq)
            except TypeError:  # an unhashable cell (a list of values): the row rules read it
                cells = [c if c is None or type(c) is str else _SLOW for c in cells]
                seq = list(zip(self.regions, cells, strict=True)) if by_region else cells
                distinct = dict.fromkeys(seq)
            emails = ftype is FieldType.EMAIL
            for entry in distinct:
                if by_region:
                    context, raw = entry
                else:
                    context, raw = platform, entry
                if raw is None:
                    continue
                if type(raw) is not str or len(raw) > limit or (several and several_values(ftype, raw)):
                    distinct[entry] = _SLOW
                    continue
                text = raw.strip()
                if "\x00" in text:
                    text = text.replace("\x00", "")
                if emails and _number_in_address(text):
                    # A phone number in an address column, read in its row's region, which an
                    # email column's entries do not carry: the row rules read it (rare).
                    distinct[entry] = _SLOW
                    continue
                if text:  # the key is _cache_key's, inline: this runs for every distinct value
                    distinct[entry] = (
                        text,
                        (tag, text) if context is None else (tag, f"{context}\x00{text}"),
                    )
            self.seqs.append(seq)
            self.keys.append(distinct)

    def __len__(self) -> int:
        return self.n

    def _regions(self, cells_of: Callable[[str], list[Any]]) -> list[str | None]:
        """Each row's phone region (:meth:`Normalizer._row_region`), read once per distinct value."""
        norm = self.norm
        field = norm.region_field
        if field is None:
            return [norm.region] * self.n
        cells = cells_of(field)
        try:
            region_of: dict[Any, str | None] = dict.fromkeys(cells)
        except TypeError:  # an unhashable value: value by value
            return [norm._row_region({field: c}) for c in cells]
        for raw in region_of:
            region_of[raw] = norm._row_region({field: raw})
        return [region_of[c] for c in cells]

    def pending(self) -> list[_Todo]:
        """The distinct texts the helper canonicalizes (:data:`_HELPED` types) that the cache
        does not hold, with their cache keys."""
        norm = self.norm
        cache = norm._cache
        todo: dict[tuple[str, str], _Todo] = {}
        for (column, ftype, _pf, _slot, by_region, _tag), keys in zip(norm._columns, self.keys, strict=True):
            if ftype not in _HELPED:
                continue
            for entry, tk in keys.items():
                if type(tk) is tuple:
                    text, key = tk
                    if key not in cache and key not in todo:
                        todo[key] = (ftype, text, column, entry[0] if by_region else None, key)
        return list(todo.values())

    def _results(self, c: int) -> tuple[list[Any], bool, dict[Any, str]]:
        """Column ``c``'s result for every row, whether one is an error, and the generational
        suffixes of its names (entry -> suffix; read as each value is, since the normalizer
        forgets them with its cache). A result is the canonical value (a full name: its
        (first, last, middle)), None (nothing), an :class:`InvalidIdentifierError` or :data:`_SLOW`."""
        norm = self.norm
        column, ftype, _pf, slot, by_region, _tag = norm._columns[c]
        cache = norm._cache
        generations = norm._generation if slot in _NAME_SLOTS else None
        result_of: dict[Any, Any] = {}
        hits: dict[Any, str] = {}
        failed = False
        for entry, tk in self.keys[c].items():
            if type(tk) is not tuple:
                result_of[entry] = tk
                continue
            text, key = tk
            canon = cache.get(key, _MISS)
            if canon is _MISS:
                canon = norm._canon(ftype, text, column, entry[0] if by_region else None, key)
            if isinstance(canon, InvalidIdentifierError):
                failed = True
            elif slot <= _PHONES and type(canon) is str and ("@" in canon) != (slot == _EMAILS):
                self.crossed.add(c)  # _crossed, inline (once per distinct value of a column)
            elif slot == _HANDLES and type(canon) is str and canon.startswith(_phone_handles()):
                self.phone_handles = True  # a WhatsApp handle: a phone too (handle_phones)
            elif slot == _FULL and canon is not None:
                first, last, middle = split_full_name(canon, text)
                canon = (first or None, last or None, middle)
            if generations and canon is not None and text in generations:
                hits[entry] = generations[text]
            elif slot == _SUFFIX and type(canon) is str:
                hits[entry] = canon
            result_of[entry] = canon
        return list(map(result_of.__getitem__, self.seqs[c])), failed, hits

    def _generations(self, hits: list[dict[Any, str]]) -> list[str | None] | None:
        """Each row's generational suffix (as ``Normalizer._cell``: the first its name columns
        give, in column order) from each column's ``hits`` (entry -> suffix, from
        :meth:`_results`), or None when no row has one (nearly every chunk)."""
        if not any(hits):
            return None
        out: list[str | None] = [None] * self.n
        for seq, column_hits in zip(self.seqs, hits, strict=True):
            if column_hits:
                for i, entry in enumerate(seq):
                    if out[i] is None and entry in column_hits:
                        out[i] = column_hits[entry]
        return out

    def records(self) -> list[NormRecord]:
        """The chunk's records, in order (their rejects appended in row order)."""
        norm = self.norm
        n = self.n
        columns = norm._columns
        slow = set() if self.maps is None else {i for i, m in enumerate(self.maps) if m is None}
        errors: dict[int, list[tuple[str, Any, str]]] = {}
        found: set[int] = set()
        results: list[list[Any]] = []
        hits: list[dict[Any, str]] = []
        for c, (column, _ftype, _pf, _slot, by_region, _tag) in enumerate(columns):
            res, failed, column_hits = self._results(c)
            hits.append(column_hits)
            if _SLOW in self.keys[c].values():
                slow.update(i for i, r in enumerate(res) if r is _SLOW)
            if failed:
                cells = self.seqs[c]
                for i, r in enumerate(res):
                    if isinstance(r, InvalidIdentifierError):
                        raw = cells[i][1] if by_region else cells[i]
                        errors.setdefault(i, []).append((column, raw, r.reason or str(r)))
            found.update(itertools.compress(range(n), res))  # a value, a pair or an error
            results.append(res)

        def strong(slot: int) -> list[tuple[str, ...]]:
            cols = [results[c] for c, spec in enumerate(columns) if spec[3] == slot]
            if not cols:
                return [()] * n
            if len(cols) == 1:
                return [(r,) if type(r) is str else () for r in cols[0]]
            return [tuple(dict.fromkeys(r for r in rs if type(r) is str)) for rs in zip(*cols, strict=True)]

        def name(part: int) -> list[str | None]:
            # The first name (part 0) or last name (1) of every row: its first name (or last
            # name) columns' and full-name columns' in column order, the first one given.
            slot = _FIRSTS if part == 0 else _LASTS
            cols = [
                [r[part] if type(r) is tuple else None for r in results[c]]
                if spec[3] == _FULL
                else [r if type(r) is str else None for r in results[c]]
                for c, spec in enumerate(columns)
                if spec[3] in (slot, _FULL)
            ]
            if not cols:
                return [None] * n
            if len(cols) == 1:
                return cols[0]
            return [next((x for x in xs if x is not None), None) for xs in zip(*cols, strict=True)]

        def middles() -> list[str | None] | None:
            # The middle words of the full name that gave each row its last name, or of a
            # one-word full name (as Normalizer._cell and _finish); None when no full name has
            # any (most data).
            cols = [
                (spec[3] == _FULL, results[c]) for c, spec in enumerate(columns) if spec[3] in (_LASTS, _FULL)
            ]
            if not any(full and any(type(r) is tuple and r[2] for r in res) for full, res in cols):
                return None
            out: list[str | None] = []
            for first, rs in zip(firsts, zip(*(res for _, res in cols), strict=True), strict=True):
                m = lone = None
                for (full, _), r in zip(cols, rs, strict=True):
                    if full and type(r) is tuple:
                        if r[1] is not None:
                            m = r[2]
                            break
                        if lone is None and r[2]:
                            lone = r[2]  # a one-word full name
                    elif not full and type(r) is str:
                        break
                else:  # no last name: a one-word full name's word, when it is the first name
                    if lone is not None and lone == first:
                        m = lone
                out.append(m)
            return out

        emails, phones, handles = strong(_EMAILS), strong(_PHONES), strong(_HANDLES)
        if self.crossed:  # as _place: each value where its kind says, in column order
            both = [c for c, spec in enumerate(columns) if spec[3] <= _PHONES]
            rows = {
                i for c in self.crossed for i, got in enumerate(results[c]) if _crossed(columns[c][3], got)
            }
            for i in rows:
                given = [cell for c in both if type(cell := results[c][i]) is str]
                emails[i] = tuple(dict.fromkeys(v for v in given if "@" in v))
                phones[i] = tuple(dict.fromkeys(v for v in given if "@" not in v))
        if self.phone_handles:  # as Normalizer._finish
            phones = [
                tuple(dict.fromkeys((*ph, *more))) if ha and (more := norm.handle_phones(ha)) else ph
                for ph, ha in zip(phones, handles, strict=True)
            ]
        firsts, lasts = name(0), name(1)
        middle = middles()
        generation = self._generations(hits)
        ext_cols = [(spec[0], results[c]) for c, spec in enumerate(columns) if spec[3] == _EXTERNAL]
        externals = (
            [
                tuple(dict.fromkeys((col, r) for col, r in zip(names, rs, strict=True) if type(r) is str))
                for rs in zip(*[res for _, res in ext_cols], strict=True)
            ]
            if (names := [col for col, _ in ext_cols])
            else [()] * n
        )
        val_names = [spec[0] for spec in columns if spec[3] == _VALUE]
        val_cols = [results[c] for c, spec in enumerate(columns) if spec[3] == _VALUE]
        values = (
            [
                {k: v for k, v in zip(val_names, rs, strict=True) if type(v) is str}
                for rs in zip(*val_cols, strict=True)
            ]
            if val_cols
            else [{} for _ in range(n)]
        )

        out: list[NormRecord] = []
        rejects = norm.rejects
        next_id = norm._next_id
        parts = zip(self.ids, emails, phones, handles, externals, firsts, lasts, values, strict=True)
        for i, (raw_id, em, ph, ha, ex, first, last, vals) in enumerate(parts):
            if i in slow:
                out.append(norm.normalize(self.rows[i]))
                continue
            index, rid = next_id(raw_id)
            errs = errors.get(i)
            if errs is not None:
                for column, raw, reason in errs:
                    rejects.append(Reject(rid, index, column, raw, reason))
            if first is None and last is not None and em:
                first = first_from_email(em, last)
            rec = NormRecord(index, rid, em, ph, ha, ex, first, last, vals)
            if generation is not None:
                rec.generation = generation[i]
            if middle is not None:
                rec.middle = middle[i]
            if i not in found:
                rec.empty = True
                rejects.append(Reject(rid, index, None, None, "empty row: no usable value"))
            out.append(rec)
        return out


def split_full_name(canon: str, raw: str) -> tuple[str | None, str | None, str | None]:
    """First name, last name and the surname-like words between them, from a full name;
    ``"Smith, John"`` is understood as last, first. A lone word is a first name ("Madonna",
    or a chat's "John") that may be a surname ("Smith"), so it is a middle word too, unless a
    salutation opened the name ("Mr. Smith": a surname).

    The last word is the last name (the main surname in Portuguese and most other names). The
    words between keep what it would lose: the first of a Spanish compound surname ("María
    García López": ``"garcia"``), a maiden name, a middle name. Initials and particles
    ("van", "de la") are left out of them, as they name nobody.

    Words in brackets or quotes are an aside: a nickname (``Robert "Bob" Smith``), a maiden
    name ("Jane (Doe) Smith"), a note ("John Smith (deceased)"). They are never the first or
    the last name, and they join the middle words."""
    parts = canon.split(" ")
    if "@" in raw:  # as the name was read: without an e-mail address beside it
        raw = _ADDRESS_IN_NAME.sub(" ", raw)
    if ("(" in raw or '"' in raw or "'" in raw or "[" in raw or "\u201c" in raw) and (
        aside := _aside(raw)
    ) is not None:
        main, main_raw, words = aside
        first, last, middle = split_full_name(main, main_raw)
        if last is None:  # one word besides, a first name: its aside is no surname of it
            return first, last, middle
        return first, last, _middle([*(middle.split(" ") if middle else ()), *words])
    couple = _couple_words(raw)
    if couple is not None and (
        _named_pair(couple) >= 0  # "Jane & John Doe": its canonical form is their surname, "doe"
        # "Mr and Mrs García López": the household's surname ("Mr and Mrs John Smith" is John's)
        or (len(parts) > 1 and not known_first_name(parts[0]) and not _JOINING_WORDS.isdisjoint(couple))
    ):
        return None, parts[-1], _middle(parts[:-1])
    if "," in raw and len(parts) >= 2:
        before = norm_name(raw.split(",", 1)[0]) or ""
        nb = len(before.split(" ")) if before else 0
        if 0 < nb < len(parts):
            return parts[nb], " ".join(parts[:nb]), _middle(parts[nb + 1 :])
    if len(parts) == 1:
        # Its one word is a first name, and may be a surname ("Smith"): the middle word too.
        return (None, parts[0], None) if _addressed(raw) else (parts[0], None, _middle(parts))
    nb = 0 if raw.istitle() or raw.islower() else _capitals_surname_words(raw)  # ("John Smith": at once)
    if 0 < nb < len(parts):
        # "DUPONT Jean", "GARCÍA LÓPEZ María": the surname first, in capitals. Its last word is
        # the last name, as when it comes last (and "garcia" a middle word).
        return parts[nb], parts[nb - 1], _middle([*parts[: nb - 1], *parts[nb + 1 :]])
    return parts[0], parts[-1], _middle(parts[1:-1])


def _capitals_surname_words(raw: str) -> int:
    """How many words of a full name's canonical form its surname makes when the name is
    written surname first in capitals, as French, Belgian, Swiss and Italian records and many
    administrative exports write it ("DUPONT Jean", "MARTIN Marie Claire", "DE LA FUENTE Ana");
    0 when it is not. The capitals are words of three letters or more (or particles): "AJ
    Lee" has initials first. A name all in capitals says nothing."""
    words = raw.split()
    while words and _strip_accents(words[0]).lower().strip(".") in _SALUTATIONS:  # "Mme DUPONT Marie"
        words = words[1:]
    k = 0
    for word in words:
        letters_of = "".join(ch for ch in word if ch.isalpha())
        if not letters_of or not letters_of.isupper():
            break
        if len(letters_of) < 3 and letters_of.lower() not in _PARTICLES:
            return 0
        k += 1
    if k == 0 or k == len(words):
        return 0
    after = "".join(ch for ch in words[k].split("-")[0] if ch.isalpha())  # Jean-Pierre: Jean
    if len(after) < 2 or not (after[0].isupper() and after[1:].islower()):
        return 0  # a first name follows, written as names are ("Jean", not "J." or "JEAN")
    surname = norm_name(" ".join(words[:k]))
    return len(surname.split(" ")) if surname else 0


_ASIDE = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|\"[^\"]*\"|\u201c[^\u201d]*\u201d|(?<!\w)'[^']+'(?!\w)")
"""A bracketed or quoted part of a name (see :func:`split_full_name`); an apostrophe inside a
word ("O'Brien") is none."""


def _aside(raw: str) -> tuple[str, str, list[str]] | None:
    """The name without its asides (canonical, and as written), and the asides' words; None
    when the name has none, or nothing but them."""
    asides = _ASIDE.findall(raw)
    if not asides:
        return None
    main_raw = _ASIDE.sub(" ", raw)
    main = norm_name(main_raw)
    if main is None:
        return None
    words = [w for a in asides for w in (norm_name(a) or "").split(" ") if w]
    return main, main_raw, words


def _addressed(raw: str) -> bool:
    """Whether a name opens with a salutation (:data:`_SALUTATIONS`): "Mr. Smith", or names a
    household (:data:`_HOUSEHOLD_WORDS`): "The Smith Family"."""
    words = _NON_LETTER.sub(" ", _strip_accents(raw.lower())).split()
    return bool(words) and (
        words[0] in _SALUTATIONS
        or not _HOUSEHOLD_WORDS.isdisjoint(words)
        or (words[0] == "m" and _addressed_couple(raw))  # "M. et Mme Dupont"
    )


_PARTICLES = frozenset(
    {"al", "bin", "da", "das", "de", "del", "della", "den", "der", "di", "do", "dos", "du"}
    | {"el", "la", "las", "le", "los", "st", "te", "ten", "ter", "van", "von"}
)
"""Surname particles: they begin many surnames, so a shared one says nothing."""


_JOINED_PARTICLES = _PARTICLES - {"st"}
"""The particles people also write joined to the name (DeLuca, VanDerBerg, LeBlanc, DaSilva);
not "st" (Stewart is no St. Ewart)."""
SURNAME_REST_MIN = 4
"""The shortest surname after particles that counts as the name ("Luca", "Berg"): Allen is no
Al Len, nor Leroy Le Roy."""


@functools.lru_cache(maxsize=1024)
def particles_only(text: str) -> bool:
    """Whether ``text`` is one or more surname particles written together ("de", "vander"):
    what "DeLuca" has before the "Luca" a full name "Anna De Luca" keeps as its surname."""
    return bool(text) and any(
        text.startswith(p) and (text == p or particles_only(text[len(p) :])) for p in _JOINED_PARTICLES
    )


def particle_suffixes(name: str) -> list[str]:
    """The surnames (:data:`SURNAME_REST_MIN` letters or more) that ``name`` holds after its
    particles, its spaces left out: "vanderberg" and "van der berg" give "derberg", "rberg"
    (vande + rberg) and "berg"."""
    u = name.replace(" ", "")
    if u[:2] not in _PARTICLE_STARTS:  # most names: no particle to begin with
        return []
    return [u[i:] for i in range(2, len(u) - SURNAME_REST_MIN + 1) if particles_only(u[:i])]


_PARTICLE_STARTS = frozenset(p[:2] for p in _JOINED_PARTICLES)


def _middle(words: Sequence[str]) -> str | None:
    kept = [w for w in words if len(w) > 1 and w not in _PARTICLES]
    return " ".join(kept) if kept else None
