"""Arrivals of a Gamma renewal stream after one of its own, against sampled streams."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from planner.serve.queueing import (
    CHAIN_BINS_PER_CHUNK,
    backlog_chain,
    poisson_pmf,
    queued_count_pmf,
    tpot_quantile,
)
from planner.serve.renewal import gamma_cdf, renewal_count_pmf


def test_incomplete_gamma_closed_forms():
    """P(1, x) = 1 - exp(-x); P(1/2, x) = erf(sqrt(x)); P(3, x) = 1 - e^-x (1 + x + x^2/2),
    on both sides of the series / continued-fraction switch."""
    x = np.array([0.0, 0.01, 0.3, 1.0, 2.5, 7.0, 40.0])
    p, q = gamma_cdf(1.0, x)
    assert p == pytest.approx(1.0 - np.exp(-x), abs=1e-13)
    assert q[1:] == pytest.approx(np.exp(-x[1:]), rel=1e-10)
    p, _ = gamma_cdf(0.5, x)
    assert p == pytest.approx([math.erf(math.sqrt(v)) for v in x], abs=1e-13)
    p, q = gamma_cdf(3.0, x)
    assert q[1:] == pytest.approx(np.exp(-x[1:]) * (1 + x[1:] + x[1:] ** 2 / 2), rel=1e-10)


@settings(max_examples=6, deadline=None)
@given(
    st.floats(1.0, 60.0),
    st.floats(0.0, 0.3),
    st.floats(0.0, 0.9),
    st.floats(0.0, 0.2),
)
@example(1.0, 0.0, 0.5, 2.2e-309)  # a subnormal wait gave NaN (theta / m overflowed)
@example(1.0, 0.25, 0.5, 4e-06)  # Q underflowed to 0 and lost a 1.6e-6 term (short wait)
def test_poisson_stream_is_the_mixed_poisson_count(rate, window, sigma, wait):
    """ca2 = 1: a Poisson count over the window plus a geometric one over the wait."""
    got = renewal_count_pmf(rate, 1.0, window, sigma, wait)
    want = queued_count_pmf(rate * window, sigma, rate * wait)
    n = min(got.size, want.size)
    assert np.abs(got[:n] - want[:n]).max() <= 1e-9
    assert got[n:].sum() <= 1e-9 and want[n:].sum() <= 1e-9


@settings(max_examples=6, deadline=None)
@given(
    st.sampled_from([1.5, 2.0, 4.0]),
    st.floats(0.5, 40.0),
    st.floats(0.005, 0.3),
    st.floats(0.0, 0.9),
    st.floats(0.005, 0.3),
)
def test_gamma_stream_count_matches_sampled_streams(ca2, rate, window, sigma, wait):
    """Gamma gaps sampled after an arrival at 0; the count over the window plus an
    independent wait (0, else exponential) against the law, cumulative within 0.01."""
    rng = np.random.default_rng(7)
    n = 40000
    k = 1.0 / ca2
    span = window + np.where(rng.random(n) < sigma, rng.exponential(wait, n), 0.0)
    gaps = rng.gamma(k, 1.0 / (rate * k), (n, 1))
    times = np.cumsum(gaps, axis=1)
    while (times[:, -1] <= span).any():  # enough gaps to pass every window
        more = rng.gamma(k, 1.0 / (rate * k), (n, times.shape[1]))
        times = np.concatenate([times, times[:, -1:] + np.cumsum(more, axis=1)], axis=1)
    counts = (times <= span[:, None]).sum(axis=1)
    sampled = np.bincount(counts) / n
    got = renewal_count_pmf(rate, ca2, window, sigma, wait)
    size = max(got.size, sampled.size)
    got_c = np.cumsum(np.pad(got, (0, size - got.size)))
    sam_c = np.cumsum(np.pad(sampled, (0, size - sampled.size)))
    assert np.abs(got_c - sam_c).max() <= 0.01


def test_short_window_brings_one_prompt_not_a_burst():
    """Scv 2 at 8.9 req/s over 30 ms (the simulator's bursty 8B case at 20 % load): the
    renewal stream brings one prompt with probability ~0.27 and two or more ~0.12, where a
    Poisson stream of bursts of two, with the request's own burst behind it half the time,
    brings two or more with probability ~0.34."""
    pmf = renewal_count_pmf(8.88, 2.0, 0.03, 0.0, 0.0)
    assert pmf[1] == pytest.approx(0.2695, abs=2e-3)
    assert pmf[2:].sum() == pytest.approx(1.0 - math.exp(-0.03 * 8.88 / 2.0), rel=1e-9)


@settings(max_examples=4, deadline=None)
@given(st.floats(0.005, 0.02), st.floats(0.1, 0.7), st.floats(0.2, 2.0), st.integers(1, 12))
def test_chain_starts_from_single_prompts(tau0, rho, queued, steps):
    """Bursts of two in the stream, single prompts in the initial queue (``start_scale``):
    the joint chain's law of the carried extra against separate loops of the recursion."""
    cap = 4.0 * tau0
    h = cap / CHAIN_BINS_PER_CHUNK
    pieces = np.array([2.0, 6.0, 12.0]) * h  # bursts; a prompt is half: on the grid
    weights = np.array([0.5, 0.3, 0.2])
    rate = rho / float(weights @ pieces)
    start = poisson_pmf(queued, 40)
    *_, laws = backlog_chain(tau0, pieces, weights, rate, cap, start, steps, steps, 2.0)
    got = laws[steps]
    rng = np.random.default_rng(9)
    n = 40000

    def work(counts: np.ndarray, values: np.ndarray) -> np.ndarray:
        total = np.zeros(counts.size)
        for j in range(int(counts.max(initial=0))):
            total += np.where(counts > j, rng.choice(values, counts.size, p=weights), 0.0)
        return total

    backlog = work(rng.poisson(queued, n), pieces / 2.0)
    carried = np.zeros(n)
    for _ in range(steps):
        y = np.minimum(backlog, cap)
        carried += y
        backlog += work(rng.poisson(rate * (tau0 + y)), pieces) - y
    sampled = np.bincount(np.rint(carried / h).astype(int), minlength=got.size) / n
    assert np.abs(np.cumsum(got) - np.cumsum(sampled[: got.size])).max() <= 0.015


def test_queued_scale_lightens_only_the_queue():
    """Counting the queue in prompts of half a piece lowers the TPOT quantile, short and
    long requests alike, and scale 1 is the default law."""
    tau0, pieces = 0.01, np.linspace(0.01, 0.06, 6)
    args = (tau0, pieces, 0.0, [4.0, 80.0], [0.5, 0.5], 0.99)
    kw = dict(extra_cap=[0.05] * 6, queued=1.5, arrival_rate=8.0)
    base = tpot_quantile(*args, **kw)
    assert tpot_quantile(*args, **kw, queued_scale=1.0) == base
    assert tpot_quantile(*args, **kw, queued_scale=2.0) < base
    long_only = (tau0, pieces, 0.0, [80.0], [1.0], 0.99)
    assert tpot_quantile(*long_only, **kw, queued_scale=2.0) < tpot_quantile(*long_only, **kw)
