# ruff: noqa  (README / docs snippets kept verbatim as they were run)
from planner.train.compare import explain  # what `plan compare` prints

pinned = planner.train.plan(
    "llama-3.1-70b", "64xH100", global_batch=512, seq_len=4096, tp=4, pp=4, interleave=5
)  # any Constraints field pins
explain(
    planner.train.compare(plan.stats["summary"], pinned.stats["summary"], names=("best", "pinned"))
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
)  # $ per million output tokens

from planner.serve.day import Autoscaling, parse_profile, plan_day

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
day["cost_per_day"], day["slo_attainment"], day["periods"][0]["replicas"]
