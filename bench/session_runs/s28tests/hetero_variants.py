"""CPU seconds of ``test_solve_on_pools``'s two halves (solve, brute force) per instance size,
and whether the optimum spans both pools (the branch the test is about).

Run: ``PYTHONPATH=.:tests/.. nice -n 10 .venv/bin/python bench/session_runs/s28tests/hetero_variants.py``
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.getcwd())

from planner.core.solve import solve
from planner.perfmodel.hardware import parse_cluster
from planner.train.instance import Constraints, TrainingProblem, Workload
from tests.train.conftest import tiny_spec
from tests.train.test_hetero import _brute_best


def prob(layers: int, batch: int, gpus: int = 4) -> TrainingProblem:
    cluster = parse_cluster(
        {
            "pool": [
                {"gpu": "H100", "count": gpus},
                {"gpu": {"base": "A100"}, "count": gpus, "name": "A100"},
            ]
        }
    )
    return TrainingProblem(
        "mix",
        tiny_spec(layers=layers, heads=16, head_dim=128),
        cluster,
        Workload(batch, 1024),
        Constraints(overlap_grad_reduce=True, objective="time"),
        meta={"top_k": 3},
    )


for arg in sys.argv[1:]:  # LAYERSxBATCH[xGPUS per pool]
    layers, batch, *rest = (int(v) for v in arg.split("x"))
    p = prob(layers, batch, *rest)
    t = time.process_time()
    res = solve(p, "auto", time_limit=60, threads=1)
    t_solve = time.process_time() - t
    t = time.process_time()
    best = _brute_best(p)
    t_brute = time.process_time() - t
    plan = res.solution
    print(
        f"{arg}: layers={layers} batch={batch} solve_cpu={t_solve:.1f} brute_cpu={t_brute:.1f} "
        f"status={res.status.value} obj={res.objective:.6g} brute={best:.6g} "
        f"pools={plan.stage_pools} pp={plan.pp} tp={plan.tp} dp={plan.dp} load={os.getloadavg()[0]:.1f}",
        flush=True,
    )
