"""Field inference and bad input: every row kept, every problem reported with a reason."""

from __future__ import annotations

from typing import Any

import pytest

from omnilink.exceptions import ConfigurationError
from omnilink.identity import FieldType, Resolver, infer_field_type
from omnilink.identity._fields import resolve_field_map
from omnilink.identity._normalize import norm_name


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        ("email", FieldType.EMAIL),
        ("E-Mail", FieldType.EMAIL),
        ("contact_email", FieldType.EMAIL),
        ("mobile", FieldType.PHONE),
        ("Tel", FieldType.PHONE),
        ("given_name", FieldType.FIRST_NAME),
        ("fname", FieldType.FIRST_NAME),
        ("surname", FieldType.LAST_NAME),
        ("date_of_birth", FieldType.DATE),
        ("dob", FieldType.DATE),
        ("zip", FieldType.POSTCODE),
        ("address_1", FieldType.ADDRESS),
        ("suburb", FieldType.CITY),
        ("soc_sec_id", FieldType.EXACT),
        ("customer_id", FieldType.EXTERNAL_ID),
        ("Instagram Handle", FieldType.HANDLE),
        ("LinkedIn URL", FieldType.HANDLE),
        ("tiktok", FieldType.HANDLE),
        ("Snapchat Username", FieldType.HANDLE),
        ("bluesky", FieldType.HANDLE),
        ("instagram_email", FieldType.EMAIL),  # the last word that names a type decides
        # CRM exports: a known name of two words or more at the end
        ("Contact First Name", FieldType.FIRST_NAME),
        ("Customer Full Name", FieldType.FULL_NAME),
        ("Mailing Postal Code", FieldType.POSTCODE),
        ("Contact Date of Birth", FieldType.DATE),
        ("Billing Address Line 1", FieldType.ADDRESS),
        ("Company Name", None),  # one word alone ("name") is not enough
        ("Contact ID", FieldType.ID),  # the row's own id, as CRM exports name it
        ("company_id", None),  # "id" at the end is not enough: another thing's id
        ("contact_record_id", None),  # the id is found by name only
        # ...and columns about someone else than the record's person
        ("Owner Email", None),
        ("Contact Owner Phone", None),
        ("referred_by_email", None),
        # a nested object's value, named by its path (JSON lines: an event's traits)
        ("traits.email", FieldType.EMAIL),
        ("traits.firstName", FieldType.FIRST_NAME),
        ("traits.address.postalCode", FieldType.POSTCODE),
        ("company.name", None),  # another thing's name
        ("owner.email", None),
        ("traits.id", None),  # the record's id is a top-level key
        ("phone.home", FieldType.PHONE),  # a key that names nothing: its path names the type
        ("name.first", FieldType.FIRST_NAME),
        ("Tel.", FieldType.PHONE),  # a dot at the end is no path
        ("first_seen", None),
        ("notes", None),
        # columns about an email or phone, not one (Shopify's, Mailchimp's): yes/no had been rejects
        ("Accepts Email Marketing", None),
        ("Email Opt In", None),
        ("Phone Verified", None),
        ("Phone Type", None),
        ("Email Subscription Status", None),
        ("Marketing Email", FieldType.EMAIL),  # ends in the word: an address
        ("Unsubscribed from all email", None),  # HubSpot's, though it ends in the word
        ("Email hard bounce reason", None),
        ("LinkedIn Bio", None),
        ("Verified Phone", FieldType.PHONE),
        # a place word at the end (Shopify's "Default Address ..."), not another thing's address
        ("Default Address City", FieldType.CITY),
        ("Default Address Address1", FieldType.ADDRESS),
        ("Billing City", FieldType.CITY),
        ("Mailing Address", FieldType.ADDRESS),
        ("IP Address", None),
        ("Wallet Address", None),
        ("Company City", None),
        # the id a customer system gives the person: a system's name, and "id" at the end
        ("Salesforce ID", FieldType.EXTERNAL_ID),
        ("sfdc_id", FieldType.EXTERNAL_ID),
        ("hubspot_contact_id", FieldType.EXTERNAL_ID),
        ("Zendesk User ID", FieldType.EXTERNAL_ID),
        ("stripe_product_id", None),  # no person's
        ("Salesforce Account ID", None),  # a company's
        ("Salesforce Owner ID", None),  # the sales rep's
        # camelCase, as JSON and JavaScript name fields: read as its words when run together
        # they name nothing
        ("dateOfBirth", FieldType.DATE),
        ("customerId", FieldType.EXTERNAL_ID),
        ("streetAddress", FieldType.ADDRESS),
        ("addressLine1", FieldType.ADDRESS),
        ("mobileNumber", FieldType.PHONE),
        ("ZIPCode", FieldType.POSTCODE),
        ("instagramHandle", FieldType.HANDLE),
        ("traits.dateOfBirth", FieldType.DATE),
        ("contactId", FieldType.ID),
        ("firstName", FieldType.FIRST_NAME),  # a name of its own, as before
        ("TikTok", FieldType.HANDLE),  # a brand's capitals are one word
        ("YouTube", FieldType.HANDLE),
        ("companyName", None),  # the same rules as "Company Name"
        ("ownerEmail", None),
        ("ownerInfo.email", None),
        ("createdBy.email", None),  # the one who made the record, as APIs write it
        ("acceptsEmailMarketing", None),
        ("messageId", None),
    ],
)
def test_infer_field_type(column: str, expected: FieldType | None) -> None:
    assert infer_field_type(column) == expected


def test_explicit_field_map_wins_and_unknown_columns_are_ignored() -> None:
    rows = [
        {"id": 1, "mail": "a.person@example.org", "kind": "x", "nick": "ann"},
        {"id": 2, "mail": "a.person@example.org", "kind": "y", "nick": "ann"},
    ]
    r = Resolver(fields={"nick": "first_name", "kind": FieldType.IGNORE})
    res = r.resolve(rows)
    assert r.fields == {"nick": FieldType.FIRST_NAME}
    # "mail" is not in the explicit map, so the shared address cannot link them.
    assert res.profile_of["1"] != res.profile_of["2"]


def _resolve(rows: list[Any]) -> Any:
    return Resolver(fields={"name": "full_name", "email": "email", "phone": "phone"}, region="US").resolve(
        rows
    )


def test_bad_rows_are_reported_and_kept() -> None:
    huge = "x" * 1_000_000
    rows: list[Any] = [
        {"id": "ok", "name": "Ann Lee", "email": "ann.lee@gmail.com", "phone": "+1 415 555 2671"},
        {"id": "bad-email", "name": "Bob Ray", "email": "not an email", "phone": None},
        {"id": "bad-phone", "name": "Cy Doe", "email": None, "phone": "12"},
        {"id": "empty", "name": None, "email": "", "phone": "   "},
        {"id": "ok", "name": "Ann Lee", "email": "ann.lee@gmail.com"},  # duplicate id
        {"id": "wrong-type", "name": ["not", 1], "email": {"a": 1}, "phone": 4155552671},
        {"id": "bytes", "name": b"\xff\xfe Jos\xe9", "email": b"x@gmail.com"},
        {"id": "huge", "name": huge, "email": huge + "@x.com"},
        42,
        None,
        {"name": "No Id"},
    ]
    res = _resolve(rows)
    # Nothing lost: every row has a profile, the duplicate under a new id.
    assert len(res.profile_of) == len(rows)
    reasons = {(r.record_id, r.field): r.reason for r in res.rejects}
    assert reasons[("bad-email", "email")]
    assert reasons[("bad-phone", "phone")]
    assert "empty row" in reasons[("empty", None)]
    dup = [r for r in res.rejects if r.reason.startswith("duplicate id")]
    assert len(dup) == 1
    assert dup[0].record_id in res.profile_of
    assert any(
        r.record_id == "wrong-type" and r.field == "email" and "wrong type" in r.reason for r in res.rejects
    )
    assert any(r.record_id == "bytes" and r.field == "name" and "UTF-8" in r.reason for r in res.rejects)
    assert any(r.record_id == "huge" and "too long" in r.reason for r in res.rejects)
    whole_rows = [r for r in res.rejects if r.row_rejected]
    assert {type(r.value) for r in whole_rows if "wrong row type" in r.reason} == {int, type(None)}
    assert any(r.reason == "missing id" for r in res.rejects)
    # A huge value is reported, not copied into the message.
    assert all(len(r.reason) < 200 for r in res.rejects)
    # The duplicate of "ok" is the same person and joins its profile.
    assert res.profile_of["ok"] == res.profile_of[dup[0].record_id]
    # Valid bytes were decoded and used.
    assert "bytes" in res.profile_of


def test_integers_and_floats_are_read_as_text() -> None:
    rows = [
        {"id": 1, "name": "Ann Lee", "phone": 4155552671.0},
        {"id": 2.0, "name": "Ann Lee", "phone": "(415) 555-2671"},
    ]
    res = _resolve(rows)
    assert not res.rejects
    assert res.profile_of["1"] == res.profile_of["2"]


@pytest.mark.parametrize("kind", ["list", "generator", "arrow", "pandas"])
def test_no_records_is_an_empty_result(kind: str) -> None:
    """An empty input (an empty file, a filter that kept nothing) resolves to nothing, in every
    input form; it used to fail in the clustering's numpy grouping."""
    records: Any = []
    if kind == "generator":
        records = iter([])
    elif kind == "arrow":
        pa = pytest.importorskip("pyarrow")
        records = pa.table({"id": pa.array([], pa.string()), "email": pa.array([], pa.string())})
    elif kind == "pandas":
        pd = pytest.importorskip("pandas")
        records = pd.DataFrame({"id": [], "email": []})
    res = Resolver().resolve(records)
    assert res.profile_of == {}
    assert res.profiles == {}
    assert res.links == ()
    assert res.rejects == ()
    assert res.stats["records"] == 0
    graph = Resolver().fit([]).graph()
    assert graph.add({"id": "1", "email": "ann@example.org"}).created


def test_records_must_be_an_iterable_of_rows() -> None:
    with pytest.raises(TypeError, match="iterable of rows"):
        Resolver().resolve({"id": 1})


def test_pydantic_models_and_dataclasses_are_rows() -> None:
    import dataclasses

    from pydantic import BaseModel

    class Contact(BaseModel):
        id: str
        email: str

    @dataclasses.dataclass
    class Row:
        id: str
        email: str

    res = Resolver().resolve([Contact(id="a", email="zed.q@gmail.com"), Row(id="b", email="ZED.Q@gmail.com")])
    assert res.profile_of["a"] == res.profile_of["b"]
    assert res.links[0].reason == "email"


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 2, 0)])
def test_one_handle_text_in_columns_of_different_platforms(order: tuple[int, int, int]) -> None:
    """The same text is a different handle in a ``twitter``, an ``instagram`` and a generic
    column: the canonical-value cache once keyed it by text alone, so whichever column came
    first decided for all (``jdoe`` in the instagram column came out as ``x:jdoe``)."""
    rows = [
        {"id": "1", "twitter": "jdoe", "instagram": "jdoe"},
        {"id": "2", "handle": "jdoe"},
        {"id": "3", "instagram": "@JDoe"},
    ]
    fields = {"twitter": "handle", "instagram": "handle", "handle": "handle"}
    resolver = Resolver(id_field="id", fields=fields)
    resolver.resolve([rows[k] for k in order])
    assert resolver._last is not None
    handles = {rid: rec.handles for rid, rec in resolver._last[3].items()}
    assert handles == {
        "1": ("x:jdoe", "instagram:jdoe"),
        "2": ("any:jdoe",),
        "3": ("instagram:jdoe",),
    }
    graph = resolver.graph()
    for k in order:
        graph.add(rows[k])
    assert graph._recs[graph._index["1"]].handles == ("x:jdoe", "instagram:jdoe")


def test_a_platform_named_in_a_column_name_reads_its_bare_handles() -> None:
    """ "Instagram Handle" and "LinkedIn URL" were no column the run compared."""
    rows = [
        {"id": "1", "Instagram Handle": "@jane.doe", "LinkedIn URL": "https://www.linkedin.com/in/jane-doe/"},
        {"id": "2", "Instagram Handle": "Jane.Doe"},
        {"id": "3", "LinkedIn URL": "jane-doe"},
    ]
    resolver = Resolver(id_field="id")
    result = resolver.resolve(rows)
    assert len(set(result.profile_of.values())) == 1
    assert resolver._last is not None
    handles = {rid: rec.handles for rid, rec in resolver._last[3].items()}
    assert handles == {
        "1": ("instagram:jane.doe", "linkedin:jane-doe"),
        "2": ("instagram:jane.doe",),
        "3": ("linkedin:jane-doe",),
    }


def test_snapchat_threads_and_bluesky_columns() -> None:
    rows = [
        {"id": "1", "Snapchat Username": "jane_doe", "Threads": "@jane.doe"},
        {"id": "2", "Snapchat Username": "https://www.snapchat.com/add/Jane_Doe"},
        {"id": "3", "Bluesky": "jane.bsky.social", "Threads": "https://www.threads.net/@jane.doe"},
    ]
    resolver = Resolver(id_field="id")
    result = resolver.resolve(rows)
    assert not result.rejects
    assert len(set(result.profile_of.values())) == 1
    assert resolver._last is not None
    handles = {rid: rec.handles for rid, rec in resolver._last[3].items()}
    assert handles == {
        "1": ("snapchat:jane_doe", "threads:jane.doe"),
        "2": ("snapchat:jane_doe",),
        "3": ("threads:jane.doe", "bluesky:jane.bsky.social"),  # in the order of the columns
    }


@pytest.mark.parametrize("workers", [1, 2])
def test_the_value_cache_is_bounded_and_changes_nothing(
    workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An online graph meets new values for as long as it runs: the canonical-value cache
    starts over when full, and the records come out the same."""
    from omnilink.identity import _normalize
    from omnilink.identity._engine import Engine

    from ._data import contacts

    monkeypatch.setattr(_normalize, "_BATCH", 500)  # several helper batches
    rows = contacts(3000, seed=12)
    config = Resolver(id_field="id", region="US", region_field="country")._config(rows)

    def run(cache_max: int) -> tuple[list[Any], list[Any], set[str], int]:
        norm = Engine(config).normalizer()  # an engine each: its weak-value set is the normalizer's
        norm.workers = workers
        norm.cache_max = cache_max
        sizes: list[int] = []
        records = []
        for start in range(0, len(rows), 500):
            records += norm.normalize_all(rows[start : start + 500])
            sizes.append(len(norm._cache))
        return records, list(norm.rejects), set(norm.weak), max(sizes)

    free, free_rejects, free_weak, free_peak = run(10**9)
    small, small_rejects, small_weak, small_peak = run(700)
    assert free_peak > 5000
    assert small_peak <= 700
    assert small == free
    assert small_rejects == free_rejects
    assert small_weak == free_weak
    assert free_weak  # placeholders and role mailboxes were met


def test_every_field_type_lands_where_its_comparators_read_it() -> None:
    from omnilink.identity._normalize import Normalizer

    fields = {
        "email": FieldType.EMAIL,
        "phone": FieldType.PHONE,
        "handle": FieldType.HANDLE,
        "given": FieldType.FIRST_NAME,
        "family": FieldType.LAST_NAME,
        "name": FieldType.FULL_NAME,
        "crm_id": FieldType.EXTERNAL_ID,
        "dob": FieldType.DATE,
        "street": FieldType.ADDRESS,
        "town": FieldType.CITY,
        "zip": FieldType.POSTCODE,
        "state": FieldType.EXACT,
        "notes": FieldType.TEXT,
        "sfx": FieldType.NAME_SUFFIX,
    }
    # Every type a column can hold (id and ignore columns never reach normalize): a new type
    # must be placed here too.
    assert set(fields.values()) == set(FieldType) - {FieldType.ID, FieldType.IGNORE}
    norm = Normalizer(id_field="id", fields=fields, region="US", max_field_length=1000)
    rec = norm.normalize(
        {
            "id": "1",
            "email": ["Ann.Lee@Example.org", "ann.lee@example.org"],
            "phone": "(415) 555-2671",
            "handle": "https://x.com/annlee",
            "given": "ANN",
            "family": "Lee",
            "name": "Anna Maria Leigh",
            "crm_id": "C-17",
            "dob": "1980-02-29",
            "street": "1 Main St",
            "town": "San Francisco",
            "zip": "94105",
            "state": "CA",
            "notes": "VIP",
            "sfx": "Jr.",
        }
    )
    assert rec.emails == ("ann.lee@example.org",)
    assert rec.phones == ("+14155552671",)
    assert rec.handles == ("x:annlee",)
    assert (rec.first, rec.last) == ("ann", "lee")  # the own columns come first, the full name after
    assert rec.externals == (("crm_id", "C-17"),)
    assert set(rec.values) == {"dob", "street", "town", "zip", "state", "notes"}
    assert rec.values["dob"] == "19800229"
    assert rec.generation == "jr"  # not a value: nothing compares it, clustering reads it
    assert not norm.rejects


@pytest.mark.parametrize(
    ("text", "canon"),
    [
        ("Ann Lee \u2764\ufe0f", "ann lee"),  # was "ann lee heart": the last name "heart"
        ("Ann \U0001f338", "ann"),  # was "ann cherry blossom"
        ("John Smith \U0001f468\u200d\U0001f469\u200d\U0001f467", "john smith"),
        ("Jos\u00e9 Garc\u00eda \U0001f1ea\U0001f1f8", "jose garcia"),  # a flag
        ("Ann\u2122 Lee\u00ae", "ann lee"),  # was "anntm r"
        ("Ann\u00adMarie Lee", "annmarie lee"),  # a soft hyphen joins
        ("\U0001f338\U0001f338", None),
    ],
)
def test_symbols_and_emoji_are_no_letters(text: str, canon: str | None) -> None:
    """Messaging apps' display names carry emoji, which transliteration had spelled out."""
    assert norm_name(text) == canon


def test_an_emoji_in_a_display_name_does_not_make_a_surname() -> None:
    rows = [
        {"id": "wa", "name": "Ann Lee \u2764\ufe0f", "phone": "+1 415 555 2671"},
        {"id": "crm", "name": "Ann Lee", "phone": "+1 415 555 2671", "email": "ann.lee@example.net"},
    ]
    resolver = Resolver(region="US")
    assert len(set(resolver.resolve(rows).profile_of.values())) == 1
    (last,) = [e for e in resolver.explain("wa", "crm").evidence if e.comparator == "last_name"]
    assert (last.value_a, last.level) == ("lee", "exact")


def test_names_in_other_scripts_are_compared_not_dropped() -> None:
    """A name in Cyrillic, Greek or CJK had no letters a-z left and was dropped (None) without a
    reject; it is transliterated, so it is compared, with its Latin spelling too."""
    rows = [
        {"id": "ru", "first_name": "Иван", "last_name": "Петров", "phone": "+7 912 804 2271"},
        {"id": "en", "first_name": "Ivan", "last_name": "Petrov", "phone": "+7 912 804 2271"},
        {"id": "zh", "first_name": "伟", "last_name": "王", "city": "北京"},
        {"id": "el", "first_name": "Γιώργος", "last_name": "Παπαδόπουλος"},
    ]
    resolver = Resolver(region="RU")
    res = resolver.resolve(rows)
    assert not res.rejects
    assert res.profile_of["ru"] == res.profile_of["en"]
    names = {e.comparator: (e.value_a, e.level) for e in resolver.explain("ru", "en").evidence}
    assert names["first_name"] == ("ivan", "exact")
    assert names["last_name"] == ("petrov", "exact")
    shown = {e.comparator: e.value_a for e in resolver.explain("zh", "el").evidence}
    assert shown["first_name"] == "wei"
    assert shown["city"] == "beijing"


@pytest.mark.parametrize(
    ("greek", "latin"),
    [
        ("Παπαδόπουλος", "papadopoulos"),  # letter by letter it was "papadopoylos"
        ("ΠΑΠΑΔΟΠΟΥΛΟΣ", "papadopoulos"),
        ("Ευάγγελος", "evangelos"),  # before a voiced consonant; a double gamma
        ("Ευθύμιος", "efthymios"),  # before a voiceless one
        ("Σταύρου", "stavrou"),
        ("Αγγελική", "angeliki"),
        ("Ντίνος", "dinos"),  # nu-tau and mu-pi begin a name as d and b
        ("Μπάμπης", "bampis"),
        ("Κοντός", "kontos"),  # ...and are nt and mp inside it
        ("Γιώργος", "giorgos"),
    ],
)
def test_greek_names_read_as_their_latin_spelling(greek: str, latin: str) -> None:
    """ELOT 743, as Greek passports write names: a CRM's "Ευάγγελος Παπαδόπουλος" is the
    "Evangelos Papadopoulos" of a chat, where letter by letter it was "eyaggelos papadopoylos"."""
    assert norm_name(greek) == latin


def test_a_greek_name_and_its_latin_spelling_agree() -> None:
    rows = [
        {"id": "el", "first_name": "Ευάγγελος", "last_name": "Παπαδόπουλος", "city": "Αθήνα"},
        {"id": "en", "first_name": "Evangelos", "last_name": "Papadopoulos", "city": "Athina"},
    ]
    resolver = Resolver(region="GR")
    resolver.resolve(rows)
    levels = {e.comparator: e.level for e in resolver.explain("el", "en").evidence}
    assert levels["first_name"] == levels["last_name"] == "exact"


def test_numpy_scalars_and_pandas_missing_markers_are_values() -> None:
    np = pytest.importorskip("numpy")
    pd = pytest.importorskip("pandas")
    rows = [
        {"id": np.int64(5), "name": "Ann Lee", "email": pd.NA, "phone": np.float64(4155552671.0)},
        {"id": np.int32(6), "name": "Ann Lee", "email": pd.NaT, "phone": np.int64(4155552671)},
        {"id": pd.NA, "name": "Ann Lee", "email": None, "phone": None},
    ]
    res = _resolve(rows)
    # numpy's int64 was a "wrong id type" (the record renamed #0), pd.NA a "wrong type" value and
    # pd.NaT an e-mail "syntax" error; only the missing id of the third row is a reject now.
    assert [(r.record_id, r.field, r.reason) for r in res.rejects] == [("#2", "id", "missing id")]
    assert res.profile_of["5"] == res.profile_of["6"]


def test_a_set_of_values_resolves_alike_in_every_process() -> None:
    """A cell holding a set was read in the set's order, which follows string hashes, which
    change per process: which of a record's e-mails named it, and so its links, did too."""
    import subprocess
    import sys

    script = (
        "from omnilink.identity import Resolver\n"
        "rows = [{'id': '1', 'first_name': 'Mary', 'last_name': 'Smith', 'email': 'msmith@yahoo.com'},\n"
        "        {'id': '2', 'first_name': 'John', 'last_name': 'Smith', 'email': 'jsmith@gmail.com'},\n"
        "        {'id': '3', 'last_name': 'Smith', 'email': {'jsmith@gmail.com', 'msmith@yahoo.com'}}]\n"
        "print(sorted(map(sorted, Resolver().resolve(rows).clusters)))\n"
    )
    outs = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**__import__("os").environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in range(6)
    }
    assert len(outs) == 1, outs


def test_namedtuple_rows_resolve_as_dicts() -> None:
    from collections import namedtuple

    Row = namedtuple("Row", ["id", "first_name", "email"])
    rows = [Row("1", "Al", "al.jones@gmail.com"), Row("2", "Al", "al.jones@gmail.com")]
    res = Resolver().resolve(rows)  # as DataFrame.itertuples(index=False) gives them
    assert not res.rejects  # the columns were not inferred: every row was an "empty row"
    assert res.profile_of["1"] == res.profile_of["2"]


def test_explain_of_an_unknown_id_is_a_key_error() -> None:
    resolver = Resolver()
    resolver.resolve([{"id": "a", "email": "al.jones@gmail.com"}, {"id": 3, "email": "x.y@gmail.com"}])
    with pytest.raises(KeyError, match="no record 'nope' in the last run"):
        resolver.explain("nope", "a")  # was the evidence against an empty record
    assert resolver.explain(3.0, "a").a == "3"  # ids as the run read them


def test_one_exclusive_column_may_be_given_bare() -> None:
    resolver = Resolver(exclusive="crm_id")
    resolver.resolve([{"id": "1", "crm_id": "C1", "email": "al.jones@gmail.com"}])
    assert resolver.fields is not None
    assert set(resolver.fields) == {"crm_id", "email"}  # not the columns c, r, m, _, i, d


def test_uk_is_read_as_gb_and_an_unknown_default_region_is_refused() -> None:
    rows = [
        {"id": "1", "name": "Ann Lee", "phone": "020 7946 0958", "country": "UK"},
        {"id": "2", "name": "Ann Lee", "phone": "+44 20 7946 0958", "country": "uk"},
    ]
    res = Resolver(region="US").resolve(rows)
    assert not res.rejects  # "UK" was an invalid_region reject for the row's phone
    assert res.profile_of["1"] == res.profile_of["2"]
    res = Resolver(region="UK").resolve([{k: v for k, v in r.items() if k != "country"} for r in rows])
    assert not res.rejects
    with pytest.raises(ConfigurationError, match="'XX' is not a phone region"):
        Resolver(region="XX")  # every national number would have been an invalid_region reject


def test_a_field_map_that_names_none_of_the_columns_is_refused() -> None:
    """Every row would have been an "empty row" reject: a typo in fields=, or a fitted resolver
    given another export, is a configuration mistake, not bad rows."""
    rows = [{"id": "1", "email": "al.jones@gmail.com"}, {"id": "2", "email": "al.jones@gmail.com"}]
    with pytest.raises(ConfigurationError, match=r"\(mail\) is in the data, whose columns are: email"):
        Resolver(fields={"mail": "email"}).resolve(rows)
    fitted = Resolver().fit(rows)
    with pytest.raises(ConfigurationError, match="none of the columns the resolver compares"):
        fitted.resolve([{"id": "3", "mail": "al.jones@gmail.com"}])
    with pytest.raises(ConfigurationError, match=r"no column of the data .*\(foo, bar\)"):
        Resolver().resolve([{"id": "1", "foo": "x", "bar": "y"}])
    # Rows with some columns missing, or with nothing but an id, are bad rows as before.
    assert Resolver(fields={"email": "email", "tel": "phone"}).resolve(rows).links
    assert [r.reason for r in Resolver().resolve([{"id": "1"}]).rejects] == ["empty row: no usable value"]


def _late_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {"id": f"f{i}", "first_name": f"N{i}x", "email": f"user{i}.q@gmail.com"} for i in range(1000)
    ]
    rows += [
        {"id": "a", "first_name": "John", "last_name": "Smith", "phone": "+1 415 555 2671"},
        {"id": "b", "first_name": "John", "last_name": "Smith", "phone": "+1 415 555 2671"},
    ]
    return rows


def test_columns_of_a_list_are_read_off_all_its_rows() -> None:
    """The columns were inferred from the first 1,000 rows only: a phone column that came later
    was neither compared nor reported."""
    res = Resolver().resolve(_late_rows())
    assert res.profile_of["a"] == res.profile_of["b"]
    assert res.stats["late_columns"] == []


def test_columns_an_iterator_brings_late_are_reported(caplog: pytest.LogCaptureFixture) -> None:
    rows = _late_rows()
    rows[-1]["notes"] = "untyped: not worth a word"
    with caplog.at_level("WARNING", logger="omnilink.identity._resolver"):
        res = Resolver().resolve(iter(rows))
    assert res.stats["late_columns"] == ["last_name", "phone"]
    assert "columns last_name, phone first came after the first 1,000 rows" in caplog.text
    assert "Pass fields=" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="omnilink.identity._resolver"):
        named = Resolver(fields={"first_name": "first_name", "last_name": "last_name", "phone": "phone"})
        res = named.resolve(iter(rows))
    assert res.profile_of["a"] == res.profile_of["b"]
    assert res.stats["late_columns"] == []
    assert not caplog.text


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (["contact_id", "email", "id"], "id"),  # the name that says "id" alone wins
        (["Record ID", "email", "Contact ID"], "Record ID"),
        (["key", "email", "uuid"], "uuid"),
        (["email", "name"], "id"),  # none: the default, which the rows then lack
    ],
)
def test_the_resolver_takes_the_column_most_named_like_an_id(columns: list[str], expected: str) -> None:
    rows = [dict.fromkeys(columns, "x") | {"email": f"p{k}@acme.io"} for k in range(2)]
    for k, row in enumerate(rows):
        for column in columns:
            if column != "email":
                row[column] = f"{column}-{k}"
    result = Resolver().resolve(rows)
    assert result.rejects == ()
    if expected in columns:
        assert set(result.profile_of) == {f"{expected}-0", f"{expected}-1"}
        assert result.stats["id_field"] == expected
    else:  # no id column: each record is known by its position, which is no reject
        assert set(result.profile_of) == {"#0", "#1"}
        assert result.stats["id_field"] is None


def test_rows_without_an_id_column_are_known_by_position_without_a_reject_each(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Rows with no id column had each been a "missing id" reject: a frame of a million rows
    gave a million rejects, among which the real ones were lost."""
    rows = [{"email": "ann@acme.io"}, {"email": "ANN@acme.io", "phone": "bad"}, {"email": "bob@acme.io"}]
    result = Resolver(region="US").resolve(iter(rows))
    assert result.profile_of["#0"] == result.profile_of["#1"] != result.profile_of["#2"]
    assert [(r.record_id, r.field) for r in result.rejects] == [("#1", "phone")]  # the real one
    assert "no id column" in caplog.text
    assert "id_field=" in caplog.text
    # A column of ids that some rows lack: those rows are rejects, as before.
    result = Resolver().resolve([{"id": "a", "email": "ann@acme.io"}, {"email": "bob@acme.io"}])
    assert [(r.record_id, r.reason) for r in result.rejects] == [("#1", "missing id")]
    # So is every row when the id column is named and missing (a typo should be heard).
    result = Resolver(id_field="cid").resolve(rows)
    assert {r.reason for r in result.rejects if r.field == "cid"} == {"missing id"}


def test_a_field_map_still_finds_the_id_column_by_its_name() -> None:
    """fields= says what to compare; the id column is read off the names all the same, unless
    the map types that column otherwise (here "key" is a code to compare)."""
    rows = [
        {"Record ID": "r1", "Mail": "ann@acme.io", "key": "K-1"},
        {"Record ID": "r2", "Mail": "ANN@acme.io", "key": "K-2"},
    ]
    result = Resolver(fields={"Mail": "email"}).resolve(rows)
    assert set(result.profile_of) == {"r1", "r2"}
    assert result.stats["id_field"] == "Record ID"
    rows = [{"key": "k1", "Mail": "ann@acme.io"}, {"key": "k2", "Mail": "bob@acme.io"}]
    result = Resolver(fields={"Mail": "email", "key": "exact"}).resolve(rows)
    assert set(result.profile_of) == {"#0", "#1"}
    assert result.stats["id_field"] is None


def test_a_whatsapp_handle_is_its_phone_number_in_batch_and_online() -> None:
    """A wa.me link in a handle column is a phone number: it had been a handle only, which no
    record's phone column could meet, so a customer's WhatsApp contact and CRM row stayed two."""
    rows = [
        {"id": "wa", "name": "Ann Lee", "handle": "https://wa.me/14155552671"},
        {"id": "crm", "name": "Ann Lee", "phone": "(415) 555-2671"},
        {"id": "ig", "name": "Ann Lee", "handle": "instagram.com/annlee"},  # not a number
        {"id": "fake", "name": "Bo Chen", "handle": "wa.me/14155550100"},
    ]
    resolver = Resolver(region="US")
    result = resolver.resolve(rows)
    assert result.profile_of["wa"] == result.profile_of["crm"] != result.profile_of["ig"]
    (phone,) = [e for e in resolver.explain("wa", "crm").evidence if e.comparator == "phone"]
    assert (phone.value_a, phone.level) == ("+14155552671", "exact")
    graph = resolver.graph()
    graph.add_many(rows)
    assert set(graph.clusters) == set(result.clusters)
    assert graph.lookup("+1 415 555 2671") == (graph.profile_of("wa"),)
    assert graph.lookup("+1 415 555 0100") == ()  # a placeholder number, from a handle too


@pytest.mark.parametrize(
    ("column", "masked"),
    [
        ("email", "j***@gmail.com"),
        ("email", "j\u2022\u2022\u2022@gmail.com"),
        ("phone", "(***) ***-2671"),
        ("phone", "415-555-XXXX"),
        ("ssn", "***-**-6789"),
        ("ssn", "XXX-XX-6789"),
        ("customer_id", "cus_****1234"),
    ],
)
def test_a_masked_value_is_a_reject_not_an_identifier(column: str, masked: str) -> None:
    """Exports of personal data mask it. Read as a value, two John Smiths whose addresses were
    masked to j***@gmail.com were one person (the same "address"), and a masked SSN's last
    digits were an SSN "different" from the whole one."""
    rows = [
        {"id": "a", "name": "John Smith", column: masked},
        {"id": "b", "name": "John Smith", column: masked},
    ]
    result = Resolver(region="US").resolve(rows)
    assert result.profile_of["a"] != result.profile_of["b"]
    assert [(j.record_id, j.field, j.reason) for j in result.rejects] == [
        ("a", column, "masked"),
        ("b", column, "masked"),
    ]


@pytest.mark.parametrize(
    ("column", "value"),
    [("email", "maxxx@example.com"), ("phone", "+1 415 555 2671 x123"), ("ssn", "ABX-123")],
)
def test_values_with_an_x_are_not_masked(column: str, value: str) -> None:
    result = Resolver(region="US").resolve([{"id": "a", "name": "Max Xu", column: value}])
    assert not result.rejects


def test_an_email_or_phone_field_links_by_what_it_holds() -> None:
    """Sign-up forms ask for an "Email or phone". A number in an email column had been a
    `syntax` reject, and an address in a column named "Email or Phone" (a phone column, by its
    last word) an `invalid_number` one: the record lost the evidence."""
    rows = [
        {"id": "a", "name": "Ann Lee", "email": "(415) 555-2671"},
        {"id": "b", "name": "Ann Lee", "phone": "+1 415 555 2671"},
        {"id": "c", "name": "Bo Chen", "Email or Phone": "bo.chen@gmail.com"},
        {"id": "d", "name": "Bo Chen", "email": "Bo.Chen@gmail.com"},
        {"id": "e", "name": "Cy Diaz", "email": "12345"},  # neither: the address's error
    ]
    resolver = Resolver(region="US")
    result = resolver.resolve(rows)
    p = result.profile_of
    assert p["a"] == p["b"] != p["c"] == p["d"]
    assert [(j.record_id, j.reason) for j in result.rejects] == [("e", "syntax")]
    assert resolver.explain("a", "b").deterministic == "phone"
    graph = resolver.graph()
    graph.add_many(rows)
    assert set(graph.clusters) == set(result.clusters)


def test_a_number_in_an_email_column_is_read_in_its_rows_region() -> None:
    """The number was read in the default region whatever the row's country: a British
    "07950 879227" in a US-default run was a `syntax` reject and linked nothing, and the first
    row's reading was cached for every later row with the same text."""
    rows = [
        {"id": "a", "name": "Ann Lee", "country": "GB", "email": "07950 879227"},
        {"id": "b", "name": "Ann Lee", "country": "GB", "phone": "+44 7950 879227"},
        {"id": "c", "name": "Bo Chen", "country": "US", "email": "07950 879227"},
        {"id": "d", "name": "Cy Diaz", "country": "US", "email": "(415) 555-2671"},
        {"id": "e", "name": "Cy Diaz", "country": "GB", "phone": "+1 415 555 2671"},
    ]
    resolver = Resolver(region="US", region_field="country")
    result = resolver.resolve(rows)
    p = result.profile_of
    assert p["a"] == p["b"] != p["c"]
    assert p["d"] == p["e"]
    assert [(j.record_id, j.field, j.reason) for j in result.rejects] == [("c", "email", "syntax")]
    assert resolver.explain("a", "b").deterministic == "phone"
    for order in (rows, rows[::-1]):  # one record at a time, either row first
        graph = resolver.graph()
        graph.add_many(order)
        assert set(graph.clusters) == set(result.clusters)
        assert [j.record_id for j in graph.rejects] == ["c"]


def test_a_salesforce_id_is_one_id_in_its_15_and_18_character_forms() -> None:
    """Salesforce reports give a record's id in 15 characters, its API and Data Loader in 18,
    and a spreadsheet may change the case of those: one contact's three ids were three values,
    and as an exclusive column, three people who could never be one profile."""
    rows = [
        {"id": "a", "name": "Ann Lee", "Salesforce ID": "0019000000B98de"},  # a report's
        {"id": "b", "name": "Ann Lee", "Salesforce ID": "0019000000B98deAAB"},  # the API's
        {"id": "c", "name": "Ann Lee", "Salesforce ID": "0019000000B98DEAAB"},  # upper-cased
        {"id": "d", "name": "Ann Lee", "Salesforce ID": "0019000000B98dE"},  # another record
        {"id": "e", "name": "Bo Chen", "external_id": "salesforce:a0D30000001n7Pi"},
        {"id": "f", "name": "Bo Chen", "external_id": "SALESFORCE:A0D30000001N7PIEAI"},
        # not a Salesforce column: the same text is kept as written
        {"id": "g", "name": "Cy Diaz", "crm_id": "0019000000B98de"},
        {"id": "h", "name": "Cy Diaz", "crm_id": "0019000000B98deAAB"},
    ]
    resolver = Resolver(region="US", exclusive=("Salesforce ID",))
    result = resolver.resolve(rows)
    p = result.profile_of
    assert p["a"] == p["b"] == p["c"] != p["d"]
    assert p["e"] == p["f"]
    assert p["g"] != p["h"]
    assert not result.rejects
    assert resolver.explain("a", "c").deterministic == "external_id:Salesforce ID"
    graph = resolver.graph()
    graph.add_many(rows)
    assert set(graph.clusters) == set(result.clusters)


def test_camel_case_columns_are_read_as_their_words() -> None:
    """A JSON export names its fields in camelCase. `dateOfBirth`, `customerId` and
    `countryCode` named nothing run together: the birth date and the id were not compared, and
    the phones were read in the default region instead of each row's country."""
    rows = [
        {
            "contactId": "a",
            "fullName": "Ann Lee",
            "phoneNumber": "07911 123456",
            "countryCode": "GB",
            "dateOfBirth": "1990-04-01",
            "customerId": "C-1",
        },
        {
            "contactId": "b",
            "fullName": "Ann Lee",
            "phoneNumber": "+44 7911 123456",
            "countryCode": "GB",
            "dateOfBirth": "1990-04-01",
            "customerId": "C-1",
        },
    ]
    resolver = Resolver(region="US")
    result = resolver.resolve(rows)
    assert result.profile_of["a"] == result.profile_of["b"]
    assert not result.rejects  # 07911 123456 read as British: countryCode is the region column
    assert resolver.fields == {
        "fullName": FieldType.FULL_NAME,
        "phoneNumber": FieldType.PHONE,
        "countryCode": FieldType.EXACT,  # compared too: the table's one country column
        "dateOfBirth": FieldType.DATE,
        "customerId": FieldType.EXTERNAL_ID,
    }
    explained = resolver.explain("a", "b")
    assert explained.deterministic in ("phone", "external_id:customerId")


@pytest.mark.parametrize(
    "column", ["Mailing Country", "Country Code", "Country/Region", "countryCode", "nationality"]
)
def test_a_country_is_compared_whatever_its_columns_name(column: str) -> None:
    """Only a column named "country" had been compared: a Salesforce export's "Mailing
    Country", Shopify's "Country Code" and HubSpot's "Country/Region" were the rows' phone
    region and nothing more, so two namesakes in two countries had no evidence apart."""
    rows = [
        {"id": "a", "name": "Ann Lee", column: "United Kingdom", "email": "ann.lee@gmail.com"},
        {"id": "b", "name": "Ann Lee", column: "GB"},
        {"id": "c", "name": "Ann Lee", column: "United States"},
    ]
    resolver = Resolver(region="US")
    resolver.resolve(rows)
    assert resolver.fields is not None
    assert resolver.fields[column] is FieldType.EXACT

    def level(a: str, b: str) -> str:
        (ev,) = [e for e in resolver.explain(a, b).evidence if e.comparator == column]
        return ev.level

    assert level("a", "b") == "exact"  # one country, named two ways
    assert level("a", "c") == "different"


def test_only_one_country_column_is_compared() -> None:
    # A country and its code, or a mailing and an "other" country: one agreement, not two.
    columns = ["id", "name", "country", "country_code", "billing_country"]
    assert resolve_field_map(columns, None, id_field=None)[1] == {
        "name": FieldType.FULL_NAME,
        "country": FieldType.EXACT,
    }
    columns = ["id", "name", "MailingCountry", "OtherCountry"]
    assert resolve_field_map(columns, None, id_field=None)[1] == {
        "name": FieldType.FULL_NAME,
        "MailingCountry": FieldType.EXACT,
    }
