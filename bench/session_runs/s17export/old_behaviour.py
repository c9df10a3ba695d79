"""The four defects on a given checkout (run with PYTHONPATH=/work/main for the old code, or
the worktree for the new): trtllm / sglang search picking layouts the export refuses or
mis-launches, SGLang's EP flags, fp8 KV on A10G, the restriction report.
PYTHONPATH=<checkout> python bench/session_runs/s17export/old_behaviour.py"""

import planner
from planner.core.errors import InputError
from planner.serve import ReplicaGroup, ServingPlan, make_problem
from planner.serve.api import solve
from planner.serve.export import export_plan, launchable

print("code:", planner.__file__)
q = make_problem(
    "qwen3-30b-a3b",
    "H100:8",
    qps=40,
    prompt_tokens="exp:1000",
    output_tokens="exp:200",
    ttft="2s",
    tpot="20ms",
)
for tool in ("trtllm", "sglang"):
    try:
        r = solve(launchable(q, tool), "auto", time_limit=30)
        labels = [g.label() for g in r.solution.replicas]
        try:
            out = export_plan(q, r.solution, tool)
            print(
                tool,
                r.status.value,
                labels,
                "notes:",
                out["notes"],
                [c["shell"] for c in out["commands"]],
            )
        except InputError as exc:
            print(tool, r.status.value, labels, "export refused:", exc)
    except InputError as exc:
        print(tool, "refused:", exc)
ds = make_problem(
    "deepseek-v3",
    "H200:16",
    qps=2,
    prompt_tokens="exp:1000",
    output_tokens="exp:200",
    precision="fp8",
    max_batch=64,
)
plan = ServingPlan((ReplicaGroup("H200", 2, 1, 4, 1, "both", 2048, 2.0),))
print("sglang deepseek tp2 ep4:", export_plan(ds, plan, "sglang")["commands"][0]["shell"])
try:
    a = make_problem(
        "llama-3.1-8b", "A10G:4", qps=1, prompt_tokens=500, output_tokens=100, kv_precision="fp8"
    )
    r = solve(a, "auto", time_limit=10)
    print("A10G --kv-precision fp8:", r.status.value, r.reason[:120] if r.reason else "")
except InputError as exc:
    print("A10G --kv-precision fp8: exit 2:", exc)
try:
    make_problem(
        "llama-3.1-8b", "A10G:4", qps=1, prompt_tokens=500, output_tokens=100, precision="fp8"
    )
except InputError as exc:
    print("A10G --precision fp8: exit 2:", exc)
