"""Lower bounds on the makespan.

``lower_bound`` (cheap, run on every certificate) is the best of

* the critical path: releases + time lags + durations, each lag lengthened by the energy of the
  jobs that must run in between, with start windows tightened by downtime;
* the resource (energy) bound per resource: the first time by which the capacity profile has
  offered as much energy (units × time) as the jobs need;
* a head–energy–tail bound per resource: for every job subset ``S = {j : head_j >= a}``, split by
  tails, ``a + ⌈energy(S') / capacity⌉ + min tail(S')`` (the one-machine bound generalized to
  cumulative resources).

``energetic_bound`` (destructive energetic reasoning: a makespan ``T`` is refuted when some time
interval must receive more energy than it offers) is stronger and dearer; methods call it with a
time budget. Every bound assumes the instance is feasible (an infeasible one has no optimum).
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


def lower_bound(instance: Instance) -> float:
    """Best cheap lower bound on the optimal makespan (0 for an instance with a positive cycle)."""
    if instance.num_jobs == 0:
        return 0.0
    if positive_cycle(instance) is not None:
        return 0.0
    dist = energy_distances(instance, distances(instance))
    w = tightened_windows(instance, dist)
    return float(max(critical_path_bound(instance, w), resource_bound(instance, w)))


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
        energy = int(np.sum(q[use] * dur[use]))
        best = max(best, _time_to_supply(instance, r, 0, energy))
        cap = instance.capacities[r]
        if cap <= 0:
            continue
        best = max(best, _head_energy_tail(heads[use], tails[use], (q * dur)[use], cap))
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
                return t + math.ceil(left / base)
            left -= base * (a - t)
            t = a
        span = b - t
        if cap * span >= left and cap > 0:
            return t + math.ceil(left / cap)
        left -= cap * span
        t = b
    if base <= 0:
        return 2**62  # never supplied: the instance is infeasible; any bound is valid
    return t + math.ceil(left / base)


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


def energetic_bound(
    instance: Instance,
    start: int,
    upper: int | None = None,
    *,
    time_limit: float = 1.0,
) -> int:
    """Destructive lower bound by energetic reasoning, at least ``start``.

    For a trial makespan ``T`` the jobs get windows ``[es, ls]``; for every interval ``[t1, t2)``
    between window ends, each job must spend at least its left-shift / right-shift overlap with
    the interval on every resource it uses. If some interval needs more energy than the capacity
    profile offers, no schedule finishes by ``T`` and the bound rises to ``T + 1``.

    Parameters
    ----------
    instance
        A feasible-looking instance (no positive cycle).
    start
        A known lower bound to start from.
    upper
        A known feasible makespan (the search stops there).
    time_limit
        Seconds to spend.
    """
    if instance.num_jobs == 0:
        return start
    clock = Deadline(time_limit)
    dist = distances(instance)
    lb = start
    while (upper is None or lb < upper) and not clock.expired():
        if not _energetic_refutes(instance, dist, lb, clock):
            break
        lb += 1
    return lb


def _energetic_refutes(instance: Instance, dist: np.ndarray, T: int, clock: Deadline) -> bool:
    """True when energetic reasoning proves that no schedule has makespan ``<= T``."""
    w = tightened_windows(instance, dist, horizon=T)
    if np.any(w.es > w.ls):
        return True
    dur = np.asarray(instance.durations, dtype=np.int64)
    es = w.es.astype(np.int64)
    ls = w.ls.astype(np.int64)
    ef, lf = es + dur, ls + dur
    points = np.unique(np.concatenate([es, ls, ef, lf, [0, T]]))
    points = points[(points >= 0) & (points <= T)]
    for r in range(instance.num_resources):
        q = np.asarray([row[r] for row in instance.demands], dtype=np.int64)
        use = (q > 0) & (dur > 0)
        if not use.any():
            continue
        d, e0, l0, qq = dur[use], es[use], ls[use], q[use]
        supply = _supply_matrix(instance, r, points)
        t2 = points[:, None]
        for a, t1 in enumerate(points[:-1]):
            if clock.expired():
                return False
            # least overlap of each job with [t1, t2): the smaller of its earliest/latest overlap
            left = np.clip(np.minimum(t2, e0 + d) - np.maximum(t1, e0), 0, None)
            right = np.clip(np.minimum(t2, l0 + d) - np.maximum(t1, l0), 0, None)
            energy = np.minimum(left, right) @ qq
            if np.any(energy[a + 1 :] > supply[a, a + 1 :]):
                return True
    return False


def _supply_matrix(instance: Instance, r: int, points: np.ndarray) -> np.ndarray:
    """``S[a, b]``: capacity-time resource ``r`` offers on ``[points[a], points[b])``."""
    base = instance.capacities[r]
    prof = instance.capacity_profile(r)
    cum = np.asarray([_cumulative_supply(base, prof, int(t)) for t in points], dtype=np.int64)
    return cum[None, :] - cum[:, None]


def _cumulative_supply(base: int, profile: list[tuple[int, int, int]], t: int) -> int:
    total = base * t
    for a, b, cap in profile:
        lo, hi = a, min(b, t)
        if hi > lo:
            total -= (base - cap) * (hi - lo)
    return total
