"""Probe: does a minimum-run (min-up-time) inequality raise the per-layer LP bound?

A load at use u_i of expert e costs `copy`; a run that starts with that load and serves only
uses whose CPU calls sum below `copy` is strictly worse than not loading (each step's
max(GPU, CPU) rises by at most the expert's CPU call when it leaves the GPU, and a slot is
freed). So in every optimal plan a load at u_i keeps the expert through u_j(i), the first use
where those CPU calls reach `copy`; two such loads cannot both cover a step (the first run is
still resident at the second load). Rows (Rajan-Takriti form): for each step s,
sum of y[u_i] over the loads whose window [u_i, u_j(i)] holds s  <=  x[s]; a load with no
such j is fixed at 0. Prints LP bound without / with these rows and the MIP optimum if given.

usage: minrun_lp.py SEED LAYER [LAYER...]
"""

import sys
import time

import highspy
import numpy as np

from planner.core.mip import new_highs
from planner.offload import mip
from planner.offload.generate import generate


def minrun_rows(inst, model, i=0):
    """(rows as (cols, vals, upper)) and y columns to fix at 0, for layer model.layers[i]."""
    ly = model.layers[i]
    u = model.experts[i]
    _, cpu, _ = (a * mip.UNIT for a in inst.cost_arrays)
    copy = inst.copy_s * mip.UNIT * (1 - 1e-9)  # a shorter window stays valid
    xc, yc = model.xcol[i], model.ycol[i]
    rows, fix = [], []
    for j in range(len(u)):
        uses = np.flatnonzero(inst.counts[:, ly, u[j]] > 0)
        c = cpu[uses, ly, u[j]]
        cover = {}  # step -> list of y columns whose window holds it
        for a, ua in enumerate(uses):
            if yc[j, ua] < 0:
                continue
            cum = np.cumsum(c[a:])
            k = np.flatnonzero(cum >= copy)
            if len(k) == 0:
                fix.append(yc[j, ua])
                continue
            end = uses[a + k[0]]
            for s in range(ua, end + 1):
                cover.setdefault(s, []).append(yc[j, ua])
        for s, ys in cover.items():
            if xc[j, s] < 0:
                continue
            rows.append((np.array([*ys, xc[j, s]]), np.array([1.0] * len(ys) + [-1.0])))
    return rows, fix


def lp_value(lp, extra=None, fix=None):
    h = new_highs(time_limit=60)
    h.setOptionValue("solve_relaxation", True)
    h.passModel(lp)
    if fix:
        f = np.array(fix, dtype=np.int32)
        h.changeColsBounds(len(f), f, np.zeros(len(f)), np.zeros(len(f)))
    if extra:
        for cols, vals in extra:
            h.addRow(-highspy.kHighsInf, 0.0, len(cols), cols.astype(np.int32), vals)
    h.run()
    return h.getInfo().objective_function_value, h


if __name__ == "__main__":
    seed = int(sys.argv[1])
    inst = generate("llada2-mini", steps=32, seed=seed)
    for ly in (int(a) for a in sys.argv[2:]):
        model = mip.build(inst, [ly], capacity=inst.capacity, global_budget=False, overlap=False)
        t = time.process_time()
        rows, fix = minrun_rows(inst, model)
        base, _ = lp_value(model.lp)
        withr, _ = lp_value(model.lp, rows, fix)
        print(
            f"seed {seed} layer {ly}: LP {base * 1e3:.3f} us, with {len(rows)} min-run rows and "
            f"{len(fix)} loads fixed at 0: {withr * 1e3:.3f} us (+{(withr - base) * 1e3:.3f}); "
            f"{time.process_time() - t:.1f} s",
            flush=True,
        )
