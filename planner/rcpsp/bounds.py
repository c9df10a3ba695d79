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
    """Best cheap lower bound on the optimal makespan (0 for an instance with a positive cycle)."""
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
