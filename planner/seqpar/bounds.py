"""Cheap lower bounds on the step time, valid over every micro-batch split.

Area argument. In a micro-batch of duration ``C`` every GPU is busy or idle
for ``C``; a group of degree ``d`` and time ``T ≤ C`` occupies ``d·T`` of it,
which is at least ``Σ_s d·w_d(s) + d·β₁`` (``w_d(s)`` the time sequence ``s``
adds to the group), and idle GPUs waste at least ``β₁`` each (``C ≥ β₁``). So
``N·C ≥ Σ_s area(s) + N·β₁`` with ``area(s) = min_d d·w_d(s)`` over the
degrees that hold ``s`` (``α₁s² + α₂s`` at ``d = 1``, plus the all-to-all
time once ``s`` needs a larger group). Summed over the ``M`` micro-batches::

    step ≥ Σ_s area(s) / N + M_min · β₁,   M_min = ⌈tokens / (N · c)⌉

since a micro-batch holds at most ``N·c`` tokens. It does not depend on how
the batch is split. A second bound: the group holding the heaviest sequence
takes at least that sequence's best time alone.
"""

from __future__ import annotations

import math

import numpy as np

from planner.core.timing import Deadline
from planner.seqpar.costmodel import Tables
from planner.seqpar.instance import Instance


def min_area(tables: Tables, lengths: np.ndarray) -> np.ndarray:
    """GPU-time (ms) each sequence occupies at least: ``min_d d·w_d(s)`` over the degrees holding it."""
    lengths = np.asarray(lengths)
    area = tables.degrees[None, :] * tables.work(lengths)
    area = np.where(lengths[:, None] <= tables.capacity[None, :], area, np.inf)
    return area.min(axis=1)


def min_microbatches(tables: Tables, lengths: np.ndarray) -> int:
    """``⌈tokens / (N·c)⌉``: micro-batches the batch's tokens need at least."""
    per_mb = tables.gpus * tables.tokens_per_gpu
    if per_mb <= 0:
        return 0
    return max(1, math.ceil(int(np.sum(lengths)) / per_mb))


def area_bound_ms(tables: Tables, lengths: np.ndarray) -> float:
    """The split-free area bound (ms)."""
    area = min_area(tables, lengths)
    return float(area.sum()) / tables.gpus + min_microbatches(tables, lengths) * float(
        tables.fixed.min()
    )


def single_bound_ms(tables: Tables, lengths: np.ndarray) -> float:
    """The heaviest sequence's best time alone (ms)."""
    return float(tables.single_time(np.asarray(lengths)).min(axis=1).max())


def lower_bound(instance: Instance) -> float:
    """Best cheap bound on the step time, in seconds (0 when no plan exists)."""
    if instance.infeasibility() is not None:
        return 0.0
    t, s = instance.tables, instance.array
    # both bounds are row-wise in the lengths: evaluated once per distinct length and gathered,
    # the same floats summed in the same order (a million sequences took 1.6 CPU s per call
    # over [n, types] matrices; s26limits)
    distinct, back = np.unique(s, return_inverse=True)
    area = float(min_area(t, distinct)[back].sum()) / t.gpus
    area += min_microbatches(t, s) * float(t.fixed.min())
    return max(area, single_bound_ms(t, distinct)) / 1000.0


#: Multipliers of the memory row in :func:`waste_bound_ms`, relative to the least GPU-time
#: per token (any multiplier gives a valid test; a grid finds a good one).
WASTE_MULTIPLIERS = np.geomspace(1e-2, 1e2, 41)
#: Distinct lengths above which the bound is skipped (one test costs ~4 µs per length).
WASTE_MAX_DISTINCT = 8192
#: Relative precision of the bisection on the step time.
WASTE_TOL = 1e-4


def waste_bound_ms(
    tables: Tables,
    lengths: np.ndarray,
    microbatches: int,
    lower_ms: float,
    upper_ms: float,
    deadline: Deadline | None = None,
) -> float:
    """Bound (ms) on plans with ``microbatches`` micro-batches that adds memory to the area.

    When memory is nearly full every group must be nearly full too, but a group
    holding long sequences reaches its time before its memory. For a step time
    ``S`` every micro-batch lasts ``C_k ≤ R = S − (M − 1)·β``. A group of type
    ``j`` with time at most ``C_k`` holding sequences ``G`` leaves at least
    ``K_j + Σ_{i∈G} e_ij`` of its ``cap_j`` tokens empty, where
    ``e_ij = w_j(s_i) / r_j − s_i ≥ 0`` (``r_j`` the least time per token at type
    ``j`` over the batch) and ``K_j = cap_j − (R − β_j) / r_j``: its tokens take
    at least ``r_j`` each. Summed over the groups of type ``j``:

    * ``K_j ≥ 0``: there are at least ``Σ_i w_ij / (R − β_j)`` such groups (each
      holds at most ``R − β_j`` of work), so each sequence accounts for
      ``ω_ij = K_j·w_ij / (R − β_j) + e_ij``;
    * ``K_j < 0``: ``x ↦ max(0, K_j + x)`` is superadditive, so
      ``ω_ij = max(0, K_j + e_ij)``.

    All the empty memory is at most ``M·N·c − tokens``. With the area
    (``Σ_i d_j w_ij ≤ N·(S − M·β)``) and ``β_j + w_ij ≤ R``, a step ``S`` is
    impossible when, for some multiplier ``μ ≥ 0``,
    ``Σ_i min_j (d_j w_ij + μ ω_ij) > N·(S − M·β) + μ·(M·N·c − tokens)``
    (Lagrangian relaxation of the type choice). The test is monotone in ``S``;
    bisection between ``lower_ms`` and ``upper_ms`` returns the largest ``S``
    tested impossible (``lower_ms`` if none).
    """
    s = np.asarray(lengths, dtype=np.float64)
    if s.size == 0 or microbatches < 1:
        return lower_ms
    values, counts = np.unique(s, return_counts=True)
    if len(values) > WASTE_MAX_DISTINCT:
        return lower_ms  # one test would take longer than a short time limit allows
    N = tables.gpus
    W = tables.work(values)
    single = tables.single_time(values)
    rate = tables.rate_floor(s)
    fixed = tables.fixed.astype(np.float64)
    beta = float(fixed.min())
    cap = tables.capacity.astype(np.float64)
    area = tables.degrees[None, :] * W
    positive = rate > 0
    safe_rate = np.where(positive, rate, 1.0)
    excess = np.where(positive[None, :], W / safe_rate[None, :] - values[:, None], 0.0)
    empty = microbatches * N * tables.tokens_per_gpu - float(s.sum())
    if empty < 0:
        return math.inf  # the tokens do not fit this many micro-batches
    base = float(np.min((tables.degrees * rate)[positive])) if positive.any() else 1.0
    mus = np.concatenate([[0.0], base * WASTE_MULTIPLIERS])

    def impossible(step: float) -> bool:
        room = step - (microbatches - 1) * beta  # the longest a micro-batch can last
        work_room = room - fixed
        usable = work_room > 0
        K = np.where(positive & usable, cap - work_room / safe_rate, -np.inf)
        groups_needed = W / np.where(usable, work_room, 1.0)[None, :]
        with np.errstate(invalid="ignore"):  # -inf·0 in the branch not taken
            omega = np.where(
                K[None, :] >= 0,
                K[None, :] * groups_needed + excess,
                np.maximum(0.0, excess + np.minimum(0.0, K)[None, :]),
            )
        allowed = single <= room
        # [mu, sequence, type]
        cost = area[None, :, :] + mus[:, None, None] * omega[None, :, :]
        cost = np.where(allowed[None, :, :], cost, np.inf).min(axis=2)
        lhs = (cost * counts[None, :]).sum(axis=1)
        rhs = N * (step - microbatches * beta) + mus * empty
        return bool(np.any(lhs > rhs * (1 + 1e-9) + 1e-9))

    lo, hi = lower_ms, upper_ms
    if not math.isfinite(hi) or hi <= lo:
        return lo
    if impossible(hi):
        return hi  # no plan with this many micro-batches reaches the known plan
    while hi - lo > WASTE_TOL * hi and (deadline is None or not deadline.expired()):
        mid = 0.5 * (lo + hi)
        if impossible(mid):
            lo = mid
        else:
            hi = mid
    return lo
