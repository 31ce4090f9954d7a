"""The contact data with one full-name column instead of first and last names.

``python -m benchmarks.fullnames [-n 200000] [--seed 1]`` rewrites the generated contacts
(:mod:`benchmarks.contactgen`) the way many CRM exports hold names: one ``name`` column. A
third of the people have a middle name, written in half of their records; Spanish and Mexican
people have a second surname, written in half of theirs ("María García López" and "María
García"). It resolves both forms of the same rows and prints precision, recall and F1 for
each, and the recall among the Spanish-speaking records, where the compound surnames are.

This measures how much a full-name column costs against separate name columns, and what the
middle words (``NormRecord.middle``) recover; it has no peer, as the issue's targets are
measured on the first/last-name data (``python -m benchmarks``).
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Sequence
from typing import Any

from benchmarks.contactgen import generate, iter_records
from benchmarks.metrics import Scores, cluster_scores

__all__ = ["full_name_rows", "main"]

SECOND_SURNAMES = ("López", "Pérez", "Sánchez", "Gómez", "Ruiz", "Díaz", "Moreno", "Muñoz", "Álvarez")
MIDDLE_NAMES = ("Michael", "Ann", "Lee", "Marie", "James", "Rose", "J.", "Carlos")
SPANISH = frozenset({"ES", "MX"})


def full_name_rows(rows: list[dict[str, Any]], seed: int = 7) -> list[dict[str, Any]]:
    """``rows`` (with ``entity_id``, ``first_name``, ``last_name``) with a ``name`` column
    instead of the two name columns: per person, maybe a middle name and (Spanish-speaking)
    a second surname, each written in about half of the person's records (a middle name only
    after a first name)."""
    rng = random.Random(seed)  # test data, not security
    second: dict[Any, str | None] = {}
    middle: dict[Any, str | None] = {}
    out = []
    for r in rows:
        person = r["entity_id"]
        if person not in second:
            second[person] = rng.choice(SECOND_SURNAMES) if r.get("country") in SPANISH else None
            middle[person] = rng.choice(MIDDLE_NAMES) if rng.random() < 1 / 3 else None
        first, last = r.get("first_name"), r.get("last_name")
        words = [first] if first else []
        if first and middle[person] and rng.random() < 0.5:
            words.append(middle[person])
        if last:
            words.append(last)
            if second[person] and rng.random() < 0.5:
                words.append(second[person])
        row = {k: v for k, v in r.items() if k not in ("first_name", "last_name")}
        row["name"] = " ".join(w for w in words if w) or None
        out.append(row)
    return out


def _resolve(rows: list[dict[str, Any]]) -> tuple[dict[str, str], float]:
    from omnilink.identity import Resolver

    resolver = Resolver(id_field="id", region="US", region_field="country")
    records = [{k: v for k, v in r.items() if k != "entity_id"} for r in rows]
    t0 = time.perf_counter()
    result = resolver.resolve(records)
    return dict(result.profile_of), time.perf_counter() - t0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.fullnames", description="Contacts with a full-name column."
    )
    parser.add_argument("-n", type=int, default=200_000, help="number of records (default 200000)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rows = list(iter_records(generate(args.n, seed=args.seed)))
    for r in rows:
        r["id"] = str(r["id"])
    truth = {r["id"]: r["entity_id"] for r in rows}
    spanish = {r["id"] for r in rows if r.get("country") in SPANISH}
    print(f"{args.n:,} contacts (seed {args.seed}), {len(spanish):,} of them Spanish-speaking")
    print("| names | wall s | precision | recall | F1 | recall, ES/MX records |")
    print("|---|---|---|---|---|---|")
    for label, form in (("first_name + last_name", rows), ("name (full name)", full_name_rows(rows))):
        profile_of, wall = _resolve(form)
        every: Scores = cluster_scores(profile_of, truth)
        es: Scores = cluster_scores({k: profile_of[k] for k in spanish}, {k: truth[k] for k in spanish})
        print(
            f"| {label} | {wall:.2f} | {every.precision:.4f} | {every.recall:.4f} | {every.f1:.4f} "
            f"| {es.recall:.4f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
