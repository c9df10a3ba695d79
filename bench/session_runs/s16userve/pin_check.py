"""Is an OPTIMAL serve plan the cheapest? Re-plan with every (tp, pp[, ep]) pinned and with
each GPU type alone; a pinned plan cheaper than the unpinned OPTIMAL is a false certificate
(helper s16userve). Run: PYTHONPATH=$PWD nice -n 10 /work/main/.venv/bin/python
bench/session_runs/s16userve/pin_check.py > bench/session_runs/s16userve/pin_check.out
"""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import planner.serve as serve
from planner.perfmodel.readers import load_model

INP = Path(__file__).resolve().parent / "inputs"
BASE = dict(prompt_tokens="exp:2048", output_tokens="exp:256")
CASES = [
    ("qwen3-32b", "L40S:8,L4:16", dict(qps=1, ttft="3s", tpot="80ms")),
    ("phi-4", "A10G:8", dict(qps=1, ttft="3s", tpot="100ms")),
    ("mistral-small-24b", "L4:8,A10G:8", dict(qps=0.5, ttft="5s", tpot="100ms")),
    ("deepseek-v2-lite", "L40S:4", dict(qps=5, ttft="1s", tpot="50ms")),
    ("gpt-oss-20b", "L4:8", dict(qps=1, ttft="3s", tpot="80ms")),
    (
        "llama-3.1-8b",
        "L4:4,A10G:4,L40S:2",
        dict(qps=3, ttft="1s", tpot="40ms", disaggregation="allow"),
    ),
    (
        "llama-3.1-8b",
        "H100:4,RTX-PRO-6000:4",
        dict(qps=8, ttft="800ms", tpot="25ms", arrival_scv=4),
    ),
]


def model_arg(name: str) -> str:
    path = INP / f"{name}.json"
    return str(path) if path.exists() else name


for name, gpus, kw in CASES:
    args = {**BASE, **kw}
    t = time.process_time()
    r = serve.plan(model_arg(name), gpus, time_limit=20, explain=False, **args)
    line = f"{name} {gpus} {kw}: {r.status.value} cost {r.objective} bound {r.bound}"
    print(line, f"({time.process_time() - t:.1f} CPU s)", flush=True)
    if r.solution is not None:
        print("   plan:", [(g.gpu, g.tp, g.pp, g.ep, g.count, g.role) for g in r.solution.replicas])
    spec = load_model(model_arg(name))
    eps = [1] if not spec.is_moe else [e for e in (1, 2, 4, 8) if spec.num_experts % e == 0]
    best = None
    for tp, pp, ep in itertools.product((1, 2, 4, 8), (1, 2, 4), eps):
        try:
            p = serve.plan(
                model_arg(name), gpus, time_limit=20, explain=False, tp=tp, pp=pp, ep=ep, **args
            )
        except Exception as exc:
            print(f"   tp{tp} pp{pp} ep{ep}: {type(exc).__name__} {exc}")
            continue
        if p.objective is not None and p.status.value in ("OPTIMAL", "FEASIBLE"):
            if best is None or p.objective < best[0]:
                best = (p.objective, tp, pp, ep, p.status.value)
            if r.objective is not None and p.objective < r.objective - 1e-6:
                print(f"   CHEAPER PINNED tp{tp} pp{pp} ep{ep}: {p.objective} {p.status.value}")
            if r.objective is None:
                print(f"   PINNED FEASIBLE where unpinned {r.status.value}: tp{tp} pp{pp} ep{ep}")
    print("   best pinned:", best, flush=True)
