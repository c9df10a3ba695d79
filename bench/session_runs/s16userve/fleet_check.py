"""The fleet-3x3 cases with disaggregation allowed on this branch: status, cost, usable
candidates and plan (to set beside bench/results/serve/fleet.md: the prefill quantile change
must leave them alone). Writes nothing else. Run from the worktree with PYTHONPATH=$PWD."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from planner.core import solve
from planner.perfmodel import constants
from planner.perfmodel.readers import load_model
from planner.serve.instance import ServingConstraints
from planner.serve.readers import read

ROOT = Path(__file__).resolve().parents[3]
(base,) = read(ROOT / "instances" / "serve" / "fleet-3x3.toml")
for model in sys.argv[1:] or ["llama-3.1-8b", "llama-3.1-70b"]:
    problem = replace(
        base,
        name=f"{model}/allow",
        model=load_model(model),
        constraints=ServingConstraints(disaggregation="allow"),
    )
    constants._clear_caches()
    t0 = time.process_time()
    # 300 s, not the bench's 60: at load 9 the Mixtral search ran out of wall time
    r = solve(problem, "auto", time_limit=300)
    plan = "; ".join(g.label() for g in r.solution.replicas) if r.solution else "-"
    print(
        f"{model} allow: {r.status.value} cost {r.objective:.2f} bound {r.bound:.2f} usable "
        f"{r.stats.get('usable_candidates')} of {r.stats.get('candidates')} "
        f"({time.process_time() - t0:.1f} CPU s, load {os.getloadavg()[0]:.1f})\n  {plan}",
        flush=True,
    )
