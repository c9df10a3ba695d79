"""s25cert: a wrong OPTIMAL on the README's serve problem at 6.2 req/s (llama-3.1-70b).

One H100 tp4 replica with a 1,024-token prefill chunk carries 6.2 req/s within the SLOs (the
family's verify accepts the plan, $11.96/h); the methods search chunks 512 / 2048 / 8192 only
(capacity 6.144 req/s at best) and certify a dearer plan OPTIMAL.
"""

import planner
import planner.serve
from planner.serve.instance import ReplicaGroup, ServingPlan

p = planner.serve.make_problem(
    "llama-3.1-70b",
    "H100:16,A100:32",
    qps=6.2,
    prompt_tokens=1024,
    output_tokens=256,
    ttft="1s",
    tpot="50ms",
)
fam = planner.get_family("serve")
plan = ServingPlan((ReplicaGroup("H100-SXM", 4, 1, 1, 1, "both", 1024, 6.2),))
print("one H100 tp4, chunk 1024: verify", fam.verify(p, plan), "cost", fam.evaluate(p, plan))
print("lower_bound", fam.lower_bound(p))
for m in ("mip", "auto"):
    r = planner.solve(p, m, time_limit=60, threads=1)
    print(
        m,
        r.status,
        r.objective,
        r.bound,
        [g.label() + f" chunk {g.chunk_tokens}" for g in r.solution.replicas],
    )
