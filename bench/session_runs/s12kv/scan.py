"""Model-side scan: the KV admission wait of every grid case and load (scratch)."""

import sys

sys.path.insert(0, "bench")
import serve_simulator as B

from planner.serve.capacity import role_model
from planner.serve.evaluate import plan_metrics

for case in B.CASES:
    cap = plan_metrics(B.problem_for(case, 99, 1.0), B.layout(case, 1.0))["capacity_qps"]
    for u in case.utilisations:
        load = u * cap
        prob, plan = B.problem_for(case, 99, load), B.layout(case, load)
        g = plan.replicas[0]
        rm = role_model(prob, g)
        n = g.count * g.pp * g.ep
        lam = load / n
        pt = rm.at_rate(lam)
        w = rm.admission(lam, 0.0) if rm.role == "both" else None
        p = None if w is None else float(w.probability)
        print(
            f"{case.name:45s} {u:.0%} P(wait)={p if p is None else f'{p:.2e}'} kv={pt.kv_tokens / pt.kv_capacity:.2f}",
            flush=True,
        )
