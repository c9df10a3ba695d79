"""The law of the extra a request's iterations carry on a lockstep replica
(:class:`~planner.serve.lockstep.IterationExtra`, :func:`~planner.serve.lockstep.merged_iteration_law`)
and the TPOT law built on it."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.serve.lockstep import (
    IterationExtra,
    MergingChain,
    merged_iteration_law,
    merged_most,
    merged_point,
)
from planner.serve.queueing import TpotLaw
from tests.serve.test_merging_chain import bench_grid


def _random_chain(seed: int, states: int, size: int) -> tuple[np.ndarray, ...]:
    """A transition matrix, per-transition laws of the extra on a grid (rows of ``G[s, k]``
    sum to ``P[s, k]``; a move to state 0 carries nothing) and a start law."""
    rng = np.random.default_rng(seed)
    P = rng.random((states, states)) + 0.05
    P /= P.sum(axis=1, keepdims=True)
    G = rng.random((states, states, size)) * (rng.random((states, states, size)) < 0.6)
    G[:, :, 0] += 0.05
    G[:, 0, :] = 0.0
    G[:, 0, 0] = 1.0
    G *= (P / G.sum(axis=2))[:, :, None]
    alpha = rng.random(states) + 0.01
    return P, G, alpha / alpha.sum()


def _enumerated(P, G, alpha, D: int) -> tuple[np.ndarray, float]:
    """Law of the summed extra after ``D`` iterations and the probability that none carries
    anything, by enumerating every path of states (independent of the recursion)."""
    states, size = P.shape[0], G.shape[2]
    law = np.zeros(D * (size - 1) + 1)
    zero = 0.0
    for start in range(states):
        for path in itertools.product(range(states), repeat=D):
            weight = alpha[start]
            pmf = np.array([1.0])
            prev = start
            for k in path:
                step = G[prev, k] / P[prev, k]  # the extra's law given the move
                weight *= P[prev, k]
                pmf = np.convolve(pmf, step)
                prev = k
            law[: pmf.size] += weight * pmf
            if all(k == 0 for k in path):
                zero += weight
    return law, zero


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    states=st.integers(2, 3),
    size=st.integers(2, 4),
    D=st.integers(1, 4),
    scale=st.sampled_from([1.0, 0.5]),
)
def test_laws_and_moments_match_enumerated_paths(seed, states, size, D, scale):
    P, G, alpha = _random_chain(seed, states, size)
    g = 0.01
    x = np.arange(size) * g
    A1, A2 = (G * x).sum(axis=2), (G * x * x).sum(axis=2)
    law = IterationExtra(P, A1, A2, G, g, alpha, float(x[-1]), scale)
    want, want_zero = _enumerated(P, G, alpha, D)
    zero, pmf, width = law.laws(np.array([D]))
    assert width == pytest.approx(g * scale)
    assert np.allclose(pmf[0], want, atol=1e-12)
    assert zero[0] == pytest.approx(want_zero, rel=1e-9, abs=1e-15)
    points = np.arange(want.size) * g
    mean = float(want @ points)
    var = float(want @ (points * points)) - mean * mean
    m, v = law.moments(np.array([D]))
    assert m[0] == pytest.approx(mean * scale, rel=1e-9, abs=1e-15)
    assert v[0] == pytest.approx(var * scale**2, rel=1e-7, abs=1e-15)


def test_moments_beyond_the_table_grow_linearly():
    P, G, alpha = _random_chain(3, 3, 3)
    x = np.arange(3) * 0.01
    law = IterationExtra(P, (G * x).sum(axis=2), (G * x * x).sum(axis=2), G, 0.01, alpha, 0.02)
    m, v = law.moments(np.array([400, 800, 1200]))
    assert m[2] - m[1] == pytest.approx(m[1] - m[0], rel=1e-9)
    assert v[2] - v[1] == pytest.approx(v[1] - v[0], rel=1e-9)
    # the long-run rate is the stationary mean per iteration
    assert (m[2] - m[1]) / 400 == pytest.approx(law.mean_extra, rel=1e-9)


def _chain_args(n: int, per_iter: float) -> tuple:
    tok, w = np.array([300.0, 1500.0, 5000.0]), np.array([0.5, 0.35, 0.15])
    own_tok = np.array([4e-5, 5e-5, 7e-5])
    return (0.02, own_tok, tok, w, 2048.0, 1e-5, per_iter, n)


@pytest.mark.parametrize(("n", "per_iter"), [(2, 0.3), (8, 0.1), (8, 0.6)])
def test_iteration_law_mean_is_the_chains(n, per_iter):
    """The law's stationary mean extra per iteration is the chain's own mean length less the
    decode step at the solved point (the cells are the chain's, not another model's)."""
    share, point = merged_point(*_chain_args(n, per_iter))
    assert point is not None and 0 < share <= 1
    args, lam, T = point
    chain = MergingChain(*args[:6], args[7])
    law = merged_iteration_law(point)
    T_next, _, pi = chain.step(T, lam)
    mean_length = float((pi @ chain_transitions(chain, T, lam)) @ T_next)
    assert law.mean_extra + chain.t0 == pytest.approx(mean_length, rel=1e-9)
    # the cheap bound of the bracket's top is at least the law's largest extra
    assert merged_most(point) >= law.most
    # the backlog's memory adds variance over many iterations, never takes it away
    assert law.memory_variance(np.array([1000]))[0] >= 0
    assert law.memory > 0 and law.relax > 0


def chain_transitions(chain: MergingChain, T: np.ndarray, lam: float) -> np.ndarray:
    """The chain's transition matrix at ``(lam, T)``, from its cells."""
    prob, _, _ = chain._cells(lam * T)
    n = chain.n
    P = np.zeros((n + 1, n + 1))
    np.add.at(P, (chain.ts, chain.tc + chain.tm), prob)
    return P / P.sum(axis=1, keepdims=True)


def test_tpot_law_with_iteration_extra_is_the_mixture_it_describes():
    """A TPOT law on a chain law: decode-only requests at the step, the quantile between the
    step and the step plus the largest extra."""
    P, G, alpha = _random_chain(11, 3, 4)
    x = np.arange(4) * 0.01
    law = IterationExtra(P, (G * x).sum(axis=2), (G * x * x).sum(axis=2), G, 0.01, alpha, 0.03)
    d = np.array([1.0, 3.0, 20.0, 100.0])
    tpot = TpotLaw(0.02, 0.0, 0.0, d, np.ones(4), 0.9, iteration_extra=law)
    q = tpot.quantile()
    assert 0.02 < q <= 0.02 + 0.03 + 1e-9
    # a longer request averages more iterations: its 90th percentile is lower
    one = TpotLaw(0.02, 0.0, 0.0, d[:1], [1.0], 0.9, iteration_extra=law).quantile()
    long_ = TpotLaw(0.02, 0.0, 0.0, d[3:], [1.0], 0.9, iteration_extra=law).quantile()
    assert long_ < one


def test_deepseek_ep8_tpot_body_width_agrees_with_the_simulator():
    """DeepSeek-V3 on 8 x H200, tp1 ep8 under SGLang (eight lockstep groups) at 13.9 req/s
    (35 % of the model's capacity): the width of the TPOT law's body, p90 - p50, within 35 %
    of a 2,500-request simulation's (requests arriving in its second half; 10,000 requests
    give 24.9 ms). The old law (a Poisson stream of share-scaled prompt stretches through a
    single-chunk backlog) gave 56.0 ms, more than twice the simulated width."""
    from planner.serve.capacity import role_model
    from planner.serve.simulate import simulate_requests

    grid = bench_grid()
    case = next(c for c in grid.CASES if c.name.startswith("DeepSeek"))
    qps = 13.9
    plan = grid.layout(case, qps)
    _, done = simulate_requests(grid.problem_for(case, 99, qps), plan, requests=2500, seed=0)
    half = 0.5 * max(r.arrival for r in done)
    tpot = np.array(
        [(r.finish - r.first) / (r.output - 1) for r in done if r.output > 1 and r.arrival > half]
    )
    sim_width = float(np.quantile(tpot, 0.9) - np.quantile(tpot, 0.5))
    group = plan.replicas[0]
    model = []
    for q in (50, 90):
        rm = role_model(grid.problem_for(case, q, qps), group)
        model.append(rm.at_rate(qps / (group.count * group.pp * group.ep)).tpot_s)
    assert abs((model[1] - model[0]) / sim_width - 1.0) < 0.35


def test_bursty_arrivals_scale_the_backlogs_long_run_variance():
    """Renewal arrivals of scv c put c times Poisson's variance on a long window's count;
    the chain's own law (short-range) stays the Poisson one."""
    _, point = merged_point(*_chain_args(8, 0.3))
    poisson, bursty = merged_iteration_law(point), merged_iteration_law(point, scv=2.0)
    assert bursty.memory == pytest.approx(2.0 * poisson.memory, rel=1e-12)
    assert bursty.relax == poisson.relax
    assert np.array_equal(bursty.A2, poisson.A2)
