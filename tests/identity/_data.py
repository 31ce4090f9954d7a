"""Generated contacts and their candidate pairs, shared by the identity performance tests."""

from __future__ import annotations

import random
from typing import Any

from benchmarks.contactgen import NOISE, Noise, generate, iter_records

from omnilink.identity import FieldType, Resolver, _pairs
from omnilink.identity._blocking import record_keys
from omnilink.identity._engine import Engine
from omnilink.identity._normalize import Normalizer, NormRecord
from omnilink.identity._resolver import _Prepared


def contacts(n: int, seed: int, *, noise: Noise = NOISE) -> list[dict[str, Any]]:
    """``n`` generated contact rows with string ids and no ground truth column."""
    data = generate(n, seed=seed, noise=noise)
    del data["entity_id"]
    data["id"] = [str(i) for i in data["id"]]
    return list(iter_records(data))


def candidate_arrays(rows: list[dict[str, Any]]) -> tuple[Engine, _Prepared, Any, Any]:
    """The engine, the prepared records and the candidate pairs ``(i, j)`` of ``rows``, as the
    batch resolver builds them for contact data (``max_block=100``)."""
    resolver = Resolver(id_field="id", region="US", region_field="country")
    engine = Engine(resolver._config(rows))
    prep = _Prepared(engine, rows)
    keys = [record_keys(engine.rules, r) for r in prep.records]
    i_arr, j_arr, _ = _pairs.candidate_pair_arrays(keys, max_block=100)
    return engine, prep, i_arr, j_arr


FIELDS = {
    "country": FieldType.EXACT,
    "ssn": FieldType.EXACT,
    "first_name": FieldType.FIRST_NAME,
    "last_name": FieldType.LAST_NAME,
    "name": FieldType.FULL_NAME,
    "email": FieldType.EMAIL,
    "phone": FieldType.PHONE,
    "handle": FieldType.HANDLE,
    "twitter": FieldType.HANDLE,
    "crm_id": FieldType.EXTERNAL_ID,
    "dob": FieldType.DATE,
    "signup": FieldType.DATE,
    "city": FieldType.CITY,
    "postcode": FieldType.POSTCODE,
    "zip": FieldType.POSTCODE,
    "street": FieldType.ADDRESS,
    "street2": FieldType.ADDRESS,
}


_MIDDLE_WORDS = (
    "María García López",
    "Maria Garcia",
    "Ana García Pérez",
    "John Michael Smith",
    "Smith, Chuck Reyes",
)
"""Full names with middle words: a compound surname, its first half, a sister's, a middle name."""


def messy_records(n: int, seed: int, fields: dict[str, FieldType]) -> list[NormRecord]:
    """Generated contacts with every column a rule reads, and the odd cases the rules treat apart:
    nicknames whose formal names block too, handles on two platforms, several emails, records
    with one name or none, full names with middle words, empty rows."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = contacts(n, seed=seed)
    for k, row in enumerate(rows):
        row["ssn"] = rng.choice([None, "12", f"{rng.randrange(400):07d}"])
        row["name"] = rng.choice([None, None, "Smith, Chuck", "Bob Jones", "Madonna", *_MIDDLE_WORDS])
        if row["name"] in _MIDDLE_WORDS and rng.random() < 0.5:
            row["last_name"] = None  # the full name gives the last name, and its middle words
        row["twitter"] = rng.choice([None, row.get("handle"), "emilymoore", "bob"])
        row["crm_id"] = rng.choice([None, None, f"c{rng.randrange(300)}"])
        row["signup"] = rng.choice([None, row.get("dob"), "2020-01-01"])
        row["zip"] = rng.choice([None, row.get("postcode"), "10001"])
        row["street"] = rng.choice([None, "12 High Street", "3 Low Road", "12"])
        row["street2"] = rng.choice([None, None, "Flat 2"])
        if rng.random() < 0.05:
            row["email"] = [row.get("email") or "a.b@example.com", f"x{k % 50}@example.com"]
        if rng.random() < 0.03:
            row["first_name"] = rng.choice(["Chuck", "Bill", "Peggy", "Bob"])
        if rng.random() < 0.02:
            for c in fields:
                row[c] = None
    norm = Normalizer(id_field="id", fields=fields, region="US", region_field="country", max_field_length=200)
    return norm.normalize_all(rows)
