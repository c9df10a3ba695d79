"""The per-layer floor: one layer's proof from the RENS plan (as `exact`), then from the optimal
plan with HiGHS's primal heuristics on, then off. One thread, CPU seconds.

usage: floor.py SEED LAYERS START.npy
"""

import dataclasses
import sys
import time

import numpy as np

from planner.offload import mip
from planner.offload.generate import generate

seed = int(sys.argv[1])
start = np.load(sys.argv[3])
inst = generate("llada2-mini", steps=32, seed=seed)
OFF = {
    "mip_heuristic_effort": 0.0,
    "mip_heuristic_run_feasibility_jump": False,
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
}
base = dict(mip.MIP_OPTIONS)
for ly in [int(x) for x in sys.argv[2].split(",")]:
    c = time.process_time()
    p = mip.prepare(
        inst, [ly], capacity=inst.capacity, global_budget=False, overlap=False,
        time_limit=300, start=start, seed=0,
    )  # fmt: skip
    prep = time.process_time() - c
    times = []
    c = time.process_time()
    r = mip.finish(inst, p, time_limit=600, seed=0)
    times.append((time.process_time() - c, r.stats.get("nodes")))
    opt = np.zeros(start.shape, dtype=bool)
    opt[:, ly, :] = r.mask[:, 0, :]
    values = mip.start_values(inst, p.model, opt)
    best = float(np.dot(p.model.lp.col_cost_, values))
    q = dataclasses.replace(p, incumbent=values, best=best)
    for extra in ({}, OFF):
        mip.MIP_OPTIONS.clear()
        mip.MIP_OPTIONS.update(base | extra)
        c = time.process_time()
        r2 = mip.finish(inst, q, time_limit=600, seed=0)
        times.append((time.process_time() - c, r2.stats.get("nodes")))
        assert r2.objective is not None and abs(r2.objective - r.objective) < 1e-9
    mip.MIP_OPTIONS.clear()
    mip.MIP_OPTIONS.update(base)
    print(
        f"{seed} {ly:2d} prep {prep:5.2f} | from RENS {times[0][0]:6.2f} s {times[0][1]} nodes | "
        f"from optimum {times[1][0]:6.2f} s {times[1][1]} nodes | optimum, heuristics off "
        f"{times[2][0]:6.2f} s {times[2][1]} nodes",
        flush=True,
    )
