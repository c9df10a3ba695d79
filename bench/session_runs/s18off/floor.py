"""The per-layer floor: one layer's proof from the RENS plan (as `exact`), then from the optimal
plan with HiGHS's primal heuristics on, then off. One thread, CPU seconds.

usage: floor.py SEED LAYERS START.npy
"""

import sys
import time

import numpy as np
from common import OFF, prepared, proof, with_optimal_start

from planner.offload.generate import generate

seed = int(sys.argv[1])
start = np.load(sys.argv[3])
inst = generate("llada2-mini", steps=32, seed=seed)
for ly in [int(x) for x in sys.argv[2].split(",")]:
    c = time.process_time()
    p = prepared(inst, ly, start)
    prep = time.process_time() - c
    q, r, cpu = with_optimal_start(inst, ly, p)
    times = [(cpu, r.stats.get("nodes"))]
    for extra in ({}, OFF):
        r2, cpu2 = proof(inst, q, extra)
        times.append((cpu2, r2.stats.get("nodes")))
        assert r2.objective is not None and abs(r2.objective - r.objective) < 1e-9
    print(
        f"{seed} {ly:2d} prep {prep:5.2f} | from RENS {times[0][0]:6.2f} s {times[0][1]} nodes | "
        f"from optimum {times[1][0]:6.2f} s {times[1][1]} nodes | optimum, heuristics off "
        f"{times[2][0]:6.2f} s {times[2][1]} nodes",
        flush=True,
    )
