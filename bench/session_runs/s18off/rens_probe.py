"""RENS variants on one layer: which fixes give the best plan for how much sub-MIP CPU?

Variants: the simplex LP's fractional values free (as `exact`); the values fractional at an
interior point of the LP's optimal face (IPM without crossover, tolerance TOL) free; every
value of an expert with any such fractional value free.

usage: rens_probe.py SEED LAYERS START.npy   prints one line per layer and variant
"""

import sys
import time

import numpy as np

from planner.core.mip import new_highs, outcome
from planner.offload import mip
from planner.offload.generate import generate

seed = int(sys.argv[1])
start = np.load(sys.argv[3])
inst = generate("llada2-mini", steps=32, seed=seed)


def lp_x(model, nx, solver):
    h = new_highs(time_limit=120, seed=0)
    h.setOptionValue("solve_relaxation", True)
    h.setOptionValue("solver", solver)
    h.setOptionValue("run_crossover", "on" if solver == "simplex" else "off")
    h.passModel(model.lp)
    c = time.process_time()
    h.run()
    return np.asarray(h.getSolution().col_value)[:nx], time.process_time() - c


def sub_mip(model, nx, lo, hi):
    h = mip.mip_highs(300, 0)
    h.passModel(model.lp)
    h.changeColsBounds(nx, np.arange(nx, dtype=np.int32), lo, hi)
    c = time.process_time()
    h.run()
    out = outcome(h)
    return out.objective, time.process_time() - c


for ly in [int(x) for x in sys.argv[2].split(",")]:
    model = mip.build(inst, [ly], capacity=inst.capacity, global_budget=False, overlap=False)
    xc = model.xcol[0]
    nx = int((xc >= 0).sum())
    expert_of = np.zeros(nx, dtype=np.int64)
    expert_of[xc[xc >= 0]] = np.nonzero(xc >= 0)[0]
    xs, ts = lp_x(model, nx, "simplex")
    xi, ti = lp_x(model, nx, "ipm")
    for name, x, tol, whole in (
        ("simplex", xs, 1e-6, False),
        ("ipm1e-4", xi, 1e-4, False),
        ("ipm1e-6", xi, 1e-6, False),
        ("ipm-experts", xi, 1e-4, True),
    ):
        frac = (x > tol) & (x < 1 - tol)
        if whole:
            frac = np.isin(expert_of, np.unique(expert_of[frac]))
        lo = np.where(frac, 0.0, np.where(x > 0.5, 1.0, 0.0))
        hi = np.where(frac, 1.0, lo)
        obj, t = sub_mip(model, nx, lo, hi)
        print(
            f"{seed} {ly:2d} {name:12s} free {frac.sum():5d} lp_s {ts if name == 'simplex' else ti:.2f} "
            f"sub {t:6.2f} obj {obj * 1e3 if obj is not None else float('nan'):.3f}",
            flush=True,
        )
