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
tl = float(sys.argv[1])
w0 = time.time()
c0 = time.process_time()
day = plan_day(
    prob,
    prof,
    autoscaling=Autoscaling(max_replicas=6, max_change=2),
    spot=SpotPolicy(allowed=True, max_share=0.5),
    time_limit=tl,
    threads=1,
)
print(
    tl,
    "wall",
    round(time.time() - w0, 1),
    "cpu",
    round(time.process_time() - c0, 1),
    day["status"],
    day["cost_per_day"],
    day["slo_attainment"],
    day["slo_attainment_exact"],
)
print([round(p["slo_attainment"], 4) for p in day["periods"]])
