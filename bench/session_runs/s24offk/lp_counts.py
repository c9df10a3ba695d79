"""How fractional the LP's GPU call count k_s = sum of x over experts with tokens at s is.

usage: lp_counts.py SEED LAYER   (PYTHONPATH at the tree under test)
prints per step: k_s of the LP, experts with tokens, GPU minus CPU time (us) at the LP point.
"""

import sys

import highspy
import numpy as np

from planner.offload import mip
from planner.offload.generate import generate

seed, layer = int(sys.argv[1]), int(sys.argv[2])
inst = generate("llada2-mini", steps=32, seed=seed)
model = mip.build(inst, [layer], capacity=inst.capacity, global_budget=False, overlap=False)
h = mip.new_highs(time_limit=60, seed=0)
h.setOptionValue("solve_relaxation", True)
h.passModel(model.lp)
h.run()
assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
val = np.asarray(h.getSolution().col_value)
xc = model.xcol[0]
u = model.experts[0]
gpu, cpu, shared = (a * 1e6 for a in inst.cost_arrays)
x = np.where(xc >= 0, val[np.maximum(xc, 0)], 0.0)  # [experts, steps]
used = inst.counts[:, layer, u].T > 0
frac_steps = 0
for s in range(inst.steps):
    k = float((x[:, s] * used[:, s]).sum())
    g = shared[s, layer] + float((gpu[s, layer, u] * x[:, s]).sum())
    c = float((cpu[s, layer, u] * (1 - x[:, s])).sum())
    nf = int(((x[:, s] > 1e-6) & (x[:, s] < 1 - 1e-6) & used[:, s]).sum())
    frac_steps += abs(k - round(k)) > 1e-6
    print(f"s {s:2d} k {k:9.4f} n {int(used[:, s].sum())} frac {nf:2d} G-C {g - c:9.3f}")
print(
    f"steps with fractional k: {frac_steps} of {inst.steps}; LP {h.getInfo().objective_function_value * 1e3:.3f} us"
)
