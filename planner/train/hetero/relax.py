"""Relaxation primitives shared by the heterogeneous bounds (vectorized over rows).

A stage with per-microbatch time ``U = u0 + u1 n`` holds at most
``x(T) = floor((T - u0) / u1)`` layers at bottleneck level ``T``; stages of
one kind whose memory caps ``h(f)`` fall with the in-flight count ``f`` hold
``sum_f min(h(f), x)`` (prefix sums); the least ``sum u1 n`` over pools is a
greedy fill of the cheapest pool first; ``(m - 1) T + S(T)`` with ``S``
convex is bounded over a bracket found by ternary search.
"""

from __future__ import annotations

import math

import numpy as np

#: Ternary-search steps for the convex part of the bound.
TERNARY_STEPS = 36


def level(T: np.ndarray, u0: float | np.ndarray, u1: float, L: int, frac: bool) -> np.ndarray:
    """Layers a stage holds at bottleneck level ``T`` (integer unless ``frac``)."""
    x = (T - u0) / u1
    if not frac:
        x = np.floor(x + 1e-12)
    return np.minimum(np.maximum(x, 0.0), L)  # (np.clip is slow on small arrays)


def range_sum(hm: np.ndarray, prefix: np.ndarray, a, b, x) -> np.ndarray:
    """``sum_{f=a}^{b} min(hm[f], x)`` for non-increasing ``hm`` (vectorized; 0 if b < a)."""
    F = np.searchsorted(-hm[1:], -x, side="right")  # count of f >= 1 with hm[f] >= x
    cnt = np.maximum(np.minimum(b, F) - a + 1, 0)
    lo = np.maximum(a - 1, np.minimum(F, b))
    out = x * cnt + prefix[np.maximum(b, 0)] - prefix[np.maximum(lo, 0)]
    return np.where(b >= a, out, 0.0)


def greedy(
    caps: dict[str, np.ndarray],
    u1: dict[str, float],
    L: int,
    size: int,
    forced: dict[str, np.ndarray] | None = None,
) -> np.ndarray:
    """Least ``sum u1 l`` placing ``L`` layers within pool capacities (at least ``forced``)."""
    left = np.full(size, float(L))
    s = np.zeros(size)
    room = {}
    for pool in caps:
        low = forced[pool] if forced is not None else 0.0
        s += low * u1[pool]
        left -= low
        room[pool] = caps[pool] - low
        s = np.where(room[pool] < -1e-9, math.inf, s)
    for pool in sorted(caps, key=lambda k: u1[k]):
        take = np.maximum(np.minimum(left, room[pool]), 0.0)
        s += take * u1[pool]
        left -= take
    return np.where(left > 1e-9, math.inf, s)


def convex_part(m1, t0, t_end, s_of, steep=None) -> np.ndarray:
    """Valid lower bound on ``min_{T >= t0} m1 T + S(T)``.

    ``S`` is convex, non-increasing and constant beyond ``t_end``, so the
    minimum lies in ``[t0, t_end]``; a ternary search keeps a minimizer in a
    bracket ``[a, b]`` and ``m1 a + S(b)`` bounds the minimum over it. Rows
    whose ``steep`` (an upper bound on ``-S'`` beyond ``t0``) is at most ``m1``
    have their minimum at ``t0``.
    """
    s0 = s_of(t0)
    s_end = s_of(np.maximum(t_end, t0))
    out = m1 * t0 + s0
    todo = s0 > s_end * (1 + 1e-12)
    if steep is not None:
        todo &= steep > m1
    if not todo.any():
        return out
    a = t0.copy()
    b = np.maximum(t_end, t0)
    for _ in range(TERNARY_STEPS):
        t1 = a + (b - a) / 3
        t2 = b - (b - a) / 3
        f1 = m1 * t1 + s_of(t1)
        f2 = m1 * t2 + s_of(t2)
        left = (f1 <= f2) & np.isfinite(f1)  # S is infinite on a prefix (nothing fits)
        b = np.where(left, t2, b)
        a = np.where(left, a, t1)
    return np.where(todo, np.minimum(out, m1 * a + s_of(b)), out)


def hold(env: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Most layers a stage with tail envelope ``env`` holds at tail level ``W``."""
    # the tolerance must loosen for negative levels too (the envelopes of end stages can dip
    # below zero), else a tail equal to W would not count and a fitting pipeline look infeasible
    W = np.asarray(W, dtype=float)
    return np.searchsorted(env[1:], W + np.abs(W) * 1e-12, side="right").astype(float)


def least_level(values: np.ndarray, feasible, size: int) -> np.ndarray:
    """Smallest of the sorted ``values`` passing the monotone ``feasible`` (per row; inf if none)."""
    lo = np.zeros(size, dtype=int)
    hi = np.full(size, len(values) - 1)
    for _ in range(max(1, math.ceil(math.log2(len(values) + 1))) + 1):
        mid = (lo + hi) // 2
        ok = feasible(values[mid])
        hi = np.where(ok, mid, hi)
        lo = np.where(ok, lo, np.minimum(mid + 1, len(values) - 1))
    out = values[hi]
    return np.where(feasible(out), out, math.inf)
