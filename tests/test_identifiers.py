"""Table-driven tests for omnilink.identifiers."""

from __future__ import annotations

import contextlib
import time
from typing import Any

import pytest

from omnilink.exceptions import InvalidIdentifierError
from omnilink.identifiers import (
    EMAIL_PROVIDER_RULES,
    HANDLE_PLATFORMS,
    MAX_INPUT_LENGTH,
    ROLE_MAILBOXES,
    BulkResult,
    canonical_email,
    canonical_external,
    canonical_handle,
    canonical_phone,
    is_role_email,
    parse_identifier,
    parse_many,
    parse_phone,
)
from omnilink.models import Identifier, IdentifierKind

# --- emails ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("jane@example.com", "jane@example.com"),
        ("  Jane.Doe@Example.COM \n", "jane.doe@example.com"),
        ("mailto:jane@example.com", "jane@example.com"),
        ("MAILTO:Jane@Example.com?subject=Hello%20there", "jane@example.com"),
        ("mailto:jane%2Bnews@example.com", "jane+news@example.com"),
        ("Jane Doe <Jane@Example.com>", "jane@example.com"),
        ('"Doe, Jane" <jane@example.com>', "jane@example.com"),
        ("Doe, Jane <jane@example.com>", "jane@example.com"),  # unquoted, as Outlook exports it
        # what people and exports wrap an address in, or end it with
        ('"jane@example.com"', "jane@example.com"),  # a CSV quoted twice
        ('="jane@example.com"', "jane@example.com"),  # Excel's formula, kept text in a CSV
        ("'jane@example.com", "'jane@example.com"),  # an apostrophe before a letter is the address's
        ("'jane@example.com'", "jane@example.com"),
        ("jane@example.com.", "jane@example.com"),  # a sentence's end
        ("jane@example.com;", "jane@example.com"),
        ("jane@example.com>", "jane@example.com"),
        ("Jane <jane@example.com>,", "jane@example.com"),
        ("jane @ example.com", "jane@example.com"),
        ("jane@@example.com", "jane@example.com"),  # a key held down
        ("jane@example..com", "jane@example.com"),
        ("jane@example,com", "jane@example.com"),  # the key beside the dot
        ("Work: jane@example.com", "jane@example.com"),  # a label, as exports write one
        ("E-mail:jane@example.com", "jane@example.com"),
        ("jane@example.com (home)", "jane@example.com"),
        ("jane@example.com (Jane Doe)", "jane@example.com"),  # an RFC 5322 comment
        ("jane@example.com [work]", "jane@example.com"),
        ("jane@example.com - work", "jane@example.com"),  # a label after a dash or a slash
        ("jane@example.com / home", "jane@example.com"),
        ("(jane@example.com)", "jane@example.com"),
        ("[jane@example.com]", "jane@example.com"),
        # the @ (and dots) spelled out, as people write an address to keep it from robots
        ("jane at example.com", "jane@example.com"),
        ("Jane.Doe AT Example.com", "jane.doe@example.com"),
        ("jane [at] example [dot] com", "jane@example.com"),
        ("jane(at)example.co.uk", "jane@example.co.uk"),
        ("jane {at} mail (dot) example (dot) org", "jane@mail.example.org"),
        ("j.ane+x at gmail.com", "jane@gmail.com"),  # then read as any address is
        ("Müller, Jörg <joerg@example.de>", "joerg@example.de"),
        ("<jane@example.com>", "jane@example.com"),
        # the domain is given in its ASCII (punycode) form, whichever form came in
        ("x@Bücher.ch", "x@xn--bcher-kva.ch"),
        ("x@xn--bcher-kva.ch", "x@xn--bcher-kva.ch"),
        ("x@XN--BCHER-KVA.CH", "x@xn--bcher-kva.ch"),
        # internationalized local parts are kept, lower-cased
        ("Ärger@example.com", "ärger@example.com"),
        # Gmail: dots ignored, +tag dropped, googlemail.com is gmail.com
        ("Jane.Doe@gmail.com", "janedoe@gmail.com"),
        ("j.a.n.e.d.o.e+shop@GMAIL.com", "janedoe@gmail.com"),
        ("jane.doe+a+b@googlemail.com", "janedoe@gmail.com"),
        # other providers documenting +subaddressing: tag dropped, dots kept
        ("jane.doe+news@outlook.com", "jane.doe@outlook.com"),
        ("jane+news@hotmail.com", "jane@hotmail.com"),
        ("jane+news@live.com", "jane@live.com"),
        ("jane+news@msn.com", "jane@msn.com"),
        ("jane+news@icloud.com", "jane@icloud.com"),
        ("jane+news@me.com", "jane@me.com"),
        ("jane+news@mac.com", "jane@mac.com"),
        ("jane+news@protonmail.com", "jane@protonmail.com"),
        ("jane+news@proton.me", "jane@proton.me"),
        ("jane+news@pm.me", "jane@pm.me"),
        ("jane+news@fastmail.com", "jane@fastmail.com"),
        ("jane+news@yandex.ru", "jane@yandex.ru"),
        # everyone else: the + part may be a different mailbox, so it stays
        ("jane+news@example.com", "jane+news@example.com"),
        ("jane+news@yahoo.com", "jane+news@yahoo.com"),
        ("jane-news@yahoo.com", "jane-news@yahoo.com"),
        ("jane.doe@outlook.com", "jane.doe@outlook.com"),
        # aliased domains are not merged
        ("jane@me.com", "jane@me.com"),
        # a subdomain of a provider is not the provider
        ("jane+x@mail.gmail.com", "jane+x@mail.gmail.com"),
    ],
)
def test_canonical_email(raw: str, expected: str) -> None:
    assert canonical_email(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason", "in_message"),
    [
        ("", "empty", "empty"),
        ("   ", "empty", "empty"),
        ("mailto:", "empty", "mailto"),
        ("jane", "syntax", "@-sign"),
        ("jane@", "syntax", "after the @-sign"),
        ("@example.com", "syntax", "before the @-sign"),
        ("jane doe@example.com", "syntax", "invalid characters"),
        ("jane..doe@example.com", "syntax", "two periods"),
        (".jane@example.com", "syntax", "period"),
        ("jane@example", "syntax", "period"),
        ("jane@localhost", "syntax", "period"),
        ("jane@host.test", "syntax", "special-use"),
        ("jane@host.invalid", "syntax", "special-use"),
        ("jane@-example.com", "syntax", "hyphen"),
        ("jane@example.123", "syntax", "top-level domain"),
        ('"jane doe"@example.com', "syntax", "Quoting"),
        ("jane@[192.0.2.1]", "syntax", "bracketed IP"),
        ("a@b@example.com", "syntax", "invalid characters"),
        ("Jane <jane@example.com", "syntax", "angle bracket"),
        ("Doe, Jane <jane..doe@example.com>", "syntax", "two periods"),  # the address decides
        ("+tag@gmail.com", "syntax", "nothing is left"),
        # spelled-out forms that are no address: left as written, and refused
        ("meet at home", "syntax", "@"),
        ("jane at example", "syntax", "@"),  # no dot in the domain
        ("jane doe at example.com", "syntax", "@"),  # a local part of two words
        ("a at b at example.com", "syntax", "@"),  # "at" twice
        ("jane@example.com,org", "syntax", "invalid characters"),  # a comma is a dot only before a TLD
        ("Note: see jane@example.com", "syntax", "invalid characters"),  # no label: words
        ("jane@example.com (jane@other.com)", "syntax", "invalid characters"),  # no comment: an address
        ("jane@example.com - sales team", "syntax", "invalid characters"),  # no label: words
        ("0.+@OUTLOOK.COM", "syntax", "a period cannot end it"),  # found by hypothesis
        ("jane.+news@icloud.com", "syntax", "'jane.' is left"),
        ("a" * 250 + "@example.com", "too_long", "at most 254"),
        ("a" * (MAX_INPUT_LENGTH + 1), "too_long", "too long"),
    ],
)
def test_canonical_email_errors(raw: str, reason: str, in_message: str) -> None:
    with pytest.raises(InvalidIdentifierError) as info:
        canonical_email(raw)
    err = info.value
    assert err.reason == reason
    assert err.kind == "email"
    assert err.value == raw
    assert in_message in str(err)
    assert isinstance(err, ValueError)


def test_email_error_message_says_what_to_do() -> None:
    with pytest.raises(InvalidIdentifierError, match=r"invalid email address 'jane': .*Fix the address"):
        canonical_email("jane")


@pytest.mark.parametrize("bad", [None, 42, b"jane@example.com", ["jane@example.com"]])
def test_non_text_is_refused(bad: Any) -> None:
    with pytest.raises(InvalidIdentifierError) as info:
        canonical_email(bad)
    assert info.value.reason == "not_text"
    assert type(bad).__name__ in str(info.value)


def test_provider_rules_are_all_lower_case_ascii() -> None:
    for domain, rule in EMAIL_PROVIDER_RULES.items():
        assert domain == domain.lower()
        assert domain.isascii()
        assert rule.domain in EMAIL_PROVIDER_RULES
    assert "yahoo.com" not in EMAIL_PROVIDER_RULES


@pytest.mark.parametrize(
    ("raw", "role"),
    [
        ("info@example.com", True),
        ("INFO@example.com", True),
        ("support+tickets@example.com", True),
        ("no-reply@example.com", True),
        ("noreply@example.com", True),
        ("no_reply@example.com", True),
        ("do-not-reply@example.com", True),
        ("postmaster@example.com", True),
        ("hostmaster@example.com", True),
        ("webmaster@example.com", True),
        ("abuse@example.com", True),
        ("noc@example.com", True),
        ("security@example.com", True),
        ("sales@example.com", True),
        ("marketing@example.com", True),
        ("billing@example.com", True),
        ("contact@example.com", True),
        ("hello@example.com", True),
        ("help@example.com", True),
        ("office@example.com", True),
        ("team@example.com", True),
        ("jobs@example.com", True),
        ("careers@example.com", True),
        ("privacy@example.com", True),
        ("admin@example.com", True),
        ("customer.service@example.com", True),
        ("Jane Doe <info@example.com>", True),
        ("jane@example.com", False),
        ("info.jane@example.com", False),
        ("janeinfo@example.com", False),
        ("supporter@example.com", False),
    ],
)
def test_is_role_email(raw: str, role: bool) -> None:
    assert is_role_email(raw) is role


def test_role_mailboxes_include_rfc_2142() -> None:
    rfc2142 = {"info", "marketing", "sales", "support", "abuse", "noc", "security"}
    rfc2142 |= {"postmaster", "hostmaster", "usenet", "news", "webmaster", "www", "uucp", "ftp"}
    assert rfc2142 <= ROLE_MAILBOXES


def test_is_role_email_refuses_invalid_addresses() -> None:
    with pytest.raises(InvalidIdentifierError) as info:
        is_role_email("info@")
    assert info.value.reason == "syntax"


# --- phones ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "region", "expected", "extension"),
    [
        ("+1 650 253 0000", None, "+16502530000", None),
        ("+16502530000", None, "+16502530000", None),
        ("  +1 (650) 253-0000  ", None, "+16502530000", None),
        ("(650) 253-0000", "US", "+16502530000", None),
        ("650.253.0000", "us", "+16502530000", None),
        ("1-650-253-0000", "US", "+16502530000", None),
        ("+44 20 7946 0958", None, "+442079460958", None),
        ("+44 (0) 20 7946 0958", None, "+442079460958", None),
        ("020 7946 0958", "GB", "+442079460958", None),
        ("0044 20 7946 0958", None, "+442079460958", None),  # 00 = international prefix
        ("0044 20 7946 0958", "DE", "+442079460958", None),  # DE dials out with 00
        ("011 44 20 7946 0958", "US", "+442079460958", None),  # US dials out with 011
        ("+442079460958", "US", "+442079460958", None),  # + wins over region
        ("030 1234567", "DE", "+49301234567", None),
        ("\uff0b44 20 7946 0958", None, "+442079460958", None),  # full-width plus
        ("٠٠٤٤ ٢٠ ٧٩٤٦ ٠٩٥٨", None, "+442079460958", None),  # Arabic-Indic digits
        # vanity numbers
        ("1-800-FLOWERS", "US", "+18003569377", None),
        ("+1 800 FLOWERS", None, "+18003569377", None),
        # extensions are kept apart, never glued on
        ("+1 650 253 0000 ext. 123", None, "+16502530000", "123"),
        ("+1 650 253 0000 x123", None, "+16502530000", "123"),
        ("+1 650 253 0000 #123", None, "+16502530000", "123"),
        ("(650) 253-0000 extension 7", "US", "+16502530000", "7"),
        ("+1 800 FLOWERS x12", None, "+18003569377", "12"),
        # tel: URIs
        ("tel:+1-650-253-0000", None, "+16502530000", None),
        ("sms:+1-650-253-0000", None, "+16502530000", None),  # the other links' URIs
        ("callto:+16502530000", None, "+16502530000", None),
        ("SMS: 650 253 0000", "US", "+16502530000", None),
        ("TEL:+1-650-253-0000;ext=55", None, "+16502530000", "55"),
        # labels that exports write beside a number
        ("Mobile: +1 650 253 0000", None, "+16502530000", None),
        ("Tel.: (650) 253-0000", "US", "+16502530000", None),
        ("+1 650 253 0000 (home)", None, "+16502530000", None),
        ("M: 650 253 0000 x12 (work)", "US", "+16502530000", "12"),
        ("650-253-0000 cell", "US", "+16502530000", None),  # a label without brackets
        ("650 253 0000 / Mobile", "US", "+16502530000", None),
        ("650-253-0000 ext", "US", "+16502530000", None),  # an "ext" with no extension
        ('"650-253-0000"', "US", "+16502530000", None),  # a CSV quoted twice
        ('="6502530000"', "US", "+16502530000", None),  # Excel's formula, kept text in a CSV
        ("'+1 650 253 0000", None, "+16502530000", None),  # the apostrophe typed before it
        # 00 is the international prefix where the region's reading is no number
        ("0044 20 7946 0958", "US", "+442079460958", None),
        ("0049 30 1234567", "DE", "+49301234567", None),
        # ...and so are 11 to 15 digits alone: a + number without its + (a spreadsheet, wa_id)
        ("447911123456", "US", "+447911123456", None),
        ("4915112345678", "US", "+4915112345678", None),
        ("33612345678", "GB", "+33612345678", None),
        ("44 7911 123456", "US", "+447911123456", None),  # one number however it is spaced
        ("14155552671", "US", "+14155552671", None),  # the region's reading first
        ("4155552671", "US", "+14155552671", None),
    ],
)
def test_parse_phone(raw: str, region: str | None, expected: str, extension: str | None) -> None:
    assert parse_phone(raw, region=region) == (expected, extension)
    assert canonical_phone(raw, region=region) == expected


@pytest.mark.parametrize(
    ("raw", "region", "reason", "in_message"),
    [
        ("(650) 253-0000", None, "no_region", "pass region='US'"),
        ("650 253 0000", None, "no_region", "+E.164"),
        ("020 7946 0958", None, "no_region", "without a region"),
        ("+1 650 253 000", None, "invalid_number", "not a valid phone number"),
        ("+1 000 000 0000", None, "invalid_number", "not a valid phone number"),
        ("12345", "US", "invalid_number", "in region US"),
        ("+999 1234567", None, "invalid_number", "country code"),
        ("+1", None, "syntax", "not a phone number"),
        ("call me", None, "syntax", "must start with"),
        ("order 4155552671", "US", "syntax", "must start with"),
        ("", None, "empty", "empty"),
        ("tel:", None, "empty", "tel:"),
        ("Mobile:", None, "empty", "Mobile:"),
        ("(home)", None, "empty", "give a number"),
        ("0044 20 7946 095", "US", "invalid_number", "not a valid phone number"),
        ("99912345678901", "US", "invalid_number", "in region US"),  # +999 is no country
        ("07911123456789", "US", "invalid_number", "in region US"),  # a leading 0 is no + number
        ("+1 650 253 0000" * 10, None, "too_long", "at most 100"),
        ("650 253 0000", "XX", "invalid_region", "ISO 3166"),
        ("650 253 0000", "USA", "invalid_region", "two-letter"),
    ],
)
def test_phone_errors(raw: str, region: str | None, reason: str, in_message: str) -> None:
    with pytest.raises(InvalidIdentifierError) as info:
        canonical_phone(raw, region=region)
    assert info.value.reason == reason
    assert in_message in str(info.value)


def test_phone_error_value_is_the_raw_input() -> None:
    with pytest.raises(InvalidIdentifierError) as info:
        canonical_phone(" 650 253 0000 ")
    assert info.value.value == " 650 253 0000 "
    assert info.value.kind == "phone"


def test_canonical_phone_never_glues_the_extension() -> None:
    assert canonical_phone("+1 650 253 0000 ext 99") == "+16502530000"


# --- handles --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "platform", "expected"),
    [
        # x / twitter
        ("jack", "x", "x:jack"),
        ("@Jack", "x", "x:jack"),
        (" @jack_2 ", "twitter", "x:jack_2"),
        ("@jack", "X", "x:jack"),
        ("https://twitter.com/jack", None, "x:jack"),
        ("https://www.twitter.com/Jack/", None, "x:jack"),
        ("http://mobile.twitter.com/jack?lang=en", None, "x:jack"),
        ("x.com/jack", None, "x:jack"),
        ("https://x.com/@jack#top", None, "x:jack"),
        ("https://x.com/jack/status/20", None, "x:jack"),
        ("https://x.com/jack", "twitter", "x:jack"),
        ("x:jack", None, "x:jack"),
        ("twitter:Jack", None, "x:jack"),
        # the short names people write
        ("ig: Jane.Doe", None, "instagram:jane.doe"),
        ("@jane.doe", "insta", "instagram:jane.doe"),
        ("fb:jane.doe.5", None, "facebook:janedoe5"),
        ("tg:@jane_doe", None, "telegram:jane_doe"),
        # instagram
        ("@Jane.Doe", "instagram", "instagram:jane.doe"),
        ("https://www.instagram.com/jane_doe/?hl=en", None, "instagram:jane_doe"),
        ("instagr.am/jane", None, "instagram:jane"),
        # facebook: dots and case do not count
        ("John.Smith.55", "facebook", "facebook:johnsmith55"),
        ("https://m.facebook.com/john.smith", None, "facebook:johnsmith"),
        ("https://www.facebook.com/profile.php?id=100004123456789", None, "facebook:100004123456789"),
        # tiktok
        ("@Some.User", "tiktok", "tiktok:some.user"),
        ("https://www.tiktok.com/@some_user?lang=en", None, "tiktok:some_user"),
        ("https://www.tiktok.com/@some_user/video/7123", None, "tiktok:some_user"),
        # telegram
        ("@Durov", "telegram", "telegram:durov"),
        ("t.me/durov", None, "telegram:durov"),
        ("https://telegram.me/durov/", None, "telegram:durov"),
        ("https://t.me/s/durov", None, "telegram:durov"),
        # linkedin
        ("https://www.linkedin.com/in/Jane-Doe-1234/", None, "linkedin:jane-doe-1234"),
        ("https://uk.linkedin.com/in/jane-doe", None, "linkedin:jane-doe"),
        ("https://www.linkedin.com/in/jos%C3%A9-garc%C3%ADa", None, "linkedin:josé-garcía"),
        ("Jane-Doe", "linkedin", "linkedin:jane-doe"),
        # slack member ids keep their (upper) case
        ("U123ABC", "slack", "slack:U123ABC"),
        ("W012A3CDE", "slack", "slack:W012A3CDE"),
        ("https://acme.slack.com/team/U123ABC", None, "slack:U123ABC"),
        # whatsapp: E.164 digits without '+'
        ("+1 (650) 253-0000", "whatsapp", "whatsapp:16502530000"),
        ("16502530000", "whatsapp", "whatsapp:16502530000"),
        ("(650) 253-0000", "whatsapp", None),  # needs region, see below
        ("https://wa.me/16502530000", None, "whatsapp:16502530000"),
        ("wa.me/+16502530000", None, "whatsapp:16502530000"),
        ("https://api.whatsapp.com/send?phone=16502530000&text=hi", None, "whatsapp:16502530000"),
        ("whatsapp:16502530000", None, "whatsapp:16502530000"),
        # github, youtube
        ("https://github.com/Octocat", None, "github:octocat"),
        ("@octo-cat", "github", "github:octo-cat"),
        ("https://www.youtube.com/@MrBeast/videos", None, "youtube:mrbeast"),
        ("@Mr.Beast", "youtube", "youtube:mr.beast"),
        # threads (its Instagram username), snapchat, bluesky (a domain)
        ("https://www.threads.net/@Jane.Doe", None, "threads:jane.doe"),
        ("https://www.threads.com/@jane.doe/post/C1a2", None, "threads:jane.doe"),
        ("https://www.snapchat.com/add/jane_doe", None, "snapchat:jane_doe"),
        ("snapchat.com/@JaneDoe", None, "snapchat:janedoe"),
        ("snap: jane_doe", None, "snapchat:jane_doe"),
        ("1jane", "snapchat", None),  # starts with a letter
        ("https://bsky.app/profile/Jane.bsky.social", None, "bluesky:jane.bsky.social"),
        ("@jane.bsky.social", "bsky", "bluesky:jane.bsky.social"),
        ("jane", "bluesky", None),  # a handle is a domain name
        ("https://bsky.app/profile/did:plc:abc123", None, None),  # a DID is no handle
    ],
)
def test_canonical_handle(raw: str, platform: str | None, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(InvalidIdentifierError):
            canonical_handle(raw, platform=platform)
    else:
        assert canonical_handle(raw, platform=platform) == expected


def test_whatsapp_national_number_uses_region() -> None:
    assert canonical_handle("(650) 253-0000", platform="whatsapp", region="US") == "whatsapp:16502530000"
    with pytest.raises(InvalidIdentifierError) as info:
        canonical_handle("(650) 253-0000", platform="whatsapp")
    assert info.value.reason == "no_region"
    assert info.value.kind == "handle"


@pytest.mark.parametrize(
    ("raw", "platform", "reason", "in_message"),
    [
        ("@jack", None, "no_platform", "pass platform="),
        ("jack", None, "no_platform", "pass platform="),
        ("jack", "myspace", "unknown_platform", "use one of"),
        ("https://example.com/jack", None, "unknown_platform", "not a profile URL"),
        ("https://example.com/jack", "x", "unknown_platform", "not a x profile URL"),
        ("https://instagram.com/jane", "x", "platform_mismatch", "instagram URL"),
        ("instagram:jane", "x", "platform_mismatch", "instagram handle"),
        ("https://x.com/", None, "not_a_profile", "not a profile URL"),
        ("https://x.com/home", None, "not_a_profile", "not a profile URL"),
        ("https://instagram.com/p/Cxyz/", None, "not_a_profile", "not a profile URL"),
        ("https://www.linkedin.com/company/acme", None, "not_a_profile", "not a profile URL"),
        ("https://www.facebook.com/profile.php", None, "not_a_profile", "not a profile URL"),
        ("https://www.tiktok.com/foryou", None, "not_a_profile", "not a profile URL"),
        ("", "x", "empty", "empty"),
        ("@", "x", "empty", "empty"),
        # the table's rules
        ("a_very_long_handle", "x", "too_long", "1-15"),
        ("jack-smith", "x", "charset", "'-'"),
        ("jäck", "x", "charset", "'ä'"),
        ("a" * 31, "instagram", "too_long", "1-30"),
        ("jane..doe", "instagram", "syntax", "no '..'"),
        (".jane", "instagram", "syntax", "no '.' at either end"),
        ("jane.", "instagram", "syntax", "no '.' at either end"),
        ("jane-doe", "instagram", "charset", "'-'"),
        ("a", "tiktok", "too_short", "2-24"),
        ("a" * 25, "tiktok", "too_long", "2-24"),
        ("jane.", "tiktok", "syntax", "not ending in '.'"),
        ("dur", "telegram", "too_short", "5-32"),
        ("1durov", "telegram", "syntax", "starting with a letter"),
        ("du-rov", "telegram", "charset", "'-'"),
        ("j.o.h", "facebook", "too_short", "5-50"),
        ("john_smith", "facebook", "charset", "'_'"),
        ("ab", "linkedin", "too_short", "3-100"),
        ("u123abc", "slack", "charset", "member id"),
        ("jane", "slack", "charset", "not a display name"),
        ("A123ABC", "slack", "syntax", "member id"),
        ("-octocat", "github", "syntax", "not starting with '-'"),
        ("a" * 40, "github", "too_long", "1-39"),
        ("ab", "youtube", "too_short", "3-30"),
        ("+1 650 253 0000 x1", "whatsapp", "syntax", "extension"),
        ("+1 650 253 000", "whatsapp", "invalid_number", "whatsapp"),
    ],
)
def test_canonical_handle_errors(raw: str, platform: str | None, reason: str, in_message: str) -> None:
    with pytest.raises(InvalidIdentifierError) as info:
        canonical_handle(raw, platform=platform)
    assert info.value.reason == reason
    assert info.value.kind == "handle"
    assert in_message in str(info.value)


def test_every_platform_row_is_consistent() -> None:
    for name, row in HANDLE_PLATFORMS.items():
        assert row.name == name
        assert 1 <= row.min_len <= row.max_len
        assert row.hosts
        assert row.rule


# --- external ids ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "platform", "expected"),
    [
        (" cus_ABC123 ", "stripe", "stripe:cus_ABC123"),
        ("cus_ABC123", " Stripe ", "stripe:cus_ABC123"),
        ("stripe:cus_ABC123", "stripe", "stripe:cus_ABC123"),
        ("urn:x:1", "crm", "crm:urn:x:1"),
        ("42", "my-db.v2", "my-db.v2:42"),
        # Salesforce: the 18-character form, from the 15 (examples of Salesforce's algorithm as
        # published with it) or from an 18 whose case was changed (its suffix restores it)
        ("a0D30000001n7Pi", "salesforce", "salesforce:a0D30000001n7PiEAI"),
        ("0019000000B98de", "sfdc", "sfdc:0019000000B98deAAB"),
        ("500x000000003TR", "salesforce", "salesforce:500x000000003TRAAY"),
        ("A0D30000001N7PIEAI", "salesforce", "salesforce:a0D30000001n7PiEAI"),
        ("0019000000b98deaab", "Salesforce", "salesforce:0019000000B98deAAB"),
        ("SFDC:0019000000B98de", "sfdc", "sfdc:0019000000B98deAAB"),
        ("ext-42", "salesforce", "salesforce:ext-42"),  # a custom external id: as given
        ("0019000000B98de5", "salesforce", "salesforce:0019000000B98de5"),  # 16: no record id
        ("001900000019800555", "salesforce", "salesforce:001900000019800555"),  # capital digits
        ("0019000000B98de", "hubspot", "hubspot:0019000000B98de"),  # only Salesforce's
    ],
)
def test_canonical_external(raw: str, platform: str, expected: str) -> None:
    assert canonical_external(raw, platform=platform) == expected


@pytest.mark.parametrize(
    ("raw", "platform", "reason"),
    [
        ("", "stripe", "empty"),
        ("stripe:", "stripe", "empty"),
        ("a\x00b", "stripe", "charset"),
        ("x" * 600, "stripe", "too_long"),
        ("cus_1", "", "unknown_platform"),
        ("cus_1", "has space", "unknown_platform"),
    ],
)
def test_canonical_external_errors(raw: str, platform: str, reason: str) -> None:
    with pytest.raises(InvalidIdentifierError) as info:
        canonical_external(raw, platform=platform)
    assert info.value.reason == reason
    assert info.value.kind == "external"


# --- parse_identifier -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "options", "kind", "value", "extra"),
    [
        ("Jane.Doe@GMAIL.com", {}, "email", "janedoe@gmail.com", {"role": False}),
        ("Info@example.com", {}, "email", "info@example.com", {"role": True}),
        ("mailto:jane@example.com", {}, "email", "jane@example.com", {}),
        ("Jane <jane@example.com>", {}, "email", "jane@example.com", {}),
        ("+1 650 253 0000 x12", {}, "phone", "+16502530000", {"extension": "12"}),
        ("(650) 253-0000", {"region": "US"}, "phone", "+16502530000", {"extension": None}),
        ("sms:+16502530000", {}, "phone", "+16502530000", {}),  # a link's URI says the kind
        ("@jack", {"platform": "x"}, "handle", "x:jack", {"platform": "x"}),
        ("https://t.me/durov", {}, "handle", "telegram:durov", {"platform": "telegram"}),
        ("x.com/jack", {}, "handle", "x:jack", {"platform": "x"}),
        ("x:jack", {}, "handle", "x:jack", {"platform": "x"}),
        ("https://wa.me/16502530000", {}, "handle", "whatsapp:16502530000", {"platform": "whatsapp"}),
        ("cus_1", {"kind": "external", "platform": "stripe"}, "external", "stripe:cus_1", {}),
        ("jane@example.com", {"kind": IdentifierKind.EMAIL}, "email", "jane@example.com", {}),
        ("+16502530000", {"kind": "PHONE"}, "phone", "+16502530000", {}),
        ("jane@example.com", {"verified": True}, "email", "jane@example.com", {"verified": True}),
    ],
)
def test_parse_identifier(
    raw: str, options: dict[str, Any], kind: str, value: str, extra: dict[str, Any]
) -> None:
    ident = parse_identifier(raw, **options)
    assert ident.kind is IdentifierKind(kind)
    assert ident.value == value
    assert ident.raw == raw
    for field, expected in extra.items():
        assert getattr(ident, field) == expected
    # the models' entry point is the same function
    assert Identifier.parse(raw, **options) == ident


@pytest.mark.parametrize(
    ("raw", "options", "reason"),
    [
        ("hello", {}, "unknown_kind"),
        ("x", {"kind": "bogus"}, "unknown_kind"),
        ("650 253 0000", {}, "no_region"),
        ("@jack", {}, "no_platform"),
        ("jane@", {}, "syntax"),
        ("cus_1", {"kind": "external"}, "unknown_platform"),
        ("cus_1", {"platform": "stripe"}, "unknown_platform"),  # use kind="external"
        ("", {}, "empty"),
    ],
)
def test_parse_identifier_errors(raw: str, options: dict[str, Any], reason: str) -> None:
    with pytest.raises(InvalidIdentifierError) as info:
        parse_identifier(raw, **options)
    assert info.value.reason == reason


def test_unknown_kind_message_says_to_pass_kind() -> None:
    with pytest.raises(InvalidIdentifierError, match="pass kind="):
        parse_identifier("hello")


# --- parse_many -----------------------------------------------------------------------------


def test_parse_many_reports_bad_rows_and_keeps_going() -> None:
    rows: list[Any] = [
        "jane@example.com",
        None,
        42,
        b"\xff\xfe",
        b"+16502530000",
        "not an email@",
        "+1 650 253 0000",
    ]
    result = parse_many(rows)
    assert isinstance(result, BulkResult)
    assert len(result) == len(rows)
    assert not result.ok
    assert [r.value if r else None for r in result.results] == [
        "jane@example.com",
        None,
        None,
        None,
        "+16502530000",
        None,
        "+16502530000",
    ]
    assert [(e.index, e.reason) for e in result.errors] == [
        (1, "not_text"),
        (2, "not_text"),
        (3, "encoding"),
        (5, "syntax"),
    ]
    assert result.errors[0].raw is None
    assert result.errors[2].raw == b"\xff\xfe"
    assert "not UTF-8" in str(result.errors[2].error)
    assert [i.value for i in result.identifiers] == ["jane@example.com", "+16502530000", "+16502530000"]


def test_parse_many_applies_options_to_every_row() -> None:
    result = parse_many(iter(["(650) 253-0000", "650.253.0000 x7"]), kind="phone", region="US", verified=True)
    assert result.ok
    assert [(i.value, i.extension, i.verified) for i in result.identifiers] == [
        ("+16502530000", None, True),
        ("+16502530000", "7", True),
    ]
    handles = parse_many(["@jack", "https://x.com/Biz"], platform="twitter")
    assert [i.value for i in handles.identifiers] == ["x:jack", "x:biz"]


def test_parse_many_of_nothing() -> None:
    result = parse_many([])
    assert result.ok
    assert len(result) == 0
    assert result.identifiers == []


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        ({"kind": "bogus"}, "unknown_kind"),
        ({"region": "XX"}, "invalid_region"),
        ({"platform": "myspace"}, "unknown_platform"),
        ({"kind": "external"}, "unknown_platform"),
    ],
)
def test_parse_many_bad_options_raise_at_once(options: dict[str, Any], reason: str) -> None:
    with pytest.raises(InvalidIdentifierError) as info:
        parse_many(["jane@example.com"], **options)
    assert info.value.reason == reason


# --- huge input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        canonical_email,
        is_role_email,
        canonical_phone,
        lambda v: canonical_handle(v, platform="x"),
        canonical_handle,
        lambda v: canonical_external(v, platform="crm"),
        parse_identifier,
    ],
)
@pytest.mark.parametrize("filler", ["a", "1", "@", " a"])
def test_huge_input_fails_fast(call: Any, filler: str) -> None:
    huge = filler * (1 << 20)
    start = time.perf_counter()
    with pytest.raises(InvalidIdentifierError) as info:
        call(huge)
    assert time.perf_counter() - start < 0.05
    assert info.value.reason == "too_long"
    assert len(str(info.value)) < 300


def test_huge_rows_in_parse_many() -> None:
    result = parse_many(["x" * (1 << 20), "jane@example.com"])
    assert [e.reason for e in result.errors] == ["too_long"]
    assert result.results[1] is not None


# --- from a review of real-world inputs -------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://help.x.com/en/using-x",
        "https://docs.github.com/en/get-started",
        "https://api.github.com/users/torvalds",
        "https://business.facebook.com/latest/inbox",
        "https://about.instagram.com/blog",
        "https://vm.tiktok.com/ZMabc123/",
        "facebook.com/login.php",
        "facebook.com/photo/?fbid=1",
        "github.com/site/terms",
    ],
)
def test_a_site_page_is_not_a_profile(url: str) -> None:
    """Each had become a handle ('x:en', 'github:users', 'facebook:latest'...), so unrelated
    people could be joined on it."""
    with pytest.raises(InvalidIdentifierError) as info:
        canonical_handle(url)
    assert info.value.reason == "not_a_profile"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://instagram.com/_u/jane.doe", "instagram:jane.doe"),
        ("https://www.instagram.com/jane.doe/", "instagram:jane.doe"),
        ("https://m.facebook.com/jane.doe5", "facebook:janedoe5"),
        ("https://de-de.facebook.com/jane.doe5", "facebook:janedoe5"),
        ("https://uk.linkedin.com/in/jane-doe", "linkedin:jane-doe"),
        ("https://mobile.twitter.com/jack", "x:jack"),
        ("https://acme.slack.com/team/U123ABC", "slack:U123ABC"),
        ("https://api.whatsapp.com/send?phone=14155550123", "whatsapp:14155550123"),
        ("https://web.whatsapp.com/send?phone=14155550123", "whatsapp:14155550123"),
        ("x:@jack", "x:jack"),
        ("tiktok:@some.user", "tiktok:some.user"),
    ],
)
def test_profile_subdomains_and_prefixed_at_handles(url: str, expected: str) -> None:
    assert canonical_handle(url) == expected


@pytest.mark.parametrize("value", ["whatsapp:", "x:@", "tel:"])
def test_nothing_after_a_prefix_is_empty(value: str) -> None:
    with pytest.raises(InvalidIdentifierError) as info:
        parse_identifier(value)
    assert info.value.reason == "empty"


def test_mailto_escapes_that_are_not_utf8_are_refused_not_replaced() -> None:
    """Both had become 'jos\ufffd@x.org': two addresses, one key."""
    for value in ("mailto:jos%E9@x.org", "mailto:jos%E8@x.org"):
        with pytest.raises(InvalidIdentifierError) as info:
            canonical_email(value)
        assert info.value.reason == "syntax"
    assert canonical_email("mailto:jos%C3%A9@x.org") == "jos\u00e9@x.org"


@pytest.mark.parametrize("value", ["Stripe:cus_1", "STRIPE:cus_1", "stripe:cus_1", " cus_1 "])
def test_an_external_prefix_in_another_case_is_not_doubled(value: str) -> None:
    assert canonical_external(value, platform="Stripe") == "stripe:cus_1"


@pytest.mark.parametrize(
    "value",
    [
        "\u202a+1 (650) 253-0000\u202c",  # what iOS Contacts copies
        "\ufeff+16502530000",
        "\u200e+16502530000",
        "+1 650 253 0000\u200b",
        "\u2066+16502530000\u2069",
    ],
)
def test_invisible_format_characters_at_the_ends_are_dropped(value: str) -> None:
    assert canonical_phone(value) == "+16502530000"
    assert parse_identifier(value).value == "+16502530000"


def test_invisible_format_characters_inside_an_email_are_still_refused() -> None:
    assert canonical_email("\ufeffjane@example.com") == "jane@example.com"
    with pytest.raises(InvalidIdentifierError):
        canonical_email("ja\u200bne@example.com")


def test_parse_many_drops_a_utf8_bom_from_bytes() -> None:
    result = parse_many([b"\xef\xbb\xbfjane@example.com", b"+16502530000"])
    assert [i.value for i in result.identifiers] == ["jane@example.com", "+16502530000"]
    assert result.ok


@pytest.mark.parametrize("values", ["jane@x.org", b"jane@x.org"])
def test_parse_many_of_one_value_is_a_type_error(values: Any) -> None:
    with pytest.raises(TypeError, match="iterable of values, got one"):
        parse_many(values)


def test_whatsapp_bare_digits_follow_the_documented_rule() -> None:
    assert canonical_handle("4915112345678", platform="whatsapp") == "whatsapp:4915112345678"
    assert canonical_handle("whatsapp:4915112345678", region="DE") == "whatsapp:4915112345678"
    assert canonical_handle("07911123456", platform="whatsapp", region="GB") == "whatsapp:447911123456"


@pytest.mark.parametrize("raw", ["0099 1234 5678", "+999 1234567", "+1 650 253 000"])
def test_a_number_that_fails_to_parse_keeps_no_caller_alive(raw: str) -> None:
    """phonenumbers.parse keeps the traceback of an error it handles in a local variable, a
    cycle from its frame to itself that kept every calling frame (and, in a batch run with the
    collector paused, the run's data) alive until a collection."""
    import gc
    import weakref

    class Held:
        pass

    def caller() -> weakref.ref[Held]:
        held = Held()
        with contextlib.suppress(InvalidIdentifierError):
            canonical_phone(raw, region="US")
        return weakref.ref(held)

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        assert caller()() is None, "freed when its frame ended, not at the next collection"
    finally:
        if was_enabled:
            gc.enable()
