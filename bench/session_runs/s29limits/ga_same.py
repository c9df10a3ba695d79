"""GA answers with a schedule budget on random projects, for comparing two trees' code.

Usage: PYTHONPATH=TREE python ga_same.py OUT.json [COUNT]
For COUNT generated projects (sizes 5-120, downtime / windows / disjunctive pairs at random):
a GA run with a schedule budget (reproducible for a seed and budget), without and with the
LFT schedule as an initial list. Two trees are equal when their OUT files are.
"""

from __future__ import annotations

import json
import random
import sys

from planner.rcpsp.feasibility import infeasibility_reason
from planner.rcpsp.generate import generate
from planner.rcpsp.heuristics.data import SgsData
from planner.rcpsp.heuristics.ga import genetic_algorithm, order_of
from planner.rcpsp.heuristics.sgs import lft_schedule


def one(k: int, rng: random.Random) -> dict:
    n = rng.choice([5, 8, 12, 20, 30, 60, 120])
    inst = generate(
        n,
        seed=k,
        p_downtime=rng.choice([0.0, 0.5, 1.0]),
        p_window=rng.choice([0.0, 0.3, 0.7]),
        p_disjunctive=rng.choice([0.0, 0.3]),
        name=f"r{k}",
    )
    out: dict = {"n": n, "reason": infeasibility_reason(inst)}
    if out["reason"] is not None:
        return out
    try:
        data = SgsData.of(inst)
    except ValueError as exc:
        out["sgs"] = str(exc)
        return out
    ga = genetic_algorithm(data, time_limit=1e6, seed=k, max_schedules=400)
    out["ga"] = [ga.makespan, None if ga.start is None else ga.start.tolist(), ga.schedules]
    sol = lft_schedule(inst)
    if sol is not None:
        initial = [order_of(data, sol.start)]
        ga = genetic_algorithm(data, time_limit=1e6, seed=k, max_schedules=300, initial=initial)
        out["ga_lft"] = [ga.makespan, None if ga.start is None else ga.start.tolist()]
    return out


def main() -> None:
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    rng = random.Random(29)
    rows = [one(k, rng) for k in range(count)]
    with open(sys.argv[1], "w") as fh:
        json.dump(rows, fh)
    print(sum(r["reason"] is None for r in rows), "feasible of", count)


if __name__ == "__main__":
    main()
