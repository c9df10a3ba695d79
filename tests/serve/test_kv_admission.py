"""The KV-cache admission wait: the chain against brute force and Erlang's delay formula,
the TTFT convolution against numerical integration, and the Mixtral plan that ran its
cache full (issue 19: modelled p99 TTFT 1.12 s, simulated 7.8 s)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.serve import ReplicaGroup, ServingPlan, make_problem, solve
from planner.serve.capacity import role_model
from planner.serve.kv_admission import AdmissionWait, KvWaitLaw, admission_wait, chain_tail
from planner.serve.simulate import simulate


def brute_force_tail(births: np.ndarray, deaths: np.ndarray, extra: int = 300) -> float:
    """P(k >= K) from the generator of the chain truncated ``extra`` states past ``K``
    (the rates of ``K`` repeated), solved as a linear system."""
    K = births.size - 1
    n = K + extra + 1
    up = np.concatenate([births, np.full(extra, births[K])])
    down = np.concatenate([deaths, np.full(extra, deaths[K])])
    Q = np.zeros((n, n))
    for k in range(n):
        if k + 1 < n:
            Q[k, k + 1] = up[k]
        if k > 0:
            Q[k, k - 1] = down[k]
        Q[k, k] = -Q[k].sum()
    A = np.vstack([Q.T, np.ones(n)])
    rhs = np.zeros(n + 1)
    rhs[-1] = 1.0
    pi = np.linalg.lstsq(A, rhs, rcond=None)[0]
    return float(pi[K:].sum())


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(0.2, 5.0), min_size=2, max_size=8),
    st.lists(st.floats(0.2, 5.0), min_size=8, max_size=8),
    st.floats(0.1, 0.8),
)
def test_chain_tail_matches_the_truncated_generator(births, deaths, rho):
    births = np.array(births)
    K = births.size - 1
    deaths = np.array([0.0, *deaths[:K]])
    births[K] = rho * deaths[K]  # a stable tail (ratio rho)
    p, ratio = chain_tail(births, deaths)
    assert ratio == pytest.approx(rho)
    assert p == pytest.approx(brute_force_tail(births, deaths), rel=1e-6, abs=1e-12)


def erlang_c(servers: int, load: float) -> float:
    """Erlang's delay probability (textbook form: the last term over the sum)."""
    terms = [load**k / math.factorial(k) for k in range(servers)]
    last = load**servers / math.factorial(servers) * servers / (servers - load)
    return last / (sum(terms) + last)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 30), st.floats(0.05, 0.95), st.floats(0.1, 10.0))
def test_unit_jumps_give_erlangs_delay_system(servers, utilisation, mu):
    # Poisson arrivals, K servers of rate mu: births lam, deaths k mu, variance lam + mu(k)
    lam = utilisation * servers * mu
    k = np.arange(servers + 1)
    rates = k * mu
    wait = admission_wait(lam, rates, lam + rates)
    assert wait.probability == pytest.approx(erlang_c(servers, lam / mu), rel=1e-9)
    assert wait.rate == pytest.approx(servers * mu - lam, rel=1e-9)


def test_a_full_cache_that_cannot_keep_up_waits_without_bound():
    k = np.arange(6.0)
    wait = admission_wait(10.0, k, 10.0 + k)  # at most 5 departures per second
    assert wait.probability == 1.0 and wait.rate == 0.0
    assert KvWaitLaw(lambda t: 1.0, 0.0, 1.0, wait, 0.99).quantile() == math.inf


@settings(max_examples=25, deadline=None)
@given(
    st.floats(0.05, 2.0),
    st.floats(0.0, 2.0),
    st.floats(0.002, 0.6),
    st.floats(0.2, 20.0),
    st.sampled_from([0.9, 0.99]),
)
def test_wait_convolution_matches_numerical_integration(a, width, p, rate, q):
    # TTFT without the wait uniform on [a, a + width] (a point when width is 0)
    def cdf(t: float) -> float:
        if width == 0:
            return float(t >= a)
        return min(1.0, max(0.0, (t - a) / width))

    wait = AdmissionWait(p, rate)
    got = KvWaitLaw(cdf, a, a + width, wait, q).quantile()

    # brute force: P(X + W > t) on a fine grid of X, the exponential tail in closed form
    xs = a + width * (np.arange(4000) + 0.5) / 4000

    def tail(t: float) -> float:
        return float(np.mean((xs > t) + (xs <= t) * p * np.exp(-rate * (t - xs))))

    lo, hi = a, a + width + math.log(max(p / (1 - q), 1.0) + 1.0) / rate + 1.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if tail(mid) > 1 - q else (lo, mid)
    scale = width + 1.0 / rate
    assert got == pytest.approx(hi, abs=0.02 * scale)


def test_a_vanishing_wait_leaves_the_quantile_exact():
    # an exponential tail, curved between the grid's points: the wrapped quantile must
    # fall back to the law's own as the wait vanishes, and never lie below it
    def cdf(t: float) -> float:
        return -math.expm1(-t) if t > 0 else 0.0

    exact = math.log(100.0)
    law = KvWaitLaw(cdf, 0.0, 5.0, AdmissionWait(1e-12, 1.0), 0.99)
    assert law.quantile() == pytest.approx(exact, rel=1e-6)
    assert KvWaitLaw(cdf, 0.0, 5.0, AdmissionWait(1e-4, 1.0), 0.99).quantile() >= exact


def mixtral_problem(qps: float, disaggregation: str = "off"):
    """Issue 19's Mixtral case: 20 req/s of exp:1024 / exp:256 within 3 s / 100 ms."""
    return make_problem(
        "mixtral-8x7b",
        "H100:8,A100:8",
        qps=qps,
        prompt_tokens="exp:1024",
        output_tokens="exp:256",
        ttft="3s",
        tpot="100ms",
        disaggregation=disaggregation,
    )


def mixtral(qps: float):
    problem = mixtral_problem(qps)
    group = ReplicaGroup("H100-SXM", 2, 1, 1, 1, "both", 2048, qps)
    return problem, ServingPlan((group,)), role_model(problem, group)


def test_kv_admission_wait_breaks_the_ttft_slo_of_a_full_cache():
    # issue 19: at 20 req/s this replica's cache is full at the mean batch; the simulator's
    # p99 TTFT is 7.8 s (p50 0.57 s) where the model without the admission wait said 1.12 s
    # and put the KV-bound capacity at 20.06 req/s
    _, _, rm = mixtral(20.0)
    point = rm.at_rate(20.0)
    assert point.ttft_s > 3.0 and not point.feasible
    capacity, top, _ = rm.capacity()
    assert capacity < 20.0 and top.feasible
    # the wait grows with the load
    waits = [rm.admission(lam, 0.0) for lam in (17.0, 18.0, 19.0)]
    assert [w.probability for w in waits] == sorted(w.probability for w in waits)
    assert waits[0].rate > waits[-1].rate > 0


def test_far_from_a_full_cache_the_wait_is_negligible():
    _, _, rm = mixtral(8.0)
    assert rm.admission(8.0, 0.0).negligible(0.99)


@pytest.mark.slow
def test_the_solvers_mixtral_plan_holds_its_slo_in_the_simulator():
    # issue 19's case: the plan recommended before ran its cache full (simulated p99 TTFT
    # 7.8 s against the 3 s target); whatever the solver picks now must hold both targets
    problem = mixtral_problem(20.0, "allow")
    result = solve(problem, time_limit=120.0, threads=1)
    assert result.solution is not None
    sim = simulate(problem, result.solution, requests=10000, seed=0)
    assert sim["complete"]
    assert sim["ttft_p99_s"] <= 3.0
    assert sim["tpot_p99_s"] <= 0.1


@settings(max_examples=12, deadline=None)
@given(st.floats(0.2, 0.98))
def test_the_screening_bound_is_above_the_chains_probability(share):
    # RoleModel.admission skips the chain where this bound is negligible: it must bound it
    _, _, rm = mixtral(1.0)
    lam = share * rm.rate_limit()
    state = rm._batch_state(rm.at_rate(lam).batch)
    t0 = float(rm.engine.base_time(np.array([state.batch]), state.batch, rm.ctx)[0])
    wait = rm.admission(lam, 0.0)
    K = max(1, math.floor(rm.kv_cap / rm.mem_ctx))
    if state.batch + 1 >= K:
        return
    ef = rm.m1 / rm.ed
    mix = max(0.0, rm.m2 / rm.ed - ef * ef) / rm.mem_ctx**2
    assert rm._admission_bound(lam, K, state.batch, t0, mix) >= wait.probability
