"""s24pools: CPU seconds of ``exact`` on bench/train_hetero.py's cases (in one process).

Usage: PYTHONPATH=. .venv/bin/python bench/session_runs/s24pools/hetero_cpu.py [NAME ...]
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.join(os.getcwd(), "bench"))

from train_hetero import CASES

from planner.perfmodel.hardware import parse_cluster
from planner.perfmodel.readers import load_model
from planner.train.instance import Constraints, TrainingProblem, Workload
from planner.train.methods import exact


def main() -> None:
    only = set(sys.argv[1:])
    for name, model, cluster, batch, seq, _label in CASES:
        if only and name not in only:
            continue
        prob = TrainingProblem(
            name,
            load_model(model),
            parse_cluster(cluster),
            Workload(batch, seq),
            Constraints(),
            meta={"top_k": 5},
        )
        c0 = time.process_time()
        res = exact(prob, time_limit=60.0)
        cpu = time.process_time() - c0
        plan = res.solution.short() if res.solution else None
        print(
            f"{name:14s} {res.status!s:9s} {res.objective:.4f} {plan} cpu {cpu:.2f} s "
            f"load {os.getloadavg()[0]:.2f}"
        )


if __name__ == "__main__":
    main()
