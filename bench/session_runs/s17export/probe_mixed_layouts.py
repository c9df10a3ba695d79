"""Which MoE instances' unrestricted optimum uses a layout an export target refuses
(TensorRT-LLM tp>1 ep>1, SGLang ep>1 off DeepSeek, pp>1)?  Run from the worktree:
PYTHONPATH=. python bench/session_runs/s17export/probe_mixed_layouts.py"""

import sys
import time

from planner.serve import make_problem
from planner.serve.api import solve
from planner.serve.export import launchable

CASES = [
    ("qwen3-30b-a3b", "H100:8", 20, "1s", "30ms"),
    ("qwen3-30b-a3b", "H100:8", 40, "2s", "20ms"),
    ("mixtral-8x7b", "H100:8", 10, "1s", "20ms"),
    ("mixtral-8x7b", "H100:16", 30, "2s", "30ms"),
    ("llama-4-scout", "H100:16", 10, "2s", "30ms"),
    ("deepseek-v3", "H200:16", 2, "5s", "100ms"),
]
for model, gpus, qps, ttft, tpot in CASES:
    prob = make_problem(
        model,
        gpus,
        qps=qps,
        prompt_tokens="exp:1000",
        output_tokens="exp:200",
        ttft=ttft,
        tpot=tpot,
    )
    t = time.process_time()
    free = solve(prob, "auto", time_limit=30, threads=1)
    line = [model, gpus, str(qps), ttft, tpot, free.status.value, f"{free.objective}"]
    line.append(" + ".join(g.label() for g in (free.solution.replicas if free.solution else ())))
    for tool in ("trtllm", "sglang"):
        r = solve(launchable(prob, tool), "auto", time_limit=30, threads=1)
        line.append(
            f"{tool}: {r.status.value} {r.objective} "
            + " + ".join(g.label() for g in (r.solution.replicas if r.solution else ()))
        )
    line.append(f"cpu {time.process_time() - t:.1f}s")
    print(" | ".join(line), flush=True)
    sys.stdout.flush()
