"""One layer's proof from the RENS plan (as `exact`) with HiGHS's primal heuristics as configured
and off (common.OFF). One thread, CPU seconds.

usage: heur_off.py SEED LAYERS START.npy
"""

import sys

import numpy as np
from common import OFF, prepared, proof

from planner.offload.generate import generate

seed = int(sys.argv[1])
start = np.load(sys.argv[3])
inst = generate("llada2-mini", steps=32, seed=seed)
for ly in [int(x) for x in sys.argv[2].split(",")]:
    p = prepared(inst, ly, start)
    out = []
    for extra in ({}, OFF):
        r, cpu = proof(inst, p, extra)
        out.append(f"{cpu:6.2f} s {r.stats.get('nodes')} nodes {r.objective * 1e6:.3f}")
    print(
        f"{seed} {ly:2d} RENS {p.best * 1e3:.3f} | as is {out[0]} | heuristics off {out[1]}",
        flush=True,
    )
