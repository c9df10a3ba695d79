"""Per-iteration look at a lockstep (DP-attention) case: the simulator against the model's chain.

Session-12 scratch tool (helper s12lock), not a benchmark. For one case of
``bench/serve_simulator.py`` and a few rates it records every lockstep iteration of the
simulator (the time each group plans its step, its decode batch and prompt chunk) and prints
the mean iteration, the law of the number ``K`` of groups carrying a chunk, the mean
iteration given ``K`` and the mean next ``K`` given ``K`` (the chain's transition), beside
what the analytic model assumes at the same rate: its chunk-count chain's law of ``K`` and
mean iteration (``planner.serve.lockstep``) and the balanced mean iteration the model uses.

Usage::

    .venv/bin/python bench/session_runs/s12lock/lockstep_probe.py --case DeepSeek \\
        --qps 6.49 9.27 12.98 20 26.28 [--requests 10000]
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/

import serve_simulator as grid

import planner.serve.capacity as capacity
from planner.serve.capacity import role_model
from planner.serve.lockstep import _Chain
from planner.serve.simulate import Simulator, generate_trace, latencies


def iterations(prob, plan, requests: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Per lockstep iteration of the simulated trace: (start, K, mean batch, chunk tokens,
    prompts finished) rows, and the requests' TPOTs. Records each group's planned step."""
    seen: dict[float, list] = defaultdict(list)
    plan_step = Simulator._plan

    def spy(self, e):
        step = plan_step(self, e)
        if step is not None:
            seen[self.env.now].append(step)
        return step

    Simulator._plan = spy
    try:
        trace = generate_trace(prob.traffic.with_qps(plan.served_qps()), requests, seed)
        done = Simulator(prob, plan, seed).run(trace)
    finally:
        Simulator._plan = plan_step
    rows = [
        (
            t,
            sum(s.chunk_tokens > 0 for s in steps),
            float(np.mean([s.b for s in steps])),
            sum(s.chunk_tokens for s in steps),
            sum(len(s.finishing) for s in steps),
        )
        for t, steps in sorted(seen.items())
    ]
    return np.array(rows), latencies(done)[1]


def model_side(case, qps: float, batch: float, lam: float) -> str:
    """The model's chain at the simulated batch and rate, and its balanced mean iteration."""
    prob, plan = grid.problem_for(case, 99, qps), grid.layout(case, qps)
    rm = role_model(prob, plan.replicas[0])
    seen = {}
    share = capacity.balanced_share

    def spy(*args):
        seen["args"] = args
        return share(*args)

    capacity.balanced_share = spy
    try:
        f = rm._prefill(batch)
    finally:
        capacity.balanced_share = share
    t0, own, w, moe, per_iter, n, pieces, own_mean, moe_mean = seen["args"]
    chain = _Chain(t0, own, w, moe, n, pieces)
    pi = chain.stationary(lam)
    s = share(*seen["args"])
    balanced = t0 + n * per_iter * (s * own_mean + moe_mean)
    return (
        f"model at the simulated batch: t0 {t0 * 1e3:.1f} ms, chain E[T] at the simulated "
        f"rate {float(pi @ chain.T) * 1e3:.1f} ms, P(K) {np.round(pi[:7], 3)}, share {s:.3f}, "
        f"balanced T {balanced * 1e3:.1f} ms, stream x {float(np.dot(rm.wp, f['stream_x'])) * 1e3:.1f} ms"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--case", default="DeepSeek")
    ap.add_argument("--qps", type=float, nargs="+", required=True)
    ap.add_argument("--requests", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    case = next(c for c in grid.CASES if c.name.startswith(args.case))
    n = case.ep
    for qps in args.qps:
        prob, plan = grid.problem_for(case, 99, qps), grid.layout(case, qps)
        rows, tpot = iterations(prob, plan, args.requests, args.seed)
        start, k = rows[:, 0], rows[:, 1].astype(int)
        dt = np.diff(start)  # an iteration lasts until the next one starts (idle gaps: rare)
        rows, k, k_next = rows[:-1], k[:-1], k[1:]
        span = start[-1] - start[0]
        keep = (rows[:, 0] > start[0] + 0.1 * span) & (rows[:, 0] < start[-1] - 0.1 * span)
        rows, k, k_next, dt = rows[keep], k[keep], k_next[keep], dt[keep]
        lam = qps / n
        print(f"{case.name} at {qps:g} req/s ({lam:.4g} per group), {args.requests} requests")
        print(
            f"  simulated: mean iteration {dt.mean() * 1e3:.1f} ms, mean batch per group "
            f"{np.average(rows[:, 2], weights=dt):.2f}, TPOT p99 {np.percentile(tpot, 99) * 1e3:.1f} ms, "
            f"prompts per iteration {rows[:, 4].mean():.3f} (rate x mean iteration "
            f"{qps * dt.mean():.3f}), chunk tokens per chunk-carrying group "
            f"{rows[k > 0, 3].sum() / max(k.sum(), 1):.0f}"
        )
        print("  P(K):", np.round([np.mean(k == j) for j in range(n + 1)], 3))
        print(
            "  mean iteration | K (ms):",
            " ".join(f"{j}:{dt[k == j].mean() * 1e3:.1f}" for j in range(n + 1) if np.any(k == j)),
        )
        print(
            "  mean next K | K:",
            " ".join(f"{j}:{k_next[k == j].mean():.2f}" for j in range(n + 1) if np.any(k == j)),
        )
        print("  " + model_side(case, qps, float(np.average(rows[:, 2], weights=dt)), lam))


if __name__ == "__main__":
    main()
