"""One layer's proof from the RENS plan (as `exact`) with HiGHS's primal heuristics as configured
and off (floor.py's OFF set). One thread, CPU seconds.

usage: heur_off.py SEED LAYERS START.npy
"""

import sys
import time

import numpy as np

from planner.offload import mip
from planner.offload.generate import generate

sys.path.insert(0, __file__.rsplit("/", 1)[0])
OFF = {
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
    out = []
    for extra in ({}, OFF):
        mip.MIP_OPTIONS.clear()
        mip.MIP_OPTIONS.update(base | extra)
        c = time.process_time()
        r = mip.finish(inst, p, time_limit=600, seed=0)
        out.append(
            f"{time.process_time() - c:6.2f} s {r.stats.get('nodes')} nodes {r.objective * 1e6:.3f}"
        )
    print(
        f"{seed} {ly:2d} RENS {p.best * 1e3:.3f} | as is {out[0]} | heuristics off {out[1]}",
        flush=True,
    )
