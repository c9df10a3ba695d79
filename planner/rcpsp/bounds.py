"""Lower bounds on the makespan.

``lower_bound`` (cheap, run on every certificate) is the best of

* the critical path: releases + time lags + durations, each lag lengthened by the energy of the
  jobs that must run in between, with start windows tightened by downtime;
* the resource (energy) bound per resource: the first time by which the capacity profile has
  offered as much energy (units × time) as the jobs need;
* a head–energy–tail bound per resource: for every job subset ``S = {j : head_j >= a}``, split by
  tails, ``a + ⌈energy(S') / capacity⌉ + min tail(S')`` (the one-machine bound generalized to
  cumulative resources).

``preemptive_bound`` (the preemptive set-covering relaxation, by column generation) is stronger
and dearer; ``auto`` calls it with a time budget. Every bound assumes the instance is feasible (an infeasible one has no optimum).
"""

from __future__ import annotations

import math

import numpy as np

from planner.core.timing import Deadline
from planner.rcpsp.instance import Instance
from planner.rcpsp.network import (
    Windows,
    distances,
    energy_distances,
    positive_cycle,
    tightened_windows,
)


def lower_bound(instance: Instance) -> int:
    """Best cheap lower bound on the optimal makespan (0 for an instance with a positive cycle).

    Computed once per instance and kept in ``instance.derived``: the methods, the model and the
    certificate (``planner.solve``) all ask for it, and at 300 jobs it costs about 0.5 CPU s.
    """
    memo = instance.derived
    if "lower_bound" not in memo:
        memo["lower_bound"] = _lower_bound(instance)
    return memo["lower_bound"]


def _lower_bound(instance: Instance) -> int:
    if instance.num_jobs == 0:
        return 0
    if positive_cycle(instance) is not None:
        return 0
    dist = energy_distances(instance, distances(instance))
    w = tightened_windows(instance, dist)
    return int(max(critical_path_bound(instance, w), resource_bound(instance, w)))


def critical_path_bound(instance: Instance, w: Windows) -> int:
    """``max_j es_j + tail_j`` over the (downtime-tightened) windows ``w``."""
    return int(np.max(w.es + w.tail)) if instance.num_jobs else 0


def resource_bound(instance: Instance, w: Windows) -> int:
    """Best energy bound over all resources (see the module docstring)."""
    best = 0
    dur = np.asarray(instance.durations, dtype=np.int64)
    heads = w.es.astype(np.int64)
    tails = (w.tail - dur).astype(np.int64)  # time from a job's end to the project end
    for r in range(instance.num_resources):
        q = np.asarray([row[r] for row in instance.demands], dtype=np.int64)
        use = (q > 0) & (dur > 0)
        if not use.any():
            continue
        each = [int(a) * int(b) for a, b in zip(q[use], dur[use], strict=True)]
        energy = sum(each)  # Python ints: n energies of up to 2**62 overflow int64
        best = max(best, _time_to_supply(instance, r, 0, energy))
        cap = instance.capacities[r]
        if cap <= 0:
            continue
        kind = np.int64 if energy < 2**62 else object  # object: exact past int64
        best = max(best, _head_energy_tail(heads[use], tails[use], np.array(each, kind), cap))
    return best


def _time_to_supply(instance: Instance, r: int, t0: int, energy: int) -> int:
    """The first ``T`` with ``∫_{t0}^{T} capacity_r(t) dt >= energy`` (downtime included)."""
    base = instance.capacities[r]
    if energy <= 0:
        return t0
    t, left = t0, energy
    for a, b, cap in instance.capacity_profile(r):
        if b <= t:
            continue
        if a > t:  # base capacity on [t, a)
            if base * (a - t) >= left:
                return t + -(-left // base)
            left -= base * (a - t)
            t = a
        span = b - t
        if cap * span >= left and cap > 0:
            return t + -(-left // cap)
        left -= cap * span
        t = b
    if base <= 0:
        return 2**62  # never supplied: the instance is infeasible; any bound is valid
    return t + -(-left // base)


def _head_energy_tail(heads: np.ndarray, tails: np.ndarray, energy: np.ndarray, cap: int) -> int:
    """``max_a max_b  a + ⌈E({head >= a, tail >= b}) / cap⌉ + b`` over job heads ``a``, tails ``b``."""
    order = np.argsort(-tails, kind="stable")
    heads, tails, energy = heads[order], tails[order], energy[order]
    best = 0
    for a in np.unique(heads):
        sel = heads >= a
        e = np.cumsum(energy[sel])  # jobs by decreasing tail: prefix = {tail >= b}
        bound = a + -(-e // cap) + tails[sel]
        best = max(best, int(bound.max()))
    return best


def preemptive_bound(instance: Instance, *, time_limit: float = 1.0, seed: int = 0) -> int:
    """The preemptive set-covering bound (Mingozzi et al. 1998), by column generation.

    ``min Σ_S x_S`` subject to ``Σ_{S ∋ j} x_S >= d_j``: every feasible schedule, cut into time
    units, spends its makespan on *antichains* — sets of jobs that may run together (no two
    ordered by the lags, in a disjunctive pair, or jointly above a capacity). Columns come from
    a greedy antichain builder while it finds any with dual weight above 1, then from an exact
    CP-SAT pricing problem; the bound is the LP value once no column prices out, and Farley's
    bound ``LP / max(1, best price)`` when time runs out (both valid).

    Parameters
    ----------
    instance
        The instance (no positive lag cycle).
    time_limit
        Seconds for the whole column generation.
    seed
        CP-SAT seed of the pricing problems.
    """
    import highspy
    from ortools.sat.python import cp_model

    from planner.core.lp_bound import dual_objective_lower
    from planner.core.mip import new_highs

    clock = Deadline(time_limit)
    jobs = [j for j in range(instance.num_jobs) if instance.durations[j] > 0]
    if not jobs:
        return 0
    dist = energy_distances(instance, distances(instance))
    dur = np.asarray(instance.durations)
    q = np.asarray(instance.demands, dtype=np.int64).reshape(instance.num_jobs, -1)
    cap = np.asarray(instance.capacities, dtype=np.int64)
    if np.any(q[jobs] > cap[None, :]):
        return 0  # infeasible: any bound is valid, the checks report it
    pos = {j: k for k, j in enumerate(jobs)}
    clash = set()
    for a in jobs:
        for b in jobs:
            if a < b and (
                dist[a, b] >= dur[a] or dist[b, a] >= dur[b] or np.any(q[a] + q[b] > cap)
            ):
                clash.add((a, b))
    for a, b in instance.disjunctive:
        if a in pos and b in pos:
            clash.add((min(a, b), max(a, b)))
    h = new_highs(time_limit=time_limit, threads=1, seed=seed)  # silent, even its banner
    inf = highspy.kHighsInf
    for j in jobs:
        h.addRow(float(dur[j]), inf, 0, np.array([], dtype=np.int32), np.array([]))
    demand = dur[jobs].astype(np.float64)
    upper = np.full(len(jobs), np.inf)
    columns: set[frozenset[int]] = set()

    def add(col: frozenset[int]) -> None:
        columns.add(col)
        idx = np.array([pos[j] for j in sorted(col)], dtype=np.int32)
        h.addCol(1.0, 0.0, inf, len(idx), idx, np.ones(len(idx)))

    for j in jobs:
        add(frozenset([j]))
    best = 0.0
    while not clock.expired():
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            break
        duals = np.asarray(h.getSolution().row_dual)
        # weak duality, evaluated safely (planner.core.lp_bound), not the LP objective: y⁺ is
        # dual feasible once divided by the largest antichain weight (Farley), so
        # d.y⁺ / max(1, price) bounds the whole LP, whatever tolerances HiGHS solved it to
        covered = dual_objective_lower(demand, upper, np.clip(duals, 0.0, None))
        greedy = [c for c in _greedy_columns(jobs, duals, q, cap, clash) if c not in columns]
        if greedy:  # cheap columns first; the exact pricing only proves there are none left
            for c in greedy:
                add(c)
            continue
        price_ub, col = _price(jobs, duals, q, cap, clash, clock, seed, cp_model)
        # Farley: valid at every iteration (rounded down: one division)
        best = max(best, covered / max(1.0, price_ub) * (1.0 - 2.0**-52))
        if price_ub <= 1.0 + 1e-6:
            break  # no column prices out: the LP is solved
        if col is None or col in columns or sum(duals[pos[j]] for j in col) <= 1.0 + 1e-9:
            break
        add(col)
    # best is rigorous given a rigorous price bound; the margin only absorbs the float sums
    # of the greedy / trivial prices (far below it)
    return math.ceil(best * (1 - 1e-9) - 1e-9)


def _greedy_columns(jobs, duals, q, cap, clash, limit: int = 10) -> list[frozenset[int]]:
    """Antichains of dual weight above 1 built greedily from each of the heaviest jobs."""
    weight = {j: duals[k] for k, j in enumerate(jobs) if duals[k] > 1e-9}
    order = sorted(weight, key=lambda j: -weight[j])
    out: list[frozenset[int]] = []
    for root in order[:limit]:
        chosen = [root]
        used = q[root].copy()
        for j in order:
            if j == root or np.any(used + q[j] > cap):
                continue
            if any((min(a, j), max(a, j)) in clash for a in chosen):
                continue
            chosen.append(j)
            used += q[j]
        if sum(weight[j] for j in chosen) > 1.0 + 1e-6:
            out.append(frozenset(chosen))
    return list(dict.fromkeys(out))


def _price(jobs, duals, q, cap, clash, clock, seed, cp_model):
    """Pricing: an upper bound on the best antichain's dual weight, and that antichain (or None)."""
    scale = 10_000
    w = np.maximum(0, np.round(duals * scale)).astype(np.int64)
    m = cp_model.CpModel()
    z = {j: m.new_bool_var(f"z{j}") for k, j in enumerate(jobs) if w[k] > 0}
    if not z:
        return 0.0, None
    for r in range(len(cap)):
        terms = [(int(q[j, r]), v) for j, v in z.items() if q[j, r]]
        if sum(t for t, _ in terms) > cap[r]:
            m.add(sum(t * v for t, v in terms) <= int(cap[r]))
    for a, b in clash:
        if a in z and b in z:
            m.add_bool_or([z[a].Not(), z[b].Not()])
    weight = {j: int(w[k]) for k, j in enumerate(jobs)}
    m.maximize(sum(weight[j] * v for j, v in z.items()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, min(1.0, clock.remaining()))
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    status = solver.solve(m)
    # rounding moved each positive weight by at most half a unit -- including the jobs whose
    # weight rounded to 0 and are left out of the model, yet may join the best antichain --
    # so widen the bound by half a unit for every job of positive dual
    slack = 0.5 * int((duals > 0).sum()) / scale
    if status == cp_model.OPTIMAL or status == cp_model.FEASIBLE:
        col = frozenset(j for j, v in z.items() if solver.value(v))
        return solver.best_objective_bound / scale + slack, col
    return float(sum(duals[duals > 0])) + slack, None  # trivial bound: every job at once


#: Largest number of (job, interval) pairs the energetic check holds in memory at once.
_ER_CHUNK = 250_000
#: Sentinel for "no path" in the integer distance matrix: far below any start (horizons stay
#: below 2**40), yet ``start + sentinel`` and ``start - sentinel`` fit in int64.
_NO_PATH = -(2**61)


def energetic_refutes(
    instance: Instance,
    dist: np.ndarray,
    horizon: int,
    *,
    deadline: Deadline | None = None,
    max_rounds: int = 200,
) -> bool:
    """True when energetic reasoning proves that no schedule ends by ``horizon``.

    :func:`energetic_windows` found an empty start window (see there for the reasoning, the
    parameters and the reference). Every deduction holds in every schedule that ends by
    ``horizon``, so ``True`` is a proof; a ``deadline`` that expires first answers ``False``.
    """
    return (
        energetic_windows(instance, dist, horizon, deadline=deadline, max_rounds=max_rounds) is None
    )


def energetic_windows(
    instance: Instance,
    dist: np.ndarray,
    horizon: int,
    *,
    deadline: Deadline | None = None,
    max_rounds: int = 200,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Start windows ``(est, lst)`` valid for every schedule that ends by ``horizon``, tightened
    by energetic reasoning; ``None`` when some window is empty (no such schedule exists).

    From the start windows of :func:`~planner.rcpsp.network.tightened_windows` for ``horizon``,
    repeats until nothing moves: for every resource and every interval ``[t1, t2)`` with ``t1`` in
    {est, ect, lst} and ``t2`` in {lct, ect, lst} of its jobs, the *interval energy check* (the
    jobs' minimal intersections with the interval need more energy than the capacity profile
    offers there: refuted) and the *start / end adjustments* (a job whose left- or right-shifted
    part in the interval does not fit beside the others' minimal parts must start after / end
    before it), then longest-path propagation of the windows over ``dist``. Baptiste, Le Pape &
    Nuijten, *Constraint-Based Scheduling* (Kluwer 2001), ch. 3.3 (energetic reasoning), used as
    a destructive lower bound as in their ch. 7.

    Downtime enters through the capacity profile (exact energy per interval) and the tightened
    windows; each disjunctive pair is a unary pseudo-resource of its two jobs; time lags,
    releases and deadlines through the windows and ``dist``.

    Parameters
    ----------
    instance
        The instance (no positive lag cycle).
    dist
        Valid job-to-job distances, e.g. :func:`~planner.rcpsp.network.energy_distances`.
    horizon
        The makespan the windows assume (every job ends by it).
    deadline
        When it expires the fixpoint stops early: the windows so far are returned (each
        deduction is valid on its own, so they are only less tight).
    max_rounds
        Fixpoint rounds at most (stopping early only loosens the windows).
    """
    n = instance.num_jobs
    p = np.asarray(instance.durations, dtype=np.int64)
    w = tightened_windows(instance, dist, horizon)
    if not (np.all(np.isfinite(w.es)) and np.all(np.isfinite(w.ls))):
        return None if np.any(w.es > w.ls) else (w.es, w.ls)
    est, lst = w.es.astype(np.int64), w.ls.astype(np.int64)
    d = np.where(np.isfinite(dist), dist, _NO_PATH).astype(np.int64)
    rows = _energy_resources(instance)
    for _ in range(max_rounds):
        if np.any(est > lst):
            return None
        if deadline is not None and deadline.expired():
            return est, lst
        before = (est.copy(), lst.copy())
        for users, q, cap, profile in rows:
            if _interval_pass(users, q, cap, profile, p, est, lst, deadline):
                return None
            if np.any(est > lst):
                return None
            if deadline is not None and deadline.expired():
                return est, lst
        est = np.maximum(est, (est[:, None] + d).max(axis=0))
        lst = np.minimum(lst, (lst[None, :] - d).min(axis=1))
        if np.array_equal(before[0], est) and np.array_equal(before[1], lst):
            break
    return None if n and np.any(est > lst) else (est, lst)


def _energy_resources(instance: Instance) -> list[tuple[np.ndarray, np.ndarray, int, list]]:
    """``(jobs, demands, base capacity, profile)`` per resource and per disjunctive pair."""
    p = np.asarray(instance.durations, dtype=np.int64)
    out = []
    for r in range(instance.num_resources):
        q = np.asarray([row[r] for row in instance.demands], dtype=np.int64)
        users = np.nonzero((q > 0) & (p > 0))[0]
        if len(users):
            out.append((users, q[users], instance.capacities[r], instance.capacity_profile(r)))
    for a, b in instance.disjunctive:  # zero-length jobs overlap nothing: left out
        users = np.array([j for j in (a, b) if p[j] > 0], dtype=np.int64)
        if len(users) == 2:
            out.append((users, np.ones(2, dtype=np.int64), 1, []))
    return out


def _interval_pass(users, q, cap, profile, p, est, lst, deadline) -> bool:
    """One energetic pass over one resource; tightens ``est`` / ``lst`` in place, ``True`` when
    some interval needs more energy than it offers. Stops between chunks once ``deadline``
    expires (the deductions made so far stand: each is valid on its own)."""
    e, s, f = est[users], lst[users], p[users]
    t1s = np.unique(np.concatenate([e, e + f, s]))
    t2s = np.unique(np.concatenate([s + f, e + f, s]))
    new_est = np.full(len(users), np.iinfo(np.int64).min)
    new_lct = np.full(len(users), np.iinfo(np.int64).max)
    step = max(1, _ER_CHUNK // max(1, len(users) * len(t2s)))
    for k in range(0, len(t1s), step):  # chunks of t1 bound the memory
        if k and deadline is not None and deadline.expired():
            break
        t1, t2 = np.meshgrid(t1s[k : k + step], t2s, indexing="ij")
        keep = t2 > t1
        t1, t2 = t1[keep], t2[keep]
        if not len(t1):
            continue
        length = t2 - t1
        left = np.minimum(np.minimum(length, f[:, None]), e[:, None] + f[:, None] - t1)
        right = np.minimum(np.minimum(length, f[:, None]), t2 - s[:, None])
        left, right = np.maximum(left, 0), np.maximum(right, 0)
        need = q[:, None] * np.minimum(left, right)  # minimal intersection, times demand
        avail = cap * length
        for a, b, c in profile:  # downtime: the capacity lost inside each interval
            lost = np.maximum(0, np.minimum(t2, b) - np.maximum(t1, a))
            avail = avail - (cap - c) * lost
        total = need.sum(axis=0)
        if np.any(total > avail):
            return True
        # units of each job that fit beside the others' minimal parts (>= 0: checked above)
        fits = (avail[None, :] - (total[None, :] - need)) // q[:, None]
        new_est = np.maximum(new_est, np.where(left > fits, t2 - fits, new_est[:, None]).max(1))
        new_lct = np.minimum(new_lct, np.where(right > fits, t1 + fits, new_lct[:, None]).min(1))
    est[users] = np.maximum(est[users], new_est)
    lst[users] = np.minimum(lst[users], new_lct - p[users])
    return False


def energetic_bound(
    instance: Instance,
    *,
    lower: int | None = None,
    upper: int | None = None,
    time_limit: float = 1.0,
) -> int:
    """Destructive lower bound: one more than the largest makespan :func:`energetic_refutes`
    refutes, searched in ``[lower, upper]`` by galloping up from ``lower`` (1, 2, 4, ... units),
    then bisection.

    Any refuted ``T`` proves ``makespan > T`` on its own (a schedule ending by ``T' < T`` also
    ends by ``T``), so the search needs no monotonicity to be valid. A result above
    :attr:`Instance.horizon` proves the instance infeasible.

    Parameters
    ----------
    instance
        The instance. With a positive lag cycle, or numbers so large that the energies could
        overflow int64, the search is skipped and the cheap bound returned.
    lower
        A valid lower bound to start from (default: :func:`lower_bound`).
    upper
        The largest makespan worth refuting (default: :attr:`Instance.horizon`; a known
        schedule's makespan minus 1 when there is one).
    time_limit
        Seconds for the whole search; when they run out the best bound so far is returned.
    """
    clock = Deadline(time_limit)
    lb = int(lower_bound(instance)) if lower is None else int(lower)
    top = instance.horizon if upper is None else int(upper)
    if instance.num_jobs == 0 or top < lb or positive_cycle(instance) is not None:
        return lb
    big = max([1, *instance.capacities] + [q for row in instance.demands for q in row])
    if big * (top + max(instance.durations) + 1) * (instance.num_jobs + 2) >= 2**62:
        return lb  # energies could overflow int64: keep the cheap bound
    # plain longest paths: the energy-strengthened ones (energy_distances) cost 0.13 CPU s on a
    # j120 instance, outside the deadline's reach, and raised no j60 bound further (the fixpoint
    # propagation finds the same; bench/session_runs/s21erlb/README_note.md)
    dist = distances(instance)
    lo, hi = lb - 1, top  # lo: refuted (or implied by lb); hi: the largest T still in question
    step = 1  # gallop up from lb first: the refutable T sit near it, and a cut-off search
    # should have banked those before it spends its time on a far one
    while lo < hi and not clock.expired():
        mid = min(hi, lo + step) if step else (lo + hi + 1) // 2
        if energetic_refutes(instance, dist, mid, deadline=clock):
            lo = mid
            step = 2 * step if step else 0
        else:
            hi, step = mid - 1, 0  # from the first failure on: bisection
    return max(lb, lo + 1)
