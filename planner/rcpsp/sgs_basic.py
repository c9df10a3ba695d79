"""A plain serial schedule-generation scheme with the LFT priority rule.

This is the incumbent ``auto`` starts from when nothing better is available: jobs are taken in
order of latest finish time (from the backward pass), each placed at the earliest time that its
scheduled predecessors, its release date, the resource profiles (downtime included) and its
disjunctive partners allow. Deadlines and negative (maximal) lags are not planned for; a schedule
that breaks them is discarded (``None``), and the exact model takes over.
"""

from __future__ import annotations

import numpy as np

from planner.rcpsp.evaluate import verify
from planner.rcpsp.instance import Instance, Solution
from planner.rcpsp.network import distances, positive_cycle, windows


def serial_sgs(
    instance: Instance, order: list[int], *, horizon: int | None = None
) -> Solution | None:
    """Schedule jobs in ``order`` (a precedence-feasible list), each as early as possible.

    Returns ``None`` when the schedule breaks a deadline or a maximal lag, or does not fit in
    ``horizon``.
    """
    n = instance.num_jobs
    dur = instance.durations
    h = (instance.horizon if horizon is None else horizon) + max(dur, default=0) + 1
    m = instance.num_resources
    cap = np.empty((m, h), dtype=np.int64)
    for r in range(m):
        cap[r, :] = instance.capacities[r]
        for a, b, c in instance.capacity_profile(r):
            cap[r, a : min(b, h)] = c
    free = cap.copy()
    partners: list[list[int]] = [[] for _ in range(n)]
    for a, b in instance.disjunctive:
        partners[a].append(b)
        partners[b].append(a)
    incoming: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for i, j, lag in instance.arcs:
        incoming[j].append((i, lag))
    start = [-1] * n
    for j in order:
        t = instance.release[j]
        for i, lag in incoming[j]:
            if start[i] >= 0:
                t = max(t, start[i] + lag)
        d = dur[j]
        need = np.asarray(instance.demands[j], dtype=np.int64)
        busy = [(start[k], start[k] + dur[k]) for k in partners[j] if start[k] >= 0 and dur[k]]
        while True:
            if t + d >= h:
                return None
            if d and need.any():
                window = free[:, t : t + d]
                bad = np.nonzero((window < need[:, None]).any(axis=0))[0]
                if bad.size:
                    t += int(bad[-1]) + 1
                    continue
            clash = [e for s, e in busy if d and s < t + d and t < e]
            if clash:
                t = max(clash)
                continue
            break
        start[j] = t
        if d:
            free[:, t : t + d] -= need[:, None]
    sol = Solution(tuple(start))
    return sol if not verify(instance, sol, limit=1) else None


def lft_order(instance: Instance, dist: np.ndarray | None = None) -> list[int]:
    """Jobs by latest finish time (ties: earliest start, then index), respecting precedences.

    Only arcs with a positive lag (and finish-to-start ones) constrain the order.
    """
    if dist is None:
        dist = distances(instance)
    w = windows(instance, dist)
    lf = w.ls + np.asarray(instance.durations)
    n = instance.num_jobs
    preds: list[set[int]] = [set() for _ in range(n)]
    for p in instance.precedences:
        lag = instance.lag(p)
        if p.pred != p.succ and (p.lag is None or lag > 0):
            preds[p.succ].add(p.pred)
    done = [False] * n
    order: list[int] = []
    remaining = set(range(n))
    while remaining:
        ready = [j for j in remaining if all(done[i] for i in preds[j])]
        if not ready:  # a cycle of positive lags: infeasible; any order will do
            ready = list(remaining)
        j = min(ready, key=lambda k: (lf[k], w.es[k], k))
        order.append(j)
        done[j] = True
        remaining.discard(j)
    return order


def lft_schedule(instance: Instance) -> Solution | None:
    """Serial SGS with LFT priority; ``None`` when it finds no feasible schedule."""
    if positive_cycle(instance) is not None:
        return None
    return serial_sgs(instance, lft_order(instance))
