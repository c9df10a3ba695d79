# ruff: noqa: E401, E402, I001  -- the README's Library tour snippet, kept verbatim (imports mid-file)
from pathlib import Path

import planner
from planner.smtt import Instance

inst = Instance(name="demo", p=[4, 2, 6, 3], d=[5, 3, 14, 6])
result = planner.solve(inst, "auto", time_limit=2, threads=1, seed=0)
print("A", (result.status, result.objective, result.bound, result.gap), type(result.objective))
print("B", result.solution.order)
print("C", sorted(result.to_dict().keys()))

family = planner.get_family("rcpsp")
(j30,) = family.read(Path("instances/rcpsp/j301_1.sm"), None)
print("D", family.verify(j30, planner.solve(j30, time_limit=10).solution))

import planner.train, planner.serve

plan = planner.train.plan("llama-3.1-70b", "64xH100", global_batch=512, seq_len=4096)
print("E", plan.solution.to_dict())
print("F", plan.objective, plan.status)

serve = planner.serve.plan(
    "llama-3.1-70b",
    "H100:16,A100:32",
    qps=5,
    prompt_tokens=1024,
    output_tokens=256,
    ttft="1s",
    tpot="50ms",
)
print("G", serve.objective, serve.solution.to_dict()["replicas"])
try:
    planner.solve(inst, time_limit=float("inf"))
except planner.InputError as e:
    print("H", type(e).__mro__[:3], e)
