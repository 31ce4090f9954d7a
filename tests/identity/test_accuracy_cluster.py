"""The cluster-level check made before one link joins two groups of two or more records."""

from __future__ import annotations

from typing import Any

from omnilink.identity import Resolver
from omnilink.identity._engine import Engine
from omnilink.identity._model import FSModel
from omnilink.identity._normalize import NormRecord

FIELDS = {
    "first_name": "first_name",
    "last_name": "last_name",
    "email": "email",
    "phone": "phone",
    "dob": "date",
    "zip": "postcode",
}


def bound_engine() -> tuple[Engine, Any]:
    cfg = Resolver(fields=FIELDS, region="US")._config([{"id": "x", **dict.fromkeys(FIELDS, "")}])
    engine = Engine(cfg)
    engine.bind(FSModel.default(engine.comparators, cfg.threshold))
    return engine, engine.normalizer()


def recs(norm: Any, rows: list[dict[str, str]]) -> list[NormRecord]:
    return [norm.normalize(r) for r in rows]


def test_groups_with_different_birth_dates_stay_apart_even_when_bridged() -> None:
    # A father and son share the household phone: each has two records with his own birth date.
    engine, norm = bound_engine()
    father = recs(
        norm,
        [
            {
                "id": "f1",
                "first_name": "John",
                "last_name": "Ray",
                "dob": "1961-03-02",
                "phone": "+12125550188",
            },
            {"id": "f2", "first_name": "John", "last_name": "Ray", "dob": "1961-03-02", "zip": "10001"},
        ],
    )
    son = recs(
        norm,
        [
            {
                "id": "s1",
                "first_name": "Jon",
                "last_name": "Ray",
                "dob": "1990-11-20",
                "phone": "+12125550188",
            },
            {"id": "s2", "first_name": "Jon", "last_name": "Ray", "dob": "1990-11-20", "zip": "10001"},
        ],
    )
    assert not engine.clusters_agree(father, son)
    # A typo'd or swapped birth date is not a contradiction.
    son_typo = recs(
        norm,
        [
            {**r, "dob": "1961-02-03"}
            for r in (
                {"id": "t1", "first_name": "John", "last_name": "Ray", "phone": "+12125550188"},
                {"id": "t2", "first_name": "John", "last_name": "Ray", "zip": "10001"},
            )
        ],
    )
    assert engine.clusters_agree(father, son_typo)


def test_groups_without_a_shared_identifier_need_agreeing_members() -> None:
    # Two Ann Lees in one postcode, each with her own email: no member of one agrees with the other.
    engine, norm = bound_engine()
    ann1 = recs(
        norm,
        [
            {
                "id": "a1",
                "first_name": "Ann",
                "last_name": "Lee",
                "email": "ann.lee@gmail.com",
                "zip": "10001",
            },
            {"id": "a2", "first_name": "Ann", "last_name": "Lee", "email": "ann.lee@gmail.com"},
        ],
    )
    ann2 = recs(
        norm,
        [
            {
                "id": "b1",
                "first_name": "Anne",
                "last_name": "Lee",
                "email": "annie77@yahoo.com",
                "zip": "10001",
            },
            {"id": "b2", "first_name": "Anne", "last_name": "Lee", "email": "annie77@yahoo.com"},
        ],
    )
    assert not engine.clusters_agree(ann1, ann2)
    # The same person's two groups (no identifier in common, but everything else agrees) do join.
    same = recs(
        norm,
        [
            {"id": "c1", "first_name": "Ann", "last_name": "Lee", "dob": "1980-01-01", "zip": "10001"},
            {"id": "c2", "first_name": "Ann", "last_name": "Lee", "dob": "1980-01-01", "zip": "10001"},
        ],
    )
    other = recs(
        norm,
        [
            {"id": "d1", "first_name": "Ann", "last_name": "Lee", "dob": "1980-01-01", "zip": "10001"},
            {"id": "d2", "first_name": "Ann", "last_name": "Lee", "dob": "1980-01-01"},
        ],
    )
    assert engine.clusters_agree(same, other)


def test_a_shared_identifier_still_bridges_groups_with_little_in_common() -> None:
    # Web sign-ups with the email, shop records with the phone: cross pairs share only the name.
    engine, norm = bound_engine()
    web = recs(
        norm,
        [
            {"id": "w1", "first_name": "Ann", "last_name": "Lee", "email": "ann.lee@gmail.com"},
            {"id": "w2", "first_name": "Ann", "last_name": "Lee", "email": "ann.lee@gmail.com"},
        ],
    )
    shop = recs(
        norm,
        [
            {"id": "p1", "first_name": "Ann", "last_name": "Lee", "phone": "+14155552671"},
            {
                "id": "o1",
                "first_name": "Ann",
                "last_name": "Lee",
                "phone": "+14155552671",
                "email": "ann.lee@gmail.com",
            },
        ],
    )
    assert engine.clusters_agree(web, shop)


def test_the_check_is_the_same_in_batch_and_online() -> None:
    rows = [
        {"id": "f1", "first_name": "John", "last_name": "Ray", "dob": "1961-03-02", "phone": "+12125550188"},
        {"id": "f2", "first_name": "John", "last_name": "Ray", "dob": "1961-03-02", "phone": "+12125550188"},
        {
            "id": "s1",
            "first_name": "John",
            "last_name": "Ray",
            "dob": "1990-11-20",
            "email": "jr90@gmail.com",
        },
        {
            "id": "s2",
            "first_name": "John",
            "last_name": "Ray",
            "dob": "1990-11-20",
            "email": "jr90@gmail.com",
        },
        # One record with the son's email and the household phone bridges the two.
        {
            "id": "x",
            "first_name": "John",
            "last_name": "Ray",
            "phone": "+12125550188",
            "email": "jr90@gmail.com",
        },
    ]
    r = Resolver(fields=FIELDS, region="US").fit(rows)
    batch = r.resolve(rows)
    assert batch.profile_of["f1"] != batch.profile_of["s1"]
    graph = r.graph()
    graph.add_many(rows)
    assert sorted(map(sorted, graph.clusters)) == sorted(
        sorted(p.record_ids) for p in batch.profiles.values()
    )
