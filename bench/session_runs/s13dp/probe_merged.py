"""The merging chain (planner.serve.lockstep.MergingChain) at s12lock's simulated points.

For each point of ``bench/session_runs/s12lock/lockstep_probe.txt`` (case, rate, simulated
mean iteration and batch per group): the chain's own mean iteration at the simulated rate
(s12lock's prototype gave +5.8 / +10.4 / +11.3 / +9.5 / +8.6 % and +2.4 / +0.4 / -8.6 %),
the model's balanced mean iteration at the simulated batch with the merged share, and the
time one ``merged_share`` call takes.

Usage::

    .venv/bin/python bench/session_runs/s13dp/probe_merged.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/

import serve_simulator as grid

import planner.serve.capacity as capacity
from planner.serve.capacity import role_model
from planner.serve.lockstep import MergingChain, merged_share

#: (case, req/s, rate per group, simulated mean iteration ms, simulated batch per group)
POINTS = [
    ("DeepSeek", 6.491, 0.8113, 44.9, 9.30),
    ("DeepSeek", 9.273, 1.159, 65.5, 19.09),
    ("DeepSeek", 12.982, 1.6227, 108.4, 45.67),
    ("DeepSeek", 20.0, 2.5, 202.5, 125.1),
    ("DeepSeek", 26.28, 3.285, 259.4, 196.6),
    ("Mixtral tp2 ep2", 22.7, 11.35, 15.8, 22.57),
    ("Mixtral tp2 ep2", 31.8, 15.9, 21.5, 43.15),
    ("Mixtral tp2 ep2", 43.2, 21.6, 39.6, 107.05),
]


def share_args(rm, batch: float) -> tuple[dict, tuple]:
    """``rm._prefill(batch)`` and the arguments it passed to ``merged_share``."""
    seen = {}
    inner = capacity.merged_share

    def spy(*args):
        seen["args"] = args
        return inner(*args)

    capacity.merged_share = spy
    try:
        f = rm._prefill(batch)
    finally:
        capacity.merged_share = inner
    return f, seen["args"]


def main() -> None:
    for name, qps, lam, sim_T, sim_B in POINTS:
        case = next(c for c in grid.CASES if c.name.startswith(name))
        prob, plan = grid.problem_for(case, 99, qps), grid.layout(case, qps)
        rm = role_model(prob, plan.replicas[0])
        f, args = share_args(rm, sim_B)
        t0, own_tok, tokens, w, C, moe_tok, per_iter, n = args
        chain = MergingChain(t0, own_tok, tokens, w, C, moe_tok, n)
        T = t0 + chain.k * (chain.mean_piece + chain.moe)
        for _ in range(500):  # the chain alone at the simulated rate
            T_next, _, pi = chain.step(T, lam)
            if np.max(np.abs(T_next - T)) < 1e-12 * T.max():
                break
            T = T_next
        own_T = float(pi @ T_next)
        t = time.perf_counter()
        reps = 20
        for _ in range(reps):
            merged_share(*args)
        dt = (time.perf_counter() - t) / reps
        model_T = f["t0"] + f["xbar"] * per_iter  # t0 + n per_iter E[stream_x]
        print(
            f"{name} {qps:g} req/s: simulated T {sim_T:.1f} ms; the chain's own at the "
            f"simulated rate {1e3 * own_T:.1f} ms ({1e3 * own_T / sim_T - 1:+.1%}); the model's "
            f"balanced at the simulated batch {1e3 * model_T:.1f} ms "
            f"({1e3 * model_T / sim_T - 1:+.1%}); merged_share {dt * 1e3:.2f} ms a call"
        )


if __name__ == "__main__":
    main()
