"""HiGHS's own log of one layer's proving run (as `exact` runs it: LP + RENS, then the proof
from the RENS plan), one thread: where the proof's time goes (presolve, root LP, root cuts
and heuristics, restarts, branching).

usage: profile_layer.py SEED LAYER START.npy LOGFILE
"""

import sys
import time

import numpy as np

from planner.core.mip import run_checked
from planner.offload import mip
from planner.offload.generate import generate

seed, layer = int(sys.argv[1]), int(sys.argv[2])
start = np.load(sys.argv[3])
inst = generate("llada2-mini", steps=32, seed=seed)
c0 = time.process_time()
p = mip.prepare(
    inst,
    [layer],
    capacity=inst.capacity,
    global_budget=False,
    overlap=False,
    time_limit=300,
    start=start,
    seed=0,
)
c1 = time.process_time()
h = mip.mip_highs(600, 0)
h.setOptionValue("mip_abs_gap", mip.ABS_GAP_S * mip.UNIT)
h.setOptionValue("output_flag", True)
h.setOptionValue("log_to_console", False)
h.setOptionValue("log_file", sys.argv[4])
h.setOptionValue("timeless_log", False)
h.passModel(p.model.lp)
out = run_checked(h, p.incumbent.tolist())
c2 = time.process_time()
info = h.getInfo()
print(
    f"seed {seed} layer {layer} prep {c1 - c0:.2f} s (LP bound {p.lp_bound:.3f} ms, RENS "
    f"{p.best:.3f} ms) proof {c2 - c1:.2f} s nodes {info.mip_node_count} "
    f"optimum {out.objective:.3f} bound {out.bound:.3f} ms; LP gap {(out.objective - p.lp_bound) * 1e3:.1f} us"
)
