"""The floor (optimal start, heuristics off, floor.py) with HiGHS's root LP by dual simplex
(as configured) and by IPM (``mip_lp_solver`` ipm / hipo). One thread, CPU seconds.

usage: floor_lp.py SEED LAYERS START.npy
"""

import dataclasses
import sys
import time

import numpy as np

from planner.offload import mip
from planner.offload.generate import generate

OFF = {  # floor.py's set: HiGHS's primal heuristics off
    "mip_heuristic_effort": 0.0,
    "mip_heuristic_run_feasibility_jump": False,
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
}

seed = int(sys.argv[1])
start = np.load(sys.argv[3])
inst = generate("llada2-mini", steps=32, seed=seed)
base = dict(mip.MIP_OPTIONS)
for ly in [int(x) for x in sys.argv[2].split(",")]:
    p = mip.prepare(
        inst, [ly], capacity=inst.capacity, global_budget=False, overlap=False,
        time_limit=300, start=start, seed=0,
    )  # fmt: skip
    r = mip.finish(inst, p, time_limit=600, seed=0)
    opt = np.zeros(start.shape, dtype=bool)
    opt[:, ly, :] = r.mask[:, 0, :]
    values = mip.start_values(inst, p.model, opt)
    q = dataclasses.replace(p, incumbent=values, best=float(np.dot(p.model.lp.col_cost_, values)))
    out = []
    for lp in ("simplex", "ipm", "simplex"):
        mip.MIP_OPTIONS.clear()
        mip.MIP_OPTIONS.update(base | OFF | {"mip_lp_solver": lp})
        c = time.process_time()
        r2 = mip.finish(inst, q, time_limit=600, seed=0)
        out.append(f"{lp} {time.process_time() - c:5.2f} s {r2.stats.get('nodes')} nodes")
    mip.MIP_OPTIONS.clear()
    mip.MIP_OPTIONS.update(base)
    print(f"{seed} {ly:2d} " + " | ".join(out), flush=True)
