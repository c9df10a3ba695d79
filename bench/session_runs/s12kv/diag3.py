import sys

import numpy as np

sys.path.insert(0, "bench/session_runs/s12kv")
from proto import setup

from planner.serve import simulate as S

qps = float(sys.argv[1])
n = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
p, plan, rm = setup(qps)
for b in (287, 355, 359):
    f = rm._prefill(b)
    print(
        "b",
        b,
        "t0",
        f["t0"] * 1e3,
        "xbar",
        f["xbar"] * 1e3,
        "T at lam",
        f["t0"] / (1 - qps * f["xbar"]) * 1e3,
    )
sim = S.Simulator(p, plan, 0)
log = []
pre = []
admit_t = {}
od = sim._duration


def dur(e, step, moe=None):
    d = od(e, step, moe)
    log.append((sim.env.now, d, step.b, step.chunk_tokens, e.kv_used, len(e.waiting)))
    return d


sim._duration = dur
op = sim._preempt


def prem(e):
    before = list(e.running)
    op(e)
    for r in before:
        if r not in e.running:
            pre.append((sim.env.now, r.prompt + r.generated))


sim._preempt = prem
oa = sim._admit


def adm(e):
    oa(e)
    for r in e.prefilling:
        admit_t.setdefault(r.rid, sim.env.now)


sim._admit = adm
trace = S.generate_trace(p.traffic.with_qps(qps), n, 0)
done = sim.run(trace)
L = np.array(log)
P = np.array(pre) if pre else np.zeros((0, 2))
full = L[:, 5] > 0
print(
    "frac iterations with waiting",
    full.mean(),
    "preemptions",
    len(P),
    "recompute tokens/s",
    P[:, 1].sum() / trace.arrival[-1],
)
m = full
if m.any():
    print(
        "while waiting: T",
        L[m, 1].mean() * 1e3,
        "B",
        L[m, 2].mean(),
        "chunk tok/s",
        L[m, 3].sum() / L[m, 1].sum(),
    )
ttft = np.array([r.first - r.arrival for r in done])
wait = np.array([admit_t[r.rid] - r.arrival for r in done])
print(
    "ttft p50/p90/p99",
    np.percentile(ttft, [50, 90, 99]),
    "P(wait>1e-3)",
    (wait > 1e-3).mean(),
    "wait p99",
    np.percentile(wait, 99),
    "mean wait|>1e-3",
    wait[wait > 1e-3].mean() if (wait > 1e-3).any() else 0,
)
# arrivals over time for drift
edges = np.arange(0, trace.arrival[-1], 50)
print(
    "waiting by 50s:",
    [round(float(L[(L[:, 0] >= a) & (L[:, 0] < a + 50), 5].mean()), 1) for a in edges],
)
