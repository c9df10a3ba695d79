"""Optimal bucketing of sequence lengths (dynamic program), as FlexSP does before its MILP.

Sorted distinct lengths ``v_1 < ... < v_m`` with counts ``c_j`` are cut into
``Q`` consecutive buckets. A bucket stands for its sequences padded to its
largest length; its padding error is ``Σ_j c_j (w(v_max) − w(v_j))`` for a
weight ``w`` (tokens, or the modeled work ``α₁s² + α₂s``). The DP finds the
cut of least total error for each ``Q`` (FlexSP's recurrence; the optimal cut
points are monotone, so each layer is computed by divide and conquer in
``O(m log m)``), and the bucket count is raised until the error is at most a
fraction of the total weight.

Buckets serve twice: padded *up* to their largest length they give a model
whose every solution is feasible for the real lengths, and rounded *down* to
their smallest length a relaxation whose bound holds for the real lengths.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

#: Default bucket counts: start (FlexSP's default) and cap.
START_BUCKETS = 16
MAX_BUCKETS = 64
#: Default tolerance: padding error at most this share of the total weight.
TOLERANCE = 0.005


@dataclass(frozen=True)
class Buckets:
    """Consecutive ranges of the sorted distinct lengths.

    Attributes
    ----------
    lower, upper
        Smallest and largest length in each bucket.
    count
        Sequences in each bucket.
    error
        Padding error of the cut (in the weight's units).
    total
        Total weight of the batch.
    members
        For each bucket, the batch indices of its sequences.
    """

    lower: np.ndarray
    upper: np.ndarray
    count: np.ndarray
    error: float
    total: float
    members: tuple[np.ndarray, ...]

    @property
    def size(self) -> int:
        """Number of buckets."""
        return len(self.count)

    @property
    def relative_error(self) -> float:
        """Padding error over total weight."""
        return self.error / self.total if self.total > 0 else 0.0


@njit(cache=True)
def _cost(cp, wp, w, a, b):  # pragma: no cover - compiled
    """Error of one bucket over distinct values a..b (inclusive), padded to w[b]."""
    return (cp[b + 1] - cp[a]) * w[b] - (wp[b + 1] - wp[a])


@njit(cache=True)
def _layer(prev, cp, wp, w, q, cur, arg):  # pragma: no cover - compiled
    """cur[b] = min over a in [q, b] of prev[a-1] + cost(a, b), by divide and conquer."""
    m = w.shape[0]
    for b in range(q):
        cur[b] = np.inf
        arg[b] = -1
    # explicit stack of (lo, hi, optlo, opthi)
    stack = np.empty((4 * m + 8, 4), np.int64)
    top = 0
    stack[top, 0], stack[top, 1], stack[top, 2], stack[top, 3] = q, m - 1, q, m - 1
    top += 1
    while top > 0:
        top -= 1
        lo, hi, olo, ohi = stack[top, 0], stack[top, 1], stack[top, 2], stack[top, 3]
        if lo > hi:
            continue
        mid = (lo + hi) // 2
        best = np.inf
        besta = olo
        for a in range(olo, min(mid, ohi) + 1):
            v = prev[a - 1] + _cost(cp, wp, w, a, mid)
            if v < best:
                best = v
                besta = a
        cur[mid] = best
        arg[mid] = besta
        stack[top, 0], stack[top, 1], stack[top, 2], stack[top, 3] = lo, mid - 1, olo, besta
        top += 1
        stack[top, 0], stack[top, 1], stack[top, 2], stack[top, 3] = mid + 1, hi, besta, ohi
        top += 1


def bucketize(
    lengths: np.ndarray,
    weight: np.ndarray | None = None,
    *,
    start: int = START_BUCKETS,
    max_buckets: int = MAX_BUCKETS,
    tolerance: float = TOLERANCE,
) -> Buckets:
    """Optimal buckets of ``lengths``, with the count raised from ``start`` until the error is small.

    Parameters
    ----------
    lengths
        Sequence lengths (any order).
    weight
        Weight of each *distinct* sorted length (default: the length itself, i.e.
        padded tokens). Must be non-decreasing in the length.
    start, max_buckets
        First and largest bucket count tried (never more than the distinct lengths).
    tolerance
        Stop at the first count whose padding error is at most ``tolerance``
        times the total weight.
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    values, inverse, counts = np.unique(lengths, return_inverse=True, return_counts=True)
    m = len(values)
    w = values.astype(np.float64) if weight is None else np.asarray(weight, dtype=np.float64)
    if len(w) != m:
        raise ValueError("weight must give one value per distinct length")
    cp = np.concatenate([[0.0], np.cumsum(counts.astype(np.float64))])
    wp = np.concatenate([[0.0], np.cumsum(counts * w)])
    total = float(wp[-1])
    qmax = min(m, max(1, max_buckets))
    args = np.zeros((qmax + 1, m), np.int64)
    cur = np.array([_cost(cp, wp, w, 0, b) for b in range(m)])
    q = 1
    while q < qmax and (q < min(start, qmax) or cur[m - 1] > tolerance * total):
        nxt = np.empty(m)
        _layer(cur, cp, wp, w, q, nxt, args[q + 1])
        cur = nxt
        q += 1
    # backtrack the cut with q buckets
    cuts = []
    b = m - 1
    for layer in range(q, 1, -1):
        a = int(args[layer, b])
        cuts.append((a, b))
        b = a - 1
    cuts.append((0, b))
    cuts.reverse()
    lower = np.array([values[a] for a, _ in cuts], dtype=np.int64)
    upper = np.array([values[b] for _, b in cuts], dtype=np.int64)
    count = np.array([int(counts[a : b + 1].sum()) for a, b in cuts], dtype=np.int64)
    bucket_of_value = np.empty(m, np.int64)
    for r, (a, b) in enumerate(cuts):
        bucket_of_value[a : b + 1] = r
    which = bucket_of_value[inverse]
    members = tuple(np.flatnonzero(which == r) for r in range(len(cuts)))
    return Buckets(lower, upper, count, float(cur[m - 1]), total, members)
