"""The online identity graph: the batch rules, applied one record at a time."""

from __future__ import annotations

import dataclasses
import logging
import os
import pickle
import tempfile
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, TYPE_CHECKING, Any, ClassVar

from omnilink.exceptions import ConfigurationError
from omnilink.identity._blocking import record_keys
from omnilink.identity._cluster import Constraints, profile_id
from omnilink.identity._engine import Config, Engine, SharedTracker
from omnilink.identity._fields import compared_by_name
from omnilink.identity._gcpause import gc_paused
from omnilink.identity._model import FSModel
from omnilink.identity._normalize import Normalizer, NormRecord, at_provider, completed_address, id_text
from omnilink.identity._types import Link, MergeEvent, Profile, Reject
from omnilink.models import Identifier, IdentifierKind

if TYPE_CHECKING:
    from omnilink.identity._resolver import Resolver

__all__ = ["AddResult", "IdentityGraph"]

logger = logging.getLogger(__name__)

# What IdentityGraph.save writes first, so load can tell its files from other pickles.
_SAVED = "omnilink.IdentityGraph"


@dataclasses.dataclass(frozen=True, slots=True)
class AddResult:
    """What adding one record did."""

    record_id: str
    profile_id: str
    created: bool
    """True when the record started a new profile."""
    links: tuple[Link, ...] = ()
    merge: MergeEvent | None = None
    """Set when the record bridged existing profiles into one."""
    rejects: tuple[Reject, ...] = ()


class _Vals(list[Any]):
    """A record's comparator values (as :meth:`Engine.values`), with what :class:`_ScoreBound`
    needs about the record computed once when it is added, not once per candidate pair."""

    __slots__ = ("d0", "mask")

    mask: int
    """Bit ``c`` set when comparator ``c`` has a value to compare (else it says NULL)."""
    d0: tuple[float, ...]
    """Per comparator, the weight of its exact level for this record as the earlier of a pair
    (term-frequency adjusted where the score adjusts it) minus the comparator's largest weight."""


class _ScoreBound:
    """An exact early exit for scoring a pair: stop comparing once the threshold is out of reach.

    Comparators run in order of how much they can move the score; after each one, the score is
    bounded from above by the weights so far plus the largest weight every remaining comparator
    could still add (term-frequency boost included). A pair whose bound is below the threshold
    cannot link, so skipping it changes nothing; a pair that may link is compared in full
    (:meth:`Engine.pattern`), exactly as before.

    Two facts known per record tighten the bound at no cost per pair: a comparator with a
    missing value on either side says NULL (weight 0), so it is neither counted in the starting
    bound nor run; and the exact level of a term-frequency comparator weighs what the earlier
    record's value makes it weigh (:attr:`_Vals.d0`), not the largest boost. Pairs are many and
    survivors few (well under 1%), so the loop only bounds; the survivors' levels come from
    :meth:`Engine.pattern`.
    """

    _SLACK = 1e-9  # float rounding: never prune a pair that is within a hair of the threshold
    _PLANS_MAX = 1 << 16  # masks whose plan is kept (every mask, up to 16 comparators)

    def __init__(self, model: FSModel, engine: Engine, tf_adjustment: bool) -> None:
        boost = model.tf_max_boost
        upper: list[list[float]] = []
        for ci, weights in enumerate(model.weights):
            lv = list(weights)
            if tf_adjustment and model.tf[ci] is not None and lv:
                lv[0] += boost
            extra = model.same_name_extra.get(ci)
            if extra is not None:  # a guarded level may weigh more (the first names agree)
                lv[extra[0]] += extra[1]
            upper.append(lv)
        best = [max([0.0, *lv]) for lv in upper]
        comps = engine.comparators

        self._cost = [self._COST.get(type(c).__name__, 1.0) for c in comps]
        # Until pairs have been seen, how far a comparator can move the score stands in for how
        # far it does (see _relearn).
        self._reach = [b - min([0.0, *lv]) for lv, b in zip(upper, best, strict=True)]
        self._drop = [0.0] * len(comps)
        self._seen = [0] * len(comps)
        self._countdown = self._SAMPLE
        self._sampled = 0
        self._order = sorted(range(len(upper)), key=lambda c: -self._reach[c] / self._cost[c])
        self._compare = [c.compare for c in comps]
        # What each level does to the bound: level - best, and at index -1 (NULL) -best.
        self._delta = [[u - b for u in lv] + [-b] for lv, b in zip(upper, best, strict=True)]
        self._best = best
        self._prior = model.prior
        self._floor = model.threshold - self._SLACK
        self._engine = engine
        self._model = model
        self._tf = [tf_adjustment and model.tf[c] is not None for c in range(len(comps))]
        # Presence test per comparator (Comparator.missing): 1 truthy value, 2 not None, 0 always compared.
        self._presence = [c.missing for c in comps]
        self._plans: dict[int, tuple[float, list[tuple[int, Any, list[float]]]]] = {}

    # Rough relative cost of one comparison of two present values (measured on contact data
    # against a city comparison): emails and dates try several rules before "different".
    _COST: ClassVar[dict[str, float]] = {
        "FirstNameComparator": 3.0,
        "LastNameComparator": 1.7,
        "PhoneComparator": 3.0,
        "EmailComparator": 7.0,
        "HandleComparator": 4.0,
        "DateComparator": 5.0,
        "PostcodeComparator": 2.0,
        "AddressComparator": 3.0,
        "TextComparator": 2.0,
        "EmailNameComparator": 1.8,
    }
    _SAMPLE = 64
    """One candidate pair in this many is compared in full, to learn how far each comparator
    actually lowers the bound on the pairs this graph sees (candidates share a name or a place,
    so the names that differ for random pairs agree for most of them)."""
    _RELEARN = 256
    """Sampled pairs between two re-orderings of the comparators."""

    def prepare(self, values: list[Any]) -> _Vals:
        """``values`` with their presence mask and exact-level weights, once per record."""
        out = _Vals(values)
        mask = 0
        for c, kind in enumerate(self._presence):
            v = values[c]
            if kind == 0 or (v is not None if kind == 2 else v):
                mask |= 1 << c
        out.mask = mask
        model = self._model
        d0 = []
        for c, weights in enumerate(model.weights):
            w = model.level_weight(c, 0, values[c]) if self._tf[c] else weights[0] if weights else 0.0
            d0.append(w - self._best[c])
        out.d0 = tuple(d0)  # floats only: the cyclic GC stops tracking it
        return out

    def _plan(self, mask: int) -> tuple[float, list[tuple[int, Any, list[float]]]]:
        """For the comparators in ``mask``: the starting bound and the steps, in order."""
        plan = self._plans.get(mask)
        if plan is None:
            start = self._prior + sum(b for c, b in enumerate(self._best) if mask >> c & 1)
            steps = [(c, self._compare[c], self._delta[c]) for c in self._order if mask >> c & 1]
            plan = (start, steps)
            if len(self._plans) < self._PLANS_MAX:
                self._plans[mask] = plan
        return plan

    def levels(self, va: list[Any], vb: list[Any]) -> tuple[int, ...] | None:
        """The pair's agreement pattern (as :meth:`Engine.pattern`), or None when it cannot link.

        ``va`` is the earlier record.
        """
        a = va if type(va) is _Vals else self.prepare(va)
        b = vb if type(vb) is _Vals else self.prepare(vb)
        found = self.scan((0,), [a], b)
        return found[0][1] if found else None

    def scan(self, cands: Iterable[int], vals: list[_Vals], vb: _Vals) -> list[tuple[int, tuple[int, ...]]]:
        """:meth:`levels` of every candidate ``vals[i]`` (the earlier record) with ``vb``: the
        candidates that may link, with their patterns. One loop for all of a record's candidates,
        so what a pair costs beyond its comparisons is a few local operations."""
        found: list[tuple[int, tuple[int, ...]]] = []
        floor = self._floor
        plans = self._plans
        pattern = self._engine.pattern
        bmask = vb.mask
        countdown = self._countdown
        for i in cands:
            va = vals[i]
            countdown -= 1
            if not countdown:
                countdown = self._SAMPLE
                pat = self._levels_sampled(va, vb, va.mask & bmask, va.d0)
                if pat is not None:
                    found.append((i, pat))
                continue
            mask = va.mask & bmask
            plan = plans.get(mask)
            if plan is None:
                plan = self._plan(mask)
            bound, steps = plan
            if bound < floor:
                continue
            d0 = va.d0
            try:
                for c, compare, delta in steps:
                    level = compare(va[c], vb[c])
                    bound += delta[level] if level else d0[c]
                    if bound < floor:
                        break
                else:  # may link: compared in full
                    found.append((i, pattern(va, vb)))
            except Exception:  # a failing comparator: the full, safe comparison decides
                found.append((i, pattern(va, vb)))
        self._countdown = countdown
        return found

    def _levels_sampled(
        self, va: list[Any], vb: list[Any], mask: int, d0: tuple[float, ...]
    ) -> tuple[int, ...] | None:
        """:meth:`levels` without the early exit, noting how much each comparator lowered the bound."""
        bound, steps = self._plan(mask)
        drop, seen = self._drop, self._seen
        try:
            for c, compare, delta in steps:
                level = compare(va[c], vb[c])
                d = delta[level] if level else d0[c]
                bound += d
                drop[c] -= d
                seen[c] += 1
        except Exception:  # a failing comparator: the full, safe comparison decides
            return self._engine.pattern(va, vb)
        self._sampled += 1
        if self._sampled % self._RELEARN == 0:
            self._relearn()
        return None if bound < self._floor else self._engine.pattern(va, vb)

    def _relearn(self) -> None:
        """Run first the comparators that lowered the bound most per unit of cost on the sampled
        pairs. The order only decides how soon a hopeless pair is dropped, never whether."""
        mean = [d / n if n else r for d, n, r in zip(self._drop, self._seen, self._reach, strict=True)]
        self._order = sorted(range(len(mean)), key=lambda c: -mean[c] / self._cost[c])
        self._plans.clear()


def _unpickle(f: IO[bytes], name: object) -> Any:
    """What ``f`` holds; a file that is no pickle (truncated, another format) or holds objects
    this omnilink does not have is a ConfigurationError naming it."""
    try:
        return pickle.load(f)  # noqa: S301 - documented: load only files the application wrote
    except Exception as exc:  # UnpicklingError, EOFError, a class or module that is not here...
        raise ConfigurationError(
            f"{name!r} is not an IdentityGraph written by IdentityGraph.save with this omnilink "
            f"({type(exc).__name__}: {exc}); rebuild the graph with resolver.graph().add_many(records)"
        ) from exc


def _held(table: dict[str, int | list[int]], key: str, j: int, cap: int) -> list[int] | None:
    """The records ``table`` holds under ``key``, as a list the caller may append to; None when
    none did, and then ``j`` is stored. Most keys (blocking keys, strong values) never get a second
    record, so one is stored as a bare int, which the cyclic GC does not track; it becomes a list
    when a second record comes, if ``cap`` leaves room for one."""
    held = table.get(key)
    if held is None:
        table[key] = j
        return None
    if isinstance(held, int):
        held = [held]
        if cap > 1:
            table[key] = held
    return held


class IdentityGraph:
    """Profiles maintained online, with the weights, rules and guards of a trained :class:`Resolver`.

    A resolver that was never trained gives a graph with the default weights of
    :meth:`FSModel.default` (contact data), so an application can start from nothing.

    ``add(record)`` canonicalizes the record, finds candidates through the same blocking keys
    as the batch resolver, links it deterministically or by score, and places it in a profile,
    merging profiles when it bridges several. Replaying a data set in order gives the clusters
    :meth:`Resolver.resolve` gives on it. ``unmerge`` and ``split`` undo wrong merges, and the
    profiles they separate stay apart afterwards.

    One graph may be shared by a service's threads: each call (an ``add``, an ``unmerge``, a
    ``save``, a read) happens whole, as if the calls had come one at a time in some order.
    """

    def __init__(self, resolver: Resolver) -> None:
        # One lock for every call: an add reads and changes the indexes, the profiles and the
        # scoring's own counters in many steps, and a thread switch between two of them had
        # given two records one index; a read iterating the profiles met a dict changing size.
        # Re-entrant, so that a locked method calling another one can never deadlock the graph.
        self._lock = threading.RLock()
        self._resolver = resolver
        self._recs: list[NormRecord] = []
        self._vals: list[_Vals] = []
        # Blocking key / strong value -> the record holding it, or the list of the first
        # max_block records once there are two (a lone int is not tracked by the cyclic GC,
        # which walks every list of a loaded graph).
        self._blocks: dict[str, int | list[int]] = {}
        self._holders: dict[str, int | list[int]] = {}
        self._pid: list[str] = []
        # Profile -> its records; a one-record profile (most of them) as a bare int, which the
        # cyclic GC does not track (_members_of reads either form).
        self._members: dict[str, int | list[int]] = {}
        self._cons: dict[str, Constraints | None] = {}
        """Constraints of the profiles of two or more records, or separated ones (_cons_of)."""
        self._tags: dict[int, dict[str, str]] = {}
        self._index: dict[str, int] = {}
        self._taken: set[str] = set()
        self._absorbed: dict[str, tuple[str, frozenset[int]]] = {}
        self._merges: list[MergeEvent] = []
        self._n_tags = 0
        self._norm: Normalizer | None = None
        self._columns_seen: set[str] | None = None
        """An untrained graph's columns so far (its field map was inferred from the first record):
        a later record's column whose type its name tells is reported once (_note_columns)."""
        try:
            frozen = resolver._frozen()
        except ConfigurationError:
            # Nothing trained yet: the default weights (FSModel.default), set up at the first
            # record; the field map is the resolver's ``fields``, else the first record's
            # columns plus the usual contact columns (_CONTACT_COLUMNS).
            return
        self._setup(*frozen)

    def _setup(self, cfg: Config, model: FSModel, weak: frozenset[str]) -> None:
        from omnilink.identity._resolver import _rebind

        self._engine = Engine(cfg, set(weak))
        self._model = _rebind(model, self._engine)
        self._engine.bind(self._model)
        self._norm = self._engine.normalizer()
        self._tracker = SharedTracker(self._engine.weak, cfg.shared_after)
        self._max_block = cfg.max_block
        self._tf = [c for c, t in enumerate(self._model.tf) if t is not None] if cfg.tf_adjustment else []
        self._bound = _ScoreBound(self._model, self._engine, cfg.tf_adjustment)

    # The contact columns an untrained graph compares besides those of its first record (a
    # phone that arrives with the third record must still count).
    _CONTACT_COLUMNS = (
        *("first_name", "last_name", "name", "email", "phone", "dob", "postcode", "city"),
        *("handle", "external_id"),  # a Customer's handles and external ids (customer_row)
    )

    def _setup_default(self, record: object) -> None:
        cfg = self._resolver._config([record, dict.fromkeys(self._CONTACT_COLUMNS)])
        comparators = Engine(cfg).comparators
        self._setup(cfg, FSModel.default(comparators, cfg.threshold), frozenset())
        if self._resolver._fields is None:  # inferred: later records may bring columns it lacks
            self._columns_seen = {cfg.id_field, *cfg.fields, *self._CONTACT_COLUMNS}
            if isinstance(record, dict):
                self._columns_seen.update(map(str, record))

    def _note_columns(self, record: dict[Any, Any]) -> None:
        """Report the columns of ``record`` an untrained graph has not seen and would compare had
        its first record held them (they are not compared: its field map is fixed)."""
        seen = self._columns_seen
        assert seen is not None
        new = [str(c) for c in record if c not in seen]
        seen.update(new)
        typed = [c for c in new if compared_by_name(c)]
        if typed:
            logger.warning(
                "IdentityGraph: columns %s are not compared: this untrained graph's field map was "
                "inferred from its first record (record %r brought them). Pass fields= naming "
                "them to the Resolver, or fit it on records that have them.",
                ", ".join(typed),
                record.get(self._norm.id_field) if self._norm is not None else None,
            )

    @property
    def model(self) -> FSModel | None:
        """The weights in use (None until an untrained graph has seen its first record)."""
        return self._model if self._norm is not None else None

    # -- reading -------------------------------------------------------------------------------

    def __len__(self) -> int:
        """Number of profiles."""
        return len(self._members)

    def __contains__(self, record_id: object) -> bool:
        return id_text(record_id) in self._index

    @property
    def record_count(self) -> int:
        return len(self._recs)

    def profile_of(self, record_id: str | int) -> str:
        """The profile holding a record; ``KeyError`` for an unknown record. An id may be given
        as the int it was added as (``"id": 7``), as everywhere the graph takes one."""
        with self._lock:
            return self._pid[self._at(record_id)]

    def _at(self, record_id: object) -> int:
        """The index of a record given by its id (``KeyError`` for an unknown one)."""
        rid = id_text(record_id)
        at = self._index.get(rid) if rid is not None else None
        if at is None:
            raise KeyError(record_id)
        return at

    def profile(self, profile_id: str) -> Profile:
        with self._lock:
            members = self._members_of(profile_id)
            absorbed = tuple(a for a in self._absorbed if self._survivor(a) == profile_id)
            return Profile(profile_id, tuple(self._recs[i].rid for i in sorted(members)), absorbed)

    def profiles(self) -> Iterator[Profile]:
        """Every profile, as the graph was when the iteration began (adds in other threads
        meanwhile are not seen)."""
        with self._lock:
            # The absorbed ids in one pass: asked per profile, they were a pass per profile.
            absorbed: defaultdict[str, list[str]] = defaultdict(list)
            for a in self._absorbed:
                absorbed[self._survivor(a)].append(a)
            # Only what later calls change is copied under the lock (a lone profile's record is
            # an int; the list of a larger one grows): the Profiles are made outside it, so a
            # service's adds wait for the copy, not for the whole iteration.
            pids = list(self._members)
            members = [m if isinstance(m, int) else m.copy() for m in self._members.values()]
        recs = self._recs  # append-only: the records of the copy keep their places
        for pid, m in zip(pids, members, strict=True):
            rids = (recs[m].rid,) if isinstance(m, int) else tuple(recs[i].rid for i in sorted(m))
            yield Profile(pid, rids, tuple(absorbed.get(pid, ())))

    @property
    def clusters(self) -> list[frozenset[str]]:
        with self._lock:
            return [frozenset(self._recs[i].rid for i in self._members_of(pid)) for pid in self._members]

    @property
    def rejects(self) -> tuple[Reject, ...]:
        with self._lock:
            return tuple(self._norm.rejects) if self._norm is not None else ()

    @property
    def merges(self) -> tuple[MergeEvent, ...]:
        """Every merge so far, oldest first."""
        with self._lock:
            return tuple(self._merges)

    def lookup(
        self,
        identifier: Identifier | str,
        *,
        kind: IdentifierKind | str | None = None,
        platform: str | None = None,
    ) -> tuple[str, ...]:
        """The profiles whose records hold an email, phone, handle or external id, the profile
        of the earliest record first: what an application asks when a message comes in ("whose
        phone is this?"), without adding a record for every message.

        ``identifier`` is an :class:`~omnilink.models.Identifier` (a webhook event's
        ``sender``) or a text, canonicalized as :meth:`Identifier.parse
        <omnilink.models.Identifier.parse>` does (``kind`` and ``platform`` as there; a national
        number is read in the graph's default region); a text that is none raises
        :class:`~omnilink.exceptions.InvalidIdentifierError`. An external id is found as a
        :class:`~omnilink.models.Customer` holds it (``"stripe:cus_123"``).

        Nothing is found for an identifier no record holds, nor for one that never identifies a
        person on its own (a role mailbox, a placeholder, one the graph found shared by several
        people, a household phone: records hold it, but it says nothing of which). Several
        profiles are found when records the graph kept apart on other evidence hold one.
        """
        norm = self._norm
        if norm is None:
            return ()
        if not isinstance(identifier, Identifier):
            # "john@gmail", "johngmail.com" as the records' emails were read (read_email): never
            # an identifier as written
            text = identifier
            if isinstance(identifier, str):
                text = completed_address(identifier) or identifier
            identifier = Identifier.parse(text, kind=kind, platform=platform, region=norm.region)
        value = identifier.value
        with self._lock:
            if identifier.kind is IdentifierKind.EMAIL:
                value = at_provider(value, norm._canon_email)  # as the records' emails were read
            if value in self._engine.weak:
                return ()
            held = self._holders.get(self._engine.strong_key(identifier.kind.value, value))
            if held is None:
                return ()
            pids = self._pid
            return tuple(dict.fromkeys(pids[i] for i in ([held] if isinstance(held, int) else held)))

    # -- adding --------------------------------------------------------------------------------

    def add(self, record: object) -> AddResult:
        """Place one record; never raises on bad input (problems are in ``AddResult.rejects``)."""
        with self._lock:
            return self._add(record)

    def _add(self, record: object) -> AddResult:
        if self._norm is None:
            self._setup_default(record)
        norm = self._norm
        assert norm is not None
        seen = self._columns_seen
        if seen is not None and type(record) is dict and not record.keys() <= seen:
            self._note_columns(record)
        engine = self._engine
        model = self._model
        n_rejects = len(norm.rejects)
        rec = norm.normalize(record)
        j = len(self._recs)
        rec.index = j
        self._tracker.see(rec)
        vals = self._bound.prepare(engine.values(rec))
        self._recs.append(rec)
        self._vals.append(vals)
        self._index[rec.rid] = j

        # Candidates: exactly the batch rule (the first max_block members of each block).
        cands: set[int] = set()
        blocks = self._blocks
        cap = self._max_block
        for key in record_keys(engine.rules, rec):
            members = _held(blocks, key, j, cap)
            if members is not None and len(members) < cap:
                cands.update(members)
                members.append(j)
        found: list[tuple[int, float, int, str]] = []
        threshold = model.threshold
        all_vals = self._vals
        # Only candidates that may reach the threshold come back (see _ScoreBound).
        for i, pat in self._bound.scan(cands, all_vals, vals):
            vi = all_vals[i]
            w = model.prior + model.pattern_weight(pat)
            if self._tf:
                w += model.tf_correction(pat, vi)
            if w >= threshold:
                found.append((i, w, 1, "fuzzy"))
        for reason, key in engine.strong_values(rec):
            holders = _held(self._holders, key, j, cap)
            if holders is None:
                continue
            for i in holders:
                if engine.deterministic_ok(reason, self._recs[i], rec):
                    pat = engine.pattern(all_vals[i], vals)
                    if engine.contradicted(model, pat):
                        continue
                    found.append((i, engine.score(model, pat, all_vals[i]), 0, reason))
                    break
            if len(holders) < cap:
                holders.append(j)

        # A profile of its own first, then the links strongest first, as the batch clustering does.
        pid = self._new_id(rec.rid)
        self._pid.append(pid)
        self._members[pid] = j  # its constraints are its record's: made when needed (_cons_of)
        found.sort(key=lambda t: (t[2], -t[1], t[0]))
        links: list[Link] = []
        joined: list[str] = []
        done: set[int] = set()
        for i, w, _kind, reason in found:
            if i in done:
                continue
            done.add(i)
            mine, theirs = self._pid[j], self._pid[i]
            if mine == theirs:
                links.append(Link(self._recs[i].rid, rec.rid, w, model.probability(w), reason))
                continue
            if not self._compatible(mine, theirs):
                continue
            links.append(Link(self._recs[i].rid, rec.rid, w, model.probability(w), reason))
            joined.append(theirs)
            self._merge(mine, theirs, fresh=pid)
        final = self._pid[j]
        created = not joined
        merge = None
        if len(joined) >= 2:
            # The profiles this record bridged: the one that kept its id survives.
            absorbed = tuple(p for p in dict.fromkeys(joined) if p != final)
            merge = MergeEvent(final, absorbed, rec.rid, tuple(links))
            self._merges.append(merge)
        if final != pid:
            self._taken.discard(pid)
        return AddResult(rec.rid, final, created, tuple(links), merge, tuple(norm.rejects[n_rejects:]))

    def add_many(self, records: Iterable[object]) -> list[AddResult]:
        """:meth:`add` every record, in order (loading a graph: the cyclic garbage collector is
        paused meanwhile, as in ``Resolver.resolve``)."""
        with gc_paused():
            return [self.add(r) for r in records]

    # -- undoing -------------------------------------------------------------------------------

    def unmerge(self, event: MergeEvent) -> tuple[str, ...]:
        """Undo a merge: the absorbed profiles get their records and ids back and stay apart.

        Records added after the merge stay in the surviving profile. Returns the restored ids.
        Raises ``ValueError`` when nothing of the merge is left to undo (it was undone already).
        """
        with self._lock:
            restored: list[str] = []
            groups: list[list[int]] = []
            bridge = self._index.get(event.record_id) if event.record_id is not None else None
            target = self._pid[bridge] if bridge is not None else event.surviving
            for absorbed in event.absorbed:
                entry = self._absorbed.get(absorbed)
                if entry is None:
                    continue
                _, idxs = entry
                current = sorted(i for i in idxs if self._pid[i] == target)
                if not current:
                    continue
                groups.append(current)
                restored.append(absorbed)
            if not groups:
                raise ValueError(
                    f"nothing to unmerge: {event.absorbed} are not merged any more (the event was undone "
                    "already, or a split moved its records); graph.merges lists the merges left"
                )
            self._separate(groups, restored)
            self._merges = [m for m in self._merges if m != event]  # equal: an event from before a save
            return tuple(restored)

    def split(self, profile_id: str, record_ids: Iterable[str | int]) -> str:
        """Move ``record_ids`` out of ``profile_id`` into a new profile that stays apart; returns its id.

        Raises ``KeyError`` for an unknown profile or record, and ``ValueError`` for a record of
        another profile or a choice of none or all of the profile's records.
        """
        with self._lock:
            if profile_id not in self._members:
                raise KeyError(profile_id)
            idxs = []
            for rid in dict.fromkeys(record_ids):  # a record named twice moves once
                i = self._at(rid)
                if self._pid[i] != profile_id:
                    raise ValueError(
                        f"record {rid!r} is not in profile {profile_id!r} but in {self._pid[i]!r}: "
                        "split moves records of one profile"
                    )
                idxs.append(i)
            if not idxs or len(idxs) == len(self._members_of(profile_id)):
                raise ValueError(
                    f"split needs some but not all of the records of profile {profile_id!r}, got "
                    f"{len(idxs)} of {len(self._members_of(profile_id))}"
                )
            seed = min(self._recs[i].rid for i in idxs)
            new = self._new_id(seed)
            self._taken.discard(new)
            self._separate([idxs], [new])
            return new

    # -- saving --------------------------------------------------------------------------------

    def save(self, file: str | os.PathLike[str] | IO[bytes]) -> None:
        """Write the whole graph to ``file`` (a path or a binary file) for :meth:`load`.

        Everything the graph knows goes with it: records, profiles and their ids, merges, the
        separations :meth:`unmerge` and :meth:`split` made, the identifiers it found shared,
        rejects and the weights, so a service keeps its graph across restarts instead of adding
        every record again (200,000 contacts: loading takes ~4 s, ``add_many`` ~33 s). A path is
        written to a temporary file beside it, then moved over it, so a crash mid-save leaves
        the previous file whole. The format is :mod:`pickle`: load only files you wrote.
        """
        if not isinstance(file, str | os.PathLike):
            self._dump(file)
            return
        path = os.fspath(file)
        fd, tmp = tempfile.mkstemp(prefix=".omnilink-graph-", dir=os.path.dirname(path) or ".")
        try:
            with os.fdopen(fd, "wb") as out:
                self._dump(out)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise

    def _dump(self, out: IO[bytes]) -> None:
        from omnilink import __version__

        # Paused: the pickler's memo of millions of objects made the collector walk the graph
        # again and again (200,000 contacts: 11.4 s to save with it, 6.9 s without). Locked: the
        # file holds one moment of the graph, not an add half written.
        with self._lock, gc_paused():
            pickle.dump((_SAVED, __version__, self), out, protocol=pickle.HIGHEST_PROTOCOL)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"]  # a lock is no state to save (nor can it be pickled)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.RLock()

    @classmethod
    def load(cls, file: str | os.PathLike[str] | IO[bytes]) -> IdentityGraph:
        """A graph written by :meth:`save`, as it was then (it goes on numbering profiles as it
        would have). Raises :class:`~omnilink.exceptions.ConfigurationError` for a file that is
        not a saved graph or was saved by another version of omnilink. Unpickles: load only
        files you trust."""
        from omnilink import __version__

        # Paused as in add_many: unpickling 200,000 records took 16.5 s with the collector on
        # (it walked the growing graph at every threshold), 4.2 s without.
        with gc_paused():
            if isinstance(file, str | os.PathLike):
                with open(file, "rb") as f:
                    saved = _unpickle(f, file)
            else:
                saved = _unpickle(file, file)
        shaped = isinstance(saved, tuple) and len(saved) == 3 and saved[0] == _SAVED
        graph = saved[2] if shaped else None
        if not isinstance(graph, cls):
            raise ConfigurationError(f"{file!r} is not an IdentityGraph written by IdentityGraph.save")
        version = saved[1]
        if version != __version__:
            raise ConfigurationError(
                f"{file!r} holds a graph saved by omnilink {version}, and this is {__version__}: its "
                "internal layout may differ. Load it with that version, or rebuild the graph with "
                "resolver.graph().add_many(records)."
            )
        return graph

    # -- internals -----------------------------------------------------------------------------

    def _survivor(self, absorbed: str) -> str:
        """The profile an absorbed id lives on in: the one that absorbed it, or, when that was
        absorbed in turn, the one that absorbed that (Y into X, then X into Z: Z)."""
        pid = self._absorbed[absorbed][0]
        for _ in range(len(self._absorbed)):  # ids are never reused, so the chain ends
            if pid in self._members or pid not in self._absorbed:
                break
            pid = self._absorbed[pid][0]
        return pid

    def _members_of(self, pid: str) -> list[int]:
        """The records of a profile, as a list the caller may keep or change (``KeyError`` for an
        unknown profile)."""
        members = self._members[pid]
        return [members] if isinstance(members, int) else members

    def _new_id(self, seed: str) -> str:
        pid = profile_id(seed)
        salt = 0
        while pid in self._taken:
            salt += 1
            pid = profile_id(f"{seed}\x00{salt}")
        self._taken.add(pid)
        return pid

    def _cons_of(self, pid: str) -> Constraints | None:
        """The constraints of a profile. A profile of one record that was never separated has
        no entry: its constraints are its record's, made when asked for, so the graph does not
        hold ~6 objects per lone record for them (most profiles are one record)."""
        try:
            return self._cons[pid]
        except KeyError:
            (only,) = self._members_of(pid)
            return self._engine.constraints(self._recs[only])

    def _compatible(self, a: str, b: str) -> bool:
        ca, cb = self._cons_of(a), self._cons_of(b)
        return ca is None or cb is None or ca.compatible(cb, self._engine.caps)

    def _merge(self, a: str, b: str, *, fresh: str) -> str:
        """Merge profiles ``a`` and ``b``: the larger (then the older) keeps its id."""
        ma, mb = self._members_of(a), self._members_of(b)
        if (len(ma), -min(ma)) < (len(mb), -min(mb)):
            a, b, ma, mb = b, a, mb, ma
        ca, cb = self._cons_of(a), self._cons_of(b)  # before the members change
        self._cons.pop(b, None)
        for i in mb:
            self._pid[i] = a
        ma.extend(mb)
        self._members[a] = ma
        if cb is not None:
            if ca is None:
                ca = cb
            else:
                ca.absorb(cb)
        self._cons[a] = ca
        del self._members[b]
        if b != fresh:
            self._absorbed[b] = (a, frozenset(mb))
        return a

    def _separate(self, groups: list[list[int]], ids: list[str]) -> None:
        """Move each group into its own profile (with the given id) and keep them apart for good."""
        self._n_tags += 1
        tag = f"\x00apart{self._n_tags}"
        source = self._pid[groups[0][0]]
        moved: set[int] = set()
        for k, (group, pid) in enumerate(zip(groups, ids, strict=True)):
            for i in group:
                self._tags.setdefault(i, {})[tag] = str(k + 1)
                self._pid[i] = pid
                moved.add(i)
            self._members[pid] = sorted(group)
            self._taken.add(pid)
            self._absorbed.pop(pid, None)
        rest = [i for i in self._members_of(source) if i not in moved]
        for i in rest:
            self._tags.setdefault(i, {})[tag] = "0"
        if rest:
            self._members[source] = rest
        else:  # every record went back to a restored profile: no empty profile stays behind
            del self._members[source]
            self._cons.pop(source, None)
        for pid in (source, *ids) if rest else ids:
            self._cons[pid] = self._constraints_of(self._members_of(pid))

    def _constraints_of(self, members: list[int]) -> Constraints | None:
        out: Constraints | None = None
        for i in members:
            c = self._engine.constraints(self._recs[i])
            tags = self._tags.get(i)
            if tags:
                c = c.copy() if c is not None else Constraints()
                excl = c.exclusive or {}
                excl.update(tags)
                c.exclusive = excl
            if c is None:
                continue
            if out is None:
                out = c.copy()
            else:
                out.absorb(c)
        return out

    def as_mapping(self) -> Mapping[str, str]:
        """record id -> profile id, for every record added, in the order they were added."""
        with self._lock:
            return {r.rid: self._pid[i] for i, r in enumerate(self._recs)}
