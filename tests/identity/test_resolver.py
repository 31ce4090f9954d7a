"""The batch resolver: links, guards, blocking, training, clustering, ids, explanations."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import pytest

from omnilink.exceptions import ConfigurationError, MissingDependencyError
from omnilink.identity import Resolver
from omnilink.identity._blocking import candidate_pairs, default_rules, record_keys
from omnilink.identity._comparators import Comparator
from omnilink.identity._model import em, term_frequencies

from .conftest import make_people, pair_scores

FIELDS = {
    "first_name": "first_name",
    "last_name": "last_name",
    "email": "email",
    "phone": "phone",
    "city": "city",
    "postcode": "postcode",
    "dob": "date",
}


def test_realistic_set_is_resolved_accurately(
    people: tuple[list[dict[str, Any]], dict[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from omnilink.identity import _model

    rows, truth = people
    res = Resolver(region="US").resolve(rows)
    precision, recall = pair_scores(dict(res.profile_of), truth)
    assert precision >= 0.98
    assert recall >= 0.75
    assert res.stats["em_iterations"] == 0  # m read from the pairs sharing an email or a phone
    assert not res.rejects
    # And by EM, when too few pairs are anchored.
    monkeypatch.setattr(_model, "MIN_ANCHOR_PAIRS", 10**9)
    res = Resolver(region="US").resolve(rows)
    precision, recall = pair_scores(dict(res.profile_of), truth)
    assert precision >= 0.98
    assert recall >= 0.75
    assert res.stats["em_iterations"] >= 1


def test_deterministic_link_on_email_across_formatting() -> None:
    rows = [
        {"id": "a", "first_name": "Ann", "email": "Ann.Lee+shop@GoogleMail.com"},
        {"id": "b", "first_name": "Ann", "email": "annlee@gmail.com"},
        {"id": "c", "first_name": "Zed", "email": "zed@yahoo.com"},
    ]
    res = Resolver().resolve(rows)
    assert res.profile_of["a"] == res.profile_of["b"] != res.profile_of["c"]
    (link,) = res.links
    assert link.reason == "email"
    assert {link.a, link.b} == {"a", "b"}


def test_phone_deterministic_needs_a_region_for_national_numbers() -> None:
    rows = [
        {"id": "a", "first_name": "Ann", "phone": "(415) 555-2671"},
        {"id": "b", "first_name": "Ann", "phone": "+1 415 555 2671"},
    ]
    assert Resolver(region="US").resolve(rows).links[0].reason == "phone"
    res = Resolver().resolve(rows)
    assert any(r.record_id == "a" and r.field == "phone" for r in res.rejects)
    # A per-record country column gives the region.
    rows2 = [dict(r, country="US") for r in rows]
    assert Resolver().resolve(rows2).links[0].reason == "phone"


def test_guard_role_mailbox_is_evidence_not_proof() -> None:
    rows = [
        {"id": "a", "first_name": "Ann", "last_name": "Lee", "email": "info@acme.com"},
        {"id": "b", "first_name": "Bob", "last_name": "Ray", "email": "info@acme.com"},
    ]
    r = Resolver()
    res = r.resolve(rows)
    assert res.profile_of["a"] != res.profile_of["b"]
    ex = r.explain("a", "b")
    assert ex.deterministic is None
    email = next(e for e in ex.evidence if e.comparator == "email")
    assert email.level == "exact-guarded"
    assert any("role mailbox" in g for g in ex.guards)


def test_guard_household_phone_is_not_proof() -> None:
    # One phone, two different people at one address.
    rows = [
        {"id": "a", "first_name": "Ann", "last_name": "Lee", "phone": "+14155552671", "postcode": "94110"},
        {"id": "b", "first_name": "Carl", "last_name": "Lee", "phone": "+14155552671", "postcode": "94110"},
        {"id": "c", "first_name": "Ann", "last_name": "Lee", "phone": "+14155552671"},
    ]
    r = Resolver(
        fields={
            "first_name": "first_name",
            "last_name": "last_name",
            "phone": "phone",
            "postcode": "postcode",
        }
    )
    res = r.resolve(rows)
    assert res.profile_of["a"] != res.profile_of["b"]
    assert res.profile_of["b"] != res.profile_of["c"]
    assert r.explain("a", "b").deterministic is None


def test_guard_placeholder_values() -> None:
    rows = [
        {
            "id": "a",
            "first_name": "Ann",
            "last_name": "Lee",
            "email": "test@test.com",
            "phone": "+1 212 555 0100",
        },
        {
            "id": "b",
            "first_name": "Ann",
            "last_name": "Wong",
            "email": "test@test.com",
            "phone": "+1 212 555 0100",
        },
    ]
    r = Resolver(region="US")
    res = r.resolve(rows)
    assert res.profile_of["a"] != res.profile_of["b"]
    ex = r.explain("a", "b")
    assert ex.deterministic is None
    assert {e.level for e in ex.evidence if e.comparator in ("email", "phone")} == {"exact-guarded"}


def test_guard_cap_on_identifiers_per_profile() -> None:
    # A chain of records each sharing one email with the next would make one profile with
    # six addresses; the cap of three stops it.
    rows = [
        {"id": str(i), "first_name": "Ann", "email": [f"ann{i}@x.org", f"ann{i + 1}@x.org"]} for i in range(6)
    ]
    capped = Resolver(max_per_profile=3).resolve(rows)
    free = Resolver(max_per_profile=100).resolve(rows)
    assert len(free.profiles) == 1
    assert len(capped.profiles) > 1
    assert capped.stats["refused_unions"] >= 1
    for p in capped.profiles.values():
        emails = {e for rid in p.record_ids for e in rows[int(rid)]["email"]}
        assert len(emails) <= 3


def test_exclusive_id_never_joins_two_values() -> None:
    rows = [
        {"id": "a", "first_name": "Ann", "last_name": "Lee", "email": "ann.lee@gmail.com", "crm": "C1"},
        {"id": "b", "first_name": "Ann", "last_name": "Lee", "email": "ann.lee@gmail.com", "crm": "C2"},
        {"id": "c", "first_name": "Ann", "last_name": "Lee", "email": "ann.lee@gmail.com"},
    ]
    free = Resolver(fields={"first_name": "first_name", "last_name": "last_name", "email": "email"}).resolve(
        rows
    )
    assert len(free.profiles) == 1
    res = Resolver(
        fields={"first_name": "first_name", "last_name": "last_name", "email": "email", "crm": "external_id"},
        exclusive=["crm"],
    ).resolve(rows)
    assert res.profile_of["a"] != res.profile_of["b"]
    assert res.stats["refused_unions"] >= 1
    # The record without a CRM id joins the first profile it links to.
    assert res.profile_of["c"] in (res.profile_of["a"], res.profile_of["b"])


def test_blocking_never_builds_all_pairs() -> None:
    rows, _ = make_people(120)
    # Everybody in one city with one surname: a naive blocking would pair everyone.
    rows = [dict(r, last_name="smith", city="boston", postcode="02108") for r in rows]
    res = Resolver(region="US", max_block=20).resolve(rows)
    n = len(rows)
    assert res.stats["candidate_pairs"] < n * (n - 1) // 2 / 4
    assert res.stats["capped_blocks"] >= 1


def test_candidate_pairs_cap_and_order() -> None:
    keys = [["k"], ["k"], ["k", "z"], ["k"], ["z"]]
    pairs, stats = candidate_pairs(keys, max_block=3)
    assert sorted(pairs) == [(0, 1), (0, 2), (1, 2), (2, 4)]
    assert stats["capped_blocks"] == 1


def test_blocking_keys_survive_a_typo() -> None:
    from omnilink.identity._fields import FieldType
    from omnilink.identity._normalize import NormRecord

    rules = default_rules({"dob": FieldType.DATE, "postcode": FieldType.POSTCODE})
    a = NormRecord(0, "a", first="catherine", last="smith", values={"dob": "19800101", "postcode": "02108"})
    b = NormRecord(1, "b", first="katherine", last="smiht", values={"dob": "19800101", "postcode": "02108"})
    assert set(record_keys(rules, a)) & set(record_keys(rules, b))


def test_a_date_keys_on_its_own() -> None:
    from omnilink.identity._fields import FieldType
    from omnilink.identity._normalize import NormRecord

    rules = default_rules({"dob": FieldType.DATE})
    a = NormRecord(0, "a", first="ann", last="lee", values={"dob": "19800101"})
    b = NormRecord(1, "b", first="bob", last="ray", values={"dob": "19800101"})
    c = NormRecord(2, "c", first="ann", last="lee", values={"dob": "19800102"})
    assert set(record_keys(rules, a)) & set(record_keys(rules, b)) == {"d:dob:19800101"}
    # A date with a name part made 30% of the candidate pairs for 4 in 208,000 links (see
    # date_keys): records whose dates differ meet through their names, not their dates.
    assert not {k for k in set(record_keys(rules, a)) & set(record_keys(rules, c)) if k.startswith("d")}


def test_blocking_keys_survive_a_nickname_a_missing_name_and_another_platform() -> None:
    from omnilink.identity._fields import FieldType
    from omnilink.identity._normalize import NormRecord

    rules = default_rules({"postcode": FieldType.POSTCODE, "city": FieldType.CITY})
    andrew = NormRecord(0, "a", first="andrew", last="calmore", values={"postcode": "19111"})
    drew = NormRecord(1, "b", first="drew", last="calmore", values={"postcode": "19111"})
    adam = NormRecord(2, "c", first="adam", values={"postcode": "33064"})
    adam_b = NormRecord(3, "d", first="adam", last="bonnet", values={"postcode": "33064"})
    emily = NormRecord(4, "e", first="millie", last="moore", handles=("x:emilymoore",))
    emily2 = NormRecord(5, "f", first="emily", last="moore", handles=("instagram:emilymoore",))

    def shared(x: NormRecord, y: NormRecord) -> set[str]:
        return set(record_keys(rules, x)) & set(record_keys(rules, y))

    assert shared(andrew, drew)
    assert shared(adam, adam_b)
    # A nickname meets its formal name in one postcode, though one record has no surname.
    chuck = NormRecord(8, "i", first="chuck", values={"postcode": "n19ay"})
    charles = NormRecord(9, "j", first="charles", last="davis", values={"postcode": "n19ay"})
    assert "pj:postcode:n19ay:charles" in shared(chuck, charles)
    assert shared(emily, emily2)
    # A city is too big a place for a first name alone.
    in_city = NormRecord(6, "g", first="andrew", last="smith", values={"city": "philadelphia"})
    other = NormRecord(7, "h", first="andrew", last="jones", values={"city": "philadelphia"})
    assert not shared(in_city, other)


def test_a_city_blocks_with_name_prefixes_only_when_the_data_has_no_postcode() -> None:
    from omnilink.identity._fields import FieldType
    from omnilink.identity._normalize import NormRecord

    # Jim and James Smith in one city: no name key agrees (metaphone JM / JMS, prefixes jim /
    # jam), so only the city with the surname's prefix and the first initial brings them together.
    jim = NormRecord(0, "a", first="jim", last="smith", values={"city": "leeds"})
    james = NormRecord(1, "b", first="james", last="smith", values={"city": "leeds"})
    city_only = default_rules({"city": FieldType.CITY})
    assert "pl:city:leeds:smij" in set(record_keys(city_only, jim)) & set(record_keys(city_only, james))
    # With a postcode column, the postcode's finer keys (postcode and surname) do that work and
    # a city's far larger blocks only add pairs.
    with_postcode = default_rules({"city": FieldType.CITY, "postcode": FieldType.POSTCODE})
    assert not set(record_keys(with_postcode, jim)) & set(record_keys(with_postcode, james))
    jim_pc = NormRecord(0, "a", first="jim", last="smith", values={"city": "leeds", "postcode": "ls1"})
    james_pc = NormRecord(1, "b", first="james", last="smith", values={"city": "leeds", "postcode": "ls1"})
    assert "pk:postcode:ls1:smith" in set(record_keys(with_postcode, jim_pc)) & set(
        record_keys(with_postcode, james_pc)
    )


def test_em_with_arrays_equals_em_pattern_by_pattern(monkeypatch: pytest.MonkeyPatch) -> None:
    import random

    from omnilink.identity import _model

    rng = random.Random(5)
    comps = [_Two(f"c{i}") for i in range(4)]
    counts: Counter[tuple[int, ...]] = Counter()
    for _ in range(3000):
        counts[tuple(rng.choice((-1, 0, 1, 1)) for _ in range(4))] += rng.randint(1, 50)
    fast = em(counts, comps, u_start=[[0.3, 0.7]] * 4, max_iter=200)
    monkeypatch.setattr(_model, "_expectation_arrays", lambda items, n_levels: None)
    slow = em(counts, comps, u_start=[[0.3, 0.7]] * 4, max_iter=200)
    assert fast[3] == slow[3]  # the same number of iterations
    assert fast[2] == pytest.approx(slow[2], rel=1e-9)
    for got, want in zip(fast[0] + fast[1], slow[0] + slow[1], strict=True):
        assert got == pytest.approx(want, rel=1e-9)


def test_m_from_pairs_that_share_another_strong_identifier() -> None:
    from omnilink.identity._comparators import EmailComparator, PhoneComparator
    from omnilink.identity._model import MIN_ANCHOR_PAIRS, anchored_m

    comps = [_Two("name"), EmailComparator(set()), PhoneComparator(set())]
    counts: Counter[tuple[int, ...]] = Counter()
    # Pairs sharing an email: the name agrees 90% of the time, the phone (when both have one) 80%.
    counts[(0, 0, 0)] = 720
    counts[(0, 0, 4)] = 180
    counts[(1, 0, -1)] = 100
    # Namesakes from a big name block: the name agrees, nothing else does. They say nothing of m.
    counts[(0, 4, 4)] = 50_000
    m = anchored_m(counts, comps, prior_pairs=0.0)
    assert m is not None
    assert m[0][0] == pytest.approx(0.9, abs=1e-3)
    assert m[2][0] == pytest.approx(0.8, abs=1e-3)
    # The email's own m comes from pairs anchored on the phone (all of which share the email).
    assert m[1][0] == pytest.approx(1.0, abs=1e-3)
    # Too few anchored pairs: EM decides.
    few = Counter({pat: k for pat, k in counts.items() if pat[1] != 0})
    few[(0, 0, 0)] = MIN_ANCHOR_PAIRS - 1
    assert anchored_m(few, comps) is None
    assert anchored_m(counts, [_Two("a"), _Two("b"), _Two("c")]) is None


def test_a_sample_with_few_anchored_pairs_trains_on_them_not_on_em() -> None:
    from benchmarks.contactgen import Noise, generate, iter_records

    # The first 10,000 rows of 60,000 contacts with 1.1 records a person: a sample in which few
    # people have two records (a few hundred pairs share an email or a phone). EM alone took the
    # namesake solution there (precision 0.84; at 20,000 of 120,000, 0.61).
    data = generate(60_000, seed=1, noise=Noise(mean_records_per_person=1.1))
    truth = dict(zip((str(i) for i in data["id"]), data["entity_id"], strict=True))
    del data["entity_id"]
    data["id"] = [str(i) for i in data["id"]]
    rows = list(iter_records(data))[:10_000]
    resolver = Resolver(id_field="id", region="US", region_field="country").fit(rows)
    assert resolver.model is not None
    assert resolver.model.iterations == 0  # m read from the anchored pairs
    result = resolver.resolve(rows)
    precision, recall = pair_scores(dict(result.profile_of), {rid: truth[rid] for rid in result.profile_of})
    assert precision >= 0.95
    assert recall >= 0.9


class _Two(Comparator):
    levels = ("agree", "disagree")
    default_m = (0.5, 0.5)

    def __init__(self, name: str) -> None:
        self.name = name


def test_em_recovers_m_and_u_on_synthetic_patterns() -> None:
    # 3 comparators; matches agree with prob .9/.8/.95, non-matches with .1/.2/.05; 20% matches.
    import itertools

    m_true = [0.9, 0.8, 0.95]
    u_true = [0.1, 0.2, 0.05]
    counts: Counter[tuple[int, ...]] = Counter()
    for pat in itertools.product((0, 1), repeat=3):
        pm = math.prod(m_true[c] if pat[c] == 0 else 1 - m_true[c] for c in range(3))
        pu = math.prod(u_true[c] if pat[c] == 0 else 1 - u_true[c] for c in range(3))
        counts[pat] = round(100_000 * (0.2 * pm + 0.8 * pu))
    comps = [_Two(f"c{i}") for i in range(3)]
    m, u, lam, _iters, converged = em(counts, comps, u_start=[[0.3, 0.7]] * 3, max_iter=500, tol=1e-8)
    assert converged
    assert lam == pytest.approx(0.2, abs=0.01)
    for c in range(3):
        assert m[c][0] == pytest.approx(m_true[c], abs=0.02)
        assert u[c][0] == pytest.approx(u_true[c], abs=0.02)


def test_trained_weights_are_sensible(people: tuple[list[dict[str, Any]], dict[str, int]]) -> None:
    rows, _ = people
    r = Resolver(region="US").fit(rows)
    model = r.model
    assert model is not None
    d = model.describe()
    for name in ("first_name", "last_name", "email", "phone"):
        levels = d[name]
        assert levels["exact"]["weight"] > 3, name
        assert levels["different"]["weight"] < 0, name
    assert model.prior < 0


def test_term_frequency_adjustment_weakens_common_values() -> None:
    rows = [{"id": f"s{i}", "first_name": "john", "last_name": "smith"} for i in range(40)]
    rows += [{"id": f"r{i}", "first_name": f"n{i}x", "last_name": f"rare{i}name"} for i in range(40)]
    rows += [
        {"id": "z1", "first_name": "ann", "last_name": "zyskowski"},
        {"id": "z2", "first_name": "ann", "last_name": "zyskowski"},
    ]
    r = Resolver().fit(rows)
    common = r.explain("s1", "s2")
    rare = r.explain("z1", "z2")
    w_common = next(e.weight for e in common.evidence if e.comparator == "last_name")
    w_rare = next(e.weight for e in rare.evidence if e.comparator == "last_name")
    assert w_rare > w_common + 2
    model = r.model
    assert model is not None
    tf = term_frequencies(
        # (enough values that the small-data smoothing towards the default u is off)
        model.comparators,
        [[("smith", "john")] * 60 + [("lee", "ann")] * 20] * len(model.comparators),
    )
    assert any(t is not None and t.get("smith") == pytest.approx(0.75) for t in tf)
    # Without the adjustment both agree at the same weight.
    r2 = Resolver(tf_adjustment=False).fit(rows)
    w1 = next(e.weight for e in r2.explain("s1", "s2").evidence if e.comparator == "last_name")
    w2 = next(e.weight for e in r2.explain("z1", "z2").evidence if e.comparator == "last_name")
    assert w1 == pytest.approx(w2)


def test_explain_weights_add_up(people: tuple[list[dict[str, Any]], dict[str, int]]) -> None:
    rows, _ = people
    r = Resolver(region="US")
    res = r.resolve(rows)
    fuzzy = [lk for lk in res.links if lk.reason == "fuzzy"]
    assert fuzzy
    for link in [*fuzzy[:5], *res.links[:5]]:
        ex = r.explain(link.a, link.b)
        assert ex.prior + sum(e.weight for e in ex.evidence) == pytest.approx(ex.total)
        assert ex.match
        assert ex.total == pytest.approx(link.score, abs=1e-9)
        text = ex.to_text()
        assert "total" in text
        assert "prior" in text
    # Two unrelated records: explained as a non-match, with records given directly.
    ex = r.explain(
        {"id": "x", "first_name": "Ann", "last_name": "Lee"},
        {"id": "y", "first_name": "Bob", "last_name": "Ray"},
    )
    assert not ex.match
    assert ex.total < ex.threshold
    assert 0.0 <= ex.probability < 0.5


def test_explain_needs_a_model() -> None:
    with pytest.raises(ConfigurationError):
        Resolver().explain({"id": 1}, {"id": 2})


def test_same_input_same_ids(people: tuple[list[dict[str, Any]], dict[str, int]]) -> None:
    rows, _ = people
    a = Resolver(region="US").resolve(rows)
    b = Resolver(region="US").resolve(list(reversed(rows)))
    assert dict(a.profile_of) == dict(b.profile_of)


def test_adding_unrelated_records_does_not_renumber(
    people: tuple[list[dict[str, Any]], dict[str, int]],
) -> None:
    rows, _ = people
    before = Resolver(region="US").resolve(rows)
    extra = [
        {"id": f"new{i}", "first_name": f"q{i}zz", "last_name": f"xylo{i}", "email": f"q{i}@zz.org"}
        for i in range(20)
    ]
    after = Resolver(region="US").resolve(rows + extra)
    same = sum(after.profile_of[rid] == pid for rid, pid in before.profile_of.items())
    assert same == len(before.profile_of)


def test_previous_run_keeps_surviving_id_and_records_absorbed() -> None:
    fields = {"first_name": "first_name", "last_name": "last_name", "email": "email", "phone": "phone"}
    first = [
        {"id": "a", "first_name": "Ann", "last_name": "Lee", "email": "ann.lee@gmail.com"},
        {"id": "b", "first_name": "Ann", "last_name": "Lee", "email": "ann.lee@gmail.com"},
        {"id": "c", "first_name": "Ann", "last_name": "Lee", "phone": "+14155552671"},
        {"id": "d", "first_name": "Zed", "last_name": "Roe", "email": "zed@roe.org"},
    ]
    r1 = Resolver(fields=fields).resolve(first)
    pab, pc, pd = r1.profile_of["a"], r1.profile_of["c"], r1.profile_of["d"]
    assert pab != pc
    # A bridging record arrives: it has both the email and the phone.
    bridge = {
        "id": "e",
        "first_name": "Ann",
        "last_name": "Lee",
        "email": "ann.lee@gmail.com",
        "phone": "+14155552671",
    }
    r2 = Resolver(fields=fields).resolve([*first, bridge], previous=r1)
    assert (
        r2.profile_of["a"] == r2.profile_of["c"] == r2.profile_of["e"] == pab
    )  # the larger profile survives
    assert r2.profile_of["d"] == pd  # untouched
    (merge,) = r2.merges
    assert merge.surviving == pab
    assert merge.absorbed == (pc,)
    assert r2.profiles[pab].absorbed == (pc,)


def test_pandas_and_polars_input(people: tuple[list[dict[str, Any]], dict[str, int]]) -> None:
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    rows, _ = people
    expected = dict(Resolver(region="US").resolve(rows).profile_of)
    cols = [*list(FIELDS), "id"]
    frame = pd.DataFrame([{c: r.get(c) for c in cols} for r in rows])
    assert dict(Resolver(region="US").resolve(frame).profile_of) == expected
    assert dict(Resolver(region="US").resolve(pl.DataFrame(frame)).profile_of) == expected
    # The id as the pandas index.
    indexed = frame.set_index("id")
    assert dict(Resolver(region="US", id_field="id").resolve(indexed).profile_of) == expected
    out = Resolver(region="US").resolve(frame).to_pandas()
    assert list(out.columns) == ["record_id", "profile_id"]
    assert len(out) == len(rows)
    assert Resolver(region="US").resolve(frame).to_polars().height == len(rows)


def test_missing_frame_library_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real = builtins.__import__

    def fake(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "polars":
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake)
    monkeypatch.delitem(__import__("sys").modules, "polars", raising=False)
    res = Resolver().resolve([{"id": 1, "email": "a.b@c.org"}])
    with pytest.raises(MissingDependencyError, match=r"omnilink\[polars\]"):
        res.to_polars()


def test_options_are_checked() -> None:
    with pytest.raises(ConfigurationError):
        Resolver(threshold=1.5)
    with pytest.raises(ConfigurationError):
        Resolver(max_block=1)


def test_explain_says_which_guard_applied() -> None:
    """The guards had read 'first names differ (maria vs maria)' when the surnames differed, and
    'role mailbox, placeholder or shared by several people' whichever of the three it was."""
    r = Resolver(region="ES")
    r.resolve(
        [
            {"id": "a", "name": "María García López", "phone": "+34 622 918 473", "zip": "28001"},
            {"id": "b", "name": "María Ruiz", "phone": "622 918 473", "zip": "28001"},
        ]
    )
    assert r.explain("a", "b").guards == (
        "phone: surnames differ ('lopez' vs 'ruiz') on a shared phone, which a household shares",
    )
    r = Resolver(region="US")
    r.resolve(
        [
            {"id": "a", "name": "Ann Lee", "email": "info@acme.com"},
            {"id": "b", "name": "Bob Ray", "email": "info@acme.com"},
            {"id": "c", "name": "Cy Dee", "phone": "+1 415 555 2671"},
            {"id": "d", "name": "Di Dee", "phone": "+1 415 555 2671"},
            {"id": "e", "name": "Ed Fox", "email": "test@test.com"},
            {"id": "f", "name": "Flo Gee", "email": "test@test.com"},
        ]
    )
    assert r.explain("a", "b").guards == (
        "info@acme.com: a role mailbox (info@, support@...), so it is evidence, not proof",
    )
    shared = "shared by several people (seen with different first names)"
    assert r.explain("c", "d").guards == (f"+14155552671: {shared}, so it is evidence, not proof",)
    assert any("test@test.com: a placeholder address" in g for g in r.explain("e", "f").guards)
