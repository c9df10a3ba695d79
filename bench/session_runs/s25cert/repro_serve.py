"""s25cert: reproduce the serve INFEASIBLE claim on a demand one L4 replica just carries."""

from sweep_serve import CHUNKS, capacity
from sweep_train import TINY

import planner
import planner.serve
from planner.serve.instance import ReplicaGroup, ServingPlan

base = dict(prompt_tokens=512, output_tokens=128, ttft="1s", tpot="50ms", pricing="on-demand")
probe = planner.serve.make_problem(TINY, "L4:1", qps=1, name="probe", **base)
caps = {ch: capacity(probe, "L4", 1, ch) for ch in CHUNKS}
print("capacity per chunk", caps)
chunk = max(caps, key=caps.get)
for frac in (1e-2, 1e-3, 1e-4, 1e-5, 1e-6):
    qps = caps[chunk] * (1 - frac)
    p = planner.serve.make_problem(TINY, "L4:1", qps=qps, name="just", **base)
    plan = ServingPlan((ReplicaGroup("L4", 1, 1, 1, 1, "both", chunk, qps),))
    fam = planner.get_family("serve")
    v = fam.verify(p, plan)
    r = planner.solve(p, "mip", time_limit=5)
    print(
        f"1-{frac:g}: qps {qps:.6f} verify(one L4)={v} evaluate={fam.evaluate(p, plan)} "
        f"lower_bound={fam.lower_bound(p)} | mip {r.status} {r.objective} {r.reason[:150]}"
    )

# A wrong OPTIMAL: one L4 carries the demand (verify accepts it), the methods buy an H100.
qps = caps[chunk] * (1 - 1e-6)
p = planner.serve.make_problem(TINY, "H100:1,L4:1", qps=qps, name="mixed_just", **base)
plan = ServingPlan((ReplicaGroup("L4", 1, 1, 1, 1, "both", chunk, qps),))
fam = planner.get_family("serve")
print("mixed: verify(one L4) =", fam.verify(p, plan), "cost", fam.evaluate(p, plan))
for m in ("mip", "greedy", "auto"):
    r = planner.solve(p, m, time_limit=5)
    print(
        f"  {m}: {r.status} objective {r.objective} bound {r.bound} "
        f"plan {[g.label() for g in r.solution.replicas] if r.solution else r.reason[:80]}"
    )
