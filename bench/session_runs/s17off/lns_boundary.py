"""Does a sub-MIP around the RENS plan find a layer's optimum? Free every residency value that is
fractional in the LP, differs between LP and RENS plan, or lies within D steps of a run boundary
of the RENS plan (runs shifted by a step are most of what separates RENS from the optimum);
fix the rest at the RENS plan. One thread, CPU seconds.

usage: lns_boundary.py SEED LAYERS START.npy D [D ...]
prints: seed layer D free_x sub_s objective_us (rens_us, lp_us)
"""

import sys
import time
from pathlib import Path

import highspy
import numpy as np

from planner.core.mip import outcome
from planner.offload import mip
from planner.offload.generate import generate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "s15off"))
from layer_run import prepare_layer

seed = int(sys.argv[1])
layers = [int(x) for x in sys.argv[2].split(",")]
start = np.load(sys.argv[3])
ds = [int(d) for d in sys.argv[4:]]
inst = generate("llada2-mini", steps=32, seed=seed)
for ly in layers:
    p, prep_s = prepare_layer(inst, ly, start)
    m = p.model
    nx = int((m.xcol[0] >= 0).sum())
    c0 = time.process_time()
    relax = highspy.Highs()
    relax.setOptionValue("output_flag", False)
    relax.setOptionValue("solve_relaxation", True)
    relax.passModel(m.lp)
    relax.run()
    lpx = np.asarray(relax.getSolution().col_value)[:nx]
    lp_s = time.process_time() - c0
    xc = m.xcol[0]
    live = xc >= 0
    for d in ds:
        values = np.asarray(p.incumbent, dtype=float)
        best = p.best
        c1 = time.process_time()
        rounds = 0
        while True:
            rounds += 1
            inc = values[:nx] > 0.5
            X = np.zeros(xc.shape, dtype=bool)
            X[live] = inc[xc[live]]
            near = np.zeros_like(X)
            for k in range(1, d + 1):
                near[:, k:] |= X[:, k:] != X[:, :-k]
                near[:, :-k] |= X[:, k:] != X[:, :-k]
            free = np.zeros(nx, dtype=bool)
            free[xc[live & near]] = True
            free |= (lpx > 1e-6) & (lpx < 1 - 1e-6)
            free |= np.abs(lpx - inc) > 0.5
            h = mip.mip_highs(300, 0)
            h.passModel(m.lp)
            fixed = np.flatnonzero(~free).astype(np.int32)
            val = inc[fixed].astype(float)
            h.changeColsBounds(len(fixed), fixed, val, val)
            sol = highspy.HighsSolution()
            sol.col_value = list(values)
            sol.value_valid = True
            h.setSolution(sol)
            h.run()
            out = outcome(h)
            if out.objective is None or out.objective > best - 1e-7 or rounds >= 10:
                break
            best, values = out.objective, np.asarray(out.values)
        c2 = time.process_time()
        print(
            f"{seed} {ly:2d} D {d} free {int(free.sum())}/{nx} rounds {rounds} sub {c2 - c1:6.2f} s "
            f"obj {best * 1e3:.3f} rens {p.best * 1e3:.3f} lp_s {lp_s:.2f}",
            flush=True,
        )
