"""Minimum delays between fork/join pairs (the ``delays`` strengthening of the CP-SAT model).

For a pair ``i ≺ j`` with at least two jobs between them (jobs after ``i`` and before ``j``), the
jobs in between compete for resources, so ``start_j - start_i`` may have to exceed the longest
lag path ``D[i, j]``. A small CP-SAT model of just those jobs (``start_i = 0``, minimize
``start_j``; releases, deadlines and downtime dropped, which only relaxes it) gives a proven lower
bound on that delay. Pairs with the fewest jobs in between go first; the solver's proven bound is
kept even when a sub-problem runs out of time, so every delay is valid.
"""

from __future__ import annotations

import math

import numpy as np
from ortools.sat.python import cp_model

from planner.core.timing import Deadline
from planner.rcpsp.instance import Instance

#: Sub-problems larger than this share of the jobs are as hard as the whole problem: skipped.
MAX_SHARE = 0.5


def fork_join_delays(
    instance: Instance,
    dist: np.ndarray,
    *,
    time_limit: float,
    seed: int = 0,
    per_pair: float = 0.2,
    max_pairs: int = 10_000,
    max_share: float = MAX_SHARE,
) -> dict[tuple[int, int], int]:
    """Proven minimum start-to-start delays that beat the lag paths, ``(i, j) -> delay``.

    Parameters
    ----------
    instance
        The instance (no positive cycle).
    dist
        Its longest-path matrix; pairs use it for the lags inside the sub-problem.
    time_limit
        Total seconds for all sub-problems.
    seed
        CP-SAT seed.
    per_pair
        Seconds per sub-problem at most.
    max_pairs
        Cap on the number of sub-problems.
    max_share
        Skip pairs with more than this share of all jobs between them.
    """
    clock = Deadline(time_limit)
    n = instance.num_jobs
    reach = np.isfinite(dist)
    np.fill_diagonal(reach, False)
    out: dict[tuple[int, int], int] = {}
    if n < 4:
        return out
    between = reach.astype(np.int32) @ reach.astype(np.int32)  # |{k : i ≺ k ≺ j}|
    ii, jj = np.nonzero(reach & (between >= 2) & (between <= max_share * n))
    order = np.lexsort((jj, ii, between[ii, jj]))
    count = 0
    for idx in order:
        if clock.expired() or count >= max_pairs:
            break
        i, j = int(ii[idx]), int(jj[idx])
        inner = np.nonzero(reach[i] & reach[:, j])[0].tolist()
        if not _competing(instance, inner, reach):
            continue
        count += 1
        delay = _min_delay(instance, dist, i, j, inner, min(per_pair, clock.remaining()), seed)
        if delay is not None and delay > dist[i, j]:
            out[(i, j)] = delay
    return out


def _competing(instance: Instance, inner: list[int], reach: np.ndarray) -> bool:
    """True when two unrelated inner jobs share a resource (else lags alone decide the delay)."""
    for a_pos, a in enumerate(inner):
        for b in inner[a_pos + 1 :]:
            if reach[a, b] or reach[b, a]:
                continue
            if not instance.durations[a] or not instance.durations[b]:
                continue
            for r, cap in enumerate(instance.capacities):
                qa, qb = instance.demands[a][r], instance.demands[b][r]
                if qa and qb and qa + qb > cap:
                    return True
            if (a, b) in instance.disjunctive or (b, a) in instance.disjunctive:
                return True
    return False


def _min_delay(
    instance: Instance,
    dist: np.ndarray,
    i: int,
    j: int,
    inner: list[int],
    time_limit: float,
    seed: int,
) -> int | None:
    """Proven lower bound on ``start_j - start_i`` over the sub-project between ``i`` and ``j``."""
    if time_limit <= 0:
        return None
    jobs = [i, *inner, j]
    dur = instance.durations
    m = cp_model.CpModel()
    top = int(
        sum(dur[k] for k in jobs)
        + sum(max(0, dist[a, b]) for a in jobs for b in jobs if np.isfinite(dist[a, b]) and a != b)
    )
    start = {}
    for k in jobs:
        lo = int(dist[i, k])
        hi = top - int(dist[k, j]) if np.isfinite(dist[k, j]) else top
        start[k] = m.new_int_var(lo, max(lo, hi), f"s{k}")
    m.add(start[i] == 0)
    for a in jobs:
        for b in jobs:
            if a != b and np.isfinite(dist[a, b]):
                m.add(start[b] >= start[a] + int(dist[a, b]))
    iv = {k: m.new_fixed_size_interval_var(start[k], dur[k], f"x{k}") for k in jobs}
    for r, cap in enumerate(instance.capacities):
        items = [(iv[k], instance.demands[k][r]) for k in jobs if instance.demands[k][r] and dur[k]]
        if sum(q for _, q in items) > cap:
            m.add_cumulative([x for x, _ in items], [q for _, q in items], cap)
    inner_set = set(jobs)
    for a, b in instance.disjunctive:
        if a in inner_set and b in inner_set and dur[a] and dur[b]:
            m.add_no_overlap([iv[a], iv[b]])
    m.minimize(start[j])
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    status = solver.solve(m)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return math.ceil(solver.best_objective_bound - 1e-6)
    return None
