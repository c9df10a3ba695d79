"""Look at one layer's LP relaxation: which (expert, step) values are fractional, per step
balance G - C, loads paid in fractions. usage: lp_shape.py SEED LAYER"""

import sys

import highspy
import numpy as np

from planner.offload import mip
from planner.offload.generate import generate

seed, ly = int(sys.argv[1]), int(sys.argv[2])
inst = generate("llada2-mini", steps=32, seed=seed)
m = mip.build(inst, [ly], capacity=inst.capacity, global_budget=False, overlap=False)
h = highspy.Highs()
h.setOptionValue("output_flag", False)
h.setOptionValue("solve_relaxation", True)
h.passModel(m.lp)
h.run()
v = np.asarray(h.getSolution().col_value)
print("LP obj ms", h.getInfo().objective_function_value)
xc, yc = m.xcol[0], m.ycol[0]
X = np.where(xc >= 0, v[np.maximum(xc, 0)], 0.0)
Y = np.where(yc >= 0, v[np.maximum(yc, 0)], 0.0)
gpu, cpu, shared = inst.cost_arrays
u = m.experts[0]
S = inst.steps
frac = (X > 1e-6) & (X < 1 - 1e-6)
print("experts", len(u), "x cols", (xc >= 0).sum(), "y cols", (yc >= 0).sum())
print("fractional x per step", frac.sum(0))
print("experts with any fractional", frac.any(1).sum())
print("loads total", Y.sum(), "fractional loads", ((Y > 1e-6) & (Y < 1 - 1e-6)).sum())
for s in range(S):
    G = shared[s, ly] + (gpu[s, ly, u] * X[:, s]).sum()
    C = (cpu[s, ly, u] * (1 - X[:, s])).sum()
    print(
        s,
        "G-C us %.2f" % ((G - C) * 1e6),
        f"resident {X[:, s].sum():.3f}",
        f"used-res {X[:, s][inst.counts[s, ly, u] > 0].sum():.3f}",
    )
for j in np.flatnonzero(frac.any(1))[:25]:
    print(
        u[j],
        " ".join(f"{a:.2f}" if 0 < a < 1 else ("1" if a >= 1 - 1e-9 else ".") for a in X[j]),
        "| counts",
        "".join(str(min(9, c)) for c in inst.counts[:, ly, u[j]]),
    )
