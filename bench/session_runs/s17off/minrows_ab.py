"""Probe on top of this branch: minimum-run rows. A load of expert e at step s keeps it resident
through m(e, s), the first step where its CPU time since s (inclusive) reaches one copy (a shorter
run never pays: dropping it is strictly cheaper), aggregated per step as in Rajan & Takriti's
min-up-time rows: x[e, s'] >= sum of y[e, s] over loads s <= s' <= m(e, s) (at most one such load
is active in a plan without wasted loads). Session 16 found they move the LP bound by 0.000 us;
this measures the proofs.

usage: minrows_ab.py TAG SEED LAYERS START.npy   (env MINROWS=1 adds the rows)
"""

import os
import sys

import highspy
import numpy as np
from ab import run

from planner.offload import mip

added = {}
if os.environ.get("MINROWS") == "1":
    plain = mip.build

    def build(instance, layers, **kw):
        m = plain(instance, layers, **kw)
        if kw.get("overlap"):
            return m
        _, cpu, _ = instance.cost_arrays
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.passModel(m.lp)
        n = 0
        for i, (ly, u) in enumerate(zip(m.layers, m.experts, strict=True)):
            c = cpu[:, ly, u].T
            xc, yc = m.xcol[i], m.ycol[i]
            S = xc.shape[1]
            for j in range(len(u)):
                cover = [[] for _ in range(S)]  # loads whose minimum run covers step s'
                for s in np.flatnonzero(yc[j] >= 0):
                    acc = np.cumsum(c[j, s:])
                    reach = np.flatnonzero(acc >= instance.copy_s * (1 - 1e-9))
                    end = s + int(reach[0]) if len(reach) else S - 1
                    for s2 in range(s, end + 1):
                        cover[s2].append(yc[j, s])
                for s2 in range(S):
                    if not cover[s2] or xc[j, s2] < 0:
                        continue
                    idx = np.array([xc[j, s2], *cover[s2]], dtype=np.int32)
                    val = np.array([1.0] + [-1.0] * len(cover[s2]))
                    h.addRow(0.0, highspy.kHighsInf, len(idx), idx, val)
                    n += 1
        added[tuple(layers)] = n
        m.lp = h.getLp()
        return m

    mip.build = build

run(
    sys.argv[1],
    int(sys.argv[2]),
    sys.argv[3],
    np.load(sys.argv[4]),
    lambda ly: f"rows_added {added.get((ly,), 0)}",
)
