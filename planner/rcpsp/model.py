"""The CP-SAT model of an instance, with named, switchable strengthening.

``build(instance, options)`` turns the data into a ``CpModel``: one fixed-size interval per job,
a cumulative per resource (downtime as fixed intervals eating the missing capacity), generalized
precedences ``start_j >= start_i + lag``, release/deadline windows, no-overlap for disjunctive
pairs, and the makespan to minimize. Each redundant piece can be turned off by name in
:class:`ModelOptions` (``planner.rcpsp.cpsat`` exposes them), following OR-Tools'
``rcpsp_sat.py``:

``makespan_interval``
    An interval ``[makespan, horizon)`` that occupies every resource fully (its lowest capacity
    when there is downtime), so the cumulative propagators see that nothing runs after the
    makespan and its energy reasoning lifts the makespan's lower bound.
``energy_precedences``
    Lag distances lengthened by energy (:func:`planner.rcpsp.network.energy_distances`): the
    jobs that must run between the end of ``i`` and the start of ``k`` need ``⌈energy /
    capacity⌉`` on every resource. Used for the windows and the transitive precedences.
``transitive_precedences``
    ``start_j >= start_i + D[i, j]`` for every pair related by a chain of lags (longest paths).
``lengthened_precedences``
    The same, only for the pairs whose energy-lengthened distance exceeds the plain longest
    path: the rest follow from the lags by CP-SAT's own precedence propagation, so this is the
    part of ``transitive_precedences`` that adds deductions (and nothing when that is on).
``delays``
    Minimum delays between fork/join pairs: the least ``start_j - start_i`` of the sub-project
    between ``i`` and ``j`` under its resources (see :mod:`planner.rcpsp.delays`).
``energetic_cuts``
    Linear energy cuts: per resource ``Σ q d <= capacity · makespan``; per job, the energy of its
    successors must fit between its end and the makespan, and that of its predecessors between 0
    and its start.
``tight_domains``
    Start domains cut to ``[es, ls]`` (lags, windows, a known makespan bound) minus the starts that
    would run a job through a downtime window it does not fit under.
``lower_bound``
    ``makespan >= LB`` from :mod:`planner.rcpsp.bounds`.
``disjunctive_cliques``
    No-overlap constraints over cliques of pairwise incompatible jobs: two jobs are incompatible
    when together they exceed some capacity (on *any* resource, which a single cumulative does
    not see), form a disjunctive pair, or are ordered by the lags. CP-SAT's disjunctive
    propagators (edge finding, not-first/not-last, precedences) then work across resources.
``time_indexed``
    The time-indexed (disaggregated) formulation as a redundant layer: a Boolean per job and
    possible start, exactly one per job, capacity per time unit and precedences as cumulative
    sums (Pritsker et al. 1969; Christofides et al. 1987). Its LP relaxation is far tighter than
    the interval model's, which is what proves the hard small instances (PSPLIB j3013_*). Added
    only while the start windows hold at most ``TIME_INDEXED_LIMIT`` values in total, so pass a
    good ``upper`` bound.
``decision_strategy``
    Branch on the job with the smallest possible start and start it there (the schedule-
    generation order), used by CP-SAT's fixed-search workers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace

import numpy as np
from ortools.sat.python import cp_model

from planner.core.timing import Deadline
from planner.rcpsp.instance import Instance
from planner.rcpsp.network import energy_distances, forbidden_starts, tightened_windows

#: Total number of (job, start) pairs up to which ``time_indexed`` is added.
TIME_INDEXED_LIMIT = 4000


@dataclass(frozen=True)
class ModelOptions:
    """Switches of the redundant constraints; see the module docstring.

    All are on by default except ``delays`` (the fork/join sub-problems cost a share of the
    budget and did not raise a single proven bound on the hard j60 sample, see
    ``bench/results/rcpsp/tune_j60.md``), ``lengthened_precedences`` (a subset of the transitive
    ones; without them it was as fast as the full set on the no-LP j60 proofs, within seed noise:
    ``bench/session_runs/s22j60/``), ``disjunctive_cliques``, ``time_indexed`` and
    ``decision_strategy``.
    """

    makespan_interval: bool = True
    energy_precedences: bool = True
    transitive_precedences: bool = True
    lengthened_precedences: bool = False
    delays: bool = False
    energetic_cuts: bool = True
    tight_domains: bool = True
    lower_bound: bool = True
    disjunctive_cliques: bool = False
    time_indexed: bool = False
    decision_strategy: bool = False

    @classmethod
    def parse(cls, spec: str | Mapping[str, bool] | None) -> ModelOptions:
        """From ``"-delays,-energetic_cuts"`` / ``{"delays": False}`` / ``None`` (defaults)."""
        if spec is None:
            return cls()
        if isinstance(spec, Mapping):
            return replace(cls(), **{k: bool(v) for k, v in spec.items()})
        names = {f.name for f in fields(cls)}
        out = {}
        for item in (x.strip() for x in spec.split(",") if x.strip()):
            on = not item.startswith("-")
            key = item.lstrip("+-")
            if key not in names:
                raise ValueError(f"unknown model option {key!r}; known: {', '.join(sorted(names))}")
            out[key] = on
        return replace(cls(), **out)


@dataclass
class Model:
    """A built model and the handles needed to read a schedule back."""

    cp: cp_model.CpModel
    starts: list[cp_model.IntVar]
    makespan: cp_model.IntVar
    horizon: int
    stats: dict[str, int] = field(default_factory=dict)
    tails: list[tuple[cp_model.IntVar, int]] = field(default_factory=list)

    def hint(self, start: list[int] | tuple[int, ...], durations: tuple[int, ...]) -> None:
        """Hint a complete schedule: every start, the makespan and the makespan intervals' sizes
        (a partial hint would leave CP-SAT to complete it, which it may give up on)."""
        ms = max((s + d for s, d in zip(start, durations, strict=True)), default=0)
        self.cp.clear_hints()
        for var, value in zip(self.starts, start, strict=True):
            self.cp.add_hint(var, int(value))
        self.cp.add_hint(self.makespan, ms)
        for var, last in self.tails:
            self.cp.add_hint(var, last - ms)


class BuildTimeout(Exception):
    """:func:`build` passed its deadline (the message says at which step); the caller keeps the
    schedule it has (at 3,000 jobs the model took 6-8 CPU s to build, past a 1 s limit)."""


#: Build steps between two clock reads (a step is a job, an arc or an energy cut).
CHECK_EVERY = 4096


def _check(deadline: Deadline | None, step: str) -> None:
    if deadline is not None and deadline.expired():
        raise BuildTimeout(f"time limit reached while building the CP-SAT model ({step})")


def build(
    instance: Instance,
    dist: np.ndarray,
    *,
    options: ModelOptions = ModelOptions(),
    upper: int | None = None,
    lower: int = 0,
    delays: Mapping[tuple[int, int], int] | None = None,
    deadline: Deadline | None = None,
) -> Model:
    """Build the CP-SAT model.

    Parameters
    ----------
    instance
        The instance (no positive lag cycle: callers check :mod:`feasibility` first).
    dist
        Longest-path matrix from :func:`planner.rcpsp.network.distances`.
    options
        Which redundant constraints to add.
    upper
        A known feasible makespan: the horizon becomes ``upper`` (the model then looks for a
        schedule at least as good; pass ``None`` to keep the full horizon).
    lower
        A proven lower bound on the makespan.
    delays
        Extra minimum start-to-start delays ``(i, j) -> delay`` (from the fork/join sub-problems).
    deadline
        Stop building when it passes (``None``: never); the same model otherwise.

    Raises
    ------
    BuildTimeout
        ``deadline`` passed before the model was complete.
    """
    n = instance.num_jobs
    dur = instance.durations
    plain = dist
    if options.energy_precedences:
        dist = energy_distances(instance, dist)
    horizon = instance.horizon if upper is None else min(upper, instance.horizon)
    m = cp_model.CpModel()
    stats: dict[str, int] = {}
    _check(deadline, "energy precedences")
    w = tightened_windows(instance, dist, horizon=horizon)
    _check(deadline, "time windows")
    es = [int(x) for x in w.es]
    ls = [int(x) for x in w.ls]
    if not options.tight_domains:
        es = list(instance.release)
        ls = [
            (horizon if instance.deadline[j] is None else min(horizon, instance.deadline[j]))
            - dur[j]
            for j in range(n)
        ]
    starts = []
    intervals = []
    tails: list[tuple[cp_model.IntVar, int]] = []
    domains: list[list[tuple[int, int]]] = []
    for j in range(n):
        if j % CHECK_EVERY == CHECK_EVERY - 1:
            _check(deadline, "start variables")
        lo, hi = es[j], ls[j]
        if hi < lo:  # empty window: the model is infeasible, and stays well-formed
            parts: list[tuple[int, int]] = []
        elif options.tight_domains and instance.downtimes:
            parts = _domain_minus(lo, hi, forbidden_starts(instance, j))
        else:
            parts = [(lo, hi)]
        domains.append(parts)
        s = m.new_int_var_from_domain(
            cp_model.Domain.from_intervals([list(p) for p in parts]), f"s{j}"
        )
        starts.append(s)
        intervals.append(m.new_fixed_size_interval_var(s, dur[j], f"x{j}"))
    makespan = m.new_int_var(max(lower if options.lower_bound else 0, 0), horizon, "makespan")
    for j in range(n):
        m.add(starts[j] + dur[j] <= makespan)
    # precedences (and their transitive closure)
    arcs = {}
    for i, j, lag in instance.arcs:
        arcs[(i, j)] = max(arcs.get((i, j), lag), lag)
    if options.transitive_precedences or options.lengthened_precedences:
        pairs = np.isfinite(dist)
        if not options.transitive_precedences:  # only what propagating the lags cannot see
            pairs &= ~np.isfinite(plain) | (dist > plain)
        ii, jj = np.nonzero(pairs)
        for k, (i, j) in enumerate(zip(ii.tolist(), jj.tolist(), strict=True)):
            if k % CHECK_EVERY == CHECK_EVERY - 1:
                _check(deadline, "transitive precedences")
            if i != j:
                arcs[(i, j)] = max(arcs.get((i, j), -(2**62)), int(dist[i, j]))
    if delays and options.delays:
        for (i, j), dly in delays.items():
            if dly > arcs.get((i, j), -(2**62)):
                arcs[(i, j)] = dly
                stats["delays_added"] = stats.get("delays_added", 0) + 1
    _check(deadline, "precedences")
    for k, ((i, j), lag) in enumerate(arcs.items()):
        if k % CHECK_EVERY == CHECK_EVERY - 1:
            _check(deadline, "precedences")
        m.add(starts[j] >= starts[i] + lag)
    stats["precedence_constraints"] = len(arcs)
    # resources
    for r in range(instance.num_resources):
        _check(deadline, f"resource {r}")
        base = instance.capacities[r]
        ivs = [intervals[j] for j in range(n) if instance.demands[j][r] and dur[j]]
        qs = [instance.demands[j][r] for j in range(n) if instance.demands[j][r] and dur[j]]
        if not ivs:
            continue
        profile = instance.capacity_profile(r)
        for a, b, cap in profile:
            ivs.append(m.new_fixed_size_interval_var(a, b - a, f"down{r}_{a}"))
            qs.append(base - cap)
        if options.makespan_interval:
            low = min([base] + [cap for _, _, cap in profile])
            if low > 0:
                last = max(horizon, max((b for _, b, _ in profile), default=0))
                size = m.new_int_var(0, last, f"tail{r}")
                ivs.append(m.new_interval_var(makespan, size, last, f"after{r}"))
                qs.append(low)
                tails.append((size, last))
        if sum(qs) > base:
            m.add_cumulative(ivs, qs, base)
        if options.energetic_cuts and base > 0:
            _energy_cuts(m, instance, r, starts, makespan, dist, deadline)
    _check(deadline, "disjunctive cliques")
    cliques = incompatible_cliques(instance, dist) if options.disjunctive_cliques else []
    covered = set()
    for clique in cliques:
        m.add_no_overlap([intervals[j] for j in clique])
        covered.update((a, b) for a in clique for b in clique)
    stats["disjunctive_cliques"] = len(cliques)
    for a, b in instance.disjunctive:
        if dur[a] and dur[b] and (a, b) not in covered:
            m.add_no_overlap([intervals[a], intervals[b]])
    _check(deadline, "disjunctive pairs")
    if options.time_indexed:
        _time_indexed(m, instance, starts, domains, arcs, stats)
    if options.decision_strategy:
        m.add_decision_strategy(starts, cp_model.CHOOSE_LOWEST_MIN, cp_model.SELECT_MIN_VALUE)
    m.minimize(makespan)
    return Model(m, starts, makespan, horizon, stats, tails)


def incompatible_cliques(
    instance: Instance, dist: np.ndarray, *, min_size: int = 3, max_cliques: int | None = None
) -> list[list[int]]:
    """Greedy maximal cliques of the "cannot overlap" graph (see ``disjunctive_cliques``).

    One clique is grown from every job (highest degree first, always adding the candidate with
    the most neighbours among the remaining candidates); cliques inside an earlier one are
    dropped. At most ``max_cliques`` (default ``2 n``) are returned, largest first.
    """
    n = instance.num_jobs
    dur = instance.durations
    jobs = [j for j in range(n) if dur[j] > 0]
    if len(jobs) < min_size:
        return []
    q = np.asarray(instance.demands, dtype=np.int64).reshape(n, -1)
    cap = np.asarray(instance.capacities, dtype=np.int64)
    over = ((q[:, None, :] + q[None, :, :]) > cap[None, None, :]).any(axis=2)
    d = np.asarray(dur)
    ordered = (dist >= d[:, None]) | (d[None, :] <= dist.T)
    adj = over | ordered
    for a, b in instance.disjunctive:
        adj[a, b] = adj[b, a] = True
    keep = np.zeros(n, dtype=bool)
    keep[jobs] = True
    adj &= keep[:, None] & keep[None, :]
    np.fill_diagonal(adj, False)
    degree = adj.sum(axis=1)
    cliques: list[list[int]] = []
    seen: list[set[int]] = []
    for root in sorted(jobs, key=lambda j: -degree[j]):
        clique = [root]
        cand = set(np.nonzero(adj[root])[0].tolist())
        while cand:
            nxt = max(cand, key=lambda j: (len(cand & set(np.nonzero(adj[j])[0].tolist())), -j))
            clique.append(nxt)
            cand &= set(np.nonzero(adj[nxt])[0].tolist())
        if len(clique) < min_size:
            continue
        members = set(clique)
        if any(members <= other for other in seen):
            continue
        seen.append(members)
        cliques.append(sorted(clique))
    cliques.sort(key=len, reverse=True)
    return cliques[: (2 * n if max_cliques is None else max_cliques)]


def _time_indexed(
    m: cp_model.CpModel,
    instance: Instance,
    starts: list[cp_model.IntVar],
    domains: list[list[tuple[int, int]]],
    arcs: Mapping[tuple[int, int], int],
    stats: dict[str, int],
) -> None:
    """The time-indexed layer (see ``time_indexed``), if small enough."""
    n = instance.num_jobs
    dur = instance.durations
    values = [[t for lo, hi in domains[j] for t in range(lo, hi + 1)] for j in range(n)]
    size = sum(len(v) for v in values)
    if size > TIME_INDEXED_LIMIT or any(not v for v in values):
        return
    stats["time_indexed_vars"] = size
    x = []
    for j in range(n):
        xj = {t: m.new_bool_var(f"x{j}_{t}") for t in values[j]}
        m.add_exactly_one(xj.values())
        m.add(starts[j] == sum(t * b for t, b in xj.items()))
        x.append(xj)
    top = max(t + dur[j] for j in range(n) for t in values[j])
    for r in range(instance.num_resources):
        users = [j for j in range(n) if instance.demands[j][r] and dur[j]]
        if not users:
            continue
        cap = [instance.capacities[r]] * (top + 1)
        for a, b, c in instance.capacity_profile(r):
            for t in range(a, min(b, top + 1)):
                cap[t] = c
        for t in range(top):
            terms = [
                (instance.demands[j][r], b)
                for j in users
                for tau, b in x[j].items()
                if tau <= t < tau + dur[j]
            ]
            if sum(q for q, _ in terms) > cap[t]:
                m.add(sum(q * b for q, b in terms) <= cap[t])
    direct = {(p.pred, p.succ) for p in instance.precedences}
    for (i, j), lag in arcs.items():
        if (i, j) not in direct:
            continue
        # start_j >= start_i + lag, disaggregated: by time t, j may have started only if i had
        # started by t - lag
        ti, tj = sorted(x[i]), sorted(x[j])
        for t in tj:
            lhs = [x[j][u] for u in tj if u <= t]
            rhs = [x[i][u] for u in ti if u <= t - lag]
            if len(rhs) < len(ti):
                m.add(sum(lhs) <= sum(rhs))


def _energy_cuts(
    m: cp_model.CpModel,
    instance: Instance,
    r: int,
    starts: list[cp_model.IntVar],
    makespan: cp_model.IntVar,
    dist: np.ndarray,
    deadline: Deadline | None = None,
) -> None:
    """Energy cuts for resource ``r`` (valid whatever the downtime: capacity <= base)."""
    n = instance.num_jobs
    base = instance.capacities[r]
    dur = instance.durations
    energy = [instance.demands[j][r] * dur[j] for j in range(n)]
    total = sum(energy)
    if total == 0:
        return
    # as a bound: makespan * base overflowed CP-SAT's int64 (MODEL_INVALID) for capacities
    # and horizons within the documented limits (s16audit); integer ceilings, exact
    m.add(makespan >= -(-total // base))
    # ordered[j, k]: k starts after j ends, for jobs k with energy. Masks and sums in numpy: the
    # Python double loop took 1.7 s of a 1 s limit at 300 jobs (s23walk); same cuts, same order.
    # by_j[k, j]: j starts after k ends, for jobs k with energy (the jobs before j).
    follows = np.asarray(dist) >= np.asarray(dur, dtype=float)[:, None]
    np.fill_diagonal(follows, False)
    has = np.asarray([e > 0 for e in energy], dtype=bool)
    ordered, by_j = follows & has[None, :], follows & has[:, None]
    # exact sums: int64 while the total fits, Python ints past it
    weights = np.asarray(energy, dtype=np.int64 if total < 2**62 else object)
    after_e = ordered.astype(weights.dtype) @ weights
    before_e = weights @ by_j.astype(weights.dtype)
    has_after, has_before = ordered.any(axis=1), by_j.any(axis=0)
    _check(deadline, f"energy cuts of resource {r}")
    for j in range(n):
        if j % CHECK_EVERY == CHECK_EVERY - 1:
            _check(deadline, f"energy cuts of resource {r}")
        if has_after[j]:
            e = int(after_e[j])
            m.add(makespan >= starts[j] + dur[j] + -(-e // base))
        if has_before[j]:
            e = int(before_e[j])
            m.add(starts[j] >= -(-e // base))


def _domain_minus(lo: int, hi: int, forbidden: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``[lo, hi]`` without the forbidden ranges, as sorted disjoint ranges."""
    parts = []
    t = lo
    for flo, fhi in forbidden:
        if fhi < t:
            continue
        if flo > hi:
            break
        if flo > t:
            parts.append((t, flo - 1))
        t = max(t, fhi + 1)
    if t <= hi:
        parts.append((t, hi))
    return parts
