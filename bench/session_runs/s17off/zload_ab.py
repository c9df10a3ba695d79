"""A/B of a branching aid on the per-layer proofs: one integer column z_e per expert, the count
of its loads (sum_s y[e,s] <= z_e; the copy cost moves from y to z, so the objective is the same
at every integer plan). The LP's fractional part is whole runs held at one fractional value
(lp_shape.py: e.g. 0.38 from step 4 to 31, loaded once in fractions); branching on one x[e,s]
only splits such a run, branching on z_e (never loaded vs loaded) decides it.

usage: zload_ab.py TAG SEED LAYERS START.npy     (env ZLOAD=1 adds the z columns)
prints as layer_ab.py (s16off).
"""

import os
import sys

import highspy
import numpy as np
from ab import run

from planner.offload import mip

if os.environ.get("ZLOAD") == "1":
    plain_build, plain_start = mip.build, mip.start_values

    def build(instance, layers, **kw):
        m = plain_build(instance, layers, **kw)
        lp = m.lp
        ycols = [yc[j][yc[j] >= 0] for yc in m.ycol for j in range(yc.shape[0])]
        keep = [i for i, c in enumerate(ycols) if len(c)]
        n0, _r0 = lp.num_col_, lp.num_row_
        cost = np.asarray(lp.col_cost_)
        copy = float(cost[ycols[keep[0]][0]])
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.passModel(lp)
        ally = np.concatenate([ycols[i] for i in keep]).astype(np.int32)
        h.changeColsCost(len(ally), ally, np.zeros(len(ally)))
        nz = len(keep)
        h.addVars(nz, np.zeros(nz), np.full(nz, highspy.kHighsInf))
        zc = np.arange(n0, n0 + nz, dtype=np.int32)
        h.changeColsCost(nz, zc, np.full(nz, copy))
        h.changeColsIntegrality(nz, zc, np.array([highspy.HighsVarType.kInteger] * nz))
        for k, i in enumerate(keep):
            idx = np.append(ycols[i], n0 + k).astype(np.int32)
            val = np.append(np.ones(len(ycols[i])), -1.0)
            h.addRow(-highspy.kHighsInf, 0.0, len(idx), idx, val)
        m.lp = h.getLp()
        m.zmap = [ycols[i] for i in keep]
        return m

    def start_values(instance, model, mask):
        v = plain_start(instance, model, mask)  # sized by model.lp: z slots are 0
        nz = len(model.zmap)
        v[len(v) - nz :] = np.round([v[c].sum() for c in model.zmap])
        return v

    mip.build, mip.start_values = build, start_values

run(sys.argv[1], int(sys.argv[2]), sys.argv[3], np.load(sys.argv[4]), lambda ly: "")
