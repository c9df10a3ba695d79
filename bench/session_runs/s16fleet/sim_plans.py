"""The nine solver plans of bench/serve_simulator.py (PLAN_CASES x SLO_LEVELS), as the tree
on PYTHONPATH solves them: status, objective (repr) and plan, one JSON line each."""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(os.environ["PYTHONPATH"]) / "bench"))
from serve_simulator import PLAN_CASES, SLO_LEVELS

from planner.serve import solve
from planner.serve.api import make_problem

for model, gpus, qps, prompt, output in PLAN_CASES:
    for ttft, tpot in SLO_LEVELS:
        prob = make_problem(
            model,
            gpus,
            qps=qps,
            prompt_tokens=prompt,
            output_tokens=output,
            ttft=ttft,
            tpot=tpot,
            disaggregation="allow",
        )
        res = solve(prob, time_limit=60)
        print(
            json.dumps(
                [model, ttft, tpot, res.status.value, repr(res.objective), repr(res.solution)]
            ),
            flush=True,
        )
