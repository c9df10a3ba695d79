"""Does the relative interior of the LP's optimal face (IPM without crossover) free the values
where the optimum differs from the RENS plan? (one layer; needs opt_/rens_ plans from
s17off/save_opt.py)

usage: face_probe.py SEED LAYER START.npy PLANDIR
"""

import sys
import time

import numpy as np

from planner.core.mip import new_highs
from planner.offload import mip
from planner.offload.generate import generate

seed, ly = int(sys.argv[1]), int(sys.argv[2])
start = np.load(sys.argv[3])
inst = generate("llada2-mini", steps=32, seed=seed)
model = mip.build(inst, [ly], capacity=inst.capacity, global_budget=False, overlap=False)
xc = model.xcol[0]
nx = int((xc >= 0).sum())
opt = np.load(f"{sys.argv[4]}/opt_s{seed}_l{ly}.npy")[:, model.experts[0]].T  # [experts, steps]
rens = np.load(f"{sys.argv[4]}/rens_s{seed}_l{ly}.npy")[:, model.experts[0]].T


def lp_x(solver: str, crossover: str) -> tuple[np.ndarray, float]:
    h = new_highs(time_limit=120, seed=0)
    h.setOptionValue("solve_relaxation", True)
    h.setOptionValue("solver", solver)
    h.setOptionValue("run_crossover", crossover)
    h.passModel(model.lp)
    c = time.process_time()
    h.run()
    x = np.asarray(h.getSolution().col_value)[:nx]
    full = np.zeros(xc.shape)
    full[xc >= 0] = x[xc[xc >= 0]]
    return full, time.process_time() - c


live = xc >= 0
diff = (opt != rens) & live
print(f"seed {seed} layer {ly}: {live.sum()} x values, optimum differs from RENS in {diff.sum()}")
for solver, cross in (("simplex", "on"), ("ipm", "off")):
    x, cpu = lp_x(solver, cross)
    tol = 1e-6 if cross == "on" else 1e-4
    frac = live & (x > tol) & (x < 1 - tol)
    print(
        f"  {solver}/{cross}: {cpu:.2f} s, fractional {frac.sum()}, of the differing values "
        f"{(frac & diff).sum()} fractional; experts with any fractional {frac.any(axis=1).sum()}, "
        f"differing experts {diff.any(axis=1).sum()} of which covered "
        f"{(diff.any(axis=1) & frac.any(axis=1)).sum()}"
    )
