# ruff: noqa  (README / docs snippets kept verbatim as they were run)
import planner
from planner.core.paths import given_or_bundled
from planner.smtt import Instance

inst = Instance(name="demo", p=[4, 2, 6, 3], d=[5, 3, 14, 6])
result = planner.solve(inst, "auto", time_limit=2, threads=1, seed=0)
result.status, result.objective, result.bound, result.gap  # (OPTIMAL, 5, 5, 0.0): ints stay ints
result.solution.order  # [1, 0, 3, 2]
result.to_dict()  # the --json schema

family = planner.get_family("rcpsp")  # readers, verify, methods, ...
(j30,) = family.read(given_or_bundled("j301_1.sm", "rcpsp"), None)  # bundled; any directory
family.verify(j30, planner.solve(j30, time_limit=10).solution)  # [] = feasible

import planner.serve
import planner.train

plan = planner.train.plan(
    "llama-3.1-70b", "64xH100", global_batch=512, seq_len=4096, prefer_simple=0.0
)  # the fastest plan (default: a simpler one within 1 %)
plan.solution.to_dict()  # {'tp': 2, 'pp': 4, 'dp': 4, 'cp': 2, ..., 'stage_layers': [19, 21, 21, 19]}
plan.objective, plan.status  # 30.99 (step time in seconds), OPTIMAL (proven under the cost model)

serve = planner.serve.plan(
    "llama-3.1-70b",
    "H100:16,A100:32",
    qps=5,
    prompt_tokens=1024,
    output_tokens=256,
    ttft="1s",
    tpot="50ms",
)
(
    serve.objective,
    serve.solution.to_dict()["replicas"],
)  # $/hour (11.96), [{'gpu': 'H100-SXM', 'tp': 4, ...}]
