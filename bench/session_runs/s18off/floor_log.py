"""HiGHS's log of one layer's proof from the optimal plan with the primal heuristics off (the
floor of floor.py): where a root-closing proof spends its time.

usage: floor_log.py SEED LAYER START.npy LOGFILE
"""

import sys
import time

import numpy as np
from common import OFF, prepared, with_optimal_start

from planner.core.mip import run_checked
from planner.offload import mip
from planner.offload.generate import generate

seed, ly = int(sys.argv[1]), int(sys.argv[2])
start = np.load(sys.argv[3])
inst = generate("llada2-mini", steps=32, seed=seed)
q, _, _ = with_optimal_start(inst, ly, prepared(inst, ly, start))
h = mip.mip_highs(600, 0)
log = {"output_flag": True, "log_to_console": False, "log_file": sys.argv[4]}
extra = {"mip_abs_gap": mip.ABS_GAP_S * mip.UNIT, "mip_min_logging_interval": 0}
for k, v in (OFF | log | extra).items():
    h.setOptionValue(k, v)
h.passModel(q.model.lp)
c = time.process_time()
out = run_checked(h, q.incumbent.tolist())
print(
    f"seed {seed} layer {ly}: {time.process_time() - c:.2f} s CPU, nodes {h.getInfo().mip_node_count}"
)
