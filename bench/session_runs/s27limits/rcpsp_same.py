"""Deterministic rcpsp answers on random projects, for comparing two trees' code.

Usage: PYTHONPATH=TREE python rcpsp_same.py OUT.json [COUNT]
For COUNT generated projects (sizes 5-120, downtime / windows / disjunctive pairs / lags at
random): the feasibility reason, the lower bound, every priority rule's values, the windows,
a digest of the SGS arrays, the LFT schedule and a GA run with a schedule budget (reproducible
for a seed and budget). Two trees are equal when their OUT files are.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys

import numpy as np

from planner.rcpsp.bounds import lower_bound
from planner.rcpsp.feasibility import infeasibility_reason
from planner.rcpsp.generate import generate
from planner.rcpsp.heuristics import RULES
from planner.rcpsp.heuristics.data import SgsData
from planner.rcpsp.heuristics.ga import genetic_algorithm
from planner.rcpsp.heuristics.priority import rule_values
from planner.rcpsp.heuristics.sgs import lft_schedule
from planner.rcpsp.network import distances, tightened_windows


def digest(*arrays: np.ndarray) -> str:
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
        h.update(str(a.shape).encode())
    return h.hexdigest()[:16]


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
    out["lb"] = int(lower_bound(inst))
    w = tightened_windows(inst, distances(inst))
    out["windows"] = digest(w.es, w.ls, w.tail)
    try:
        data = SgsData.of(inst)
    except ValueError as exc:
        out["sgs"] = str(exc)
        return out
    out["sgs"] = digest(
        *data.fwd.args(), *data.rev.args(), data.order_ptr, data.order_job, data.topo
    )
    out["rules"] = {r: digest(rule_values(data, r)) for r in RULES}
    sol = lft_schedule(inst)
    out["lft"] = None if sol is None else list(sol.start)
    ga = genetic_algorithm(data, time_limit=1e6, seed=k, max_schedules=400)
    out["ga"] = [ga.makespan, None if ga.start is None else ga.start.tolist()]
    return out


def main() -> None:
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    rng = random.Random(27)
    rows = [one(k, rng) for k in range(count)]
    with open(sys.argv[1], "w") as fh:
        json.dump(rows, fh)
    print(sum(r["reason"] is None for r in rows), "feasible of", count)


if __name__ == "__main__":
    main()
