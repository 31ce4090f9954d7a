"""Resolve a messy contact export into people, see why records matched, then keep going online.

Run it: ``python examples/resolve_contacts.py``. No network, no input files: the data is below.
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from omnilink.identity import IdentityGraph, Resolver

# Contacts as three systems captured them: a CRM, web sign-ups and a point of sale.
CONTACTS: list[dict[str, str | None]] = [
    {
        "id": "crm-1",
        "name": "Robert Smith",
        "email": "Bob.Smith@gmail.com",
        "phone": "+1 415 555 2671",
        "city": "San Francisco",
        "zip": "94110",
    },
    {
        "id": "web-7",
        "name": "Bob Smith",
        "email": "bobsmith+news@gmail.com",
        "phone": None,
        "city": "San Francisco",
        "zip": "94110",
    },
    {
        "id": "pos-3",
        "name": "Rob Smith",
        "email": None,
        "phone": "(415) 555-2671",
        "city": None,
        "zip": "94110",
    },
    # Same household phone, different person: linked by nothing but the phone.
    {
        "id": "crm-2",
        "name": "Alice Smith",
        "email": "alice.smith@yahoo.com",
        "phone": "415-555-2671",
        "city": "San Francisco",
        "zip": "94110",
    },
    {
        "id": "web-9",
        "name": "Alicia Smith",
        "email": "alice.smith@yahoo.com",
        "phone": None,
        "city": "SF",
        "zip": None,
    },
    # A role mailbox shared by two colleagues: evidence, never proof.
    {
        "id": "crm-3",
        "name": "Maria Garcia",
        "email": "info@acme-bakery.com",
        "phone": "+1 212 555 0147",
        "city": "New York",
        "zip": "10001",
    },
    {
        "id": "crm-4",
        "name": "Tom Chen",
        "email": "info@acme-bakery.com",
        "phone": "+1 212 555 0188",
        "city": "New York",
        "zip": "10001",
    },
    {
        "id": "web-2",
        "name": "María García",
        "email": "mgarcia@acme-bakery.com",
        "phone": "212.555.0147",
        "city": "new york",
        "zip": "10001",
    },
    # Her full name, with both surnames: García, the one she goes by, is among its middle words.
    {
        "id": "pos-6",
        "name": "María García López",
        "email": None,
        "phone": "(212) 555-0147",
        "city": "New York",
        "zip": "10001",
    },
    {
        "id": "pos-8",
        "name": "Thomas Chen",
        "email": None,
        "phone": "+12125550188",
        "city": "New York",
        "zip": "10001",
    },
    # A father and a son: one name, one home phone, one zip. The suffixes tell them apart.
    {
        "id": "crm-5",
        "name": "Daniel Ortiz Jr.",
        "email": "dan.ortiz@gmail.com",
        "phone": "+1 305 555 0199",
        "city": "Miami",
        "zip": "33101",
    },
    {
        "id": "crm-6",
        "name": "Daniel Ortiz Sr.",
        "email": None,
        "phone": "(305) 555-0199",
        "city": "Miami",
        "zip": "33101",
    },
    {
        "id": "web-4",
        "name": "Dan Ortiz",
        "email": "dan.ortiz@gmail.com",
        "phone": None,
        "city": "Miami",
        "zip": None,
    },
    # Bad input is reported, never fatal.
    {
        "id": "web-5",
        "name": "Jane Doe",
        "email": "jane.doe@",
        "phone": "12",
        "city": "Austin",
        "zip": "73301",
    },
    {
        "id": "web-5",
        "name": "Jane Doe",
        "email": "jane.doe@outlook.com",
        "phone": None,
        "city": "Austin",
        "zip": "73301",
    },
    {"id": "pos-9", "name": None, "email": None, "phone": None, "city": None, "zip": None},
]


FIRST = [
    "james",
    "mary",
    "john",
    "patricia",
    "michael",
    "linda",
    "david",
    "susan",
    "daniel",
    "karen",
    "paul",
    "nancy",
    "mark",
    "lisa",
    "kevin",
    "emily",
    "brian",
    "laura",
    "jason",
    "olivia",
]
LAST = [
    "johnson",
    "williams",
    "brown",
    "jones",
    "miller",
    "davis",
    "wilson",
    "anderson",
    "taylor",
    "moore",
    "jackson",
    "white",
    "harris",
    "martin",
    "thompson",
    "young",
    "allen",
    "king",
]
PLACES = [
    ("Austin", "73301"),
    ("Boston", "02108"),
    ("Denver", "80202"),
    ("Seattle", "98101"),
    ("Miami", "33101"),
]


def background(n_people: int, seed: int = 1) -> list[dict[str, object]]:
    """A few hundred ordinary contacts, 1-3 records per person, with typos and gaps."""
    rng = random.Random(seed)  # noqa: S311 - sample data, not security
    rows: list[dict[str, object]] = []
    for p in range(n_people):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        city, zipc = rng.choice(PLACES)
        email = f"{first}.{last}{rng.randrange(100)}@{rng.choice(['gmail.com', 'outlook.com', 'yahoo.com'])}"
        phone = f"+1 {rng.choice(['512', '617', '303', '206', '305'])} 555 {rng.randrange(1000, 9999)}"
        for k in range(rng.choice([1, 1, 2, 3])):
            name = f"{first} {last}".title()
            if rng.random() < 0.1:
                i = rng.randrange(1, len(name) - 2)
                name = name[:i] + name[i + 1] + name[i] + name[i + 2 :]  # a typo
            rows.append(
                {
                    "id": f"bg-{p}-{k}",
                    "name": name,
                    "email": email.upper() if rng.random() < 0.2 else (email if rng.random() < 0.7 else None),
                    "phone": phone if rng.random() < 0.6 else None,
                    "city": city if rng.random() < 0.8 else None,
                    "zip": zipc if rng.random() < 0.7 else None,
                }
            )
    return rows


def main() -> None:
    records = CONTACTS + background(400)
    resolver = Resolver(region="US")  # columns are recognised by name: name, email, phone, city, zip
    result = resolver.resolve(records)
    stats = result.stats
    print(
        f"{stats['records']} records -> {len(result.profiles)} profiles "
        f"({stats['candidate_pairs']} candidate pairs compared, {stats['links']} links, "
        f"{stats['seconds']['total']:.2f}s)\n"
    )
    print("the hand-written contacts:")
    mine = {c["id"] for c in CONTACTS}
    for profile in sorted(result.profiles.values(), key=lambda p: p.record_ids):
        ids = [r for r in profile.record_ids if r in mine or r.split("#")[0] in mine]
        if ids:
            print(f"  {profile.id}: {', '.join(ids)}")

    print("\nlinks among them (why records were joined):")
    for link in result.links:
        if link.a in mine and link.b.split("#")[0] in mine:
            print(f"  {link.a} + {link.b}: {link.reason}, match weight {link.score:+.1f}")

    print("\nrejected values (the rows are still resolved):")
    for reject in result.rejects:
        where = reject.field or "row"
        print(f"  {reject.record_id} [{where}]: {reject.reason}")

    # pos-3 ("Rob Smith", only the household phone and a zip) joins crm-1, though the phone is
    # shared with Alice and weighs little: the nickname, the surname and the zip carry the match.
    # crm-2 (Alice) stays apart from crm-1 on the same phone. explain() shows both.
    print()
    print(resolver.explain("crm-1", "pos-3"))
    print()
    print(resolver.explain("crm-1", "crm-2"))
    # crm-5 and crm-6 agree on everything but "Jr." and "Sr.": two generations, never one profile.
    print()
    print(resolver.explain("crm-5", "crm-6"))
    # pos-6 writes both her surnames: García, among the middle words, is a surname in common.
    print()
    print(resolver.explain("web-2", "pos-6"))

    # Online: freeze the weights, replay the records one at a time, then keep adding.
    resolver.fit(records)
    batch = resolver.resolve(records)
    graph = resolver.graph()
    for record in records:
        graph.add(record)
    same = sorted(map(sorted, graph.clusters)) == sorted(map(sorted, batch.clusters))
    print(f"\nonline replay: {len(graph)} profiles, same clusters as batch: {same}")
    new = graph.add(
        {
            "id": "app-1",
            "name": "Tommy Chen",
            "email": "tchen@acme-bakery.com",
            "phone": "+1 212 555 0188",
            "zip": "10001",
        }
    )
    status = "started a new profile" if new.created else f"joined {new.profile_id}"
    print(f"app-1 (Tommy Chen) {status}, with {graph.profile_of('pos-8')} holding pos-8")

    # A service keeps its graph across restarts: save it, load it at start-up, go on.
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "identity-graph.pkl"
        graph.save(path)
        restored = IdentityGraph.load(path)
    later = {"id": "app-2", "name": "Bobby Smith", "email": "bob.smith@gmail.com", "zip": "94110"}
    alike = restored.add(later) == graph.add(later)
    print(f"after a restart: {len(restored)} profiles, app-2 placed as before the restart: {alike}")


if __name__ == "__main__":
    main()
