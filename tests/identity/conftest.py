"""Shared data for the identity tests: a small, seeded, realistic contact set with ground truth."""

from __future__ import annotations

import random
from typing import Any

import pytest

FIRST = [
    "james",
    "mary",
    "robert",
    "patricia",
    "john",
    "jennifer",
    "michael",
    "linda",
    "william",
    "elizabeth",
    "david",
    "barbara",
    "richard",
    "susan",
    "joseph",
    "jessica",
    "thomas",
    "sarah",
    "charles",
    "karen",
    "daniel",
    "nancy",
    "matthew",
    "lisa",
    "anthony",
    "betty",
    "mark",
    "sandra",
]
LAST = [
    "smith",
    "johnson",
    "williams",
    "brown",
    "jones",
    "garcia",
    "miller",
    "davis",
    "rodriguez",
    "martinez",
    "hernandez",
    "lopez",
    "gonzalez",
    "wilson",
    "anderson",
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
]
CITIES = [
    ("austin", "73301"),
    ("boston", "02108"),
    ("denver", "80202"),
    ("seattle", "98101"),
    ("miami", "33101"),
    ("chicago", "60601"),
]
NICK = {
    "robert": "bob",
    "william": "bill",
    "elizabeth": "liz",
    "michael": "mike",
    "richard": "rick",
    "joseph": "joe",
    "thomas": "tom",
    "daniel": "dan",
    "matthew": "matt",
    "anthony": "tony",
}


def _typo(rng: random.Random, s: str) -> str:
    if len(s) < 4:
        return s
    i = rng.randrange(1, len(s) - 1)
    return s[:i] + s[i + 1] + s[i] + s[i + 2 :]


def make_people(n_people: int, seed: int = 7) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Records of ``n_people`` people (1-4 records each) and the true person of every record."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    truth: dict[str, int] = {}
    used: set[tuple[str, str]] = set()
    for p in range(n_people):
        while True:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            if (first, last) not in used:
                used.add((first, last))
                break
        city, zipc = rng.choice(CITIES)
        phone = f"+1{rng.choice([212, 415, 617, 303])}{rng.randrange(2000000, 9999999)}"
        email = (
            f"{first}.{last}{rng.randrange(10, 99)}@{rng.choice(['gmail.com', 'yahoo.com', 'outlook.com'])}"
        )
        dob = f"19{rng.randrange(40, 99)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 28):02d}"
        for k in range(rng.choice([1, 1, 2, 2, 3, 4])):
            f = first
            r = rng.random()
            if r < 0.15 and first in NICK:
                f = NICK[first]
            elif r < 0.25:
                f = _typo(rng, first)
            row: dict[str, Any] = {
                "id": f"r{p:04d}-{k}",
                "first_name": f.title() if rng.random() < 0.5 else f,
                "last_name": last if rng.random() < 0.9 else _typo(rng, last),
                "email": (email.upper() if rng.random() < 0.2 else email) if rng.random() < 0.8 else None,
                "phone": (phone if rng.random() < 0.5 else f"({phone[2:5]}) {phone[5:8]}-{phone[8:]}")
                if rng.random() < 0.6
                else None,
                "dob": dob if rng.random() < 0.5 else None,
                "city": city,
                "postcode": zipc if rng.random() < 0.8 else None,
            }
            rows.append(row)
            truth[row["id"]] = p
    rng.shuffle(rows)
    return rows, truth


@pytest.fixture(scope="session")
def people() -> tuple[list[dict[str, Any]], dict[str, int]]:
    return make_people(150)


def pair_scores(profile_of: dict[str, str], truth: dict[str, int]) -> tuple[float, float]:
    """Pairwise precision and recall of a partition against the truth."""
    from collections import Counter

    pred = Counter(profile_of.values())
    both = Counter((profile_of[r], truth[r]) for r in truth)
    true = Counter(truth.values())

    def pairs(c: Counter[Any]) -> int:
        return sum(k * (k - 1) // 2 for k in c.values())

    tp, pp, tt = pairs(both), pairs(pred), pairs(true)
    return (tp / pp if pp else 1.0), (tp / tt if tt else 1.0)
