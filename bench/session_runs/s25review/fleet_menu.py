"""``bench/serve_fleet.py``'s six searches (3 models x disaggregation off / allow on the
fleet-3x3 instance, cold caches, auto, one thread) over main's chunk menu or the one before
51b471f1, printing one JSON line per search here instead of writing bench/results.

Usage: ``PYTHONPATH=. python bench/session_runs/s25review/fleet_menu.py old|new``
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import planner.serve.capacity as capacity
from planner.perfmodel import constants
from planner.perfmodel.readers import load_model
from planner.serve import read, solve
from planner.serve.instance import ServingConstraints

INSTANCE = Path(__file__).resolve().parents[3] / "instances" / "serve" / "fleet-3x3.toml"
OLD_MENU = (512, 2048, 8192)


def main() -> None:
    """Run the six searches with the menu named on the command line."""
    menu = sys.argv[1]
    if menu == "old":
        capacity.CHUNK_OPTIONS = OLD_MENU  # chunk_choices reads the module constant per call
    logging.disable(logging.WARNING)
    (base,) = read(INSTANCE)
    for model in ("llama-3.1-8b", "llama-3.1-70b", "mixtral-8x7b"):
        for mode in ("off", "allow"):
            problem = replace(
                base,
                name=f"{model}/{mode}",
                model=load_model(model),
                constraints=ServingConstraints(disaggregation=mode),
            )
            constants._clear_caches()  # cold start, as bench/serve_fleet.py
            load = os.getloadavg()[0]
            c0 = time.process_time()
            r = solve(problem, "auto", time_limit=60.0, threads=1)
            row = {
                "menu": menu,
                "problem": problem.name,
                "status": r.status.value,
                "cost": None if r.objective is None else round(r.objective, 2),
                "bound": None if r.bound is None else round(r.bound, 2),
                "cpu_s": round(time.process_time() - c0, 2),
                "load_1min": round(load, 2),
            }
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
