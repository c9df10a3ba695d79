"""Who makes the simulated p99 TPOT: output lengths and step mix of the slowest requests."""

import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np

from planner.serve import ReplicaGroup, ServingPlan, make_problem
from planner.serve.simulate import simulate_requests, warmup_requests

model, gpu, chunk, qps = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
prompt, output = (sys.argv[5], sys.argv[6]) if len(sys.argv) > 6 else ("exp:800", "exp:200")
prob = make_problem(
    model,
    f"{gpu}:1",
    qps=qps,
    prompt_tokens=prompt,
    output_tokens=output,
    ttft="800ms",
    tpot="30ms",
)
name = prob.inventory.pools[0].label
plan = ServingPlan((ReplicaGroup(name, 1, 1, 1, 1, "both", chunk, qps),))
trace, done = simulate_requests(prob, plan, requests=2000, seed=0)
first = warmup_requests(trace)
rs = [r for r in done if r.rid >= first and r.output > 1]
tp = np.array([(r.finish - r.first) / (r.output - 1) for r in rs])
out = np.array([r.output for r in rs])
p99 = np.percentile(tp, 99)
print(f"p99 {p99 * 1e3:.2f} ms, p50 {np.median(tp) * 1e3:.2f} ms, n {len(rs)}")
idx = np.argsort(tp)[::-1][:40]
for i in idx:
    r = rs[i]
    print(f"  tpot {tp[i] * 1e3:7.2f} ms  output {out[i]:5d}  prompt {r.prompt:5d}")
for lo, hi in [(2, 5), (5, 20), (20, 100), (100, 10**9)]:
    sel = (out >= lo) & (out < hi)
    print(
        f"output [{lo},{hi}): n {sel.sum()}, share above p99 {(tp[sel] > p99).mean():.3f}, "
        f"p50 {np.median(tp[sel]) * 1e3:.2f} ms"
    )
