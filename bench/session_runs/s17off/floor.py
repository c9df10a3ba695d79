"""The proof's floor on this machine: a layer proved as `exact` does (LP + RENS, then HiGHS), but
started from its optimal plan (saved by save_opt.py), with HiGHS's primal heuristics as configured
(`on`) or off (`off`: effort 0, feasibility jump, RINS, RENS off). What a perfect primal heuristic
would leave. One thread, CPU seconds.

usage: floor.py MODE SEED LAYERS START.npy      (MODE on | off)
"""

import sys
import time
from pathlib import Path

import numpy as np

from planner.offload import mip
from planner.offload.generate import generate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "s15off"))
from layer_run import prepare_layer

mode, seed = sys.argv[1], int(sys.argv[2])
if mode == "off":
    mip.MIP_OPTIONS.update(
        mip_heuristic_effort=0.0,
        mip_heuristic_run_feasibility_jump=False,
        mip_heuristic_run_rins=False,
        mip_heuristic_run_rens=False,
    )
base = np.load(sys.argv[4])
inst = generate("llada2-mini", steps=32, seed=seed)
for ly in [int(x) for x in sys.argv[3].split(",")]:
    start = base.copy()
    start[:, ly, :] = np.load(f"/tmp/s17off/opt_s{seed}_l{ly}.npy")
    p, prep_s = prepare_layer(inst, ly, start)
    c1 = time.process_time()
    r = mip.finish(inst, p, time_limit=600, seed=0)
    c2 = time.process_time()
    print(
        f"floor-{mode} {seed} {ly:2d} prep {prep_s:6.2f} proof {c2 - c1:6.2f} nodes "
        f"{r.stats.get('nodes')} {r.status.value} obj {r.objective * 1e6:.3f} "
        f"bound {r.bound * 1e6:.3f} start {p.best * 1e3:.3f}",
        flush=True,
    )
