"""Model side only: p99 TPOT / TTFT of one colocated replica at a load (no simulation)."""

import sys

from planner.serve import ReplicaGroup, ServingPlan, make_problem
from planner.serve.evaluate import plan_metrics

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
m = plan_metrics(prob, ServingPlan((ReplicaGroup(name, 1, 1, 1, 1, "both", chunk, qps),)))
print(
    f"{model} {name} chunk {chunk} qps {qps}: TTFT p99 {m['ttft_s'] * 1e3:.1f} ms, "
    f"TPOT p99 {m['tpot_s'] * 1e3:.2f} ms, capacity(SLO) {m['capacity_qps']:.3f}"
)
