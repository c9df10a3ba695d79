"""Bound comparison on one layer: the LP, the LP with the GPU call counts k_s integer and x
relaxed (kcount.add_counts), and HiGHS's bound after its root node (mip_max_nodes 1, from the
RENS start, as the proving run does), with and without the k_s columns.

usage: root_vs_k.py SEED LAYER START.npy
"""

import sys
import time
from pathlib import Path

import highspy
import numpy as np

from planner.offload import mip
from planner.offload.generate import generate

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kcount import add_counts

seed, layer = int(sys.argv[1]), int(sys.argv[2])
start = np.load(sys.argv[3])
inst = generate("llada2-mini", steps=32, seed=seed)


def model():
    return mip.build(inst, [layer], capacity=inst.capacity, global_budget=False, overlap=False)


m = model()
add_counts(inst, m, "eq", relax_x=True)
c = time.process_time()
h = mip.new_highs(time_limit=120, seed=0)
h.setOptionValue("mip_rel_gap", 1e-7)
h.passModel(m.lp)
h.run()
print(
    f"{seed} {layer} k-int x-relaxed {h.getInfo().mip_dual_bound * 1e3:.3f} cpu {time.process_time() - c:.2f}"
)
p = mip.prepare(
    inst, [layer], capacity=inst.capacity, global_budget=False, overlap=False,
    time_limit=300, start=start, seed=0,
)  # fmt: skip
print(f"{seed} {layer} LP {p.lp_bound * 1e3:.3f} RENS {p.best * 1e3:.3f}")
h = mip.mip_highs(120, 0)
h.setOptionValue("mip_max_nodes", 1)
h.passModel(p.model.lp)
h.setSolution(highspy.HighsSolution())  # as run: an empty solution first, the start below
sol = highspy.HighsSolution()
sol.col_value = list(p.incumbent)
h.setSolution(sol)
c = time.process_time()
h.run()
print(
    f"{seed} {layer} root bound {h.getInfo().mip_dual_bound * 1e3:.3f} cpu {time.process_time() - c:.2f}"
)
