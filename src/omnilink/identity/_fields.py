"""Field types, and the field map inferred from common column names."""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Iterable, Mapping

__all__ = ["FieldType", "compared_by_name", "infer_field_type", "resolve_field_map"]


class FieldType(str, enum.Enum):
    """What a column holds, which decides how it is canonicalized, blocked and compared."""

    ID = "id"
    """The record id (never compared)."""
    EMAIL = "email"
    PHONE = "phone"
    HANDLE = "handle"
    EXTERNAL_ID = "external_id"
    """An id from another system (CRM id, customer number): a strong identifier."""
    FIRST_NAME = "first_name"
    LAST_NAME = "last_name"
    FULL_NAME = "full_name"
    DATE = "date"
    ADDRESS = "address"
    CITY = "city"
    POSTCODE = "postcode"
    EXACT = "exact"
    """Compared for equality (with a one-edit level for typed codes such as social security numbers)."""
    TEXT = "text"
    """Free text compared fuzzily."""
    NAME_SUFFIX = "name_suffix"
    """A generational suffix in a column of its own (Jr., Sr., II, III, IV): not compared, but
    two records with different ones are never one profile, as when the name holds it."""
    IGNORE = "ignore"


PLATFORM_WORDS = (
    *("twitter", "instagram", "telegram", "facebook", "tiktok", "linkedin", "github", "youtube"),
    *("threads", "snapchat", "bluesky"),
)
"""Platforms whose name in a column's name makes it a handle column of that platform
("Instagram Handle", "linkedin_url"): the platform reads a bare handle in it."""

SYSTEM_WORDS = frozenset(
    {"salesforce", "sfdc", "hubspot", "stripe", "shopify", "zendesk", "intercom", "zoho"}
    | {"pipedrive", "klaviyo", "braze", "freshdesk", "marketo"}
)
"""Systems that keep customers, whose name before an "id" ends a column's name ("Salesforce
ID", "hubspot_contact_id", "Zendesk User ID"): the id that system gives the person, an
external id."""

# Column names are matched after lower-casing and collapsing every non-alphanumeric run to "_".
_NAME_RULES: tuple[tuple[FieldType, tuple[str, ...]], ...] = (
    (
        FieldType.ID,
        # In order of preference, when a file has more than one (resolve_field_map). The row's
        # own id as CRM, form and survey exports name it ("Contact ID", "Response ID"); ids
        # another system gives the person (customer_id, user_id) are EXTERNAL_ID, compared.
        (
            *("id", "rec_id", "record_id", "row_id", "uid", "uuid", "guid", "key", "pk"),
            *("contact_id", "person_id", "lead_id", "entry_id", "submission_id", "response_id"),
        ),
    ),
    (
        FieldType.EMAIL,
        (
            "email",
            "e_mail",
            "mail",
            "email_address",
            "emailaddress",
            "work_email",
            "personal_email",
            "email2",
        ),
    ),
    (
        FieldType.PHONE,
        (
            "phone",
            "phone_number",
            "phonenumber",
            "mobile",
            "mobile_phone",
            "mobile_number",
            "cell",
            "cellphone",
            "cell_phone",
            "tel",
            "telephone",
            "home_phone",
            "work_phone",
            "msisdn",
            "whatsapp",
            "phone2",
        ),
    ),
    (FieldType.HANDLE, ("handle", "username", "user_name", "social_handle", *PLATFORM_WORDS)),
    (
        FieldType.EXTERNAL_ID,
        (
            "external_id",
            "customer_id",
            "crm_id",
            "account_id",
            "customer_number",
            "account_number",
            "member_id",
        ),
    ),
    (
        FieldType.FIRST_NAME,
        ("first_name", "firstname", "given_name", "givenname", "fname", "forename", "first"),
    ),
    (
        FieldType.LAST_NAME,
        ("last_name", "lastname", "surname", "family_name", "familyname", "lname", "last"),
    ),
    (FieldType.FULL_NAME, ("name", "full_name", "fullname", "display_name", "contact_name", "customer_name")),
    # Not "generation": marketing data names a cohort so (Gen X), which would be a reject a row.
    (FieldType.NAME_SUFFIX, ("suffix", "name_suffix", "suffix_name", "generational_suffix")),
    (FieldType.DATE, ("dob", "date_of_birth", "birth_date", "birthdate", "birthday", "bdate")),
    (
        FieldType.ADDRESS,
        (
            "address",
            "street",
            "street_address",
            "address_1",
            "address1",
            "address_2",
            "address2",
            "address_line_1",
            "address_line_2",
            "addr",
            "street_number",
            "house_number",
        ),
    ),
    (FieldType.CITY, ("city", "suburb", "town", "locality", "municipality")),
    (
        FieldType.POSTCODE,
        ("postcode", "post_code", "zip", "zipcode", "zip_code", "postal_code", "postalcode"),
    ),
    (
        FieldType.EXACT,
        ("soc_sec_id", "ssn", "social_security_number", "national_id", "state", "country", "gender"),
    ),
)
_BY_NAME: dict[str, FieldType] = {name: ftype for ftype, names in _NAME_RULES for name in names}
# Words that name a type wherever they appear in a column name (billing_zip, contact_email).
_PARTIAL = frozenset(
    {
        "email",
        "mail",
        "phone",
        "mobile",
        "cellphone",
        "telephone",
        "msisdn",
        "surname",
        "dob",
        "zip",
        "postcode",
        *PLATFORM_WORDS,
    }
)
_PLACE_WORDS = frozenset({"city", "town", "suburb", "street", "address", "address1", "address2"})
"""Words that name a type at the end of a column's name ("Billing City", "Mailing Address")."""
_NO_PLACE = frozenset(
    {"ip", "ipv4", "ipv6", "mac", "web", "url", "server", "host", "remote", "client", "network"}
    | {"wallet", "bitcoin", "btc", "eth", "ethereum", "crypto", "email", "mail", "company"}
)
"""Words that make an "address" no street's ("IP Address", "Wallet Address") or another's."""
_NORMALIZE = re.compile(r"[^0-9a-z]+")


@functools.lru_cache(maxsize=1024)  # a pure function of a column name, asked per value read
def column_platform(column: str) -> str | None:
    """The platform a handle column's name gives ("Instagram Handle": ``instagram``; ``x`` for
    a column named X), else None."""
    col = _norm_column(column)
    if col == "x":
        return "x"
    return next((part for part in _words(column) if part in PLATFORM_WORDS), None)


@functools.lru_cache(maxsize=1024)
def column_system(column: str) -> str | None:
    """The system an external id column's name gives (:data:`SYSTEM_WORDS`: "Salesforce ID"
    gives ``salesforce``), else None."""
    return next((part for part in _words(column) if part in SYSTEM_WORDS), None)


@functools.lru_cache(maxsize=1024)
def names_a_country(column: str) -> bool:
    """Whether a column's name says it holds countries ("Country", "country_code",
    "Mailing Country", "Country/Region", "nationality"): its values compare as the country they
    name, and an inferred field map compares the first such column (:func:`resolve_field_map`)."""
    return any(
        parts[-1] in ("country", "nationality", "nation")
        or parts[-2:] in (["country", "code"], ["country", "region"])
        for parts in (name.split("_") for name in _forms(column))
    )


_REGION_COLUMNS = ("country", "country_code", "region", "phone_region", "country_region")


def region_column(columns: Iterable[str]) -> str | None:
    """The column that gives each row's country, for its phone numbers, when none is named:
    "country", "country_code", "region", "phone_region" or Outlook's "Country/Region", in any
    case and punctuation ("Country Code"), in that order; else a column whose name ends in one
    ("Mailing Country", "billing_country_code")."""
    names = {column: _forms(column) for column in columns}
    for wanted in _REGION_COLUMNS:
        for column, forms in names.items():
            if wanted in forms:
                return column
    for column, forms in names.items():
        if any(name.endswith(("_country", "_country_code")) for name in forms):
            return column
    return None


def _norm_column(column: str) -> str:
    return _NORMALIZE.sub("_", column.strip().lower()).strip("_")


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=[0-9])")
"""Where a camelCase name's words meet: ``dateOfBirth``, ``ZIPCode``, ``addressLine1``."""


@functools.lru_cache(maxsize=1024)
def _forms(column: str) -> tuple[str, ...]:
    """A column's name normalized (:func:`_norm_column`), and then its camelCase words apart
    when it has some: JSON and JavaScript name fields so (``dateOfBirth``, ``countryCode``,
    ``customerId``), and run together they name nothing. The words come second: "LinkedIn"
    and "TikTok" are one word each."""
    col = _norm_column(column)
    split = _norm_column(_CAMEL.sub("_", column.strip()))
    return (col,) if split == col else (col, split)


def _words(column: str) -> list[str]:
    """The words of a column's name, in both of its :func:`_forms`."""
    return [part for name in _forms(column) for part in name.split("_")]


_SOMEONE_ELSE = frozenset(
    {"owner", "rep", "agent", "assignee", "assigned", "manager", "creator", "created", "modified"}
    | {"updated", "employee", "staff", "salesperson", "referrer", "referred"}
)
"""Words that make a column about another person than the record's: a CRM export's "Owner
Email" is the sales rep's, on every record of theirs."""


_ABOUT_THE_VALUE = frozenset(
    {"opt", "optin", "optout", "opted", "consent", "subscribed", "unsubscribed", "subscription"}
    | {"bounce", "bounced", "accepts", "allowed", "permission", "preference", "preferences"}
    | {"status", "reason", "type", "count", "sent", "opens", "clicks", "domain", "frequency"}
    | {"enabled", "disabled", "confirmed", "bio", "description", "followers", "following", "posts"}
)
"""Words that make a column about an email, phone or handle rather than one: a flag, a
status, a count ("Accepts Email Marketing", "Email Opt In", "Unsubscribed from all email",
"Phone Type", "LinkedIn Bio": yes/no, Mobile/Home or a text, each of them had been a reject)."""
_QUALIFIERS = frozenset({"marketing", "verified", "validated"})
"""Words that make such a column a flag unless the email or phone word ends its name:
"Email Marketing" and "Phone Verified" are flags, "Marketing Email" and "Verified Phone" are
an address and a number."""


_NOT_A_PERSON = frozenset(
    {"company", "organization", "organisation", "org", "account", "group", "employer", "business"}
    | {"team", "workspace", "product", "order", "device", "page", "app", "campaign"}
)
"""Words of a nested object's path that make its values another thing's: ``company.name``."""
_NOT_THE_RECORDS = _SOMEONE_ELSE | _NOT_A_PERSON


def infer_field_type(column: str) -> FieldType | None:
    """The field type a column name suggests, or None when it suggests nothing.

    A camelCase name that suggests nothing as one word is read as its words (``dateOfBirth``
    as "date of birth", ``customerId`` as "customer id": :func:`_forms`).
    """
    ftype = _infer(column)
    if ftype is None and len(_forms(column)) == 2:
        ftype = _infer(_CAMEL.sub("_", column.strip()))
    return ftype


def _infer(column: str) -> FieldType | None:
    """:func:`infer_field_type` of a name as written.

    A nested object's value, named by its path (``traits.email``, ``traits.address.city``), is
    named by its last key, or else by its path (``phone.home``: a phone), unless its path is
    about another person or no person at all (``company.name``, ``owner.email``)."""
    bare = column.strip().strip(".")
    if "." in bare:
        path, _, leaf = bare.rpartition(".")
        if not _NOT_THE_RECORDS.isdisjoint(_words(path)):
            return None
        ftype = infer_field_type(leaf) or infer_field_type(path)
        return None if ftype is FieldType.ID else ftype  # the record's id is a top-level key
    col = _norm_column(column)
    if col in _BY_NAME:
        return _BY_NAME[col]
    parts = col.split("_")
    if not _SOMEONE_ELSE.isdisjoint(parts):
        return None
    if not _ABOUT_THE_VALUE.isdisjoint(parts) or (
        parts[-1] not in _PARTIAL and not _QUALIFIERS.isdisjoint(parts)
    ):
        return None  # "Email Opt In", "Phone Type", "Email Marketing"; not "Marketing Email"
    if parts[-1] == "id" and not SYSTEM_WORDS.isdisjoint(parts):
        # "Salesforce ID", "hubspot_contact_id"; not "stripe_product_id", "Salesforce Account ID"
        return FieldType.EXTERNAL_ID if _NOT_A_PERSON.isdisjoint(parts) else None
    # A known name of two words or more at the end: contact_first_name, mailing_postal_code
    # (one word alone would make company_name a person's name).
    for k in range(1, len(parts) - 1):
        ftype = _BY_NAME.get("_".join(parts[k:]))
        if ftype is not None and ftype is not FieldType.ID:
            return ftype
    # One word at the end that names a place: billing_city, Shopify's "Default Address
    # Address1" (not any word: company_name is no person's name).
    if parts[-1] in _PLACE_WORDS and _NO_PLACE.isdisjoint(parts):
        return _BY_NAME[parts[-1]]
    # Suffix / prefix forms: contact_email, email_primary, mobile_phone_2, billing_zip...
    for part in reversed(parts):
        if part in _PARTIAL:
            return _BY_NAME[part]
    return None


def compared_by_name(column: str) -> bool:
    """Whether an inferred field map would compare ``column``: its name tells a type that is
    neither the id nor one to ignore (what a column that came too late to be mapped missed)."""
    return infer_field_type(column) not in (None, FieldType.ID, FieldType.IGNORE)


def resolve_field_map(
    columns: Iterable[str],
    fields: Mapping[str, FieldType | str] | None,
    *,
    id_field: str | None,
) -> tuple[str, dict[str, FieldType]]:
    """The id column and the ``column -> FieldType`` map used for a run.

    Explicit ``fields`` win; with none, types are inferred from the column names and columns
    that suggest nothing are ignored. One column that names a country is compared (``exact``,
    as the country it names) when "country" itself is not there: "Mailing Country", "Country
    Code", "Country/Region". The id column, unless ``id_field`` names it, is a column
    typed id, else one named like an id (:func:`_id_rank` orders several), with explicit
    ``fields`` too; else ``"id"``.
    """
    cols = list(dict.fromkeys(columns))
    out: dict[str, FieldType] = {}
    if fields is not None:
        for col, ftype in fields.items():
            out[col] = FieldType(ftype)
    else:
        for col in cols:
            ft = infer_field_type(col)
            if ft is not None:
                out[col] = ft
        if not any(t is FieldType.EXACT and names_a_country(c) for c, t in out.items()):
            # A country is evidence, whatever its column's name ("Mailing Country", Shopify's
            # "Country Code", HubSpot's "Country/Region"), as "country" is: the first such
            # column, not each (a country and its code would count one agreement twice).
            country = next((c for c in cols if c not in out and names_a_country(c)), None)
            if country is not None:
                out[country] = FieldType.EXACT
    ident = id_field
    if ident is None:
        ids = [c for c, t in out.items() if t is FieldType.ID]
        if not ids and fields is not None:
            # A field map names what to compare; the id column is still read off the names
            # (of the columns the map does not type otherwise).
            ids = [c for c in cols if c not in out and infer_field_type(c) is FieldType.ID]
        ident = min(ids, key=_id_rank) if ids else "id"
    out.pop(ident, None)
    return ident, {c: t for c, t in out.items() if t not in (FieldType.ID, FieldType.IGNORE)}


_ID_NAMES = next(names for ftype, names in _NAME_RULES if ftype is FieldType.ID)


def _id_rank(column: str) -> int:
    """How much a column's name says it is the row's id: "id" before "contact_id" (a column
    typed ``id`` by ``fields`` comes first; of equals, the first column, as ``min`` keeps it)."""
    return min((_ID_NAMES.index(name) + 1 for name in _forms(column) if name in _ID_NAMES), default=0)
