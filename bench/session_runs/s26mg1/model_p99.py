"""The model's p99 TTFT / TPOT on the cases s25simq simulated (no simulation).

Run once per tree (``PYTHONPATH=<tree>``): the repro cases (8B H100 tp1 colocated, as
``bench/session_runs/s25simq/repro.py``) and cases of ``bench/serve_simulator.py``'s grid (as
``grid_long.py``); prints one JSON line per case with the CPU seconds of its evaluation.

Usage: PYTHONPATH=. python bench/session_runs/s26mg1/model_p99.py > out/model_branch.jsonl
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import json
import sys
import time
from pathlib import Path

root = Path(os.environ.get("PYTHONPATH", ".").split(":")[0]).resolve()
sys.path.insert(0, str(root / "bench"))
from serve_simulator import CASES, layout, problem_for  # noqa: E402

from planner.serve import ReplicaGroup, ServingPlan, make_problem  # noqa: E402
from planner.serve.evaluate import plan_metrics  # noqa: E402

# (label, gpu, chunk, utilisation, prompt, output): s25simq's a_* and w_* runs
REPRO = [
    ("a_c512_u70", "H100", 512, 0.7, "exp:1024", "exp:256"),
    ("a_c512_u80", "H100", 512, 0.8, "exp:1024", "exp:256"),
    ("w_chat_c512_u70", "H100", 512, 0.7, "exp:512", "exp:128"),
    ("w_fixed1024_c512_u70", "H100", 512, 0.7, "1024", "exp:256"),
    ("w_lognorm_c2048_u70", "H100", 2048, 0.7, "lognormal:1024,2048", "exp:256"),
    ("w_long4k_c8192_u70", "H100", 8192, 0.7, "exp:4096", "exp:256"),
    ("w_l40s_c512_u70", "L40S", 512, 0.7, "exp:1024", "exp:256"),
]
GRID = [
    ("8B chat", 0.7),
    ("8B long prompts", 0.7),
    ("8B chat A100", 0.7),
    ("8B chat", 0.8),
    ("70B chat fp8 tp4", 0.7),
    ("8B chat bursty (scv 2)", 0.7),
    ("8B ShareGPT-like lengths", 0.7),
    ("8B chat P/D 1:1", 0.7),
    ("Mixtral chat tp2", 0.7),
    ("8B fp8 KV L40S", 0.7),
    ("8B prefix hits 50 %", 0.7),
    ("8B long prompts", 0.8),
    ("405B fp8 tp8", 0.7),
]


def repro(label: str, gpu: str, chunk: int, util: float, prompt: str, output: str) -> dict:
    def problem(qps: float):
        return make_problem(
            "llama-3.1-8b",
            f"{gpu}:2",
            qps=qps,
            prompt_tokens=prompt,
            output_tokens=output,
            percentile=99,
            precision="bf16",
            engine=None,
            disaggregation="off",
        )

    p1 = problem(1.0)
    name = p1.inventory.pools[0].label

    def plan(load: float) -> ServingPlan:
        return ServingPlan((ReplicaGroup(name, 1, 1, 1, 1, "both", chunk, load),))

    cap = plan_metrics(p1, plan(1.0))["capacity_qps"]
    qps = util * cap
    m = plan_metrics(problem(qps), plan(qps))
    return {"case": label, "qps": qps, "model_ttft": m["ttft_s"], "model_tpot": m["tpot_s"]}


def grid(name: str, util: float) -> dict:
    case = {c.name: c for c in CASES}[name]
    cap = plan_metrics(problem_for(case, 99, 1.0), layout(case, 1.0))["capacity_qps"]
    load = util * cap
    m = plan_metrics(problem_for(case, 99, load), layout(case, load))
    return {
        "case": f"{name}:{util}",
        "qps": load,
        "model_ttft": m["ttft_s"],
        "model_tpot": m["tpot_s"],
    }


def main() -> None:
    for args in REPRO:
        t0 = time.process_time()
        row = repro(*args)
        row["cpu_s"] = round(time.process_time() - t0, 2)
        print(json.dumps(row), flush=True)
    for name, util in GRID:
        t0 = time.process_time()
        row = grid(name, util)
        row["cpu_s"] = round(time.process_time() - t0, 2)
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
