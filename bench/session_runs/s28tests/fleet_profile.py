"""CPU seconds of the fleet test's parts (solve, candidates) for one model and mode, probes on
and off, with the profile's top functions (CPU clock).

Run: ``PYTHONPATH=. nice -n 10 .venv/bin/python bench/session_runs/s28tests/fleet_profile.py mixtral-8x7b allow``
"""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
import time
from dataclasses import replace
from pathlib import Path

from planner.perfmodel import constants
from planner.perfmodel.readers import load_model
from planner.serve import read, solve
from planner.serve.candidates import candidates
from planner.serve.capacity import RoleModel
from planner.serve.instance import ServingConstraints

FLEET = Path("instances/serve/fleet-3x3.toml")
name, mode = sys.argv[1], sys.argv[2]
(base,) = read(FLEET)
problem = replace(base, model=load_model(name), constraints=ServingConstraints(disaggregation=mode))
for label in ("fast", "plain"):
    if label == "plain":
        RoleModel.capacity_at_most = lambda self, rate: False
    constants._clear_caches()
    prof = cProfile.Profile(time.process_time)
    t0 = time.process_time()
    if os.environ.get("S28_PROFILE"):
        prof.enable()
    r = solve(problem, "auto", time_limit=600)
    t1 = time.process_time()
    usable = [c for c in candidates(problem) if c.usable]
    prof.disable()
    t2 = time.process_time()
    print(
        f"{name} {mode} {label}: solve_cpu={t1 - t0:.1f} candidates_cpu={t2 - t1:.1f} "
        f"status={r.status.value} usable={len(usable)} load={os.getloadavg()[0]:.1f}",
        flush=True,
    )
    if os.environ.get("S28_PROFILE"):  # cProfile doubles the CPU time: off by default
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
