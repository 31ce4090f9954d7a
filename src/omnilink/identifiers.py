"""Turn emails, phone numbers, social handles and external ids into one canonical form.

Two spellings of the same address must compare equal, because the identity resolver joins
customers on these values. Every function here either returns the canonical string or raises
:class:`~omnilink.exceptions.InvalidIdentifierError` (a ``ValueError``) whose ``reason`` is a
short, stable slug and whose message says what to do. :func:`parse_many` never raises for a
bad row: it reports the row instead.

Canonical forms:

* email: ``local@domain``, lower-case, the domain in its ASCII (IDNA / punycode) form, with the
  provider rules of :data:`EMAIL_PROVIDER_RULES` applied (gmail dots, ``+tag`` subaddresses);
* phone: E.164 (``+14155550123``), the extension kept apart;
* handle: ``"<platform>:<handle>"`` (``x:jack``), see :data:`HANDLE_PLATFORMS`;
* external id: ``"<platform>:<id>"`` (``stripe:cus_123``), the id kept as given.

Nothing here touches the network: email syntax is checked with email-validator's
``check_deliverability=False``.
"""

from __future__ import annotations

import functools
import re
import traceback
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final
from urllib.parse import parse_qs, unquote

import email_validator
import phonenumbers
from phonenumbers.phonemetadata import PhoneMetadata, PhoneNumberDesc

from omnilink.exceptions import InvalidIdentifierError
from omnilink.models import Identifier, IdentifierKind

__all__ = [
    # single values
    "canonical_email",
    "is_role_email",
    "canonical_phone",
    "parse_phone",
    "canonical_handle",
    "canonical_external",
    "parse_identifier",
    # batches
    "parse_many",
    "BulkResult",
    "RowError",
    # the rules, for reading
    "EMAIL_PROVIDER_RULES",
    "EmailProviderRule",
    "ROLE_MAILBOXES",
    "HANDLE_PLATFORMS",
    "HandlePlatform",
    "PLATFORM_ALIASES",
    "MAX_INPUT_LENGTH",
]

MAX_INPUT_LENGTH: Final = 1024
"""Longer inputs are refused at once (reason ``too_long``) before any parsing."""

_EMAIL_MAX_LENGTH: Final = 254  # RFC 5321 4.5.3.1.3, as email-validator enforces it
_PHONE_MAX_LENGTH: Final = 100  # generous: "+1 (800) 555-0123 extension 12345" is 33
_EXTERNAL_MAX_LENGTH: Final = 512


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# --- errors ---------------------------------------------------------------------------------


def _show(value: object, limit: int = 60) -> str:
    """A short repr of ``value`` for messages: a 1 MB input must not make a 1 MB message."""
    if isinstance(value, str) and len(value) > limit:
        return repr(value[:limit]) + f"... ({len(value)} characters)"
    text = repr(value)
    return text if len(text) <= limit + 2 else text[:limit] + "..."


def _fail(kind: str, value: object, reason: str, message: str) -> InvalidIdentifierError:
    return InvalidIdentifierError(message, kind=kind, value=value, reason=reason)


def _text(value: object, kind: str, *, limit: int = MAX_INPUT_LENGTH) -> str:
    """``value`` stripped of surrounding whitespace; refuses non-text, empty and huge input."""
    if not isinstance(value, str):
        raise _fail(
            kind,
            value,
            "not_text",
            f"{kind} must be a str, got {type(value).__name__} {_show(value)}: "
            "convert it to text first (decode bytes, format numbers as strings)",
        )
    if len(value) > MAX_INPUT_LENGTH:  # checked before strip(): a huge input costs nothing
        raise _fail(
            kind,
            value,
            "too_long",
            f"{kind} {_show(value)} is too long ({len(value)} characters, the limit is "
            f"{MAX_INPUT_LENGTH}): this is not a single {kind}",
        )
    text = value.strip()
    if text and (text[0] > "\x7f" or text[-1] > "\x7f"):  # cheap test: most values are ASCII
        # Invisible format characters that copy and paste brings along (a BOM, the bidi marks
        # iOS Contacts wraps a number in) are no part of the value, and str.strip() keeps them.
        text = _FORMAT_EDGES.sub("", text)
    if not text:
        raise _fail(kind, value, "empty", f"{kind} is empty: give a non-blank value")
    if len(text) > limit:
        raise _fail(
            kind,
            value,
            "too_long",
            f"{kind} {_show(value)} is too long ({len(text)} characters, at most {limit} allowed)",
        )
    return text


# --- emails ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EmailProviderRule:
    """How one mail provider treats the local part of its addresses."""

    domain: str
    """The canonical domain (``googlemail.com`` addresses become ``gmail.com``)."""
    subaddress: bool
    """The provider documents ``user+tag@`` delivery to ``user@``: the ``+tag`` is dropped."""
    ignore_dots: bool = False
    """The provider ignores dots in the local part (Gmail): they are dropped."""


def _rules(domains: Iterable[str], rule: EmailProviderRule | None = None) -> dict[str, EmailProviderRule]:
    return {d: rule or EmailProviderRule(domain=d, subaddress=True) for d in domains}


_GMAIL = EmailProviderRule(domain="gmail.com", subaddress=True, ignore_dots=True)

EMAIL_PROVIDER_RULES: Final[Mapping[str, EmailProviderRule]] = MappingProxyType(
    {
        # Google: dots never matter and +tags are delivered to the account.
        **_rules(("gmail.com", "googlemail.com"), _GMAIL),
        # Microsoft consumer mail: "plus addressing".
        **_rules(("outlook.com", "hotmail.com", "live.com", "msn.com")),
        # Apple iCloud Mail: "plus addressing".
        **_rules(("icloud.com", "me.com", "mac.com")),
        # Proton Mail: "+aliases".
        **_rules(("protonmail.com", "protonmail.ch", "proton.me", "pm.me")),
        # Fastmail: "plus addressing" (its subdomain addressing is left alone).
        **_rules(("fastmail.com", "fastmail.fm")),
        # Yandex Mail: "login+tag@".
        **_rules(("yandex.ru", "yandex.com", "ya.ru")),
    }
)
"""Providers whose addresses are rewritten, keyed by (ASCII) domain.

Only providers that document ``+`` subaddressing are listed; on any other domain ``a+b@``
and ``a@`` may be different mailboxes, so the ``+`` part is kept. Yahoo is deliberately absent:
its "disposable addresses" use ``-`` with a chosen base name, not the account name.
Aliased domains are not merged (``me.com`` stays ``me.com``), except ``googlemail.com``,
which Google documents as the same mailbox as ``gmail.com``.
"""

ROLE_MAILBOXES: Final[frozenset[str]] = _words(
    # RFC 2142 (sections 3-5)
    "info marketing sales support abuse noc security postmaster hostmaster usenet news webmaster "
    "www uucp ftp "
    # common functional mailboxes; compared with '.', '-' and '_' removed ("no-reply" -> noreply)
    "accounting accounts admin administrator billing careers contact contactus customercare "
    "customerservice donotreply enquiries enquiry feedback finance hello help helpdesk hr "
    "inquiries inquiry invoices jobs legal mailerdaemon media newsletter noreply notifications "
    "office orders press privacy recruiting recruitment reply root service staff sysadmin team "
    "tech webadmin"
)
"""Local parts that name a function rather than a person, with separators removed."""

_SPECIAL_TLDS: Final = frozenset(d.rsplit(".", 1)[-1] for d in email_validator.SPECIAL_USE_DOMAIN_NAMES)
_ATEXT: Final = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]"
_FAST_EMAIL: Final = re.compile(
    rf"({_ATEXT}+(?:\.{_ATEXT}+)*)"  # dot-atom local part
    r"@((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"  # labels
    r"(?:[a-z0-9][a-z0-9-]{0,61})?[a-z])",  # the TLD ends with a letter, like email-validator wants
    re.ASCII | re.IGNORECASE,  # ASCII: without it, "k" would match the Kelvin sign
)
_MAILTO: Final = re.compile(r"mailto:", re.IGNORECASE)


_FORMAT_EDGES: Final = re.compile(
    r"^[\s\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]+"
    r"|[\s\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]+$"
)
"""Whitespace and invisible format characters (Unicode Cf: BOM, bidi marks, zero-width) at
either end of a value."""


def _email_input(value: object) -> str:
    text = _text(value, "email")
    if _MAILTO.match(text):
        # RFC 6068: mailto:addr?subject=... with %-escapes.
        try:
            text = unquote(text[7:].split("?", 1)[0], errors="strict").strip()
        except UnicodeDecodeError:
            # unquote's default replaces them with U+FFFD, so jos%E9 and jos%E8 were one address.
            raise _fail(
                "email",
                value,
                "syntax",
                f"{_show(value)} has %-escapes that are not UTF-8: write the address as text",
            ) from None
        if not text:
            raise _fail("email", value, "empty", "email is empty after 'mailto:': give an address")
    if "@" in text:
        text = _tidy_email(text)
    elif (spelled := _spelled_out(text)) is not None:
        text = spelled
    if len(text) > _EMAIL_MAX_LENGTH and "<" not in text:
        raise _fail(
            "email",
            value,
            "too_long",
            f"email {_show(value)} is too long ({len(text)} characters, at most {_EMAIL_MAX_LENGTH} allowed)",
        )
    return text


def _tidy_email(text: str) -> str:
    """An address as people and exports wrap or end it, without the wrapping: quotes around the
    whole (``"jane@example.com"``, a CSV quoted twice), punctuation after it (``jane@example.com.``
    at a sentence's end; ``;``, ``,``, a stray ``>``), spaces around the ``@``, an ``@`` typed
    twice (``jane@@example.com``), an empty label in the domain (``example..com``), a comma for
    the dot before a TLD (``example,com``), a label or comment beside it (``Work: jane@x.com``,
    ``jane@x.com (home)``, RFC 5322's ``jane@x.com (Jane Doe)``) and brackets around it
    (``(jane@x.com)``). The intended address is not in doubt in any of them; a quoted local
    part (``"jane doe"@example.com``), two dots in a local part and two ``@`` apart
    (``a@b@example.com``) stay errors."""
    text = _unquoted(text)
    if ":" in text or "(" in text or "[" in text or " " in text:
        text = _without_labels(text)
    if "@@" in text:
        text = _DOUBLED_AT.sub("@", text)
    end = text[-1:]
    if end in ".,;:" or (end == ">" and "<" not in text):
        text = text.rstrip(".,;:>" if "<" not in text else ".,;:").rstrip()
    if " @" in text or "@ " in text:
        text = _SPACED_AT.sub("@", text)
    local, at, domain = text.rpartition("@")
    if ".." in domain:
        text = local + at + _EMPTY_LABELS.sub(".", domain)
    elif "," in domain and _COMMA_FOR_DOT.fullmatch(domain):
        text = local + at + domain.replace(",", ".")
    return text


def _without_labels(text: str) -> str:
    """``text`` without a label before the address (``Work: ...``) or after it (``... (home)``,
    ``... - work``), a comment after it (``... (Jane Doe)``) or brackets around the whole
    (``(jane@x.com)``, ``[jane@x.com]``)."""
    text = _EMAIL_LABEL.sub("", text, count=1)
    if text.endswith((")", "]")) or " " in text:
        text = _EMAIL_COMMENT.sub("", text, count=1)
    if len(text) > 2 and _BRACKETS.get(text[0]) == text[-1] and text.count(text[0]) == 1:
        text = text[1:-1].strip()
    return text


def _unquoted(text: str) -> str:
    """``text`` without quotes around the whole of it (a CSV quoted twice: ``"415-555-2671"``)
    when it holds no other quote of that kind, and without what spreadsheets put around a
    value to keep it text, leading zeros and all: Excel's formula ``="00123"``, which CSV
    exports meant for Excel write, and the apostrophe typed before a number (``'00123``)."""
    first = text[:1]
    if len(text) > 2 and first in "\"'" and text[-1] == first and text.count(first) == 2:
        return text[1:-1].strip()
    if first == "=" and text[1:2] == '"' and text[-1] == '"' and text.count('"') == 2 and len(text) > 3:
        return text[2:-1].strip()
    if first == "'" and text[1:2] in _NUMBER_STARTS and "'" not in text[1:]:
        return text[1:]
    return text


_NUMBER_STARTS: Final = frozenset("0123456789+")


def _spelled_out(text: str) -> str | None:
    """An address written with its ``@`` spelled out, as people write it to keep it from spam
    robots: ``jane at example.com``, ``jane [at] example [dot] com``, ``jane(at)example.com``.
    None unless ``at`` appears once, the local part before it is one word and the domain after
    it, its dots spelled out or not, has a dot and no space ("meet at home" is no address)."""
    parts = _AT_WORD.split(text)
    if len(parts) != 2:
        return None
    local, domain = parts[0].strip(), _DOT_WORD.sub(".", parts[1].strip())
    if not local or " " in local or " " in domain or "." not in domain.strip("."):
        return None
    return f"{local}@{domain}"


_AT_WORD: Final = re.compile(r"\s*[\[({<]\s*at\s*[\])}>]\s*|\s+at\s+", re.IGNORECASE)
_DOT_WORD: Final = re.compile(r"\s*[\[({<]\s*dot\s*[\])}>]\s*|\s+dot\s+", re.IGNORECASE)
_SPACED_AT: Final = re.compile(r"\s+@\s*|@\s+")
_DOUBLED_AT: Final = re.compile(r"@{2,}")
_EMPTY_LABELS: Final = re.compile(r"\.{2,}")
_COMMA_FOR_DOT: Final = re.compile(r"[a-z0-9-]+,[a-z]{2,6}", re.IGNORECASE)
_EMAIL_LABELS: Final = (
    r"e-?mail|mail|work|home|personal|private|office|business|school|other|primary|main|alt|alternate"
)
_EMAIL_LABEL: Final = re.compile(rf"^(?:{_EMAIL_LABELS})\s*:\s*(?=\S)", re.IGNORECASE)
_EMAIL_COMMENT: Final = re.compile(
    rf"(?<=\S)\s+(?:[(\[][^()\[\]@<>]*[)\]]|[-/\u2013]\s+(?:{_EMAIL_LABELS}))$", re.IGNORECASE
)
_BRACKETS: Final = {"(": ")", "[": "]"}


def _fast_email(text: str) -> tuple[str, str] | None:
    """(local, domain) for plain ASCII addresses that email-validator surely accepts unchanged.

    Anything unusual (Unicode, punycode, ``--`` labels, reserved TLDs, display names, quotes,
    lengths near the limits) returns None and goes through email-validator. The property
    tests check both paths agree.
    """
    m = _FAST_EMAIL.fullmatch(text)
    if m is None or len(text) > _EMAIL_MAX_LENGTH:
        return None
    domain = m.group(2).lower()
    if "--" in domain or len(domain) > 253 or domain.rsplit(".", 1)[1] in _SPECIAL_TLDS:
        return None
    return m.group(1).lower(), domain


_ANGLE_ADDRESS: Final = re.compile(r'[^<>"]*[^<>"\s]\s*<(?P<addr>[^<>\s]+)>')
"""A display name without quotes, then an address in angle brackets."""


def _slow_email(text: str, value: object) -> tuple[str, str]:
    """(local, ascii domain) via email-validator: the reference for every address."""
    try:
        checked = email_validator.validate_email(
            text,
            check_deliverability=False,  # never DNS
            allow_display_name=True,  # "Jane Doe <jane@example.com>"
            allow_smtputf8=True,
            allow_quoted_local=False,
            allow_domain_literal=False,
            allow_empty_local=False,
            test_environment=False,
            globally_deliverable=True,
            strict=False,
        )
    except email_validator.EmailNotValidError as exc:
        angle = _ANGLE_ADDRESS.fullmatch(text)
        if angle is not None:
            # A display name RFC 5322 wants quoted, written bare: "Smith, John <john@x.com>", as
            # Outlook and address-book exports write it. The name is dropped anyway: the address.
            return _slow_email(angle.group("addr"), value)
        raise _fail(
            "email",
            value,
            "syntax",
            f"invalid email address {_show(value)}: {exc} Fix the address or drop the row.",
        ) from exc
    # NFC again after lower-casing, so a second pass gives the same string.
    local = unicodedata.normalize("NFC", checked.local_part.lower())
    return local, checked.ascii_domain.lower()


def _apply_provider(local: str, domain: str, value: object) -> tuple[str, str]:
    rule = EMAIL_PROVIDER_RULES.get(domain)
    if rule is None:
        return local, domain
    if rule.subaddress:
        local = local.partition("+")[0]
    if rule.ignore_dots:
        local = local.replace(".", "")
    if not local:
        raise _fail(
            "email",
            value,
            "syntax",
            f"invalid email address {_show(value)}: nothing is left before the @-sign once the "
            f"{domain} '+tag' is removed. Fix the address or drop the row.",
        )
    if local.endswith("."):
        # "jane.+news@outlook.com" is valid, but the mailbox it delivers to ("jane.@") is not
        # an address: canonicalizing to it would give a value that is not one.
        raise _fail(
            "email",
            value,
            "syntax",
            f"invalid email address {_show(value)}: {local!r} is left before the @-sign once the "
            f"{domain} '+tag' is removed, and a period cannot end it. Fix the address or drop the row.",
        )
    return local, rule.domain


def _email_parts(value: object) -> tuple[str, str]:
    text = _email_input(value)
    parts = _fast_email(text)
    if parts is None:
        parts = _slow_email(text, value)
    return _apply_provider(*parts, value)


def canonical_email(value: str) -> str:
    """The canonical form of an email address.

    * surrounding whitespace, a ``mailto:`` prefix (with its ``?query``), a display name
      (``"Jane Doe <jane@example.com>"``), a label (``Work: ...``), a comment
      (``... (home)``) and what else wraps or ends an address (:func:`_tidy_email`) are removed;
    * the syntax is checked with email-validator (``check_deliverability=False``: no DNS);
      quoted local parts and ``[ip]`` domain literals are refused;
    * the whole address is lower-cased, and the domain is given in its ASCII form
      (``Bücher.ch`` becomes ``xn--bcher-kva.ch``), so one mailbox has one spelling;
    * provider rules (:data:`EMAIL_PROVIDER_RULES`): ``googlemail.com`` becomes
      ``gmail.com`` and Gmail dots are dropped; the ``+tag`` is dropped only for providers
      documented to support subaddressing: Gmail, Outlook/Hotmail/Live/MSN,
      iCloud/me.com/mac.com, Proton (protonmail.com/.ch, proton.me, pm.me),
      Fastmail (fastmail.com/.fm) and Yandex (yandex.ru/.com, ya.ru). Yahoo is left alone.

    >>> canonical_email("  Jane.Doe+News@GoogleMail.com ")
    'janedoe@gmail.com'

    Raises :class:`InvalidIdentifierError` (``reason``: ``syntax``, ``empty``, ``too_long``
    or ``not_text``).
    """
    local, domain = _email_parts(value)
    return f"{local}@{domain}"


def _is_role_local(local: str) -> bool:
    base = local.partition("+")[0]
    return base.replace(".", "").replace("-", "").replace("_", "") in ROLE_MAILBOXES


def is_role_email(value: str) -> bool:
    """True when the address names a function (``info@``, ``no-reply@``), not a person.

    RFC 2142 mailboxes plus common ones (:data:`ROLE_MAILBOXES`), ignoring case, a ``+tag``
    and the separators ``.``, ``-`` and ``_``. The address is canonicalized first, so an
    invalid address raises :class:`InvalidIdentifierError`.
    """
    local, _ = _email_parts(value)
    return _is_role_local(local)


# --- phones ---------------------------------------------------------------------------------

_PLUS: Final = "+\uff0b"
_TEL: Final = re.compile(r"(?:tel|sms|smsto|mms|callto):", re.IGNORECASE)
_LABELS: Final = (
    r"tel|phone|ph|mobile|mob|cell|home|work|office|main|direct|landline|fax|whatsapp|sms|smsto|mms"
    r"|callto|[mhwct]"
)
_LEADING_LABEL: Final = re.compile(rf"(?:{_LABELS})\.?\s*:\s*", re.IGNORECASE)
_TRAILING_LABEL: Final = re.compile(rf"\s*\((?:{_LABELS})\.?\)\s*$", re.IGNORECASE)
"""What exports write next to a number: "Mobile: 415 555 2671", "+1 415 555 2671 (home)" (and
the ``tel:``, ``sms:`` or ``callto:`` of a link's URI)."""
_LABEL_ONLY: Final = re.compile(rf"\(?(?:{_LABELS})\.?\)?\s*:?", re.IGNORECASE)
"""A label written apart from its number, between separators ("Mobile, 415 555 2671")."""
_BARE_TRAILING_LABEL: Final = re.compile(rf"\s*[/-]?\s+(?:{_LABELS}|ext|extension)\.?\s*$", re.IGNORECASE)
"""A label after a number without brackets ("415-555-2671 cell", "... / Mobile"), or an "ext"
with no extension after it; taken off only when no letter is left before it, so a vanity
number's last word ("1-800-MY-HOME") stays."""
_PARSE_REASONS: Final = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: "invalid_number",
    phonenumbers.NumberParseException.NOT_A_NUMBER: "syntax",
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "invalid_number",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "invalid_number",
    phonenumbers.NumberParseException.TOO_LONG: "too_long",
}


def _region(region: object, kind: str = "phone") -> str | None:
    if region is None:
        return None
    if not isinstance(region, str) or region.upper() not in phonenumbers.SUPPORTED_REGIONS:
        raise _fail(
            kind,
            region,
            "invalid_region",
            f"unknown region {_show(region)}: pass an ISO 3166 two-letter country code such as 'US'",
        )
    return region.upper()


def _is_zero(char: str) -> bool:
    return unicodedata.decimal(char, None) == 0


# The phone fast path. For text made only of ASCII digits and the separators ``( ) - . /`` and
# space, with a region or a leading "+", what phonenumbers makes of it depends on the region,
# the "+" and the digits alone (separators are dropped, no extension marker can occur: a "/"
# starts a second number only before an "x"). A valid number is therefore parsed and validated
# once per (region, "+", digits), however many ways it is written ("0176/29387159" in Germany);
# invalid input always takes the slow path, so its error is the same as ever.
_FAST_PHONE: Final = re.compile(r"[+(]?[0-9][0-9 ()./-]*", re.ASCII)
_PHONE_SEPARATORS: Final = str.maketrans("", "", "+() ./-")
_PHONE_CACHE_MAX: Final = 1 << 20
_phone_cache: dict[tuple[str, bool, str], tuple[str, str | None]] = {}


def _fast_phone_key(text: str, region: str | None) -> tuple[str, bool, str] | None:
    """The cache key of a phone text that the fast path may serve, else None."""
    plus = text[0] == "+"
    if (region is None and not plus) or _FAST_PHONE.fullmatch(text) is None:
        return None
    return (region or "", plus, text.translate(_PHONE_SEPARATORS))


def _phone(value: object, region: str | None) -> tuple[str, str | None]:
    if (
        isinstance(value, str)
        and value
        and (region is None or (isinstance(region, str) and region in phonenumbers.SUPPORTED_REGIONS))
    ):
        text = value.strip()
        if text and len(value) <= MAX_INPUT_LENGTH and len(text) <= _PHONE_MAX_LENGTH:
            key = _fast_phone_key(text, region)
            if key is not None:
                hit = _phone_cache.get(key)
                if hit is None:
                    # A valid number is parsed once, from its digits; anything the fast
                    # reading does not accept goes the slow way, for its exact error.
                    hit = _fast_phone(key) or _slow_phone(value, region)
                    if len(_phone_cache) >= _PHONE_CACHE_MAX:
                        _phone_cache.clear()
                    _phone_cache[key] = hit
                return hit
    return _slow_phone(value, region)


def _fast_phone(key: tuple[str, bool, str]) -> tuple[str, str | None] | None:
    """``(e164, extension)`` for a fast-path key whose number is valid, else None.

    What phonenumbers makes of fast-path text depends on the region, the "+" and the digits
    alone (see above), so the digits are parsed as they are, without the separators, and
    checked with :func:`_is_valid_number` (phonenumbers' own rule, precompiled). None means
    "ask :func:`_slow_phone`", which then raises the usual error.
    """
    region, plus, digits = key
    quick = _quick_e164(region, plus, digits)
    if quick is not None:
        return quick, None
    try:
        number = _parse_number("+" + digits if plus else digits, region or None)
    except phonenumbers.NumberParseException:
        return None
    if not _is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), number.extension or None


@functools.lru_cache(maxsize=1024)
def _region_rules(region: str) -> tuple[int, re.Pattern[str] | None, re.Pattern[str] | None, bool] | None:
    """(country code, international prefix, national prefix for parsing, has a transform
    rule) of a region, the patterns compiled; None without metadata."""
    md = PhoneMetadata.metadata_for_region(region, None)
    if md is None or md.country_code is None:
        return None
    idd = re.compile(md.international_prefix) if md.international_prefix else None
    npp = re.compile(md.national_prefix_for_parsing) if md.national_prefix_for_parsing else None
    return md.country_code, idd, npp, bool(md.national_prefix_transform_rule)


def _calling_code(digits: str) -> int | None:
    """The calling code a "+" number starts with (calling codes are prefix-free and never
    start with 0)."""
    if digits[:1] in ("", "0"):
        return None
    for k in (1, 2, 3):
        cc = int(digits[:k])
        if cc in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            return cc
    return None


def _quick_e164(region: str, plus: bool, digits: str) -> str | None:
    """The E.164 form of a fast-path key, read without ``phonenumbers.parse`` where the reading
    is plain, else None (then phonenumbers decides, as before).

    Plain means: a "+" number (or a national one that starts with the region's international
    prefix and then a digit other than 0, which ``parse`` reads as a "+" number: 0049... in
    Germany) whose national part does not start with its country's national prefix, or a
    national number that starts with neither the region's international prefix nor its country
    code, whose national prefix (if any) carries no carrier code and no transform rule; and in
    both cases a national number without a leading zero (phonenumbers keeps Italian-style
    leading zeros apart). That is what ``parse`` does with such digits; the result is kept only
    when :func:`_is_valid_nsn` accepts it, and property tests compare it with
    ``phonenumbers.parse`` on every region.
    """
    if not plus:
        rules = _region_rules(region)
        if rules is None:
            return None
        cc, idd, npp, transform = rules
        prefix = idd.match(digits) if idd is not None else None
        if prefix is not None:
            rest = digits[prefix.end() :]
            # After the prefix a country code, which never starts with 0 (parse then keeps the
            # prefix as part of a national number: left to it).
            return _quick_international(rest) if rest[:1] not in ("", "0") else None
        if digits.startswith(str(cc)):
            return None
        nsn = digits
        m = npp.match(digits) if npp is not None else None
        if m is not None:
            if transform or m.end() == 0 or any(g is not None for g in m.groups()):
                return None
            nsn = digits[m.end() :]
        return f"+{cc}{nsn}" if nsn and nsn[0] != "0" and _is_valid_nsn(cc, nsn) else None
    return _quick_international(digits)


def _quick_international(digits: str) -> str | None:
    """:func:`_quick_e164` of the digits of a "+" number."""
    cc = _calling_code(digits)
    if cc is None:
        return None
    nsn = digits[len(str(cc)) :]
    rules = _region_rules(phonenumbers.region_code_for_country_code(cc))
    if rules is None or (rules[2] is not None and rules[2].match(nsn)):
        return None
    return f"+{cc}{nsn}" if nsn and nsn[0] != "0" and _is_valid_nsn(cc, nsn) else None


# Which of a region's number types phonenumbers tries, in _number_type_helper's order; mobile
# only when its pattern differs from the fixed-line one (else the fixed-line test decided).
_TYPE_DESCS: Final = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
)


def _metadata(region_id: str, country_code: int) -> PhoneMetadata | None:
    return PhoneMetadata.metadata_for_region_or_calling_code(country_code, region_id)


@functools.lru_cache(maxsize=8192)  # a few hundred regions x at most 17 lengths
def _type_patterns(region_id: str, country_code: int, length: int) -> tuple[re.Pattern[str], ...] | None:
    """(general pattern, any-type pattern) for numbers of ``length`` digits in a region, or
    None when no type can match: phonenumbers' ``_number_type_helper(n) != UNKNOWN``, as two
    full matches instead of up to eleven. A description applies to a length when it lists it
    (or lists no lengths) and has a pattern, as in ``_is_number_matching_desc``; the
    alternation of the applicable type patterns fully matches exactly when one of them does.
    """
    md = _metadata(region_id, country_code)
    if md is None:
        return None

    def pattern(desc: PhoneNumberDesc | None) -> str | None:
        if desc is None:
            return None
        lengths = desc.possible_length
        if len(lengths) > 0 and length not in lengths:
            return None
        return desc.national_number_pattern or None

    general = pattern(md.general_desc)
    names = _TYPE_DESCS if md.same_mobile_and_fixed_line_pattern else (*_TYPE_DESCS, "mobile")
    types = [p for p in (pattern(getattr(md, n)) for n in names) if p is not None]
    if general is None or not types:
        return None
    return re.compile(general), re.compile("|".join(f"(?:{p})" for p in types))


def _type_known(nsn: str, region_id: str, country_code: int) -> bool:
    pats = _type_patterns(region_id, country_code, len(nsn))
    return pats is not None and pats[0].fullmatch(nsn) is not None and pats[1].fullmatch(nsn) is not None


def _is_valid_number(number: phonenumbers.PhoneNumber) -> bool:
    """``phonenumbers.is_valid_number``, step for step, with the type test precompiled."""
    cc = number.country_code
    if cc is None:
        return False
    return _is_valid_nsn(cc, phonenumbers.national_significant_number(number))


def _is_valid_nsn(cc: int, nsn: str) -> bool:
    """:func:`_is_valid_number` of the number ``+<cc><nsn>``."""
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(cc)
    if regions is None:
        return False
    region: str | None = None
    if len(regions) == 1:
        region = regions[0]
    else:  # _region_code_for_number_from_list
        for r in regions:
            md = PhoneMetadata.metadata_for_region(r.upper(), None)
            if md is None:
                continue
            if md.leading_digits is not None:
                if re.match(md.leading_digits, nsn):
                    region = r
                    break
            elif _type_known(nsn, r.upper(), cc):
                region = r
                break
    if region is None:
        return False
    # is_valid_number_for_region
    region = region.upper()
    md = _metadata(region, cc)
    if md is None or (region != phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY and md.country_code != cc):
        return False
    return _type_known(nsn, region, cc)


def _parse_number(text: str, region: str | None) -> phonenumbers.PhoneNumber:
    """``phonenumbers.parse``, whose error comes back with the frames it went through cleared.

    ``parse`` keeps the traceback of an error it handles in a local variable (``_, e, _ =
    sys.exc_info()``) before raising another: a reference cycle from its frame to itself, which
    keeps alive, through ``f_back``, every frame that called it and what their variables hold
    until the cyclic collector runs. In a batch run, which pauses the collector, that was the
    whole run's data: 16 such numbers among 1,000,000 contacts kept 7 million objects to the
    end, and the collection that freed them took 2.5 s.
    """
    try:
        return phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        err: BaseException | None = exc
        while err is not None:
            traceback.clear_frames(err.__traceback__)
            err = err.__context__
        raise


def _slow_phone(value: object, region: str | None) -> tuple[str, str | None]:
    text = _text(value, "phone", limit=_PHONE_MAX_LENGTH)
    region = _region(region)
    text = _unquoted(text)
    label = _LEADING_LABEL.match(text)
    body = text[label.end() :] if label else text
    if body.endswith(")"):
        body = _TRAILING_LABEL.sub("", body)
    elif body[-1:].isalpha() or body.endswith("."):
        bare = _BARE_TRAILING_LABEL.search(body)
        if bare is not None and not any(ch.isalpha() for ch in body[: bare.start()]):
            body = body[: bare.start()]
    if not body:
        raise _fail("phone", value, "empty", f"phone is empty after {_show(text)}: give a number")
    first = body[0]
    if not (first in _PLUS or first == "(" or first.isdigit()):
        raise _fail(
            "phone",
            value,
            "syntax",
            f"{_show(value)} is not a phone number: it must start with '+', '(' or a digit",
        )
    if region is None and first not in _PLUS:
        if len(body) > 2 and _is_zero(body[0]) and _is_zero(body[1]):
            body = "+" + body[2:]  # 00 is the international prefix in most of the world
        else:
            raise _fail(
                "phone",
                value,
                "no_region",
                f"national number {_show(value)} without a region: pass region='US' (the "
                "country the number belongs to) or give the number in +E.164 form",
            )
    try:
        number = _parse_number(body, region)
        if region and not phonenumbers.is_valid_number(number):
            number = _international_reading(body) or number
    except phonenumbers.NumberParseException as exc:
        reason = _PARSE_REASONS.get(exc.error_type, "syntax")
        detail = re.sub(r"^\(\d+\) ", "", str(exc)).rstrip(".")
        raise _fail(
            "phone",
            value,
            reason,
            f"{_show(value)} is not a phone number ({detail}): check the digits and the country code",
        ) from exc
    if not phonenumbers.is_valid_number(number):
        where = f" in region {region}" if region and first not in _PLUS else ""
        raise _fail(
            "phone",
            value,
            "invalid_number",
            f"{_show(value)} is not a valid phone number{where}: check the digits, the "
            "country code (+...) and the region",
        )
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return e164, number.extension or None


def _international_reading(body: str) -> phonenumbers.PhoneNumber | None:
    """A number that is none in its row's region, read as international when it is written so
    without the region's own prefix, if that gives a valid number; else None.

    * ``00`` and the number: the international prefix in most of the world, though not in the
      region's own ("0044 20 7946 0958" among US rows);
    * 11 to 15 digits, not starting with 0 (with the fast path's separators, which it reads
      as the same number): a "+" number that lost its "+", as a spreadsheet drops it from a
      cell it reads as a number (``447911123456``), and as WhatsApp's ``wa_id`` and other
      messaging exports write numbers.
    """
    digits = body.translate(_PHONE_SEPARATORS) if _FAST_PHONE.fullmatch(body) else ""
    if len(body) > 2 and _is_zero(body[0]) and _is_zero(body[1]):
        text = "+" + body[2:]
    elif 11 <= len(digits) <= 15 and body[0] != "+" and digits[0] != "0":
        text = "+" + digits
    else:
        return None
    try:
        number = _parse_number(text, None)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def parse_phone(value: str, *, region: str | None = None) -> tuple[str, str | None]:
    """``(e164, extension)``: the number in E.164 and its extension (or None), kept apart.

    ``region`` (ISO 3166 alpha-2, e.g. ``"US"``) says how to read a national number. Without
    it the number must be international: ``+44 20 7946 0958`` or ``0044 20 7946 0958``;
    a national number with no region is an error, never a guess. With a region, the
    region's own international prefix applies (``011`` for ``US``, ``00`` for ``DE``).
    Vanity letters are converted (``1-800-FLOWERS`` is ``+18003569377``); a ``tel:`` URI
    prefix is accepted, and so is a label (``Mobile: ...``, ``... (home)``). A number that
    is none in the region is read as international when it opens with ``00`` (``0044 20 7946
    0958`` among US numbers) or is 11 to 15 digits alone, a "+" number that lost its "+"
    (``447911123456``, as spreadsheets and WhatsApp's ``wa_id`` write them), if that gives a
    valid number. Numbers that ``phonenumbers`` does not consider valid are refused.

    Raises :class:`InvalidIdentifierError` (``reason``: ``no_region``, ``invalid_region``,
    ``invalid_number``, ``syntax``, ``too_long``, ``empty`` or ``not_text``).
    """
    return _phone(value, region)


def canonical_phone(value: str, *, region: str | None = None) -> str:
    """The E.164 form of a phone number (``+14155550123``); see :func:`parse_phone`.

    An extension is dropped here, never glued to the number: use :func:`parse_phone` or
    :func:`parse_identifier` to keep it.
    """
    return _phone(value, region)[0]


# --- handles --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HandlePlatform:
    """The rules for one platform's handles: one row of :data:`HANDLE_PLATFORMS`."""

    name: str
    min_len: int
    max_len: int
    chars: re.Pattern[str]
    """The allowed alphabet (after case folding), matched against the whole handle."""
    rule: str
    """The rule in words, for error messages and the docs."""
    hosts: tuple[str, ...]
    """Profile URL hosts. Of their subdomains, those :attr:`subdomains` matches carry profiles
    too (``www.``, ``m.``, ``uk.``); the others (``help.``, ``api.``, ``business.``) are
    pages of the site, not profiles."""
    profile_path: re.Pattern[str]
    """Matches a profile URL's path; group ``h`` is the handle."""
    fold_case: bool = True
    """The platform is case-insensitive: handles are lower-cased."""
    shape: re.Pattern[str] | None = None
    """A further rule on the handle's shape (where dots may go, the first character...)."""
    drop: str = ""
    """Characters the platform ignores, removed (Facebook ignores dots)."""
    reserved: frozenset[str] = frozenset()
    """First path segments that are pages of the site, not accounts."""
    query: tuple[str, str] | None = None
    """``(path, parameter)``: a URL with that path carries the handle in that query parameter."""
    phone: bool = False
    """The handle is a phone number, kept as E.164 digits without the ``+``."""
    subdomains: re.Pattern[str] = re.compile(
        r"www|m|mobile|web|mbasic|touch|[a-z]{2}(?:-[a-z]{2})?", re.ASCII | re.IGNORECASE
    )
    """The subdomains of :attr:`hosts` whose pages are profiles (a language or country code,
    the mobile and web sites)."""


def _re(pattern: str, flags: int = re.ASCII) -> re.Pattern[str]:
    return re.compile(pattern, flags)


_FIRST_SEGMENT: Final = _re(r"/@?(?P<h>[^/]+)(?:/.*)?")

HANDLE_PLATFORMS: Final[Mapping[str, HandlePlatform]] = MappingProxyType(
    {
        p.name: p
        for p in (
            HandlePlatform(
                name="x",
                min_len=1,
                max_len=15,
                chars=_re(r"[a-z0-9_]+"),
                rule="1-15 letters, digits or '_'",
                hosts=("x.com", "twitter.com"),
                profile_path=_FIRST_SEGMENT,
                reserved=_words(
                    "home explore i search settings messages notifications intent share hashtag "
                    "login signup logout tos privacy compose about jobs"
                ),
            ),
            HandlePlatform(
                name="instagram",
                min_len=1,
                max_len=30,
                chars=_re(r"[a-z0-9._]+"),
                shape=_re(r"[a-z0-9_]+(?:\.[a-z0-9_]+)*"),
                rule="1-30 letters, digits, '_' or '.', no '.' at either end and no '..'",
                hosts=("instagram.com", "instagr.am"),
                profile_path=_re(r"/(?:_u/)?@?(?P<h>[^/]+)(?:/.*)?"),  # _u/<h>: the app's deep link
                reserved=_words(
                    "p reel reels explore stories accounts tv direct about legal developer web _n"
                ),
            ),
            HandlePlatform(
                name="facebook",
                min_len=5,
                max_len=50,
                chars=_re(r"[a-z0-9]+"),
                drop=".",
                rule="5-50 letters or digits; dots are ignored, as Facebook ignores them",
                hosts=("facebook.com", "fb.com"),
                profile_path=_FIRST_SEGMENT,
                reserved=_words(
                    "pages groups events watch marketplace sharer share login home.php people "
                    "story.php photo.php permalink.php gaming help policies privacy settings "
                    "login.php photo photos reel reels stories friends messages notifications "
                    "search hashtag ads business bookmarks dialog plugins l.php signup recover"
                ),
                query=("/profile.php", "id"),
            ),
            HandlePlatform(
                name="tiktok",
                min_len=2,
                max_len=24,
                chars=_re(r"[a-z0-9._]+"),
                shape=_re(r".*[^.]"),
                rule="2-24 letters, digits, '_' or '.', not ending in '.'",
                hosts=("tiktok.com",),
                profile_path=_re(r"/@(?P<h>[^/]+)(?:/.*)?"),
            ),
            HandlePlatform(
                name="telegram",
                min_len=5,
                max_len=32,
                chars=_re(r"[a-z0-9_]+"),
                shape=_re(r"[a-z].*"),
                rule="5-32 letters, digits or '_', starting with a letter",
                hosts=("t.me", "telegram.me", "telegram.dog"),
                profile_path=_re(r"/(?:s/)?@?(?P<h>[^/]+)(?:/.*)?"),
                reserved=_words(
                    "joinchat addstickers addemoji addlist share proxy socks c setlanguage login iv"
                ),
            ),
            HandlePlatform(
                name="linkedin",
                min_len=3,
                max_len=100,
                chars=_re(r"[\w-]+", re.UNICODE),
                rule="3-100 letters, digits, '-' or '_' (the slug of linkedin.com/in/<slug>)",
                hosts=("linkedin.com",),
                profile_path=_re(r"/in/(?P<h>[^/]+)(?:/.*)?"),
            ),
            HandlePlatform(
                name="github",
                min_len=1,
                max_len=39,
                chars=_re(r"[a-z0-9-]+"),
                shape=_re(r"[a-z0-9].*"),
                rule="1-39 letters, digits or '-', not starting with '-'",
                hosts=("github.com",),
                profile_path=_FIRST_SEGMENT,
                reserved=_words(
                    "orgs settings login logout join explore marketplace pulls issues notifications "
                    "sponsors topics trending features about pricing enterprise new organizations "
                    "apps search collections events codespaces site contact security readme "
                    "account dashboard sessions customer-stories"
                ),
            ),
            HandlePlatform(
                name="youtube",
                min_len=3,
                max_len=30,
                chars=_re(r"[a-z0-9._-]+"),
                rule="3-30 letters, digits, '_', '-' or '.' (the @handle, not a channel id)",
                hosts=("youtube.com",),
                profile_path=_re(r"/@(?P<h>[^/]+)(?:/.*)?"),
            ),
            HandlePlatform(
                name="slack",
                min_len=3,
                max_len=32,
                chars=_re(r"[A-Z0-9]+"),
                shape=_re(r"[UW][A-Z0-9]+"),
                fold_case=False,
                rule="a member id: 'U' or 'W' then upper-case letters and digits (U012AB3CD), "
                "not a display name",
                hosts=("slack.com",),
                subdomains=_re(r"[a-z0-9-]+", re.ASCII | re.IGNORECASE),  # <workspace>.slack.com
                profile_path=_re(r"/team/(?P<h>[^/]+)/?"),
            ),
            HandlePlatform(
                name="threads",
                min_len=1,
                max_len=30,
                chars=_re(r"[a-z0-9._]+"),
                shape=_re(r"[a-z0-9_]+(?:\.[a-z0-9_]+)*"),
                rule="1-30 letters, digits, '_' or '.' (the Instagram username it signs in with)",
                hosts=("threads.net", "threads.com"),
                profile_path=_re(r"/@(?P<h>[^/]+)(?:/.*)?"),
            ),
            HandlePlatform(
                name="snapchat",
                min_len=3,
                max_len=15,
                chars=_re(r"[a-z0-9._-]+"),
                shape=_re(r"[a-z].*"),
                rule="3-15 letters, digits, '-', '_' or '.', starting with a letter",
                hosts=("snapchat.com",),
                profile_path=_re(r"/(?:add/|@)(?P<h>[^/]+)(?:/.*)?"),
            ),
            HandlePlatform(
                name="bluesky",
                min_len=3,
                max_len=253,
                chars=_re(r"[a-z0-9.-]+"),
                shape=_re(r"[a-z0-9-]+(?:\.[a-z0-9-]+)+"),
                rule="a domain name (jane.bsky.social), as Bluesky handles are",
                hosts=("bsky.app",),
                profile_path=_re(r"/profile/(?P<h>[^/]+)(?:/.*)?"),
            ),
            HandlePlatform(
                name="whatsapp",
                min_len=1,
                max_len=_PHONE_MAX_LENGTH,
                chars=_re(r"[0-9]+"),
                phone=True,
                rule="a phone number in international form (+14155550123 or 14155550123)",
                hosts=("wa.me", "whatsapp.com"),
                subdomains=_re(r"www|api|web", re.ASCII | re.IGNORECASE),  # api.whatsapp.com/send
                profile_path=_re(r"/\+?(?P<h>[0-9]+)/?"),
                query=("/send", "phone"),
            ),
        )
    }
)
"""Supported handle platforms and their rules, keyed by canonical platform name."""

PLATFORM_ALIASES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "twitter": "x",
        "ig": "instagram",
        "insta": "instagram",
        "fb": "facebook",
        "tg": "telegram",
        "wa": "whatsapp",
        "snap": "snapchat",
        "bsky": "bluesky",
    }
)
"""Other names accepted for ``platform=`` and in a prefix (``ig: jane.doe``): the old name of X,
and the short names people write."""

_HOSTS: Final = {host: p for p in HANDLE_PLATFORMS.values() for host in p.hosts}
_URL: Final = re.compile(
    r"(?P<scheme>https?://)?(?P<host>[^/?#\s@:]+)(?::[0-9]{1,5})?"
    r"(?P<path>/[^?#]*)?(?:\?(?P<query>[^#]*))?(?:#.*)?",
    re.IGNORECASE | re.DOTALL,
)
_PREFIX: Final = re.compile(r"([A-Za-z]+):(?!//)(.*)", re.DOTALL)
_PLATFORM_NAMES: Final = ", ".join(sorted(HANDLE_PLATFORMS))


def _platform(name: object) -> HandlePlatform:
    platform = None
    if isinstance(name, str):
        key = name.strip().lower()
        platform = HANDLE_PLATFORMS.get(PLATFORM_ALIASES.get(key, key))
    if platform is None:
        raise _fail(
            "handle",
            name,
            "unknown_platform",
            f"unknown handle platform {_show(name)}: use one of {_PLATFORM_NAMES}, "
            "or kind='external' for ids from other systems",
        )
    return platform


def _prefixed(text: str) -> tuple[HandlePlatform, str] | None:
    """``(platform, rest)`` for the canonical form ``"x:jack"``, else None."""
    m = _PREFIX.fullmatch(text)
    if m is None:
        return None
    key = m.group(1).lower()
    platform = HANDLE_PLATFORMS.get(PLATFORM_ALIASES.get(key, key))
    return None if platform is None else (platform, m.group(2))


def _host_platform(host: str) -> HandlePlatform | None:
    """The platform of ``host`` or of a parent domain (``uk.linkedin.com`` -> linkedin)."""
    found = _host_match(host)
    return None if found is None else found[0]


def _host_match(host: str) -> tuple[HandlePlatform, str] | None:
    """The platform of ``host`` or of a parent domain, and the subdomain before it ("" if none)."""
    host = host.lower().rstrip(".")
    parent = host
    while True:
        platform = _HOSTS.get(parent)
        if platform is not None:
            return platform, host[: len(host) - len(parent)].rstrip(".")
        if "." not in parent:
            return None
        parent = parent.split(".", 1)[1]
        if "." not in parent:  # never match a bare TLD
            return None


def _from_url(
    text: str, value: object, wanted: HandlePlatform | None
) -> tuple[HandlePlatform, str, bool] | None:
    """``(platform, handle, True)`` if ``text`` is a profile URL, None if it is not a URL."""
    m = _URL.fullmatch(text)
    if m is None:
        return None
    matched = _host_match(m.group("host"))
    platform, subdomain = (None, "") if matched is None else matched
    if platform is None:
        if m.group("scheme") is None:
            return None  # "jack.smith" is a handle, not a URL
        expected = f"a {wanted.name} profile URL" if wanted else f"a profile URL of {_PLATFORM_NAMES}"
        raise _fail(
            "handle",
            value,
            "unknown_platform",
            f"{_show(value)} is not {expected}: give the handle itself, or pass kind='external'",
        )
    if wanted is not None and platform is not wanted:
        raise _fail(
            "handle",
            value,
            "platform_mismatch",
            f"{_show(value)} is a {platform.name} URL but platform={wanted.name!r} was given: "
            "pass the matching platform",
        )
    path = (m.group("path") or "").rstrip("/")
    handle: str | None = None
    if subdomain and not platform.subdomains.fullmatch(subdomain):
        pass  # help.x.com/en, api.github.com/users/...: the site's pages, no profile (below)
    elif platform.query is not None and path == platform.query[0]:
        found = parse_qs(m.group("query") or "").get(platform.query[1])
        handle = found[0] if found else None
    else:
        pm = platform.profile_path.fullmatch(path)
        if pm is not None and pm.group("h").lower() not in platform.reserved:
            handle = unquote(pm.group("h"))
    if not handle:
        raise _fail(
            "handle",
            value,
            "not_a_profile",
            f"{_show(value)} is a {platform.name} URL but not a profile URL: give the profile "
            "link or the handle itself",
        )
    return platform, handle, True


def _check_handle(
    platform: HandlePlatform, handle: str, value: object, region: str | None, intl: bool
) -> str:
    """Fold, then apply ``platform``'s row of the table to ``handle``."""
    if platform.phone:
        # wa.me links and "whatsapp:" values are international digits without the '+' (as
        # WhatsApp ids are); so is a bare run of digits when no region is given. Anything
        # else is an ordinary phone number, read with ``region``.
        if intl or (region is None and handle.isdigit()):
            handle = "+" + handle.lstrip(_PLUS)
        try:
            e164, extension = _phone(handle, region)
        except InvalidIdentifierError as exc:
            raise _fail("handle", value, exc.reason, f"whatsapp: {exc}") from exc
        if extension is not None:
            raise _fail(
                "handle",
                value,
                "syntax",
                f"whatsapp number {_show(value)} has an extension: WhatsApp numbers have none",
            )
        return e164[1:]
    if platform.fold_case:
        handle = handle.lower()
    if platform.drop:
        handle = handle.translate({ord(c): None for c in platform.drop})
    name = platform.name
    if not handle:
        raise _fail("handle", value, "empty", f"{name} handle is empty: give the handle")
    if len(handle) < platform.min_len or len(handle) > platform.max_len:
        reason = "too_short" if len(handle) < platform.min_len else "too_long"
        raise _fail(
            "handle",
            value,
            reason,
            f"{name} handle {_show(value)} has {len(handle)} characters: {name} handles are {platform.rule}",
        )
    if not platform.chars.fullmatch(handle):
        bad = sorted({c for c in handle if not platform.chars.fullmatch(c)})
        raise _fail(
            "handle",
            value,
            "charset",
            f"{name} handle {_show(value)} contains {', '.join(map(repr, bad))}: {name} handles are "
            f"{platform.rule}",
        )
    if platform.shape is not None and not platform.shape.fullmatch(handle):
        raise _fail(
            "handle",
            value,
            "syntax",
            f"{name} handle {_show(value)} is not allowed: {name} handles are {platform.rule}",
        )
    return handle


def _handle(value: object, platform: str | None, region: str | None) -> tuple[str, str]:
    text = _text(value, "handle")
    wanted = None if platform is None else _platform(platform)
    region = _region(region, "handle")
    found = _from_url(text, value, wanted)
    if found is not None:
        chosen, handle, intl = found
        return chosen.name, _check_handle(chosen, handle, value, region, intl)
    prefixed = _prefixed(text)
    if prefixed is not None:  # "x:jack", the canonical form itself
        chosen, handle = prefixed
        if wanted is not None and chosen is not wanted:
            raise _fail(
                "handle",
                value,
                "platform_mismatch",
                f"{_show(value)} is a {chosen.name} handle but platform={wanted.name!r} was "
                "given: pass the matching platform",
            )
        handle = handle.strip()
        handle = handle[1:] if handle.startswith("@") else handle  # "x:@jack", as "@jack" is read
        if not handle:
            raise _fail("handle", value, "empty", f"{_show(value)} has no handle after the prefix")
        return chosen.name, _check_handle(chosen, handle, value, region, True)
    if wanted is None:
        raise _fail(
            "handle",
            value,
            "no_platform",
            f"cannot tell which platform the handle {_show(value)} is on: pass platform= "
            f"(one of {_PLATFORM_NAMES}) or give a profile URL",
        )
    handle = text[1:] if text.startswith("@") else text
    return wanted.name, _check_handle(wanted, handle, value, region, False)


def canonical_handle(value: str, *, platform: str | None = None, region: str | None = None) -> str:
    """The canonical ``"<platform>:<handle>"`` form of a social handle.

    ``value`` may be the handle (``@Jack``), a profile URL (``https://www.x.com/jack/``,
    ``t.me/durov``, ``linkedin.com/in/jane-doe``; any scheme, ``www.``/``m.`` subdomain,
    query string or fragment) or the canonical form itself (``x:jack``). Without
    ``platform`` it is read from the URL or the prefix; a bare handle then needs
    ``platform=``. ``twitter`` is accepted for ``x``.

    Each platform's rules live in one table, :data:`HANDLE_PLATFORMS`: case-insensitive
    platforms are lower-cased, Slack member ids keep their case, Facebook dots are dropped,
    and WhatsApp takes a phone number (``region`` reads a national one) and keeps its E.164
    digits without the ``+``: ``whatsapp:14155550123``.

    Raises :class:`InvalidIdentifierError` (``reason``: ``no_platform``,
    ``unknown_platform``, ``platform_mismatch``, ``not_a_profile``, ``too_short``,
    ``too_long``, ``charset``, ``syntax``, ``empty``, ``not_text``, or a phone reason for
    WhatsApp).
    """
    name, handle = _handle(value, platform, region)
    return f"{name}:{handle}"


# --- external ids ---------------------------------------------------------------------------

_EXTERNAL_PLATFORM: Final = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}", re.ASCII)


def _external(value: object, platform: object) -> tuple[str, str]:
    text = _text(value, "external", limit=_EXTERNAL_MAX_LENGTH)
    name = platform.strip().lower() if isinstance(platform, str) else None
    if name is None or not _EXTERNAL_PLATFORM.fullmatch(name):
        raise _fail(
            "external",
            value,
            "unknown_platform",
            f"external ids need platform= naming the system they come from (letters, digits, "
            f"'_', '-', '.'; e.g. 'stripe'), got {_show(platform)}",
        )
    if text[: len(name) + 1].lower() == name + ":":  # the canonical form itself, in any case
        text = text[len(name) + 1 :].strip()
        if not text:
            raise _fail("external", value, "empty", f"{name} id is empty: give the id")
    if any(unicodedata.category(c)[0] == "C" for c in text):
        raise _fail(
            "external",
            value,
            "charset",
            f"{name} id {_show(value)} contains control characters: remove them",
        )
    return name, text


def canonical_external(value: str, *, platform: str) -> str:
    """``"<platform>:<id>"`` for an id from another system (a CRM, Stripe, your own database).

    The platform is lower-cased; the id is trimmed and otherwise kept exactly (ids are often
    case-sensitive). A value already prefixed with ``"<platform>:"`` is not prefixed twice.
    A Salesforce record id (platform ``salesforce`` or ``sfdc``) is its 18-character form,
    whichever form it is given in (:func:`_salesforce_id`).
    Raises :class:`InvalidIdentifierError` (``empty``, ``too_long``, ``charset``,
    ``unknown_platform``, ``not_text``).
    """
    name, ident = _external(value, platform)
    if name in SALESFORCE_PLATFORMS:
        ident = _salesforce_id(ident) or ident
    return f"{name}:{ident}"


SALESFORCE_PLATFORMS: Final = ("salesforce", "sfdc")
_SF_ID: Final = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-5]{3})?", re.ASCII)
_SF_SUFFIX: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def _salesforce_suffix(body: str) -> str:
    """The three characters Salesforce appends to a 15-character id: per five characters, which
    are capitals (bit k for the k-th), as a letter of :data:`_SF_SUFFIX`."""
    out = []
    for start in (0, 5, 10):
        bits = 0
        for k in range(5):
            if "A" <= body[start + k] <= "Z":
                bits |= 1 << k
        out.append(_SF_SUFFIX[bits])
    return "".join(out)


def _salesforce_id(text: str) -> str | None:
    """The 18-character form of a Salesforce record id, or None when ``text`` is none.

    Salesforce gives a record's id in two forms: 15 characters, case-sensitive, in reports
    and the UI, and 18, the API's and Data Loader's, whose last three say which of the first
    15 are capitals so that a tool that ignores case cannot confuse two ids. One record's id
    from a report and from the API were two ids; and an 18-character id whose case a
    spreadsheet or database changed is restored from its suffix."""
    if _SF_ID.fullmatch(text) is None:
        return None
    body = text[:15]
    if len(text) == 15:
        return body + _salesforce_suffix(body)
    suffix = text[15:].upper()
    chars = []
    for i, ch in enumerate(body):
        if _SF_SUFFIX.index(suffix[i // 5]) >> (i % 5) & 1:
            if not ch.isalpha():
                return None  # a capital where there is a digit: no Salesforce id
            chars.append(ch.upper())
        else:
            chars.append(ch.lower())
    return "".join(chars) + suffix


# --- any identifier -------------------------------------------------------------------------


def _kind(kind: object) -> IdentifierKind | None:
    if kind is None or isinstance(kind, IdentifierKind):
        return kind
    try:
        return IdentifierKind(kind.strip().lower() if isinstance(kind, str) else kind)
    except ValueError:
        raise _fail(
            "identifier",
            kind,
            "unknown_kind",
            f"unknown identifier kind {_show(kind)}: use one of "
            f"{', '.join(k.value for k in IdentifierKind)} or None to guess",
        ) from None


def _guess(value: object, platform: str | None) -> IdentifierKind:
    text = _text(value, "identifier")
    if platform is not None:
        return IdentifierKind.HANDLE
    if _MAILTO.match(text):
        return IdentifierKind.EMAIL
    if _TEL.match(text):
        return IdentifierKind.PHONE
    url = _URL.fullmatch(text)
    if url is not None and (url.group("scheme") or _host_platform(url.group("host"))):
        return IdentifierKind.HANDLE
    if _prefixed(text) is not None:
        return IdentifierKind.HANDLE
    if "@" in text:
        # "@jack" is a handle (which then asks for platform=), "a@b.com" an email.
        return IdentifierKind.HANDLE if text.startswith("@") else IdentifierKind.EMAIL
    if any(c.isdigit() for c in text):
        return IdentifierKind.PHONE
    raise _fail(
        "identifier",
        value,
        "unknown_kind",
        f"cannot tell what kind of identifier {_show(value)} is (no @, no digits, not a profile "
        "URL): pass kind= ('email', 'phone', 'handle' or 'external'), and platform= for handles",
    )


def parse_identifier(
    value: str,
    *,
    kind: IdentifierKind | str | None = None,
    platform: str | None = None,
    region: str | None = None,
    verified: bool = False,
) -> Identifier:
    """Canonicalize ``value`` into an :class:`~omnilink.models.Identifier`.

    With no ``kind`` it is guessed: ``platform`` given means a handle (use
    ``kind="external"`` for other systems' ids); a ``mailto:`` value is an email; a URL or a
    ``"<platform>:"`` prefix is a handle; ``@`` inside the value is an email and ``@`` at
    its start a handle (which then needs ``platform=``); anything else is tried as a phone.

    The result keeps ``raw`` (the input), ``verified``, ``role`` for emails
    (:func:`is_role_email`) and ``extension`` for phones. Raises
    :class:`InvalidIdentifierError`.
    """
    chosen = _kind(kind)
    if chosen is None:
        chosen = _guess(value, platform)
    raw = value if isinstance(value, str) else None
    if chosen is IdentifierKind.EMAIL:
        local, domain = _email_parts(value)
        return Identifier(
            kind=chosen, value=f"{local}@{domain}", raw=raw, verified=verified, role=_is_role_local(local)
        )
    if chosen is IdentifierKind.PHONE:
        e164, extension = _phone(value, region)
        return Identifier(kind=chosen, value=e164, raw=raw, verified=verified, extension=extension)
    if chosen is IdentifierKind.HANDLE:
        name, handle = _handle(value, platform, region)
        return Identifier(kind=chosen, value=f"{name}:{handle}", platform=name, raw=raw, verified=verified)
    name, ident = _external(value, platform)
    return Identifier(kind=chosen, value=f"{name}:{ident}", platform=name, raw=raw, verified=verified)


# --- batches --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowError:
    """One row that could not be canonicalized."""

    index: int
    """Position of the row in the input (0-based)."""
    raw: object
    """The row as given."""
    error: InvalidIdentifierError

    @property
    def reason(self) -> str:
        return self.error.reason


@dataclass(frozen=True, slots=True)
class BulkResult:
    """What :func:`parse_many` made of each row: an Identifier, or a :class:`RowError`."""

    results: tuple[Identifier | None, ...]
    """One entry per input row, in order: the Identifier, or None where the row failed."""
    errors: tuple[RowError, ...]
    """The failed rows, in order."""

    def __len__(self) -> int:
        return len(self.results)

    @property
    def ok(self) -> bool:
        """True when every row was canonicalized."""
        return not self.errors

    @property
    def identifiers(self) -> list[Identifier]:
        """The successful rows' Identifiers, in input order (failed rows left out)."""
        return [r for r in self.results if r is not None]


def _row_text(row: object, kind: str) -> object:
    if isinstance(row, (bytes, bytearray, memoryview)):
        try:
            return bytes(row).decode("utf-8-sig")  # a CSV's first row read as bytes keeps its BOM
        except UnicodeDecodeError as exc:
            raise _fail(
                kind,
                row,
                "encoding",
                f"bytes {_show(row)} are not UTF-8 ({exc.reason} at byte {exc.start}): decode "
                "them with the right encoding first",
            ) from None
    return row


def parse_many(
    values: Iterable[object],
    *,
    kind: IdentifierKind | str | None = None,
    platform: str | None = None,
    region: str | None = None,
    verified: bool = False,
) -> BulkResult:
    """Canonicalize many values; a bad row becomes a :class:`RowError`, never an exception.

    Rows that are not text (None, numbers...) and bytes that are not UTF-8 are row errors
    too (UTF-8 bytes are decoded). The options apply to every row, as in
    :func:`parse_identifier`; a bad option (unknown ``kind``, ``region`` or ``platform``) is
    the caller's mistake, not a row's, and raises :class:`InvalidIdentifierError` at once.
    """
    if isinstance(values, str | bytes | bytearray | memoryview):
        # One value is iterable too, as characters (or ints): every "row" would fail.
        raise TypeError(
            f"parse_many takes an iterable of values, got one {type(values).__name__}: pass a list "
            "(parse_many([value])) or use parse_identifier"
        )
    chosen = _kind(kind)
    _region(region, "identifier")
    if chosen is IdentifierKind.EXTERNAL:
        _external("probe", platform)  # an unusable platform fails once, not on every row
    elif platform is not None:
        _platform(platform)
    label = chosen.value if chosen is not None else "identifier"
    results: list[Identifier | None] = []
    errors: list[RowError] = []
    for index, row in enumerate(values):
        try:
            text = _row_text(row, label)
            results.append(
                parse_identifier(
                    text,  # type: ignore[arg-type]  # non-str rows fail inside, as row errors
                    kind=chosen,
                    platform=platform,
                    region=region,
                    verified=verified,
                )
            )
        except InvalidIdentifierError as exc:
            results.append(None)
            errors.append(RowError(index=index, raw=row, error=exc))
    return BulkResult(results=tuple(results), errors=tuple(errors))
