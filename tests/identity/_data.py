"""Generated contacts and their candidate pairs, shared by the identity performance tests."""

from __future__ import annotations

from typing import Any

from benchmarks.contactgen import generate, iter_records

from omnilink.identity import Resolver, _pairs
from omnilink.identity._blocking import record_keys
from omnilink.identity._engine import Engine
from omnilink.identity._resolver import _Prepared


def contacts(n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` generated contact rows with string ids and no ground truth column."""
    data = generate(n, seed=seed)
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
