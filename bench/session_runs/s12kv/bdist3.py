"""Batch / KV law: long simulation vs the chain of RoleModel.admission (scratch)."""

import math
import sys

import numpy as np

sys.path.insert(0, "bench/session_runs/s12kv")
from proto import setup

from planner.serve import simulate as S

qps = float(sys.argv[1])
n = int(sys.argv[2])
p, plan, rm = setup(qps)
sim = S.Simulator(p, plan, 0)
log = []
od = sim._duration


def dur(e, step, moe=None):
    d = od(e, step, moe)
    log.append((sim.env.now, d, step.b, e.kv_used, len(e.waiting)))
    return d


sim._duration = dur
trace = S.generate_trace(p.traffic.with_qps(qps), n, 0)
done = sim.run(trace)
L = np.array(log)
m = (L[:, 0] > 60) & (L[:, 0] < trace.arrival[-1])
w = L[m, 1] / L[m, 1].sum()
res = {}
for col, name in ((2, "B"), (3, "KV")):
    mean = (w * L[m, col]).sum()
    sd = math.sqrt((w * (L[m, col] - mean) ** 2).sum())
    res[name] = (round(mean, 1), round(sd, 1))
ttft = np.array([r.first - r.arrival for r in done])
print(
    qps,
    n,
    "sim",
    res,
    "P(waiting)",
    round(float(w[L[m, 4] > 0].sum()), 4),
    "ttft p99",
    round(float(np.percentile(ttft, 99)), 3),
)
# model chain (body without the cap): replicate admission() arrays
pt = rm.at_rate(qps)
print(
    "   model B",
    round(pt.batch, 1),
    "ttft p99",
    round(pt.ttft_s, 3),
    "wait",
    rm.admission(qps, 0.0),
)
