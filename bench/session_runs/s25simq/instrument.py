"""Iteration statistics of a simulated colocated engine, against the model's terms.

Records every iteration (decode batch, prompt tokens, duration, prompt tokens queued) of one simulation and
prints the prefill server's measured load: the time share of iterations that carry prompt
tokens, the mean full-chunk iteration, the mean batch in them, and the mean TTFT.

Usage: PYTHONPATH=. python bench/session_runs/s25simq/instrument.py QPS CHUNK REQUESTS SEED
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import sys

import numpy as np

import planner.serve.simulate as sim
from planner.serve import ReplicaGroup, ServingPlan, make_problem

qps, chunk, n, seed = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
prompt = sys.argv[5] if len(sys.argv) > 5 else "exp:1024"
rows: list[tuple[int, int, float, float]] = []
orig = sim.Simulator._duration


def recorded(self, e, step, moe_tokens=None):
    dt = orig(self, e, step, moe_tokens)
    backlog = sum(r.to_compute for r in e.waiting) + sum(r.to_compute for r in e.prefilling)
    rows.append((step.b, step.chunk_tokens, dt, backlog + step.chunk_tokens))
    return dt


sim.Simulator._duration = recorded
p = make_problem(
    "llama-3.1-8b", "H100:2", qps=qps, prompt_tokens=prompt, output_tokens="exp:256", percentile=99
)
plan = ServingPlan((ReplicaGroup(p.inventory.pools[0].label, 1, 1, 1, 1, "both", chunk, qps),))
trace, done = sim.simulate_requests(p, plan, requests=n, seed=seed)
ttft, _ = sim.latencies(done)
a = np.array(rows)
b, c, dt, q = a[:, 0], a[:, 1], a[:, 2], a[:, 3]
full = c >= chunk
pre = c > 0
T = dt.sum()
print(f"qps {qps} C {chunk} n {n} seed {seed} prompt {prompt}")
print(f"mean prompt sampled {trace.prompt.mean():.1f} E[p^2] {np.mean(trace.prompt**2.0):.4g}")
print(
    f"time share with prompt tokens {dt[pre].sum() / T:.3f}; full chunks {dt[full].sum() / T:.3f}"
)
print(f"mean full iteration {dt[full].mean() * 1e3:.2f} ms, batch in them {b[full].mean():.1f}")
print(f"mean decode-only iteration {dt[~pre].mean() * 1e3:.2f} ms, batch {b[~pre].mean():.1f}")
print(f"time-weighted batch {np.dot(b, dt) / T:.1f}; iterations {len(dt)}")
print(f"prompt tokens per s of prompt-carrying time {c[pre].sum() / dt[pre].sum():.0f}")
print(
    f"TTFT mean {ttft.mean():.3f} p90 {np.percentile(ttft, 90):.3f} p99 {np.percentile(ttft, 99):.3f}"
)
# full-chunk iterations by the prompt tokens queued at their start (a long queue = a long wait)
for lo, hi in ((0, 2048), (2048, 8192), (8192, 16384), (16384, 1e12)):
    sel = full & (q >= lo) & (q < hi)
    if sel.any():
        print(
            f"queued {lo:>6.0f}-{hi:<8.0f} tokens: {sel.sum():>6} full iterations, "
            f"mean {dt[sel].mean() * 1e3:.2f} ms, batch {b[sel].mean():.1f}"
        )
