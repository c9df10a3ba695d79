"""Unrestricted plans of the fleet / day / sweep cases of tests/serve/test_targets.py (so the
restricted ones there are known to differ). PYTHONPATH=. python bench/session_runs/s17export/free_fleet_day_sweep.py"""

from planner.serve import make_problem
from planner.serve.api import solve
from planner.serve.day import parse_profile, plan_day
from planner.serve.sweep import sweep

QWEN = dict(prompt_tokens="exp:1000", output_tokens="exp:200", ttft="2s", tpot="20ms")
shared = make_problem(
    "qwen3-30b-a3b",
    "H100:16",
    workloads=[
        {
            "name": "chat",
            "traffic": {"qps": 40, "prompt_tokens": "exp:1000", "output_tokens": "exp:200"},
            "slo": {"ttft": "2s", "tpot": "20ms"},
        },
        {
            "name": "code",
            "traffic": {"qps": 20, "prompt_tokens": "exp:2000", "output_tokens": "exp:100"},
            "slo": {"ttft": "2s", "tpot": "30ms"},
        },
    ],
)
r = solve(shared, "auto", time_limit=30)
print("shared", r.objective, [g.label() for g in r.solution.replicas])
d = plan_day(
    make_problem("qwen3-30b-a3b", "H100:8", qps=40, **QWEN), parse_profile([20, 40]), time_limit=30
)
print("day", [[(g["tp"], g["ep"]) for g in p["replicas"]] for p in d["periods"]], d["cost_per_day"])
print(sweep("qwen3-30b-a3b", ["H100"], [40], gpus_per_type=8, **QWEN)[0]["replicas"])
