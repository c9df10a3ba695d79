"""The statistical floor of per-microbatch expert-load imbalance under DeepSeek-V3's routing
(not priced; evidence for the decomposition in ``decomposition.md``).

DeepSeek's profile was taken with "an absolutely balanced MoE routing strategy"
(deepseek-ai/profile-data README); the run routed real tokens. Even a router balanced in
expectation (every expert equally likely, tokens independent) gives each EP rank a random load
per microbatch: each of the 64 EP ranks holds one 4,096-token microbatch, every token takes
its top 8 of 256 experts without repetition inside its top 4 of 8 groups (a group = the 32
experts of one node under EP64; DeepSeek-V3's group-limited routing, group score = sum of its
top-2 expert scores), 4 experts per rank. A layer's combine waits for the most-loaded rank,
so its expert GEMMs take max / mean of the balanced time.

Monte Carlo (uniform random scores) next to the normal approximation of independent
hypergeometric counts (no group limit): mean load ``T k / ep`` over ``T = 64 x 4096`` tokens,
variance ``T k (e/E)(1 - e/E)(E - k)/(E - 1)``, expected maximum of 64 normals 2.4175 sigma.

Usage::

    .venv/bin/python bench/session_runs/s19dsv3/routing_floor.py
"""

import math

import numpy as np

rng = np.random.default_rng(0)
SOURCE_RANKS, TOKENS, TOPK, EXPERTS, RANKS, GROUPS, TOP_GROUPS = 64, 4096, 8, 256, 64, 8, 4
per_rank = EXPERTS // RANKS
TRIALS = 20


def one_source(n: int) -> np.ndarray:
    scores = rng.random((n, EXPERTS), dtype=np.float32)
    grp = scores.reshape(n, GROUPS, -1)
    gscore = np.sort(grp, axis=2)[:, :, -2:].sum(axis=2)
    keep = np.argsort(-gscore, axis=1)[:, :TOP_GROUPS]
    mask = np.full((n, GROUPS), -np.inf, dtype=np.float32)
    np.put_along_axis(mask, keep, 0.0, axis=1)
    masked = (grp + mask[:, :, None]).reshape(n, EXPERTS)
    top = np.argpartition(-masked, TOPK, axis=1)[:, :TOPK]
    return np.bincount((top // per_rank).ravel(), minlength=RANKS)


ratios = []
for _ in range(TRIALS):
    load = sum(one_source(TOKENS) for _ in range(SOURCE_RANKS))
    ratios.append(load.max() / load.mean())
r = np.array(ratios)
T = SOURCE_RANKS * TOKENS
p = per_rank / EXPERTS
var = T * TOPK * p * (1 - p) * (EXPERTS - TOPK) / (EXPERTS - 1)
mu = T * TOPK / RANKS
print(
    f"Monte Carlo, {TRIALS} microbatches of the EP group: busiest / mean rank load "
    f"{r.mean():.4f} (min {r.min():.4f}, max {r.max():.4f})"
)
print(
    f"normal approximation (no group limit): 1 + 2.4175 x {math.sqrt(var):.1f} / {mu:.0f} = "
    f"{1 + 2.4175 * math.sqrt(var) / mu:.4f}"
)
