"""The floor (optimal start, heuristics off, floor.py) with HiGHS's root LP by dual simplex
(as configured) and by IPM (``mip_lp_solver`` ipm). One thread, CPU seconds.

usage: floor_lp.py SEED LAYERS START.npy
"""

import sys

import numpy as np
from common import OFF, prepared, proof, with_optimal_start

from planner.offload.generate import generate

seed = int(sys.argv[1])
start = np.load(sys.argv[3])
inst = generate("llada2-mini", steps=32, seed=seed)
for ly in [int(x) for x in sys.argv[2].split(",")]:
    q, _, _ = with_optimal_start(inst, ly, prepared(inst, ly, start))
    out = []
    for lp in ("simplex", "ipm", "simplex"):
        r, cpu = proof(inst, q, OFF | {"mip_lp_solver": lp})
        out.append(f"{lp} {cpu:5.2f} s {r.stats.get('nodes')} nodes")
    print(f"{seed} {ly:2d} " + " | ".join(out), flush=True)
