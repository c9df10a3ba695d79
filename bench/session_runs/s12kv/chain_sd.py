"""Batch sd of the admission chain without the cache limit, vs the simulated one (scratch)."""

import math
import sys

import numpy as np

sys.path.insert(0, "bench/session_runs/s12kv")
from proto import setup

for qps in map(float, sys.argv[1:]):
    _, _, rm = setup(qps)
    rm.kv_cap *= 3  # the chain well past the cache: its body alone
    nodes, t0_n, x_n, own_n, x2_n = rm.admission_table()
    k = np.arange(int(nodes[-1]) + 1, dtype=float)
    t0 = np.interp(k, nodes, t0_n)
    rate = k / (rm.ed * t0)
    mu = np.maximum(0.0, rate * (1.0 - qps * np.interp(k, nodes, x_n)))
    jumps = 1.0 + 2.0 * rate * np.interp(k, nodes, own_n) + rate**2 * np.interp(k, nodes, x2_n)
    ef = rm.m1 / rm.ed
    mix = max(0.0, rm.m2 / rm.ed - ef * ef) / rm.mem_ctx**2
    for name, var in (
        ("with prompt jumps and footprints", rm.ca2 * qps * (jumps + mix) + mu * (1.0 + mix)),
        ("Poisson birth-death", qps + mu),
    ):
        drift = qps - mu
        v = np.maximum(var, abs(drift))
        up, down = 0.5 * (v + drift), 0.5 * (v - drift)
        logpi = np.concatenate([[0.0], np.cumsum(np.log(up[:-1]) - np.log(down[1:]))])
        pi = np.exp(logpi - logpi.max())
        pi /= pi.sum()
        mean = float((pi * k).sum())
        sd = math.sqrt(float((pi * (k - mean) ** 2).sum()))
        print(f"{qps} {name}: batch mean {mean:.1f} sd {sd:.1f}; KV sd ~ {sd * rm.mem_ctx:.0f}")
