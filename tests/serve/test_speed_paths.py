"""Speed paths of the serving search give the plain path's results.

Each shortcut is compared with the computation it replaces, written plainly: the
array form of :func:`~planner.perfmodel.comm.all_to_all` with the scalar one per element
(the step model used ``np.vectorize`` of it), a :class:`~planner.serve.queueing.TpotLaw`
quantile continued from a coarse estimate's search with a fresh one (bit for bit), the
stationary law of a chain by one linear solve with the power iteration it replaces, and
the capacity search's steering (:func:`~planner.serve.capacity._steer`) with the laws'
own decisions, the compiled CDF of :meth:`~planner.serve.queueing.TpotLaw.excess` with the
numpy formula, step times from layer times shared by two token sets with separate calls. The capacity search as a whole is compared with a full bisection in
``test_shortcuts.py``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.perfmodel import comm
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.kernels import gemm_time, gemm_time_sum
from planner.perfmodel.readers import load_model
from planner.perfmodel.serving_features import Speculative
from planner.perfmodel.stage import EngineModel, ReplicaConfig
from planner.serve import queueing
from planner.serve.capacity import _steer
from planner.serve.queueing import (
    BATCH_BINS,
    BATCH_CLIP_SHARE,
    BATCH_MEMO_MARGIN,
    BATCH_MEMO_RATE,
    BATCH_SPAN,
    BatchedPrefillLaw,
    ResponseLaw,
    TpotLaw,
    _grid65,
    _polyval,
    normal_cdf_array,
    stationary_law,
)


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.floats(-1.0, 1e9), min_size=1, max_size=8),
    n=st.sampled_from([1, 2, 4, 8, 16, 64]),
    per_node=st.sampled_from([1, 2, 8]),
    gpu=st.sampled_from(["H100", "A100", "L40S"]),
)
def test_all_to_all_array_equals_the_scalar_form(sizes, n, per_node, gpu):
    fabric = comm.fabric_of(get_gpu(gpu))
    size = np.asarray(sizes, dtype=float)
    got = comm.all_to_all(size, n, per_node, fabric)
    want = np.array([comm.all_to_all(float(s), n, per_node, fabric) for s in sizes])
    assert np.array_equal(got, want)


def tpot_law(tau0, pieces, rate, queued, lengths, q, noise):
    pieces = np.asarray(pieces, dtype=float) * tau0
    return TpotLaw(
        tau0,
        pieces,
        0.0,
        lengths,
        np.linspace(1.0, 2.0, len(lengths)),
        q,
        noise * tau0,
        extra_weights=np.ones(pieces.size),
        extra_cap=np.full(pieces.size, 2.0 * tau0),
        queued=queued,
        arrival_rate=rate / float(pieces.mean()) if pieces.mean() > 0 else 0.0,
    )


law_args = {
    "tau0": st.floats(1e-3, 0.1),
    "pieces": st.lists(st.floats(0.05, 4.0), min_size=1, max_size=5),
    "rate": st.floats(0.0, 0.9),
    "queued": st.sampled_from([0.0, 0.5, 3.0]),
    "lengths": st.lists(st.floats(0.0, 400.0), min_size=1, max_size=5),
    "q": st.sampled_from([0.5, 0.9, 0.99]),
    "noise": st.floats(0.0, 0.3),
}


@settings(max_examples=60, deadline=None)
@given(**law_args)
def test_tpot_quantile_after_an_estimate_equals_a_fresh_one(**kw):
    coarse = tpot_law(**kw)
    estimate = coarse.estimate()
    value = coarse.quantile()
    assert value == tpot_law(**kw).quantile()  # the search continued, bit for bit
    assert estimate == tpot_law(**kw).estimate()
    assert coarse.estimate() == estimate  # a coarse search after a fine one starts afresh


@settings(max_examples=60, deadline=None)
@given(**law_args, scale=st.sampled_from([0.3, 0.995, 0.9999, 1.0, 1.0001, 1.005, 3.0]))
def test_steering_decides_as_the_tpot_law(scale, **kw):
    law = tpot_law(**kw)
    value = law.quantile()
    limit = value * scale
    if limit > 0:
        ratio, feasible = _steer(tpot_law(**kw), limit)
        assert feasible == tpot_law(**kw).within(limit) == (not value > limit)
        assert ratio > 0 and math.isfinite(ratio)


response_args = {
    "rho": st.floats(0.0, 0.99),
    "lo": st.lists(st.floats(1e-3, 0.5), min_size=1, max_size=4),
    "q": st.sampled_from([0.5, 0.9, 0.99]),
    "offset": st.sampled_from([0.0, 0.013]),
}


@settings(max_examples=60, deadline=None)
@given(**response_args, scale=st.sampled_from([0.3, 0.995, 1.0, 1.005, 3.0]))
def test_steering_decides_as_the_ttft_law(rho, lo, q, offset, scale):
    own = np.asarray(lo)
    es = float(own.mean())

    def law():
        return ResponseLaw(rho / es, es, 1.5 * es * es, own, own * 1.5, np.ones(own.size), q)

    limit = (law().quantile() + offset) * scale
    ratio, feasible = _steer(law(), limit, offset)
    assert feasible == law().within(limit, offset)
    assert ratio == (law().estimate() + offset) / limit or abs(ratio - 1.0) <= 0.02


@settings(max_examples=60, deadline=None)
@given(**response_args, widen=st.floats(0.0, 2.0), ca2=st.sampled_from([1.0, 2.5]))
def test_response_law_searches_in_any_order_equal_fresh_ones(rho, lo, widen, q, ca2, offset):
    """A ResponseLaw keeps its search rounds: estimate, decisions and quantile asked of one
    law in turn equal those of fresh laws."""
    own = np.asarray(lo)
    es = float(own.mean())

    def law():
        hi = own * (1 + widen * np.linspace(0.0, 1.0, own.size))
        return ResponseLaw(rho / es, es, 1.5 * es * es, own, hi, np.ones(own.size), q, ca2)

    value = law().quantile()
    kept = law()
    assert kept.estimate() == law().estimate()
    for limit in (value * 0.5, value, value + offset, value * (1 + 1e-6) + offset, value * 2):
        assert kept.within(limit, offset) == law().within(limit, offset)
    assert kept.quantile() == value


def test_normal_cdf_in_place_equals_the_plain_formula():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0.0, s, 300) for s in (0.1, 1.0, 5.0, 60.0)])
    x[:4] = [0.0, -0.0, 100.0, -1e-300]
    z = np.clip(x, -40.0, 40.0) / math.sqrt(2.0)  # Abramowitz-Stegun 7.1.26, as written
    a = np.abs(z)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    want = 0.5 * (1.0 + np.sign(z) * (1.0 - poly * np.exp(-a * a)))
    assert np.array_equal(normal_cdf_array(x), want)


@pytest.fixture(params=["numpy", "kernels"])
def law_path(request, monkeypatch):
    """Run a test with the laws on their numpy path, then with the compiled kernels."""
    module = queueing.warmup() if request.param == "kernels" else None
    monkeypatch.setitem(queueing._KERNELS, "module", module)
    monkeypatch.setitem(queueing._KERNELS, "evaluations", -(10**9))  # no load mid-test
    return request.param


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(**law_args, at=st.lists(st.floats(-0.5, 3.0), min_size=1, max_size=6))
def test_tpot_excess_by_the_compiled_kernels_equals_the_numpy_formula(law_path, at, **kw):
    """TpotLaw.excess (numba loops around numpy's exp) is the numpy CDF of the mixture, bit
    for bit, at points spread over the law and exactly on its components' centres."""
    law = tpot_law(**kw)
    if law.trivial:
        return
    tau0 = kw["tau0"]
    points = [tau0 * (1.0 + a) for a in at] + [float(c) for c in law.centre[:3]]
    for t in points:
        cdf = normal_cdf_array((t - law.centre) / law.sd) @ law.weight
        assert law.excess(t) == float(cdf) / law.total - law.q


@settings(max_examples=60, deadline=None)
@given(
    m=st.lists(st.floats(1e-9, 1e5), min_size=1, max_size=6),
    shapes=st.lists(st.tuples(st.floats(0.0, 3e4), st.floats(0.0, 3e4)), min_size=0, max_size=5),
    batched=st.booleans(),
    gpu=st.sampled_from(["H100", "A100", "L40S"]),
    precision=st.sampled_from(["bf16", "fp16"]),
)
def test_gemm_time_sum_equals_the_sum_of_gemm_times(m, shapes, batched, gpu, precision):
    spec = get_gpu(gpu)
    tokens = np.asarray(m)
    batch = np.linspace(1.0, 8.0, tokens.size) if batched else 1.0
    got = gemm_time_sum(spec, tokens, shapes, precision, batch=batch, hbm_efficiency=0.9)
    want = sum(
        gemm_time(spec, tokens, n, k, precision, batch=batch, hbm_efficiency=0.9) for n, k in shapes
    )
    assert np.array_equal(got, want)


@settings(max_examples=40, deadline=None)
@given(
    t0=st.floats(0.0, 0.02),
    pieces=st.lists(st.floats(1e-4, 0.5), min_size=1, max_size=12),
    q=st.sampled_from([0.5, 0.9, 0.99]),
)
def test_batched_prefill_law_at_no_load_equals_its_chain(t0, pieces, q):
    """With no arrivals the law is read without solving the chain: the same grid and CDF
    as the chain's (forced here through a tiny rate whose chain is that of no load)."""
    x = np.asarray(pieces)
    w = np.linspace(1.0, 2.0, x.size)
    fast = BatchedPrefillLaw(0.0, t0, x, w, q, 0.001)
    slow = BatchedPrefillLaw(1e-300, t0, x, w, q, 0.001)
    assert fast.span == slow.span and fast.h == slow.h
    assert np.allclose(fast.cdf, slow.cdf, rtol=0.0, atol=1e-12)
    assert fast.quantile() == pytest.approx(slow.quantile(), rel=1e-12, abs=1e-15)


@settings(max_examples=40, deadline=None)
@given(
    coef=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=60),
    seed=st.integers(0, 2**16),
)
def test_polyval_in_place_equals_numpy(coef, seed):
    rng = np.random.default_rng(seed)
    x = np.exp(2j * np.pi * rng.random(33)) * rng.random(33)
    c = np.asarray(coef)
    assert np.array_equal(_polyval(x, c), np.polynomial.polynomial.polyval(x, c))


batch_law_args = {
    "rho": st.floats(0.2, 0.97),
    "t0": st.floats(0.0, 0.02),
    "pieces": st.lists(st.floats(1e-3, 0.2), min_size=1, max_size=10),
    "q": st.sampled_from([0.9, 0.99]),
    "step": st.floats(-1e-3, 1e-3),
}


@settings(max_examples=40, deadline=None)
@given(**batch_law_args, doubling=st.integers(0, 3))
def test_folded_mass_keeps_its_margin_over_a_nearby_rate(rho, t0, pieces, q, step, doubling):
    """What BatchedPrefillLaw's memo relies on: a grid folding at least
    BATCH_MEMO_MARGIN times the allowed mass at one rate folds more than the allowed mass
    within BATCH_MEMO_RATE of it (the folded mass is continuous in the rate)."""
    x = np.asarray(pieces)
    w = np.linspace(1.0, 2.0, x.size) / np.linspace(1.0, 2.0, x.size).sum()
    allowed = BATCH_CLIP_SHARE * (1.0 - q)

    def folded(lam):
        mean_c = t0 / (1.0 - lam * float(w @ x)) + float(w @ x)
        law = BatchedPrefillLaw.__new__(BatchedPrefillLaw)
        h = BATCH_SPAN * 2.0**doubling * mean_c / BATCH_BINS
        return law._build(lam, t0, x, w, h)

    lam = rho / float(w @ x)
    here, there = folded(lam), folded(lam * (1.0 + step * BATCH_MEMO_RATE / 1e-3))
    if here >= BATCH_MEMO_MARGIN * allowed:
        assert there > allowed
    assert there == pytest.approx(here, rel=0.25, abs=1e-3 * allowed)


@settings(max_examples=25, deadline=None)
@given(**batch_law_args)
def test_batched_prefill_law_with_a_memo_equals_a_fresh_one(rho, t0, pieces, q, step):
    x = np.asarray(pieces)
    w = np.linspace(1.0, 2.0, x.size)
    lam = rho / float(w @ x / w.sum())
    memo: dict = {}
    BatchedPrefillLaw(lam, t0, x, w, q, 0.001, memo=memo)
    near = lam * (1.0 + step)
    kept = BatchedPrefillLaw(near, t0, x, w, q, 0.001, memo=memo)
    fresh = BatchedPrefillLaw(near, t0, x, w, q, 0.001)
    assert kept.span == fresh.span and kept.h == fresh.h
    assert np.array_equal(kept.cdf, fresh.cdf) and kept.quantile() == fresh.quantile()


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(2, 12),
    transient=st.integers(0, 3),
    seed=st.integers(0, 2**16),
)
def test_stationary_law_equals_power_iteration(n, transient, seed):
    """The LU solve of BatchedPrefillLaw's chain against plain power iteration, on random
    chains with sparse rows and a few transient states (never entered, like the bins below
    an iteration's fixed cost)."""
    rng = np.random.default_rng(seed)
    trans = rng.random((n, n)) * (rng.random((n, n)) < 0.6)
    trans[:, : min(transient, n - 1)] = 0.0
    trans[:, -1] += 0.05  # every state reaches the last: one recurrent class, aperiodic
    trans /= trans.sum(axis=1, keepdims=True)
    pi = np.full(n, 1.0 / n)
    for _ in range(20_000):
        pi = pi @ trans
    got = stationary_law(trans)
    assert got.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.allclose(got, pi, rtol=0.0, atol=1e-9)
    assert np.allclose(got @ trans, got, rtol=0.0, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    t0=st.floats(0.0, 0.02),
    pieces=st.lists(st.floats(1e-3, 0.2), min_size=1, max_size=10),
    q=st.sampled_from([0.9, 0.99]),
    doubling=st.integers(0, 3),
)
def test_folded_mass_keeps_its_margin_at_higher_rates(t0, pieces, q, doubling):
    """What BatchedPrefillLaw's memo floor relies on: a grid folding at least
    BATCH_MEMO_MARGIN times the allowed mass at one rate folds more than the allowed mass at
    every higher rate (the folded mass grows with the rate), over a ladder of loads."""
    x = np.asarray(pieces)
    w = np.linspace(1.0, 2.0, x.size) / np.linspace(1.0, 2.0, x.size).sum()
    allowed = BATCH_CLIP_SHARE * (1.0 - q)

    def folded(rho):
        lam = rho / float(w @ x)
        mean_c = t0 / (1.0 - rho) + float(w @ x)
        law = BatchedPrefillLaw.__new__(BatchedPrefillLaw)
        h = BATCH_SPAN * 2.0**doubling * mean_c / BATCH_BINS
        return law._build(lam, t0, x, w, h)

    masses = [folded(rho) for rho in np.linspace(0.2, 0.97, 14)]
    far = [i for i, m in enumerate(masses) if m >= BATCH_MEMO_MARGIN * allowed]
    if far:
        assert all(m > allowed for m in masses[far[0] :])


@settings(max_examples=25, deadline=None)
@given(**batch_law_args, rise=st.floats(0.0, 0.5))
def test_batched_prefill_law_after_a_lower_rate_equals_a_fresh_one(rho, t0, pieces, q, step, rise):
    x = np.asarray(pieces)
    w = np.linspace(1.0, 2.0, x.size)
    lam = rho / float(w @ x / w.sum())
    memo: dict = {}
    BatchedPrefillLaw(lam, t0, x, w, q, 0.001, memo=memo)
    higher = lam * (1.0 + rise * (1.0 - rho) / rho)
    kept = BatchedPrefillLaw(higher, t0, x, w, q, 0.001, memo=memo)
    fresh = BatchedPrefillLaw(higher, t0, x, w, q, 0.001)
    assert kept.span == fresh.span and kept.h == fresh.h
    assert np.array_equal(kept.cdf, fresh.cdf) and kept.quantile() == fresh.quantile()


STEP_ENGINES = [
    EngineModel(load_model("llama-3.1-8b"), ReplicaConfig(get_gpu("H100"), 1)),
    EngineModel(load_model("llama-3.1-70b"), ReplicaConfig(get_gpu("H100"), 4, 2), "fp8"),
    EngineModel(load_model("mixtral-8x7b"), ReplicaConfig(get_gpu("H100"), 2, 1, 2)),
    EngineModel(
        load_model("llama-3.1-8b"),
        ReplicaConfig(get_gpu("L40S"), 1),
        "bf16",
        "bf16",
        Speculative("eagle", 3, 0.7),
    ),
]


@settings(max_examples=60, deadline=None)
@given(
    engine=st.sampled_from(range(len(STEP_ENGINES))),
    tokens=st.lists(st.floats(0.0, 3e4), min_size=1, max_size=6),
    b=st.floats(0.0, 500.0),
    other=st.floats(0.0, 500.0),
    ctx=st.floats(0.0, 8000.0),
)
def test_step_times_from_shared_layer_times_equal_separate_calls(engine, tokens, b, other, ctx):
    """base_time with ``layers=`` cut from one layer-model call over two token sets (the
    capacity model's prefill iterations and its batch of B + 1) equals each set's own call."""
    eng = STEP_ENGINES[engine]
    first = np.asarray(tokens, dtype=float)
    own, extra = eng.layer_tokens(first, b), eng.layer_tokens([other], other)
    dense, moe = eng.layer_times(np.concatenate([own, extra]))
    got = eng.base_time(first, b, ctx, layers=(dense[:-1], moe[:-1]))
    assert np.array_equal(got, eng.base_time(first, b, ctx))
    got = eng.base_time(np.array([other]), other, ctx, layers=(dense[-1:], moe[-1:]))
    assert np.array_equal(got, eng.base_time(np.array([other]), other, ctx))


@settings(max_examples=60, deadline=None)
@given(size=st.integers(6, 40), full=st.integers(1, 5), seed=st.integers(0, 2**16))
def test_backlog_chain_transition_equals_the_fancy_index_form(size, full, seed):
    """backlog_chain's transition from a sliding window over the padded arrival law is the
    one its fancy-index assignment wrote, bit for bit (its compiled steps are compared with
    its numpy path below)."""
    rng = np.random.default_rng(seed)
    full = min(full, size - 1)
    # the transition rows: fancy-index assignment as backlog_chain wrote it before
    arrivals = rng.random((full + 1, size))
    rows = np.arange(size)
    target = (rows - np.minimum(rows, full))[:, None] + np.arange(size)[None, :]
    inside = target < size
    plain = np.zeros((size, size))
    law = arrivals[np.minimum(rows, full)]
    plain[np.broadcast_to(rows[:, None], target.shape)[inside], target[inside]] = law[inside]
    plain[:, -1] += np.maximum(0.0, 1.0 - plain.sum(axis=1))
    assert np.array_equal(queueing._chain_transition(arrivals, full), plain)


@settings(max_examples=100, deadline=None)
@given(lo=st.floats(-1e3, 1e3), width=st.sampled_from([0.0, 1e-310, 1e-9, 0.3, 7.0, 1e4]))
def test_search_grid_equals_linspace(lo, width):
    """ResponseLaw's 65-point grid is numpy.linspace's, bit for bit."""
    assert np.array_equal(_grid65(lo, lo + width), np.linspace(lo, lo + width, 65))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(**response_args, widen=st.floats(0.0, 2.0), ca2=st.sampled_from([1.0, 2.5]))
def test_response_tail_by_the_compiled_kernels_equals_the_numpy_formula(
    law_path, rho, lo, widen, q, ca2, offset
):
    """ResponseLaw.tail (numba loops around numpy's exp) equals its numpy formula, bit for
    bit, on a grid over the law and at the class ends."""
    own = np.asarray(lo)
    es = float(own.mean())
    hi = own * (1 + widen * np.linspace(0.0, 1.0, own.size))
    law = ResponseLaw(rho / es, es, 1.5 * es * es, own, hi, np.ones(own.size), q, ca2)
    if law.saturated or math.isinf(law.decay):
        return
    t = np.concatenate([np.linspace(0.0, 2.0 * law.hi, 65), own, hi])
    a, b, decay, wait = law.a, law.b, law.decay, law.wait
    col = t[:, None]
    past_a = np.maximum(col - a, 0.0)
    pt = np.where(col < a, 1.0, wait * np.exp(-decay * past_a))
    above = np.maximum(b - np.maximum(a, col), 0.0)
    upper = np.exp(-decay * np.maximum(col - b, 0.0))
    waited = np.where(col > a, wait / decay * (upper - np.exp(-decay * past_a)), 0.0)
    want = np.where(law.point, pt, (above + waited) / law.span) @ law.w
    assert np.array_equal(law.tail(t), want)


@settings(max_examples=40, deadline=None)
@given(
    tau0=st.floats(1e-3, 0.1),
    pieces=st.lists(st.floats(0.05, 4.0), min_size=1, max_size=5),
    rho=st.floats(0.0, 0.9),
    queued=st.sampled_from([0.0, 0.5, 3.0]),
    steps=st.integers(1, 32),
    exact=st.integers(0, 32),
    scale=st.sampled_from([1.0, 2.0]),
)
def test_backlog_chain_with_the_kernels_equals_its_numpy_path(
    tau0, pieces, rho, queued, steps, exact, scale
):
    """backlog_chain on its numpy path and with the compiled steps: the same arrays."""
    xs = np.asarray(pieces) * tau0
    weights = np.ones(xs.size) / xs.size
    rate = rho / float(xs.mean())
    start = queueing.poisson_pmf(queued, 12) if queued > 0 else np.ones(1)
    args = (tau0, xs, weights, rate, 2.0 * tau0, start, steps, min(exact, steps), scale)
    state = dict(queueing._KERNELS)
    try:
        queueing._KERNELS.update(module=None, evaluations=-(10**9))
        plain = queueing.backlog_chain(*args)
        queueing._KERNELS.update(module=queueing.warmup())
        compiled = queueing.backlog_chain(*args)
    finally:
        queueing._KERNELS.update(state)
    assert all(np.array_equal(a, b) for a, b in zip(plain, compiled, strict=True))


def test_kernels_load_inside_a_solve_only_when_compiled(tmp_path, monkeypatch):
    # compiling inside a solve (~5 s cold) would overrun its time limit: without a cache
    # as new as the source the laws stay on numpy
    import os

    from planner.serve.queueing import kernels_compiled

    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    source = tmp_path / "kernels.py"
    source.write_text("# kernels\n")
    assert not kernels_compiled(source)
    cache = tmp_path / "__pycache__"
    cache.mkdir()
    index = cache / "kernels.cdf_head-36.py311.nbi"
    index.write_bytes(b"")
    os.utime(index, (source.stat().st_mtime - 10,) * 2)
    assert not kernels_compiled(source)  # stale: the source changed after the compile
    os.utime(index, (source.stat().st_mtime + 10,) * 2)
    assert kernels_compiled(source)
