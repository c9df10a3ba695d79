"""Deterministic rcpsp outputs, printed as JSON, to diff between two trees.

    PYTHONPATH=TREE python bench/session_runs/s28start/same_outputs.py > out.json

One-pass methods on the bundled instances, the GA with a schedule budget, and the generator's
instances (its witness schedule is an LFT pass, interpreted on the branch for small ones).
"""

from __future__ import annotations

import json

from planner.core.paths import instances_dir
from planner.core.solve import solve
from planner.rcpsp import read
from planner.rcpsp.generate import generate
from planner.rcpsp.heuristics.data import SgsData
from planner.rcpsp.heuristics.ga import genetic_algorithm
from planner.rcpsp.heuristics.sgs import lft_schedule

FILES = (
    "j301_1.sm",
    "j3013_1.sm",
    "example.rcp",
    "PSP1.SCH",
    "PSP2.SCH",
    "datacenter_migration.json",
)
METHODS = ("sgs-basic", "sgs-lft", "sgs-par-lft", "sgs-mts", "sgs-par-grpw")


def main() -> None:
    out: dict[str, object] = {}
    # first, while no kernel is loaded: the witness passes of small ones run interpreted
    for n in (10, 30, 60, 120):
        for seed in (1, 2):
            for p in (0.0, 1.0):
                g = generate(n, seed=seed, p_downtime=p, p_window=p / 2, p_disjunctive=p / 2)
                out[f"gen/{n}/{seed}/{p}"] = g.to_dict() if hasattr(g, "to_dict") else repr(g)
    instances = [i for f in FILES for i in read(instances_dir() / "rcpsp" / f, None)]
    for inst in instances:
        sol = lft_schedule(inst)
        out[f"{inst.name}/lft"] = None if sol is None else list(sol.start)
        for m in METHODS:
            r = solve(inst, m, time_limit=10)
            out[f"{inst.name}/{m}"] = [str(r.status), r.objective, r.bound]
        try:
            data = SgsData.of(inst)
        except ValueError:
            continue
        ga = genetic_algorithm(data, time_limit=60.0, seed=3, max_schedules=3000)
        out[f"{inst.name}/ga"] = [int(ga.makespan), ga.schedules]
    print(json.dumps(out, sort_keys=True, default=str))


if __name__ == "__main__":
    main()
