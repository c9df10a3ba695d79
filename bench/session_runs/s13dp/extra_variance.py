"""Per-iteration extra of lockstep iterations: the merging chain's variance against the
TPOT law's (a Poisson stream of share-scaled prompt stretches), at the model's own point.

For DeepSeek ep8 and Mixtral ep2 at 35 / 50 / 70 % of the model's capacity: the chain's
stationary mean and variance of an iteration's extra over the decode step (the largest
chunk's own-layer extra plus the MoE work of the pieces run, as a constant per cell), and the
compound-Poisson variance ``n per_iter E[stream_x^2]`` the TPOT law's stream has per iteration.
A check (experiment), not a model.

Usage::

    .venv/bin/python bench/session_runs/s13dp/extra_variance.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/
sys.path.insert(0, str(Path(__file__).resolve().parent))  # probe_merged

import serve_simulator as grid
from probe_merged import share_args

from planner.serve.capacity import role_model
from planner.serve.evaluate import plan_metrics
from planner.serve.lockstep import MERGE_BINS, MergingChain, _binomial_rows


def chain_moments(chain: MergingChain, per_iter: float, moe_iter: float) -> tuple[float, float]:
    """Mean and variance of an iteration's extra under the chain's law at the balance."""
    top = chain.solve(per_iter, moe_iter)
    lam = per_iter / (chain.t0 + top + moe_iter)
    T = chain.t0 + chain.k * chain.mean_piece
    for _ in range(2000):
        T_next, _, pi = chain.step(T, lam)
        if np.max(np.abs(T_next - T)) < 1e-13:
            break
        T = T_next
    # second moment per cell, from the same tables as the step (numpy path)
    n, h, M = chain.n, chain.h, MERGE_BINS
    a = lam * T
    f_new, f_cont, pn, pc = chain._cdfs(a)
    hit = -np.expm1(-a)
    again = 1.0 - (1.0 - chain.r) * (1.0 - hit)
    q = chain.r / np.maximum(again, 1e-300)
    f_mix = q[:, None] * f_cont + (1.0 - q[:, None]) * f_new
    p_mix = q * pc + (1.0 - q) * pn
    s, c, m = chain.ts, chain.tc, chain.tm
    F = f_mix[s] ** c[:, None] * f_new[s] ** m[:, None]
    b = np.arange(M)
    e1 = h * (M - F.sum(axis=1))
    e2 = h * h * ((2 * b + 1) * (1.0 - F)).sum(axis=1)
    moe = chain.moe * (c * p_mix[s] + m * pn[s])
    prob = _binomial_rows(s, again[s], c) * _binomial_rows(n - s, hit[s], m)
    w = pi[s] * prob
    mean = float(w @ (e1 + moe))
    second = float(w @ (e2 + 2 * e1 * moe + moe * moe))
    return mean, second - mean * mean


def main() -> None:
    for name in ("DeepSeek", "Mixtral tp2 ep2"):
        case = next(c for c in grid.CASES if c.name.startswith(name))
        cap = plan_metrics(grid.problem_for(case, 99, 1.0), grid.layout(case, 1.0))["capacity_qps"]
        for u in (0.35, 0.5, 0.7):
            load = u * cap
            prob, plan = grid.problem_for(case, 99, load), grid.layout(case, load)
            rm = role_model(prob, plan.replicas[0])
            state = rm._batch_state(1.0)  # warm; find the batch at this rate below
            lo, hi = 1e-3, rm.batch_limit()
            per_group = load / rm.groups
            for _ in range(60):  # the batch whose rate is the load's (bisection)
                mid = 0.5 * (lo + hi)
                state = rm._batch_state(mid)
                lo, hi = (mid, hi) if state.rate < per_group else (lo, mid)
            f, args = share_args(rm, mid)
            t0, own_tok, tokens, w, C, moe_tok, per_iter, n = args
            chain = MergingChain(t0, own_tok, tokens, w, C, moe_tok, n)
            w = w / w.sum()
            mean, var = chain_moments(chain, per_iter, n * per_iter * moe_tok * float(w @ tokens))
            sx = np.asarray(f["stream_x"])
            law_mean = n * per_iter * float(w @ sx)
            law_var = n * per_iter * float(w @ (sx * sx))
            print(
                f"{name} at {u:.0%} ({load:.1f} req/s, batch {mid:.1f}): extra per iteration "
                f"chain mean {mean * 1e3:.1f} ms sd {np.sqrt(var) * 1e3:.1f}; TPOT law's stream "
                f"mean {law_mean * 1e3:.1f} sd {np.sqrt(law_var) * 1e3:.1f} "
                f"(variance x{law_var / var:.2f})"
            )


if __name__ == "__main__":
    main()
