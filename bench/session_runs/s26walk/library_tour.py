"""The README's Library tour, run line by line with each expression's value printed.

Run from a fresh clone: ``PYTHONPATH=CLONE python library_tour.py`` (cwd = CLONE).
"""

import planner
from planner.core.paths import given_or_bundled
from planner.smtt import Instance

inst = Instance(name="demo", p=[4, 2, 6, 3], d=[5, 3, 14, 6])
result = planner.solve(inst, "auto", time_limit=2, threads=1, seed=0)
print("smtt:", (result.status, result.objective, result.bound, result.gap))
print("order:", result.solution.order)
print("to_dict keys:", sorted(result.to_dict()))

family = planner.get_family("rcpsp")
(j30,) = family.read(given_or_bundled("j301_1.sm", "rcpsp"), None)
print("verify:", family.verify(j30, planner.solve(j30, time_limit=10).solution))

import planner.serve  # noqa: E402
import planner.train  # noqa: E402

plan = planner.train.plan(
    "llama-3.1-70b", "64xH100", global_batch=512, seq_len=4096, prefer_simple=0.0
)
print("train solution:", plan.solution.to_dict())
print("train:", plan.objective, plan.status)

serve = planner.serve.plan(
    "llama-3.1-70b",
    "H100:16,A100:32",
    qps=5,
    prompt_tokens=1024,
    output_tokens=256,
    ttft="1s",
    tpot="50ms",
)
print("serve:", serve.objective, serve.solution.to_dict()["replicas"])

for call in (
    lambda: planner.solve(inst, time_limit=float("inf")),
    lambda: planner.train.plan(
        "llama-3.1-70b", "64xH100", global_batch=512, seq_len=4096, prefer_simple=-1
    ),
):
    try:
        call()
    except planner.InputError as exc:
        print("InputError:", exc)

from planner.train.compare import explain  # noqa: E402

pinned = planner.train.plan(
    "llama-3.1-70b", "64xH100", global_batch=512, seq_len=4096, tp=4, pp=4, interleave=5
)
print(
    explain(
        planner.train.compare(
            plan.stats["summary"], pinned.stats["summary"], names=("best", "pinned")
        )
    )
)

rows = planner.serve.sweep(
    "llama-3.1-8b",
    ["H100", "L40S"],
    [1, 10, 100],
    prompt_tokens="exp:800",
    output_tokens="exp:200",
    ttft="1s",
    tpot="50ms",
    pricing="on-demand",
    time_limit=5,
    threads=1,
    plot="cost.png",
)
print("sweep rows:", len(rows))
for row in rows:
    print(" ", row)

from planner.serve.day import Autoscaling, parse_profile, plan_day  # noqa: E402

day = plan_day(
    planner.serve.make_problem(
        "llama-3.1-8b",
        "H100:8,L40S:8",
        prompt_tokens="exp:800",
        output_tokens="exp:200",
        ttft="1s",
        tpot="50ms",
        pricing="on-demand",
    ),
    parse_profile("2,2,3,5,10,20,30,35,30,20,10,4", period_hours=2),
    autoscaling=Autoscaling(max_replicas=6, max_change=2),
    time_limit=30,
)
print("day:", day["cost_per_day"], day["slo_attainment"], day["periods"][0]["replicas"])
print("serve warnings:", serve.stats.get("warnings"))
