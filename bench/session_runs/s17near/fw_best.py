"""LLM Foundry full-checkpointing misses: the published layout, the best plan and the best
Composer plan under the model, with their memory and time breakdown (helper s17near).

Usage::

    PYTHONPATH=. .venv/bin/python bench/session_runs/s17near/fw_best.py [--filter SUBSTR]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace

import planner.train  # noqa: F401
from planner.perfmodel.calibration.published import TRAINING_ROWS
from planner.train.api import solve
from planner.train.calibration import row_plan, row_problem
from planner.train.step_time import estimate


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--filter", default="")
    ap.add_argument("--time-limit", type=float, default=30.0)
    args = ap.parse_args()
    rows = [
        r
        for r in TRAINING_ROWS
        if r.source == "llmfoundry2401" and r.recompute == "full" and args.filter in r.id
    ]
    for r in rows:
        problem = row_problem(r)
        problem = replace(problem, constraints=replace(problem.constraints, use_all_gpus=True))
        pub = estimate(problem, row_plan(r, problem.model.layers))
        held = problem.with_constraints(framework="llmfoundry")
        res = solve(held, "auto", time_limit=args.time_limit, threads=1)
        fb = res.solution
        fe = estimate(held, fb)
        out = {
            "run": r.id,
            "published_s": round(pub.step_time, 4),
            "published_mem": pub.memory.to_dict(),
            "framework_best": fb.short(),
            "framework_best_s": round(fe.step_time, 4),
            "gap": round(pub.step_time / fe.step_time - 1, 4),
            "framework_best_mem": fe.memory.to_dict(),
            "pub_breakdown": {k: round(v, 3) for k, v in pub.breakdown.items()},
            "fb_breakdown": {k: round(v, 3) for k, v in fe.breakdown.items()},
        }
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    sys.exit(main())
