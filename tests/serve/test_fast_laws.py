"""The fast forms of the serving laws against plain reference computations.

:class:`~planner.serve.queueing.BatchedPrefillLaw` builds its transforms with cached grid
constants and powers by doubling; the reference here builds the same chain with complex
exponentials and explicit sums (its stated tolerance: 1e-9 relative on the quantile, float
rounding only). :func:`~planner.serve.capacity.bracketed_root` (Brent's method, the capacity
search) must return a sign-changing bracket within its tolerance of the true root.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.serve.capacity import bracketed_root
from planner.serve.queueing import BATCH_BINS, BatchedPrefillLaw


def reference_batched_prefill_quantile(lam, t0, pieces, weights, q, extra, span):
    """The batched-prefill TTFT quantile computed directly (same model, plain arithmetic) on
    a grid spanning ``span`` typical iteration lengths."""
    pieces = np.maximum(np.asarray(pieces, float), 0.0)
    weights = np.asarray(weights, float) / np.sum(weights)
    m1 = float(weights @ pieces)
    if lam * m1 >= 1:
        return math.inf
    size = BATCH_BINS
    h = span * (t0 / (1.0 - lam * m1) + m1) / size
    n_fft = 4 * size
    # the piece law on the grid, each value split between its two neighbouring bins
    piece = np.zeros(n_fft)
    for v, w in zip(pieces, weights, strict=True):
        pos = min(v / h, size - 1.0)
        k = math.floor(pos)
        piece[k] += w * (1 - (pos - k))
        piece[min(k + 1, size - 1)] += w * (pos - k)
    piece /= piece.sum()
    phi = np.fft.rfft(piece)
    omega = 2j * np.pi * np.arange(phi.size) / n_fft
    k0 = math.floor(t0 / h)
    frac = t0 / h - k0
    shift = (1 - frac) * np.exp(-omega * k0) + frac * np.exp(-omega * (k0 + 1))

    def law(spectrum):
        out = np.maximum(np.fft.irfft(spectrum, n_fft), 0.0)
        head = out[:size].copy()
        head[-1] += out[size:].sum()
        return head / head.sum()

    grid = np.arange(size) * h
    trans = np.empty((size, size))
    for i in range(size):
        arrived = np.exp(lam * grid[i] * (phi - 1.0))
        idle = math.exp(-lam * grid[i])
        trans[i] = law((arrived - idle + idle * phi) * shift)
    # stationary law: the chain's 2**40-th step (repeated squaring; the law's own code solves
    # a linear system, and power iteration stopped at a small step is only as close as the
    # chain mixes fast)
    power = trans
    for _ in range(40):
        power = power @ power
    pi = law(phi * shift) @ power
    centre = grid + 0.5 * h
    e_c = float(pi @ centre)
    idle_time = float(pi @ np.exp(-lam * centre)) / lam
    busy = e_c / (e_c + idle_time)
    spec = np.zeros(phi.size, complex)
    for i in range(size):
        residual = np.exp(-omega[None, :] * np.arange(i + 1)[:, None]).mean(axis=0)
        others = np.exp(lam * centre[i] * (phi - 1.0))
        spec += pi[i] * centre[i] / e_c * residual * others
    cdf = np.cumsum(law((busy * spec + 1.0 - busy) * phi * shift))
    k = min(int(np.searchsorted(cdf, q - 1e-12)), size - 1)
    if k == 0:
        return extra
    step = cdf[k] - cdf[k - 1]
    part = (q - cdf[k - 1]) / step if step > 0 else 1.0
    return (k - 1 + min(max(part, 0.0), 1.0)) * h + extra


@settings(max_examples=8, deadline=None)
@given(
    rho=st.floats(0.02, 0.95),
    t0=st.floats(0.0, 0.05),
    pieces=st.lists(st.floats(1e-4, 0.2), min_size=1, max_size=6),
    q=st.sampled_from([0.5, 0.9, 0.99]),
)
def test_batched_prefill_law_equals_its_plain_computation(rho, t0, pieces, q):
    weights = np.linspace(1.0, 3.0, len(pieces))
    lam = rho / float(np.dot(weights / weights.sum(), pieces))
    law = BatchedPrefillLaw(lam, t0, np.array(pieces), weights, q, 0.002)
    got = law.quantile()
    want = reference_batched_prefill_quantile(lam, t0, pieces, weights, q, 0.002, law.span)
    assert got == pytest.approx(want, rel=1e-9, abs=1e-15)


@settings(max_examples=60, deadline=None)
@given(
    root=st.floats(0.01, 0.99),
    slope=st.floats(0.01, 100.0),
    cubic=st.floats(0.0, 50.0),
    pole=st.booleans(),
    rtol=st.sampled_from([1e-3, 1e-6]),
)
def test_bracketed_root_brackets_the_root_within_tolerance(root, slope, cubic, pole, rtol):
    """Increasing functions (some with a pole at 1, squashed like the capacity's excess)."""

    def f(x: float) -> float:
        value = slope * (x - root) + cubic * (x - root) ** 3
        if pole:  # 1 / (1 - x) - 1 / (1 - root), squashed to stay finite
            value = math.atan(1.0 / (1.0 - min(x, 1 - 1e-12)) - 1.0 / (1.0 - root))
        return value

    calls = []

    def counted(x: float) -> float:
        calls.append(x)
        return f(x)

    x, fx, y, fy = bracketed_root(counted, 0.0, 1.0, f(0.0), f(1.0), 0.0, rtol)
    assert fx * fy <= 0
    assert fx == f(x) and fy == f(y)
    assert min(x, y) - 1e-12 <= root <= max(x, y) + 1e-12
    assert abs(x - y) <= rtol * abs(x) * (1 + 1e-9) + 1e-15
    assert len(calls) <= 60  # a bisection to 1e-6 takes 20; Brent needs no more than 3x
