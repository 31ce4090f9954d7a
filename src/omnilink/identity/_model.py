"""Fellegi-Sunter match weights, with m/u estimated by EM from unlabeled pairs.

* ``u`` (how often two *different* people agree at a level) comes from random record pairs,
  which are almost all non-matches;
* ``m`` (how often the *same* person's records agree at a level) and the share of matches are
  estimated by expectation-maximisation over the candidate pairs. EM runs on the counts of
  distinct agreement patterns, so its cost does not grow with the number of pairs;
* agreeing on a common value (a frequent first name, a big city) is weaker evidence than
  agreeing on a rare one: exact levels of term-frequency comparators use the value's own
  frequency as ``u`` (term-frequency adjustment).

Small data: EM cannot learn from a handful of pairs, and four records make every name look
common. Below :data:`MIN_TRAIN_PAIRS` candidate pairs the comparators' documented defaults
(``default_m``/``default_u``, typical of contact data) are used instead; ``u`` and term
frequencies lean on the defaults in proportion to how few observations there are, and the
prior never exceeds :data:`PRIOR_MAX`. :meth:`FSModel.default` is the model with no data at
all (an online graph starting from nothing).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import random
from collections import Counter
from collections.abc import Hashable, Sequence
from itertools import repeat
from typing import TYPE_CHECKING, Any

from omnilink.identity._comparators import (
    NULL,
    AddressComparator,
    CityComparator,
    Comparator,
    DateComparator,
    EmailComparator,
    FirstNameComparator,
    HandleComparator,
    PhoneComparator,
    PostcodeComparator,
)

if TYPE_CHECKING:
    from omnilink.identity._pairs import Interned

__all__ = ["FSModel", "anchored_m", "em", "estimate_u", "match_share"]

logger = logging.getLogger(__name__)

Pattern = tuple[int, ...]

_EPS = 1e-6

MIN_TRAIN_PAIRS = 100
"""Fewer candidate pairs than this: m are the comparators' defaults, only the match share is fitted."""
MIN_U_PAIRS = 2000
"""u is estimated from random pairs plus ``MIN_U_PAIRS - n`` pseudo-pairs at the default u."""
MIN_TF_VALUES = 50
"""Term frequencies lean on the default u the same way below this many values."""
PRIOR_MAX = -10.0
"""The highest prior (log2 odds that two random records are one person), about 1 in 1,000.
In a small sample the share of matching pairs is high only because the sample is small; with
that prior an identical name alone would link two records. Real data sets sit far below it
(FEBRL3 -10.9, 10,000 contacts -12.2)."""
STRONG_DIFFERENT_MAX = -2.0
"""The highest weight of the "different" level of a strong identifier (email, phone, handle).
Two records of one person that both carry phones (or emails, handles) usually share at least
one; two namesakes almost never do. EM on contact data, where one person often uses several
numbers and addresses, trains that level to about 0, and then namesakes with different contact
details pay nothing for them (at 200,000 synthetic contacts, 28,579 false links between
namesakes in one country). -2.0 says two such records are at least 4:1 less likely one person:
an identical name and a near postcode no longer link without a shared identifier, while a
shared identifier or a full agreement elsewhere still does. It never raises a weight."""
_STRONG = (EmailComparator, PhoneComparator, HandleComparator)
SAME_NAME = ("exact", "nickname", "jw>=0.92")
"""First-name levels that say "the same first name" to :attr:`FSModel.guarded_max`'s exception."""
_PLACES = (PostcodeComparator, CityComparator, AddressComparator)
DEFAULT_PRIOR = -12.0
"""The prior of :meth:`FSModel.default`, as trained on 10,000 contact records."""


def _log2(x: float) -> float:
    return math.log2(max(x, 1e-12))


@dataclasses.dataclass(slots=True)
class FSModel:
    """Trained parameters; immutable once training is done (the graph and batch runs share them)."""

    comparators: list[Comparator]
    m: list[list[float]]
    u: list[list[float]]
    prior: float
    """log2 prior odds that a random pair is a match."""
    threshold: float
    """Match weight (log2 odds) at or above which a pair links."""
    tf: list[dict[Hashable, float] | None]
    tf_max_boost: float = 2.0
    guarded_max: float = 1.0
    household_location_max: float = 1.0
    """The most a place (postcode, city, street) weighs next to a shared phone, unless the first
    names or a birth date agree (see :meth:`household`)."""
    strong_different_max: float = STRONG_DIFFERENT_MAX
    weights: list[list[float]] = dataclasses.field(default_factory=list)
    same_name_extra: dict[int, tuple[int, float]] = dataclasses.field(default_factory=dict, init=False)
    """Per strong comparator: its guarded level and what that level weighs beyond
    :attr:`guarded_max` when the first names or a birth date agree (see :meth:`refresh`)."""
    _name_ci: int = dataclasses.field(default=-1, init=False, repr=False)
    _same_name_levels: frozenset[int] = dataclasses.field(default=frozenset(), init=False, repr=False)
    _date_cis: tuple[int, ...] = dataclasses.field(default=(), init=False, repr=False)
    _phone_ci: int = dataclasses.field(default=-1, init=False, repr=False)
    _place_cis: frozenset[int] = dataclasses.field(default=frozenset(), init=False, repr=False)
    iterations: int = 0
    converged: bool = False

    def __post_init__(self) -> None:
        self.prior = min(self.prior, PRIOR_MAX)
        self.refresh()

    @classmethod
    def default(cls, comparators: list[Comparator], threshold: float) -> FSModel:
        """The model without any training data: the comparators' default m and u, no term
        frequencies, :data:`DEFAULT_PRIOR`. An exact email or phone with a matching name links;
        a name alone, or a name and a city, does not."""
        return cls(
            comparators=comparators,
            m=[_default(c, "default_m") for c in comparators],
            u=[_default(c, "default_u") for c in comparators],
            prior=DEFAULT_PRIOR,
            threshold=threshold,
            tf=[None] * len(comparators),
        )

    def refresh(self) -> None:
        self.weights = [
            [_log2(mm) - _log2(uu) for mm, uu in zip(m, u, strict=True)]
            for m, u in zip(self.m, self.u, strict=True)
        ]
        # Guarded levels (a role mailbox, a household phone, a placeholder) are weak evidence by
        # design: members of one household share the phone *and* the address, a dependence the
        # independence assumption of Fellegi-Sunter would otherwise count two or three times.
        # Except between records with the same first name or birth date: a household's members
        # have different names and birthdays, so within one the shared value is that person's again and
        # weighs what it was trained to (at 20,000 contacts, "Anthony Young" at the family
        # phone no longer stays apart from "Anthony Young" with the phone and a birth date).
        self.same_name_extra = {}
        names = [ci for ci, comp in enumerate(self.comparators) if isinstance(comp, FirstNameComparator)]
        self._name_ci = names[0] if names else -1
        if names:
            levels = self.comparators[self._name_ci].levels
            self._same_name_levels = frozenset(levels.index(x) for x in SAME_NAME)
        comps = self.comparators
        self._date_cis = tuple(ci for ci, comp in enumerate(comps) if isinstance(comp, DateComparator))
        self._phone_ci = next((ci for ci, comp in enumerate(comps) if isinstance(comp, PhoneComparator)), -1)
        self._place_cis = frozenset(ci for ci, comp in enumerate(comps) if isinstance(comp, _PLACES))
        for ci, comp in enumerate(self.comparators):
            for li, label in enumerate(comp.levels):
                if label.endswith("-guarded"):
                    raw = self.weights[ci][li]
                    self.weights[ci][li] = min(raw, self.guarded_max)
                    if names and raw > self.weights[ci][li]:
                        self.same_name_extra[ci] = (li, raw - self.weights[ci][li])
            # Different strong identifiers are evidence against (see STRONG_DIFFERENT_MAX).
            if isinstance(comp, _STRONG) and comp.levels[-1] == "different":
                last = len(comp.levels) - 1
                self.weights[ci][last] = min(self.weights[ci][last], self.strong_different_max)

    def level_weight(self, ci: int, level: int, value: Any = None) -> float:
        """The weight of comparator ``ci`` at ``level`` (term-frequency adjusted for ``value``)."""
        if level == NULL:
            return 0.0
        w = self.weights[ci][level]
        if level == 0:
            table = self.tf[ci]
            if table is not None and value is not None:
                key = self.comparators[ci].tf_key(value)
                freq = table.get(key) if key is not None else None
                if freq is not None:
                    adj = _log2(self.m[ci][0]) - _log2(freq)
                    w = min(adj, w + self.tf_max_boost)
        return w

    def pattern_weight(self, pattern: Pattern) -> float:
        """Sum of the level weights and their :meth:`extra_weight`, less a household's place
        excess (:meth:`household`), prior excluded, without term-frequency adjustment."""
        total = 0.0
        for ci, level in enumerate(pattern):
            if level != NULL:
                total += self.weights[ci][level]
        if self._place_cis and self.household(pattern):
            for ci in self._place_cis:
                if pattern[ci] != NULL:
                    total -= self.household_excess(ci, pattern[ci])
        for ci in self.same_name_extra:
            total += self.extra_weight(pattern, ci)
        return total

    def household(self, pattern: Pattern) -> bool:
        """Whether a pair looks like two members of one household: a phone in common, and
        neither the first names (:data:`SAME_NAME`) nor a birth date agree.

        Fellegi-Sunter adds the weights as if the comparators were independent. Between two
        people who share a phone they are not: one household shares the phone, the address and
        usually the surname, so the place says nothing the phone has not said. Counted anyway,
        phone +12 and postcode +12 linked "William Johnson" with a first-name-less "Johnson"
        at the same number whose birth date differs (at 20,000 contacts, 11 of 45 false pairs).
        In such a pair a place weighs at most :attr:`household_location_max`.
        """
        phone = self._phone_ci
        if phone < 0 or pattern[phone] not in (0, 1):  # exact or exact-guarded
            return False
        return not self._one_person(pattern)

    def _one_person(self, pattern: Pattern) -> bool:
        """Whether the first names (:data:`SAME_NAME`) or a birth date agree: what two members
        of one household do not share, so what makes a shared value one person's again."""
        if self._name_ci >= 0 and pattern[self._name_ci] in self._same_name_levels:
            return True
        return any(pattern[d] == 0 for d in self._date_cis)

    def household_excess(self, ci: int, level: int) -> float:
        """What a place comparator's level weighs above :attr:`household_location_max`."""
        return max(0.0, self.weights[ci][level] - self.household_location_max)

    def tf_applies(self, pattern: Pattern, ci: int) -> bool:
        """Whether the term-frequency adjustment of comparator ``ci`` counts in ``pattern``:
        at its exact level, unless the level is capped as a household's place."""
        if pattern[ci] != 0 or self.tf[ci] is None:
            return False
        return not (ci in self._place_cis and self.household_excess(ci, 0) > 0 and self.household(pattern))

    def comparator_weight(self, pattern: Pattern, ci: int, value: Any = None) -> float:
        """What comparator ``ci`` adds to a pair's score: its level weight (term-frequency
        adjusted for ``value`` where :meth:`tf_applies`), the guarded level's extra, less a
        household's place excess. Summed over the comparators, plus the prior, this is the
        score (``explain`` shows these terms)."""
        level = pattern[ci]
        if level == NULL:
            return 0.0
        if value is not None and self.tf_applies(pattern, ci):
            w = self.level_weight(ci, level, value)
        else:
            w = self.weights[ci][level]
        if ci in self._place_cis and self.household(pattern):
            w -= self.household_excess(ci, level)
        return w + self.extra_weight(pattern, ci)

    def extra_weight(self, pattern: Pattern, ci: int) -> float:
        """What comparator ``ci`` weighs in ``pattern`` beyond its level weight: the part of a
        guarded level above :attr:`guarded_max` when the first names or a birth date agree, else 0."""
        hit = self.same_name_extra.get(ci)
        if hit is None or pattern[ci] != hit[0] or not self._one_person(pattern):
            return 0.0
        return hit[1]

    def tf_correction(self, pattern: Pattern, va: Sequence[Any]) -> float:
        """What term-frequency adjustment adds to :meth:`pattern_weight` for a pair."""
        corr = 0.0
        places = self._place_cis
        for ci, level in enumerate(pattern):
            if level == 0 and self.tf[ci] is not None and (ci not in places or self.tf_applies(pattern, ci)):
                corr += self.level_weight(ci, 0, va[ci]) - self.weights[ci][0]
        return corr

    def probability(self, weight: float) -> float:
        if weight > 60:
            return 1.0
        if weight < -60:
            return 0.0
        odds = math.pow(2.0, weight)
        return odds / (1.0 + odds)

    def describe(self) -> dict[str, Any]:
        """m, u and weights per comparator level, for people and logs."""
        out: dict[str, Any] = {
            "prior": self.prior,
            "threshold": self.threshold,
            "iterations": self.iterations,
        }
        for ci, comp in enumerate(self.comparators):
            out[comp.name] = {
                label: {"m": self.m[ci][li], "u": self.u[ci][li], "weight": self.weights[ci][li]}
                for li, label in enumerate(comp.levels)
            }
        return out


def _default(comp: Comparator, attr: str) -> list[float]:
    n = len(comp.levels)
    row = list(getattr(comp, attr))
    return row if len(row) == n else [1.0 / n] * n


def estimate_u(
    comparators: Sequence[Comparator],
    columns: Sequence[Sequence[Any]],
    *,
    n_records: int,
    max_pairs: int,
    seed: int,
    strata: Sequence[Hashable | None] | None = None,
    stratum_comparator: int | None = None,
    interned: Sequence[Interned] | None = None,
) -> list[list[float]]:
    """u probabilities from random record pairs (nearly all non-matches), Laplace-smoothed.

    With ``strata`` (each record's country or region), the u of every comparator except
    ``stratum_comparator`` (the one comparing the strata themselves, whose u stays global) comes
    from random pairs *within one stratum*. Blocking puts side by side records that mostly share
    a country, and among those, agreeing on a name or a nearby postcode is more common than
    across the whole world; by the chain rule, P(country agrees) times P(the rest agrees | same
    country) is the u of the whole pattern, where global u for the rest counted the country twice.

    With ``interned`` (the columns' :func:`~omnilink.identity._pairs.intern_values` ids and
    distinct values) the pairs are drawn as arrays and compared once per distinct value pair
    (:func:`~omnilink.identity._pairs.pair_patterns`): the same estimate, from another draw of
    the same size, at a fraction of the cost (per-pair calls were half of FEBRL3's run time).
    """
    n_levels = [len(c.levels) for c in comparators]
    counts = [[0.0] * n for n in n_levels]
    groups: list[list[int]] = []
    if strata is not None:
        by: dict[Hashable, list[int]] = {}
        for idx, sv in enumerate(strata):
            if sv is not None:
                by.setdefault(sv, []).append(idx)
        groups = [g for g in by.values() if len(g) >= 2]
    if n_records >= 2:
        rng = random.Random(seed)  # noqa: S311 - sampling, not security
        within = [c for c in range(len(comparators)) if c != stratum_comparator] if groups else []
        globally = [c for c in range(len(comparators)) if c not in within]
        draws: list[tuple[list[int], list[tuple[int, int]]]] = []
        if globally:
            n_draw = min(max_pairs, n_records * (n_records - 1) // 2)
            draws.append((globally, _random_pairs(rng, range(n_records), n_draw)))
        if within:
            # Uniform over same-stratum pairs: a stratum in proportion to its number of pairs.
            weights = [len(g) * (len(g) - 1) for g in groups]
            n_draw = min(max_pairs, sum(weights) // 2)
            picked = rng.choices(range(len(groups)), weights=weights, k=n_draw)
            pairs: list[tuple[int, int]] = []
            for gi, n_in in sorted(Counter(picked).items()):
                g = groups[gi]
                pairs += _random_pairs(rng, g, n_in)
            draws.append((within, pairs))
        for which, pairs in draws:
            if interned is not None and pairs:
                _count_arrays(comparators, columns, interned, counts, which, pairs)
            else:
                for i, j in pairs:
                    _count(comparators, columns, counts, which, i, j)
    u: list[list[float]] = []
    for c, row in enumerate(counts):
        total = sum(row)
        n = n_levels[c]
        # Smoothing that keeps u of agreement levels tiny but non-zero with few observations.
        alpha = 0.5
        # With few pairs, pseudo-pairs at the default u (none at all from MIN_U_PAIRS pairs on).
        k = max(0.0, MIN_U_PAIRS - total)
        du = _default(comparators[c], "default_u")
        u.append([(x + alpha + k * d) / (total + alpha * n + k) for x, d in zip(row, du, strict=True)])
    return u


def _random_pairs(rng: random.Random, members: Sequence[int], k: int) -> list[tuple[int, int]]:
    """``k`` uniformly random pairs of two different members (``choices`` draws in bulk)."""
    n = len(members)
    firsts = rng.choices(range(n), k=k)
    seconds = rng.choices(range(n - 1), k=k)  # uniform over the other n - 1 positions
    return [(members[a], members[b + 1 if b >= a else b]) for a, b in zip(firsts, seconds, strict=True)]


def _count_arrays(
    comparators: Sequence[Comparator],
    columns: Sequence[Sequence[Any]],
    interned: Sequence[Interned],
    counts: list[list[float]],
    which: Sequence[int],
    pairs: list[tuple[int, int]],
) -> None:
    """:func:`_count` over many pairs, compared once per distinct value pair (numpy)."""
    import numpy as np

    from omnilink.identity._pairs import pair_patterns

    ij = np.array(pairs, dtype=np.int32)
    pats, _of_pair, n = pair_patterns(
        [comparators[c] for c in which],
        [columns[c] for c in which],
        np.ascontiguousarray(ij[:, 0]),
        np.ascontiguousarray(ij[:, 1]),
        interned=[interned[c] for c in which],
    )
    for pat, k in zip(pats, n.tolist(), strict=True):
        for c, level in zip(which, pat, strict=True):
            if level != NULL:
                counts[c][level] += k


def _count(
    comparators: Sequence[Comparator],
    columns: Sequence[Sequence[Any]],
    counts: list[list[float]],
    which: Sequence[int],
    i: int,
    j: int,
) -> None:
    for c in which:
        level = comparators[c].safe_compare(columns[c][i], columns[c][j])
        if level != NULL:
            counts[c][level] += 1


def em(
    patterns: Counter[Pattern],
    comparators: Sequence[Comparator],
    *,
    u_start: list[list[float]],
    max_iter: int = 50,
    tol: float = 1e-5,
    match_share: float = 0.3,
    prior_pairs: float = 10.0,
) -> tuple[list[list[float]], list[list[float]], float, int, bool]:
    """EM over distinct agreement patterns: returns (m, u_candidates, match share, iterations, converged)."""
    n_comp = len(comparators)
    n_levels = [len(c.levels) for c in comparators]
    m0 = [_default(c, "default_m") for c in comparators]
    m = [list(row) for row in m0]
    u = [list(row) for row in u_start]
    lam = match_share
    items = list(patterns.items())
    if not items:
        return m, u, lam, 0, True
    if sum(k for _, k in items) < MIN_TRAIN_PAIRS:
        # Too few pairs to learn m: keep the defaults and fit only the share of matches.
        return m, u, _match_share(items, m, u, lam), 0, True
    converged = False
    it = 0
    expect = _expectation_arrays(items, n_levels)
    for step in range(1, max_iter + 1):
        it = step
        log_lam = math.log(max(lam, _EPS))
        log_nlam = math.log(max(1.0 - lam, _EPS))
        logm = [[math.log(max(x, 1e-12)) for x in row] for row in m]
        logu = [[math.log(max(x, 1e-12)) for x in row] for row in u]
        if expect is not None:
            mc, uc, lm, total = expect(log_lam, log_nlam, logm, logu)
        else:
            mc, uc, lm, total = _expectation(items, n_levels, log_lam, log_nlam, logm, logu)
        new_m = _smoothed_m(mc, m0, prior_pairs)
        new_u = [_normalise(row) for row in uc]
        new_lam = lm / total if total else lam
        delta = max(
            abs(new_lam - lam),
            max(
                (abs(x - y) for r1, r2 in zip(new_m, m, strict=True) for x, y in zip(r1, r2, strict=True)),
                default=0,
            ),
        )
        m, u, lam = new_m, new_u, new_lam
        if delta < tol:
            converged = True
            break
    del n_comp
    return m, u, lam, it, converged


Expectation = tuple[list[list[float]], list[list[float]], float, float]


def _expectation(
    items: list[tuple[Pattern, int]],
    n_levels: list[int],
    log_lam: float,
    log_nlam: float,
    logm: list[list[float]],
    logu: list[list[float]],
) -> Expectation:
    """One E-step: expected match and non-match counts per comparator level, the match count
    and the pair count, pattern by pattern."""
    mc = [[0.0] * n for n in n_levels]
    uc = [[0.0] * n for n in n_levels]
    lm = 0.0
    total = 0.0
    for pat, k in items:
        a = log_lam
        b = log_nlam
        for c, level in enumerate(pat):
            if level != NULL:
                a += logm[c][level]
                b += logu[c][level]
        d = b - a
        g = 1.0 / (1.0 + math.exp(d)) if d < 700 else 0.0
        km = k * g
        ku = k - km
        lm += km
        total += k
        for c, level in enumerate(pat):
            if level != NULL:
                mc[c][level] += km
                uc[c][level] += ku
    return mc, uc, lm, total


def _expectation_arrays(items: list[tuple[Pattern, int]], n_levels: list[int]) -> Any:
    """:func:`_expectation` with numpy, as a function of the log tables (None without numpy).

    EM iterates dozens of times over ~10,000 distinct patterns; pattern by pattern in Python
    that was 3 s of a 100,000-record run.
    """
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy is in every test environment
        return None
    pats = np.array([p for p, _ in items], dtype=np.int64).reshape(len(items), len(n_levels))
    k = np.array([n for _, n in items], dtype=np.float64)
    present = pats != NULL
    # Column c's levels live at offsets[c] .. offsets[c] + n_levels[c] in one flat table.
    offsets = np.concatenate(([0], np.cumsum(n_levels)[:-1])).astype(np.int64)
    flat = np.where(present, pats + offsets, 0)
    size = int(sum(n_levels))
    total = float(k.sum())

    def expect(
        log_lam: float, log_nlam: float, logm: list[list[float]], logu: list[list[float]]
    ) -> Expectation:
        lm_tab = np.array([x for row in logm for x in row])
        lu_tab = np.array([x for row in logu for x in row])
        a = log_lam + np.where(present, lm_tab[flat], 0.0).sum(axis=1)
        b = log_nlam + np.where(present, lu_tab[flat], 0.0).sum(axis=1)
        d = b - a
        g = np.where(d < 700, 1.0 / (1.0 + np.exp(np.minimum(d, 700))), 0.0)
        km = k * g
        ku = k - km
        sel = flat[present]
        rows = np.nonzero(present)[0]
        mc_flat = np.bincount(sel, weights=km[rows], minlength=size)
        uc_flat = np.bincount(sel, weights=ku[rows], minlength=size)
        mc = [mc_flat[o : o + n].tolist() for o, n in zip(offsets.tolist(), n_levels, strict=True)]
        uc = [uc_flat[o : o + n].tolist() for o, n in zip(offsets.tolist(), n_levels, strict=True)]
        return mc, uc, float(km.sum()), total

    return expect


MIN_ANCHOR_PAIRS = 100
"""Candidate pairs that share a strong identifier needed before m is read from them instead of EM.

Few are enough: the m of each level is a share, smoothed by the comparator's default m
(:func:`_smoothed_m`), while EM on the same sample may take the namesake solution. The first
50,000 rows of 300,000 contacts with 1.1 records a person hold 614 anchored pairs; with 1,000
needed, EM ran and the model resolved the 300,000 at precision 0.51 (0.956 with the anchored m).
"""


def anchored_m(
    patterns: Counter[Pattern], comparators: Sequence[Comparator], *, prior_pairs: float = 10.0
) -> list[list[float]] | None:
    """m read from *anchor* pairs: pairs that agree exactly on another strong identifier.

    Two records with one personal email or phone (not a shared one: shared values agree at the
    weaker "exact-guarded" level) are one person, so how they agree on everything else is m.
    Each comparator's m comes from the pairs anchored on a strong identifier other than its own
    (the phone's m from pairs sharing an email or a handle). Returns None when fewer than
    :data:`MIN_ANCHOR_PAIRS` pairs are anchored (data without emails, phones or handles).

    Why not EM alone: on contact data EM has a second solution, where the "match" class takes
    the namesakes that large name blocks bring in (same first and last name, every other
    field different). It lands there or not depending on which pairs blocking produced; at
    200,000 contacts it did (precision 0.89; 0.99 with the anchored m).
    """
    strong = [c for c, comp in enumerate(comparators) if isinstance(comp, _STRONG)]
    if not strong:
        return None
    n_levels = [len(c.levels) for c in comparators]
    counts = [[0.0] * n for n in n_levels]
    anchored = 0
    for pat, k in patterns.items():
        anchors = [s for s in strong if pat[s] == 0]
        if not anchors:
            continue
        anchored += k
        for c, level in enumerate(pat):
            if level != NULL and (c not in anchors or len(anchors) > 1):
                counts[c][level] += k
    if anchored < MIN_ANCHOR_PAIRS:
        return None
    return _smoothed_m(counts, [_default(c, "default_m") for c in comparators], prior_pairs)


def _smoothed_m(counts: list[list[float]], m0: list[list[float]], prior_pairs: float) -> list[list[float]]:
    """m from expected match counts per level, with a weak prior: ``prior_pairs`` pseudo-pairs
    spread as the comparator's default m keep small data from producing extreme estimates
    (with real volumes they vanish)."""
    return [
        _normalise([x + prior_pairs * d for x, d in zip(row, m0[c], strict=True)])
        for c, row in enumerate(counts)
    ]


def _match_share(
    items: list[tuple[Pattern, int]], m: list[list[float]], u: list[list[float]], lam: float
) -> float:
    """The share of matches among the pairs, with m and u held fixed (EM on the share alone)."""
    scores = []
    for pat, k in items:
        d = 0.0
        for c, level in enumerate(pat):
            if level != NULL:
                d += math.log(max(u[c][level], 1e-12)) - math.log(max(m[c][level], 1e-12))
        scores.append((d, k))
    total = sum(k for _, k in scores)
    for _ in range(50):
        odds = (1.0 - lam) / max(lam, _EPS)
        new = sum(k / (1.0 + odds * math.exp(min(d, 700.0))) for d, k in scores) / total
        if abs(new - lam) < 1e-7:
            return new
        lam = new
    return lam


def match_share(
    patterns: Counter[Pattern], m: list[list[float]], u: list[list[float]], start: float = 0.3
) -> float:
    """The share of matches among the candidate pairs, with m and u held fixed."""
    return _match_share(list(patterns.items()), m, u, start)


def _normalise(row: list[float]) -> list[float]:
    total = sum(row)
    n = len(row)
    if total <= 0:
        return [1.0 / n] * n
    # A floor keeps every level possible (a log of zero would make one level veto everything).
    floor = 1e-4
    vals = [max(x / total, floor) for x in row]
    s = sum(vals)
    return [v / s for v in vals]


def term_frequencies(
    comparators: Sequence[Comparator],
    columns: Sequence[Sequence[Any]],
    *,
    strata: Sequence[Hashable | None] | None = None,
    stratum_comparator: int | None = None,
) -> list[dict[Hashable, float] | None]:
    """value -> how often a random record shares it with a record that has it, for comparators
    with term-frequency adjustment: the value's share of the records.

    With ``strata`` (each record's country, as :func:`estimate_u` takes them), the random record
    is drawn from the first record's stratum, for every comparator but ``stratum_comparator``:
    u is estimated within the strata, and the country comparator already counts the agreement on
    the country. A global share counted it again in every adjusted comparator (Carlos García at
    one Spanish postcode weighed the rarity of Spain among the countries three times over), and
    namesakes of small countries linked. The share of ``v`` is then the average over the records
    holding it of ``v``'s share of their stratum: sum over strata of ``n(s, v)**2 / n(s)``,
    divided by ``n(v)``; with one stratum, ``n(v) / n``, the global share.
    """
    out: list[dict[Hashable, float] | None] = []
    for c, comp in enumerate(comparators):
        if not comp.tf:
            out.append(None)
            continue
        within = strata is not None and c != stratum_comparator
        tf_key = comp.tf_key
        keys = [None if v is None else tf_key(v) for v in columns[c]]
        labels = strata if within and strata is not None else repeat(None, len(keys))
        # Counted by Counter's C loop over (stratum, key); the other sums run over distinct ones.
        by_stratum = Counter(zip(labels, keys, strict=True))
        del keys
        counter: Counter[Hashable] = Counter()
        for (_s, key), n in by_stratum.items():
            if key is not None:
                counter[key] += n
        total = sum(counter.values())
        # Four records make every name look common: lean on the default u of the exact level
        # in proportion to how few values there are (not at all from MIN_TF_VALUES values on).
        k = max(0, MIN_TF_VALUES - total)
        du = _default(comp, "default_u")[0] * k
        if within:
            size: Counter[Hashable | None] = Counter()
            for (s, key), n in by_stratum.items():
                if key is not None:
                    size[s] += n
            squares: dict[Hashable, float] = {}
            for (s, key), n in by_stratum.items():
                if key is not None:
                    squares[key] = squares.get(key, 0.0) + n * n / size[s]
            # In the form below, the global share of the other branch: total * share = n(v).
            seen = {key: total * squares[key] / n for key, n in counter.items()}
        else:
            seen = {key: float(n) for key, n in counter.items()}
        out.append({key: (n + du) / (total + k) for key, n in seen.items()} if total else {})
    return out
