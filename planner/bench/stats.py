"""Paired significance tests for comparing two benchmark runs (numpy only).

:func:`sign_test` and :func:`wilcoxon` test whether paired differences (say,
run-time of a method on the same instances in two runs) are centred on zero.
Both are two-sided and exact for small samples; the Wilcoxon signed-rank test
uses the normal approximation with tie and continuity corrections beyond
:data:`EXACT_MAX_N` non-zero differences.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: Largest number of non-zero differences for which the Wilcoxon p-value is exact.
EXACT_MAX_N = 30


@dataclass(frozen=True)
class TestResult:
    """A two-sided paired test.

    Attributes
    ----------
    n
        Non-zero differences used (zeros are dropped).
    statistic
        Positive differences (sign test) or the rank sum of the positive ones
        (Wilcoxon's W+).
    p_value
        Two-sided p-value (1.0 when ``n == 0``).
    method
        ``"sign"``, ``"wilcoxon exact"`` or ``"wilcoxon normal"``.
    """

    n: int
    statistic: float
    p_value: float
    method: str


def sign_test(diffs: Sequence[float]) -> TestResult:
    """Exact two-sided sign test of ``median(diffs) == 0`` (zeros dropped)."""
    d = np.asarray(diffs, dtype=float)
    d = d[d != 0]
    n = int(d.size)
    k = int((d > 0).sum())
    if n == 0:
        return TestResult(0, 0.0, 1.0, "sign")
    low = min(k, n - k)
    tail = sum(math.comb(n, i) for i in range(low + 1)) / 2.0**n
    return TestResult(n, float(k), min(1.0, 2.0 * tail), "sign")


def wilcoxon(diffs: Sequence[float]) -> TestResult:
    """Two-sided Wilcoxon signed-rank test of symmetry about zero (zeros dropped).

    Ties among ``|d|`` get average ranks. For at most :data:`EXACT_MAX_N`
    differences the null distribution of W+ is enumerated exactly (on doubled
    ranks, so average ranks stay integers); otherwise the normal approximation
    with the tie-corrected variance and a continuity correction is used.
    """
    d = np.asarray(diffs, dtype=float)
    d = d[d != 0]
    n = int(d.size)
    if n == 0:
        return TestResult(0, 0.0, 1.0, "wilcoxon exact")
    ranks = average_ranks(np.abs(d))
    w_plus = float(ranks[d > 0].sum())
    if n <= EXACT_MAX_N:
        doubled = np.rint(2 * ranks).astype(int)
        counts = np.zeros(int(doubled.sum()) + 1)
        counts[0] = 1.0
        for r in doubled:  # distribution of the sum of a random subset of the ranks
            counts[r:] = counts[r:] + counts[: counts.size - r].copy()
        probs = counts / counts.sum()
        observed = round(2 * w_plus)
        mirror = int(doubled.sum()) - observed
        lo, hi = min(observed, mirror), max(observed, mirror)
        p = probs[: lo + 1].sum() + probs[hi:].sum() if lo != hi else 1.0
        return TestResult(n, w_plus, float(min(1.0, p)), "wilcoxon exact")
    mean = n * (n + 1) / 4.0
    _, tie_counts = np.unique(np.abs(d), return_counts=True)
    var = n * (n + 1) * (2 * n + 1) / 24.0 - float((tie_counts**3 - tie_counts).sum()) / 48.0
    if var <= 0:
        return TestResult(n, w_plus, 1.0, "wilcoxon normal")
    z = (abs(w_plus - mean) - 0.5) / math.sqrt(var)
    p = math.erfc(max(z, 0.0) / math.sqrt(2.0))
    return TestResult(n, w_plus, float(min(1.0, p)), "wilcoxon normal")


def average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n of ``values``, ties sharing their average rank."""
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    ranks = np.empty(values.size, dtype=float)
    start = 0
    while start < values.size:
        end = start
        while end + 1 < values.size and sorted_values[end + 1] == sorted_values[start]:
            end += 1
        ranks[order[start : end + 1]] = (start + end) / 2.0 + 1.0
        start = end + 1
    return ranks
