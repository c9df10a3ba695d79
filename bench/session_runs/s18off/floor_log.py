"""HiGHS's log of one layer's proof from the optimal plan with the primal heuristics off (the
floor of floor.py): where a root-closing proof spends its time.

usage: floor_log.py SEED LAYER START.npy LOGFILE
"""

import dataclasses
import sys
import time

import numpy as np

from planner.core.mip import run_checked
from planner.offload import mip
from planner.offload.generate import generate

seed, ly = int(sys.argv[1]), int(sys.argv[2])
start = np.load(sys.argv[3])
inst = generate("llada2-mini", steps=32, seed=seed)
p = mip.prepare(
    inst, [ly], capacity=inst.capacity, global_budget=False, overlap=False,
    time_limit=300, start=start, seed=0,
)  # fmt: skip
r = mip.finish(inst, p, time_limit=600, seed=0)
opt = np.zeros(start.shape, dtype=bool)
opt[:, ly, :] = r.mask[:, 0, :]
values = mip.start_values(inst, p.model, opt)
q = dataclasses.replace(p, incumbent=values, best=float(np.dot(p.model.lp.col_cost_, values)))
h = mip.mip_highs(600, 0)
for k, v in {
    "mip_heuristic_effort": 0.0,
    "mip_heuristic_run_feasibility_jump": False,
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_abs_gap": mip.ABS_GAP_S * mip.UNIT,
    "output_flag": True,
    "log_to_console": False,
    "log_file": sys.argv[4],
    "mip_min_logging_interval": 0,
}.items():
    h.setOptionValue(k, v)
h.passModel(q.model.lp)
c = time.process_time()
out = run_checked(h, q.incumbent.tolist())
print(
    f"seed {seed} layer {ly}: {time.process_time() - c:.2f} s CPU, nodes {h.getInfo().mip_node_count}"
)
