"""Lagrangian lower bound for 1||ΣwjTj over a time-indexed relaxation.

Relax "every job exactly once" with multipliers ``λ_j``: what is left is a
shortest path over time ``0..P`` (``P = Σ p``) in which every arc is a job
``j`` completing at ``t`` with cost ``w_j max(0, t - d_j) - λ_j``; any real
sequence is such a path, so ``L(λ) = Σ λ_j + min path`` is a lower bound for
every ``λ`` (Abdul-Razaq & Potts 1988; the first stage of Tanaka, Fujikuma and
Araki's SSDP). Forbidding a job twice in a row (keeping the best and second
best path per time with different last jobs) tightens it at no extra cost.
Subgradient ascent picks ``λ``; the final bound is recomputed in exact integer
arithmetic with integer multipliers, so it is valid whatever the rounding.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import numpy as np
from numba import njit

_INF = np.int64(1) << 60


@njit(cache=True)
def _path(p, d, w, lam, horizon, inf):
    """Best path value and how often each job is on it.

    ``inf`` sets the arithmetic: ``np.inf`` with float multipliers for the subgradient steps,
    :data:`_INF` with integer ones for the exact final bound.
    """
    n = p.shape[0]
    b1 = np.full(horizon + 1, inf)
    b2 = np.full(horizon + 1, inf)
    a1 = np.full(horizon + 1, -1, np.int64)
    a2 = np.full(horizon + 1, -1, np.int64)
    b1[0] = 0
    for t in range(1, horizon + 1):
        for j in range(n):
            s = t - p[j]
            if s < 0:
                continue
            prev = b1[s] if a1[s] != j else b2[s]
            if prev >= inf:
                continue
            v = prev + w[j] * max(0, t - d[j]) - lam[j]
            if v < b1[t]:
                if a1[t] != j:
                    b2[t] = b1[t]
                    a2[t] = a1[t]
                b1[t] = v
                a1[t] = j
            elif v < b2[t] and a1[t] != j:
                b2[t] = v
                a2[t] = j
    count = np.zeros(n, np.int64)
    t = horizon
    last = -1
    while t > 0:
        j = a1[t] if a1[t] != last else a2[t]
        count[j] += 1
        last = j
        t -= p[j]
    return b1[horizon], count


def lagrangian_bound(
    p: Sequence[int],
    d: Sequence[int],
    w: Sequence[int],
    *,
    upper: int,
    time_limit: float = 1.0,
    iterations: int = 300,
) -> int:
    """Lower bound on ``Σ w_j T_j`` (jobs with ``p_j > 0`` only).

    Parameters
    ----------
    p, d, w
        Processing times (all positive), due dates, weights.
    upper
        Objective of a known sequence (drives the step size; the bound never
        exceeds it).
    time_limit, iterations
        Budget of the subgradient ascent.
    """
    n = len(p)
    if n == 0:
        return 0
    pa = np.asarray(p, dtype=np.int64)
    da = np.asarray(d, dtype=np.int64)
    wa = np.asarray(w, dtype=np.int64)
    if pa.min() <= 0:
        raise ValueError("lagrangian_bound needs positive processing times")
    horizon = int(pa.sum())
    end = time.perf_counter() + time_limit
    # start from the cost of each job completing at the middle of the horizon
    lam = np.array([w[j] * max(0, horizon // 2 - d[j]) for j in range(n)], dtype=np.float64)
    best_lam = lam.copy()
    best = -math.inf
    scale = 2.0
    stall = 0
    for _ in range(iterations):
        value, count = _path(pa, da, wa, lam, horizon, np.inf)
        bound = value + lam.sum()
        if bound > best + 1e-9:
            best, best_lam, stall = bound, lam.copy(), 0
        else:
            stall += 1
            if stall >= 10:
                scale, stall = scale / 2, 0
        g = 1.0 - count
        norm = float(g @ g)
        if norm == 0 or best >= upper - 1e-9 or scale < 1e-4 or time.perf_counter() > end:
            break
        lam = lam + scale * (upper - bound) / norm * g
    exact = int(_path(pa, da, wa, np.rint(best_lam).astype(np.int64), horizon, _INF)[0])
    exact += int(np.rint(best_lam).astype(np.int64).sum())
    return max(0, min(exact, upper))
