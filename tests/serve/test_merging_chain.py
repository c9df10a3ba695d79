"""The merging chunk-count chain of lockstep groups (:class:`~planner.serve.lockstep.MergingChain`)."""

from __future__ import annotations

import importlib.util
import itertools
import math
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import planner.serve.capacity as capacity
import planner.serve.lockstep as lockstep
from planner.serve.capacity import role_model
from planner.serve.lockstep import MERGE_BINS, MergingChain, merged_share
from planner.serve.simulate import Simulator, generate_trace

ROOT = Path(__file__).resolve().parents[2]


def _poisson(a: float, tail: float = 1e-15) -> list[float]:
    out, j, p = [], 0, math.exp(-a)
    while True:
        out.append(p)
        if j > a and p < tail:
            return out
        j += 1
        p *= a / j


def _chunk_law(kind: str, a: float, values, weights, cap: float) -> tuple[dict, float]:
    """``{capped extra: probability}`` of one group's chunk and its mean piece count
    (independent code: every count of pieces and every multiset of their values, summed
    and capped)."""
    law: dict = defaultdict(float)
    pois = _poisson(a)
    if kind == "new":
        pois = [0.0] + [p / (1.0 - pois[0]) for p in pois[1:]]
    mean = 0.0
    for j, pj in enumerate(pois):
        count = j + (kind == "cont")
        mean += pj * count
        for combo in itertools.combinations_with_replacement(range(len(values)), count):
            ways = math.factorial(count) / math.prod(
                math.factorial(combo.count(i)) for i in set(combo)
            )
            p = pj * ways * math.prod(weights[i] for i in combo)
            law[round(min(cap, sum(values[i] for i in combo)), 12)] += p
    return law, mean


def _enumerated_step(chain_in: dict, T: np.ndarray, lam: float):
    """One step of the chain by enumeration: each group's kind (carries again and continues,
    carries new pieces only, idle) and chunk drawn, the iteration's own-layer time the
    largest chunk's, its MoE the pieces run."""
    t0, vals, wts, moe, n, r, cap = (chain_in[k] for k in ("t0", "v", "w", "moe", "n", "r", "cap"))
    P = np.zeros((n + 1, n + 1))
    L = np.zeros((n + 1, n + 1))
    top = np.zeros(n + 1)
    for s in range(n + 1):
        a = lam * T[s]
        hit = 1.0 - math.exp(-a)
        again = 1.0 - (1.0 - r) * (1.0 - hit)
        cont, new = _chunk_law("cont", a, vals, wts, cap), _chunk_law("new", a, vals, wts, cap)
        # a carrying group: continues (r), else new pieces (again - r), else idle
        carrying = [(r, cont), (again - r, new), (1.0 - again, None)]
        idle = [(hit, new), (1.0 - hit, None)]
        kinds = [carrying] * s + [idle] * (n - s)
        for choice in itertools.product(*kinds):
            p_kind = math.prod(p for p, _ in choice)
            laws = [law for _, law in choice if law is not None]
            k = len(laws)
            pieces = sum(mean for _, mean in laws)  # the MoE work adds up
            P[s, k] += p_kind
            L[s, k] += p_kind * (t0 + moe * pieces)
            for draws in itertools.product(*(law.items() for law, _ in laws)):
                p = p_kind * math.prod(q for _, q in draws)
                biggest = max((x for x, _ in draws), default=0.0)
                L[s, k] += p * biggest
                top[s] += p * biggest
    rows = P.sum(axis=1, keepdims=True)
    P, L, top = P / rows, L / rows, top / rows[:, 0]
    vals_, vecs = np.linalg.eig(P.T)
    pi = np.real(vecs[:, np.argmin(np.abs(vals_ - 1.0))])
    pi = pi / pi.sum()
    mass = pi @ P
    return (pi @ L) / mass, float(pi @ top), pi


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.integers(1, 150), min_size=1, max_size=2),
    st.lists(st.floats(0.1, 1.0), min_size=2, max_size=2),
    st.integers(1, 3),
    st.floats(0.2, 12.0),
    st.floats(0.0, 0.002),
    st.lists(st.floats(0.01, 0.15), min_size=4, max_size=4),
)
def test_step_matches_enumeration(tokens, weights, n, lam, moe_tok, lengths):
    """One step of the chain (its binned sums, CDF powers and binomial cells) against a
    separately written enumeration of the same chain, on prompts of 1-150 tokens in chunks
    of 64 (so prompts of up to three pieces); own-layer extras on the bins' grid."""
    chunk, per_tok = 64.0, 1e-3  # a full chunk's extra: 64 bins of 1e-3
    tok = np.array(tokens, dtype=float)
    w = np.array(weights[: tok.size])
    chain = MergingChain(0.01, np.full(tok.size, per_tok), tok, w, chunk, moe_tok, n)
    T = np.array(lengths[: n + 1])
    got_T, got_top, got_pi = chain.step(T, lam)
    # the pieces, independently: full chunks and the remainder of each prompt class
    w = w / w.sum()
    pieces: dict = defaultdict(float)
    for t, wt in zip(tok, w, strict=True):
        full, rem = divmod(int(t), int(chunk))
        pieces[chunk * per_tok] += wt * full
        if rem:
            pieces[rem * per_tok] += wt
    count = sum(pieces.values())
    chain_in = {
        "t0": 0.01,
        "v": list(pieces),
        "w": [p / count for p in pieces.values()],
        "moe": moe_tok * float(w @ tok) / count,
        "n": n,
        "r": (count - 1.0) / count,
        "cap": chunk * per_tok,
    }
    exp_T, exp_top, exp_pi = _enumerated_step(chain_in, T, lam)
    assert np.allclose(got_pi, exp_pi, rtol=1e-7, atol=1e-10)
    assert np.allclose(got_T, exp_T, rtol=1e-7)
    assert math.isclose(got_top, exp_top, rel_tol=1e-7, abs_tol=1e-12)
    assert MERGE_BINS == 64  # the grid the test's extras sit on


@pytest.mark.parametrize("n,per_iter", [(2, 0.2), (2, 0.9), (8, 0.05), (8, 0.6)])
def test_solve_balances_the_mean_iteration(n, per_iter):
    """At the solved rate the chain's fixed point gives back the balanced mean iteration:
    ``T = t0 + E[max extras] + MoE`` with ``lam = per_iter / T``."""
    tok, w = np.array([300.0, 1500.0, 5000.0]), np.array([0.5, 0.35, 0.15])
    own_tok, moe_tok = np.array([4e-5, 5e-5, 7e-5]), 1e-5
    chain = MergingChain(0.02, own_tok, tok, w, 2048.0, moe_tok, n)
    moe_iter = n * per_iter * moe_tok * float(w @ tok)
    top = chain.solve(per_iter, moe_iter)
    Tbar = chain.t0 + top + moe_iter
    T = chain.t0 + chain.k * chain.mean_piece
    for _ in range(2000):
        T_next, again, _ = chain.step(T, per_iter / Tbar)
        if np.max(np.abs(T_next - T)) < 1e-14:
            break
        T = T_next
    assert math.isclose(again, top, rel_tol=1e-8)


def test_compiled_chain_matches_numpy():
    kernels = pytest.importorskip("planner.serve.kernels")
    from planner.serve.queueing import LOG_FACTORIAL

    tok, w = np.array([300.0, 1500.0, 5000.0]), np.array([0.5, 0.35, 0.15])
    own_tok = np.array([4e-5, 5e-5, 7e-5])
    for n, per_iter in [(2, 0.1), (2, 0.8), (8, 0.05), (8, 0.7), (16, 0.3)]:
        chain = MergingChain(0.02, own_tok, tok, w, 2048.0, 1e-5, n)
        moe_iter = n * per_iter * 1e-5 * float(w @ tok)
        want = chain.solve(per_iter, moe_iter)
        got = kernels.merging_top(
            chain.t0,
            chain.piece,
            chain.h,
            chain.r,
            chain.moe,
            n,
            per_iter,
            moe_iter,
            chain.mean_piece,
            lockstep.MERGE_RTOL,
            lockstep.MERGE_TAIL_SD,
            LOG_FACTORIAL,
            out := np.empty(n + 2),
        )
        assert np.allclose(got, want, rtol=1e-9, atol=1e-15)
        lam, T = chain.solved  # the state the TPOT law reads (iteration_law)
        assert np.allclose(out[-1], lam, rtol=1e-9) and np.allclose(out[:-1], T, rtol=1e-9)


def test_merged_share_limits():
    tok, w, own = np.array([500.0]), np.array([1.0]), np.array([5e-5])
    assert merged_share(0.02, own, tok, w, 2048.0, 1e-5, 0.3, 1) == 1.0
    assert merged_share(0.02, own, tok, w, 2048.0, 1e-5, 0.0, 8) == 1.0
    rare = merged_share(0.02, own, tok, w, 2048.0, 1e-5, 1e-7, 8)
    assert rare > 0.999  # chunks (almost) never meet
    shares = [merged_share(0.02, own, tok, w, 2048.0, 1e-5, p, 8) for p in (0.05, 0.3, 1.0)]
    assert all(a > b for a, b in itertools.pairwise(shares))  # more load, more overlap


def bench_grid():
    """The simulator grid's module (``bench/serve_simulator.py``: its cases and layouts)."""
    spec = importlib.util.spec_from_file_location(
        "serve_simulator", ROOT / "bench/serve_simulator.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("serve_simulator", module)
    spec.loader.exec_module(module)
    return module


def test_only_lockstep_replicas_run_the_merging_chain(monkeypatch):
    """Every replica of the simulator grid's cases without lockstep groups evaluates without
    the merging chain (so its laws are those of before, bit for bit); those with lockstep
    groups run it."""
    grid = bench_grid()
    calls = []

    def point_spy(*args):
        calls.append(args)
        return 1.0, None  # no chain: the TPOT law's iteration_extra is None too

    monkeypatch.setattr(capacity, "merged_point", point_spy)
    monkeypatch.setattr(lockstep.MergingChain, "__init__", None)  # any other use fails
    for case in grid.CASES:
        plan = grid.layout(case, 2.0)
        prob = grid.problem_for(case, 99, 2.0)
        before = len(calls)
        for group in plan.replicas:
            rm = role_model(prob, group)
            if group.role == "prefill":
                rm.at_rate(1.0)
            else:
                for B in (0.5, 8.0, 60.0):
                    rm.at_batch(B)
        assert (len(calls) > before) == (case.ep > 1), case.name


def _simulated_iterations(prob, plan, requests: int) -> tuple[float, float]:
    """Mean lockstep iteration and mean decode batch per group over the second half of a
    simulated trace's arrivals (the iterations' start times as the groups plan their steps;
    the first half fills the batch)."""
    seen: dict[float, list] = defaultdict(list)
    plan_step = Simulator._plan

    def spy(self, e):
        step = plan_step(self, e)
        if step is not None:
            seen[self.env.now].append(step.b)
        return step

    Simulator._plan = spy
    try:
        trace = generate_trace(prob.traffic.with_qps(plan.served_qps()), requests, 0)
        Simulator(prob, plan, 0).run(trace)
    finally:
        Simulator._plan = plan_step
    starts = np.array(sorted(seen))
    batch = np.array([np.mean(seen[t]) for t in starts])
    end = float(trace.arrival[-1])
    keep = (starts >= 0.5 * end) & (starts <= end)
    return float(np.mean(np.diff(starts[keep]))), float(np.mean(batch[keep]))


def test_deepseek_ep8_mean_iteration_agrees_with_the_simulator():
    """DeepSeek-V3 on 8 x H200, tp1 ep8 under SGLang (eight lockstep groups) at 20 req/s:
    the model's mean iteration at the simulated batch within 10 % of the simulated one
    (2,500 requests: 197 ms at a batch of 102 per group). Before the merging chain (one
    prompt piece per group and iteration) the model gave 227 ms there, +15 % (s12lock's probe
    at 10,000 requests: +32 %, 267 ms against 202.5)."""
    grid = bench_grid()
    case = next(c for c in grid.CASES if c.name.startswith("DeepSeek"))
    prob, plan = grid.problem_for(case, 99, 20.0), grid.layout(case, 20.0)
    sim_T, sim_B = _simulated_iterations(prob, plan, 2500)
    rm = role_model(prob, plan.replicas[0])
    f = rm._prefill(sim_B)
    model_T = f["t0"] + f["xbar"] * sim_B / rm.ed  # t0 + (all groups' stretch) per iteration
    assert abs(model_T / sim_T - 1.0) < 0.10
