"""Script 4: the docs' day profile (8B on H100:8,L40S:8) from Python.

``python s4_day.py [TIME_LIMIT]`` (default 30; library.md also quotes 3 and 90).
"""

import json
import sys
import time

import planner.serve as serve
from planner.serve.day import Autoscaling, SpotPolicy, parse_profile, plan_day

prob = serve.make_problem(
    "llama-3.1-8b",
    "H100:8,L40S:8",
    prompt_tokens="exp:800",
    output_tokens="exp:200",
    ttft="1s",
    tpot="50ms",
    pricing="on-demand",
)
prof = parse_profile("2,2,3,5,10,20,30,35,30,20,10,4", period_hours=2)
c0 = time.process_time()
w0 = time.time()
day = plan_day(
    prob,
    prof,
    autoscaling=Autoscaling(max_replicas=6, max_change=2),
    spot=SpotPolicy(allowed=True, max_share=0.5),
    time_limit=float(sys.argv[1]) if len(sys.argv) > 1 else 30.0,
    threads=1,
)
print("cpu", round(time.process_time() - c0, 1), "wall", round(time.time() - w0, 1))
print({k: v for k, v in day.items() if k != "periods"})
for p in day["periods"]:
    print(
        p["demand_qps"],
        p["served_qps"],
        p["shortfall_qps"],
        p["replicas"],
        p["gpus"],
        p["cost_usd"],
        p["slo_attainment"],
        p["violations"],
    )
with open("s4_day.json", "w") as fh:
    json.dump(day, fh, default=str, indent=1)
