"""HiGHS's own log of one layer's proving run (as `exact` runs it: LP + RENS, then the proof
from the RENS plan), one thread: where the proof's time goes (presolve, root LP, root cuts
and heuristics, restarts, branching).

usage: profile_layer.py SEED LAYER START.npy LOGFILE
"""

import sys
import time
from pathlib import Path

import numpy as np

from planner.core.mip import run_checked
from planner.offload import mip
from planner.offload.generate import generate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "s15off"))
from layer_run import prepare_layer

seed, layer = int(sys.argv[1]), int(sys.argv[2])
start = np.load(sys.argv[3])
inst = generate("llada2-mini", steps=32, seed=seed)
p, prep_s = prepare_layer(inst, layer, start)
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
    f"seed {seed} layer {layer} prep {prep_s:.2f} s (LP bound {p.lp_bound:.3f} ms, RENS "
    f"{p.best:.3f} ms) proof {c2 - c1:.2f} s nodes {info.mip_node_count} "
    f"optimum {out.objective:.3f} bound {out.bound:.3f} ms; LP gap {(out.objective - p.lp_bound) * 1e3:.1f} us"
)
