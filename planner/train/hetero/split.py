"""Exact layer-to-stage split of one pipeline whose stages sit on given GPU pools.

The problem (one outer combination of the heterogeneous search fixed): stage
``j`` of ``p`` holds ``n_j >= 1`` of the ``L`` layers and has

* per-microbatch time ``U_j(n) = a_j + b_j n`` (``b_j > 0``),
* per-step tail ``tau_j(n)`` (exposed data-parallel sync + optimizer +
  embedding sync), convex in ``n``,
* a memory cap ``n <= h_j``;

minimize ``(m - 1) max_j U_j(n_j) + sum_j U_j(n_j) + max_j tau_j(n_j)`` (the
1F1B step time of :mod:`planner.train.step_time`).

Algorithm (exact). For thresholds ``T`` on ``max U`` and ``W`` on ``max tau``
every stage has an interval of allowed layer counts, and the least
``sum U`` is a greedy fill of the cheapest stages (smallest ``b``); so the
optimum is ``min over (T, W) of (m - 1) T + S(T, W) + W`` with ``T`` and ``W``
ranging over the values the stage terms take. Both are enumerated upwards
from their smallest feasible values and the loops stop as soon as
``(m - 1) T + S_inf + W_inf`` (resp. ``W + S(T, inf)``) reaches the best value
found; ``S_inf`` / ``W_inf`` are the unconstrained minima. Stages with the same
terms form a class; inside a class the caps are sorted, so every evaluation
costs ``O(classes x log p)``.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field

import numpy as np

from planner.perfmodel.stage import pipeline_time


@dataclass
class StageClass:
    """Stages with identical time and tail terms (their memory caps may differ).

    Attributes
    ----------
    a, b
        ``U(n) = a + b n``.
    tau
        ``tau[n]`` for ``n = 0 .. L`` (``tau[0]`` unused).
    stages
        Stage indices of the class.
    caps
        Memory cap (largest layer count that fits) of each stage, same order.
    """

    a: float
    b: float
    tau: np.ndarray
    stages: list[int]
    caps: list[int]
    # derived (filled by prepare)
    order: list[int] = field(default_factory=list)
    sorted_caps: list[int] = field(default_factory=list)
    prefix: list[int] = field(default_factory=list)

    def prepare(self, L: int) -> None:
        """Clip caps to ``L`` and sort them (prefix sums give capacities in O(log))."""
        clipped = [min(max(h, 0), L) for h in self.caps]
        self.order = sorted(range(len(clipped)), key=lambda i: clipped[i])
        self.sorted_caps = [clipped[i] for i in self.order]
        self.prefix = [0]
        for h in self.sorted_caps:
            self.prefix.append(self.prefix[-1] + h)

    @property
    def count(self) -> int:
        """Stages in the class."""
        return len(self.stages)

    def capacity(self, upper: int) -> int:
        """``sum_j min(h_j, upper)`` over the class."""
        k = bisect.bisect_left(self.sorted_caps, upper)
        return self.prefix[k] + (len(self.sorted_caps) - k) * upper


@dataclass
class SplitResult:
    """Optimal split: layers per stage, objective, and its parts."""

    layers: list[int]
    objective: float
    bottleneck: float
    sum_u: float
    tail: float


def _tables(classes: list[StageClass], L: int, floor_u: float, floor_tau: float):
    """Candidate thresholds (at least the floors) and per-class lookup tables."""
    n = np.arange(L + 1, dtype=float)
    u_arrays = [c.a + c.b * n for c in classes]
    t_vals = np.unique(
        np.concatenate(
            [u[1 : max(2, c.sorted_caps[-1] + 1)] for u, c in zip(u_arrays, classes, strict=True)]
            + [[floor_u]]
        )
    )
    t_vals = t_vals[t_vals >= floor_u]
    w_vals = np.unique(np.concatenate([c.tau[1:] for c in classes] + [[floor_tau]]))
    w_vals = w_vals[w_vals >= floor_tau]
    cap_t = [np.searchsorted(u, t_vals, side="right") - 1 for u in u_arrays]
    lw, hw = [], []
    for c in classes:
        ok = c.tau[None, 1:] <= w_vals[:, None]  # (W, n)
        anyok = ok.any(axis=1)
        first = np.where(anyok, ok.argmax(axis=1) + 1, L + 1)
        last = np.where(anyok, L - ok[:, ::-1].argmax(axis=1), 0)
        lw.append(first.tolist())
        hw.append(last.tolist())
    return t_vals.tolist(), w_vals.tolist(), [x.tolist() for x in cap_t], lw, hw


def solve_split(
    L: int,
    m: int,
    classes: list[StageClass],
    *,
    upper: float = math.inf,
    floor_u: float = 0.0,
    floor_tau: float = 0.0,
    fixed_sum_u: float = 0.0,
) -> SplitResult | None:
    """Optimal split of ``L`` layers over the stages of ``classes``.

    Parameters
    ----------
    L
        Layers.
    m
        Microbatches per step.
    classes
        The stages, grouped (see :class:`StageClass`).
    upper
        Only splits with objective below ``upper`` are wanted (pruning).
    floor_u, floor_tau, fixed_sum_u
        Stages outside the problem whose split is fixed: their largest
        per-microbatch time and tail, and the sum of their times (the
        objective then counts them).

    Returns
    -------
    SplitResult or None
        ``None`` when no split fits in memory or none beats ``upper``.
    """
    classes = [c for c in classes if c.count]
    p = sum(c.count for c in classes)
    if p == 0 or p > L:
        if p == 0 and L == 0:
            value = (m - 1) * floor_u + fixed_sum_u + floor_tau
            if value < upper:
                return SplitResult([], value, floor_u, fixed_sum_u, floor_tau)
        return None
    for c in classes:
        c.prepare(L)
        if c.sorted_caps[0] < 1:
            return None
    if sum(c.prefix[-1] for c in classes) < L:
        return None
    t_vals, w_vals, cap_t, lw, hw = _tables(classes, L, floor_u, floor_tau)
    nT, nW = len(t_vals), len(w_vals)
    by_cost = sorted(range(len(classes)), key=lambda i: classes[i].b)
    base_a = fixed_sum_u + sum(c.a * c.count for c in classes)

    def fill(iT: int, iW: int) -> tuple[float, list[int]] | None:
        """Least sum U under thresholds (indices; -1 = none) and the layers per class."""
        lows, highs = [], []
        total_lo = total_hi = 0
        for i, c in enumerate(classes):
            up = L if iT < 0 else cap_t[i][iT]
            lo = 1
            if iW >= 0:
                up = min(up, hw[i][iW])
                lo = max(1, lw[i][iW])
            if lo > up or lo > c.sorted_caps[0]:
                return None
            hi = c.capacity(up)
            lows.append(lo * c.count)
            highs.append(hi)
            total_lo += lo * c.count
            total_hi += hi
        if total_lo > L or total_hi < L:
            return None
        rest = L - total_lo
        layers = list(lows)
        s = base_a
        for i in by_cost:
            take = min(rest, highs[i] - lows[i])
            layers[i] += take
            rest -= take
            s += classes[i].b * layers[i]
        return s, layers

    def first_feasible(lo: int, hi: int, test) -> int:
        """Smallest index in [lo, hi) passing the monotone ``test`` (hi if none)."""
        while lo < hi:
            mid = (lo + hi) // 2
            if test(mid):
                hi = mid
            else:
                lo = mid + 1
        return lo

    free = fill(-1, -1)
    if free is None:
        return None
    s_inf = free[0]
    iT0 = first_feasible(0, nT, lambda i: fill(i, -1) is not None)
    iW_inf = first_feasible(0, nW, lambda i: fill(-1, i) is not None)
    if iT0 >= nT or iW_inf >= nW:
        return None
    w_inf = w_vals[iW_inf]
    best = upper
    best_at: tuple[int, int, list[int]] | None = None
    for iT in range(iT0, nT):
        T = t_vals[iT]
        if (m - 1) * T + s_inf + w_inf >= best:
            break
        at_t = fill(iT, -1)
        if at_t is None:
            continue
        s_t = at_t[0]
        iW = first_feasible(iW_inf, nW, lambda i, iT=iT: fill(iT, i) is not None)
        while iW < nW:
            W = w_vals[iW]
            if (m - 1) * T + s_t + W >= best:
                break
            got = fill(iT, iW)
            if got is not None:
                value = (m - 1) * T + got[0] + W
                if value < best:
                    best, best_at = value, (iT, iW, got[1])
                if got[0] <= s_t:
                    break  # larger W cannot lower S any more
            iW += 1
    if best_at is None:
        return None
    iT, iW, per_class = best_at
    layers = [0] * p
    for i, c in enumerate(classes):
        up = min(cap_t[i][iT], hw[i][iW])
        lo = max(1, lw[i][iW])
        rooms = [min(h, up) for h in c.sorted_caps]
        left = per_class[i]
        k = c.count
        for pos, room in zip(c.order, rooms, strict=True):
            share = max(lo, min(room, -(-left // k)))
            layers[c.stages[pos]] = share
            left -= share
            k -= 1
    return _score(m, classes, layers, floor_u, floor_tau, fixed_sum_u)


def _score(
    m: int,
    classes: list[StageClass],
    layers: list[int],
    floor_u: float = 0.0,
    floor_tau: float = 0.0,
    fixed_sum_u: float = 0.0,
) -> SplitResult:
    """Objective of a split under the class terms (plus the fixed stages)."""
    umax, ssum, tmax = floor_u, fixed_sum_u, floor_tau
    for c in classes:
        for j in c.stages:
            n = layers[j]
            u = c.a + c.b * n
            umax = max(umax, u)
            ssum += u
            tmax = max(tmax, float(c.tau[n]))
    return SplitResult(
        layers, pipeline_time(umax, ssum, m, len(layers), 1) + tmax, umax, ssum, tmax
    )
