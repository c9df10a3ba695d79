"""Probe: time for CP-SAT (no LP, 1 thread) to prove ``makespan <= T`` infeasible, forward vs
reversed project, on PSPLIB j60 instances. ``T`` = best_ub - 1 from PSPLIB's bounds.csv (the
reference is used only to pick the question asked, as in docs/rcpsp.md's earlier probes; the
solver never sees it as a bound).

usage: probe.py DIRECTION DTIME OUT.csv INSTANCE...   (DIRECTION: fwd | rev)
"""

import csv
import json
import os
import resource
import sys
import time
from pathlib import Path

from reverse import reversed_instance  # this folder (kept out of the package: unused there)

from planner.core import cpsat as cps
from planner.rcpsp.bounds import lower_bound
from planner.rcpsp.model import ModelOptions, build
from planner.rcpsp.network import distances
from planner.rcpsp.readers import read

DATA = Path("/work/shared/data/psplib")
#: extra CP-SAT parameters (JSON in $PROBE_PARAMS), enum values by name
EXTRA = json.loads(os.environ.get("PROBE_PARAMS", "{}"))


def _enum_values(params):
    from ortools.sat.python import cp_model_helper

    return {
        k: getattr(cp_model_helper.SatParameters, v) if isinstance(v, str) else v
        for k, v in params.items()
    }


def main() -> None:
    direction, limit, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    names = sys.argv[4:]
    with open(DATA / "bounds.csv") as f:
        ref = {r["instance"]: r for r in csv.DictReader(f)}
    rows = []
    for name in names:
        inst = read(DATA / "j60" / f"{name}.sm")[0]
        if direction == "rev":
            inst = reversed_instance(inst)
        target = int(ref[name]["best_ub"]) - 1
        lb = lower_bound(inst)
        c0 = resource.getrusage(resource.RUSAGE_SELF).ru_utime
        t0 = time.perf_counter()
        model = build(inst, distances(inst), options=ModelOptions(), upper=target, lower=lb)
        # a deterministic-time limit: the machine is shared (load 3-4), wall time is not
        # comparable between runs; 1 unit was ~4.5 CPU s on j6025_1
        solver = cps.make_solver(
            time_limit=100 * limit,
            threads=1,
            seed=0,
            params=_enum_values(
                {"linearization_level": 0, "max_deterministic_time": limit, **EXTRA}
            ),
        )
        outc = cps.run(model.cp, solver, report=False)
        wall = time.perf_counter() - t0
        cpu = resource.getrusage(resource.RUSAGE_SELF).ru_utime - c0
        row = dict(
            instance=name,
            direction=direction,
            target=target,
            lb=lb,
            params=json.dumps(EXTRA),
            status=str(outc.status),
            bound=outc.bound,
            wall_s=round(wall, 2),
            cpu_s=round(cpu, 2),
            dtime=round(solver.deterministic_time, 2),
        )
        print(row, flush=True)
        rows.append(row)
        with open(out, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)


if __name__ == "__main__":
    main()
