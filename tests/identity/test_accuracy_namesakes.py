"""Namesakes in one country with different phones do not link (strong "different" levels weigh against)."""

from __future__ import annotations

import pytest

from omnilink.identity._comparators import (
    EmailComparator,
    ExactComparator,
    FirstNameComparator,
    LastNameComparator,
    PhoneComparator,
    PostcodeComparator,
)
from omnilink.identity._model import STRONG_DIFFERENT_MAX, FSModel, estimate_u, term_frequencies
from omnilink.identity._pairs import Interned, intern_values


def test_namesakes_with_different_phones_do_not_link() -> None:
    # The weights EM trained at 200,000 synthetic contacts, where a false link between two
    # "Pablo Moreno/Morero" in Spain scored +7.01 against a threshold of +6.63.
    comps = [
        FirstNameComparator(),
        LastNameComparator(),
        ExactComparator("country"),
        PostcodeComparator("postcode"),
        PhoneComparator(set()),
        EmailComparator(set()),
    ]
    trained = {0: (0, 6.53), 1: (1, 5.41), 2: (0, 3.48), 3: (1, 3.97), 4: (4, -0.09), 5: (4, 0.0)}
    m = [list(c.default_m) for c in comps]
    u = [list(c.default_u) for c in comps]
    for ci, (level, w) in trained.items():
        u[ci][level] = m[ci][level] / 2.0**w
    model = FSModel(comparators=comps, m=m, u=u, prior=-12.29, threshold=6.63, tf=[None] * len(comps))
    assert model.weights[4][4] == STRONG_DIFFERENT_MAX <= -2.0
    assert model.weights[5][4] == STRONG_DIFFERENT_MAX
    namesakes = (0, 1, 0, 1, 4, -1)  # no email on one side: no evidence either way
    assert model.prior + model.pattern_weight(namesakes) < model.threshold
    # A shared phone still links the same pair, and a floor never raises a weight.
    assert model.prior + model.pattern_weight((0, 1, 0, 1, 0, -1)) >= model.threshold
    u[4][4] = m[4][4] * 16.0  # trained at -4: kept
    assert (
        FSModel(comparators=comps, m=m, u=u, prior=-12.29, threshold=6.63, tf=[None] * 6).weights[4][4]
        == -4.0
    )


@pytest.mark.parametrize("arrays", [False, True], ids=["python", "numpy"])
def test_u_within_one_country(arrays: bool) -> None:
    # Cities repeat within a country, never across: among same-country pairs (what blocking
    # compares) agreeing on a city is twice as common as among pairs drawn worldwide.
    comps = [ExactComparator("country"), ExactComparator("city")]
    country = ["A" if k % 2 else "B" for k in range(400)]
    city = [f"{country[k]}{k % 4 // 2}" for k in range(400)]
    cols = [country, city]
    interned = [Interned(*intern_values(c)[1:]) for c in cols] if arrays else None
    plain = estimate_u(comps, cols, n_records=400, max_pairs=20_000, seed=1, interned=interned)
    within = estimate_u(
        comps,
        cols,
        n_records=400,
        max_pairs=20_000,
        seed=1,
        strata=country,
        stratum_comparator=0,
        interned=interned,
    )
    assert abs(plain[1][0] - 0.25) < 0.02
    assert abs(within[1][0] - 0.5) < 0.02
    assert abs(within[0][0] - plain[0][0]) < 0.02  # the country's own u stays global


def test_term_frequencies_within_one_country() -> None:
    # 900 records in country A, 100 in B; "garcia" is a tenth of B. A random record of B holds
    # it one time in ten, but one in a hundred worldwide: the global share made the name ten
    # times rarer than it is where its holders live, on top of the country's own agreement.
    country = ["A"] * 900 + ["B"] * 100
    last = [f"a{k % 300}" for k in range(900)] + ["garcia"] * 10 + [f"b{k}" for k in range(90)]
    comps = [ExactComparator("country"), ExactComparator("last")]
    plain = term_frequencies(comps, [country, last])
    within = term_frequencies(comps, [country, last], strata=country, stratum_comparator=0)
    assert plain[1] is not None
    assert within[1] is not None
    assert within[0] is not None
    assert plain[1]["garcia"] == pytest.approx(0.01)
    assert within[1]["garcia"] == pytest.approx(0.1)
    assert within[1]["a7"] == pytest.approx(3 / 900)
    assert within[0] == plain[0]  # the country's own frequency stays global
    # A value held in two countries: the average of its share in each, weighted by its holders.
    both = term_frequencies(comps, [country, ["x"] * 1000], strata=country, stratum_comparator=0)
    assert both[1] is not None
    assert both[1]["x"] == pytest.approx(1.0)
    # One stratum: the global share.
    one = term_frequencies(comps, [country, last], strata=["A"] * 1000, stratum_comparator=0)
    assert one[1] == pytest.approx(plain[1])


def test_a_resolver_with_countries_weighs_names_within_their_country() -> None:
    from omnilink.identity import Resolver

    rows = [
        {"id": str(k), "country": "ES" if k < 100 else "US", "last_name": "garcia" if k < 10 else f"n{k}"}
        for k in range(1000)
    ]
    model = Resolver(id_field="id", region_field="country").fit(rows).model
    assert model is not None
    last = next(c for c, comp in enumerate(model.comparators) if comp.name == "last_name")
    table = model.tf[last]
    assert table is not None
    assert table["garcia"] == pytest.approx(0.1)


def test_rebinding_keeps_every_model_setting() -> None:
    """A rebound model (batch -> graph) keeps non-default guard and floor weights."""
    import dataclasses

    from omnilink.identity import Resolver
    from omnilink.identity._resolver import _rebind

    rows = [
        {"id": str(i), "first_name": f, "last_name": "Smith", "email": f"{f}{i}@example.com"}
        for i, f in enumerate(["ann", "bob", "cid", "dan", "eve", "fay"])
    ]
    resolver = Resolver(id_field="id").fit(rows)
    graph = resolver.graph()
    model = dataclasses.replace(graph._model, strong_different_max=-5.0, guarded_max=0.5, weights=[])
    rebound = _rebind(model, graph._engine)
    assert rebound.strong_different_max == -5.0
    assert rebound.guarded_max == 0.5
    assert rebound.weights == model.weights
    assert rebound.comparators is graph._engine.comparators
