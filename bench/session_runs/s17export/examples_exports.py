"""The explicit examples of test_every_plan_the_search_returns_for_a_target_exports: plan,
CPU time and the exported commands. PYTHONPATH=. python bench/session_runs/s17export/examples_exports.py"""

import time

from planner.perfmodel.serving_features import Speculative
from planner.serve import make_problem
from planner.serve.api import solve
from planner.serve.export import export_plan, launchable

base = dict(qps=5.0, prompt_tokens="exp:2000", output_tokens="exp:300", ttft="2s", tpot="30ms")
CASES = [
    (
        "deepseek-v3",
        "H200:16",
        "sglang",
        dict(qps=1.0, precision="fp8", speculative=Speculative("mtp", 1, 0.8), max_batch=64),
    ),
    (
        "llama-3.1-8b",
        "H100:8",
        "vllm",
        dict(
            qps=10.0, tpot="8ms", disaggregation="allow", speculative=Speculative("eagle", 3, 0.7)
        ),
    ),
    ("mixtral-8x7b", "H100:8", "vllm", dict(qps=20.0, disaggregation="allow")),
    (
        "qwen3-30b-a3b",
        "H100:8",
        "trtllm",
        dict(
            qps=20.0, precision="int4", kv_precision="fp8", prefix_hit_rate=0.3, kv_block_tokens=32
        ),
    ),
]
for model, gpus, tool, kw in CASES:
    t = time.process_time()
    prob = launchable(make_problem(model, gpus, **{**base, **kw}), tool)
    res = solve(prob, "auto", time_limit=20)
    print(model, gpus, tool, res.status.value, res.objective, f"cpu {time.process_time() - t:.1f}s")
    if res.solution is not None:
        out = export_plan(prob, res.solution, tool)
        for n in out["notes"]:
            print("  # note:", n)
        for c in out["commands"]:
            print("  ", c["label"], "|", c["shell"])
            if "extra_llm_api_options" in c:
                print("     ", c["extra_llm_api_options"].replace("\n", " / "))
